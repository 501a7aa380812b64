"""Names shared by the CDK stack and the local cloud, so both build the same resources."""

SERVICE_NAME = "sportello"
STACK_NAME = "Sportello"

# Lambda entry points: folder under functions/ -> handler attribute.
EMAIL_INBOUND_FUNCTION = "email_inbound"
AGENT_API_FUNCTION = "agent_api"
HANDLER = "handler.handler"

# Environment variable names read by sportello.config.Settings.
ENV_TABLE_NAME = "TABLE_NAME"
ENV_DATA_BUCKET = "DATA_BUCKET"
ENV_MAIL_DOMAIN = "MAIL_DOMAIN"
ENV_SUPPORT_ADDRESS = "SUPPORT_ADDRESS"
ENV_DESK_NAME = "DESK_NAME"
ENV_REPLY_TOKEN_SECRET = "REPLY_TOKEN_SECRET"  # noqa: S105 - a variable name; local and tests only
ENV_REPLY_TOKEN_SECRET_NAME = "REPLY_TOKEN_SECRET_NAME"  # noqa: S105 - Secrets Manager name in AWS

# S3 layout of the data bucket (raw mail under inbound/, kept; attachments under attachments/).
from sportello.config import ATTACHMENTS_PREFIX, INBOUND_PREFIX  # noqa: E402

__all__ = ["ATTACHMENTS_PREFIX", "INBOUND_PREFIX"]

LAMBDA_PYTHON_VERSION = "3.12"
