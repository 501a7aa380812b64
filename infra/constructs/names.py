"""Names used by the CDK constructs that are not (yet) in `infra/constants.py`.

The ones marked "shared" are also needed outside the CDK app (handlers, the local cloud, the SPA) and
belong in `infra/constants.py`; they live here until that move so that nothing is defined twice.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Source folders, relative to the repository root.
FUNCTIONS_DIR = REPO_ROOT / "functions"
CORE_PACKAGE_DIR = REPO_ROOT / "layers" / "core" / "sportello"
DEPS_DIR = REPO_ROOT / "layers" / "deps"
DEPS_REQUIREMENTS = DEPS_DIR / "requirements.txt"
PYPROJECT = REPO_ROOT / "pyproject.toml"
DEPS_CACHE_DIR = REPO_ROOT / "build" / "layers" / "deps"  # built once with network, reused offline
WEB_DIST_DIR = REPO_ROOT / "web" / "dist"

# Powertools reads these (shared: the local cloud sets them too).
ENV_POWERTOOLS_SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
ENV_POWERTOOLS_LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"

# Cognito groups, read from the `cognito:groups` claim by agent_api (shared).
ADMINS_GROUP = "admins"
AGENTS_GROUP = "agents"

# Mail: SUPPORT_ADDRESS is "<SUPPORT_LOCAL_PART>@<mail domain>" (shared).
SUPPORT_LOCAL_PART = "support"

# HTTP API: agent routes live under this prefix, behind the JWT authorizer (shared with the local gateway).
API_PREFIX = "/api"
PUBLIC_ROUTE = "/public/{proxy+}"  # the web form and the chat widget
# Provider webhooks, public (the handler checks each provider's signature): `/webhooks/<provider>`
# (shared with the local gateway).
WEBHOOKS_PATH = "/webhooks"
WEBHOOKS_ROUTE = f"{WEBHOOKS_PATH}/{{provider}}"

# The SPA's runtime configuration, fetched from the site root (shared with web/ and the local cloud).
WEB_CONFIG_FILE = "config.json"
WEB_INDEX = "index.html"

# cdk.json / `-c key=value` context keys read by infra.constructs.settings.
CONTEXT_MAIL_DOMAIN = "mailDomain"
CONTEXT_DESK_NAME = "deskName"
CONTEXT_LOG_LEVEL = "logLevel"
CONTEXT_AUTH_DOMAIN_PREFIX = "authDomainPrefix"
CONTEXT_ALARM_EMAIL = "alarmEmail"
CONTEXT_TRACING = "tracing"  # true: X-Ray active tracing on every function (off: faster cold starts)

# Stack outputs (logical ids), read by scripts and the README's deploy steps.
OUTPUT_API_URL = "ApiUrl"
OUTPUT_WEB_URL = "WebUrl"
OUTPUT_USER_POOL_ID = "UserPoolId"
OUTPUT_USER_POOL_CLIENT_ID = "UserPoolClientId"
OUTPUT_HOSTED_UI_DOMAIN = "HostedUiDomain"
OUTPUT_RULE_SET_NAME = "ReceiptRuleSetName"
OUTPUT_ACTIVATE_RULE_SET = "ActivateReceiptRuleSetCommand"
OUTPUT_DEAD_LETTER_QUEUE_URL = "EmailInboundDeadLetterQueueUrl"
OUTPUT_ALARM_TOPIC_ARN = "AlarmTopicArn"
OUTPUT_WEBHOOK_BASE_URL = "WebhookBaseUrl"
OUTPUT_PROVIDER_SECRET_NAME = "ProviderSecretName"  # noqa: S105 - an output id, not a secret
