"""MessagingOutbound checks and queues agents' replies; ReplyDelivery sends them and records the outcome."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.errors import InvalidRequestError
from sportello.outbound.messaging import MessagingOutbound, ReplyDelivery
from sportello.providers.registry import ProviderRegistry
from sportello.providers.webhook import OutboundText, ProviderApi, ProviderHttpError
from sportello.tickets.events import EventKind
from sportello.tickets.model import Channel
from sportello.tickets.ports import MessageRef
from tests.fakes import (
    FakeProviderApis,
    FixedSecrets,
    InMemoryTicketRepository,
    RecordingProviderApi,
    RecordingQueue,
)
from tests.unit.intake.builders import (
    AGENT,
    SECRETS,
    WHATSAPP_SENDER,
    Clock,
    Desk,
    FailingProviderApi,
    Webhooks,
)
from tests.unit.intake.builders import whatsapp_status as status_payload

CUSTOMER = Identity(IdentityKind.PHONE, WHATSAPP_SENDER)


class Outbox:
    """A desk whose WhatsApp and Telegram replies go through MessagingOutbound into a recording queue."""

    def __init__(self) -> None:
        self.queue = RecordingQueue()
        clock, repo = Clock(), InMemoryTicketRepository()
        outbound = MessagingOutbound(self.queue, ProviderRegistry(), repo.message_key, clock)
        self.desk = Desk(
            clock=clock, repo=repo, channels={Channel.WHATSAPP: outbound, Channel.TELEGRAM: outbound}
        )
        self._sent = 0

    def customer_writes(self, channel: Channel = Channel.WHATSAPP, number: int | None = None) -> int:
        """A customer message on `channel`, now (onto ticket `number` when given); the ticket's number."""
        self._sent += 1
        receipt = self.desk.receive(
            channel,
            CUSTOMER,
            f"message {self._sent}",
            f"{channel.value}:in-{self._sent}",
            thread_ticket=number,
            channel_address=WHATSAPP_SENDER,
        )
        assert receipt.ticket is not None
        return receipt.ticket.number

    def reply(self, number: int, text: str = "We are on it") -> str:
        """An agent's public reply; the stored message's key."""
        message, _ = self.desk.service.reply(number, AGENT, text, public=True)
        return self.desk.repo.message_key(message)

    def deliver(self, api: ProviderApi, final_attempt: bool = False) -> str:
        delivery = ReplyDelivery(
            self.desk.service, FakeProviderApis(api), FixedSecrets(SECRETS.values), self.desk.clock
        )
        job: dict[str, Any] = dict(self.queue.sent[-1])
        return delivery.deliver(job, final_attempt)


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


# --- queueing -------------------------------------------------------------------------------------------


def test_a_reply_is_queued_with_the_conversation_and_the_message_key(outbox: Outbox) -> None:
    # Given a customer's WhatsApp ticket
    number = outbox.customer_writes()

    # When an agent replies
    key = outbox.reply(number, "Your parcel left today")

    # Then the reply is stored as queued, and one job names the provider, the conversation and the message
    assert outbox.queue.sent == [
        {
            "provider": "whatsapp",
            "ticket": number,
            "message_sk": key,
            "conversation": WHATSAPP_SENDER,
            "text": "Your parcel left today",
        }
    ]
    stored = outbox.desk.repo.message(number, key)
    assert (stored.delivery_status, stored.external_id) == ("queued", None)


def test_whatsapp_refuses_a_free_form_reply_24_hours_after_the_customers_last_message(outbox: Outbox) -> None:
    # Given a customer who wrote, and 24 hours have passed
    number = outbox.customer_writes()
    outbox.desk.clock.advance(hours=24)

    # When an agent replies, Then the reply is refused (a template is needed), and nothing is queued or stored
    with pytest.raises(InvalidRequestError, match="24 hours"):
        outbox.reply(number)
    assert outbox.queue.sent == []
    assert len(outbox.desk.messages(number)) == 1


def test_the_whatsapp_window_counts_from_the_customers_last_message(outbox: Outbox) -> None:
    # Given a customer who wrote, then wrote again 10 hours later
    number = outbox.customer_writes()
    outbox.desk.clock.advance(hours=10)
    outbox.customer_writes(number=number)

    # When an agent replies 30 hours after the first message (20 after the last)
    outbox.desk.clock.advance(hours=20)
    outbox.reply(number)

    # Then the reply is queued
    assert len(outbox.queue.sent) == 1


def test_agent_messages_do_not_reopen_the_whatsapp_window(outbox: Outbox) -> None:
    # Given a customer who wrote, and an agent's reply 23 hours later
    number = outbox.customer_writes()
    outbox.desk.clock.advance(hours=23)
    outbox.reply(number, "Looking into it")

    # When the agent writes again 25 hours after the customer's message, Then it is refused
    outbox.desk.clock.advance(hours=2)
    with pytest.raises(InvalidRequestError):
        outbox.reply(number, "Any news on your side?")
    assert len(outbox.queue.sent) == 1


def test_telegram_has_no_reply_window(outbox: Outbox) -> None:
    # Given a Telegram customer who wrote two days ago
    number = outbox.customer_writes(Channel.TELEGRAM)
    outbox.desk.clock.advance(hours=48)

    # When an agent replies, Then the reply is queued
    outbox.reply(number)
    assert outbox.queue.sent[-1]["provider"] == "telegram"


# --- delivering -----------------------------------------------------------------------------------------


def test_a_sent_reply_is_marked_sent_and_a_later_status_for_its_id_finds_it(outbox: Outbox) -> None:
    # Given a queued WhatsApp reply
    number = outbox.customer_writes()
    key = outbox.reply(number, "Your parcel left today")

    # When the consumer sends it, and later WhatsApp reports it delivered
    outcome = outbox.deliver(RecordingProviderApi())
    report = Webhooks(desk=outbox.desk).post("whatsapp", status_payload("delivered", "provider-1"))

    # Then the provider's id is remembered, and the later status reached the reply
    assert outcome == "sent"
    assert outbox.desk.service.message_ref("whatsapp:provider-1") == MessageRef(number, key, "outbound")
    assert report.outcomes == ("delivery:delivered",)
    stored = outbox.desk.repo.message(number, key)
    assert (stored.delivery_status, stored.external_id) == ("delivered", "provider-1")


def test_the_sent_text_goes_to_the_customers_conversation(outbox: Outbox) -> None:
    number = outbox.customer_writes()
    outbox.reply(number, "Your parcel left today")
    api = RecordingProviderApi()

    outbox.deliver(api)

    assert api.sent == [OutboundText(WHATSAPP_SENDER, "Your parcel left today")]


@pytest.mark.parametrize("final_attempt", [False, True])
def test_a_non_retryable_provider_error_marks_the_reply_failed(outbox: Outbox, final_attempt: bool) -> None:
    # Given a queued reply, and a provider that refuses it for good (400)
    number = outbox.customer_writes()
    key = outbox.reply(number)

    # When the consumer tries to send it (on any attempt)
    outcome = outbox.deliver(FailingProviderApi(status=400), final_attempt)

    # Then the reply is failed, with a delivery_failed event saying why
    assert outcome == "failed"
    assert outbox.desk.repo.message(number, key).delivery_status == "failed"
    [failure] = outbox.desk.events(number, EventKind.DELIVERY_FAILED)
    assert "whatsapp" in failure.data["error"] and "400" in failure.data["error"]


@pytest.mark.parametrize("status", [503, 429, 0])
def test_a_retryable_provider_error_raises_so_the_queue_retries(outbox: Outbox, status: int) -> None:
    # Given a queued reply, and a provider that is unavailable for now
    number = outbox.customer_writes()
    key = outbox.reply(number)

    # When the consumer tries, before its last attempt, Then the error goes back to the queue
    with pytest.raises(ProviderHttpError):
        outbox.deliver(FailingProviderApi(status=status), final_attempt=False)
    assert outbox.desk.repo.message(number, key).delivery_status == "queued"
    assert outbox.desk.events(number, EventKind.DELIVERY_FAILED) == []


def test_a_retryable_provider_error_on_the_final_attempt_marks_the_reply_failed(outbox: Outbox) -> None:
    number = outbox.customer_writes()
    key = outbox.reply(number)

    outcome = outbox.deliver(FailingProviderApi(status=503), final_attempt=True)

    assert outcome == "failed"
    assert outbox.desk.repo.message(number, key).delivery_status == "failed"
    assert len(outbox.desk.events(number, EventKind.DELIVERY_FAILED)) == 1


def test_only_a_whatsapp_message_opens_the_whatsapp_window_for_a_reply_via_whatsapp(outbox: Outbox) -> None:
    # Given a customer who wrote on Telegram an hour ago, and whose phone number we know, never on WhatsApp
    receipt = outbox.desk.receive(
        Channel.TELEGRAM,
        Identity(IdentityKind.TELEGRAM, "1111111"),
        "Call me",
        "telegram:1",
        channel_address="1111111",
    )
    assert receipt.ticket is not None
    outbox.desk.customers.link_identity(receipt.ticket.requester.id, IdentityKind.PHONE, WHATSAPP_SENDER)
    outbox.desk.clock.advance(hours=1)

    # When an agent answers on WhatsApp, Then it is refused at once (only a template may open that chat)
    with pytest.raises(InvalidRequestError, match="24 hours"):
        outbox.desk.service.reply(
            receipt.ticket.number, AGENT, "Hello from WhatsApp", public=True, via=Channel.WHATSAPP
        )
    assert outbox.queue.sent == []
