"""The composition root: wires repositories, adapters and services once per container."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .api.identity import AgentDirectory
from .config import ConfigurationError, Settings, settings
from .customers.service import CustomerService
from .email.outbound import EmailOutbound
from .email.receive import EmailReceiver
from .email.tokens import ReplyTokens
from .ports import BlobStore, MailTransport
from .store.agents import AgentRepository
from .store.customers import CustomerRepository
from .store.quarantine import QuarantineRepository
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
    blobs: BlobStore


def _reply_secret(config: Settings) -> str:
    if config.reply_token_secret_value:
        return config.reply_token_secret_value
    if config.reply_token_secret_name:
        from .adapters.secrets import secret_value

        return secret_value(config.reply_token_secret_name)
    raise ConfigurationError("set REPLY_TOKEN_SECRET_NAME (or REPLY_TOKEN_SECRET locally)")


def build(config: Settings, blobs: BlobStore, transport: MailTransport) -> Sportello:
    ticket_repo = TicketRepository()
    customer_repo = CustomerRepository()
    quarantine = QuarantineRepository()
    tokens = ReplyTokens(_reply_secret(config), config.mail_domain)
    customers = CustomerService(customer_repo)
    email_out = EmailOutbound(
        transport, ticket_repo, tokens, config.desk_name, config.support_address, config.mail_domain
    )
    tickets = TicketService(ticket_repo, customers, {Channel.EMAIL: email_out})
    receiver = EmailReceiver(
        tickets, ticket_repo, customer_repo, quarantine, blobs, tokens, (config.support_address,)
    )
    agents = AgentRepository()
    return Sportello(config, tickets, customers, agents, AgentDirectory(agents), quarantine, receiver, blobs)


@lru_cache(maxsize=1)
def sportello() -> Sportello:
    """The AWS-backed instance used by the Lambda handlers (and the local cloud, against moto)."""
    from .adapters.s3 import S3BlobStore
    from .adapters.ses import SesMailTransport

    config = settings()
    return build(config, S3BlobStore(config.data_bucket), SesMailTransport())
