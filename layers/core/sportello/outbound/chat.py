"""Agents' replies in the chat widget: nothing to send, the widget fetches the conversation."""

from __future__ import annotations

from ..tickets.model import Message, Ticket
from ..tickets.ports import Delivery


class ChatOutbound:
    """Agents' chat replies need no sending: the widget fetches the conversation."""

    sends_at_once = False

    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        return Delivery(external_id=message.id, status="sent")

    def send_acknowledgement(self, ticket: Ticket, first_message: Message) -> Delivery | None:
        return None
