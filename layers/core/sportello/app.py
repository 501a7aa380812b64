"""The composition root: each part is built on first use, so a function builds only what its path uses.

The webhooks function, for one, touches `webhooks` only: it never builds the ticket service, never
reads the reply-token secret and imports neither the email nor the store modules of the other paths.
Imports of concrete parts (store, adapters, services) happen inside the properties for the same reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from .config import ConfigurationError, Settings, settings
from .names import (
    ENV_INBOUND_QUEUE_URL,
    ENV_NOTIFICATION_TOPIC_ARN,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_REPLY_TOKEN_SECRET,
    ENV_REPLY_TOKEN_SECRET_NAME,
    ENV_ROUTING_STATE_MACHINE_ARN,
)
from .tickets.model import Channel
from .tickets.ports import OutboundChannel

if TYPE_CHECKING:
    from .agents import AgentDirectory
    from .bus import Subscriber, TicketEventConsumer
    from .customers.service import CustomerService
    from .email.tokens import ReplyTokens
    from .intake.email import EmailReceiver
    from .intake.messaging import MessagingDesk, WebhookIntake
    from .intake.web import WebDesk
    from .outbound.messaging import ReplyDelivery
    from .ports import BlobStore, MailTransport, Metrics, WorkQueue
    from .providers.registry import ProviderRegistry
    from .providers.webhook import ProviderApis, SecretStore
    from .quarantine import Quarantine
    from .routing.automations import AutomationSweep
    from .routing.offers import Offers
    from .routing.ports import AgentPresence, Notifier, RoutingSettings, WorkflowStarter
    from .routing.settings import DeskRules
    from .routing.workflow import RoutingWorkflow
    from .sla.ports import SlaSettings
    from .sla.service import SlaService
    from .tickets.ports import TicketRepository
    from .tickets.service import TicketService


class Unconfigured:
    """Stands where a function has no ARN configured for a part it should not use: using it is a
    deployment error, raised where it happens rather than at cold start."""

    def __init__(self, variable: str) -> None:
        self._variable = variable

    def send(self, body: Mapping[str, Any]) -> None:
        raise ConfigurationError(f"{self._variable} is not set for this function")

    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        raise ConfigurationError(f"{self._variable} is not set for this function")

    def notify(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        raise ConfigurationError(f"{self._variable} is not set for this function")


class LazyChannels(Mapping[Channel, OutboundChannel]):
    """The outbound channel of each ticket channel, each built the first time a reply needs it."""

    def __init__(self, factories: Mapping[Channel, Callable[[], OutboundChannel]]) -> None:
        self._factories = factories
        self._built: dict[Channel, OutboundChannel] = {}

    def __getitem__(self, channel: Channel) -> OutboundChannel:
        if channel not in self._built:
            self._built[channel] = self._factories[channel]()
        return self._built[channel]

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)


class Sportello:
    """The desk's services over AWS (or moto). Every attribute is built once per container, when used."""

    def __init__(self, config: Settings) -> None:
        self.settings = config

    # -- the services the entry points call ------------------------------------------------------

    @cached_property
    def tickets(self) -> TicketService:
        from .outbound.chat import ChatOutbound
        from .providers.registry import REPLY_PROVIDER
        from .tickets.bodies import MessageBodies
        from .tickets.service import TicketService

        factories: dict[Channel, Callable[[], OutboundChannel]] = dict.fromkeys(
            REPLY_PROVIDER, lambda: self._messaging_outbound
        )
        factories[Channel.EMAIL] = lambda: self._email_outbound
        factories[Channel.WEB] = lambda: self._email_outbound  # the web form asks for an email address
        factories[Channel.CHAT] = ChatOutbound
        return TicketService(
            self._ticket_repo,
            self.customers,
            LazyChannels(factories),
            bodies=MessageBodies(self.blobs),
            metrics=self.metrics,
        )

    @cached_property
    def customers(self) -> CustomerService:
        from .customers.service import CustomerService
        from .store.customers import DynamoCustomerRepository

        return CustomerService(DynamoCustomerRepository())

    @cached_property
    def directory(self) -> AgentDirectory:
        from .agents import AgentDirectory
        from .store.agents import DynamoAgentRepository

        return AgentDirectory(DynamoAgentRepository())

    @cached_property
    def quarantine(self) -> Quarantine:
        from .metrics import CountedQuarantine
        from .store.quarantine import DynamoQuarantine

        return CountedQuarantine(DynamoQuarantine(), self.metrics)

    @cached_property
    def email(self) -> EmailReceiver:
        from .intake.email import EmailReceiver

        return EmailReceiver(
            self.tickets,
            self.quarantine,
            self.blobs,
            self._reply_tokens,
            (self.settings.support_address,),
            metrics=self.metrics,
        )

    @cached_property
    def webhooks(self) -> WebhookIntake:
        from .intake.messaging import WebhookIntake

        inbound_queue = _queue(self.settings.inbound_queue_url, ENV_INBOUND_QUEUE_URL)
        return WebhookIntake(self.blobs, inbound_queue, self._registry, self._provider_secrets)

    @cached_property
    def messaging(self) -> MessagingDesk:
        from .intake.messaging import MessagingDesk

        return MessagingDesk(
            self.tickets,
            self.customers,
            self.quarantine,
            self.blobs,
            self._registry,
            self._provider_apis,
            self._provider_secrets,
            metrics=self.metrics,
        )

    @cached_property
    def delivery(self) -> ReplyDelivery:
        from .outbound.messaging import ReplyDelivery

        return ReplyDelivery(self.tickets, self._provider_apis, self._provider_secrets)

    @cached_property
    def web(self) -> WebDesk:
        from .intake.web import ChatTokens, WebDesk
        from .store.ratelimit import DynamoRateLimiter

        return WebDesk(self.tickets, self.blobs, DynamoRateLimiter(), ChatTokens(self._reply_secret))

    @cached_property
    def ticket_events(self) -> TicketEventConsumer:
        """The stream's consumer: each ticket event to its subscribers. A new subscriber is one more entry."""
        from .activity import LastActivity
        from .bus import Dispatcher, TicketEventConsumer
        from .routing.subscribers import LoadKeeper, RoutingStarter
        from .sla.subscribers import SlaClocks
        from .store.processed import ProcessedEventsTable
        from .store.tickets import DynamoTicketRepository

        subscribers: list[Subscriber] = [
            LastActivity(DynamoTicketRepository()),
            RoutingStarter(self._workflow_starter),
            # Each agent's open-ticket count follows assignee and status changes, whoever made them.
            LoadKeeper(self.tickets, self.presence, self.offers),
            SlaClocks(self.sla),
        ]
        return TicketEventConsumer(Dispatcher(subscribers, ProcessedEventsTable()), self.quarantine)

    @cached_property
    def routing(self) -> RoutingWorkflow:
        """The routing workflow's steps (the routing function runs one per invocation)."""
        from .routing.workflow import RoutingWorkflow

        return RoutingWorkflow(
            self.tickets,
            self.customers,
            self.routing_settings,
            self.presence,
            self._notifier,
            self.settings.desk_name,
        )

    @cached_property
    def routing_settings(self) -> RoutingSettings:
        """Rules, groups, classification and calendar, as admins set them."""
        from .store.routing import DynamoRoutingSettings

        return DynamoRoutingSettings()

    @cached_property
    def desk_rules(self) -> DeskRules:
        """The desk's triggers and automations (the built-ins included), as the admin API manages them."""
        from .routing.settings import DeskRules

        return DeskRules(self.routing_settings)

    @cached_property
    def metrics(self) -> Metrics:
        """Counts written as CloudWatch embedded metric format when each invocation ends (no API call)."""
        from .adapters.metrics import EMF_METRICS

        return EMF_METRICS

    @cached_property
    def presence(self) -> AgentPresence:
        """Each agent's status, capacity and open-ticket count (routing's assignment reads and takes it)."""
        from .store.presence import DynamoAgentPresence

        return DynamoAgentPresence()

    @cached_property
    def offers(self) -> Offers:
        """Waiting tickets offered to an agent who comes online or frees capacity."""
        from .routing.offers import Offers
        from .store.agents import DynamoAgentRepository

        agents = DynamoAgentRepository()

        def name(agent_id: str) -> str:
            agent = agents.get(agent_id)
            return agent.name if agent else agent_id

        return Offers(self.tickets, self.presence, self.routing_settings, name)

    @cached_property
    def automations(self) -> AutomationSweep:
        """The hourly sweep of the time rules (functions/automations)."""
        from .routing.automations import AutomationSweep

        return AutomationSweep(
            self.tickets,
            self._ticket_repo,
            self.customers,
            self.routing_settings,
            self._notifier,
            self.settings.desk_name,
        )

    @cached_property
    def sla(self) -> SlaService:
        """SLA clocks (rebuilt on ticket events), the per-minute sweep, and what the API shows of them."""
        from .sla.service import SlaService
        from .store.sla import DynamoSlaBook

        return SlaService(
            self.tickets,
            self.customers,
            self.sla_settings,
            DynamoSlaBook(),
            self._notifier,
            self.settings.desk_name,
        )

    @cached_property
    def sla_settings(self) -> SlaSettings:
        from .store.sla import DynamoSlaSettings

        return DynamoSlaSettings()

    @cached_property
    def blobs(self) -> BlobStore:
        from .adapters.s3 import S3BlobStore

        return S3BlobStore(self.settings.data_bucket)

    # -- parts of the above ----------------------------------------------------------------------

    @cached_property
    def _ticket_repo(self) -> TicketRepository:
        from .store.tickets import DynamoTicketRepository

        return DynamoTicketRepository()

    @cached_property
    def _registry(self) -> ProviderRegistry:
        from .providers.registry import ProviderRegistry

        return ProviderRegistry()

    @cached_property
    def _provider_apis(self) -> ProviderApis:
        from .adapters.providers import HttpProviderApis

        # Locally one fake server answers for every provider's API; in AWS each client's own host.
        return HttpProviderApis(self.settings.provider_api_base)

    @cached_property
    def _provider_secrets(self) -> SecretStore:
        from .adapters.provider_secrets import JsonSecretStore, SecretsManagerStore

        if self.settings.provider_secrets_json:
            return JsonSecretStore(json.loads(self.settings.provider_secrets_json))
        if self.settings.provider_secrets_name:
            return SecretsManagerStore(self.settings.provider_secrets_name)
        return JsonSecretStore({})

    @cached_property
    def _reply_secret(self) -> str:
        """Read where it is used (reply addresses, chat sessions), so other functions need no grant."""
        if self.settings.reply_token_secret_value:
            return self.settings.reply_token_secret_value
        if self.settings.reply_token_secret_name:
            from .adapters.secrets import secret_value

            return secret_value(self.settings.reply_token_secret_name)
        raise ConfigurationError(f"set {ENV_REPLY_TOKEN_SECRET_NAME} (or {ENV_REPLY_TOKEN_SECRET} locally)")

    @cached_property
    def _reply_tokens(self) -> ReplyTokens:
        from .email.tokens import ReplyTokens

        return ReplyTokens(self._reply_secret, self.settings.mail_domain)

    @cached_property
    def _mail(self) -> MailTransport:
        from .adapters.ses import SesMailTransport

        return SesMailTransport()

    @cached_property
    def _email_outbound(self) -> OutboundChannel:
        from .outbound.email import EmailOutbound

        config = self.settings
        return EmailOutbound(
            self._mail,
            self.tickets.remember_outbound_ref,
            self._reply_tokens,
            config.desk_name,
            config.support_address,
            config.mail_domain,
        )

    @cached_property
    def _workflow_starter(self) -> WorkflowStarter:
        arn = self.settings.routing_state_machine_arn
        if not arn:
            return Unconfigured(ENV_ROUTING_STATE_MACHINE_ARN)
        from .adapters.stepfunctions import StepFunctionsStarter

        return StepFunctionsStarter(arn)

    @cached_property
    def _notifier(self) -> Notifier:
        arn = self.settings.notification_topic_arn
        if not arn:
            return Unconfigured(ENV_NOTIFICATION_TOPIC_ARN)
        from .adapters.sns import SnsNotifier

        return SnsNotifier(arn)

    @cached_property
    def _messaging_outbound(self) -> OutboundChannel:
        from .outbound.messaging import MessagingOutbound

        outbound_queue = _queue(self.settings.outbound_queue_url, ENV_OUTBOUND_QUEUE_URL)
        return MessagingOutbound(outbound_queue, self._registry, self._ticket_repo.message_key)


def _queue(url: str | None, variable: str) -> WorkQueue:
    if not url:
        return Unconfigured(variable)
    from .adapters.sqs import SqsWorkQueue

    return SqsWorkQueue(url)


@lru_cache(maxsize=1)
def sportello() -> Sportello:
    """The instance the Lambda handlers use (and the local cloud, against moto)."""
    return Sportello(settings())
