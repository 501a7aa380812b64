"""Settings of the local cloud. Applied to os.environ before any sportello module is imported."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from infra.constants import (
    INBOUND_QUEUE,
    NOTIFICATION_TOPIC,
    OUTBOUND_QUEUE,
    QUEUE_MAX_RECEIVES,
    ROUTING_STATE_MACHINE,
    SERVICE_NAME,
)
from sportello.names import (
    ENV_DATA_BUCKET,
    ENV_DESK_NAME,
    ENV_INBOUND_QUEUE_URL,
    ENV_MAIL_DOMAIN,
    ENV_NOTIFICATION_TOPIC_ARN,
    ENV_OUTBOUND_MAX_RECEIVES,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_POWERTOOLS_LOG_LEVEL,
    ENV_POWERTOOLS_SERVICE_NAME,
    ENV_POWERTOOLS_TRACE_DISABLED,
    ENV_PROVIDER_API_BASE,
    ENV_PROVIDER_SECRETS,
    ENV_REPLY_TOKEN_SECRET,
    ENV_ROUTING_STATE_MACHINE_ARN,
    ENV_SUPPORT_ADDRESS,
    ENV_TABLE_NAME,
)

from .events import LOCAL_ACCOUNT

LOCAL_REGION = "eu-west-1"

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Every credential any provider adapter reads; locally they are random, and the same for all
# providers, so a developer (or a test) can sign a webhook with the value in the secrets file.
PROVIDER_SECRET_KEYS = (
    "app_secret",
    "verify_token",
    "access_token",
    "page_access_token",
    "secret_token",
    "bot_token",
    "signing_secret",
    "auth_token",
)
PROVIDER_IDS = {
    "phone_number_id": "100000000000001",
    "account_sid": "AC" + "0" * 32,
    "from_number": "+15005550006",
}


@dataclass(frozen=True)
class LocalConfig:
    home: Path
    host: str
    port: int
    smtp_port: int
    moto_port: int
    demo_data: bool
    web_dist: Path
    fake_providers_port: int

    @property
    def moto_url(self) -> str:
        return f"http://{self.host}:{self.moto_port}"

    @property
    def fake_providers_url(self) -> str:
        return f"http://{self.host}:{self.fake_providers_port}"

    def queue_url(self, name: str) -> str:
        return f"{self.moto_url}/{LOCAL_ACCOUNT}/{name}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls) -> LocalConfig:
        return cls(
            home=Path(os.environ.get("SPORTELLO_HOME", PROJECT_ROOT / ".sportello")),
            host=os.environ.get("HOST", "127.0.0.1"),
            port=int(os.environ.get("PORT", "8000")),
            smtp_port=int(os.environ.get("SMTP_PORT", "2525")),
            moto_port=int(os.environ.get("MOTO_PORT", "5055")),
            demo_data=os.environ.get("SPORTELLO_DEMO", "1") not in ("0", "false", "no"),
            web_dist=Path(os.environ.get("SPORTELLO_WEB_DIST", PROJECT_ROOT / "web" / "dist")),
            fake_providers_port=int(os.environ.get("FAKE_PROVIDERS_PORT", "8025")),
        )


def _secret(home: Path, name: str) -> str:
    path = home / name
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def apply(config: LocalConfig) -> dict[str, str]:
    """Points every AWS client at the embedded moto server and sets the handlers' variables."""
    values = {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_ENDPOINT_URL": config.moto_url,
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        "MOTO_PORT": str(config.moto_port),
        ENV_TABLE_NAME: "sportello",
        ENV_DATA_BUCKET: "sportello-data",
        ENV_MAIL_DOMAIN: "sportello.local",
        ENV_SUPPORT_ADDRESS: "support@sportello.local",
        ENV_DESK_NAME: "Sportello",
        ENV_REPLY_TOKEN_SECRET: _secret(config.home, "reply-token-secret"),
        ENV_INBOUND_QUEUE_URL: config.queue_url(INBOUND_QUEUE),
        ENV_OUTBOUND_QUEUE_URL: config.queue_url(OUTBOUND_QUEUE),
        ENV_ROUTING_STATE_MACHINE_ARN: (
            f"arn:aws:states:{LOCAL_REGION}:{LOCAL_ACCOUNT}:stateMachine:{ROUTING_STATE_MACHINE}"
        ),
        ENV_NOTIFICATION_TOPIC_ARN: f"arn:aws:sns:{LOCAL_REGION}:{LOCAL_ACCOUNT}:{NOTIFICATION_TOPIC}",
        ENV_OUTBOUND_MAX_RECEIVES: str(QUEUE_MAX_RECEIVES),
        ENV_PROVIDER_API_BASE: config.fake_providers_url,
        ENV_PROVIDER_SECRETS: json.dumps(provider_secrets(config.home)),
        ENV_POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        ENV_POWERTOOLS_TRACE_DISABLED: "1",
        ENV_POWERTOOLS_LOG_LEVEL: os.environ.get(ENV_POWERTOOLS_LOG_LEVEL, "WARNING"),
    }
    os.environ.update(values)
    os.environ.pop("AWS_PROFILE", None)
    return values


def jwt_secret(config: LocalConfig) -> str:
    return _secret(config.home, "jwt-secret")


def provider_secrets(home: Path) -> dict[str, dict[str, str]]:
    """Local provider credentials, made once and kept in `<home>/provider-secrets.json`."""
    path = home / "provider-secrets.json"
    if not path.exists():
        from sportello.providers.registry import ADAPTER_MODULES

        shared = {key: secrets.token_hex(16) for key in PROVIDER_SECRET_KEYS} | PROVIDER_IDS
        # Tokens with a shape of their own, as the fake provider APIs check them.
        specific = {
            "telegram": {"bot_token": f"{secrets.randbelow(10**9)}:{secrets.token_urlsafe(26)}"},
            "slack": {"bot_token": f"xoxb-{secrets.token_hex(8)}"},
        }
        home.mkdir(parents=True, exist_ok=True)
        document = {name: shared | specific.get(name, {}) for name in ADAPTER_MODULES}
        path.write_text(json.dumps(document, indent=2))
        path.chmod(0o600)
    loaded: dict[str, dict[str, str]] = json.loads(path.read_text())
    return loaded
