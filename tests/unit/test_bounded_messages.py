"""Bounded work and storage per message: large bodies kept whole beside a preview, attachments capped,
one conversation per customer and chat channel however its first messages race."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from sportello.agents import Agent
from sportello.customers.model import Identity, IdentityKind
from sportello.customers.service import CustomerService
from sportello.tickets.bodies import INLINE_LIMIT_BYTES, PREVIEW_CHARACTERS, MessageBodies, body_key
from sportello.tickets.inbound import InboundMessage
from sportello.tickets.model import AttachmentRef, Channel, Message, Status, Ticket
from sportello.tickets.ports import Lookup
from sportello.tickets.service import MAX_ATTACHMENTS_PER_MESSAGE, Outcome, TicketService
from tests.fakes import (
    InMemoryBlobStore,
    InMemoryTicketRepository,
    RecordingOutboundChannel,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PHONE = Identity(IdentityKind.PHONE, "+393331234567")
LARGE_TEXT = "Il mio ordine non è arrivato. " * 40_000  # ~1.2 MB: a 1 MB webhook text, and more


class Desk:
    def __init__(self, tickets: InMemoryTicketRepository | None = None) -> None:
        self.tickets = tickets or InMemoryTicketRepository()
        self.blobs = InMemoryBlobStore()
        self.customers = CustomerService(self.tickets.customers)  # one desk: one table
        outbound = dict.fromkeys(Channel, RecordingOutboundChannel())
        self.service = TicketService(
            self.tickets, self.customers, outbound, lambda: T0, bodies=MessageBodies(self.blobs)
        )

    def receive(self, ref: str, text: str = "Hello", **fields: Any) -> Any:
        inbound = InboundMessage(
            id=ref.replace(":", "-"),
            channel=fields.pop("channel", Channel.WHATSAPP),
            identity=PHONE,
            sender_name="Mario",
            subject="",
            text=text,
            full_text=text,
            received_at=T0,
            external_ids=(ref,),
            **fields,
        )
        return self.service.receive(inbound)

    def only_message(self, number: int = 1) -> Message:
        [message] = self.tickets.history(number).messages
        return message


def test_bodies_over_the_inline_limit_are_kept_whole_in_the_blob_store_with_a_preview_in_the_item() -> None:
    # Given a desk, and a customer message whose text and HTML are far over the item's budget
    desk = Desk()
    html = "<p>" + "x" * (2 * INLINE_LIMIT_BYTES) + "</p>"

    # When it is received
    receipt = desk.receive("whatsapp:wamid.large", LARGE_TEXT, html=html)

    # Then the ticket opens; the item keeps a preview, and the whole of each body is in the blob store
    assert receipt.outcome is Outcome.CREATED
    message = desk.only_message()
    assert set(message.stored_bodies) == {"text", "full_text", "html"}
    assert message.text == LARGE_TEXT[:PREVIEW_CHARACTERS] and message.html is None
    assert desk.blobs.get(body_key(message.id, "full_text")).decode() == LARGE_TEXT
    assert desk.blobs.get(body_key(message.id, "html")).decode() == html
    assert MessageBodies(desk.blobs).whole(message, "text") == LARGE_TEXT


def test_bodies_within_the_inline_limit_stay_in_the_item() -> None:
    desk = Desk()

    desk.receive("whatsapp:wamid.small", "a" * INLINE_LIMIT_BYTES)

    message = desk.only_message()
    assert (message.stored_bodies, message.text) == ((), "a" * INLINE_LIMIT_BYTES)
    assert desk.blobs.objects == {}


def test_an_agent_reply_over_the_inline_limit_is_kept_whole() -> None:
    # Given an open ticket
    desk = Desk()
    desk.receive("whatsapp:wamid.1")

    # When an agent writes an internal note of 90,000 four-byte characters (360 KB in UTF-8)
    note = "😀" * 90_000
    message, _ = desk.service.reply(1, Agent("a-1", "ada@desk.example", "Ada"), note, public=False)

    # Then the stored note keeps a preview and its whole text beside it
    assert message.stored_bodies == ("text", "full_text")
    assert desk.blobs.get(body_key(message.id, "text")).decode() == note


def _attachment(index: int) -> AttachmentRef:
    return AttachmentRef(f"m-{index}", f"{index}.txt", "text/plain", 1, f"attachments/m/{index}-{index}.txt")


def test_more_attachments_than_a_message_keeps_are_counted_not_kept() -> None:
    # Given a message with 5,000 attachments, 10 of which the intake already counted without storing
    desk = Desk()
    attachments = tuple(_attachment(index) for index in range(4_990))

    # When it is received
    desk.receive("email:<many@example.org>", attachments=attachments, omitted_attachments=10)

    # Then the message keeps the first 50, and says how many more there were
    message = desk.only_message()
    assert message.attachments == attachments[:MAX_ATTACHMENTS_PER_MESSAGE]
    assert message.omitted_attachments == 5_000 - MAX_ATTACHMENTS_PER_MESSAGE


class RacingTickets(InMemoryTicketRepository):
    """A store where another worker writes between one of our reads (`racing_on`) and our write."""

    race: Callable[[], object] | None = None
    racing_on = "of_customer"

    def _race(self, read: str) -> None:
        race = self.race if read == self.racing_on else None
        if race is not None:
            self.race = None
            race()

    def of_customer(self, customer_id: str, limit: int | None = 50) -> list[Ticket]:
        seen = super().of_customer(customer_id, limit)
        self._race("of_customer")
        return seen

    def lookup(self, refs: Sequence[str], identity: Identity | None) -> Lookup:
        seen = super().lookup(refs, identity)
        self._race("lookup")
        return seen


@pytest.mark.parametrize("known_customer", [False, True], ids=["new customer", "known customer"])
def test_two_first_chat_messages_processed_at_once_open_one_ticket(known_customer: bool) -> None:
    # Given a customer's first message of a conversation, being opened by another worker right after
    # ours looked: for a new customer, the look is the lookup of their identity (the customer is created
    # with the ticket); for a known one (whose only ticket was on another channel), their tickets
    tickets = RacingTickets()
    desk = Desk(tickets)
    if known_customer:
        desk.receive("sms:earlier", "Earlier, by SMS", channel=Channel.SMS)
    tickets.racing_on = "of_customer" if known_customer else "lookup"
    tickets.race = lambda: desk.receive("whatsapp:wamid.first", "First message", continues_conversation=True)

    # When our worker processes their second message
    receipt = desk.receive("whatsapp:wamid.second", "Second message", continues_conversation=True)

    # Then it sees the first's claim (or its customer) and joins its ticket: one customer, one ticket
    assert receipt.outcome is Outcome.APPENDED
    first = 2 if known_customer else 1
    assert list(tickets.tickets) == ([1, 2] if known_customer else [1])
    assert [m.text for m in tickets.history(first).messages] == ["First message", "Second message"]
    assert len(tickets.customers.customers) == 1


@pytest.mark.parametrize("solved_first", [True, False])
def test_a_chat_continues_its_open_ticket_and_a_solved_one_gets_a_new_one(
    solved_first: bool,
) -> None:
    desk = Desk()
    desk.receive("whatsapp:wamid.1", continues_conversation=True)
    if solved_first:
        desk.tickets.tickets[1] = replace(desk.tickets.get(1), status=Status.SOLVED)

    receipt = desk.receive("whatsapp:wamid.2", continues_conversation=True)

    assert receipt.outcome is (Outcome.CREATED if solved_first else Outcome.APPENDED)
    assert len(desk.tickets.tickets) == (2 if solved_first else 1)


@pytest.mark.parametrize("edited_text", ["Short again", LARGE_TEXT[::-1]], ids=["short", "large"])
def test_an_edit_replaces_the_whole_text_kept_aside(edited_text: str) -> None:
    # Given a large message, its whole text kept aside
    desk = Desk()
    desk.receive("whatsapp:wamid.large", LARGE_TEXT)
    message = desk.only_message()
    ref = desk.service.message_ref("whatsapp:wamid.large")
    assert ref is not None

    # When the customer edits it
    desk.service.record_edit(ref, edited_text, "wamid.large", T0)

    # Then the whole text read back is the edited one, wherever it is kept
    edited = desk.only_message()
    assert MessageBodies(desk.blobs).whole(edited, "full_text") == edited_text
    assert message.stored_bodies == ("text", "full_text")
