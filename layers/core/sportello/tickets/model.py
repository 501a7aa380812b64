"""Ticket and message values: plain data, no storage concerns (events: `tickets/events.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    ON_HOLD = "on-hold"
    SOLVED = "solved"
    CLOSED = "closed"

    @property
    def is_active(self) -> bool:
        return self not in (Status.SOLVED, Status.CLOSED)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketType(StrEnum):
    QUESTION = "question"
    INCIDENT = "incident"
    PROBLEM = "problem"
    TASK = "task"


class Channel(StrEnum):
    EMAIL = "email"
    WHATSAPP = "whatsapp"
    MESSENGER = "messenger"
    INSTAGRAM = "instagram"
    TELEGRAM = "telegram"
    SLACK = "slack"
    SMS = "sms"
    VOICE = "voice"
    WEB = "web"
    CHAT = "chat"


class AuthorType(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


@dataclass(frozen=True)
class Requester:
    id: str
    name: str
    email: str | None


@dataclass(frozen=True)
class AttachmentRef:
    id: str
    filename: str
    content_type: str
    size: int
    key: str
    content_id: str | None = None
    inline: bool = False


@dataclass
class Ticket:
    number: int
    subject: str
    status: Status
    priority: Priority
    channel: Channel
    requester: Requester
    language: str
    created_at: datetime
    updated_at: datetime
    type: TicketType | None = None
    tags: list[str] = field(default_factory=list)
    group: str | None = None
    assignee: str | None = None
    custom_fields: dict[str, Any] = field(default_factory=dict)
    first_reply_at: datetime | None = None
    solved_at: datetime | None = None
    # Where replies go on a messaging channel (chat id, PSID, phone number); None for email.
    channel_address: str | None = None
    version: int = 0
    last_activity_at: datetime | None = None


@dataclass(frozen=True)
class Message:
    id: str
    ticket_number: int
    author_type: AuthorType
    author_id: str | None
    author_name: str
    public: bool
    channel: Channel
    text: str
    full_text: str
    created_at: datetime
    html: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    external_id: str | None = None
    delivery_status: str | None = None
    auto_submitted: str | None = None
    # Bodies (text, full_text, html) kept whole in the blob store; the fields hold a preview (bodies.py).
    stored_bodies: tuple[str, ...] = ()
    # Attachments the sender sent beyond what a message keeps: counted, not stored.
    omitted_attachments: int = 0
