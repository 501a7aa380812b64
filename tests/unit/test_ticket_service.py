"""TicketService, the one writer of tickets, messages and their events, on in-memory fakes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello.agents import Agent
from sportello.customers.model import Identity, IdentityKind
from sportello.customers.service import CustomerService
from sportello.errors import ConflictError, InvalidRequestError
from sportello.tickets.bodies import MessageBodies
from sportello.tickets.events import (
    DeliveryChanged,
    DeliveryFailed,
    EventKind,
    FieldChanged,
    FollowUpCreated,
    MessageEdited,
    Reaction,
    RequesterMerged,
    StatusChanged,
    TicketCreated,
)
from sportello.tickets.inbound import InboundMessage
from sportello.tickets.merge import merge_customers
from sportello.tickets.model import AuthorType, Channel, Message, Priority, Status, Ticket
from sportello.tickets.ports import Delivery, MessageRef
from sportello.tickets.service import Outcome, TicketChanges, TicketService
from tests.fakes import (
    InMemoryBlobStore,
    InMemoryCustomerRepository,
    InMemoryTicketRepository,
    RecordingOutboundChannel,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Agent("agent-1", "ada@desk.example", "Ada")


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Desk:
    service: TicketService
    tickets: InMemoryTicketRepository
    customers: InMemoryCustomerRepository
    email: RecordingOutboundChannel
    telegram: RecordingOutboundChannel
    clock: Clock
    received: Iterator[int] = field(default_factory=lambda: iter(range(1, 10_000)))

    def inbound(self, text: str = "Ciao", **changes: Any) -> InboundMessage:
        n = next(self.received)
        message = InboundMessage(
            id=f"in-{n}",
            channel=Channel.EMAIL,
            identity=Identity.email("maria@example.org"),
            sender_name="Maria Rossi",
            subject="Ordine",
            text=text,
            full_text=text,
            received_at=self.clock.now,
            external_ids=(f"<{n}@example.org>",),
            language="it",
        )
        return replace(message, **changes)

    def kinds(self, number: int) -> list[EventKind]:
        return [event.kind for event in self.tickets.history(number).events]


@pytest.fixture
def desk() -> Desk:
    customers, clock = InMemoryCustomerRepository(), Clock()
    tickets = InMemoryTicketRepository(customers)
    email, telegram = RecordingOutboundChannel(), RecordingOutboundChannel(acknowledge=False)
    outbound = {Channel.EMAIL: email, Channel.TELEGRAM: telegram}
    service = TicketService(tickets, CustomerService(customers), outbound, clock=clock)
    return Desk(service, tickets, customers, email, telegram, clock)


def opened(desk: Desk, **changes: Any) -> Ticket:
    receipt = desk.service.receive(desk.inbound(**changes))
    assert receipt.ticket is not None
    return receipt.ticket


# --- customers write -----------------------------------------------------------------------------------


def test_a_first_message_opens_a_ticket_that_records_whether_its_sender_was_verified(desk: Desk) -> None:
    receipt = desk.service.receive(desk.inbound("Il mio ordine non è arrivato"))
    assert receipt.outcome is Outcome.CREATED
    assert receipt.ticket is not None and receipt.message is not None
    assert (receipt.ticket.status, receipt.ticket.subject, receipt.ticket.language) == (
        Status.NEW,
        "Ordine",
        "it",
    )
    events = desk.tickets.history(receipt.ticket.number).events
    assert [e.payload for e in events] == [TicketCreated("email", receipt.message.id, sender_verified=True)]
    # The acknowledgement is the routing workflow's built-in trigger now, not the intake's.
    assert desk.email.acknowledgements == []


def test_an_unverified_sender_is_recorded_as_such(desk: Desk) -> None:
    number = opened(desk, sender_verified=False).number
    created = desk.tickets.history(number).events[0].payload
    assert isinstance(created, TicketCreated) and created.sender_verified is False


def test_a_redelivery_creates_nothing_and_burns_no_number(desk: Desk) -> None:
    first = desk.inbound()
    desk.service.receive(first)
    assert desk.service.receive(first).outcome is Outcome.DUPLICATE
    assert list(desk.tickets.tickets) == [1]
    assert desk.tickets.next_number() == 2


def test_a_reply_threads_onto_its_ticket_and_reopens_it(desk: Desk) -> None:
    ticket = opened(desk)
    desk.tickets.write(replace(desk.tickets.get(ticket.number), status=Status.SOLVED))
    receipt = desk.service.receive(desk.inbound("Ancora niente", thread_ticket=ticket.number))
    assert receipt.outcome is Outcome.APPENDED
    assert desk.tickets.get(ticket.number).status is Status.OPEN
    assert StatusChanged(old="solved", new="open") in [e.payload for e in desk.tickets.history(1).events]
    assert len(desk.tickets.history(ticket.number).messages) == 2


def test_an_automatic_reply_threads_without_changing_the_status(desk: Desk) -> None:
    ticket = opened(desk)
    desk.tickets.write(replace(desk.tickets.get(ticket.number), status=Status.PENDING))
    desk.service.receive(desk.inbound("Out of office", thread_ticket=1, auto_submitted="auto-replied"))
    assert desk.tickets.get(ticket.number).status is Status.PENDING


def test_an_automatic_message_never_opens_a_ticket(desk: Desk) -> None:
    with pytest.raises(InvalidRequestError):
        desk.service.receive(desk.inbound(auto_submitted="auto-generated"))
    assert desk.tickets.tickets == {}


def test_writing_to_a_closed_ticket_opens_a_follow_up(desk: Desk) -> None:
    ticket = opened(desk)
    desk.tickets.write(replace(desk.tickets.get(ticket.number), status=Status.CLOSED))
    receipt = desk.service.receive(desk.inbound("Di nuovo io", thread_ticket=ticket.number))
    assert receipt.outcome is Outcome.FOLLOW_UP
    assert receipt.ticket is not None and receipt.ticket.number == 2
    assert FollowUpCreated(follow_up_of=1) in [e.payload for e in desk.tickets.history(2).events]
    assert desk.tickets.get(1).status is Status.CLOSED


def test_a_customer_resolved_by_the_caller_is_not_resolved_again(desk: Desk) -> None:
    customer = CustomerService(desk.customers).resolve(Identity.email("maria@example.org"))
    desk.customers.customers.clear()  # a second resolve would have to create them again
    receipt = desk.service.receive(desk.inbound(), customer)
    assert receipt.ticket is not None and receipt.ticket.requester.id == customer.id
    assert desk.customers.customers == {}


# --- what a message costs: one lookup, the customer from their identity, one transaction ---------------


class CountingCustomers(InMemoryCustomerRepository):
    """Counts reads of whole customers (a GetItem and a Query each in DynamoDB)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get(self, customer_id: str) -> Any:
        self.reads += 1
        return super().get(customer_id)


class CountingTickets(InMemoryTicketRepository):
    """Counts ticket reads and numbers drawn; `race` runs once, right after the next lookup."""

    def __init__(self, customers: InMemoryCustomerRepository) -> None:
        super().__init__(customers)
        self.reads = 0
        self.drawn: list[int] = []
        self.race: Any = None

    def get(self, number: int) -> Ticket:
        self.reads += 1
        return super().get(number)

    def next_number(self) -> int:
        self.drawn.append(super().next_number())
        return self.drawn[-1]

    def lookup(self, refs: Any, identity: Any) -> Any:
        found = super().lookup(refs, identity)
        race, self.race = self.race, None
        if race is not None:
            race()
        return found


@pytest.fixture
def counted() -> tuple[TicketService, CountingTickets, CountingCustomers]:
    customers = CountingCustomers()
    tickets = CountingTickets(customers)
    return TicketService(tickets, CustomerService(customers), {}, clock=Clock()), tickets, customers


def _inbound(ref: str, **changes: Any) -> InboundMessage:
    return InboundMessage(
        id=ref,
        channel=Channel.EMAIL,
        identity=Identity.email("maria@example.org"),
        sender_name="Maria Rossi",
        subject="Ordine",
        text="Ciao",
        full_text="Ciao",
        received_at=T0,
        external_ids=(f"<{ref}@example.org>",),
        language="it",
        **changes,
    )


def test_a_first_contact_creates_the_customer_with_the_ticket(counted: Any) -> None:
    service, tickets, customers = counted
    receipt = service.receive(_inbound("first"))
    assert receipt.outcome is Outcome.CREATED and receipt.ticket is not None
    [customer] = customers.customers.values()
    assert (receipt.ticket.requester.id, customer.name, customer.language) == (
        customer.id,
        "Maria Rossi",
        "it",
    )
    assert (tickets.lookups, tickets.writes, customers.reads) == (1, 1, 0)


def test_a_known_sender_is_filed_from_their_identity_item_alone(counted: Any) -> None:
    service, tickets, customers = counted
    first = service.receive(_inbound("first")).ticket
    receipt = service.receive(_inbound("second"))
    assert receipt.ticket is not None and first is not None
    assert receipt.ticket.requester == first.requester
    assert customers.reads == 0  # no read of the customer and their identities
    assert tickets.lookups == 2


def test_an_identity_stored_before_cards_were_kept_still_finds_its_customer(counted: Any) -> None:
    service, _, customers = counted
    customer = CustomerService(customers).resolve(Identity.email("maria@example.org"), "Maria Storica")
    customers.cards.clear()  # as identity items written before the card was kept on them
    receipt = service.receive(_inbound("first"))
    assert receipt.ticket is not None
    assert (receipt.ticket.requester.id, receipt.ticket.requester.name) == (customer.id, "Maria Storica")
    assert customers.reads == 1  # the fallback: the customer read whole


def test_a_first_contact_created_meanwhile_by_another_worker_is_used_and_no_number_is_burned(
    counted: Any,
) -> None:
    # Given another worker that files the same new sender's other mail right after our lookup
    service, tickets, customers = counted
    tickets.race = lambda: service.receive(_inbound("theirs"))

    # When ours is written (as the first contact's, with a customer of its own)
    receipt = service.receive(_inbound("ours"))

    # Then the customer's creation was refused, ours went to their customer, with the number it drew
    assert receipt.outcome is Outcome.CREATED and receipt.ticket is not None
    assert len(customers.customers) == 1
    assert {t.requester.id for t in tickets.tickets.values()} == {receipt.ticket.requester.id}
    assert sorted(tickets.tickets) == sorted(tickets.drawn) == [1, 2]


def test_a_threaded_reply_is_written_on_the_ticket_as_the_intake_read_it(counted: Any) -> None:
    service, tickets, _ = counted
    ticket = service.receive(_inbound("first")).ticket
    assert ticket is not None
    base = tickets.get(ticket.number)
    reads = tickets.reads

    receipt = service.receive(_inbound("reply", thread_ticket=ticket.number), base=base)

    assert receipt.outcome is Outcome.APPENDED
    assert tickets.reads == reads  # no second read of the ticket
    # Without a base, the service reads it itself, once
    service.receive(_inbound("again", thread_ticket=ticket.number))
    assert tickets.reads == reads + 1


def test_a_stale_base_costs_a_second_read_never_a_lost_write(counted: Any) -> None:
    service, tickets, _ = counted
    ticket = service.receive(_inbound("first")).ticket
    assert ticket is not None
    stale = tickets.get(ticket.number)
    tickets.write(replace(stale, priority=Priority.URGENT))  # an agent saved after the intake read it

    receipt = service.receive(_inbound("reply", thread_ticket=ticket.number), base=stale)

    assert receipt.outcome is Outcome.APPENDED
    assert tickets.get(ticket.number).priority is Priority.URGENT
    assert [m.text for m in tickets.history(ticket.number).messages] == ["Ciao", "Ciao"]


def test_a_link_and_a_merge_keep_the_identity_cards_current(desk: Desk) -> None:
    first = opened(desk)
    phone = Identity.of(IdentityKind.PHONE, "+393331234567")
    second = opened(desk, identity=phone, sender_name="Mario", external_ids=("wa:1",))
    customers = CustomerService(desk.customers)

    customers.link_identity(second.requester.id, IdentityKind.EMAIL, "mario@example.org")
    linked = customers.owner(phone)
    assert linked is not None and linked.card is not None and linked.card.email == "mario@example.org"

    merge_customers(customers, desk.service, first.requester.id, second.requester.id, AGENT)
    moved = customers.owner(phone)
    assert moved is not None and moved.card is not None
    assert (moved.customer_id, moved.card.name) == (first.requester.id, "Maria Rossi")
    later = desk.service.receive(desk.inbound("by phone", identity=phone, external_ids=("wa:2",)))
    assert later.ticket is not None and later.ticket.requester.name == "Maria Rossi"


def test_a_system_change_retries_when_an_agent_saved_in_between(desk: Desk) -> None:
    ticket = opened(desk)
    racing = RacingRepository(desk.tickets, conflicts=2)
    service = TicketService(racing, CustomerService(desk.customers), {}, clock=desk.clock)
    assert service.receive(desk.inbound("again", thread_ticket=ticket.number)).outcome is Outcome.APPENDED
    assert len(desk.tickets.history(ticket.number).messages) == 2


def test_a_system_change_gives_up_after_losing_every_race(desk: Desk) -> None:
    ticket = opened(desk)
    racing = RacingRepository(desk.tickets, conflicts=99)
    service = TicketService(racing, CustomerService(desk.customers), {}, clock=desk.clock)
    with pytest.raises(ConflictError):
        service.receive(desk.inbound("again", thread_ticket=ticket.number))
    assert len(desk.tickets.history(ticket.number).messages) == 1


class RacingRepository(InMemoryTicketRepository):
    """Loses the first `conflicts` writes to an imaginary agent, as a version check would."""

    def __init__(self, inner: InMemoryTicketRepository, conflicts: int) -> None:
        self.__dict__.update(inner.__dict__)
        self._conflicts = conflicts

    def write(self, ticket: Ticket, *args: Any, **kwargs: Any) -> Ticket:
        if self._conflicts > 0:
            self._conflicts -= 1
            raise ConflictError("someone else saved first")
        return super().write(ticket, *args, **kwargs)


# --- agents --------------------------------------------------------------------------------------------


def test_a_public_reply_goes_out_and_opens_the_ticket(desk: Desk) -> None:
    ticket = opened(desk)
    desk.clock.advance(minutes=5)
    message, saved = desk.service.reply(ticket.number, AGENT, "  Ci pensiamo noi  ", public=True)
    assert [m.text for _, m in desk.email.replies] == ["Ci pensiamo noi"]
    assert (message.author_type, message.external_id, message.delivery_status) == (
        AuthorType.AGENT,
        "sent-1",
        "sent",
    )
    assert (saved.status, saved.first_reply_at) == (Status.OPEN, desk.clock.now)


@dataclass
class SavedBeforeSent(RecordingOutboundChannel):
    """Sends at once, as mail does, and notes how the ticket stored the reply at the moment of sending."""

    tickets: InMemoryTicketRepository | None = None
    stored_when_sent: list[str | None] = field(default_factory=list)

    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        assert self.tickets is not None
        stored = self.tickets.messages.get(ticket.number, {}).get(self.tickets.message_key(message))
        self.stored_when_sent.append(stored.delivery_status if stored else None)
        return super().send_reply(ticket, message, thread)


def test_a_reply_sent_at_once_is_saved_as_queued_first_then_marked_sent(desk: Desk) -> None:
    # Given a ticket whose channel hands a reply over for good as it sends it (mail through SES)
    ticket = opened(desk)
    mail = SavedBeforeSent(sends_at_once=True, tickets=desk.tickets)
    desk.service = TicketService(
        desk.tickets, CustomerService(desk.customers), {Channel.EMAIL: mail}, desk.clock
    )

    # When an agent replies
    message, _ = desk.service.reply(ticket.number, AGENT, "Ci pensiamo noi", public=True)

    # Then the ticket held the reply, queued, before it left; afterwards it is sent, with its Message-ID
    assert mail.stored_when_sent == ["queued"]
    [stored] = [m for m in desk.tickets.history(ticket.number).messages if m.id == message.id]
    assert (stored.delivery_status, stored.external_id) == ("sent", "sent-1")
    assert (message.delivery_status, message.external_id) == ("sent", "sent-1")
    changed = [e for e in desk.tickets.history(ticket.number).events if e.kind is EventKind.DELIVERY_CHANGED]
    assert [e.data["state"] for e in changed] == ["sent"]


def test_a_reply_whose_send_fails_stays_on_the_ticket_marked_failed(desk: Desk) -> None:
    # Given a mail channel whose send fails (SES refusing, the network down)
    ticket = opened(desk)
    mail = RecordingOutboundChannel(sends_at_once=True, failure=RuntimeError("SES said no"))
    desk.service = TicketService(
        desk.tickets, CustomerService(desk.customers), {Channel.EMAIL: mail}, desk.clock
    )

    # When an agent replies
    message, _ = desk.service.reply(ticket.number, AGENT, "Ci pensiamo noi", public=True)

    # Then the reply is kept, marked failed, with a delivery_failed event that says why
    [stored] = [m for m in desk.tickets.history(ticket.number).messages if m.id == message.id]
    assert stored.delivery_status == message.delivery_status == "failed"
    [failed] = [e for e in desk.tickets.history(ticket.number).events if e.kind is EventKind.DELIVERY_FAILED]
    assert failed.data["message_id"] == message.id
    assert "SES said no" in failed.data["error"]


def test_an_internal_note_is_never_sent_and_changes_no_status(desk: Desk) -> None:
    ticket = opened(desk)
    _, saved = desk.service.reply(ticket.number, AGENT, "Cliente VIP", public=False)
    assert desk.email.replies == []
    assert (saved.status, saved.first_reply_at) == (Status.NEW, None)


def test_a_closed_ticket_takes_notes_but_no_replies(desk: Desk) -> None:
    ticket = opened(desk)
    desk.tickets.write(replace(desk.tickets.get(ticket.number), status=Status.CLOSED))
    with pytest.raises(InvalidRequestError):
        desk.service.reply(ticket.number, AGENT, "Hello?", public=True)
    desk.service.reply(ticket.number, AGENT, "for the record", public=False)


def test_a_reply_on_another_channel_goes_to_the_customers_identity_there(desk: Desk) -> None:
    ticket = opened(desk)
    desk.customers.add_identity(ticket.requester.id, Identity.of(IdentityKind.TELEGRAM, "424242"))
    message, _ = desk.service.reply(ticket.number, AGENT, "Ti scrivo qui", public=True, via=Channel.TELEGRAM)
    [(routed, _)] = desk.telegram.replies
    assert (routed.channel, routed.channel_address, message.channel) == (
        Channel.TELEGRAM,
        "424242",
        Channel.TELEGRAM,
    )
    with pytest.raises(InvalidRequestError):
        desk.service.reply(ticket.number, AGENT, "No WhatsApp known", public=True, via=Channel.WHATSAPP)


def test_an_agents_stale_edit_is_a_conflict(desk: Desk) -> None:
    ticket = opened(desk)
    desk.service.update(ticket.number, AGENT, TicketChanges(priority=Priority.HIGH), ticket.version)
    with pytest.raises(ConflictError):
        desk.service.update(ticket.number, AGENT, TicketChanges(priority=Priority.LOW), ticket.version)
    assert desk.tickets.get(ticket.number).priority is Priority.HIGH


def test_each_changed_field_leaves_one_event(desk: Desk) -> None:
    ticket = opened(desk)
    changes = TicketChanges(status=Status.SOLVED, priority=Priority.URGENT, tags=["VIP ", "vip"])
    saved = desk.service.update(ticket.number, AGENT, changes, ticket.version)
    assert saved.solved_at == desk.clock.now
    changed = [e.payload for e in desk.tickets.history(1).events if isinstance(e.payload, FieldChanged)]
    assert sorted(changed, key=lambda change: change.field) == [
        FieldChanged("priority", "normal", "urgent"),
        FieldChanged("status", "new", "solved"),
        FieldChanged("tags", [], ["vip"]),
    ]


def test_an_edit_that_changes_nothing_writes_nothing(desk: Desk) -> None:
    ticket = opened(desk)
    writes = desk.tickets.writes
    desk.service.update(ticket.number, AGENT, TicketChanges(priority=Priority.NORMAL), ticket.version)
    assert desk.tickets.writes == writes


# --- what channels report about messages ---------------------------------------------------------------


def sent_reply(desk: Desk) -> MessageRef:
    ticket = opened(desk)
    message, _ = desk.service.reply(ticket.number, AGENT, "Eccoci", public=True)
    key = desk.service.message_key(message)
    desk.service.remember_outbound_ref("telegram:99", ticket.number, key)
    ref = desk.service.message_ref("telegram:99")
    assert ref is not None
    return ref


def test_delivery_states_only_move_forward(desk: Desk) -> None:
    ref = sent_reply(desk)
    assert desk.service.record_delivery(ref, "read", T0) is True
    assert desk.service.record_delivery(ref, "delivered", T0) is False
    assert desk.tickets.message(1, ref.message_key or "").delivery_status == "read"
    changes = [e.payload for e in desk.tickets.history(1).events if e.kind is EventKind.DELIVERY_CHANGED]
    assert [p.state for p in changes if isinstance(p, DeliveryChanged)] == ["read"]


def test_a_failed_delivery_is_recorded_with_its_reason(desk: Desk) -> None:
    ref = sent_reply(desk)
    desk.service.record_delivery(ref, "failed", T0, error="telegram: chat not found")
    [failure] = [e.payload for e in desk.tickets.history(1).events if e.kind is EventKind.DELIVERY_FAILED]
    assert isinstance(failure, DeliveryFailed) and failure.error == "telegram: chat not found"


def test_an_edit_shows_the_new_text_and_keeps_the_old_one_in_the_trail(desk: Desk) -> None:
    ticket = opened(desk)
    [message] = desk.tickets.history(ticket.number).messages
    ref = MessageRef(ticket.number, desk.service.message_key(message), "inbound")
    desk.service.record_edit(ref, "Ciao, corretto", "telegram:1", T0)
    assert desk.tickets.history(ticket.number).messages[0].text == "Ciao, corretto"
    assert MessageEdited("telegram:1", "Ciao") in [e.payload for e in desk.tickets.history(1).events]


def test_an_input_identified_by_a_ref_is_recorded_once(desk: Desk) -> None:
    ticket = opened(desk)
    reaction = Reaction(external_id="telegram:1", emoji="👍", by="telegram:5")
    assert desk.service.record_once(ticket.number, "<dsn@mta>", reaction, T0) is True
    assert desk.service.record_once(ticket.number, "<dsn@mta>", reaction, T0) is False
    assert desk.kinds(ticket.number).count(EventKind.REACTION) == 1


def test_a_chat_continues_the_open_ticket_on_the_same_channel_only(desk: Desk) -> None:
    ticket = opened(desk, channel=Channel.TELEGRAM)
    customer = ticket.requester.id
    assert desk.service.open_conversation(customer, Channel.TELEGRAM) == ticket.number
    assert desk.service.open_conversation(customer, Channel.WHATSAPP) is None
    desk.tickets.write(replace(desk.tickets.get(ticket.number), status=Status.SOLVED))
    assert desk.service.open_conversation(customer, Channel.TELEGRAM) is None


def test_merging_customers_moves_their_tickets_and_identities(desk: Desk) -> None:
    first = opened(desk)
    second = opened(desk, identity=Identity.of(IdentityKind.PHONE, "+393331234567"), external_ids=("wa:1",))
    customers = CustomerService(desk.customers)
    merged = merge_customers(customers, desk.service, first.requester.id, second.requester.id, AGENT)
    assert {i.kind for i in merged.identities} == {IdentityKind.EMAIL, IdentityKind.PHONE}
    assert desk.tickets.get(second.number).requester.id == first.requester.id
    moved = RequesterMerged(source=second.requester.id, target=first.requester.id)
    assert moved in [e.payload for e in desk.tickets.history(second.number).events]
    assert desk.customers.get(second.requester.id).merged_into == first.requester.id
    with pytest.raises(InvalidRequestError):
        merge_customers(customers, desk.service, first.requester.id, first.requester.id, AGENT)


def test_an_edit_to_a_short_text_no_longer_points_at_the_long_one_kept_aside() -> None:
    # Given a message whose text was too long for its item, kept whole in the blob store
    customers, blobs, clock = InMemoryCustomerRepository(), InMemoryBlobStore(), Clock()
    tickets = InMemoryTicketRepository(customers)
    service = TicketService(
        tickets,
        CustomerService(customers),
        {},
        clock=clock,
        bodies=MessageBodies(blobs, 64),
    )
    channels = RecordingOutboundChannel(), RecordingOutboundChannel()
    desk = Desk(service, tickets, customers, *channels, clock)
    ticket = opened(desk, text="x" * 200, full_text="x" * 200, channel=Channel.TELEGRAM)
    [message] = tickets.history(ticket.number).messages
    assert set(message.stored_bodies) == {"text", "full_text"}
    ref = MessageRef(ticket.number, service.message_key(message), "inbound")

    # When the customer edits it down to a few words
    service.record_edit(ref, "Ciao", "telegram:1", T0)

    # Then the message holds the new text itself, and nothing sends a reader to the old one
    [edited] = tickets.history(ticket.number).messages
    assert (edited.text, edited.stored_bodies) == ("Ciao", ())


def test_a_long_reply_sent_by_mail_goes_out_whole_though_its_item_keeps_a_preview() -> None:
    # Given a desk whose message items keep bodies over 64 bytes aside, and a channel that sends at once
    customers, clock = InMemoryCustomerRepository(), Clock()
    tickets = InMemoryTicketRepository(customers)
    mail = RecordingOutboundChannel(sends_at_once=True)
    service = TicketService(
        tickets,
        CustomerService(customers),
        {Channel.EMAIL: mail},
        clock=clock,
        bodies=MessageBodies(InMemoryBlobStore(), inline_limit_bytes=64),
    )
    desk = Desk(service, tickets, customers, mail, RecordingOutboundChannel(), clock)
    ticket = opened(desk)

    # When an agent answers at length
    long_answer = "Gentile cliente, " + "ecco tutti i dettagli. " * 400  # longer than a preview, too
    service.reply(ticket.number, AGENT, long_answer, public=True)

    # Then the customer receives every word, while the stored message keeps a preview and the whole aside
    [(_, sent)] = mail.replies
    assert sent.text == long_answer.strip()
    [stored] = [m for m in tickets.history(ticket.number).messages if m.author_type is AuthorType.AGENT]
    assert "text" in stored.stored_bodies and len(stored.text) < len(sent.text)
