"""Messaging channels end to end: accept a webhook, process its events, deliver agents' replies.

Accepting is quick and keeps everything: verify, store the raw body, enqueue. Processing runs from the
queue, so a failure is retried and finally parked in a dead-letter queue with the raw body still in
S3; provider message ids make it idempotent, so redeliveries (even concurrent ones) create nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..clock import to_iso, utc_now
from ..customers.service import CustomerService
from ..ids import stable_id
from ..metrics import NO_METRICS, ingest_failed
from ..ports import BlobStore, Metrics, WorkQueue
from ..providers.registry import ProviderRegistry
from ..providers.webhook import (
    MALFORMED,
    CallRecord,
    ChannelMessage,
    DeliveryUpdate,
    MessageDeleted,
    MessageEdited,
    PayloadError,
    ProviderApis,
    ProviderHttpError,
    Reaction,
    SecretStore,
    Unsupported,
    WebhookEvent,
    WebhookRequest,
    WebhookResponse,
    provider_ref,
)
from ..quarantine import Quarantine
from ..tickets import events
from ..tickets.inbound import InboundMessage
from ..tickets.model import AttachmentRef, Channel
from ..tickets.service import MAX_ATTACHMENTS_PER_MESSAGE, TicketService
from .keeping import keep_attachment, quarantine_raw

logger = logging.getLogger(__name__)

WEBHOOKS_PREFIX = "webhooks/"
_KEPT_HEADERS = (
    "content-type",
    "x-hub-signature-256",
    "x-slack-signature",
    "x-slack-request-timestamp",
    "x-twilio-signature",
    "x-telegram-bot-api-secret-token",
)


@dataclass(frozen=True)
class ProcessReport:
    provider: str
    outcomes: tuple[str, ...]


class WebhookIntake:
    """The public webhook endpoint: verify, keep the raw body, queue it. Nothing else, so it is quick."""

    def __init__(
        self,
        blobs: BlobStore,
        inbound_queue: WorkQueue,
        registry: ProviderRegistry,
        secrets: SecretStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._blobs = blobs
        self._inbound_queue = inbound_queue
        self._registry = registry
        self._secrets = secrets
        self._clock = clock

    def accept(self, provider: str, request: WebhookRequest) -> WebhookResponse:
        """Verifies and keeps a delivery; VerificationError means 401 and nothing was kept."""
        adapter = self._registry.adapter(provider)
        secrets = self._secrets.secrets_for(provider)
        handshake = adapter.handshake(request, secrets)
        if handshake is not None:
            return handshake
        adapter.verify(request, secrets)
        key = f"{WEBHOOKS_PREFIX}{provider}/{delivery_digest(request.body)}"
        # Stored as opaque bytes: the job keeps the real content type (and some stores, moto among
        # them, mangle form-encoded objects).
        self._blobs.put(key, request.body, "application/octet-stream")
        self._inbound_queue.send(
            {
                "provider": provider,
                "key": key,
                "url": request.url,
                "query": dict(request.query),
                "headers": {k: v for k, v in request.headers.items() if k in _KEPT_HEADERS},
                "received_at": to_iso(self._clock()),
            }
        )
        return adapter.acknowledgement(request)


class MessagingDesk:
    """The inbound queue's consumer: turns each kept delivery into tickets, messages and events."""

    def __init__(
        self,
        tickets: TicketService,
        customers: CustomerService,
        quarantine: Quarantine,
        blobs: BlobStore,
        registry: ProviderRegistry,
        apis: ProviderApis,
        secrets: SecretStore,
        clock: Callable[[], datetime] = utc_now,
        metrics: Metrics = NO_METRICS,
    ) -> None:
        self._metrics = metrics
        self._tickets = tickets
        self._customers = customers
        self._quarantine = quarantine
        self._blobs = blobs
        self._registry = registry
        self._apis = apis
        self._secrets = secrets
        self._clock = clock

    def process(self, job: Mapping[str, Any]) -> ProcessReport:
        """Processes one kept delivery; an error is counted (IngestFailures) and raised, to be retried."""
        try:
            return self._process(job)
        except Exception:
            ingest_failed(self._metrics)
            raise

    def _process(self, job: Mapping[str, Any]) -> ProcessReport:
        provider = str(job["provider"])
        body = self._blobs.get(str(job["key"]))
        request = WebhookRequest("POST", str(job["url"]), dict(job["headers"]), dict(job["query"]), body)
        adapter = self._registry.adapter(provider)
        try:
            events = adapter.parse(request)
        except PayloadError as error:
            reason = f"unreadable {provider} payload: {error}"
            quarantine_raw(self._quarantine, str(job["key"]), reason, provider, self._clock())
            return ProcessReport(provider, ("quarantined",))
        outcomes = tuple(
            self._quarantine_part(provider, str(job["key"]), position, event)
            if isinstance(event, Unsupported) and event.kind == MALFORMED
            else self._handle(provider, event)
            for position, event in enumerate(events)
        )
        return ProcessReport(provider, outcomes)

    def _quarantine_part(self, provider: str, raw_key: str, position: int, event: Unsupported) -> str:
        """A verified delivery's unreadable part: kept for a person to look at, beside the parts used."""
        reason = f"malformed part of a {provider} delivery: {event.detail}"
        quarantine_raw(self._quarantine, raw_key, reason, provider, self._clock(), part=position)
        return "quarantined"

    def _handle(self, provider: str, event: WebhookEvent) -> str:
        if isinstance(event, ChannelMessage):
            return self._message(provider, event)
        if isinstance(event, DeliveryUpdate):
            return self._delivery(provider, event)
        if isinstance(event, MessageEdited):
            return self._edited(provider, event)
        if isinstance(event, MessageDeleted):
            deleted = events.MessageDeleted(external_id=event.external_id)
            return self._on_message(provider, event.external_id, deleted, event.at)
        if isinstance(event, Reaction):
            by = f"{event.identity.kind.value}:{event.identity.value}"
            reaction = events.Reaction(external_id=event.external_id, emoji=event.emoji, by=by)
            return self._on_message(provider, event.external_id, reaction, event.at)
        if isinstance(event, CallRecord):
            return self._call(provider, event)
        logger.info("ignored %s webhook event: %s %s", provider, event.kind, event.detail)
        return f"unsupported:{event.kind}"

    def _message(self, provider: str, event: ChannelMessage) -> str:
        ref = provider_ref(provider, event.external_id)
        # One read: is it a redelivery, and who is the sender (the ticket service files it with both).
        lookup = self._tickets.lookup([ref], event.identity)
        if ref in lookup.refs:
            return "duplicate"
        # Derived from the provider's id: a retry after a failed write stores the media under the same
        # keys again instead of leaving another copy behind.
        message_id = stable_id(f"message:{ref}")
        # Media beyond what a message keeps is counted, not fetched: bounded work per delivery.
        media, omitted = event.media[:MAX_ATTACHMENTS_PER_MESSAGE], event.media[MAX_ATTACHMENTS_PER_MESSAGE:]
        attachments, missing = self._fetch_media(provider, message_id, replace(event, media=media))
        text = event.text or ", ".join(a.filename for a in attachments) or f"[{event.kind}]"
        if missing:
            text += "".join(f"\n[attachment not available: {name}]" for name in missing)
        inbound = InboundMessage(
            id=message_id,
            channel=event.channel,
            identity=event.identity,
            sender_name=event.sender_name,
            subject=text.strip().split("\n", 1)[0][:80],
            text=text,
            full_text=text,
            received_at=event.sent_at,
            external_ids=(ref,),
            attachments=attachments,
            omitted_attachments=len(omitted),
            continues_conversation=True,
            channel_address=event.conversation,
        )
        # The sender is resolved once, in `receive`, from the lookup (a first contact is created there,
        # with its ticket, in one transaction).
        return self._tickets.receive(inbound, lookup=lookup).outcome.value

    def _fetch_media(
        self, provider: str, message_id: str, event: ChannelMessage
    ) -> tuple[tuple[AttachmentRef, ...], list[str]]:
        """Stores the message's media as attachments; returns them and what could not be fetched."""
        if not event.media:
            return (), []
        api = self._apis.api(provider)
        secrets = self._secrets.secrets_for(provider)
        stored: list[AttachmentRef] = []
        missing: list[str] = []
        for index, media in enumerate(event.media, start=1):
            try:
                fetched = api.fetch_media(media, secrets)
            except ProviderHttpError as error:
                # The client has retried already; the message must not be lost for its media.
                logger.warning(
                    "could not fetch %s media %s: %s", provider, media.url or media.media_id, error
                )
                missing.append(media.filename or media.url or media.media_id or f"attachment {index}")
                continue
            filename = media.filename or fetched.filename
            stored.append(
                keep_attachment(
                    self._blobs, message_id, index, filename, fetched.content_type, fetched.content
                )
            )
        return tuple(stored), missing

    def _delivery(self, provider: str, event: DeliveryUpdate) -> str:
        found = self._tickets.message_ref(provider_ref(provider, event.external_id))
        if found is None or found.message_key is None or found.direction != "outbound":
            return "unknown_message"  # statuses are about messages we sent, never the customer's
        if not self._tickets.record_delivery(found, event.state.value, event.at, error=event.error or ""):
            return "stale_status"
        return f"delivery:{event.state.value}"

    def _edited(self, provider: str, event: MessageEdited) -> str:
        ref = provider_ref(provider, event.external_id)
        found = self._tickets.message_ref(ref)
        if found is None or found.message_key is None:
            return "unknown_message"
        report = report_id(ref, "edit", event.text, event.at)
        applied = self._tickets.apply_report_once(
            found.ticket_number,
            report,
            lambda: self._tickets.record_edit(found, event.text, event.external_id, event.at),
        )
        return "edited" if applied else "duplicate"

    def _on_message(self, provider: str, external_id: str, payload: events.Payload, at: datetime) -> str:
        ref = provider_ref(provider, external_id)
        found = self._tickets.message_ref(ref)
        if found is None:
            return "unknown_message"
        report = report_id(ref, payload.kind.value, json.dumps(payload.to_data(), sort_keys=True), at)
        number = found.ticket_number
        if not self._tickets.apply_report_once(
            number, report, lambda: self._tickets.record_event(number, payload, at)
        ):
            return "duplicate"
        return payload.kind.value

    def _call(self, provider: str, event: CallRecord) -> str:
        ref = provider_ref(provider, event.external_id)
        found = self._tickets.message_ref(ref)
        if found is not None:
            # Later callbacks of the same call (completed, recording ready) enrich its ticket.
            details = events.CallUpdated(
                status=event.status,
                duration_seconds=event.duration_seconds,
                recording_url=event.recording_url,
                transcript=event.transcript,
            )
            number = found.ticket_number
            content = json.dumps(details.to_data(), sort_keys=True)
            report = report_id(ref, "call", content, event.at)
            if not self._tickets.apply_report_once(
                number, report, lambda: self._tickets.record_event(number, details, event.at)
            ):
                return "duplicate"
            return "call_updated"
        caller = event.identity.value
        message = ChannelMessage(
            external_id=event.external_id,
            channel=Channel.VOICE,
            identity=event.identity,
            conversation=event.conversation,
            sender_name=caller,
            text=_call_text(caller, event),
            sent_at=event.at,
            kind="call",
        )
        return self._message(provider, message)


def delivery_digest(body: bytes) -> str:
    """Names a webhook delivery: its body's SHA-256, the end of its key in the data bucket."""
    return hashlib.sha256(body).hexdigest()


def report_id(message_ref: str, kind: str, content: str, at: datetime) -> str:
    """Names one report about a message: the same webhook delivered again names the same report."""
    digest = hashlib.sha256(f"{kind}\n{to_iso(at)}\n{content}".encode()).hexdigest()[:32]
    return f"{message_ref}#report:{digest}"


def _call_text(caller: str, event: CallRecord) -> str:
    parts = [f"Phone call from {caller} ({event.status})"]
    if event.duration_seconds is not None:
        parts.append(f"duration {event.duration_seconds} s")
    if event.recording_url:
        parts.append(f"recording: {event.recording_url}")
    if event.transcript:
        parts.append(f"transcript: {event.transcript}")
    return "; ".join(parts)
