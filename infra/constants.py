"""Every name the CDK app defines, shared with the local cloud and the tests so both build the same desk.

What the Lambda code must read as well (environment variable names, Cognito groups) lives in the layer,
`sportello.names`, and is imported from there; the data bucket's layout comes from the domain.
"""

from pathlib import Path

from sportello.config import ATTACHMENTS_PREFIX, BODIES_PREFIX, INBOUND_PREFIX
from sportello.tickets.stream import EVENT_ITEM_TYPE

__all__ = ["ATTACHMENTS_PREFIX", "BODIES_PREFIX", "INBOUND_PREFIX"]  # re-exported for the constructs

SERVICE_NAME = "sportello"
STACK_NAME = "Sportello"

# --- source folders ------------------------------------------------------------------------------------
REPO_ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS_DIR = REPO_ROOT / "functions"
CORE_PACKAGE_DIR = REPO_ROOT / "layers" / "core" / "sportello"
DEPS_DIR = REPO_ROOT / "layers" / "deps"
DEPS_REQUIREMENTS = DEPS_DIR / "requirements.txt"
PYPROJECT = REPO_ROOT / "pyproject.toml"
DEPS_CACHE_DIR = REPO_ROOT / "build" / "layers" / "deps"  # built once with network, reused offline
WEB_DIST_DIR = REPO_ROOT / "web" / "dist"

# --- Lambda ------------------------------------------------------------------------------------------------
# The newest Lambda Python runtime whose interpreter the artefact tests can run here (3.14 is not on
# these machines); the layers are built and precompiled for it.
LAMBDA_PYTHON_VERSION = "3.13"
# Entry points: the folder under functions/; each has `handler.py` with a `handler` function.
EMAIL_INBOUND_FUNCTION = "email_inbound"
AGENT_API_FUNCTION = "agent_api"
PUBLIC_API_FUNCTION = "public_api"
WEBHOOKS_FUNCTION = "webhooks"
WEBHOOK_PROCESSOR_FUNCTION = "webhook_processor"
OUTBOUND_FUNCTION = "outbound"
HANDLER = "handler.handler"

# --- messaging queues: webhook intake → inbound queue → processor; agent replies → outbound queue ---------
# Fixed names, so that `make replay` and the local cloud find them (one Sportello stack per account/region).
INBOUND_QUEUE = "sportello-inbound"
OUTBOUND_QUEUE = "sportello-outbound"
DLQ_SUFFIX = "-dlq"
QUEUE_MAX_RECEIVES = 5  # then the message moves to the dead-letter queue (`make replay` moves it back)

# --- HTTP API (the local gateway serves the same paths) ------------------------------------------------
API_PREFIX = "/api"  # agent routes, behind the JWT authorizer
PUBLIC_PATH = "/public"  # the web form and the chat widget
PUBLIC_ROUTE = f"{PUBLIC_PATH}/{{proxy+}}"
# Provider webhooks, public (the handler checks each provider's signature): `/webhooks/<provider>`.
WEBHOOKS_PATH = "/webhooks"
WEBHOOKS_ROUTE = f"{WEBHOOKS_PATH}/{{provider}}"

# --- the agent SPA: its runtime configuration is fetched from the site root (web/ and the local cloud) ----
WEB_CONFIG_FILE = "config.json"
WEB_INDEX = "index.html"

# --- cdk.json / `-c key=value` context keys, read by infra.constructs.settings ------------------------------
CONTEXT_MAIL_DOMAIN = "mailDomain"
CONTEXT_DESK_NAME = "deskName"
CONTEXT_LOG_LEVEL = "logLevel"
CONTEXT_AUTH_DOMAIN_PREFIX = "authDomainPrefix"
CONTEXT_ALARM_EMAIL = "alarmEmail"
CONTEXT_ARCHITECTURE = "architecture"  # arm64 (default) or x86_64: the functions' CPU and their layers
CONTEXT_TRACING = "tracing"  # true: X-Ray active tracing on every function (off: faster cold starts)

# --- stack outputs (logical ids), read by scripts and the README's deploy steps --------------------------
OUTPUT_API_URL = "ApiUrl"
OUTPUT_WEB_URL = "WebUrl"
OUTPUT_MAIL_DOMAIN = "MailDomain"
OUTPUT_USER_POOL_ID = "UserPoolId"
OUTPUT_USER_POOL_CLIENT_ID = "UserPoolClientId"
OUTPUT_HOSTED_UI_DOMAIN = "HostedUiDomain"
OUTPUT_RULE_SET_NAME = "ReceiptRuleSetName"
OUTPUT_ACTIVATE_RULE_SET = "ActivateReceiptRuleSetCommand"
OUTPUT_DEAD_LETTER_QUEUE_URL = "EmailInboundDeadLetterQueueUrl"
OUTPUT_ALARM_TOPIC_ARN = "AlarmTopicArn"
OUTPUT_WEBHOOK_BASE_URL = "WebhookBaseUrl"
OUTPUT_PROVIDER_SECRET_NAME = "ProviderSecretName"  # noqa: S105 - an output id, not a secret
# Ticket events: the table's stream, filtered to new event items, feeds one function (its subscribers).
TICKET_EVENTS_FUNCTION = "ticket_events"
TICKET_EVENTS_DLQ = "sportello-ticket-events-dlq"  # holds stream coordinates, not records (`make replay`)
TICKET_EVENTS_RETRY_ATTEMPTS = 5  # then the batch's coordinates go to the dead-letter queue
TICKET_EVENTS_BATCH_SIZE = 25
# Lambda event filtering: what invokes ticket_events at all (the CDK mapping and the local poller).
TICKET_EVENTS_FILTER = {
    "eventName": ["INSERT"],
    "dynamodb": {"NewImage": {"item_type": {"S": [EVENT_ITEM_TYPE]}}},
}
# Routing: one Step Functions workflow (the same ASL file in the stack and in the local cloud).
ROUTING_FUNCTION = "routing"
ROUTING_STATE_MACHINE = "sportello-routing"
ROUTING_DEFINITION = REPO_ROOT / "infra" / "statemachines" / "routing.asl.json"
ROUTING_FUNCTION_ARN_SUBSTITUTION = "RoutingFunctionArn"  # ${RoutingFunctionArn} in the definition
CONTEXT_NOTIFY_EMAIL = "notifyEmail"  # subscribed to the desk's notification topic (assignments, rules)
NOTIFICATION_TOPIC = "sportello-notifications"
OUTPUT_NOTIFICATION_TOPIC_ARN = "NotificationTopicArn"
OUTPUT_ROUTING_STATE_MACHINE_ARN = "RoutingStateMachineArn"


def routing_definition(function_arn: str) -> str:
    """The workflow's definition with the routing function's ARN put in (locally; CDK substitutes)."""
    text = ROUTING_DEFINITION.read_text()
    return text.replace("${" + ROUTING_FUNCTION_ARN_SUBSTITUTION + "}", function_arn)


# Automations: an EventBridge schedule runs the desk's time rules (functions/automations) every hour.
AUTOMATIONS_FUNCTION = "automations"
AUTOMATIONS_SCHEDULE_HOURS = 1
AUTOMATIONS_RETRY_ATTEMPTS = 2  # delivery by EventBridge and the function's own retries; then the DLQ

# SLA: an EventBridge schedule sends the warnings and breaches that are due (functions/sla_sweep).
SLA_SWEEP_FUNCTION = "sla_sweep"
SLA_SWEEP_MINUTES = 1
