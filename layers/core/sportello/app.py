"""The composition root: wires repositories, adapters and services once per container."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .api.identity import AgentDirectory
from .channels.messaging import MessagingDesk, MessagingOutbound
from .channels.outbound import OutboundChannel
from .channels.registry import REPLY_PROVIDER, ProviderRegistry, SecretStore
from .channels.web import ChatOutbound, ChatTokens, WebDesk
from .config import ConfigurationError, Settings, settings
from .customers.service import CustomerService
from .email.outbound import EmailOutbound
from .email.receive import EmailReceiver
from .email.tokens import ReplyTokens
from .names import (
    ENV_INBOUND_QUEUE_URL,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_REPLY_TOKEN_SECRET,
    ENV_REPLY_TOKEN_SECRET_NAME,
)
from .ports import BlobStore, MailTransport, WorkQueue
from .store.agents import AgentRepository
from .store.customers import CustomerRepository
from .store.quarantine import QuarantineRepository
from .store.ratelimit import RateLimiter
from .store.tickets import TicketRepository
from .tickets.model import Channel
from .tickets.service import TicketService


@dataclass(frozen=True)
class Sportello:
    settings: Settings
    tickets: TicketService
    customers: CustomerService
    agents: AgentRepository
    directory: AgentDirectory
    quarantine: QuarantineRepository
    email: EmailReceiver
    messaging: MessagingDesk
    outbound: MessagingOutbound
    blobs: BlobStore
    ticket_repo: TicketRepository
    customer_repo: CustomerRepository
    web: WebDesk


@dataclass(frozen=True)
class Adapters:
    blobs: BlobStore
    mail: MailTransport
    inbound_queue: WorkQueue
    outbound_queue: WorkQueue
    provider_secrets: SecretStore


class UnconfiguredQueue:
    """Stands where a function has no queue configured: using it is a deployment error."""

    def __init__(self, variable: str) -> None:
        self._variable = variable

    def send(self, body: Mapping[str, Any]) -> None:
        raise ConfigurationError(f"{self._variable} is not set for this function")


def _reply_secret(config: Settings) -> str:
    if config.reply_token_secret_value:
        return config.reply_token_secret_value
    if config.reply_token_secret_name:
        from .adapters.secrets import secret_value

        return secret_value(config.reply_token_secret_name)
    raise ConfigurationError(f"set {ENV_REPLY_TOKEN_SECRET_NAME} (or {ENV_REPLY_TOKEN_SECRET} locally)")


def build(config: Settings, adapters: Adapters) -> Sportello:
    ticket_repo = TicketRepository()
    customer_repo = CustomerRepository()
    quarantine = QuarantineRepository()
    secret = _reply_secret(config)
    tokens = ReplyTokens(secret, config.mail_domain)
    customers = CustomerService(customer_repo)
    registry = ProviderRegistry(config.provider_api_base)
    email_out = EmailOutbound(
        adapters.mail, ticket_repo, tokens, config.desk_name, config.support_address, config.mail_domain
    )
    messaging_out = MessagingOutbound(
        ticket_repo, adapters.outbound_queue, registry, adapters.provider_secrets
    )
    outbound: dict[Channel, OutboundChannel] = dict.fromkeys(REPLY_PROVIDER, messaging_out)
    outbound[Channel.EMAIL] = email_out
    outbound[Channel.WEB] = email_out  # the web form asks for an email address: answers go there
    outbound[Channel.CHAT] = ChatOutbound()
    tickets = TicketService(ticket_repo, customers, outbound)
    receiver = EmailReceiver(
        tickets, ticket_repo, customer_repo, quarantine, adapters.blobs, tokens, (config.support_address,)
    )
    messaging = MessagingDesk(
        tickets,
        ticket_repo,
        customers,
        quarantine,
        adapters.blobs,
        adapters.inbound_queue,
        registry,
        adapters.provider_secrets,
    )
    agents = AgentRepository()
    return Sportello(
        config,
        tickets,
        customers,
        agents,
        AgentDirectory(agents),
        quarantine,
        receiver,
        messaging,
        messaging_out,
        adapters.blobs,
        ticket_repo,
        customer_repo,
        WebDesk(tickets, adapters.blobs, RateLimiter(), ChatTokens(secret)),
    )


def _queue(url: str | None, variable: str) -> WorkQueue:
    if not url:
        return UnconfiguredQueue(variable)
    from .adapters.sqs import SqsWorkQueue

    return SqsWorkQueue(url)


def _provider_secrets(config: Settings) -> SecretStore:
    from .adapters.provider_secrets import JsonSecretStore, SecretsManagerStore

    if config.provider_secrets_json:
        return JsonSecretStore(json.loads(config.provider_secrets_json))
    if config.provider_secrets_name:
        return SecretsManagerStore(config.provider_secrets_name)
    return JsonSecretStore({})


@lru_cache(maxsize=1)
def sportello() -> Sportello:
    """The AWS-backed instance used by the Lambda handlers (and the local cloud, against moto)."""
    from .adapters.s3 import S3BlobStore
    from .adapters.ses import SesMailTransport

    config = settings()
    adapters = Adapters(
        blobs=S3BlobStore(config.data_bucket),
        mail=SesMailTransport(),
        inbound_queue=_queue(config.inbound_queue_url, ENV_INBOUND_QUEUE_URL),
        outbound_queue=_queue(config.outbound_queue_url, ENV_OUTBOUND_QUEUE_URL),
        provider_secrets=_provider_secrets(config),
    )
    return build(config, adapters)
