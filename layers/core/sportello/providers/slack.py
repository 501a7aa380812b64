"""Slack Events API: customers write to the desk's Slack app in direct messages.

Slack POSTs JSON: a one-off `url_verification` challenge when the Request URL is saved, then
`event_callback` envelopes (`{"team_id", "event": {...}}`), each signed with the app's signing secret.
Only direct messages (`channel_type: "im"`) become tickets: the desk talks to customers one-to-one, and
never to bots (its own replies come back as events too).

Secrets (`ProviderSecrets.values`):
- `signing_secret`: Basic Information → App Credentials → Signing Secret; signs every request.
- `bot_token`: OAuth & Permissions → Bot User OAuth Token (`xoxb-…`), with the scopes `chat:write`,
  `im:history` (to receive direct messages), `files:read` (attachments) and `reactions:read`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..clock import utc_now
from ..customers.model import Identity, IdentityKind
from ..tickets.model import Channel
from .json_fields import (
    JsonObject,
    as_object,
    from_epoch,
    json_object,
    optional_list,
    optional_object,
    optional_str,
    required_object,
    required_str,
)
from .webhook import (
    ChannelMessage,
    MediaRef,
    MessageDeleted,
    MessageEdited,
    PayloadError,
    ProviderSecrets,
    Reaction,
    Unsupported,
    VerificationError,
    WebhookEvent,
    WebhookRequest,
    WebhookResponse,
)

SIGNATURE_HEADER = "X-Slack-Signature"
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_VERSION = "v0"
MAX_CLOCK_SKEW = timedelta(minutes=5)  # Slack's own advice: older requests may be replays
DIRECT_MESSAGE = "im"

# Message subtypes a person writes; others are channel housekeeping (joins, topics, pins…).
_PERSON_SUBTYPES = frozenset({"file_share", "thread_broadcast", "me_message"})
_TIMESTAMP = re.compile(r"[0-9]{1,11}")
# <@U123>, <#C123|general>, <!here>, <https://example.org|label>: Slack's mrkdwn control sequences.
_CONTROL = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")


def signature_for(body: bytes, timestamp: str, signing_secret: str) -> str:
    """The `X-Slack-Signature` value Slack sends for `body` at `timestamp`."""
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def message_ref(channel: str, ts: str) -> str:
    """A Slack message is known by its channel and its `ts`, unique within that channel."""
    return f"{channel}:{ts}"


class SlackAdapter:
    name = "slack"
    channel = Channel.SLACK

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    def handshake(self, request: WebhookRequest, secrets: ProviderSecrets) -> WebhookResponse | None:
        challenge = _url_verification_challenge(request.body)
        if challenge is None:
            return None
        self.verify(request, secrets)  # never echo a challenge for someone who is not Slack
        return WebhookResponse(200, json.dumps({"challenge": challenge}), "application/json")

    def verify(self, request: WebhookRequest, secrets: ProviderSecrets) -> None:
        signing_secret = secrets.require("signing_secret")
        timestamp = request.header(TIMESTAMP_HEADER)
        given = request.header(SIGNATURE_HEADER)
        if not timestamp or not given:
            raise VerificationError(f"the {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header is missing")
        self._check_fresh(timestamp)
        expected = signature_for(request.body, timestamp, signing_secret)
        # surrogatepass: a JSON-decoded header may hold lone surrogates, which must not crash us.
        if not hmac.compare_digest(given.encode(errors="surrogatepass"), expected.encode()):
            raise VerificationError(f"the {SIGNATURE_HEADER} signature does not match the body")

    def parse(self, request: WebhookRequest) -> Sequence[WebhookEvent]:
        envelope = json_object(request.body)
        kind = required_str(envelope, "type")
        if kind != "event_callback":  # url_verification, app_rate_limited
            return [Unsupported(kind)]
        event = required_object(envelope, "event")
        team = optional_str(envelope, "team_id") or optional_str(event, "team")
        event_type = required_str(event, "type")
        if event_type == "message":
            return [_message_event(event, team)]
        if event_type in ("reaction_added", "reaction_removed"):
            return [_reaction(event, team, added=event_type == "reaction_added")]
        return [Unsupported(event_type)]

    def acknowledgement(self, request: WebhookRequest) -> WebhookResponse:
        return WebhookResponse(200, "", "text/plain")

    def _check_fresh(self, timestamp: str) -> None:
        if not _TIMESTAMP.fullmatch(timestamp):
            raise VerificationError(f"the {TIMESTAMP_HEADER} header is not a Unix time")
        sent_at = datetime.fromtimestamp(int(timestamp), UTC)
        if abs(self._clock() - sent_at) > MAX_CLOCK_SKEW:
            raise VerificationError("the request is more than five minutes old (or from the future)")


def _url_verification_challenge(body: bytes) -> str | None:
    try:
        payload = json_object(body)
    except PayloadError:
        return None
    challenge = payload.get("challenge")
    if payload.get("type") != "url_verification" or not isinstance(challenge, str):
        return None
    return challenge


# --- messages -----------------------------------------------------------------------------------------


def _message_event(event: JsonObject, team: str | None) -> WebhookEvent:
    subtype = optional_str(event, "subtype")
    if subtype == "message_changed":
        return _changed(event)
    if subtype == "message_deleted":
        return _deleted(event)
    if _is_from_bot(event):
        return Unsupported("bot_message", optional_str(event, "bot_id") or "")
    if subtype is not None and subtype not in _PERSON_SUBTYPES:
        return Unsupported(f"message_{subtype}")
    channel_type = optional_str(event, "channel_type")
    if channel_type != DIRECT_MESSAGE:
        return Unsupported("channel_message", channel_type or "")
    return _direct_message(event, team, kind=subtype or "text")


def _direct_message(event: JsonObject, team: str | None, kind: str) -> ChannelMessage:
    channel = required_str(event, "channel")
    ts = required_str(event, "ts")
    user = required_str(event, "user")
    thread_ts = optional_str(event, "thread_ts")
    media = (_file_ref(raw) for raw in optional_list(event, "files"))
    return ChannelMessage(
        external_id=message_ref(channel, ts),
        channel=Channel.SLACK,
        identity=_identity(team, user),
        conversation=channel,
        sender_name=_sender_name(event, user),
        text=plain_text(optional_str(event, "text") or ""),
        sent_at=from_epoch(ts),
        media=tuple(ref for ref in media if ref is not None),
        reply_to_external_id=message_ref(channel, thread_ts) if thread_ts and thread_ts != ts else None,
        kind=kind,
    )


def _changed(event: JsonObject) -> WebhookEvent:
    message = required_object(event, "message")
    if _is_from_bot(message):
        return Unsupported("bot_message", "edited")
    previous = optional_object(event, "previous_message") or {}
    text = optional_str(message, "text") or ""
    if "edited" not in message and text == (optional_str(previous, "text") or ""):
        # Slack also sends message_changed when it adds a link preview: nobody edited anything.
        return Unsupported("message_changed", "unfurl, text unchanged")
    edited = optional_object(message, "edited") or {}
    ts = optional_str(message, "ts") or required_str(previous, "ts")
    return MessageEdited(
        external_id=message_ref(required_str(event, "channel"), ts),
        text=plain_text(text),
        at=from_epoch(optional_str(edited, "ts") or required_str(event, "ts")),
    )


def _deleted(event: JsonObject) -> WebhookEvent:
    previous = optional_object(event, "previous_message") or {}
    ts = optional_str(event, "deleted_ts") or required_str(previous, "ts")
    return MessageDeleted(
        external_id=message_ref(required_str(event, "channel"), ts),
        at=from_epoch(required_str(event, "ts")),
    )


def _reaction(event: JsonObject, team: str | None, added: bool) -> WebhookEvent:
    item = required_object(event, "item")
    item_type = optional_str(item, "type")
    if item_type != "message":  # reactions to files and file comments
        return Unsupported(required_str(event, "type"), f"on a {item_type}")
    return Reaction(
        external_id=message_ref(required_str(item, "channel"), required_str(item, "ts")),
        identity=_identity(team, required_str(event, "user")),
        emoji=f":{required_str(event, 'reaction')}:" if added else "",
        at=from_epoch(required_str(event, "event_ts")),
    )


def _file_ref(raw: Any) -> MediaRef | None:
    """A file the customer shared; None when there is nothing we could download with our token."""
    file = as_object(raw, "file")
    url = optional_str(file, "url_private")
    # External files (Google Drive…) live elsewhere; tombstones and files hidden by a free plan's
    # history limit have no content left to fetch.
    if not url or file.get("is_external") is True or file.get("mode") in ("tombstone", "hidden_by_limit"):
        return None
    name = optional_str(file, "name")
    title = optional_str(file, "title")
    return MediaRef(
        url=url,
        content_type=optional_str(file, "mimetype"),
        filename=name,
        caption=title if title and title != name else None,
    )


def plain_text(text: str) -> str:
    """Slack's mrkdwn as a person reads it: `<https://x|label>` → `label (https://x)`, `&lt;` → `<`."""
    return _unescape(_CONTROL.sub(_readable_control, text))


def _readable_control(match: re.Match[str]) -> str:
    target, label = match.group(1), match.group(2)
    if target.startswith(("@", "#")):  # a user or channel mention
        return f"{target[0]}{label}" if label else target
    if target.startswith("!"):  # <!here>, <!channel>, <!subteam^ID|@team>
        return label or f"@{target[1:]}"
    if not label or target in (label, f"mailto:{label}"):
        return label or target
    return f"{label} ({target})"


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- who ----------------------------------------------------------------------------------------------


def _is_from_bot(message: JsonObject) -> bool:
    return bool(message.get("bot_id")) or optional_str(message, "subtype") == "bot_message"


def _identity(team: str | None, user: str) -> Identity:
    """Team-qualified, so that the same user id in two workspaces is never one customer."""
    return Identity(IdentityKind.SLACK, f"{team}:{user}" if team else user)


def _sender_name(event: JsonObject, user: str) -> str:
    # Slack's events name nobody; some carry a `user_profile`, otherwise the user id is all we have.
    profile = optional_object(event, "user_profile") or {}
    for key in ("display_name", "real_name", "name"):
        name = optional_str(profile, key)
        if name and name.strip():
            return name.strip()
    return user


ADAPTER = SlackAdapter()
