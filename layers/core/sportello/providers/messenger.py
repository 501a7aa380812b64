"""Messenger Platform webhooks (`object: page`); Instagram messaging reuses them (`object: instagram`).

Secrets (`ProviderSecrets.values`):
- `app_secret`: the Meta app's secret (App settings > Basic), which signs the webhooks.
- `verify_token`: the string typed as "Verify token" when subscribing the webhook (Messenger > Settings).
- `page_access_token`: the Facebook Page's access token (Messenger > Settings > Access tokens), for replies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..customers.model import Identity, IdentityKind
from ..tickets.model import Channel
from .json_fields import JsonObject, as_object, optional_list, required_str
from .meta import (
    MetaWebhookAdapter,
    at_least_one,
    entries_of,
    is_true,
    load_json,
    optional_object,
    optional_text,
    parse_each,
    timestamp,
)
from .webhook import (
    ChannelMessage,
    DeliveryState,
    DeliveryUpdate,
    MediaRef,
    MessageDeleted,
    MessageEdited,
    PayloadError,
    Reaction,
    Unsupported,
    WebhookEvent,
    WebhookRequest,
)

_ROUTING_KEYS = frozenset({"sender", "recipient", "timestamp"})
_LINK_ATTACHMENTS = frozenset({"fallback"})  # a shared web page: its address is text, not media


class MessagingPlatformAdapter(MetaWebhookAdapter):
    """`entry[].messaging[]` (and `standby[]`) events, for Messenger and Instagram alike."""

    def __init__(self, name: str, channel: Channel, object_name: str, identity_kind: IdentityKind) -> None:
        self.name = name
        self.channel = channel
        self._object_name = object_name
        self._identity_kind = identity_kind

    def parse(self, request: WebhookRequest) -> list[WebhookEvent]:
        return at_least_one(parse_each(self._entries(request.body), self._entry, "entry"))

    def _entries(self, body: bytes) -> list[Any]:
        document = load_json(body)
        if isinstance(document, dict) and "object" not in document and "sender" in document:
            # Meta's reference shows each event alone; such a body reads as a one-event entry.
            return [{"messaging": [document]}]
        return entries_of(document, self._object_name)

    def _entry(self, raw: Any) -> list[WebhookEvent]:
        entry = as_object(raw, "entry")
        events = parse_each(
            optional_list(entry, "messaging"), lambda event: self._event(event, entry), "messaging event"
        )
        # standby: another app owns the conversation (handover protocol); the customer still wrote to us.
        events += parse_each(
            optional_list(entry, "standby"), lambda event: self._event(event, entry), "standby event"
        )
        events += parse_each(optional_list(entry, "changes"), _change, "change")
        return events

    def _event(self, raw: Any, entry: JsonObject) -> list[WebhookEvent]:
        event = as_object(raw, "messaging event")
        if "message" in event:
            return self._message(event, entry)
        if "postback" in event:
            return [self._postback(event, entry)]
        if "delivery" in event:
            return _delivery(event, entry)
        if "read" in event:
            return [_read(event, entry)]
        if "message_edit" in event:
            edit = optional_object(event, "message_edit")
            return [
                MessageEdited(required_str(edit, "mid"), optional_text(edit, "text"), _when(event, entry))
            ]
        if "reaction" in event:
            return [self._reaction(event, entry)]
        kind = next((key for key in event if key not in _ROUTING_KEYS), "unknown")
        return [Unsupported(kind)]  # optin, referral, account_linking, handover…

    def _identity(self, event: JsonObject) -> Identity:
        return Identity(self._identity_kind, required_str(optional_object(event, "sender"), "id"))

    def _message(self, event: JsonObject, entry: JsonObject) -> list[WebhookEvent]:
        message = optional_object(event, "message")
        if is_true(message, "is_echo"):  # what the page itself sent, ourselves included
            return [Unsupported("echo", optional_text(message, "mid"))]
        if is_true(message, "is_deleted"):
            return [MessageDeleted(required_str(message, "mid"), _when(event, entry))]
        if is_true(message, "is_unsupported"):
            return [Unsupported("unsupported_message", optional_text(message, "mid"))]
        text, media, attachment_kind = _attachments(message, optional_text(message, "text"))
        reply_to = optional_object(message, "reply_to")
        story = optional_object(reply_to, "story")
        if _fetchable(optional_text(story, "url")):
            media += (MediaRef(url=optional_text(story, "url")),)
        if not text and not media:
            return [Unsupported("empty_message", optional_text(message, "mid"))]
        kind = (
            "story_reply"
            if story
            else attachment_kind or ("quick_reply" if "quick_reply" in message else "text")
        )
        return [
            self._channel_message(
                event,
                entry,
                external_id=required_str(message, "mid"),
                text=text,
                media=media,
                reply_to=optional_text(reply_to, "mid") or None,
                kind=kind,
            )
        ]

    def _postback(self, event: JsonObject, entry: JsonObject) -> ChannelMessage:
        postback = optional_object(event, "postback")
        text = optional_text(postback, "title") or required_str(postback, "payload")
        at = _when(event, entry)
        # Older postbacks carry no mid; sender and time identify a button press just as well.
        sender = self._identity(event).value
        external_id = optional_text(postback, "mid") or f"postback:{sender}:{int(at.timestamp() * 1000)}"
        return self._channel_message(event, entry, external_id=external_id, text=text, kind="postback")

    def _reaction(self, event: JsonObject, entry: JsonObject) -> Reaction:
        reaction = optional_object(event, "reaction")
        emoji = "" if reaction.get("action") == "unreact" else optional_text(reaction, "emoji")
        return Reaction(required_str(reaction, "mid"), self._identity(event), emoji, _when(event, entry))

    def _channel_message(
        self,
        event: JsonObject,
        entry: JsonObject,
        *,
        external_id: str,
        text: str,
        kind: str,
        media: tuple[MediaRef, ...] = (),
        reply_to: str | None = None,
    ) -> ChannelMessage:
        identity = self._identity(event)
        return ChannelMessage(
            external_id=external_id,
            channel=self.channel,
            identity=identity,
            conversation=identity.value,
            sender_name="",  # webhooks carry no name: the desk names the customer after the id
            text=text,
            sent_at=_when(event, entry),
            media=media,
            reply_to_external_id=reply_to,
            kind=kind,
        )


def _attachments(message: JsonObject, text: str) -> tuple[str, tuple[MediaRef, ...], str]:
    """The text (with shared links added), the media, and the first attachment's type."""
    media: list[MediaRef] = []
    links: list[str] = []
    first_kind = ""
    for raw in optional_list(message, "attachments"):
        attachment = as_object(raw, "attachment")
        kind = optional_text(attachment, "type")
        first_kind = first_kind or kind
        payload = optional_object(attachment, "payload")
        url = optional_text(payload, "url")
        if not _fetchable(url):
            continue  # templates, and placeholders of docs and tests: nothing to fetch
        if kind in _LINK_ATTACHMENTS:
            links.append(" ".join(part for part in (optional_text(payload, "title"), url) if part))
        else:
            media.append(MediaRef(url=url, caption=optional_text(payload, "title") or None))
    return "\n".join(part for part in (text, *links) if part), tuple(media), first_kind


def _fetchable(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _delivery(event: JsonObject, entry: JsonObject) -> list[WebhookEvent]:
    delivery = optional_object(event, "delivery")
    mids = [mid for mid in optional_list(delivery, "mids") if isinstance(mid, str) and mid]
    if not mids:
        return [Unsupported("delivery_watermark")]
    at = _when(event, entry, delivery.get("watermark"))
    return [DeliveryUpdate(mid, DeliveryState.DELIVERED, at) for mid in mids]


def _read(event: JsonObject, entry: JsonObject) -> WebhookEvent:
    read = optional_object(event, "read")
    mid = optional_text(read, "mid")
    if not mid:  # "everything before the watermark was read": no message of ours is named
        return Unsupported("read_watermark")
    return DeliveryUpdate(mid, DeliveryState.READ, _when(event, entry, read.get("watermark")))


def _change(raw: Any) -> list[WebhookEvent]:
    """Page or account feed changes (comments, mentions) arrive beside messaging: not conversations."""
    return [Unsupported(required_str(as_object(raw, "change"), "field"))]


def _when(event: JsonObject, entry: JsonObject, fallback: Any = None) -> datetime:
    """The event's time; delivery events may carry only a watermark, docs excerpts only the entry's."""
    for value in (event.get("timestamp"), fallback, entry.get("time")):
        if value is not None:
            return timestamp(value)
    raise PayloadError("the event has no time")


ADAPTER = MessagingPlatformAdapter("messenger", Channel.MESSENGER, "page", IdentityKind.MESSENGER)
