"""WhatsApp Cloud API webhooks (`object: whatsapp_business_account`).

Secrets (`ProviderSecrets.values`):
- `app_secret`: the Meta app's secret (App settings > Basic), which signs the webhooks.
- `verify_token`: the string typed as "Verify token" when subscribing the webhook (WhatsApp > Configuration).
- `access_token`: a system user's permanent token with `whatsapp_business_messaging` (sending, media).
- `phone_number_id`: the business number's id (WhatsApp > API Setup), which replies are sent from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..customers.model import Identity, IdentityKind
from ..tickets.model import Channel
from .json_fields import JsonObject, as_object, optional_list, required_str
from .meta import (
    MetaWebhookAdapter,
    at_least_one,
    is_true,
    load_entries,
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

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)

_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_E164_DIGITS = re.compile(r"[1-9][0-9]{5,14}")  # country codes never begin with 0

_DELIVERY_STATES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "played": DeliveryState.READ,  # a voice message played has been read
    "failed": DeliveryState.FAILED,
}

_MEDIA_TYPES = frozenset({"image", "video", "document", "audio", "voice", "sticker"})


def customer_service_window_open(last_customer_message_at: datetime | None, now: datetime) -> bool:
    """Whether a free-form reply may be sent: only within 24 hours of the customer's last message."""
    if last_customer_message_at is None:
        return False
    if last_customer_message_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("the customer-service window needs timezone-aware datetimes")
    return now < last_customer_message_at + CUSTOMER_SERVICE_WINDOW


def e164(number: str) -> str:
    """`+` and digits, from a WhatsApp `wa_id` (digits only) or a formatted number."""
    digits = _PHONE_SEPARATORS.sub("", number).removeprefix("+")
    if not _E164_DIGITS.fullmatch(digits):
        raise PayloadError(f"{number!r} is not a phone number")
    return "+" + digits


@dataclass(frozen=True)
class _Content:
    """What a customer's message shows: its text, its media, and its kind."""

    text: str
    kind: str
    media: tuple[MediaRef, ...] = ()


_ContentReader = Callable[[str, JsonObject], _Content | Unsupported]


class WhatsAppAdapter(MetaWebhookAdapter):
    name = "whatsapp"
    channel = Channel.WHATSAPP

    def parse(self, request: WebhookRequest) -> list[WebhookEvent]:
        entries = load_entries(request.body, "whatsapp_business_account")
        return at_least_one(parse_each(entries, self._entry, "entry"))

    def _entry(self, raw: Any) -> list[WebhookEvent]:
        return parse_each(optional_list(as_object(raw, "entry"), "changes"), self._change, "change")

    def _change(self, raw: Any) -> list[WebhookEvent]:
        change = as_object(raw, "change")
        field = required_str(change, "field")
        value = as_object(change.get("value"), "value")
        if field != "messages":  # account, template, call, echo and preference updates
            event = value.get("event")
            return [Unsupported(field, event if isinstance(event, str) else "")]
        names = _contact_names(value)
        messages = optional_list(value, "messages")
        events = parse_each(messages, lambda message: self._message(message, names), "message")
        events += parse_each(optional_list(value, "statuses"), _status, "status")
        events += [Unsupported("error", _error_text([error])) for error in optional_list(value, "errors")]
        return events

    def _message(self, raw: Any, names: Mapping[str, str]) -> list[WebhookEvent]:
        message = as_object(raw, "message")
        kind = required_str(message, "type")
        at = timestamp(message.get("timestamp"))
        if kind == "revoke":
            original = required_str(optional_object(message, "revoke"), "original_message_id")
            return [MessageDeleted(original, at)]
        if kind == "edit":
            return [_edit(optional_object(message, "edit"), at)]
        if kind == "reaction":
            reaction = optional_object(message, "reaction")
            target = required_str(reaction, "message_id")
            return [Reaction(target, _customer(message), optional_text(reaction, "emoji"), at)]
        content = _content(kind, message)
        if isinstance(content, Unsupported):
            return [content]
        customer = _customer(message)
        reply_to = optional_text(optional_object(message, "context"), "id") or None
        return [
            ChannelMessage(
                external_id=required_str(message, "id"),
                channel=Channel.WHATSAPP,
                identity=customer,
                conversation=customer.value,
                sender_name=names.get(customer.value, ""),
                text=content.text,
                sent_at=at,
                media=content.media,
                reply_to_external_id=reply_to,
                kind=content.kind,
            )
        ]


def _customer(message: JsonObject) -> Identity:
    return Identity(IdentityKind.PHONE, e164(required_str(message, "from")))


def _contact_names(value: JsonObject) -> dict[str, str]:
    """Profile names by E.164 number; a contact we cannot read only costs its name, not the message."""
    names: dict[str, str] = {}
    contacts = value.get("contacts")
    for raw in contacts if isinstance(contacts, list) else []:
        try:
            contact = as_object(raw, "contact")
            names[e164(required_str(contact, "wa_id"))] = optional_text(
                optional_object(contact, "profile"), "name"
            )
        except PayloadError:
            continue
    return names


def _edit(edit: JsonObject, at: datetime) -> MessageEdited:
    original = required_str(edit, "original_message_id")
    new_message = optional_object(edit, "message")
    content = _content(optional_text(new_message, "type"), new_message)
    return MessageEdited(original, "" if isinstance(content, Unsupported) else content.text, at)


def _status(raw: Any) -> list[WebhookEvent]:
    status = as_object(raw, "status")
    name = required_str(status, "status")
    if status.get("type") == "call":
        return [Unsupported("call_status", name)]
    state = _DELIVERY_STATES.get(name)
    if state is None:
        return [Unsupported("status", name)]
    error = _error_text(optional_list(status, "errors")) or None
    return [DeliveryUpdate(required_str(status, "id"), state, timestamp(status.get("timestamp")), error)]


def _error_text(errors: list[Any]) -> str:
    """`<code> <title>: <details>` for each of WhatsApp's error objects, for the agents' eyes."""
    return "; ".join(filter(None, (_describe_error(error) for error in errors)))


def _describe_error(raw: Any) -> str:
    try:
        error = as_object(raw, "error")
        details = optional_text(optional_object(error, "error_data"), "details")
        title = optional_text(error, "title") or optional_text(error, "message")
    except PayloadError:
        return ""  # an error we cannot read must not cost the status it explains
    code = error.get("code")
    head = " ".join(part for part in (str(code) if code is not None else "", title) if part)
    return f"{head}: {details}" if details and details != title else head


# --- what a message shows, by type ---------------------------------------------------------------------


def _content(kind: str, message: JsonObject) -> _Content | Unsupported:
    reader = _CONTENT_READERS.get(kind)
    if reader is None:  # system notices, WhatsApp's own "unsupported", types newer than this code
        subtype = optional_text(optional_object(message, kind), "type") if kind else ""
        return Unsupported(kind or "message", subtype or _error_text(optional_list(message, "errors")))
    return reader(kind, message)


def _text_content(kind: str, message: JsonObject) -> _Content:
    text = optional_text(optional_object(message, "text"), "body")
    referral = optional_object(message, "referral")
    if referral:  # the customer came from an ad or a post: the agent should know which
        source = " ".join(
            part
            for part in (optional_text(referral, "headline"), optional_text(referral, "source_url"))
            if part
        )
        return _Content(f"{text}\n\n[{source}]" if source else text, "referral")
    return _Content(text, kind)


def _media_content(kind: str, message: JsonObject) -> _Content:
    media = optional_object(message, kind)
    caption = optional_text(media, "caption")
    reference = MediaRef(
        media_id=required_str(media, "id"),
        content_type=optional_text(media, "mime_type") or None,
        filename=optional_text(media, "filename") or None,
        caption=caption or None,
    )
    shown_kind = "voice" if kind == "audio" and is_true(media, "voice") else kind
    return _Content(caption, shown_kind, (reference,))


def _location_content(kind: str, message: JsonObject) -> _Content:
    location = optional_object(message, "location")
    latitude, longitude = location.get("latitude"), location.get("longitude")
    if not all(
        isinstance(value, int | float) and not isinstance(value, bool) for value in (latitude, longitude)
    ):
        raise PayloadError("the location has no coordinates")
    lines = [
        optional_text(location, "name"),
        optional_text(location, "address"),
        f"{latitude}, {longitude}",
        optional_text(location, "url") or f"https://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}",
    ]
    return _Content("\n".join(line for line in lines if line), kind)


def _contacts_content(kind: str, message: JsonObject) -> _Content:
    lines = []
    for raw in optional_list(message, "contacts"):
        contact = as_object(raw, "contact")
        name = optional_text(optional_object(contact, "name"), "formatted_name")
        phones = [
            optional_text(as_object(phone, "phone"), "phone") for phone in optional_list(contact, "phones")
        ]
        emails = [
            optional_text(as_object(email, "email"), "email") for email in optional_list(contact, "emails")
        ]
        lines.append(", ".join(part for part in (name, *phones, *emails) if part))
    return _Content("\n".join(lines), kind)


def _interactive_content(kind: str, message: JsonObject) -> _Content | Unsupported:
    interactive = optional_object(message, "interactive")
    reply_type = optional_text(interactive, "type")
    if reply_type not in ("button_reply", "list_reply"):  # flows (nfm_reply), call permissions…
        return Unsupported(reply_type or "interactive", _error_text(optional_list(message, "errors")))
    reply = optional_object(interactive, reply_type)
    title = required_str(reply, "title")
    description = optional_text(reply, "description")
    return _Content(f"{title}\n{description}" if description else title, reply_type)


def _button_content(kind: str, message: JsonObject) -> _Content:
    button = optional_object(message, "button")
    return _Content(optional_text(button, "text") or required_str(button, "payload"), kind)


def _order_content(kind: str, message: JsonObject) -> _Content:
    order = optional_object(message, "order")
    lines = [optional_text(order, "text")]
    for raw in optional_list(order, "product_items"):
        item = as_object(raw, "product item")
        product = required_str(item, "product_retailer_id")
        quantity, price, currency = item.get("quantity"), item.get("item_price"), item.get("currency")
        lines.append(f"{quantity} x {product} ({price} {currency})")
    return _Content("\n".join(line for line in lines if line), kind)


_CONTENT_READERS: dict[str, _ContentReader] = {
    "text": _text_content,
    "location": _location_content,
    "contacts": _contacts_content,
    "interactive": _interactive_content,
    "button": _button_content,
    "order": _order_content,
    **dict.fromkeys(_MEDIA_TYPES, _media_content),
}

ADAPTER = WhatsAppAdapter()
