"""Names shared by the CDK stack and the local cloud, so both build the same resources."""

# S3 layout of the data bucket (raw mail under inbound/, kept; attachments under attachments/).
from sportello.config import ATTACHMENTS_PREFIX, INBOUND_PREFIX
from sportello.tickets.stream import EVENT_ITEM_TYPE

__all__ = ["ATTACHMENTS_PREFIX", "INBOUND_PREFIX"]  # re-exported for the constructs

SERVICE_NAME = "sportello"
STACK_NAME = "Sportello"

# Lambda entry points: folder under functions/ -> handler attribute.
EMAIL_INBOUND_FUNCTION = "email_inbound"
AGENT_API_FUNCTION = "agent_api"
PUBLIC_API_FUNCTION = "public_api"
HANDLER = "handler.handler"

# Environment variable names read by sportello.config.Settings.
ENV_TABLE_NAME = "TABLE_NAME"
ENV_DATA_BUCKET = "DATA_BUCKET"
ENV_MAIL_DOMAIN = "MAIL_DOMAIN"
ENV_SUPPORT_ADDRESS = "SUPPORT_ADDRESS"
ENV_DESK_NAME = "DESK_NAME"
ENV_REPLY_TOKEN_SECRET = "REPLY_TOKEN_SECRET"  # noqa: S105 - a variable name; local and tests only
ENV_REPLY_TOKEN_SECRET_NAME = "REPLY_TOKEN_SECRET_NAME"  # noqa: S105 - Secrets Manager name in AWS

LAMBDA_PYTHON_VERSION = "3.12"

# Messaging channels: webhook intake → inbound queue → processor; agent replies → outbound queue.
WEBHOOKS_FUNCTION = "webhooks"
WEBHOOK_PROCESSOR_FUNCTION = "webhook_processor"
OUTBOUND_FUNCTION = "outbound"
INBOUND_QUEUE = "sportello-inbound"
OUTBOUND_QUEUE = "sportello-outbound"
DLQ_SUFFIX = "-dlq"
QUEUE_MAX_RECEIVES = 5  # then the message moves to the dead-letter queue (`make replay` moves it back)
ENV_INBOUND_QUEUE_URL = "INBOUND_QUEUE_URL"
ENV_OUTBOUND_QUEUE_URL = "OUTBOUND_QUEUE_URL"
ENV_PROVIDER_SECRETS_NAME = "PROVIDER_SECRETS_NAME"
ENV_OUTBOUND_MAX_RECEIVES = "OUTBOUND_MAX_RECEIVES"

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
