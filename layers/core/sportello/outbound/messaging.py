"""Agents' replies on messaging channels: checked and queued at once, sent by the queue's consumer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from ..clock import utc_now
from ..errors import InvalidRequestError
from ..ports import WorkQueue
from ..providers.registry import ProviderRegistry
from ..providers.webhook import OutboundText, ProviderApis, ProviderHttpError, SecretStore, provider_ref
from ..providers.whatsapp import customer_service_window_open
from ..tickets.model import AuthorType, Channel, Message, Ticket
from ..tickets.ports import Delivery, MessageRef
from ..tickets.service import TicketService


class MessagingOutbound:
    """The `OutboundChannel` of every messaging channel: replies leave through a queue."""

    sends_at_once = False

    def __init__(
        self,
        outbound_queue: WorkQueue,
        registry: ProviderRegistry,
        message_key: Callable[[Message], str],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._outbound_queue = outbound_queue
        self._registry = registry
        self._message_key = message_key
        self._clock = clock

    def send_acknowledgement(self, ticket: Ticket, first_message: Message) -> Delivery | None:
        return None  # chats answer in seconds; an automatic "we got it" would only be noise

    def send_reply(self, ticket: Ticket, message: Message, thread: list[Message]) -> Delivery:
        """Checks the channel's rules now (so the agent hears at once), then queues the send."""
        provider = self._registry.reply_provider(ticket.channel)
        if provider is None or not ticket.channel_address:
            raise InvalidRequestError(
                f"ticket #{ticket.number} has no {ticket.channel.value} address to reply to"
            )
        if ticket.channel is Channel.WHATSAPP:
            # The window is the customer's WhatsApp conversation: their messages on other channels of the
            # same ticket (a call, a Telegram chat) do not open it, and neither do ours.
            last = max(
                (
                    m.created_at
                    for m in thread
                    if m.author_type is AuthorType.CUSTOMER and m.channel is Channel.WHATSAPP
                ),
                default=None,
            )
            if not customer_service_window_open(last, self._clock()):
                raise InvalidRequestError(
                    "WhatsApp allows free-form replies only within 24 hours of the customer's last message; "
                    "send an approved template instead"
                )
        self._outbound_queue.send(
            {
                "provider": provider,
                "ticket": ticket.number,
                "message_sk": self._message_key(message),
                "conversation": ticket.channel_address,
                "text": message.text,
            }
        )
        return Delivery(external_id=None, status="queued")


class ReplyDelivery:
    """The outbound queue's consumer: sends a queued reply through the provider's API."""

    def __init__(
        self,
        tickets: TicketService,
        apis: ProviderApis,
        secrets: SecretStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tickets = tickets
        self._apis = apis
        self._secrets = secrets
        self._clock = clock

    def deliver(self, job: Mapping[str, Any], final_attempt: bool) -> str:
        """Sends one queued reply. A retryable failure raises (the queue retries) until the last try."""
        provider = str(job["provider"])
        queued = MessageRef(int(job["ticket"]), str(job["message_sk"]), "outbound")
        api = self._apis.api(provider)
        try:
            external_id = api.send(
                OutboundText(str(job["conversation"]), str(job["text"])), self._secrets.secrets_for(provider)
            )
        except ProviderHttpError as error:
            if error.retryable and not final_attempt:
                raise
            self._tickets.record_delivery(queued, "failed", self._clock(), error=f"{provider}: {error}")
            return "failed"
        ref = provider_ref(provider, external_id)
        self._tickets.remember_outbound_ref(ref, queued.ticket_number, queued.message_key)
        self._tickets.record_delivery(queued, "sent", self._clock(), external_id=external_id)
        return "sent"
