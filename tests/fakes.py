"""In-memory implementations of the domain's ports, for fast unit tests of the services.

They keep the same promises as the DynamoDB store (optimistic locking, all-or-nothing writes, external
ids claimed once, newest-first views); `tests/integration/test_repository_contract.py` runs one suite
against both, so the two cannot drift.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sportello.agents import Agent, Group
from sportello.clock import to_iso
from sportello.customers.model import Customer, CustomerCard, Identity, IdentityOwner
from sportello.customers.ports import IdentityTakenError
from sportello.errors import ConflictError, InvalidRequestError, NotFoundError
from sportello.ports import OutboundMail
from sportello.providers.webhook import FetchedMedia, MediaRef, OutboundText, ProviderApi, ProviderSecrets
from sportello.quarantine import QuarantinePage, QuarantineRecord
from sportello.tickets.events import Event
from sportello.tickets.model import Message, Ticket
from sportello.tickets.ports import (
    Delivery,
    DuplicateMessageError,
    Lookup,
    MessageField,
    MessageRef,
    Page,
    TicketHistory,
    TicketQuery,
)

NO_VALUE = "-"


def _page_cursor(offset: int | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode() if offset else None


def _page_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["offset"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidRequestError("the cursor is not one this API returned") from error


def _paged(items: list[Any], cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
    start = _page_offset(cursor)
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return chunk, _page_cursor(start + limit) if more else None


# --- tickets -------------------------------------------------------------------------------------------


@dataclass
class StoredRef:
    ticket_number: int
    message_key: str | None
    direction: str


class InMemoryTicketRepository:
    """Tickets in memory. `customers` is the customer fake of the same desk (one table in DynamoDB): a new
    customer written with a ticket lands there, and `lookup` reads identities from it."""

    def __init__(self, customers: InMemoryCustomerRepository | None = None) -> None:
        self.customers = customers if customers is not None else InMemoryCustomerRepository()
        self.lookups = 0  # lookup calls, for tests that an intake reads once
        self.tickets: dict[int, Ticket] = {}
        self.messages: dict[int, dict[str, Message]] = {}
        self.events: dict[int, list[Event]] = {}
        self.refs: dict[str, StoredRef] = {}
        self._numbers = itertools.count(1)
        self.writes = 0  # successful writes of a ticket item, for tests of retries
        self.batch_reads = 0  # message_refs and lookup calls, for tests that lookups are batched
        self.index_reads = 0  # tickets read by updated_before, for tests that sweeps read only what is due

    def next_number(self) -> int:
        return next(self._numbers)

    def message_key(self, message: Message) -> str:
        return f"MSG#{to_iso(message.created_at)}#{message.id}"

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
        refs = list(dict.fromkeys(inbound_refs))
        current = self.tickets.get(ticket.number)
        if any(ref in self.refs for ref in refs):
            raise DuplicateMessageError(", ".join(refs))
        if new_customer is not None and self.customers.taken(new_customer):
            raise IdentityTakenError(new_customer.id)
        if new and current is not None:
            raise ConflictError(f"ticket #{ticket.number} was changed by someone else")
        if not new and current is not None and current.version != ticket.version:
            raise ConflictError(f"ticket #{ticket.number} was changed by someone else")
        if new_customer is not None:
            self.customers.create(new_customer)
        saved = replace(ticket, version=(current.version if current else 0) + 1)
        self.tickets[ticket.number] = saved
        stored = self.messages.setdefault(ticket.number, {})
        for message in messages:
            stored[self.message_key(message)] = message
        self.events.setdefault(ticket.number, []).extend(events)
        first_key = self.message_key(messages[0]) if messages else None
        for ref in refs:
            self.refs[ref] = StoredRef(ticket.number, first_key, "inbound")
        self.writes += 1
        return saved

    def add_events(self, events: Sequence[Event]) -> None:
        for event in events:
            self.events.setdefault(event.ticket_number, []).append(event)

    def update_message(
        self, number: int, message_key: str, fields: Mapping[str, MessageField], events: Sequence[Event] = ()
    ) -> None:
        message = self.message(number, message_key)
        self.messages[number][message_key] = replace(message, **fields)
        self.add_events(events)

    def many(self, numbers: Sequence[int]) -> list[Ticket]:
        return [self.tickets[number] for number in dict.fromkeys(numbers) if number in self.tickets]

    def get(self, number: int) -> Ticket:
        try:
            return self.tickets[number]
        except KeyError as error:
            raise NotFoundError(f"ticket #{number} does not exist") from error

    def history(self, number: int) -> TicketHistory:
        ticket = self.get(number)
        messages = [self.messages[number][key] for key in sorted(self.messages.get(number, {}))]
        events = sorted(self.events.get(number, []), key=lambda event: (event.created_at, event.id))
        return TicketHistory(ticket, messages, events)

    def message(self, number: int, message_key: str) -> Message:
        try:
            return self.messages[number][message_key]
        except KeyError as error:
            raise NotFoundError(f"ticket #{number} has no message {message_key}") from error

    def ticket_for_ref(self, ref: str) -> int | None:
        found = self.refs.get(ref)
        return found.ticket_number if found else None

    def message_ref(self, ref: str) -> MessageRef | None:
        found = self.refs.get(ref)
        return MessageRef(found.ticket_number, found.message_key, found.direction) if found else None

    def message_refs(self, refs: Sequence[str]) -> dict[str, MessageRef]:
        self.batch_reads += 1
        return {ref: found for ref in refs if (found := self.message_ref(ref)) is not None}

    def lookup(self, refs: Sequence[str], identity: Identity | None) -> Lookup:
        self.lookups += 1
        self.batch_reads += 1  # one BatchGetItem in DynamoDB, as message_refs
        found = {ref: known for ref in refs if (known := self.message_ref(ref)) is not None}
        return Lookup(found, self.customers.owner(identity) if identity is not None else None)

    def claim_ref(self, ref: str, number: int, direction: str, message_key: str | None = None) -> bool:
        if ref in self.refs:
            return False
        self.refs[ref] = StoredRef(number, message_key, direction)
        return True

    def find(self, query: TicketQuery) -> Page:
        active = query.status.is_active if query.status else True
        assignee = query.assignee
        if query.view == "unassigned":
            assignee = NO_VALUE
        elif query.view == "mine":
            assignee = query.agent_id
        matching = [
            ticket
            for ticket in self.tickets.values()
            if ticket.status.is_active == active
            and (query.status is None or ticket.status is query.status)
            and (assignee is None or (ticket.assignee or NO_VALUE) == assignee)
            and (query.group is None or ticket.group == query.group)
        ]
        matching.sort(key=lambda ticket: (ticket.updated_at, ticket.number), reverse=not query.oldest_first)
        items, cursor = _paged(matching, query.cursor, query.limit)
        return Page(items, cursor)

    def record_activity(self, number: int, at: datetime) -> None:
        ticket = self.tickets.get(number)
        if ticket is not None and (ticket.last_activity_at is None or ticket.last_activity_at < at):
            self.tickets[number] = replace(ticket, last_activity_at=at)

    def updated_before(self, status: Any, before: datetime, limit: int, cursor: str | None = None) -> Page:
        """The cursor is the last key read, as DynamoDB's: a ticket that left the wait in between (the
        sweep acted on it) makes none of the next page's tickets skipped."""
        after = tuple(json.loads(base64.urlsafe_b64decode(cursor.encode()))) if cursor else None
        waiting = sorted(
            (to_iso(t.updated_at), t.number)
            for t in self.tickets.values()
            if t.status is status and t.updated_at <= before
        )
        keys = [key for key in waiting if after is None or key > after][:limit]
        self.index_reads += len(keys)
        next_cursor = None
        if len(keys) == limit:
            next_cursor = base64.urlsafe_b64encode(json.dumps(list(keys[-1])).encode()).decode()
        return Page([self.tickets[number] for _, number in keys], next_cursor)

    def of_customer(self, customer_id: str, limit: int | None = 50) -> list[Ticket]:
        owned = [ticket for ticket in self.tickets.values() if ticket.requester.id == customer_id]
        owned.sort(key=lambda ticket: (ticket.created_at, ticket.number), reverse=True)
        return owned if limit is None else owned[:limit]


# --- customers, agents, quarantine ---------------------------------------------------------------------


class InMemoryCustomerRepository:
    def __init__(self) -> None:
        self.customers: dict[str, Customer] = {}
        self.owners: dict[Identity, str] = {}
        self.cards: dict[Identity, CustomerCard] = {}  # what each identity item keeps of its owner

    def customer_id_for(self, identity: Identity) -> str | None:
        return self.owners.get(identity)

    def owner(self, identity: Identity) -> IdentityOwner | None:
        owner = self.owners.get(identity)
        return IdentityOwner(owner, self.cards.get(identity)) if owner is not None else None

    def taken(self, customer: Customer) -> bool:
        return customer.id in self.customers or any(i in self.owners for i in customer.identities)

    def describe_identities(self, customer: Customer) -> None:
        for identity in customer.identities:
            if self.owners.get(identity) == customer.id:
                self.cards[identity] = customer.card

    def get(self, customer_id: str) -> Customer:
        try:
            customer = self.customers[customer_id]
        except KeyError as error:
            raise NotFoundError(f"customer {customer_id} does not exist") from error
        identities = [identity for identity, owner in self.owners.items() if owner == customer_id]
        return replace(customer, identities=identities)

    def create(self, customer: Customer) -> None:
        if self.taken(customer):
            raise IdentityTakenError(customer.id)
        self.customers[customer.id] = replace(customer, identities=[])
        for identity in customer.identities:
            self.owners[identity] = customer.id
            self.cards[identity] = customer.card

    def add_identity(self, customer_id: str, identity: Identity) -> bool:
        if identity in self.owners:
            return False
        self.owners[identity] = customer_id
        return True

    def move_identity(self, identity: Identity, source_id: str, target_id: str) -> None:
        if self.owners.get(identity) != source_id:
            raise ConflictError(f"{identity.value} is no longer {source_id}'s")
        self.owners[identity] = target_id
        self.cards.pop(identity, None)  # as the store rewrites the item: no card until described

    def mark_merged(self, source_id: str, target_id: str) -> None:
        self.customers[source_id] = replace(self.get(source_id), identities=[], merged_into=target_id)

    def set_traits(self, customer_id: str, vip: bool, organisation: str | None) -> None:
        self.customers[customer_id] = replace(
            self.get(customer_id), vip=vip, organisation=organisation or None
        )


class InMemoryAgentRepository:
    def __init__(self) -> None:
        self.agents: dict[str, Agent] = {}
        self.saved: list[Agent] = []
        self._groups: dict[str, Group] = {}

    def get(self, agent_id: str) -> Agent | None:
        return self.agents.get(agent_id)

    def save(self, agent: Agent) -> None:
        self.agents[agent.id] = agent
        self.saved.append(agent)

    def all_agents(self) -> list[Agent]:
        return list(self.agents.values())

    def save_group(self, group: Group) -> None:
        self._groups[group.id] = group

    def groups(self) -> list[Group]:
        return list(self._groups.values())


class InMemoryQuarantine:
    def __init__(self) -> None:
        self.records: dict[str, QuarantineRecord] = {}

    def add(self, record: QuarantineRecord) -> None:
        self.records.setdefault(record.id, record)

    def recent(self, cursor: str | None = None, limit: int = 50) -> QuarantinePage:
        newest = sorted(self.records.values(), key=lambda r: (r.received_at, r.id), reverse=True)
        items, next_cursor = _paged(newest, cursor, limit)
        return QuarantinePage(items, next_cursor)


# --- the outside world ---------------------------------------------------------------------------------


class InMemoryBlobStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}

    def put(self, key: str, content: bytes, content_type: str) -> None:
        self.objects[key] = (content, content_type)

    def get(self, key: str) -> bytes:
        try:
            return self.objects[key][0]
        except KeyError as error:
            raise NotFoundError(f"no object {key}") from error

    def download_url(self, key: str, filename: str, expires_seconds: int = 300) -> str:
        return f"memory://{key}?filename={filename}"


@dataclass
class RecordingQueue:
    sent: list[Mapping[str, Any]] = field(default_factory=list)

    def send(self, body: Mapping[str, Any]) -> None:
        self.sent.append(dict(body))


@dataclass
class RecordingMailTransport:
    sent: list[OutboundMail] = field(default_factory=list)

    def send(self, mail: OutboundMail) -> tuple[str, ...]:
        self.sent.append(mail)
        return ()


@dataclass
class CountingRateLimiter:
    uses: dict[str, int] = field(default_factory=dict)

    def allow(self, key: str, limit: int, window_seconds: int) -> bool:
        self.uses[key] = self.uses.get(key, 0) + 1
        return self.uses[key] <= limit


@dataclass
class RecordingOutboundChannel:
    """Sends nothing; remembers what it was asked to send."""

    replies: list[tuple[Ticket, Message]] = field(default_factory=list)
    acknowledgements: list[Ticket] = field(default_factory=list)
    acknowledge: bool = True
    sends_at_once: bool = False
    failure: Exception | None = None  # what send_reply raises, if anything

    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        if self.failure is not None:
            raise self.failure
        self.replies.append((ticket, message))
        return Delivery(external_id=f"sent-{len(self.replies)}", status="sent")

    def send_acknowledgement(self, ticket: Ticket, first_message: Message) -> Delivery | None:
        if not self.acknowledge:
            return None
        self.acknowledgements.append(ticket)
        return Delivery(external_id=f"ack-{len(self.acknowledgements)}", status="sent")


@dataclass
class FixedSecrets:
    values: Mapping[str, str] = field(default_factory=dict)

    def secrets_for(self, provider: str) -> ProviderSecrets:
        return ProviderSecrets(dict(self.values))


@dataclass
class RecordingProviderApi:
    sent: list[OutboundText] = field(default_factory=list)
    media: Mapping[str, FetchedMedia] = field(default_factory=dict)

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        self.sent.append(message)
        return f"provider-{len(self.sent)}"

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        return self.media[media.media_id or media.url or ""]


@dataclass
class FakeProviderApis:
    client: ProviderApi = field(default_factory=RecordingProviderApi)

    def api(self, provider: str) -> ProviderApi:
        return self.client


# --- ticket events: the bus's idempotency, quarantine and the activity subscriber ----------------------


class FakeProcessedEvents:
    """`sportello.bus.ProcessedEvents` in a set."""

    def __init__(self) -> None:
        self.marked: set[tuple[str, str]] = set()

    def seen(self, subscriber: str, event_id: str) -> bool:
        return (subscriber, event_id) in self.marked

    def mark(self, subscriber: str, event_id: str) -> None:
        self.marked.add((subscriber, event_id))


class FakeActivityLog:
    """`sportello.activity.ActivityLog`: the latest moment per ticket, only ever moving forward."""

    def __init__(self) -> None:
        self.last: dict[int, datetime] = {}
        self.writes = 0

    def record_activity(self, number: int, at: datetime) -> None:
        if number not in self.last or self.last[number] < at:
            self.last[number] = at
            self.writes += 1


class InMemoryRoutingSettings:
    """`RoutingSettings` in memory: rules by kind, the two settings documents, groups."""

    def __init__(self) -> None:
        from sportello.calendar import DEFAULT_CALENDAR
        from sportello.routing.model import DEFAULT_CLASSIFICATION

        self.stored_rules: dict[tuple[str, str], Any] = {}
        self.stored_classification = DEFAULT_CLASSIFICATION
        self.stored_calendar = DEFAULT_CALENDAR
        self.stored_groups: dict[str, Any] = {}

    def rules(self, kind: Any) -> list[Any]:
        rules = [rule for (k, _), rule in self.stored_rules.items() if k == kind.value]
        return sorted(rules, key=lambda rule: (rule.position, rule.id))

    def save_rule(self, rule: Any) -> None:
        self.stored_rules[(rule.kind.value, rule.id)] = rule

    def delete_rule(self, kind: Any, rule_id: str) -> None:
        self.stored_rules.pop((kind.value, rule_id), None)

    def classification(self) -> Any:
        return self.stored_classification

    def save_classification(self, classification: Any) -> None:
        self.stored_classification = classification

    def calendar(self) -> Any:
        return self.stored_calendar

    def save_calendar(self, calendar: Any) -> None:
        self.stored_calendar = calendar

    def groups(self) -> list[Any]:
        return list(self.stored_groups.values())

    def group(self, group_id: str) -> Any:
        return self.stored_groups.get(group_id)

    def save_group(self, group: Any) -> None:
        self.stored_groups[group.id] = group


class InMemoryAgentPresence:
    """`AgentPresence` in memory, with the same promises: holds taken only within capacity, settled
    idempotently. A lock makes each operation atomic, as the conditional writes are in DynamoDB."""

    def __init__(self) -> None:
        import threading

        from sportello.routing.model import AgentProfile

        self._lock = threading.Lock()
        self._profile = AgentProfile
        self.profiles_by_id: dict[str, Any] = {}
        self.holds: dict[int, str] = {}
        self.taken_at: dict[int, datetime] = {}

    def profile(self, agent_id: str) -> Any:
        return self.profiles_by_id.get(agent_id) or self._profile(agent_id)

    def profiles(self, agent_ids: Sequence[str]) -> list[Any]:
        return [self.profile(agent_id) for agent_id in agent_ids]

    def set_status(self, agent_id: str, status: Any, at: datetime) -> Any:
        with self._lock:
            self.profiles_by_id[agent_id] = replace(
                self.profile(agent_id), status=status, status_changed_at=at
            )
            return self.profiles_by_id[agent_id]

    def save_profile(self, profile: Any) -> None:
        with self._lock:
            current = self.profile(profile.agent_id)
            self.profiles_by_id[profile.agent_id] = replace(
                current, capacity=profile.capacity, languages=profile.languages, skills=profile.skills
            )

    def _count(self, agent_id: str, delta: int, at: datetime | None = None) -> None:
        current = self.profile(agent_id)
        changes: dict[str, Any] = {"open_tickets": max(0, current.open_tickets + delta)}
        if at is not None:
            changes["last_assigned_at"] = at
        self.profiles_by_id[agent_id] = replace(current, **changes)

    def take(self, agent_id: str, ticket_number: int, at: datetime, as_seen: Any = None) -> bool:
        from sportello.routing.model import AgentStatus

        with self._lock:
            current = self.profile(agent_id)
            if (
                ticket_number in self.holds
                or current.status is not AgentStatus.ONLINE
                or not current.has_room
            ):
                return False
            if as_seen is not None and (current.open_tickets, current.last_assigned_at) != (
                as_seen.open_tickets,
                as_seen.last_assigned_at,
            ):
                return False
            self.holds[ticket_number] = agent_id
            self.taken_at[ticket_number] = at
            self._count(agent_id, +1, at)
            return True

    def give_back(self, agent_id: str, ticket_number: int) -> None:
        with self._lock:
            if self.holds.get(ticket_number) == agent_id:
                del self.holds[ticket_number]
                self.taken_at.pop(ticket_number, None)
                self._count(agent_id, -1)

    def settle(self, ticket_number: int, holder: str | None, as_of: datetime | None = None) -> str | None:
        with self._lock:
            current = self.holds.get(ticket_number)
            if current == holder:
                return None
            taken_at = self.taken_at.get(ticket_number)
            if current is not None and as_of is not None and taken_at is not None and taken_at > as_of:
                return None
            self.taken_at.pop(ticket_number, None)
            if current is not None:
                self._count(current, -1)
                del self.holds[ticket_number]
            if holder is not None:
                self.holds[ticket_number] = holder
                self._count(holder, +1)
            return current


class RecordingNotifier:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, dict[str, str]]] = []

    def notify(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        self.sent.append((subject, message, dict(attributes)))


class RecordingStarter:
    """`WorkflowStarter` that remembers names, refusing a second start of one name as Step Functions does."""

    def __init__(self) -> None:
        self.started: dict[str, dict[str, Any]] = {}

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        if name in self.started:
            return False
        self.started[name] = dict(payload)
        return True


@dataclass
class RecordingMetrics:
    """The `Metrics` port in memory: every count, in order, as (name, dimensions, value)."""

    counts: list[tuple[str, dict[str, str], int]] = field(default_factory=list)

    def count(self, name: str, dimensions: Mapping[str, str] | None = None, value: int = 1) -> None:
        self.counts.append((name, dict(dimensions or {}), value))

    def named(self, name: str) -> list[tuple[dict[str, str], int]]:
        return [(dimensions, value) for counted, dimensions, value in self.counts if counted == name]


class InMemorySlaSettings:
    """`SlaSettings` in memory: the policies in order and the desk's calendar."""

    def __init__(self, policies: list[Any] | None = None, calendar: Any = None) -> None:
        from sportello.calendar import DEFAULT_CALENDAR
        from sportello.sla.policies import DEFAULT_POLICIES

        self.stored_policies = list(DEFAULT_POLICIES if policies is None else policies)
        self.stored_calendar = calendar or DEFAULT_CALENDAR

    def policies(self) -> list[Any]:
        return list(self.stored_policies)

    def save_policies(self, policies: list[Any]) -> None:
        self.stored_policies = list(policies)

    def calendar(self) -> Any:
        return self.stored_calendar


class InMemorySlaBook:
    """`SlaBook` in memory, with the same version check and the same due and at-risk orders."""

    shards = 4

    def __init__(self) -> None:
        self.stored: dict[int, Any] = {}
        self.saves = 0

    def get(self, number: int) -> Any:
        from sportello.sla.model import SlaRecord

        return self.stored.get(number, SlaRecord(number))

    def records(self, numbers: Any) -> dict[int, Any]:
        return {number: self.stored[number] for number in numbers if number in self.stored}

    def save(self, record: Any) -> Any:
        stored = self.stored.get(record.ticket_number)
        if (stored.version if stored else 0) != record.version:
            raise ConflictError(f"the SLA of ticket #{record.ticket_number} changed meanwhile")
        saved = replace(record, version=record.version + 1)
        self.stored[record.ticket_number] = saved
        self.saves += 1
        return saved

    def due(self, shard: int, now: datetime, limit: int) -> list[int]:
        due = [
            (record.next_alert_at(), number)
            for number, record in self.stored.items()
            if number % self.shards == shard and record.next_alert_at() and record.next_alert_at() <= now
        ]
        return [number for _, number in sorted(due)[:limit]]

    def at_risk(self, limit: int) -> list[Any]:
        running = [record for record in self.stored.values() if record.earliest_due()]
        return sorted(running, key=lambda record: (record.earliest_due(), record.ticket_number))[:limit]
