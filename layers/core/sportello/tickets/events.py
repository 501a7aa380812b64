"""What can happen to a ticket: one closed set of event kinds, each with a typed payload.

The ticket service records these beside the change that caused them (same transaction); they are the
ticket's audit trail and, through the table's stream, what every later capability subscribes to.
Stored as `kind` plus a `data` map whose keys are the payload's field names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from .. import correlation
from ..ids import new_id


class EventKind(StrEnum):
    TICKET_CREATED = "ticket_created"
    FOLLOW_UP_CREATED = "follow_up_created"
    TICKET_LINKED = "ticket_linked"
    MESSAGE_ADDED = "message_added"
    STATUS_CHANGED = "status_changed"
    FIELD_CHANGED = "field_changed"
    REQUESTER_MERGED = "requester_merged"
    ACKNOWLEDGEMENT_SENT = "acknowledgement_sent"
    DELIVERY_CHANGED = "delivery_changed"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERY_REPORTED = "delivery_reported"
    MESSAGE_EDITED = "message_edited"
    MESSAGE_DELETED = "message_deleted"
    REACTION = "reaction"
    CALL_UPDATED = "call_updated"
    ROUTING_DECIDED = "routing_decided"
    TRIGGER_FIRED = "trigger_fired"
    ROUTING_FAILED = "routing_failed"
    SLA_ALERTED = "sla_alerted"
    SLA_ESCALATED = "sla_escalated"


@dataclass(frozen=True)
class Payload:
    """Base of every payload; `kind` names the class's event kind."""

    kind: ClassVar[EventKind]

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Payload:
        # Unknown keys are ignored and missing ones take their defaults: stored events outlive code.
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in known})


@dataclass(frozen=True)
class TicketCreated(Payload):
    kind = EventKind.TICKET_CREATED
    channel: str = ""
    message_id: str | None = None  # the request that opened it
    sender_verified: bool = False  # the intake trusted the sender (an acknowledgement may go to them)


@dataclass(frozen=True)
class FollowUpCreated(Payload):
    kind = EventKind.FOLLOW_UP_CREATED
    follow_up_of: int = 0


@dataclass(frozen=True)
class TicketLinked(Payload):
    """A new ticket opened from a message that pointed at `linked_to` with too little trust to join it."""

    kind = EventKind.TICKET_LINKED
    linked_to: int = 0
    evidence: str = ""  # what pointed there: message_id, reply_token or subject_tag


@dataclass(frozen=True)
class MessageAdded(Payload):
    kind = EventKind.MESSAGE_ADDED
    author_type: str = ""
    public: bool = True
    message_id: str | None = None
    channel: str | None = None
    third_party: bool = False  # a customer other than the requester (a colleague in copy, say)


@dataclass(frozen=True)
class StatusChanged(Payload):
    kind = EventKind.STATUS_CHANGED
    old: str = ""
    new: str = ""


@dataclass(frozen=True)
class FieldChanged(Payload):
    kind = EventKind.FIELD_CHANGED
    field: str = ""
    old: Any = None
    new: Any = None


@dataclass(frozen=True)
class RequesterMerged(Payload):
    kind = EventKind.REQUESTER_MERGED
    source: str = ""  # the customer merged away
    target: str = ""  # the customer the ticket now belongs to


@dataclass(frozen=True)
class AcknowledgementSent(Payload):
    kind = EventKind.ACKNOWLEDGEMENT_SENT
    id: str | None = None  # the id the channel gave the acknowledgement


@dataclass(frozen=True)
class DeliveryChanged(Payload):
    """One of our messages moved forward: sent, delivered, read (failures have their own kind)."""

    kind = EventKind.DELIVERY_CHANGED
    message_id: str = ""
    state: str = ""


@dataclass(frozen=True)
class DeliveryFailed(Payload):
    """A reply did not reach the customer: the provider refused it, or a mail bounced."""

    kind = EventKind.DELIVERY_FAILED
    error: str | None = None
    message_id: str | None = None
    recipients: list[str] = field(default_factory=list)
    status: str | None = None
    diagnostic: str | None = None
    original_message_id: str | None = None


@dataclass(frozen=True)
class DeliveryReported(Payload):
    """A delivery status notification that is not a failure (delayed, relayed, delivered, expanded)."""

    kind = EventKind.DELIVERY_REPORTED
    action: str = ""
    recipients: list[str] = field(default_factory=list)
    status: str | None = None
    diagnostic: str | None = None
    original_message_id: str | None = None


@dataclass(frozen=True)
class MessageEdited(Payload):
    kind = EventKind.MESSAGE_EDITED
    external_id: str | None = None
    previous_text: str = ""


@dataclass(frozen=True)
class MessageDeleted(Payload):
    kind = EventKind.MESSAGE_DELETED
    external_id: str = ""


@dataclass(frozen=True)
class Reaction(Payload):
    kind = EventKind.REACTION
    external_id: str = ""
    emoji: str = ""
    by: str = ""


@dataclass(frozen=True)
class CallUpdated(Payload):
    kind = EventKind.CALL_UPDATED
    status: str = ""
    duration_seconds: int | None = None
    recording_url: str | None = None
    transcript: str | None = None


@dataclass(frozen=True)
class RoutingDecided(Payload):
    """Routing set a field, and why: "priority urgent: matched 'bloccato'"."""

    kind = EventKind.ROUTING_DECIDED
    step: str = ""  # classify | triggers | assign | automation
    field: str = ""
    value: Any = None
    reason: str = ""


@dataclass(frozen=True)
class TriggerFired(Payload):
    """A trigger or automation matched the ticket and took its actions."""

    kind = EventKind.TRIGGER_FIRED
    rule_id: str = ""
    rule_name: str = ""
    rule_kind: str = "trigger"
    actions: list[str] = field(default_factory=list)
    cause: str = ""  # the event (or the automation's sweep) it ran on: its side effects are redone from it


@dataclass(frozen=True)
class RoutingFailed(Payload):
    """The routing workflow gave up on a step: the ticket stays in its group, unassigned, and says why."""

    kind = EventKind.ROUTING_FAILED
    step: str = ""
    error: str = ""


@dataclass(frozen=True)
class SlaAlerted(Payload):
    """A target reached its warning threshold or its due time, and the desk's topic was told."""

    kind = EventKind.SLA_ALERTED
    target: str = ""  # first_reply | next_reply | resolution
    cycle: int = 1
    threshold: str = ""  # warning | breach
    due_at: str = ""
    policy: str = ""


@dataclass(frozen=True)
class SlaEscalated(Payload):
    """A breached target's policy took its escalation actions."""

    kind = EventKind.SLA_ESCALATED
    target: str = ""
    cycle: int = 1
    policy: str = ""
    actions: list[str] = field(default_factory=list)


PAYLOADS: dict[EventKind, type[Payload]] = {
    cls.kind: cls
    for cls in (
        TicketCreated,
        FollowUpCreated,
        TicketLinked,
        MessageAdded,
        StatusChanged,
        FieldChanged,
        RequesterMerged,
        AcknowledgementSent,
        DeliveryChanged,
        DeliveryFailed,
        DeliveryReported,
        MessageEdited,
        MessageDeleted,
        Reaction,
        CallUpdated,
        RoutingDecided,
        TriggerFired,
        RoutingFailed,
        SlaAlerted,
        SlaEscalated,
    )
}


def payload_from(kind: str, data: dict[str, Any]) -> Payload:
    """The typed payload of a stored event; an unknown kind is a ValueError (the set is closed)."""
    return PAYLOADS[EventKind(kind)].from_data(data)


@dataclass(frozen=True)
class Event:
    """Something that happened to one ticket, by one actor (an agent, a customer, or "system")."""

    id: str
    ticket_number: int
    actor: str
    created_at: datetime
    payload: Payload
    # The id of the input that caused it (a mail's SES message id, a webhook body's hash, an API
    # request's id), so its logs, and those of the functions it reaches, can be found together.
    correlation_id: str | None = None

    @property
    def kind(self) -> EventKind:
        return self.payload.kind

    @property
    def data(self) -> dict[str, Any]:
        return self.payload.to_data()

    @classmethod
    def new(cls, ticket_number: int, actor: str, at: datetime, payload: Payload) -> Event:
        """A new event, carrying the correlation id of the work in hand (`sportello.correlation`)."""
        return cls(new_id(), ticket_number, actor, at, payload, correlation.current())
