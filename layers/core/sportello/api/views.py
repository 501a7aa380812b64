"""Domain values as the JSON the API returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..agents import Agent, Group
from ..calendar import BusinessCalendar
from ..clock import to_iso
from ..customers.model import Customer
from ..ports import BlobStore
from ..quarantine import QuarantineRecord
from ..routing.model import AgentProfile
from ..sla.model import SlaRecord, TargetClock
from ..tickets.bodies import body_key
from ..tickets.events import Event
from ..tickets.model import AttachmentRef, Message, Ticket


def _iso(value: Any) -> str | None:
    return to_iso(value) if value is not None else None


def ticket_view(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "type": ticket.type.value if ticket.type else None,
        "tags": ticket.tags,
        "group": ticket.group,
        "assignee": ticket.assignee,
        "channel": ticket.channel.value,
        "requester": {
            "id": ticket.requester.id,
            "name": ticket.requester.name,
            "email": ticket.requester.email,
        },
        "language": ticket.language,
        "custom_fields": ticket.custom_fields,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "first_reply_at": _iso(ticket.first_reply_at),
        "solved_at": _iso(ticket.solved_at),
        "last_activity_at": _iso(ticket.last_activity_at),
        "version": ticket.version,
    }


# Links in a ticket page must work from a plain <a href> (no bearer token), so they are presigned,
# and long enough for an agent who keeps the page open a while.
ATTACHMENT_LINK_SECONDS = 3600


def attachment_view(attachment: AttachmentRef, blobs: BlobStore) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "inline": attachment.inline,
        "url": blobs.download_url(attachment.key, attachment.filename, ATTACHMENT_LINK_SECONDS),
    }


def message_view(message: Message, blobs: BlobStore) -> dict[str, Any]:
    return {
        "id": message.id,
        "author_type": message.author_type.value,
        "author_id": message.author_id,
        "author_name": message.author_name,
        "public": message.public,
        "channel": message.channel.value,
        "text": message.text,
        "full_text": message.full_text,
        "html": message.html,
        "attachments": [attachment_view(a, blobs) for a in message.attachments],
        "omitted_attachments": message.omitted_attachments,
        # Bodies too large for the table: the fields above hold their start, these links the whole.
        "full_bodies": {
            field: blobs.download_url(body_key(message.id, field), f"{field}.txt", ATTACHMENT_LINK_SECONDS)
            for field in message.stored_bodies
        },
        "created_at": _iso(message.created_at),
        "delivery_status": message.delivery_status,
        "auto_submitted": message.auto_submitted,
    }


def event_view(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "kind": event.kind.value,
        "actor": event.actor,
        "data": event.data,
        "created_at": _iso(event.created_at),
    }


def customer_view(customer: Customer, tickets: list[Ticket]) -> dict[str, Any]:
    return {
        "id": customer.id,
        "name": customer.name,
        "language": customer.language,
        "identities": [{"kind": i.kind.value, "value": i.value} for i in customer.identities],
        "vip": customer.vip,
        "organisation": customer.organisation,
        "tickets": [
            {
                "number": t.number,
                "subject": t.subject,
                "status": t.status.value,
                "channel": t.channel.value,
                "updated_at": _iso(t.updated_at),
            }
            for t in tickets
        ],
        "created_at": _iso(customer.created_at),
    }


def agent_view(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "email": agent.email,
        "name": agent.name,
        "groups": list(agent.groups),
        "role": agent.role,
    }


def group_view(group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name}


def quarantine_view(record: QuarantineRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "received_at": _iso(record.received_at),
        "reason": record.reason,
        "raw_key": record.raw_key,
        "channel": record.channel,
        "sender": record.sender,
        "subject": record.subject,
    }


def presence_fields(profile: AgentProfile) -> dict[str, Any]:
    """An agent's routing profile, as `GET /api/me` adds it to the agent."""
    return {
        "status": profile.status.value,
        "capacity": profile.capacity,
        "open_tickets": profile.open_tickets,
        "languages": sorted(profile.languages),
        "skills": sorted(profile.skills),
        "last_assigned_at": _iso(profile.last_assigned_at),
        "status_changed_at": _iso(profile.status_changed_at),
    }


def presence_view(profile: AgentProfile, offered: list[int] | None = None) -> dict[str, Any]:
    """The answer of `PUT /api/me/status` and `PUT /api/agents/{agent_id}/profile`."""
    return {"agent_id": profile.agent_id, **presence_fields(profile), "offered": list(offered or [])}


def sla_clock_view(clock: TargetClock, now: datetime, calendar: BusinessCalendar) -> dict[str, Any]:
    return {
        "target": clock.target.value,
        "state": clock.state_at(now).value,
        "cycle": clock.cycle,
        "business": clock.business,
        "target_seconds": clock.target_seconds,
        "started_at": _iso(clock.started_at),
        "due_at": _iso(clock.due_at),
        "warn_at": _iso(clock.warn_at),
        "met_at": _iso(clock.met_at),
        # Counted as the target counts (business or calendar time), at the moment of the response.
        "left_seconds": clock.seconds_left(now, calendar),
    }


def sla_view(record: SlaRecord, now: datetime, calendar: BusinessCalendar) -> dict[str, Any] | None:
    """The ticket page's SLA: the policy and every target's latest cycle (None: no policy applies)."""
    if record.policy_id is None:
        return None
    return {
        "policy": {"id": record.policy_id, "name": record.policy_name},
        "targets": [sla_clock_view(clock, now, calendar) for clock in record.clocks],
    }


def sla_badge(record: SlaRecord | None, now: datetime, calendar: BusinessCalendar) -> dict[str, Any] | None:
    """A list row's countdown: the most urgent target not met yet (None: nothing runs)."""
    clock = record.most_urgent() if record is not None else None
    if clock is None:
        return None
    view = sla_clock_view(clock, now, calendar)
    # warn_at: a list colours a badge by the policy's warning threshold, as the ticket page does.
    return {name: view[name] for name in ("target", "state", "due_at", "warn_at", "left_seconds", "business")}
