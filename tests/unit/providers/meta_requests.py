"""Meta webhook requests for the tests: corpus bodies or documented events, signed as Meta signs them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sportello.providers.meta import signature_for
from sportello.providers.webhook import ProviderSecrets, WebhookEvent, WebhookRequest
from tests.conftest import CORPUS

WEBHOOKS = CORPUS / "webhooks"
WHATSAPP_CORPUS = WEBHOOKS / "whatsapp_cloud" / "split"
MESSENGER_CORPUS = WEBHOOKS / "facebook_messenger"
INSTAGRAM_CORPUS = WEBHOOKS / "instagram"

APP_SECRET = "test-meta-app-secret"
VERIFY_TOKEN = "test-meta-verify-token"
SECRETS = ProviderSecrets({"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN})
URL = "https://desk.example.com/webhooks/meta"
ENTRY_TIME = 1458668856253


def corpus(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json"))


def envelope(object_name: str, *, time: int = ENTRY_TIME, **lists: list[Any]) -> bytes:
    """A Meta webhook body with one entry holding `lists` (messaging=[…], standby=[…], changes=[…])."""
    return json.dumps(
        {"object": object_name, "entry": [{"id": "17841400000000000", "time": time, **lists}]}
    ).encode()


def signed(body: bytes, app_secret: str = APP_SECRET) -> WebhookRequest:
    headers = {"x-hub-signature-256": signature_for(body, app_secret), "content-type": "application/json"}
    return WebhookRequest("POST", URL, headers, {}, body)


def handshake_request(query: Mapping[str, str], method: str = "GET") -> WebhookRequest:
    return WebhookRequest(method, URL, {}, dict(query), b"")


def only(events: Any) -> WebhookEvent:
    events = list(events)
    assert len(events) == 1, events
    event: WebhookEvent = events[0]
    return event
