"""What the ticket service needs from the outside world: storage and the channels replies leave by.

The store implements `TicketRepository` with DynamoDB; tests use an in-memory fake; one contract suite
runs against both. Channels implement `OutboundChannel`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ..customers.model import Customer, Identity, IdentityOwner
from .events import Event
from .model import Message, Status, Ticket

# A stored message field's new value: text, or names (`stored_bodies`), or None to clear it.
MessageField = str | tuple[str, ...] | None


class DuplicateMessageError(Exception):
    """An external id (a Message-ID, a provider message id) we already stored: a redelivery."""


@dataclass(frozen=True)
class TicketQuery:
    """One agent view. Exactly one index serves it; the remaining filters narrow that query."""

    view: str = "all"  # unassigned | mine | all
    agent_id: str | None = None
    status: Status | None = None
    group: str | None = None
    assignee: str | None = None
    cursor: str | None = None
    limit: int = 25
    oldest_first: bool = False  # by last update, oldest first (routing offers the longest waiting)


@dataclass(frozen=True)
class Page:
    items: list[Ticket]
    next_cursor: str | None


@dataclass(frozen=True)
class TicketHistory:
    ticket: Ticket
    messages: list[Message]
    events: list[Event]


@dataclass(frozen=True)
class MessageRef:
    """Where an external id points: a ticket, and the message (by its key) when there is one."""

    ticket_number: int
    message_key: str | None
    direction: str  # inbound | outbound | bounce


@dataclass(frozen=True)
class Lookup:
    """What an intake looks up by key before it writes, read together (one batch read).

    `refs`: the known ones among the external ids asked for (the message's own: a redelivery; those it
    quotes: its thread). `owner`: who owns the sender's identity, None when nobody does yet.
    """

    refs: dict[str, MessageRef]
    owner: IdentityOwner | None = None


class TicketRepository(Protocol):
    def next_number(self) -> int:
        """A new ticket number, never handed out twice."""
        ...

    def write(
        self,
        ticket: Ticket,
        messages: Sequence[Message] = (),
        events: Sequence[Event] = (),
        inbound_refs: Iterable[str] = (),
        *,
        new: bool = False,
        new_customer: Customer | None = None,
    ) -> Ticket:
        """Saves the ticket with its new messages, events and external-id claims, all or nothing.

        A new ticket must not exist yet; a changed one must still have the version it was read at
        (else ConflictError); an external id claimed before aborts the write (DuplicateMessageError).
        `new_customer` (the sender's first contact) is created in the same write, with its identities;
        one of them owned already aborts it (IdentityTakenError: someone created that customer first).
        Returns the ticket as saved (with its new version).
        """
        ...

    def lookup(self, refs: Sequence[str], identity: Identity | None) -> Lookup:
        """The known ones among `refs` and the owner of `identity`, in one read."""
        ...

    def add_events(self, events: Sequence[Event]) -> None:
        """Records events that change nothing on the ticket itself."""
        ...

    def update_message(
        self, number: int, message_key: str, fields: Mapping[str, MessageField], events: Sequence[Event] = ()
    ) -> None:
        """Changes stored fields of one message (delivery state, text) with its events, all or nothing.

        NotFoundError when the message does not exist.
        """
        ...

    def get(self, number: int) -> Ticket: ...

    def many(self, numbers: Sequence[int]) -> list[Ticket]:
        """The tickets that exist among `numbers`, in that order, in one batch read."""
        ...

    def history(self, number: int) -> TicketHistory:
        """The ticket with its messages and events, oldest first."""
        ...

    def message(self, number: int, message_key: str) -> Message: ...

    def message_key(self, message: Message) -> str:
        """The key that finds `message` again within its ticket."""
        ...

    def ticket_for_ref(self, ref: str) -> int | None: ...

    def message_ref(self, ref: str) -> MessageRef | None: ...

    def message_refs(self, refs: Sequence[str]) -> dict[str, MessageRef]:
        """The known ones among `refs`, looked up together (one batch read, not one read per ref)."""
        ...

    def claim_ref(self, ref: str, number: int, direction: str, message_key: str | None = None) -> bool:
        """Records an external id once; False when it was already recorded."""
        ...

    def find(self, query: TicketQuery) -> Page: ...

    def record_activity(self, number: int, at: datetime) -> None:
        """Moves the ticket's `last_activity_at` forward to `at` (never back), with no new version."""
        ...

    def of_customer(self, customer_id: str, limit: int | None = 50) -> list[Ticket]:
        """The customer's tickets, newest first (all of them with limit=None)."""
        ...

    def updated_before(self, status: Status, before: datetime, limit: int, cursor: str | None = None) -> Page:
        """Tickets in `status` last updated at or before `before`, oldest first, a page at a time.

        One query on the by_status index, bounded by its sort key: what it reads grows with the
        tickets that have waited that long, never with all the tickets of the status.
        """
        ...


@dataclass(frozen=True)
class Delivery:
    external_id: str | None  # the channel's id for the sent message (None while it waits in a queue)
    status: str = "sent"


class OutboundChannel(Protocol):
    # True when send_reply hands the message over for good before it returns (mail through SES): the
    # service then saves the reply as queued first, so no customer holds a mail the ticket does not show.
    # False when it only checks and queues (messaging: the queue's consumer sends after the save).
    sends_at_once: bool

    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        """Sends a public agent message; `thread` is the conversation before it, oldest first."""
        ...

    def send_acknowledgement(self, ticket: Ticket, first_message: Message) -> Delivery | None:
        """Tells the customer we received their request; None when the channel needs none."""
        ...


class UnsupportedChannelError(Exception):
    """No outbound adapter is configured for the ticket's channel."""
