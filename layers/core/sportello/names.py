"""Names that the Lambda code, the CDK app and the local cloud must agree on, defined once.

The CDK app sets these environment variables on each function and `sportello.config` reads them; the
local cloud, the tests and the benchmark set them too. Pure constants, importing nothing, so that the CDK
app (and a benchmark that must configure the environment before Sportello is imported) can use them.
"""

from typing import Final

# --- environment variables, read by sportello.config.Settings ------------------------------------------
ENV_TABLE_NAME: Final = "TABLE_NAME"
ENV_DATA_BUCKET: Final = "DATA_BUCKET"
ENV_MAIL_DOMAIN: Final = "MAIL_DOMAIN"
ENV_SUPPORT_ADDRESS: Final = "SUPPORT_ADDRESS"
ENV_DESK_NAME: Final = "DESK_NAME"
# In AWS the HMAC key of reply+<token>@ addresses is read from Secrets Manager by name; the local cloud
# and the tests pass the value itself.
ENV_REPLY_TOKEN_SECRET_NAME: Final = "REPLY_TOKEN_SECRET_NAME"  # noqa: S105 - a variable's name
ENV_REPLY_TOKEN_SECRET: Final = "REPLY_TOKEN_SECRET"  # noqa: S105 - a variable's name
ENV_INBOUND_QUEUE_URL: Final = "INBOUND_QUEUE_URL"
ENV_OUTBOUND_QUEUE_URL: Final = "OUTBOUND_QUEUE_URL"
ENV_ROUTING_STATE_MACHINE_ARN: Final = "ROUTING_STATE_MACHINE_ARN"
ENV_NOTIFICATION_TOPIC_ARN: Final = "NOTIFICATION_TOPIC_ARN"
# The messaging providers' credentials: a Secrets Manager name in AWS, the JSON document itself locally.
ENV_PROVIDER_SECRETS_NAME: Final = "PROVIDER_SECRETS_NAME"
ENV_PROVIDER_SECRETS: Final = "PROVIDER_SECRETS"
ENV_PROVIDER_API_BASE: Final = "PROVIDER_API_BASE"  # one base URL for every provider API (local fakes)
# The outbound queue's receive count before the dead-letter queue: the handler's "last attempt".
ENV_OUTBOUND_MAX_RECEIVES: Final = "OUTBOUND_MAX_RECEIVES"

# --- environment variables of sportello.observability and of Powertools ---------------------------------
ENV_TRACING: Final = "SPORTELLO_TRACING"  # "true": build the X-Ray tracer (`-c tracing=true` sets it)
ENV_POWERTOOLS_SERVICE_NAME: Final = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_LOG_LEVEL: Final = "POWERTOOLS_LOG_LEVEL"
ENV_POWERTOOLS_TRACE_DISABLED: Final = "POWERTOOLS_TRACE_DISABLED"

# --- Cognito groups, read from the ID token's `cognito:groups` claim -------------------------------------
ADMINS_GROUP: Final = "admins"
AGENTS_GROUP: Final = "agents"

# SUPPORT_ADDRESS is "<SUPPORT_LOCAL_PART>@<mail domain>" unless set otherwise.
SUPPORT_LOCAL_PART: Final = "support"
