"""WhatsApp Cloud API webhooks: every corpus payload, and the 24-hour customer-service window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.webhook import (
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
)
from sportello.providers.whatsapp import ADAPTER, customer_service_window_open, e164
from sportello.tickets.model import Channel

from .meta_requests import WHATSAPP_CORPUS, corpus, only, signed

CUSTOMER = Identity(IdentityKind.PHONE, "+972987654321")


def parse_file(name: str) -> list[WebhookEvent]:
    return list(ADAPTER.parse(signed((WHATSAPP_CORPUS / f"{name}.json").read_bytes())))


def message(name: str) -> ChannelMessage:
    event = only(parse_file(name))
    assert isinstance(event, ChannelMessage), event
    return event


def test_the_corpus_is_all_there() -> None:
    assert len(corpus(WHATSAPP_CORPUS)) == 74


@pytest.mark.parametrize("path", corpus(WHATSAPP_CORPUS), ids=lambda path: path.stem)
def test_every_corpus_payload_yields_events(path: Path) -> None:
    events = ADAPTER.parse(signed(path.read_bytes()))
    assert events
    assert all(isinstance(event, WebhookEvent) for event in events)
    assert not [event for event in events if isinstance(event, Unsupported) and event.kind == "malformed"]


def test_a_text_message_is_the_customer_s_phone_number_name_and_words() -> None:
    text = message("message__text")
    assert text == ChannelMessage(
        external_id="wamid.xyzxyz",
        channel=Channel.WHATSAPP,
        identity=CUSTOMER,
        conversation="+972987654321",
        sender_name="Test Name",
        text="Body Text",
        sent_at=datetime(2023, 10, 11, 16, 53, 43, tzinfo=UTC),
        kind="text",
    )


@pytest.mark.parametrize(
    ("name", "kind", "media", "text"),
    [
        ("message__image", "image", MediaRef(media_id="65463453", content_type="image/jpeg"), ""),
        ("message__media_with_url", "image", MediaRef(media_id="65463453", content_type="image/jpeg"), ""),
        (
            "message__video",
            "video",
            MediaRef(media_id="765756756", content_type="video/mp4", caption="caption"),
            "caption",
        ),
        (
            "message__document",
            "document",
            MediaRef(
                media_id="1234567890987654321",
                content_type="application/pdf",
                filename="filename.pdf",
                caption="caption",
            ),
            "caption",
        ),
        (
            "message__audio",
            "audio",
            MediaRef(media_id="1234567890987654321", content_type="audio/ogg; codecs=opus"),
            "",
        ),
        (
            "message__voice",
            "voice",
            MediaRef(media_id="1234567890987654321", content_type="audio/ogg; codecs=opus"),
            "",
        ),
        (
            "message__static_sticker",
            "sticker",
            MediaRef(media_id="1234567890987654321", content_type="image/webp"),
            "",
        ),
        (
            "message__animated_sticker",
            "sticker",
            MediaRef(media_id="1234567890987654321", content_type="image/webp"),
            "",
        ),
    ],
)
def test_media_is_referenced_by_its_id_for_fetching(name: str, kind: str, media: MediaRef, text: str) -> None:
    event = message(name)
    assert (event.kind, event.media, event.text) == (kind, (media,), text)
    assert event.identity == CUSTOMER


def test_locations_and_contacts_become_readable_text() -> None:
    chosen = message("message__chosen_location")
    assert chosen.kind == "location"
    assert chosen.text.splitlines() == [
        "Facebook HQ",
        "1 Hacker Way, Menlo Park, CA 94025",
        "37.4611978, -122.2164385",
        "https://maps.google.com/?cid=2000000000000000000",
    ]
    assert "12.25089, 43.90539" in message("message__current_location").text
    contacts = message("message__contacts")
    assert contacts.kind == "contacts"
    assert contacts.text.splitlines() == [
        "Chandler Bing, +1 555-555-5555",
        "Monica, +1 666-666-6666",
        "Rachel Green, +1 777-777-7777",
    ]


@pytest.mark.parametrize(
    ("name", "kind", "text", "reply_to"),
    [
        ("callback_button__button", "button_reply", "title", "wamid.xyzxyz"),
        ("callback_selection__callback", "list_reply", "title", "wamid.xyzxyz"),
        ("callback_selection__description", "list_reply", "title\ndescription", "wamid.xyzxyz"),
        ("callback_button__quick_reply", "button", "title", "wamid.xyzxyz=="),
        ("callback_button__quick_reply_without_context", "button", "title", None),
        ("message__reply", "text", "replied text", "wamid.xyzxyz=="),
        ("message__forwarded", "text", "forwarded text", None),
        ("message__forwarded_many_times", "text", "text forwarded many times", None),
    ],
)
def test_replies_and_buttons_keep_what_they_answer(
    name: str, kind: str, text: str, reply_to: str | None
) -> None:
    event = message(name)
    assert (event.kind, event.text, event.reply_to_external_id) == (kind, text, reply_to)


def test_an_order_lists_its_items_and_a_referral_names_its_ad() -> None:
    order = message("message__order")
    assert (order.kind, order.text) == (
        "order",
        "3 x HAMBURGER (30 ILS)\n2 x FRENCH_FRIES (35 ILS)\n2 x SODA (10 ILS)",
    )
    referral = message("message__referral")
    assert referral.kind == "referral"
    assert referral.text == "BODY\n\n[AD_TITLE AD_OR_POST_FB_URL]"


@pytest.mark.parametrize(
    ("name", "emoji"),
    [
        ("message__reaction", "\N{FACE WITH OPEN MOUTH}"),
        ("message__unreaction_empty", ""),
        ("message__unreaction_no_emoji", ""),
    ],
)
def test_reactions_name_the_message_reacted_to(name: str, emoji: str) -> None:
    assert only(parse_file(name)) == Reaction(
        "wamid.yzxyzx=", CUSTOMER, emoji, datetime(2023, 10, 11, 17, 14, 16, tzinfo=UTC)
    )


def test_edits_and_deletions_name_the_original_message() -> None:
    assert only(parse_file("edited_message__image")) == MessageEdited(
        "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=",
        "Updated image caption",
        datetime(2025, 6, 13, 22, 42, 55, tzinfo=UTC),
    )
    assert only(parse_file("deleted_message__revoke")) == MessageDeleted(
        "<ORIGINAL_WHATSAPP_MESSAGE_ID>", datetime(2023, 10, 11, 16, 53, 43, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("message_status__sent", DeliveryState.SENT),
        ("message_status__with_tracker", DeliveryState.SENT),
        ("message_status__delivered", DeliveryState.DELIVERED),
        ("message_status__read", DeliveryState.READ),
        ("message_status__played", DeliveryState.READ),
        ("message_status__group", DeliveryState.READ),
    ],
)
def test_statuses_update_our_message_s_delivery(name: str, state: DeliveryState) -> None:
    update = only(parse_file(name))
    assert isinstance(update, DeliveryUpdate)
    assert (update.state, update.error) == (state, None)
    assert update.external_id in ("wamid.xyzxyz", "<WHATSAPP_MESSAGE_ID>")


def test_a_failed_status_says_why() -> None:
    assert only(parse_file("message_status__failed")) == DeliveryUpdate(
        "wamid.xyzxyz",
        DeliveryState.FAILED,
        datetime(2023, 7, 15, 0, 20, 58, tzinfo=UTC),
        "130472 User's number is part of an experiment: "
        "Failed to send message because this user's phone number is part of an experiment",
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("account_update__account_deleted", [Unsupported("account_update", "ACCOUNT_DELETED")]),
        ("account_update__account_violation", [Unsupported("account_update", "ACCOUNT_VIOLATION")]),
        ("template_status_update__rejected", [Unsupported("message_template_status_update", "REJECTED")]),
        ("template_category_update__marketing", [Unsupported("template_category_update")]),
        ("template_quality_update__yellow", [Unsupported("message_template_quality_update")]),
        ("template_components_update__element", [Unsupported("message_template_components_update")]),
        ("call_connect__user_initiated", [Unsupported("calls")]),
        ("call_status__call_status", [Unsupported("calls")]),
        ("call_terminate__call_terminate", [Unsupported("calls")]),
        ("call_permission_update__accept", [Unsupported("call_permission_reply")]),
        ("flow_completion__completion", [Unsupported("nfm_reply")]),
        ("system__identity_change", [Unsupported("system", "customer_identity_changed")]),
        ("system__phone_number_change", [Unsupported("system", "user_changed_number")]),
        ("outgoing_message__text", [Unsupported("smb_message_echoes")]),
        ("user_marketing_preferences__signup", [Unsupported("user_preferences")]),
        ("message__unsupported_with_type", [Unsupported("unsupported", "pool")]),
        (
            "message__unsupported",
            [
                Unsupported(
                    "unsupported", "131051 Message type unknown: Message type is currently not supported."
                )
            ],
        ),
        (
            "message__interactive_message_with_err",
            [
                Unsupported("interactive"),
                Unsupported("error", "131000 Something went wrong: Unsupported webhook payload"),
            ],
        ),
    ],
)
def test_everything_else_is_unsupported_with_its_kind(name: str, expected: list[Unsupported]) -> None:
    assert parse_file(name) == expected


def test_a_malformed_message_costs_only_itself() -> None:
    document = json.loads((WHATSAPP_CORPUS / "message__text.json").read_bytes())
    value = document["entry"][0]["changes"][0]["value"]
    good = value["messages"][0]
    value["messages"] = [{"type": "text", "from": "972987654321"}, good, "junk"]
    events = ADAPTER.parse(signed(json.dumps(document).encode()))
    assert [type(event).__name__ for event in events] == ["Unsupported", "ChannelMessage", "Unsupported"]
    assert {event.kind for event in events if isinstance(event, Unsupported)} == {"malformed"}


def test_a_batch_keeps_every_event_in_order() -> None:
    text = json.loads((WHATSAPP_CORPUS / "message__text.json").read_bytes())
    status = json.loads((WHATSAPP_CORPUS / "message_status__read.json").read_bytes())
    text["entry"].append(status["entry"][0])
    events = ADAPTER.parse(signed(json.dumps(text).encode()))
    assert [type(event) for event in events] == [ChannelMessage, DeliveryUpdate]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("972987654321", "+972987654321"),
        ("+1 555-555-5555", "+15555555555"),
        ("+39 (06) 1234.5678", "+390612345678"),
    ],
)
def test_phone_numbers_become_e164(raw: str, number: str) -> None:
    assert e164(raw) == number


@pytest.mark.parametrize(
    "raw", ["", "+", "12345", "1234567890123456", "0612345678", "<WHATSAPP_USER_PHONE_NUMBER>", "+39 abc"]
)
def test_what_is_not_a_phone_number_is_refused(raw: str) -> None:
    with pytest.raises(PayloadError):
        e164(raw)


def test_a_sender_without_a_phone_number_is_malformed_not_a_customer() -> None:
    document = json.loads((WHATSAPP_CORPUS / "message__text.json").read_bytes())
    document["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "US.13491208655302741918"
    assert only(ADAPTER.parse(signed(json.dumps(document).encode()))) == Unsupported(
        "malformed", "message 0: 'US.13491208655302741918' is not a phone number"
    )


# --- the 24-hour customer-service window -------------------------------------------------------------

LAST = datetime(2024, 5, 6, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("elapsed", "open_"),
    [
        (timedelta(0), True),
        (timedelta(hours=23, minutes=59, seconds=59, microseconds=999_999), True),
        (timedelta(hours=24), False),
        (timedelta(hours=24, microseconds=1), False),
        (timedelta(days=3), False),
        (timedelta(minutes=-5), True),  # the customer's clock ran ahead of ours: still their latest message
    ],
)
def test_free_form_replies_only_within_24_hours_of_the_customer_s_last_message(
    elapsed: timedelta, open_: bool
) -> None:
    assert customer_service_window_open(LAST, LAST + elapsed) is open_


def test_no_customer_message_means_no_window() -> None:
    assert customer_service_window_open(None, LAST) is False


def test_the_window_compares_instants_not_wall_clocks() -> None:
    rome = timezone(timedelta(hours=2))
    assert customer_service_window_open(LAST, (LAST + timedelta(hours=23)).astimezone(rome)) is True
    assert customer_service_window_open(LAST.astimezone(rome), LAST + timedelta(hours=24)) is False


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        customer_service_window_open(LAST.replace(tzinfo=None), LAST)
    with pytest.raises(ValueError, match="timezone-aware"):
        customer_service_window_open(LAST, LAST.replace(tzinfo=None))
