"""Builders shared by the intake unit tests: a desk wired on the in-memory fakes, mails, webhooks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from sportello.agents import Agent
from sportello.customers.model import Identity
from sportello.customers.service import CustomerService
from sportello.email.tokens import ReplyTokens
from sportello.intake.email import EmailReceiver, Report, Result, Verdicts
from sportello.intake.messaging import MessagingDesk, ProcessReport, WebhookIntake
from sportello.providers.meta import signature_for
from sportello.providers.registry import ProviderRegistry
from sportello.providers.telegram import SECRET_HEADER
from sportello.providers.webhook import (
    FetchedMedia,
    MediaRef,
    OutboundText,
    ProviderApi,
    ProviderHttpError,
    ProviderSecrets,
    WebhookRequest,
)
from sportello.tickets.events import EventKind
from sportello.tickets.inbound import InboundMessage
from sportello.tickets.model import Channel, Message
from sportello.tickets.ports import OutboundChannel
from sportello.tickets.service import Receipt, TicketService
from tests.conftest import CORPUS, TEST_PROVIDER_SECRETS
from tests.fakes import (
    FakeProviderApis,
    FixedSecrets,
    InMemoryBlobStore,
    InMemoryCustomerRepository,
    InMemoryQuarantine,
    InMemoryTicketRepository,
    RecordingOutboundChannel,
    RecordingProviderApi,
    RecordingQueue,
)

SUPPORT = "support@desk.example.com"
MAIL_DOMAIN = "desk.example.com"
WEBHOOKS = CORPUS / "webhooks"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Agent(id="agent-1", email="anna@desk.example.com", name="Anna")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Desk:
    """A real TicketService over the in-memory repositories; `channels` replace the recording outbound."""

    clock: Clock = field(default_factory=Clock)
    repo: InMemoryTicketRepository = field(default_factory=InMemoryTicketRepository)
    customer_repo: InMemoryCustomerRepository = field(default_factory=InMemoryCustomerRepository)
    outbound: RecordingOutboundChannel = field(default_factory=RecordingOutboundChannel)
    channels: dict[Channel, OutboundChannel] = field(default_factory=dict)
    routed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.repo.customers = self.customer_repo  # one desk, one table: customers written with tickets
        self.customers = CustomerService(self.customer_repo)
        routes: dict[Channel, OutboundChannel] = dict.fromkeys(Channel, self.outbound)
        self.service = TicketService(self.repo, self.customers, routes | self.channels, self.clock)

    def route(self) -> None:
        """What the table's stream and the routing workflow do after an intake: the built-in triggers
        (the acknowledgement) run once for each ticket created since the last call."""
        from sportello.routing.workflow import RoutingWorkflow, state_for
        from tests.fakes import InMemoryAgentPresence, InMemoryRoutingSettings, RecordingNotifier

        workflow = RoutingWorkflow(
            self.service,
            self.customers,
            InMemoryRoutingSettings(),
            InMemoryAgentPresence(),
            RecordingNotifier(),
        )
        for number in sorted(self.repo.tickets):
            for event in self.events(number, EventKind.TICKET_CREATED):
                state = state_for(event)
                if state is not None and event.id not in self.routed:
                    self.routed.add(event.id)
                    workflow.triggers(state)

    def events(self, number: int, kind: EventKind) -> list[Any]:
        return [event for event in self.repo.history(number).events if event.kind is kind]

    def messages(self, number: int) -> list[Message]:
        return self.repo.history(number).messages

    def receive(self, channel: Channel, identity: Identity, text: str, ref: str, **fields: Any) -> Receipt:
        """A customer message straight into the ticket service (the intake under test is elsewhere)."""
        inbound = InboundMessage(
            id=ref.replace(":", "-"),
            channel=channel,
            identity=identity,
            sender_name=identity.value,
            subject=text,
            text=text,
            full_text=text,
            received_at=self.clock(),
            external_ids=(ref,),
            **fields,
        )
        return self.service.receive(inbound)


# --- mail ----------------------------------------------------------------------------------------------


def compose(
    sender: str = "Mario Rossi <mario@example.org>",
    subject: str = "Cannot log in",
    body: str = "Hi, I cannot log in to my account since yesterday. Can you help me?",
    **headers: str,
) -> EmailMessage:
    """A plain mail to support; extra headers by name with dashes as underscores (In_Reply_To=…)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = headers.pop("To", SUPPORT)
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="example.org")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return mail


def message_id(mail: EmailMessage) -> str:
    return str(mail["Message-ID"]).strip("<>")


PASS = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")
SES_BOUNCE = CORPUS / "email" / "sisimai_set-of-emails" / "bsd_LF" / "lhost-amazonses-05.eml"
SES_BOUNCED_ID = "01010157b3c0c026-110cf920-4be1-4c36-87c0-1f48d0cc6639-000000@us-west-2.amazonses.com"


class Mailbox:
    """The receiver on the fakes; `deliver` keeps the raw mail under inbound/<id> as SES does."""

    def __init__(self) -> None:
        self.desk = Desk()
        self.blobs = InMemoryBlobStore()
        self.quarantine = InMemoryQuarantine()
        self.tokens = ReplyTokens("test-reply-secret", MAIL_DOMAIN)
        self.receiver = EmailReceiver(
            self.desk.service, self.quarantine, self.blobs, self.tokens, (SUPPORT,), self.desk.clock
        )
        self._count = 0

    def deliver(
        self, mail: EmailMessage | bytes, verdicts: Verdicts = PASS, ses_id: str | None = None
    ) -> Report:
        self._count += 1
        key = f"inbound/{ses_id or f'ses-{self._count}'}"
        self.blobs.put(key, mail if isinstance(mail, bytes) else bytes(mail), "message/rfc822")
        report = self.receiver.receive(key, verdicts)
        self.desk.route()
        return report

    def open_ticket(self, sender: str = "Mario Rossi <mario@example.org>") -> tuple[int, EmailMessage]:
        first = compose(sender=sender)
        report = self.deliver(first)
        assert report.result is Result.TICKET_CREATED and report.ticket_number is not None
        return report.ticket_number, first


# --- webhooks ------------------------------------------------------------------------------------------

SECRETS = ProviderSecrets(dict(TEST_PROVIDER_SECRETS))
WHATSAPP_SENDER = "+972987654321"  # the corpus' wa_id, in E.164
TELEGRAM_CHAT = "1111111"


def corpus_json(relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((WEBHOOKS / relative).read_text())
    return loaded


def whatsapp_value(payload: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]
    return value


def whatsapp_message(
    kind: str = "text", message_id: str = "wamid.in1", at: datetime = START
) -> dict[str, Any]:
    """A corpus WhatsApp message (`message__<kind>.json`) with our id and time."""
    payload = corpus_json(f"whatsapp_cloud/split/message__{kind}.json")
    whatsapp_value(payload)["messages"][0].update({"id": message_id, "timestamp": str(int(at.timestamp()))})
    return payload


def whatsapp_text(text: str, message_id: str = "wamid.in1", at: datetime = START) -> dict[str, Any]:
    payload = whatsapp_message("text", message_id, at)
    whatsapp_value(payload)["messages"][0]["text"]["body"] = text
    return payload


def whatsapp_status(state: str, message_id: str, at: datetime = START) -> dict[str, Any]:
    payload = corpus_json(f"whatsapp_cloud/split/message_status__{state}.json")
    whatsapp_value(payload)["statuses"][0].update({"id": message_id, "timestamp": str(int(at.timestamp()))})
    return payload


def telegram_text(text: str, message_id: int = 1365, at: datetime = START) -> dict[str, Any]:
    payload = corpus_json("telegram/tgdocs_01_message_text_start.json")
    payload["update_id"] = 10000 + message_id
    payload["message"].update({"text": text, "message_id": message_id, "date": int(at.timestamp())})
    return payload


def telegram_edit(text: str, message_id: int = 1365) -> dict[str, Any]:
    payload = corpus_json("telegram/tgdocs_05_edited_message.json")
    payload["edited_message"].update({"text": text, "message_id": message_id})
    return payload


def signed(provider: str, payload: dict[str, Any] | bytes, *, secret: str | None = None) -> WebhookRequest:
    """A POST as the provider signs it (Meta's HMAC header, Telegram's secret token)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"content-type": "application/json"}
    if provider == "telegram":
        headers[SECRET_HEADER.lower()] = secret or SECRETS.values["secret_token"]
    else:
        headers["x-hub-signature-256"] = signature_for(body, secret or SECRETS.values["app_secret"])
    return WebhookRequest("POST", f"https://{MAIL_DOMAIN}/webhooks/{provider}", headers, {}, body)


@dataclass
class FailingProviderApi:
    """A provider API answering every call with one HTTP error (status 0: no answer at all)."""

    status: int = 500
    calls: int = 0

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        self.calls += 1
        raise ProviderHttpError(self.status, "provider error", "https://provider.example/send")

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        self.calls += 1
        raise ProviderHttpError(self.status, "provider error", "https://provider.example/media")


class Webhooks:
    """The webhook endpoint and the inbound queue's consumer, on the fakes."""

    def __init__(self, api: ProviderApi | None = None, desk: Desk | None = None) -> None:
        self.desk = desk or Desk()
        self.blobs = InMemoryBlobStore()
        self.queue = RecordingQueue()
        self.quarantine = InMemoryQuarantine()
        secrets = FixedSecrets(SECRETS.values)
        registry = ProviderRegistry()
        self.intake = WebhookIntake(self.blobs, self.queue, registry, secrets, self.desk.clock)
        self.processor = MessagingDesk(
            self.desk.service,
            self.desk.customers,
            self.quarantine,
            self.blobs,
            registry,
            FakeProviderApis(api or RecordingProviderApi()),
            secrets,
            self.desk.clock,
        )

    def post(self, provider: str, payload: dict[str, Any] | bytes) -> ProcessReport:
        """Delivers a signed webhook, then processes the job it queued."""
        self.intake.accept(provider, signed(provider, payload))
        return self.processor.process(self.queue.sent[-1])

    def agent_reply(self, number: int, external_id: str) -> str:
        """An agent's public reply on `number`, sent with the provider id `external_id`; its message key."""
        message, _ = self.desk.service.reply(number, AGENT, "We are on it", public=True)
        key = self.desk.repo.message_key(message)
        self.desk.service.remember_outbound_ref(f"whatsapp:{external_id}", number, key)
        return key
