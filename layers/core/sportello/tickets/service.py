"""Ticket use cases: receive a customer message, reply, update, read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..agents import Agent
from ..clock import utc_now
from ..customers.model import Customer, CustomerCard, Identity, IdentityKind
from ..customers.ports import IdentityTakenError
from ..customers.service import RESOLVE_ATTEMPTS, CustomerService
from ..errors import ConflictError, InvalidRequestError
from ..ids import new_id, stable_id
from ..metrics import NO_METRICS, outbound_failed, ticket_created
from ..ports import Metrics
from ..retry import retry_on_conflict
from .bodies import MessageBodies
from .events import (
    AcknowledgementSent,
    DeliveryChanged,
    DeliveryFailed,
    Event,
    FieldChanged,
    FollowUpCreated,
    MessageAdded,
    MessageEdited,
    Payload,
    RequesterMerged,
    StatusChanged,
    TicketCreated,
    TicketLinked,
)
from .inbound import InboundMessage
from .model import (
    AuthorType,
    Channel,
    Message,
    Priority,
    Requester,
    Status,
    Ticket,
    TicketType,
)
from .ports import (
    DuplicateMessageError,
    Lookup,
    MessageField,
    MessageRef,
    OutboundChannel,
    Page,
    TicketHistory,
    TicketQuery,
    TicketRepository,
    UnsupportedChannelError,
)
from .rules import accepts_customer_reply, can_transition, status_after_message

logger = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"
MAX_SUBJECT_LENGTH = 250
MAX_REPLY_LENGTH = 100_000
# More attachments than anyone sends on purpose: the rest are counted on the message, not stored.
MAX_ATTACHMENTS_PER_MESSAGE = 50


# Which identity of a customer a reply on each channel goes to.
CHANNEL_IDENTITY: dict[Channel, frozenset[IdentityKind]] = {
    Channel.EMAIL: frozenset({IdentityKind.EMAIL}),
    Channel.WHATSAPP: frozenset({IdentityKind.PHONE}),
    Channel.SMS: frozenset({IdentityKind.PHONE}),
    Channel.TELEGRAM: frozenset({IdentityKind.TELEGRAM}),  # a private chat's id is the user's id
    Channel.MESSENGER: frozenset({IdentityKind.MESSENGER}),
    Channel.INSTAGRAM: frozenset({IdentityKind.INSTAGRAM}),
}


class Outcome(StrEnum):
    CREATED = "created"
    APPENDED = "appended"
    FOLLOW_UP = "follow_up"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Receipt:
    outcome: Outcome
    ticket: Ticket | None
    message: Message | None


@dataclass(frozen=True)
class TicketChanges:
    """Fields an agent may change; None means "leave as is" (use `clear_*` to empty a field)."""

    status: Status | None = None
    priority: Priority | None = None
    type: TicketType | None = None
    tags: list[str] | None = None
    group: str | None = None
    assignee: str | None = None
    clear: frozenset[str] = field(default_factory=frozenset)


class _SenderTakenError(Exception):
    """The first contact's customer was created by someone else meanwhile: resolve them and try again.

    Carries the ticket number drawn for the attempt, so the next one uses it rather than burning it.
    """

    def __init__(self, number: int | None) -> None:
        super().__init__(number)
        self.number = number


# Delivery states only move forward: a late "delivered" never overwrites "read".
DELIVERY_RANK = {"queued": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


def normalise_tags(tags: list[str]) -> list[str]:
    cleaned = (tag.strip().lower().replace(" ", "-") for tag in tags)
    return sorted({tag for tag in cleaned if tag})


class TicketService:
    def __init__(
        self,
        tickets: TicketRepository,
        customers: CustomerService,
        outbound: Mapping[Channel, OutboundChannel],
        clock: Callable[[], datetime] = utc_now,
        bodies: MessageBodies | None = None,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._tickets = tickets
        self._customers = customers
        self._outbound = outbound
        self._clock = clock
        self._bodies = bodies
        self._metrics = metrics

    def _kept(self, message: Message) -> Message:
        """The message as stored: bodies too large for its item go to the blob store (bodies.py)."""
        return self._bodies.keep(message) if self._bodies is not None else message

    # -- customers write -------------------------------------------------------------------------

    def lookup(self, refs: Sequence[str], identity: Identity | None) -> Lookup:
        """What an intake needs by key before it writes, in one read: the known ones among `refs` (the
        message's own ids: a redelivery; those it quotes: its thread) and the owner of `identity`."""
        return self._tickets.lookup(refs, identity)

    def receive(
        self,
        inbound: InboundMessage,
        customer: Customer | None = None,
        *,
        lookup: Lookup | None = None,
        base: Ticket | None = None,
    ) -> Receipt:
        """Threads the message onto its ticket, or opens a new one and acknowledges it.

        `customer` is the sender when the caller has resolved them already (once per message).
        `lookup` is the intake's read of the message's own ids and the sender's identity, when it made
        one (else it is made here); `base` the thread's ticket as the intake read it, the first attempt's
        version (a later agent's save only makes that attempt re-read).
        """
        if lookup is None:
            lookup = self._tickets.lookup(inbound.external_ids, None if customer else inbound.identity)
        if any(external in lookup.refs for external in inbound.external_ids):
            # A redelivery: cheaper than the transaction that would refuse it anyway (that one still
            # guards against concurrent deliveries), and it burns no ticket number.
            return Receipt(Outcome.DUPLICATE, None, None)
        new_customer: Customer | None = None
        if customer is not None:
            sender = customer.card
        elif lookup.owner is not None:
            sender = self._customers.card_of(lookup.owner)
        else:
            # A first contact: the customer is created in the same transaction as what they sent.
            new_customer = self._customers.new_customer(
                inbound.identity, inbound.sender_name, inbound.language
            )
            sender = new_customer.card
        number: int | None = None
        for _ in range(RESOLVE_ATTEMPTS):
            try:
                return self._receive_from(inbound, sender, new_customer, base, number)
            except _SenderTakenError as taken:
                # Someone created this customer between our read and our write: theirs it is.
                number, base = taken.number or number, None
                owner = self._customers.owner(inbound.identity)
                if owner is None:  # gone again (moved by a merge): a first contact once more
                    new_customer = self._customers.new_customer(
                        inbound.identity, inbound.sender_name, inbound.language
                    )
                    sender = new_customer.card
                else:
                    new_customer, sender = None, self._customers.card_of(owner)
        raise ConflictError(
            f"could not resolve the customer for {inbound.identity.kind}:{inbound.identity.value}"
        )

    def _receive_from(
        self,
        inbound: InboundMessage,
        customer: Sender,
        new_customer: Customer | None,
        base: Ticket | None,
        number: int | None,
    ) -> Receipt:
        if inbound.thread_ticket is not None:
            try:
                return self._append_customer_message(
                    inbound, customer, inbound.thread_ticket, base, new_customer, number
                )
            except DuplicateMessageError:
                return Receipt(Outcome.DUPLICATE, None, None)
        if inbound.auto_submitted:
            raise InvalidRequestError(f"automatic message answers no ticket ({inbound.auto_submitted})")
        if inbound.continues_conversation:
            return self._continue_conversation(inbound, customer, new_customer, number)
        try:
            return self._open_ticket(inbound, customer, new_customer=new_customer, number=number)
        except DuplicateMessageError:
            return Receipt(Outcome.DUPLICATE, None, None)

    def _continue_conversation(
        self,
        inbound: InboundMessage,
        customer: Sender,
        new_customer: Customer | None = None,
        number: int | None = None,
    ) -> Receipt:
        """Appends a chat message to the customer's open ticket on its channel, else opens the next one.

        Two first messages processed at once must not open two tickets. The ticket that opens a
        conversation claims `conversation_ref(customer, channel, previous ticket)` in its creation
        transaction: the slower writer's claim fails, and it appends to the ticket that won. Two first
        contacts of a new customer: the slower one's customer is refused (`_SenderTakenError`), and it
        comes back here as the winner's customer, to find the winner's ticket.
        """
        # A customer created with this message has no tickets yet: no query for them.
        on_channel = (
            [] if new_customer is not None else self._tickets_on_channel(customer.id, inbound.channel)
        )
        active = next((ticket for ticket in on_channel if ticket.status.is_active), None)
        if active is not None:
            # The index's copy of the ticket is the first attempt's base: a stale version only re-reads.
            return self._append_unless_duplicate(inbound, customer, active.number, active)
        claim = conversation_ref(customer.id, inbound.channel, on_channel[0].number if on_channel else None)
        try:
            # Claimed as the message's own ids are: once, in the ticket's creation transaction.
            return self._open_ticket(
                replace(inbound, external_ids=(*inbound.external_ids, claim)),
                customer,
                new_customer=new_customer,
                number=number,
            )
        except DuplicateMessageError:
            if any(self._tickets.ticket_for_ref(ref) is not None for ref in inbound.external_ids):
                return Receipt(Outcome.DUPLICATE, None, None)
            winner = self._tickets.ticket_for_ref(claim)
            if winner is None:
                raise
            return self._append_unless_duplicate(inbound, customer, winner)

    def _append_unless_duplicate(
        self, inbound: InboundMessage, customer: Sender, number: int, base: Ticket | None = None
    ) -> Receipt:
        try:
            return self._append_customer_message(inbound, customer, number, base)
        except DuplicateMessageError:
            return Receipt(Outcome.DUPLICATE, None, None)

    def _customer_message(self, inbound: InboundMessage, customer: Sender, number: int) -> Message:
        attachments = inbound.attachments[:MAX_ATTACHMENTS_PER_MESSAGE]
        omitted = inbound.omitted_attachments + len(inbound.attachments) - len(attachments)
        message = Message(
            id=inbound.id,
            ticket_number=number,
            author_type=AuthorType.CUSTOMER,
            author_id=customer.id,
            author_name=customer.name,
            public=True,
            channel=inbound.channel,
            text=inbound.text,
            full_text=inbound.full_text,
            html=inbound.html,
            attachments=attachments,
            external_id=inbound.external_ids[0] if inbound.external_ids else None,
            created_at=inbound.received_at,
            auto_submitted=inbound.auto_submitted,
            omitted_attachments=omitted,
        )
        return self._kept(message)

    def _open_ticket(
        self,
        inbound: InboundMessage,
        customer: Sender,
        follow_up_of: int | None = None,
        *,
        new_customer: Customer | None = None,
        number: int | None = None,
    ) -> Receipt:
        now = self._clock()
        if number is None:
            number = self._tickets.next_number()
        ticket = Ticket(
            number=number,
            subject=(inbound.subject.strip() or inbound.text.strip().split("\n", 1)[0])[:MAX_SUBJECT_LENGTH]
            or f"{inbound.channel.value} message",
            status=Status.NEW,
            priority=Priority.NORMAL,
            channel=inbound.channel,
            requester=Requester(customer.id, customer.name, customer.email),
            language=inbound.language or customer.language or "en",
            created_at=now,
            updated_at=now,
            tags=normalise_tags(list(inbound.tags)),
            channel_address=inbound.channel_address,
        )
        message = self._customer_message(inbound, customer, number)
        created = TicketCreated(inbound.channel.value, message.id, inbound.sender_verified)
        events = [Event.new(number, customer.id, now, created)]
        if follow_up_of is not None:
            events.append(Event.new(number, SYSTEM_ACTOR, now, FollowUpCreated(follow_up_of=follow_up_of)))
        if inbound.linked_to is not None:
            linked = TicketLinked(linked_to=inbound.linked_to.ticket, evidence=inbound.linked_to.evidence)
            events.append(Event.new(number, SYSTEM_ACTOR, now, linked))
        # No acknowledgement here: it is the routing workflow's first built-in trigger (editable, and
        # sent only to a sender the intake verified: TicketCreated.sender_verified).
        try:
            ticket = self._tickets.write(
                ticket, [message], events, inbound.external_ids, new=True, new_customer=new_customer
            )
        except IdentityTakenError as error:
            raise _SenderTakenError(number) from error
        ticket_created(self._metrics, ticket.channel.value)
        return Receipt(Outcome.FOLLOW_UP if follow_up_of else Outcome.CREATED, ticket, message)

    def _append_customer_message(
        self,
        inbound: InboundMessage,
        customer: Sender,
        number: int,
        base: Ticket | None = None,
        new_customer: Customer | None = None,
        reserved: int | None = None,
    ) -> Receipt:
        def change(current: Ticket) -> tuple[Ticket, list[Event]]:
            now = self._clock()
            status = current.status
            # Only the requester's own words move the ticket (a solved one reopens); an auto-reply or
            # someone else in the thread is kept and shown, and leaves the status to the agents.
            if not inbound.auto_submitted and not inbound.third_party:
                status = status_after_message(current.status, AuthorType.CUSTOMER, public=True)
            added = MessageAdded(
                author_type=AuthorType.CUSTOMER.value, message_id=inbound.id, third_party=inbound.third_party
            )
            events = [Event.new(number, customer.id, now, added)]
            if status is not current.status:
                changed = StatusChanged(old=current.status.value, new=status.value)
                events.append(Event.new(number, SYSTEM_ACTOR, now, changed))
            return replace(current, status=status, updated_at=now), events

        # The ticket as the intake read it, if it did: read once per message, again only after a conflict.
        current = base if base is not None and base.number == number else self._tickets.get(number)
        if not accepts_customer_reply(current.status):
            if inbound.auto_submitted:
                raise InvalidRequestError(
                    f"automatic message to closed ticket #{number} ({inbound.auto_submitted})"
                )
            return self._open_ticket(
                inbound, customer, follow_up_of=number, new_customer=new_customer, number=reserved
            )
        message = self._customer_message(inbound, customer, number)
        try:
            ticket = self._save_with_retry(
                number, change, [message], inbound.external_ids, first=current, new_customer=new_customer
            )
        except IdentityTakenError as error:
            raise _SenderTakenError(reserved) from error
        return Receipt(Outcome.APPENDED, ticket, message)

    def _save_with_retry(
        self,
        number: int,
        change: Callable[[Ticket], tuple[Ticket, list[Event]]],
        messages: list[Message] | None = None,
        mail_ids: tuple[str, ...] = (),
        *,
        first: Ticket | None = None,
        new_customer: Customer | None = None,
    ) -> Ticket:
        """Applies a system change, re-reading when an agent saved the ticket in between.

        `first`, the ticket as the caller read it already, is the first attempt's base (no second read).
        """
        unread = [first] if first is not None else []

        def attempt() -> Ticket:
            current = unread.pop() if unread else self._tickets.get(number)
            changed, events = change(current)
            return self._tickets.write(changed, messages or [], events, mail_ids, new_customer=new_customer)

        return retry_on_conflict(attempt, gave_up=f"ticket #{number} kept changing; try again")

    # -- agents ----------------------------------------------------------------------------------

    def find(self, query: TicketQuery) -> Page:
        return self._tickets.find(query)

    def get(self, number: int) -> Ticket:
        return self._tickets.get(number)

    def many(self, numbers: Sequence[int]) -> list[Ticket]:
        return self._tickets.many(numbers)

    def history(self, number: int) -> TicketHistory:
        return self._tickets.history(number)

    def tickets_of(self, customer_id: str, limit: int | None = 50) -> list[Ticket]:
        return self._tickets.of_customer(customer_id, limit)

    def open_conversation(self, customer_id: str, channel: Channel) -> int | None:
        """A chat continues the customer's latest unsolved ticket on the same channel."""
        return _first_active(self._tickets_on_channel(customer_id, channel))

    def _tickets_on_channel(self, customer_id: str, channel: Channel) -> list[Ticket]:
        """The customer's tickets on `channel`, newest first."""
        return [ticket for ticket in self._tickets.of_customer(customer_id) if ticket.channel is channel]

    def customer_for(self, identity: Identity) -> str | None:
        return self._customers.customer_id_for(identity)

    def reply(
        self, number: int, agent: Agent, body: str, public: bool, via: Channel | None = None
    ) -> tuple[Message, Ticket]:
        """Adds an agent's public reply or internal note.

        A public reply goes out on the ticket's channel, or on `via`: another channel the customer
        is known on (an SMS to the number they called from, an email to a chat visitor who left one).
        """
        text = body.strip()
        if not text:
            raise InvalidRequestError("the reply is empty")
        if len(text) > MAX_REPLY_LENGTH:
            raise InvalidRequestError(f"the reply is longer than {MAX_REPLY_LENGTH} characters")
        history = self._tickets.history(number)
        ticket = history.ticket
        if ticket.status is Status.CLOSED and public:
            raise InvalidRequestError(f"ticket #{number} is closed; open a follow-up instead")
        now = self._clock()
        route = self._route(ticket, via) if public and via and via is not ticket.channel else ticket
        message = Message(
            id=new_id(),
            ticket_number=number,
            author_type=AuthorType.AGENT,
            author_id=agent.id,
            author_name=agent.name,
            public=public,
            channel=route.channel,
            text=text,
            full_text=text,
            created_at=now,
        )
        channel = self._outbound.get(route.channel) if public else None
        if public and channel is None:
            raise UnsupportedChannelError(f"no outbound adapter for {route.channel.value}")

        def change(current: Ticket) -> tuple[Ticket, list[Event]]:
            status = status_after_message(current.status, AuthorType.AGENT, public)
            added = MessageAdded(author_type=AuthorType.AGENT.value, public=public, message_id=message.id)
            if message.channel is not current.channel:
                added = replace(added, channel=message.channel.value)
            events = [Event.new(number, agent.id, now, added)]
            if status is not current.status:
                changed = StatusChanged(old=current.status.value, new=status.value)
                events.append(Event.new(number, agent.id, now, changed))
            first_reply = current.first_reply_at or (now if public else None)
            return replace(current, status=status, updated_at=now, first_reply_at=first_reply), events

        return self._post(route, message, history.messages, channel, change)

    def _post(
        self,
        route: Ticket,
        message: Message,
        thread: list[Message],
        channel: OutboundChannel | None,
        change: Callable[[Ticket], tuple[Ticket, list[Event]]],
        claims: tuple[str, ...] = (),
    ) -> tuple[Message, Ticket]:
        """Saves a message written on the desk's side (with `change` and `claims`), sending it on
        `channel` when it is public: before the save when the channel only queues it, after the save
        (as queued, then sent or failed) when it hands it over at once, so no customer ever holds a
        mail the ticket does not show. Returns the message as stored and the saved ticket."""
        if channel is not None and channel.sends_at_once:
            message = replace(message, delivery_status="queued")
        elif channel is not None:
            delivery = channel.send_reply(route, message, thread)
            message = replace(message, external_id=delivery.external_id, delivery_status=delivery.status)
        whole = message  # what the customer receives: the stored item may keep only a preview
        message = self._kept(message)
        saved = self._save_with_retry(route.number, change, [message], claims)
        if channel is not None and channel.sends_at_once:
            message = self._send_saved_reply(channel, route, message, whole, thread)
        return message, saved

    def _send_saved_reply(
        self, channel: OutboundChannel, route: Ticket, message: Message, whole: Message, thread: list[Message]
    ) -> Message:
        """Sends a reply saved as queued, then records it sent, or failed (with why) if the send fails.

        `message` is the reply as stored, `whole` as written: the customer gets every word of it.
        """
        ref = MessageRef(route.number, self._tickets.message_key(message), "outbound")
        try:
            delivery = channel.send_reply(route, whole, thread)
        except Exception as error:
            # The reply stays on the ticket, marked failed: the agent sees it and may send it again.
            logger.exception("sending reply %s on ticket #%s failed", message.id, route.number)
            self.record_delivery(ref, "failed", self._clock(), error=f"{type(error).__name__}: {error}")
            return replace(message, delivery_status="failed")
        self.record_delivery(ref, delivery.status, self._clock(), external_id=delivery.external_id)
        return replace(message, external_id=delivery.external_id, delivery_status=delivery.status)

    def _route(self, ticket: Ticket, via: Channel) -> Ticket:
        """The ticket as the channel `via` sees it: its address is the customer's identity there."""
        kinds = CHANNEL_IDENTITY.get(via)
        customer = self._customers.get(ticket.requester.id)
        address = next((i.value for i in customer.identities if kinds and i.kind in kinds), None)
        if address is None:
            raise InvalidRequestError(f"the customer has no {via.value} identity to reply to")
        if via is Channel.EMAIL:
            return replace(ticket, channel=via, requester=replace(ticket.requester, email=address))
        return replace(ticket, channel=via, channel_address=address)

    def update(self, number: int, agent: Agent, changes: TicketChanges, version: int) -> Ticket:
        """Applies an agent's edit made on `version`; a stale version is a conflict, never a lost write."""
        current = self._tickets.get(number)
        if current.version != version:
            raise ConflictError(
                f"ticket #{number} was changed by someone else (now version {current.version})"
            )
        now = self._clock()
        updated, events = apply_changes(current, changes, agent.id, now)
        if not events:
            return current
        return self._tickets.write(replace(updated, updated_at=now), events=events)

    def apply_decisions(
        self,
        number: int,
        changes: TicketChanges,
        decisions: Sequence[Payload],
        actor: str,
        claim: str,
        *,
        only_if_unassigned: bool = False,
    ) -> Ticket | None:
        """Applies what routing decided (field changes, with their reasons) once per `claim`.

        The claim is written in the same transaction as the change, so a retried step, or a workflow
        started twice for one event, changes nothing the second time (None: it was applied before).
        A ticket closed meanwhile keeps what it has.
        """

        def attempt() -> Ticket | None:
            current = self._tickets.get(number)
            if current.status is Status.CLOSED:
                return None
            if only_if_unassigned and current.assignee:
                return current  # someone was quicker: their assignment stands
            now = self._clock()
            updated, events = apply_changes(current, changes, actor, now)
            events += [Event.new(number, actor, now, decision) for decision in decisions]
            if not events:
                return current
            try:
                return self._tickets.write(
                    replace(updated, updated_at=now), events=events, inbound_refs=[claim]
                )
            except DuplicateMessageError:
                return None

        return retry_on_conflict(attempt, gave_up=f"ticket #{number} kept changing; try again")

    def claim_once(self, claim: str, number: int) -> bool:
        """Claims `claim` for the ticket: True the first time only (before a side effect done once)."""
        return self._tickets.claim_ref(claim, number, "routing")

    def done(self, claim: str) -> bool:
        """Whether the once-only change or message named `claim` was made."""
        return self._tickets.ticket_for_ref(claim) is not None

    def automatic_message(self, number: int, text: str, public: bool, author_name: str, claim: str) -> bool:
        """A reply (public) or internal note a rule writes, once per `claim`; False if written before.

        Written as the system's, not an agent's: it never counts as the first reply nor moves the
        status, so SLA clocks and reports see only what people did.
        """
        if self.done(claim):
            return False
        history = self._tickets.history(number)
        ticket = history.ticket
        if ticket.status is Status.CLOSED:
            return False
        now = self._clock()
        message = Message(
            id=stable_id(claim),
            ticket_number=number,
            author_type=AuthorType.SYSTEM,
            author_id=SYSTEM_ACTOR,
            author_name=author_name,
            public=public,
            channel=ticket.channel,
            text=text.strip()[:MAX_REPLY_LENGTH],
            full_text=text.strip()[:MAX_REPLY_LENGTH],
            created_at=now,
        )
        channel = self._outbound.get(ticket.channel) if public else None
        if public and channel is None:
            return False  # a channel that takes no replies (the phone): nothing to send it on

        def change(current: Ticket) -> tuple[Ticket, list[Event]]:
            added = MessageAdded(author_type=AuthorType.SYSTEM.value, public=public, message_id=message.id)
            return replace(current, updated_at=now), [Event.new(number, SYSTEM_ACTOR, now, added)]

        try:
            self._post(ticket, message, history.messages, channel, change, (claim,))
        except DuplicateMessageError:
            return False
        return True

    def acknowledge(self, number: int, claim: str) -> bool:
        """Sends the channel's acknowledgement of a new request, once per `claim`."""
        if self.done(claim):
            return False
        history = self._tickets.history(number)
        first = next((m for m in history.messages if m.author_type is AuthorType.CUSTOMER), None)
        channel = self._outbound.get(history.ticket.channel)
        if first is None or channel is None:
            return False
        if not self._tickets.claim_ref(claim, number, "acknowledgement"):
            return False
        # Claimed before sending: a crash in between loses one acknowledgement, never sends two.
        delivery = channel.send_acknowledgement(history.ticket, first)
        if delivery is None:
            return False
        acknowledged = AcknowledgementSent(id=delivery.external_id)
        self._tickets.add_events([Event.new(number, SYSTEM_ACTOR, self._clock(), acknowledged)])
        return True

    def move_to_customer(self, number: int, requester: Requester, source_id: str, actor: str) -> Ticket:
        """Gives the ticket to another customer (a merge of two customers into one)."""

        def change(current: Ticket) -> tuple[Ticket, list[Event]]:
            moved = RequesterMerged(source=source_id, target=requester.id)
            return replace(current, requester=requester), [Event.new(number, actor, self._clock(), moved)]

        return self._save_with_retry(number, change)

    # -- what channels report about messages -----------------------------------------------------

    def message_ref(self, ref: str) -> MessageRef | None:
        return self._tickets.message_ref(ref)

    def ticket_for_ref(self, ref: str) -> int | None:
        return self._tickets.ticket_for_ref(ref)

    def message_refs(self, refs: Sequence[str]) -> dict[str, MessageRef]:
        return self._tickets.message_refs(refs)

    def stored_message(self, number: int, message_key: str) -> Message:
        return self._tickets.message(number, message_key)

    def message_key(self, message: Message) -> str:
        return self._tickets.message_key(message)

    def remember_outbound_ref(self, ref: str, number: int, message_key: str | None = None) -> None:
        """Our id for something we sent (a Message-ID, a provider's id): what quotes it threads here."""
        self._tickets.claim_ref(ref, number, "outbound", message_key)

    def record_delivery(
        self, ref: MessageRef, state: str, at: datetime, *, external_id: str | None = None, error: str = ""
    ) -> bool:
        """Moves one of our messages' delivery state forward; False when the news is stale."""
        if ref.message_key is None:
            return False
        number, key = ref.ticket_number, ref.message_key
        message = self._tickets.message(number, key)
        if DELIVERY_RANK.get(state, 0) <= DELIVERY_RANK.get(message.delivery_status or "queued", 0):
            return False
        fields = {"delivery_status": state} | ({"external_id": external_id} if external_id else {})
        payload: Payload = DeliveryChanged(message_id=message.id, state=state)
        if state == "failed":
            payload = DeliveryFailed(error=error[:500] or None, message_id=message.id)
        self._tickets.update_message(number, key, fields, [Event.new(number, SYSTEM_ACTOR, at, payload)])
        if state == "failed":
            outbound_failed(self._metrics)
        return True

    def record_edit(self, ref: MessageRef, text: str, external_id: str, at: datetime) -> bool:
        """The customer edited a message on their app: the new text shows, the old one stays in the trail."""
        if ref.message_key is None:
            return False
        number, key = ref.ticket_number, ref.message_key
        previous = self._tickets.message(number, key)
        edited = MessageEdited(external_id=external_id, previous_text=previous.text)
        edit_event = Event.new(number, SYSTEM_ACTOR, at, edited)
        # The new text replaces any whole text kept aside, and goes aside itself when it is too large.
        kept_aside = tuple(field for field in previous.stored_bodies if field not in ("text", "full_text"))
        new = self._kept(replace(previous, text=text, full_text=text, stored_bodies=kept_aside))
        fields: dict[str, MessageField] = {
            "text": new.text,
            "full_text": new.full_text,
            "stored_bodies": new.stored_bodies,
        }
        self._tickets.update_message(number, key, fields, [edit_event])
        return True

    def record_event(self, number: int, payload: Payload, at: datetime, actor: str = SYSTEM_ACTOR) -> None:
        """Something happened that changes nothing on the ticket itself (a reaction, a call's recording)."""
        self._tickets.add_events([Event.new(number, actor, at, payload)])

    def apply_report_once(self, number: int, report_id: str, apply: Callable[[], object]) -> bool:
        """Applies what a channel reported about a message (an edit, a reaction, a call's progress) once.

        `report_id` names the report itself (provider, message, kind, content, time): a redelivered
        webhook carries the same one and changes nothing. It is recorded after the change, so a failure
        in between repeats the change on the retry rather than losing it.
        """
        if self._tickets.ticket_for_ref(report_id) is not None:
            return False
        apply()
        self._tickets.claim_ref(report_id, number, "report")
        return True

    def record_once(self, number: int, ref: str, payload: Payload, at: datetime) -> bool:
        """Records the event of an input identified by `ref` (a bounce's Message-ID) only once."""
        if not self._tickets.claim_ref(ref, number, "bounce"):
            return False
        self.record_event(number, payload, at)
        return True


# Who sent a message, as the ticket service files it: a customer read whole, or the card an identity keeps.
Sender = Customer | CustomerCard


def _first_active(tickets: list[Ticket]) -> int | None:
    return next((ticket.number for ticket in tickets if ticket.status.is_active), None)


def conversation_ref(customer_id: str, channel: Channel, previous: int | None) -> str:
    """The claim of the ticket that follows ticket `previous` (or none) in a customer's chat on `channel`."""
    return f"conversation:{customer_id}:{channel.value}:after:{previous or 0}"


def apply_changes(
    current: Ticket, changes: TicketChanges, actor: str, now: datetime
) -> tuple[Ticket, list[Event]]:
    """Returns the changed ticket and one audit event per changed field; refuses forbidden moves."""
    proposed: dict[str, Any] = {}
    if changes.status is not None:
        if not can_transition(current.status, changes.status):
            raise InvalidRequestError(f"a {current.status.value} ticket cannot become {changes.status.value}")
        proposed["status"] = changes.status
        if changes.status is Status.SOLVED and current.status is not Status.SOLVED:
            proposed["solved_at"] = now
    if current.status is Status.CLOSED and any(
        value is not None for value in (changes.priority, changes.type, changes.group, changes.assignee)
    ):
        raise InvalidRequestError(f"ticket #{current.number} is closed and cannot change")
    for name in ("priority", "type", "group", "assignee"):
        value = getattr(changes, name)
        if value is not None:
            proposed[name] = value or None
        elif name in changes.clear:
            proposed[name] = None
    if changes.tags is not None:
        proposed["tags"] = normalise_tags(changes.tags)
    events: list[Event] = []
    for name, value in proposed.items():
        old = getattr(current, name)
        if old != value and name != "solved_at":
            changed = FieldChanged(field=name, old=_plain(old), new=_plain(value))
            events.append(Event.new(current.number, actor, now, changed))
    if not events:
        return current, []
    return replace(current, **proposed), events


def _plain(value: Any) -> Any:
    """A field's value as stored in an event's data: enums by their value."""
    return value.value if isinstance(value, StrEnum) else value
