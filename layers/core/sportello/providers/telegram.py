"""Telegram Bot API webhooks: customers write to the desk's bot in private chats.

Each webhook delivery is one `Update` object (https://core.telegram.org/bots/api#update) holding
`update_id` and exactly one update kind (`message`, `edited_message`, `callback_query`…). The desk talks
to customers one-to-one, so anything from a group, supergroup or channel is recorded and left alone.

Secrets (`ProviderSecrets.values`):
- `bot_token`: the bot's token from @BotFather (`123456789:AA…`); the API client sends with it.
- `secret_token`: the `secret_token` given to `setWebhook` (1-256 characters of A-Z, a-z, 0-9, `_`, `-`);
  Telegram repeats it in the `X-Telegram-Bot-Api-Secret-Token` header of every delivery.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..clock import utc_now
from ..customers.model import Identity, IdentityKind
from ..tickets.model import Channel
from .json_fields import (
    JsonObject,
    as_object,
    from_epoch,
    json_object,
    optional_int,
    optional_list,
    optional_object,
    optional_str,
    required_int,
    required_number,
    required_object,
    required_str,
)
from .webhook import (
    ChannelMessage,
    MediaRef,
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

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
PRIVATE_CHAT = "private"

# Checked in this order: an animation also carries a `document`, a venue also carries a `location`.
_MEDIA_KINDS = ("animation", "photo", "video", "video_note", "voice", "audio", "document", "sticker")
# Telegram states no MIME type for these; the Bot API documents their formats.
_IMPLIED_TYPES = {"photo": "image/jpeg", "voice": "audio/ogg", "video_note": "video/mp4"}
# Content the agent can only be told about: the ticket shows "[kind]" and the raw update is kept.
_OPAQUE_KINDS = ("story", "game", "invoice", "paid_media", "giveaway", "giveaway_winners", "checklist")


def message_ref(chat_id: int | str, message_id: int | str) -> str:
    """Telegram's message ids are unique within a chat only, so our external id names both."""
    return f"{chat_id}:{message_id}"


@dataclass(frozen=True)
class _Content:
    kind: str
    text: str
    media: tuple[MediaRef, ...] = ()


class TelegramAdapter:
    name = "telegram"
    channel = Channel.TELEGRAM

    def __init__(self, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock  # a button press (callback_query) carries no time of its own

    def handshake(self, request: WebhookRequest, secrets: ProviderSecrets) -> WebhookResponse | None:
        return None  # setWebhook is a call we make; Telegram sends no challenge

    def verify(self, request: WebhookRequest, secrets: ProviderSecrets) -> None:
        expected = secrets.require("secret_token")
        given = request.header(SECRET_HEADER)
        if not given:
            raise VerificationError(f"the {SECRET_HEADER} header is missing")
        # surrogatepass: a JSON-decoded header may hold lone surrogates, which must not crash us.
        if not hmac.compare_digest(given.encode(errors="surrogatepass"), expected.encode()):
            raise VerificationError(f"the {SECRET_HEADER} header does not match the secret token")

    def parse(self, request: WebhookRequest) -> Sequence[WebhookEvent]:
        update = json_object(request.body)
        required_int(update, "update_id")
        kind = next((key for key in update if key != "update_id"), None)
        if kind is None:
            raise PayloadError("the update holds nothing but its id")
        readers: dict[str, Callable[[JsonObject], WebhookEvent]] = {
            "message": self._message,
            "edited_message": _edited_message,
            "callback_query": self._callback_query,
            "message_reaction": _reaction,
        }
        reader = readers.get(kind)
        if reader is None:
            return [Unsupported(kind, _unsupported_detail(kind, update[kind]))]
        return [reader(required_object(update, kind))]

    def acknowledgement(self, request: WebhookRequest) -> WebhookResponse:
        return WebhookResponse(200, "", "text/plain")

    def _message(self, message: JsonObject) -> WebhookEvent:
        chat = required_object(message, "chat")
        if not _is_private(chat):
            return Unsupported("group_message", _chat_type(chat))
        content = _content(message)
        if content is None:
            return Unsupported("service_message", ", ".join(sorted(message)))
        chat_id = required_int(chat, "id")
        sender = optional_object(message, "from") or chat  # in a private chat they are the same person
        return ChannelMessage(
            external_id=message_ref(chat_id, required_int(message, "message_id")),
            channel=Channel.TELEGRAM,
            identity=_identity(sender),
            conversation=str(chat_id),
            sender_name=display_name(sender),
            text=_with_forward_origin(content.text, message),
            sent_at=from_epoch(required_int(message, "date")),
            media=content.media,
            reply_to_external_id=_replied_message(message, chat_id),
            kind=content.kind,
        )

    def _callback_query(self, query: JsonObject) -> WebhookEvent:
        """A press on one of our inline buttons: the customer's answer, as if they had typed it."""
        message = optional_object(query, "message")
        data = optional_str(query, "data")
        if message is None or not data:  # pressed on an inline-mode message, or a game button
            return Unsupported("callback_query", "no chat message or no data")
        chat = required_object(message, "chat")
        if not _is_private(chat):
            return Unsupported("group_message", _chat_type(chat))
        chat_id = required_int(chat, "id")
        sender = required_object(query, "from")
        return ChannelMessage(
            external_id=message_ref(chat_id, f"callback-{required_str(query, 'id')}"),
            channel=Channel.TELEGRAM,
            identity=_identity(sender),
            conversation=str(chat_id),
            sender_name=display_name(sender),
            text=data,
            sent_at=self._clock(),
            reply_to_external_id=message_ref(chat_id, required_int(message, "message_id")),
            kind="callback",
        )


def _edited_message(message: JsonObject) -> WebhookEvent:
    chat = required_object(message, "chat")
    if not _is_private(chat):
        return Unsupported("group_message", _chat_type(chat))
    text = optional_str(message, "text") or optional_str(message, "caption")
    if text is None:  # e.g. a live location moving: nothing an agent reads has changed
        return Unsupported("edited_message", "no text or caption")
    edited_at = optional_int(message, "edit_date") or required_int(message, "date")
    return MessageEdited(
        external_id=message_ref(required_int(chat, "id"), required_int(message, "message_id")),
        text=text,
        at=from_epoch(edited_at),
    )


def _reaction(update: JsonObject) -> WebhookEvent:
    chat = required_object(update, "chat")
    if not _is_private(chat):
        return Unsupported("group_message", _chat_type(chat))
    user = optional_object(update, "user")
    if user is None:
        return Unsupported("message_reaction", "anonymous")
    emoji = "".join(_reaction_symbol(raw) for raw in optional_list(update, "new_reaction"))
    return Reaction(
        external_id=message_ref(required_int(chat, "id"), required_int(update, "message_id")),
        identity=_identity(user),
        emoji=emoji,
        at=from_epoch(required_int(update, "date")),
    )


def _reaction_symbol(raw: Any) -> str:
    reaction = as_object(raw, "reaction")
    kind = required_str(reaction, "type")
    if kind == "emoji":
        return required_str(reaction, "emoji")
    if kind == "paid":
        return "⭐"
    return f":{kind}:"  # a custom emoji has no character of its own


# --- what a message shows ---------------------------------------------------------------------------


def _content(message: JsonObject) -> _Content | None:
    """The message's text, media or described content; None for service messages (pins, payments…)."""
    text = optional_str(message, "text")
    if text is not None:
        return _Content("text", text)
    caption = optional_str(message, "caption") or ""
    for kind in _MEDIA_KINDS:
        if kind in message:
            media = _media(kind, message[kind], caption)
            shown = caption or (_sticker_emoji(message[kind]) if kind == "sticker" else "")
            return _Content(kind, shown, (media,))
    for kind, describe in _DESCRIBERS.items():
        if kind in message:
            return _Content(kind, describe(required_object(message, kind)))
    opaque = next((kind for kind in _OPAQUE_KINDS if kind in message), None)
    return _Content(opaque, caption) if opaque else None


def _media(kind: str, raw: Any, caption: str) -> MediaRef:
    item = _largest_photo(raw) if kind == "photo" else as_object(raw, kind)
    return MediaRef(
        media_id=required_str(item, "file_id"),
        content_type=optional_str(item, "mime_type") or _implied_type(kind, item),
        filename=optional_str(item, "file_name"),
        caption=caption or None,
    )


def _largest_photo(raw: Any) -> JsonObject:
    """Telegram sends each photo in several sizes; the agent wants the original."""
    if not isinstance(raw, list) or not raw:
        raise PayloadError("photo is not a list of sizes")
    sizes = [as_object(size, "photo size") for size in raw]
    return max(sizes, key=lambda size: (_area(size), optional_int(size, "file_size") or 0))


def _area(size: JsonObject) -> int:
    return (optional_int(size, "width") or 0) * (optional_int(size, "height") or 0)


def _implied_type(kind: str, item: JsonObject) -> str | None:
    if kind == "sticker":
        if item.get("is_animated") is True:
            return "application/x-tgsticker"
        return "video/webm" if item.get("is_video") is True else "image/webp"
    return _IMPLIED_TYPES.get(kind)


def _sticker_emoji(raw: Any) -> str:
    return optional_str(as_object(raw, "sticker"), "emoji") or ""


def _describe_location(location: JsonObject) -> str:
    latitude = required_number(location, "latitude")
    longitude = required_number(location, "longitude")
    return f"{latitude}, {longitude}\nhttps://www.openstreetmap.org/?mlat={latitude}&mlon={longitude}"


def _describe_venue(venue: JsonObject) -> str:
    place = (optional_str(venue, "title"), optional_str(venue, "address"))
    lines = [line for line in place if line]
    return "\n".join([*lines, _describe_location(required_object(venue, "location"))])


def _describe_contact(contact: JsonObject) -> str:
    name = display_name(contact)
    phone = optional_str(contact, "phone_number")
    return ", ".join(part for part in (name, phone) if part)


def _describe_poll(poll: JsonObject) -> str:
    options = [
        optional_str(as_object(option, "poll option"), "text") or ""
        for option in optional_list(poll, "options")
    ]
    return "\n".join([optional_str(poll, "question") or "", *(f"- {option}" for option in options)])


def _describe_dice(dice: JsonObject) -> str:
    return f"{optional_str(dice, 'emoji') or '🎲'} {optional_int(dice, 'value')}"


_DESCRIBERS: dict[str, Callable[[JsonObject], str]] = {
    "venue": _describe_venue,
    "location": _describe_location,
    "contact": _describe_contact,
    "poll": _describe_poll,
    "dice": _describe_dice,
}


def _with_forward_origin(text: str, message: JsonObject) -> str:
    """A forwarded message is not the customer's own words: the agent should see whose they are."""
    origin = _forward_origin(message)
    if origin is None:
        return text
    note = f"(forwarded from {origin})"
    return f"{text}\n\n{note}" if text else note


def _forward_origin(message: JsonObject) -> str | None:
    origin = optional_object(message, "forward_origin")  # Bot API 7.0 and later
    if origin is not None:
        for key in ("sender_user", "sender_chat", "chat"):
            holder = optional_object(origin, key)
            if holder is not None:
                return display_name(holder)
        return optional_str(origin, "sender_user_name") or "?"
    for key in ("forward_from", "forward_from_chat"):  # the older fields, still in many payloads
        holder = optional_object(message, key)
        if holder is not None:
            return display_name(holder)
    return optional_str(message, "forward_sender_name")


def _replied_message(message: JsonObject, chat_id: int) -> str | None:
    replied = optional_object(message, "reply_to_message")
    if replied is None:
        return None
    # A reply_to_message is always in the same chat (replies across chats are `external_reply`).
    return message_ref(chat_id, required_int(replied, "message_id"))


# --- who ----------------------------------------------------------------------------------------------


def display_name(person: JsonObject) -> str:
    """A user's or chat's name: its title, first and last name, @username or, failing all, its id."""
    title = optional_str(person, "title")
    if title:
        return title
    names = (optional_str(person, "first_name"), optional_str(person, "last_name"))
    full_name = " ".join(name.strip() for name in names if name and name.strip())
    if full_name:
        return full_name
    username = optional_str(person, "username")
    if username:
        return f"@{username}"
    return str(person.get("id", ""))


def _identity(user: JsonObject) -> Identity:
    return Identity(IdentityKind.TELEGRAM, str(required_int(user, "id")))


def _is_private(chat: JsonObject) -> bool:
    return _chat_type(chat) == PRIVATE_CHAT


def _chat_type(chat: JsonObject) -> str:
    return optional_str(chat, "type") or "unknown"


def _unsupported_detail(kind: str, value: Any) -> str:
    """A hint for whoever reads the log: the bot blocked or unblocked, a group's chat type…"""
    if not isinstance(value, dict):
        return ""
    if kind in ("my_chat_member", "chat_member"):
        member = value.get("new_chat_member")
        status = member.get("status") if isinstance(member, dict) else None
        return f"new status: {status}" if isinstance(status, str) else ""
    chat = value.get("chat")
    chat_type = chat.get("type") if isinstance(chat, dict) else None
    return f"chat type: {chat_type}" if isinstance(chat_type, str) else ""


ADAPTER = TelegramAdapter()
