"""WebhookIntake keeps and queues verified deliveries; MessagingDesk turns them into tickets and events."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.intake.messaging import ProcessReport
from sportello.providers.webhook import FetchedMedia, VerificationError, WebhookRequest, WebhookResponse
from sportello.tickets.events import EventKind
from sportello.tickets.model import Channel
from sportello.tickets.service import MAX_ATTACHMENTS_PER_MESSAGE
from tests.fakes import InMemoryTicketRepository, RecordingProviderApi
from tests.unit.intake.builders import (
    SECRETS,
    START,
    TELEGRAM_CHAT,
    WHATSAPP_SENDER,
    Desk,
    FailingProviderApi,
    Webhooks,
    signed,
    telegram_edit,
    telegram_text,
    whatsapp_message,
    whatsapp_status,
    whatsapp_text,
    whatsapp_value,
)

LATER = START + timedelta(minutes=5)
DOCUMENT_MEDIA = "1234567890987654321"  # the media id in the corpus document message


@pytest.fixture
def hooks() -> Webhooks:
    return Webhooks()


# --- accepting ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "payload"), [("whatsapp", whatsapp_text("Ciao")), ("telegram", telegram_text("Hello"))]
)
def test_a_verified_delivery_is_kept_by_its_digest_and_queued(
    hooks: Webhooks, provider: str, payload: dict[str, Any]
) -> None:
    # Given a delivery signed as the provider signs it
    request = signed(provider, payload)

    # When the endpoint accepts it
    response = hooks.intake.accept(provider, request)

    # Then the raw body is kept under webhooks/<provider>/<sha256>, one job points at it, and 200 goes back
    key = f"webhooks/{provider}/{hashlib.sha256(request.body).hexdigest()}"
    assert hooks.blobs.objects[key][0] == request.body
    [queued] = hooks.queue.sent
    assert (queued["provider"], queued["key"], queued["url"]) == (provider, key, request.url)
    assert response.status == 200
    assert hooks.desk.repo.tickets == {}  # accepting creates nothing: the queue's consumer does


@pytest.mark.parametrize("provider", ["whatsapp", "telegram"])
def test_a_delivery_with_a_bad_signature_is_neither_kept_nor_queued(hooks: Webhooks, provider: str) -> None:
    # Given a delivery signed with the wrong secret
    payload = whatsapp_text("Ciao") if provider == "whatsapp" else telegram_text("Hello")
    request = signed(provider, payload, secret="not-the-secret")

    # When the endpoint is called, Then it is refused, and nothing is stored or queued
    with pytest.raises(VerificationError):
        hooks.intake.accept(provider, request)
    assert hooks.blobs.objects == {}
    assert hooks.queue.sent == []


def test_a_meta_subscription_handshake_is_answered_with_its_challenge(hooks: Webhooks) -> None:
    # Given Meta's GET handshake with our verify token
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": SECRETS.values["verify_token"],
        "hub.challenge": "8311",
    }
    request = WebhookRequest("GET", "https://desk.example.com/webhooks/whatsapp", {}, query, b"")

    # When the endpoint answers it
    response = hooks.intake.accept("whatsapp", request)

    # Then the challenge is echoed, and nothing is kept or queued
    assert response == WebhookResponse(200, "8311", "text/plain")
    assert hooks.blobs.objects == {}
    assert hooks.queue.sent == []


def test_a_handshake_with_the_wrong_verify_token_is_refused(hooks: Webhooks) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "8311"}
    request = WebhookRequest("GET", "https://desk.example.com/webhooks/whatsapp", {}, query, b"")

    with pytest.raises(VerificationError):
        hooks.intake.accept("whatsapp", request)
    assert hooks.queue.sent == []


# --- processing: customers' messages ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "payload", "identity", "channel", "address"),
    [
        (
            "whatsapp",
            whatsapp_text("Il mio ordine non è arrivato"),
            Identity(IdentityKind.PHONE, WHATSAPP_SENDER),
            Channel.WHATSAPP,
            WHATSAPP_SENDER,
        ),
        (
            "telegram",
            telegram_text("Il mio ordine non è arrivato"),
            Identity(IdentityKind.TELEGRAM, "1111111"),
            Channel.TELEGRAM,
            TELEGRAM_CHAT,
        ),
    ],
)
def test_a_text_opens_a_ticket_for_its_sender(
    hooks: Webhooks,
    provider: str,
    payload: dict[str, Any],
    identity: Identity,
    channel: Channel,
    address: str,
) -> None:
    # Given a text from someone we have never heard from
    # When it is processed
    report = hooks.post(provider, payload)

    # Then a ticket opens on that channel for the sender, and replies will go to their conversation
    assert report == ProcessReport(provider, ("created",))
    ticket = hooks.desk.repo.get(1)
    assert (ticket.channel, ticket.channel_address) == (channel, address)
    assert ticket.requester.id == hooks.desk.customers.customer_id_for(identity)
    [message] = hooks.desk.messages(1)
    assert message.text == "Il mio ordine non è arrivato"


@pytest.mark.parametrize("provider", ["whatsapp", "telegram"])
def test_a_second_message_continues_the_same_open_ticket(hooks: Webhooks, provider: str) -> None:
    # Given a customer's open ticket
    first, second = (
        (whatsapp_text("Hello", "wamid.a"), whatsapp_text("Any news?", "wamid.b", LATER))
        if provider == "whatsapp"
        else (telegram_text("Hello", 1), telegram_text("Any news?", 2, LATER))
    )
    hooks.post(provider, first)

    # When they write again
    report = hooks.post(provider, second)

    # Then the message joins that ticket
    assert report.outcomes == ("appended",)
    assert list(hooks.desk.repo.tickets) == [1]
    assert [m.text for m in hooks.desk.messages(1)] == ["Hello", "Any news?"]


def test_a_redelivered_message_is_a_duplicate_that_fetches_and_stores_nothing_again() -> None:
    # Given a processed WhatsApp document, whose media was fetched and kept
    hooks = Webhooks(
        RecordingProviderApi(media={DOCUMENT_MEDIA: FetchedMedia(b"%PDF", "application/pdf", "x.pdf")})
    )
    payload = whatsapp_message("document", "wamid.doc")
    hooks.post("whatsapp", payload)

    # When the provider delivers it again
    report = hooks.post("whatsapp", payload)

    # Then nothing is created twice: no message, no ticket number, no second copy of the media
    assert report.outcomes == ("duplicate",)
    assert len(hooks.desk.messages(1)) == 1
    assert hooks.desk.repo.next_number() == 2
    assert len([key for key in hooks.blobs.objects if key.startswith("attachments/")]) == 1


def test_an_unreadable_payload_is_quarantined_with_its_raw_key(hooks: Webhooks) -> None:
    # Given a correctly signed body that is not a WhatsApp payload
    body = b'{"object": "whatsapp_business_account", "entry": "not a list"'
    hooks.intake.accept("whatsapp", signed("whatsapp", body))
    [queued] = hooks.queue.sent

    # When it is processed
    report = hooks.processor.process(queued)

    # Then it is quarantined, pointing at the kept body, and nothing else happens
    assert report == ProcessReport("whatsapp", ("quarantined",))
    [record] = hooks.quarantine.records.values()
    assert (record.raw_key, record.channel) == (queued["key"], "whatsapp")
    assert hooks.blobs.get(record.raw_key) == body
    assert hooks.desk.repo.tickets == {}


def test_fetched_media_is_kept_as_the_messages_attachment() -> None:
    # Given a WhatsApp document whose media the provider serves
    api = RecordingProviderApi(media={DOCUMENT_MEDIA: FetchedMedia(b"%PDF", "application/pdf", "x.pdf")})
    hooks = Webhooks(api)

    # When it is processed
    hooks.post("whatsapp", whatsapp_message("document", "wamid.doc"))

    # Then the file is stored under the message and referenced by it
    [message] = hooks.desk.messages(1)
    [attachment] = message.attachments
    assert attachment.key == f"attachments/{message.id}/1-filename.pdf"
    assert hooks.blobs.objects[attachment.key] == (b"%PDF", "application/pdf")


def test_media_that_cannot_be_fetched_keeps_the_message_with_a_note() -> None:
    # Given a WhatsApp image, and a provider that fails to serve its media (after its own retries)
    hooks = Webhooks(FailingProviderApi(status=404))

    # When it is processed
    report = hooks.post("whatsapp", whatsapp_message("image", "wamid.img"))

    # Then the message still opens the ticket, saying which attachment is missing
    assert report.outcomes == ("created",)
    [message] = hooks.desk.messages(1)
    assert message.attachments == ()
    assert "[attachment not available: 65463453]" in message.text


# --- processing: news about messages -------------------------------------------------------------------


def test_a_delivery_status_of_our_reply_moves_its_state_forward_only(hooks: Webhooks) -> None:
    # Given a WhatsApp ticket and our reply on it, sent as wamid.out
    hooks.post("whatsapp", whatsapp_text("Hello", "wamid.a"))
    key = hooks.agent_reply(1, "wamid.out")

    # When "read" arrives, and then a late "delivered"
    read = hooks.post("whatsapp", whatsapp_status("read", "wamid.out"))
    late = hooks.post("whatsapp", whatsapp_status("delivered", "wamid.out"))

    # Then the reply is read, the late news changes nothing, and no ticket was opened
    assert (read.outcomes, late.outcomes) == (("delivery:read",), ("stale_status",))
    assert hooks.desk.repo.message(1, key).delivery_status == "read"
    [changed] = hooks.desk.events(1, EventKind.DELIVERY_CHANGED)
    assert changed.data["state"] == "read"
    assert list(hooks.desk.repo.tickets) == [1]


@pytest.mark.parametrize("about", ["wamid.unknown", "wamid.a"])
def test_a_status_about_no_message_we_sent_opens_no_ticket(hooks: Webhooks, about: str) -> None:
    # Given a WhatsApp ticket opened by the customer's message wamid.a
    hooks.post("whatsapp", whatsapp_text("Hello", "wamid.a"))

    # When a status arrives for an unknown id, or for the customer's own message
    report = hooks.post("whatsapp", whatsapp_status("delivered", about))

    # Then it is ignored: no ticket, no event, the customer's message unchanged
    assert report.outcomes == ("unknown_message",)
    assert list(hooks.desk.repo.tickets) == [1]
    assert hooks.desk.events(1, EventKind.DELIVERY_CHANGED) == []
    assert hooks.desk.messages(1)[0].delivery_status is None


def test_an_edit_changes_the_text_and_records_message_edited(hooks: Webhooks) -> None:
    # Given a Telegram message on a ticket
    hooks.post("telegram", telegram_text("My order is 1234", 1365))

    # When the customer edits it
    report = hooks.post("telegram", telegram_edit("My order is 1243", 1365))

    # Then the new text shows, and the old one stays in the trail
    assert report.outcomes == ("edited",)
    [message] = hooks.desk.messages(1)
    assert message.text == "My order is 1243"
    [edited] = hooks.desk.events(1, EventKind.MESSAGE_EDITED)
    assert edited.data["previous_text"] == "My order is 1234"


def test_a_reaction_records_an_event_on_the_messages_ticket(hooks: Webhooks) -> None:
    # Given a WhatsApp ticket
    hooks.post("whatsapp", whatsapp_text("Hello", "wamid.a"))
    reaction = whatsapp_message("reaction", "wamid.r")
    whatsapp_value(reaction)["messages"][0]["reaction"]["message_id"] = "wamid.a"

    # When the customer reacts to a message on it
    report = hooks.post("whatsapp", reaction)

    # Then a reaction event names the message, the emoji and who reacted; no message is added
    assert report.outcomes == ("reaction",)
    [event] = hooks.desk.events(1, EventKind.REACTION)
    assert event.data == {"external_id": "wamid.a", "emoji": "\U0001f62e", "by": f"phone:{WHATSAPP_SENDER}"}
    assert len(hooks.desk.messages(1)) == 1


def test_an_edit_also_replaces_the_full_text_an_agent_can_expand(hooks: Webhooks) -> None:
    # Given a Telegram message on a ticket
    hooks.post("telegram", telegram_text("My order is 1234", 1365))

    # When the customer edits it
    hooks.post("telegram", telegram_edit("My order is 1243", 1365))

    # Then no version of the message still shows the old text (it stays in the message_edited event)
    [message] = hooks.desk.messages(1)
    assert message.full_text == "My order is 1243"


# --- processing: nothing dropped silently -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spoil", "why"),
    [
        (lambda message: message.update({"from": "not a phone"}), "'not a phone' is not a phone number"),
        (lambda message: message.update({"timestamp": "yesterday"}), "'yesterday' is not a timestamp"),
        (lambda message: message.pop("id"), "id"),
    ],
    ids=["bad from", "bad timestamp", "no id"],
)
def test_malformed_messages_in_a_signed_delivery_are_quarantined_beside_the_good_one(
    hooks: Webhooks, spoil: Any, why: str
) -> None:
    # Given a signed WhatsApp delivery holding a good message and, after it, a malformed one
    payload = whatsapp_text("Il mio ordine", "wamid.good")
    messages = whatsapp_value(payload)["messages"]
    bad = {**messages[0], "id": "wamid.bad", "text": {"body": "unreadable"}}
    spoil(bad)
    messages.append(bad)

    # When it is processed
    report = hooks.post("whatsapp", payload)

    # Then the good message becomes the ticket's message, and the bad one a quarantine record that
    # names the part and why, pointing at the kept raw body
    assert report.outcomes == ("created", "quarantined")
    assert [m.text for m in hooks.desk.messages(1)] == ["Il mio ordine"]
    [record] = hooks.quarantine.records.values()
    assert "message 1" in record.reason and why in record.reason
    assert record.raw_key == hooks.queue.sent[-1]["key"]
    assert hooks.blobs.get(record.raw_key)


def test_each_malformed_part_has_its_own_quarantine_record_and_a_redelivery_lands_on_them(
    hooks: Webhooks,
) -> None:
    # Given a signed delivery with two malformed messages
    payload = whatsapp_text("ignored", "wamid.one")
    messages = whatsapp_value(payload)["messages"]
    messages[0]["timestamp"] = "never"
    messages.append({**messages[0], "id": "wamid.two", "from": "nobody"})

    # When it is processed, and the provider delivers it again
    hooks.post("whatsapp", payload)
    report = hooks.post("whatsapp", payload)

    # Then each bad part has one record, and the redelivery added none
    assert report.outcomes == ("quarantined", "quarantined")
    assert len(hooks.quarantine.records) == 2
    assert hooks.desk.repo.tickets == {}


def test_media_beyond_what_a_message_keeps_is_counted_not_fetched() -> None:
    # Given a Messenger message carrying 60 images
    urls = [f"https://cdn.example.com/{index}.jpg" for index in range(60)]
    api = RecordingProviderApi(media={url: FetchedMedia(b"jpg", "image/jpeg", "p.jpg") for url in urls})
    hooks = Webhooks(api)
    event = {
        "sender": {"id": "PSID-1"},
        "recipient": {"id": "PAGE-1"},
        "timestamp": int(START.timestamp() * 1000),
        "message": {
            "mid": "mid.many",
            "attachments": [{"type": "image", "payload": {"url": url}} for url in urls],
        },
    }

    # When it is processed
    hooks.post("messenger", {"object": "page", "entry": [{"id": "PAGE-1", "time": 1, "messaging": [event]}]})

    # Then the first 50 are kept, and the message says 10 more were not
    [message] = hooks.desk.messages(1)
    assert len(message.attachments) == MAX_ATTACHMENTS_PER_MESSAGE
    assert message.omitted_attachments == 10
    assert len([key for key in hooks.blobs.objects if key.startswith("attachments/")]) == 50


def test_a_redelivered_edit_or_reaction_changes_nothing_twice(hooks: Webhooks) -> None:
    # Given a WhatsApp message, and a Telegram one, each reported on once
    hooks.post("whatsapp", whatsapp_text("Hello", "wamid.a"))
    reaction = whatsapp_message("reaction", "wamid.r")
    whatsapp_value(reaction)["messages"][0]["reaction"]["message_id"] = "wamid.a"
    hooks.post("whatsapp", reaction)
    hooks.post("telegram", telegram_text("My order is 1234", 1365))
    hooks.post("telegram", telegram_edit("My order is 1243", 1365))

    # When the provider delivers the same reports again
    again = [
        hooks.post("whatsapp", reaction),
        hooks.post("telegram", telegram_edit("My order is 1243", 1365)),
    ]

    # Then each is a duplicate: one reaction, one edit in the trail
    assert [report.outcomes for report in again] == [("duplicate",), ("duplicate",)]
    assert len(hooks.desk.events(1, EventKind.REACTION)) == 1
    assert len(hooks.desk.events(2, EventKind.MESSAGE_EDITED)) == 1


class FailingOnce(InMemoryTicketRepository):
    """The first ticket write fails, as a throttled or interrupted DynamoDB call would."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    def write(self, *args: Any, **kwargs: Any) -> Any:
        if not self.failed:
            self.failed = True
            raise RuntimeError("write failed")
        return super().write(*args, **kwargs)


def test_a_retried_message_stores_its_media_under_the_same_keys() -> None:
    # Given a WhatsApp document whose first processing fails after its media was stored
    api = RecordingProviderApi(media={DOCUMENT_MEDIA: FetchedMedia(b"%PDF", "application/pdf", "x.pdf")})
    hooks = Webhooks(api, Desk(repo=FailingOnce()))
    document = whatsapp_message("document", "wamid.doc")
    with pytest.raises(RuntimeError, match="write failed"):
        hooks.post("whatsapp", document)
    stored_by_the_failed_attempt = set(hooks.blobs.objects)

    # When the queue retries it
    hooks.post("whatsapp", document)

    # Then the media lands on the keys the first attempt used: no orphan copy
    assert set(hooks.blobs.objects) == stored_by_the_failed_attempt
    [ticket] = hooks.desk.repo.tickets.values()  # the failed attempt's number was burned, not its media
    [message] = hooks.desk.messages(ticket.number)
    assert {a.key for a in message.attachments} <= stored_by_the_failed_attempt


def test_a_message_costs_one_lookup_and_no_read_of_its_open_ticket(hooks: Webhooks, monkeypatch) -> None:
    # Given a customer's open ticket
    hooks.post("telegram", telegram_text("Hello", 1))
    repo = hooks.desk.repo
    reads: list[int] = []
    read = repo.get
    monkeypatch.setattr(repo, "get", lambda n: reads.append(n) or read(n))
    lookups = repo.lookups

    # When they write again
    report = hooks.post("telegram", telegram_text("Any news?", 2, LATER))

    # Then one lookup knew them (and that the message is new); their tickets' query gave the ticket
    assert report.outcomes == ("appended",)
    assert (repo.lookups - lookups, reads) == (1, [])
