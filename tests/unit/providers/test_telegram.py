"""The Telegram adapter against the corpus of real Bot API updates, and its secret-token check."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.telegram import ADAPTER, SECRET_HEADER, TelegramAdapter
from sportello.providers.webhook import (
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
)
from sportello.tickets.model import Channel
from tests.conftest import CORPUS
from tests.unit.providers.json_fuzz import broken_variants, events_or_payload_error

FOLDER = CORPUS / "webhooks" / "telegram"
FILES = sorted(FOLDER.glob("*.json"))
SECRETS = ProviderSecrets({"secret_token": "s3cr3t-T0ken_for-webhooks", "bot_token": "123:abc"})
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)

# What every corpus file becomes: (event type, ChannelMessage kind or Unsupported kind).
EXPECTED = {
    "tgdocs_01_message_text_start.json": (ChannelMessage, "text"),
    "tgdocs_02_message_forwarded.json": (ChannelMessage, "text"),
    "tgdocs_03_message_forwarded_from_channel.json": (ChannelMessage, "text"),
    "tgdocs_04_message_reply.json": (ChannelMessage, "text"),
    "tgdocs_05_edited_message.json": (MessageEdited, None),
    "tgdocs_06_message_entities.json": (ChannelMessage, "text"),
    "tgdocs_07_message_audio.json": (ChannelMessage, "audio"),
    "tgdocs_08_message_voice.json": (ChannelMessage, "voice"),
    "tgdocs_09_message_document.json": (ChannelMessage, "document"),
    "tgdocs_10_inline_query.json": (Unsupported, "inline_query"),
    "tgdocs_11_chosen_inline_result.json": (Unsupported, "chosen_inline_result"),
    "tgdocs_12_callback_query.json": (Unsupported, "callback_query"),
    "zammad__private__document.json": (ChannelMessage, "document"),
    "zammad__private__my_chat_member.json": (Unsupported, "my_chat_member"),
    "zammad__private__photo.json": (ChannelMessage, "photo"),
    "zammad__private__text.json": (ChannelMessage, "text"),
}


def request(body: bytes | dict[str, Any], headers: dict[str, str] | None = None) -> WebhookRequest:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return WebhookRequest("POST", "https://desk.example.com/webhooks/telegram", headers or {}, {}, raw)


def corpus(name: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((FOLDER / name).read_bytes())
    return payload


def only_event(body: bytes | dict[str, Any], adapter: TelegramAdapter = ADAPTER) -> WebhookEvent:
    events = adapter.parse(request(body))
    assert len(events) == 1
    return events[0]


def only_message(body: bytes | dict[str, Any]) -> ChannelMessage:
    event = only_event(body)
    assert isinstance(event, ChannelMessage), event
    return event


# --- the corpus ---------------------------------------------------------------------------------------


def test_the_expectations_cover_the_whole_corpus() -> None:
    assert FILES, f"no corpus at {FOLDER}"
    assert {path.name for path in FILES} == set(EXPECTED)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_corpus_update_maps_to_its_event(path: Path) -> None:
    expected_type, expected_kind = EXPECTED[path.name]
    event = only_event(path.read_bytes())
    assert type(event) is expected_type
    if isinstance(event, ChannelMessage | Unsupported):
        assert event.kind == expected_kind


def test_a_text_message_names_chat_sender_and_time() -> None:
    message = only_message(corpus("zammad__private__text.json"))
    assert message == ChannelMessage(
        external_id="111111:5",
        channel=Channel.TELEGRAM,
        identity=Identity(IdentityKind.TELEGRAM, "111111"),
        conversation="111111",
        sender_name="Test Firstname Test Lastname",
        text="Hello, I need your Help",
        sent_at=datetime(2015, 9, 7, 17, 5, 32, tzinfo=UTC),
        kind="text",
    )


def test_a_photo_is_fetched_in_its_largest_size_with_its_caption() -> None:
    message = only_message(corpus("zammad__private__photo.json"))
    assert message.text == "caption 123<b>abc</b>"
    assert message.media == (
        MediaRef(media_id="photofileid3", content_type="image/jpeg", caption="caption 123<b>abc</b>"),
    )


def test_a_photo_list_out_of_order_still_yields_the_largest() -> None:
    payload = corpus("zammad__private__photo.json")
    payload["message"]["photo"].reverse()
    assert only_message(payload).media[0].media_id == "photofileid3"


def test_a_document_is_fetched_itself_not_its_thumbnail() -> None:
    message = only_message(corpus("zammad__private__document.json"))
    assert message.text == ""
    assert message.media == (
        MediaRef(media_id="documentfileid", content_type="application/pdf", filename="document.pdf"),
    )


@pytest.mark.parametrize(
    ("name", "content_type"),
    [("tgdocs_07_message_audio.json", "audio/mpeg"), ("tgdocs_08_message_voice.json", "audio/ogg")],
)
def test_audio_and_voice_carry_their_type(name: str, content_type: str) -> None:
    media = only_message(corpus(name)).media
    assert [(m.media_id, m.content_type) for m in media] == [
        ("AwADBAADbXXXXXXXXXXXGBdhD2l6_XX", content_type)
    ]


def test_a_forwarded_message_says_whose_words_they_are() -> None:
    from_user = only_message(corpus("tgdocs_02_message_forwarded.json"))
    from_channel = only_message(corpus("tgdocs_03_message_forwarded_from_channel.json"))
    assert from_user.text == "/start\n\n(forwarded from Forward Firstname Forward Lastname)"
    assert from_channel.text == "/start\n\n(forwarded from Test channel)"
    assert from_user.identity == Identity(IdentityKind.TELEGRAM, "1111111")  # still the customer's message


def test_a_forward_origin_of_bot_api_7_is_understood() -> None:
    payload = corpus("zammad__private__text.json")
    payload["message"]["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Anna", "date": 1}
    assert only_message(payload).text.endswith("(forwarded from Anna)")


def test_a_reply_points_at_the_replied_message_of_the_same_chat() -> None:
    message = only_message(corpus("tgdocs_04_message_reply.json"))
    assert message.reply_to_external_id == "1111111:1334"


def test_an_edit_replaces_the_text_at_the_edit_time() -> None:
    assert only_event(corpus("tgdocs_05_edited_message.json")) == MessageEdited(
        external_id="1111111:1365",
        text="Edited text",
        at=datetime.fromtimestamp(1441646600, UTC),
    )


def test_an_edit_without_text_such_as_a_moving_live_location_is_not_an_edit() -> None:
    payload = corpus("tgdocs_05_edited_message.json")
    del payload["edited_message"]["text"]
    payload["edited_message"]["location"] = {"latitude": 45.46, "longitude": 9.19}
    assert only_event(payload) == Unsupported("edited_message", "no text or caption")


def test_the_blocked_bot_is_recorded_with_the_new_status() -> None:
    assert only_event(corpus("zammad__private__my_chat_member.json")) == Unsupported(
        "my_chat_member", "new status: kicked"
    )


# --- what the corpus lacks ----------------------------------------------------------------------------


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
def test_messages_outside_private_chats_are_left_alone(chat_type: str) -> None:
    for name, key in (
        ("zammad__private__text.json", "message"),
        ("tgdocs_05_edited_message.json", "edited_message"),
    ):
        payload = corpus(name)
        payload[key]["chat"] = {"id": -100123, "type": chat_type, "title": "Customers"}
        assert only_event(payload) == Unsupported("group_message", chat_type)


def with_content(**content: Any) -> dict[str, Any]:
    payload = corpus("zammad__private__text.json")
    del payload["message"]["text"]
    payload["message"].update(content)
    return payload


def test_a_location_shows_coordinates_and_a_map_link() -> None:
    message = only_message(with_content(location={"latitude": 45.4642, "longitude": 9.19}))
    assert message.kind == "location"
    assert message.text == "45.4642, 9.19\nhttps://www.openstreetmap.org/?mlat=45.4642&mlon=9.19"


def test_a_venue_shows_its_name_and_address_before_the_place() -> None:
    place = {"latitude": 45.4642, "longitude": 9.19}
    venue = {"location": place, "title": "Duomo", "address": "Piazza del Duomo"}
    message = only_message(with_content(venue=venue, location=place))
    assert message.kind == "venue"
    assert message.text.startswith("Duomo\nPiazza del Duomo\n45.4642, 9.19")


def test_a_shared_contact_shows_name_and_number() -> None:
    contact = {"phone_number": "+393331234567", "first_name": "Mario", "last_name": "Rossi"}
    message = only_message(with_content(contact=contact))
    assert (message.kind, message.text) == ("contact", "Mario Rossi, +393331234567")


def test_a_sticker_is_an_image_with_its_emoji_as_text() -> None:
    sticker = {"file_id": "CAACAgIAAxkBAAI", "emoji": "👍", "is_animated": False, "is_video": True}
    message = only_message(with_content(sticker=sticker))
    assert (message.kind, message.text) == ("sticker", "👍")
    assert message.media == (MediaRef(media_id="CAACAgIAAxkBAAI", content_type="video/webm"),)


def test_an_animation_is_not_mistaken_for_the_document_it_also_carries() -> None:
    gif = {"file_id": "CgACAgQAAxkBAAI", "mime_type": "video/mp4", "file_name": "funny.mp4"}
    message = only_message(with_content(animation=gif, document=gif))
    assert message.kind == "animation"


def test_a_service_message_is_not_a_customer_message() -> None:
    event = only_event(with_content(pinned_message={"message_id": 4, "date": 1, "chat": {"id": 1}}))
    assert isinstance(event, Unsupported)
    assert event.kind == "service_message"


def test_a_button_press_in_a_private_chat_is_the_customers_answer() -> None:
    payload = corpus("tgdocs_12_callback_query.json")
    query = payload["callback_query"]
    del query["inline_message_id"]
    query["message"] = {"message_id": 77, "date": 1441645000, "chat": {"id": 1111111, "type": "private"}}
    message = only_message_with_clock(payload)
    assert message.kind == "callback"
    assert message.text == "Data from button callback"
    assert message.external_id == "1111111:callback-4382bfdwdsb323b2d9"
    assert message.reply_to_external_id == "1111111:77"
    assert message.sent_at == NOW  # a callback has no time of its own


def only_message_with_clock(payload: dict[str, Any]) -> ChannelMessage:
    event = only_event(payload, TelegramAdapter(clock=lambda: NOW))
    assert isinstance(event, ChannelMessage), event
    return event


def test_a_reaction_names_the_message_and_the_emoji_and_removal_is_empty() -> None:
    update: dict[str, Any] = {
        "update_id": 9,
        "message_reaction": {
            "chat": {"id": 111111, "type": "private"},
            "message_id": 42,
            "user": {"id": 111111, "first_name": "Test"},
            "date": 1700000000,
            "old_reaction": [],
            "new_reaction": [{"type": "emoji", "emoji": "👍"}],
        },
    }
    added = only_event(update)
    assert added == Reaction(
        "111111:42", Identity(IdentityKind.TELEGRAM, "111111"), "👍", datetime.fromtimestamp(1700000000, UTC)
    )
    update["message_reaction"]["new_reaction"] = []
    removed = only_event(update)
    assert isinstance(removed, Reaction)
    assert removed.emoji == ""


def test_a_sender_without_names_is_called_by_username_then_id() -> None:
    payload = corpus("zammad__private__text.json")
    payload["message"]["from"] = {"id": 5, "username": "mrossi"}
    assert only_message(payload).sender_name == "@mrossi"
    payload["message"]["from"] = {"id": 5}
    assert only_message(payload).sender_name == "5"


# --- malformed bodies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [b"{}", b'{"update_id": 1}', b'{"message": {}}', b"not json", b"[]"])
def test_bodies_that_are_not_updates_are_payload_errors(body: bytes) -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(request(body))


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_broken_variants_of_every_update_never_raise_anything_else(path: Path) -> None:
    for body in broken_variants(path.read_bytes()):
        events_or_payload_error(ADAPTER, request(body))


# --- verification -------------------------------------------------------------------------------------


def signed(token: str) -> WebhookRequest:
    return request(corpus("zammad__private__text.json"), {SECRET_HEADER.lower(): token})


def test_the_right_secret_token_verifies() -> None:
    ADAPTER.verify(signed("s3cr3t-T0ken_for-webhooks"), SECRETS)


@pytest.mark.parametrize(
    "token",
    [
        "s3cr3t-T0ken_for-webhook",
        "S3CR3T-T0KEN_FOR-WEBHOOKS",
        "",
        "s3cr3t-T0ken_for-webhooks ",
        "sécret",
        "\ud800",
    ],
)
def test_a_wrong_secret_token_is_refused(token: str) -> None:
    with pytest.raises(VerificationError):
        ADAPTER.verify(signed(token), SECRETS)


def test_a_missing_secret_token_header_is_refused() -> None:
    with pytest.raises(VerificationError):
        ADAPTER.verify(request(corpus("zammad__private__text.json")), SECRETS)


def test_without_a_configured_secret_nothing_verifies() -> None:
    with pytest.raises(VerificationError):
        ADAPTER.verify(signed("anything"), ProviderSecrets({}))


def test_telegram_has_no_handshake_and_wants_an_empty_200() -> None:
    assert ADAPTER.handshake(signed("s3cr3t-T0ken_for-webhooks"), SECRETS) is None
    acknowledgement = ADAPTER.acknowledgement(signed("s3cr3t-T0ken_for-webhooks"))
    assert (acknowledgement.status, acknowledgement.body) == (200, "")
    assert (ADAPTER.name, ADAPTER.channel) == ("telegram", Channel.TELEGRAM)
