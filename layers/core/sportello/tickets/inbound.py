"""The channel-agnostic shape every channel adapter turns its input into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..customers.model import Identity
from ..tickets.model import AttachmentRef, Channel


@dataclass(frozen=True)
class TicketLink:
    """The ticket a message pointed at without the trust to join it; its new ticket records the link."""

    ticket: int
    evidence: str


@dataclass(frozen=True)
class InboundMessage:
    id: str  # our id for the message, chosen before attachments are stored under it
    channel: Channel
    identity: Identity
    sender_name: str
    subject: str
    text: str  # what agents read first: quoted history stripped
    full_text: str
    received_at: datetime
    external_ids: tuple[str, ...]  # provider ids that make processing idempotent (e.g. Message-ID)
    html: str | None = None
    attachments: tuple[AttachmentRef, ...] = ()
    language: str | None = None
    thread_ticket: int | None = None  # the ticket the adapter proved this message answers
    third_party: bool = False  # on `thread_ticket`, written by someone other than its requester
    linked_to: TicketLink | None = None  # a new ticket's link to the one the message pointed at
    auto_submitted: str | None = None  # why this message is automatic; never starts a ticket
    sender_verified: bool = True
    tags: tuple[str, ...] = ()
    channel_address: str | None = None  # where replies go on a messaging channel
    omitted_attachments: int = 0  # attachments the intake counted but did not store
    # A chat: it continues the customer's open conversation on its channel, else opens one.
    continues_conversation: bool = False
