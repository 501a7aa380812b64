"""Test-wide environment: no real AWS is ever reachable from a test."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

from sportello import names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


FAKE_PROVIDERS_PORT = _free_port()
TEST_PROVIDER_SECRETS = {
    "app_secret": "test-app-secret",
    "verify_token": "test-verify-token",
    "access_token": "test-access-token",
    "page_access_token": "test-page-token",
    "phone_number_id": "100000000000001",
    "secret_token": "test-telegram-secret",
    "bot_token": "123456789:AAtest-bot-token-for-sportello-tests",
    "signing_secret": "test-slack-signing-secret",
    "auth_token": "test-twilio-auth-token",
    "account_sid": "AC" + "0" * 32,
    "from_number": "+15005550006",
}
# Where providers' credentials have shapes of their own (the fakes check them as the real APIs do).
PROVIDER_SPECIFIC = {"slack": {"bot_token": "xoxb-1111-2222-sportellotest"}}
PROVIDER_NAMES = ("whatsapp", "messenger", "instagram", "telegram", "slack", "twilio-sms", "twilio-voice")
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        names.ENV_TABLE_NAME: "sportello-test",
        names.ENV_DATA_BUCKET: "sportello-test-data",
        names.ENV_MAIL_DOMAIN: "desk.example.com",
        names.ENV_SUPPORT_ADDRESS: "support@desk.example.com",
        names.ENV_DESK_NAME: "Sportello Test",
        names.ENV_REPLY_TOKEN_SECRET: "test-reply-secret",
        names.ENV_POWERTOOLS_TRACE_DISABLED: "1",
        names.ENV_POWERTOOLS_SERVICE_NAME: "sportello",
        names.ENV_INBOUND_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/sportello-inbound",
        names.ENV_OUTBOUND_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/123456789012/sportello-outbound",
        names.ENV_OUTBOUND_MAX_RECEIVES: "5",
        # moto's account; the integration tests' cloud provisions both as the local cloud does.
        names.ENV_ROUTING_STATE_MACHINE_ARN: (
            "arn:aws:states:eu-west-1:123456789012:stateMachine:sportello-routing"
        ),
        names.ENV_NOTIFICATION_TOPIC_ARN: "arn:aws:sns:eu-west-1:123456789012:sportello-notifications",
        names.ENV_PROVIDER_API_BASE: f"http://127.0.0.1:{FAKE_PROVIDERS_PORT}",
        names.ENV_PROVIDER_SECRETS: json.dumps(
            {name: TEST_PROVIDER_SECRETS | PROVIDER_SPECIFIC.get(name, {}) for name in PROVIDER_NAMES}
        ),
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT_ROOT.parent / "shared" / "corpus"
