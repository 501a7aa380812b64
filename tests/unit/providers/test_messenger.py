"""Messenger webhooks (`object: page`): the corpus, and the events Meta documents beyond it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.providers.messenger import ADAPTER
from sportello.providers.webhook import (
    ChannelMessage,
    DeliveryState,
    DeliveryUpdate,
    MediaRef,
    MessageEdited,
    Reaction,
    Unsupported,
    WebhookEvent,
)
from sportello.tickets.model import Channel

from .meta_requests import ENTRY_TIME, MESSENGER_CORPUS, corpus, envelope, only, signed

USER = Identity(IdentityKind.MESSENGER, "USER_ID")
PSID = Identity(IdentityKind.MESSENGER, "<PSID>")
SENT = datetime(2016, 3, 23, 0, 25, 52, 478000, tzinfo=UTC)  # 1458692752478 ms


def parse_file(name: str) -> list[WebhookEvent]:
    return list(ADAPTER.parse(signed((MESSENGER_CORPUS / f"{name}.json").read_bytes())))


def parse_event(event: dict[str, Any]) -> list[WebhookEvent]:
    routing = {"sender": {"id": "<PSID>"}, "recipient": {"id": "<PAGE_ID>"}, "timestamp": 1458692752478}
    return list(ADAPTER.parse(signed(envelope("page", messaging=[{**routing, **event}]))))


def test_the_corpus_is_all_there() -> None:
    assert len(corpus(MESSENGER_CORPUS)) == 9


@pytest.mark.parametrize("path", corpus(MESSENGER_CORPUS), ids=lambda path: path.stem)
def test_every_corpus_payload_yields_events(path: Path) -> None:
    events = ADAPTER.parse(signed(path.read_bytes()))
    assert events
    assert all(isinstance(event, WebhookEvent) for event in events)
    assert not [event for event in events if isinstance(event, Unsupported) and event.kind == "malformed"]


def test_a_text_message_comes_from_the_sender_s_psid() -> None:
    assert only(parse_file("fbmessenger-api-hs__wsTextMessageRequest")) == ChannelMessage(
        external_id="mid.1457764197618:41d102a3e1ae206a38",
        channel=Channel.MESSENGER,
        identity=USER,
        conversation="USER_ID",
        sender_name="",
        text="hello, world!",
        sent_at=datetime(2016, 3, 12, 6, 29, 57, 627000, tzinfo=UTC),
        kind="text",
    )


def test_an_attachment_is_fetched_by_its_url() -> None:
    url = "https://scontent.xx.fbcdn.net/v/t1.15752-9/photo_n.png?_nc_cat=1"
    event = only(
        parse_event({"message": {"mid": "m_1", "attachments": [{"type": "image", "payload": {"url": url}}]}})
    )
    assert isinstance(event, ChannelMessage)
    assert (event.kind, event.text, event.media) == ("image", "", (MediaRef(url=url),))


def test_an_attachment_whose_url_is_a_placeholder_has_nothing_to_fetch() -> None:
    assert parse_file("fbmessenger-api-hs__wsStructuredMessageRequest") == [
        Unsupported("empty_message", "mid.1458696618141:b4ef9d19ec21086067")
    ]


def test_a_docs_event_alone_reads_as_the_entry_meta_would_wrap_it_in() -> None:
    alone = (MESSENGER_CORPUS / "metadocs__messages_event__reply_to.json").read_bytes()
    wrapped = envelope("page", messaging=[json.loads(alone)])
    assert ADAPTER.parse(signed(alone)) == ADAPTER.parse(signed(wrapped))


def test_a_reply_names_the_message_it_answers_and_a_quick_reply_is_marked() -> None:
    reply = only(parse_file("metadocs__messages_event__reply_to"))
    assert isinstance(reply, ChannelMessage)
    assert (reply.identity, reply.text, reply.kind) == (PSID, "hello, world!", "text")
    assert reply.reply_to_external_id == "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
    quick = only(parse_file("metadocs__messages_event__text_quick_reply"))
    assert isinstance(quick, ChannelMessage)
    assert (quick.text, quick.kind, quick.sent_at) == ("hello, world!", "quick_reply", SENT)


def test_a_postback_is_a_message_with_its_title_or_payload() -> None:
    old = only(parse_file("fbmessenger-api-hs__wsPostbackRequest"))
    assert isinstance(old, ChannelMessage)
    assert (old.kind, old.text, old.identity) == ("postback", "USER_DEFINED_PAYLOAD", USER)
    assert old.external_id == "postback:USER_ID:1458692752478"  # no mid in 2016: stable across redeliveries
    current = only(
        parse_event({"postback": {"mid": "m_AG5Hz2U", "title": "Talk to a human", "payload": "HUMAN"}})
    )
    assert isinstance(current, ChannelMessage)
    assert (current.external_id, current.text, current.kind) == ("m_AG5Hz2U", "Talk to a human", "postback")


def test_deliveries_update_each_named_message() -> None:
    delivered = datetime(2016, 3, 22, 17, 47, 36, 253000, tzinfo=UTC)
    expected = DeliveryUpdate("mid.1458668856218:ed81099e15d3f4f233", DeliveryState.DELIVERED, delivered)
    assert parse_file("fbmessenger-api-hs__wsDeliveryRequest") == [expected]
    assert parse_file("metadocs__message_deliveries_event") == [expected]
    two = parse_event({"delivery": {"mids": ["m_1", "m_2"], "watermark": 1458668856253}})
    assert [update.external_id for update in two if isinstance(update, DeliveryUpdate)] == ["m_1", "m_2"]
    assert only(parse_event({"delivery": {"watermark": 1458668856253}})) == Unsupported("delivery_watermark")


def test_a_read_watermark_names_no_message_and_is_unsupported() -> None:
    assert parse_file("metadocs__message_reads_event") == [Unsupported("read_watermark")]
    by_mid = only(parse_event({"read": {"mid": "m_1", "watermark": 1458668856253}}))
    assert by_mid == DeliveryUpdate("m_1", DeliveryState.READ, SENT)


def test_opt_ins_and_other_events_are_unsupported_with_their_kind() -> None:
    assert parse_file("fbmessenger-api-hs__wsAuthRequest") == [Unsupported("optin")]
    assert parse_event({"referral": {"ref": "ad"}}) == [Unsupported("referral")]
    assert parse_event({}) == [Unsupported("unknown")]


def test_edits_reactions_and_echoes() -> None:
    assert parse_event({"message_edit": {"mid": "m_1", "text": "fixed typo", "num_edit": 1}}) == [
        MessageEdited("m_1", "fixed typo", SENT)
    ]
    react = {"reaction": {"mid": "m_1", "action": "react", "reaction": "love", "emoji": "\u2764\ufe0f"}}
    assert parse_event(react) == [Reaction("m_1", PSID, "\u2764\ufe0f", SENT)]
    unreact = {"reaction": {"mid": "m_1", "action": "unreact", "reaction": "love", "emoji": "\u2764\ufe0f"}}
    assert parse_event(unreact) == [Reaction("m_1", PSID, "", SENT)]
    echo = {"message": {"mid": "m_ours", "is_echo": True, "app_id": 1517776481860111, "text": "our reply"}}
    assert parse_event(echo) == [Unsupported("echo", "m_ours")]


def test_shared_links_are_text_and_files_are_media() -> None:
    event = only(
        parse_event(
            {
                "message": {
                    "mid": "m_2",
                    "text": "look",
                    "attachments": [
                        {"type": "fallback", "payload": {"url": "https://example.org/a", "title": "A page"}},
                        {"type": "file", "payload": {"url": "https://cdn.example/f.pdf"}},
                        {"type": "template", "payload": {"template_type": "generic"}},
                    ],
                }
            }
        )
    )
    assert isinstance(event, ChannelMessage)
    assert (event.text, event.kind) == ("look\nA page https://example.org/a", "fallback")
    assert event.media == (MediaRef(url="https://cdn.example/f.pdf"),)


def test_a_message_with_nothing_to_show_is_unsupported() -> None:
    assert parse_event({"message": {"mid": "m_3"}}) == [Unsupported("empty_message", "m_3")]
    assert parse_event({"message": {"mid": "m_4", "is_unsupported": True}}) == [
        Unsupported("unsupported_message", "m_4")
    ]


def test_an_event_without_its_own_time_takes_the_entry_s() -> None:
    body = envelope("page", messaging=[{"sender": {"id": "1"}, "message": {"mid": "m_5", "text": "hi"}}])
    event = only(ADAPTER.parse(signed(body)))
    assert isinstance(event, ChannelMessage)
    assert event.sent_at == datetime.fromtimestamp(ENTRY_TIME / 1000, UTC)


def test_feed_changes_beside_messaging_are_unsupported() -> None:
    body = envelope("page", changes=[{"field": "feed", "value": {"item": "comment"}}])
    assert ADAPTER.parse(signed(body)) == [Unsupported("feed")]
