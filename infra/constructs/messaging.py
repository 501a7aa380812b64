"""Messaging channels (WhatsApp, Telegram, Slack, …): webhook intake, two work queues, their consumers.

    provider ──► HTTP API /webhooks/{provider} (public) ──► λ webhooks: verify, store the raw body under
    webhooks/<provider>/<sha256>, enqueue ──► sportello-inbound ──► λ webhook_processor: tickets,
    media under attachments/ ──(5 receives)──► sportello-inbound-dlq
    agent reply (λ agent_api) ──► sportello-outbound ──► λ outbound: provider APIs ──► sportello-outbound-dlq

The queues have fixed names (`infra/constants.py`) so that `make replay` and the local cloud find them by
name; one Sportello stack per account and region. Provider credentials live in one Secrets Manager secret,
`{"whatsapp": {...}, "telegram": {...}, …}`, created empty: the operator fills it in after deploying. Each
function gets the variables and grants it uses; the agent API queues replies through `allow_replies_from`.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, SecretValue
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constants import (
    DLQ_SUFFIX,
    INBOUND_QUEUE,
    OUTBOUND_FUNCTION,
    OUTBOUND_QUEUE,
    QUEUE_MAX_RECEIVES,
    WEBHOOK_PROCESSOR_FUNCTION,
    WEBHOOKS_FUNCTION,
)
from infra.constructs.data import Data
from infra.constructs.functions import SportelloFunction
from infra.constructs.layers import Layers
from infra.constructs.monitoring import Monitoring
from infra.constructs.nag import justify
from infra.constructs.queues import dead_letter_queue
from sportello.names import (
    ENV_INBOUND_QUEUE_URL,
    ENV_OUTBOUND_MAX_RECEIVES,
    ENV_OUTBOUND_QUEUE_URL,
    ENV_PROVIDER_SECRETS_NAME,
)

BATCH_SIZE = 10
# AWS's advice for SQS event sources: a visibility timeout of at least 6x the function's timeout, so a
# batch held by a throttled or retried invocation does not reappear while it is still being worked on.
VISIBILITY_TIMEOUT_FACTOR = 6
# One provider API call, at worst: 3 attempts of 10 s plus backoff (sportello.adapters.http.HttpClient).
PROVIDER_CALL_SECONDS = 32

WEBHOOKS_TIMEOUT = Duration.seconds(10)  # providers give up after a few seconds and retry
# Processing is idempotent (provider message ids): a timed-out batch only redoes work, so no margin for a
# whole batch of slow media downloads is needed (a media download that fails does not fail the message).
PROCESSOR_TIMEOUT = Duration.minutes(2)
PROCESSOR_MEMORY_MB = 1024  # media (documents, videos) are held in memory on their way to S3
# Sending is not idempotent: a batch that times out comes back whole and would resend the replies that
# already went out, so the timeout covers a full batch of worst-case provider calls.
OUTBOUND_TIMEOUT = Duration.seconds(BATCH_SIZE * PROVIDER_CALL_SECONDS + 40)


class WorkQueue(Construct):
    """A queue named `name` and its dead-letter queue `<name>-dlq`, both encrypted and TLS-only."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, consumer_timeout: Duration) -> None:
        super().__init__(scope, construct_id)
        self.dead_letters = dead_letter_queue(self, "DeadLetters", queue_name=f"{name}{DLQ_SUFFIX}")
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=name,
            visibility_timeout=Duration.seconds(consumer_timeout.to_seconds() * VISIBILITY_TIMEOUT_FACTOR),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letters, max_receive_count=QUEUE_MAX_RECEIVES
            ),
        )

    def consumed_by(self, function: SportelloFunction) -> None:
        """Batches of up to 10; only the records the handler reports as failed return to the queue."""
        function.function.add_event_source(
            event_sources.SqsEventSource(self.queue, batch_size=BATCH_SIZE, report_batch_item_failures=True)
        )


class Messaging(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: Data,
        layers: Layers,
        monitoring: Monitoring,
    ) -> None:
        super().__init__(scope, construct_id)
        self.provider_secret = secretsmanager.Secret(
            self,
            "ProviderSecrets",
            description=(
                'Sportello: messaging providers\' credentials, {"whatsapp": {...}, "telegram": {...}, ...}; '
                "created empty, fill it in"
            ),
            # A placeholder, not a secret: CloudFormation writes it once and never again, since it does not
            # change, so the operator's value survives later deploys.
            secret_string_value=SecretValue.unsafe_plain_text("{}"),
            removal_policy=RemovalPolicy.RETAIN,
        )
        justify(
            self.provider_secret,
            "SMG4",
            "Third-party credentials (API tokens, signing keys) are rotated at each provider, then pasted in",
        )
        self.inbound = WorkQueue(self, "InboundQueue", name=INBOUND_QUEUE, consumer_timeout=PROCESSOR_TIMEOUT)
        self.outbound = WorkQueue(
            self, "OutboundQueue", name=OUTBOUND_QUEUE, consumer_timeout=OUTBOUND_TIMEOUT
        )
        self._layers = layers
        self.webhooks = self._webhooks(data)
        self.webhook_processor = self._webhook_processor(data)
        self.outbound_sender = self._outbound_sender(data)
        # None of the three signs or verifies a reply address, nor sends mail: no reply-token secret here.
        self._alarms(monitoring)

    def allow_replies_from(self, function: SportelloFunction) -> None:
        """Lets a function queue agents' replies on messaging channels (the agent API)."""
        self.outbound.queue.grant_send_messages(function.role)
        function.add_environment({ENV_OUTBOUND_QUEUE_URL: self.outbound.queue.queue_url})

    def _function(
        self,
        construct_id: str,
        *,
        name: str,
        description: str,
        timeout: Duration,
        environment: dict[str, str],
        memory_size: int = 512,
    ) -> SportelloFunction:
        """A function that talks to providers: each one verifies, fetches or sends with their credentials."""
        function = SportelloFunction(
            self,
            construct_id,
            name=name,
            description=description,
            layers=self._layers,
            environment={ENV_PROVIDER_SECRETS_NAME: self.provider_secret.secret_name, **environment},
            timeout=timeout,
            memory_size=memory_size,
        )
        self.provider_secret.grant_read(function.role)
        return function

    def _webhooks(self, data: Data) -> SportelloFunction:
        function = self._function(
            "Webhooks",
            name=WEBHOOKS_FUNCTION,
            description="verifies provider webhooks, keeps the raw body and queues it",
            timeout=WEBHOOKS_TIMEOUT,
            environment={**data.bucket_environment, ENV_INBOUND_QUEUE_URL: self.inbound.queue.queue_url},
        )
        # Public and unauthenticated until the signature is checked: it may only keep and queue.
        data.grant_webhooks_put(function.role)
        self.inbound.queue.grant_send_messages(function.role)
        return function

    def _webhook_processor(self, data: Data) -> SportelloFunction:
        function = self._function(
            "WebhookProcessor",
            name=WEBHOOK_PROCESSOR_FUNCTION,
            description="turns queued webhook deliveries into tickets, messages and events",
            timeout=PROCESSOR_TIMEOUT,
            environment={**data.table_environment, **data.bucket_environment},
            memory_size=PROCESSOR_MEMORY_MB,
        )
        data.grant_webhooks_read(function.role)
        data.grant_message_files_put(function.role)
        data.grant_table_read_write(function.role)
        self.inbound.consumed_by(function)
        return function

    def _outbound_sender(self, data: Data) -> SportelloFunction:
        function = self._function(
            "Outbound",
            name=OUTBOUND_FUNCTION,
            description="sends agents' queued replies through the providers' APIs",
            timeout=OUTBOUND_TIMEOUT,
            environment={
                **data.table_environment,
                # The handler treats the last receive before the dead-letter queue as final: it must agree.
                ENV_OUTBOUND_MAX_RECEIVES: str(QUEUE_MAX_RECEIVES),
            },
        )
        data.grant_table_read_write(function.role)
        self.outbound.consumed_by(function)
        return function

    def _alarms(self, monitoring: Monitoring) -> None:
        monitoring.alarm_on_dead_letters(
            "InboundDeadLetters", self.inbound.dead_letters, "a provider webhook delivery"
        )
        monitoring.alarm_on_dead_letters(
            "OutboundDeadLetters", self.outbound.dead_letters, "an agent's reply on a messaging channel"
        )
        # A failing intake answers 5xx: providers retry for a while, some (Twilio) hardly at all.
        monitoring.alarm_on_errors("WebhooksErrors", self.webhooks.function, threshold=1)
