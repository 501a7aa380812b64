"""What sends an agent's reply, or our acknowledgement, back on a ticket's channel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..tickets.model import Message, Ticket


@dataclass(frozen=True)
class Delivery:
    external_id: str | None  # the channel's id for the sent message (None while it waits in a queue)
    status: str = "sent"


class OutboundChannel(Protocol):
    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        """Sends a public agent message; `thread` is the conversation before it, oldest first."""
        ...

    def send_acknowledgement(self, ticket: Ticket, first_message: Message) -> Delivery | None:
        """Tells the customer we received their request; None when the channel needs none."""
        ...


class UnsupportedChannelError(Exception):
    """No outbound adapter is configured for the ticket's channel."""
