"""Runtime settings, read once from the environment at cold start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

from . import names

# S3 layout of the data bucket: SES writes raw mail under INBOUND_PREFIX, named by its SES message id.
INBOUND_PREFIX = "inbound/"
ATTACHMENTS_PREFIX = "attachments/"
# Message bodies too large for their table item (sportello.tickets.bodies).
BODIES_PREFIX = "bodies/"


class ConfigurationError(RuntimeError):
    """A required setting is missing: the deployment (or the local cloud) is misconfigured."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    data_bucket: str
    mail_domain: str
    support_address: str
    desk_name: str
    reply_token_secret_value: str | None
    reply_token_secret_name: str | None
    inbound_queue_url: str | None = None
    outbound_queue_url: str | None = None
    provider_secrets_name: str | None = None  # Secrets Manager: {"<provider>": {...}}
    provider_secrets_json: str | None = None  # the same document inline (local cloud and tests only)
    provider_api_base: str | None = None  # one base URL for every provider API (the local fake server)
    routing_state_machine_arn: str | None = None
    notification_topic_arn: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        mail_domain = env.get(names.ENV_MAIL_DOMAIN, "sportello.local")
        return cls(
            table_name=env.get(names.ENV_TABLE_NAME, "sportello"),
            data_bucket=env.get(names.ENV_DATA_BUCKET, "sportello-data"),
            mail_domain=mail_domain,
            support_address=env.get(names.ENV_SUPPORT_ADDRESS, f"{names.SUPPORT_LOCAL_PART}@{mail_domain}"),
            desk_name=env.get(names.ENV_DESK_NAME, "Sportello"),
            reply_token_secret_value=env.get(names.ENV_REPLY_TOKEN_SECRET),
            reply_token_secret_name=env.get(names.ENV_REPLY_TOKEN_SECRET_NAME),
            inbound_queue_url=env.get(names.ENV_INBOUND_QUEUE_URL),
            outbound_queue_url=env.get(names.ENV_OUTBOUND_QUEUE_URL),
            provider_secrets_name=env.get(names.ENV_PROVIDER_SECRETS_NAME),
            provider_secrets_json=env.get(names.ENV_PROVIDER_SECRETS),
            provider_api_base=env.get(names.ENV_PROVIDER_API_BASE),
            routing_state_machine_arn=env.get(names.ENV_ROUTING_STATE_MACHINE_ARN),
            notification_topic_arn=env.get(names.ENV_NOTIFICATION_TOPIC_ARN),
        )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()
