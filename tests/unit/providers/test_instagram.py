"""Instagram messaging webhooks (`object: instagram`): the corpus (Chatwoot's factories, ISO times)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.instagram import ADAPTER
from sportello.providers.webhook import (
    ChannelMessage,
    DeliveryState,
    DeliveryUpdate,
    MediaRef,
    MessageDeleted,
    PayloadError,
    Unsupported,
    WebhookEvent,
)
from sportello.tickets.model import Channel

from .meta_requests import INSTAGRAM_CORPUS, MESSENGER_CORPUS, corpus, envelope, only, signed

SENDER = Identity(IdentityKind.INSTAGRAM, "Sender-id-1")
AT = datetime(2021, 9, 8, 6, 34, 4, tzinfo=UTC)


def parse_file(name: str) -> list[WebhookEvent]:
    return list(ADAPTER.parse(signed((INSTAGRAM_CORPUS / f"{name}.json").read_bytes())))


def message(name: str) -> ChannelMessage:
    event = only(parse_file(name))
    assert isinstance(event, ChannelMessage), event
    return event


def test_the_corpus_is_all_there() -> None:
    assert len(corpus(INSTAGRAM_CORPUS)) == 9


@pytest.mark.parametrize("path", corpus(INSTAGRAM_CORPUS), ids=lambda path: path.stem)
def test_every_corpus_payload_yields_events(path: Path) -> None:
    events = ADAPTER.parse(signed(path.read_bytes()))
    assert events
    assert all(isinstance(event, WebhookEvent) for event in events)
    assert not [event for event in events if isinstance(event, Unsupported) and event.kind == "malformed"]


def test_a_text_message_comes_from_the_sender_s_igsid() -> None:
    assert message("chatwoot__instagram_message_create_event") == ChannelMessage(
        external_id="message-id-1",
        channel=Channel.INSTAGRAM,
        identity=SENDER,
        conversation="Sender-id-1",
        sender_name="",
        text="This is the first message from the customer",
        sent_at=AT,
        kind="text",
    )


def test_a_standby_message_is_still_the_customer_s() -> None:
    event = message("chatwoot__instagram_message_standby_event")
    assert (event.identity, event.text) == (
        SENDER,
        "This is the first standby message from the customer, after 24 hours.",
    )


def test_epoch_seconds_as_text_are_read_too() -> None:
    event = message("chatwoot__instagram_test_text_event")
    assert (event.identity, event.text, event.sent_at) == (
        Identity(IdentityKind.INSTAGRAM, "12334"),
        "random_text",
        datetime(2018, 5, 27, 22, 23, 44, tzinfo=UTC),
    )


def test_stories_and_shares_bring_their_media() -> None:
    mention = message("chatwoot__instagram_story_mention_event")
    assert (mention.kind, mention.media) == (
        "story_mention",
        (MediaRef(url="https://www.example.com/test.jpeg"),),
    )
    reply = message("chatwoot__instagram_story_reply_event")
    assert (reply.kind, reply.text) == ("story_reply", "This is the story reply")
    assert reply.media == (MediaRef(url="https://chatwoot-assets.local/sample.png"),)
    share = message("chatwoot__instagram_message_attachment_event")
    assert (share.kind, share.media) == ("share", (MediaRef(url="https://www.example.com/test.jpeg"),))


def test_unsend_deletes_echo_is_ours_and_seen_is_read() -> None:
    assert parse_file("chatwoot__instagram_message_unsend_event") == [
        MessageDeleted("message-id-to-delete", AT)
    ]
    assert parse_file("chatwoot__instagram_story_mention_event_with_echo") == [
        Unsupported("echo", "message-id-1")
    ]
    assert parse_file("chatwoot__messaging_seen_event") == [
        DeliveryUpdate("message-id-1", DeliveryState.READ, AT)
    ]


def test_a_messenger_payload_is_not_instagram_s() -> None:
    with pytest.raises(PayloadError):
        ADAPTER.parse(
            signed((MESSENGER_CORPUS / "fbmessenger-api-hs__wsTextMessageRequest.json").read_bytes())
        )


def test_comments_beside_messaging_are_unsupported() -> None:
    body = envelope("instagram", changes=[{"field": "comments", "value": {"text": "nice"}}])
    assert ADAPTER.parse(signed(body)) == [Unsupported("comments")]
