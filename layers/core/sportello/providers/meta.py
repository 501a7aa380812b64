"""What Meta's webhooks (WhatsApp Cloud API, Messenger, Instagram) have in common.

Every Meta webhook is signed the same way (`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body
keyed with the app secret>`), is subscribed with the same GET handshake (`hub.mode=subscribe`,
`hub.verify_token`, `hub.challenge`) and wraps its events in `{"object": …, "entry": [...]}`.

Secrets (`ProviderSecrets.values`) every Meta adapter needs:
- `app_secret`: the app secret that signs the webhooks.
- `verify_token`: the string typed in the webhook's "Verify token" field when subscribing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from . import json_fields
from .json_fields import JsonObject, as_object
from .webhook import (
    MALFORMED,
    PayloadError,
    ProviderSecrets,
    Unsupported,
    VerificationError,
    WebhookEvent,
    WebhookRequest,
    WebhookResponse,
)

GRAPH_API_VERSION = "v21.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="

# Epoch values above this are milliseconds (Messenger, Instagram); below, seconds (WhatsApp).
_MILLISECONDS_THRESHOLD = 100_000_000_000


def signature_for(body: bytes, app_secret: str) -> str:
    """The `X-Hub-Signature-256` value Meta sends for `body`."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


class MetaWebhookAdapter:
    """Signature, handshake and acknowledgement, shared by Meta's adapters; subclasses add `parse`."""

    def handshake(self, request: WebhookRequest, secrets: ProviderSecrets) -> WebhookResponse | None:
        if request.method.upper() != "GET" or not any(key.startswith("hub.") for key in request.query):
            return None
        expected_token = secrets.require("verify_token")
        given_token = request.query.get("hub.verify_token", "")
        challenge = request.query.get("hub.challenge", "")
        if request.query.get("hub.mode") != "subscribe" or not challenge:
            raise VerificationError("not a Meta subscription handshake")
        if not hmac.compare_digest(given_token.encode(), expected_token.encode()):
            raise VerificationError("the handshake's verify token does not match")
        return WebhookResponse(200, challenge, "text/plain")

    def verify(self, request: WebhookRequest, secrets: ProviderSecrets) -> None:
        app_secret = secrets.require("app_secret")
        given = request.header(SIGNATURE_HEADER)
        if not given:
            raise VerificationError(f"the {SIGNATURE_HEADER} header is missing")
        expected = signature_for(request.body, app_secret)
        if not hmac.compare_digest(given.strip().lower().encode(), expected.encode()):
            raise VerificationError(f"the {SIGNATURE_HEADER} signature does not match the body")

    def acknowledgement(self, request: WebhookRequest) -> WebhookResponse:
        return WebhookResponse(200, "", "text/plain")


# --- reading Meta's JSON without trusting its shape ---------------------------------------------------


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError too
        raise PayloadError(f"the body is not JSON: {error}") from error


def entries_of(document: Any, object_name: str) -> list[Any]:
    """The `entry` list of a Meta webhook body whose `object` is `object_name`."""
    envelope = as_object(document, "the body")
    if envelope.get("object") != object_name:
        raise PayloadError(f"the body's object is not {object_name!r}")
    entries = envelope.get("entry")
    if not isinstance(entries, list):
        raise PayloadError("the body has no entry list")
    return entries


def load_entries(body: bytes, object_name: str) -> list[Any]:
    return entries_of(load_json(body), object_name)


def at_least_one(events: list[WebhookEvent]) -> list[WebhookEvent]:
    """A delivery with nothing in it is still recorded, as an `empty` Unsupported."""
    return events or [Unsupported("empty", "the payload holds no event")]


def parse_each(
    items: Iterable[Any], parse_one: Callable[[Any], list[WebhookEvent]], part: str = "item"
) -> list[WebhookEvent]:
    """Parses every item of a batch; a malformed one is recorded, and does not cost the others.

    Its detail names the `part` and its position, so the quarantine record says what was unreadable.
    """
    events: list[WebhookEvent] = []
    for position, item in enumerate(items):
        try:
            events.extend(parse_one(item))
        except PayloadError as error:
            events.append(Unsupported(MALFORMED, f"{part} {position}: {error}"))
    return events


def optional_object(parent: JsonObject, key: str) -> JsonObject:
    """Meta's payloads nest optional objects everywhere: an absent one reads as empty."""
    return json_fields.optional_object(parent, key) or {}


def optional_text(parent: JsonObject, key: str) -> str:
    return json_fields.optional_str(parent, key) or ""


def is_true(parent: JsonObject, key: str) -> bool:
    return parent.get(key) is True


def timestamp(value: Any) -> datetime:
    """An aware UTC datetime from epoch seconds or milliseconds (number or digits) or ISO 8601 text."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise PayloadError(f"{value!r} is not a timestamp")
    try:
        if isinstance(value, str) and not value.strip().isdigit():
            parsed = datetime.fromisoformat(value.strip())
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
        epoch = float(value)
        if epoch >= _MILLISECONDS_THRESHOLD:
            epoch /= 1000
        return datetime.fromtimestamp(epoch, UTC)
    except (ValueError, OverflowError, OSError) as error:
        raise PayloadError(f"{value!r} is not a timestamp") from error
