"""Where each fuzzed input ended: the real intake services on the in-memory fakes, and the books they keep.

"No input vanishes" means each input ends as a ticket, a message, an event or a quarantine record, or
with a documented outcome ("duplicate", an ignored status or kind) while its raw body stays stored.
`Tally` counts what the desk holds before and after one input; the checks compare the two with what
the intake reported.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlencode

from sportello.customers.model import Identity
from sportello.intake.email import Report, Result, Verdicts
from sportello.intake.messaging import ProcessReport
from sportello.providers.meta import signature_for
from sportello.providers.registry import ProviderRegistry
from sportello.providers.slack import signature_for as slack_signature_for
from sportello.providers.telegram import SECRET_HEADER
from sportello.providers.twilio import compute_signature, parse_form
from sportello.providers.webhook import (
    CallRecord,
    ChannelMessage,
    FetchedMedia,
    MediaRef,
    OutboundText,
    ProviderHttpError,
    ProviderSecrets,
    Unsupported,
    WebhookEvent,
    WebhookRequest,
    provider_ref,
)
from sportello.tickets.model import Channel
from tests.fakes import InMemoryQuarantine
from tests.unit.intake.builders import AGENT, MAIL_DOMAIN, PASS, SECRETS, Desk, Mailbox, Webhooks

from .mail_strategies import SEEDED_REFERENCE


@dataclass(frozen=True)
class Tally:
    tickets: int
    messages: int
    events: int
    quarantined: frozenset[str]  # raw keys


def tally(desk: Desk, quarantine: InMemoryQuarantine) -> Tally:
    repo = desk.repo
    return Tally(
        tickets=len(repo.tickets),
        messages=sum(len(messages) for messages in repo.messages.values()),
        events=sum(len(events) for events in repo.events.values()),
        quarantined=frozenset(record.raw_key for record in quarantine.records.values()),
    )


# --- mail ------------------------------------------------------------------------------------------

VERDICTS = (
    PASS,
    Verdicts(),  # all GRAY
    Verdicts(spam="PASS", virus="PASS", spf="FAIL", dkim="FAIL", dmarc="FAIL"),
    Verdicts(spam="FAIL", virus="PASS"),
    Verdicts(virus="FAIL"),
)
CRASHED = "processing failed"
"""The receiver's reason for a quarantine caused by an exception it did not expect."""


class FuzzedMailbox(Mailbox):
    """The email intake on the fakes, with ticket #1 open and one of our Message-IDs on it; every
    delivery is checked for where it ended."""

    def __init__(self) -> None:
        self._fuzzed = itertools.count(1)
        super().__init__()
        self.open_ticket()
        self.desk.service.remember_outbound_ref(SEEDED_REFERENCE, 1)

    def deliver(
        self, mail: EmailMessage | bytes, verdicts: Verdicts = PASS, ses_id: str | None = None
    ) -> Report:
        ses_id = ses_id or f"fuzz-{next(self._fuzzed)}"
        raw = mail if isinstance(mail, bytes) else bytes(mail)
        before = tally(self.desk, self.quarantine)
        report = super().deliver(raw, verdicts, ses_id)
        key = f"inbound/{ses_id}"
        self._check_accounted_for(report, key, raw, before)
        crashed = (report.reason or "").startswith(CRASHED)
        assert not crashed, report.reason
        return report

    def _check_accounted_for(self, report: Report, key: str, raw: bytes, before: Tally) -> None:
        after = tally(self.desk, self.quarantine)
        assert self.blobs.get(key) == raw, "the raw mail must stay stored"
        new_tickets, new_messages = after.tickets - before.tickets, after.messages - before.messages
        if report.result in (Result.TICKET_CREATED, Result.FOLLOW_UP):
            assert (new_tickets, new_messages) == (1, 1), report
            assert report.ticket_number in self.desk.repo.tickets
        elif report.result is Result.REPLY_ADDED:
            assert (new_tickets, new_messages) == (0, 1), report
        elif report.result is Result.SYSTEM_EVENT:
            assert after.events > before.events, report
        elif report.result is Result.QUARANTINED:
            assert key in after.quarantined, report
        else:
            assert report.result is Result.DUPLICATE, report
            assert (new_tickets, new_messages) == (0, 0), report


# --- webhooks --------------------------------------------------------------------------------------

WEBHOOK_URL = f"https://{MAIL_DOMAIN}/webhooks/"
_META = {"whatsapp", "messenger", "instagram"}
_FORM = "application/x-www-form-urlencoded"

MESSAGE_OUTCOMES = frozenset({"created", "appended", "follow_up"})
EVENT_OUTCOMES = frozenset({"edited", "call_updated", "reaction", "message_deleted"})
IGNORED_OUTCOMES = frozenset({"duplicate", "unknown_message", "stale_status"})
"""Documented: a redelivery, or news about a message the desk does not know or knows better."""


def signed_request(provider: str, body: bytes, url: str | None = None) -> WebhookRequest:
    """A POST signed with the test secrets as the provider signs it."""
    url = url or WEBHOOK_URL + provider
    values = SECRETS.values
    headers = {"content-type": "application/json"}
    if provider in _META:
        headers["x-hub-signature-256"] = signature_for(body, values["app_secret"])
    elif provider == "telegram":
        headers[SECRET_HEADER.lower()] = values["secret_token"]
    elif provider == "slack":
        timestamp = str(int(time.time()))  # the adapter checks freshness against the real clock
        headers["x-slack-request-timestamp"] = timestamp
        headers["x-slack-signature"] = slack_signature_for(body, timestamp, values["signing_secret"])
    else:  # twilio-sms, twilio-voice: form bodies, the URL and every parameter signed
        headers = {"content-type": _FORM}
        headers["x-twilio-signature"] = compute_signature(url, parse_form(body), values["auth_token"])
    return WebhookRequest("POST", url, headers, {}, body)


def form_body(fields: Iterable[tuple[str, str]]) -> bytes:
    return urlencode(list(fields)).encode()


def json_body(document: Any) -> bytes:
    return json.dumps(document).encode()


@dataclass
class AnyMediaApi:
    """A provider API that has every medium, or (with `failing`) none: the message must survive both."""

    failing: bool = False

    def send(self, message: OutboundText, secrets: ProviderSecrets) -> str:
        return "sent-by-fuzz"

    def fetch_media(self, media: MediaRef, secrets: ProviderSecrets) -> FetchedMedia:
        if self.failing:
            raise ProviderHttpError(404, "gone", media.url or media.media_id or "")
        content = (media.url or media.media_id or "").encode()
        return FetchedMedia(content, media.content_type or "application/octet-stream", "medium.bin")


class FuzzedWebhooks:
    """The webhook endpoint and the inbound queue's consumer on the fakes, as `builders.Webhooks`."""

    def __init__(self, media_available: bool = True) -> None:
        self.hooks = Webhooks(api=AnyMediaApi(failing=not media_available))
        self.desk = self.hooks.desk

    def know_messages(self, provider: str, events: Sequence[WebhookEvent]) -> None:
        """Makes every message the events speak of one of ours, so statuses, edits and reactions land."""
        receipt = self.desk.receive(Channel.EMAIL, Identity.email("seed@example.org"), "seed", "seed:1")
        assert receipt.ticket is not None
        message, _ = self.desk.service.reply(receipt.ticket.number, AGENT, "known", public=True)
        key = self.desk.repo.message_key(message)
        for event in events:
            if isinstance(event, ChannelMessage | CallRecord | Unsupported):
                continue
            self.desk.service.remember_outbound_ref(
                provider_ref(provider, event.external_id), receipt.ticket.number, key
            )

    def deliver(self, provider: str, request: WebhookRequest) -> ProcessReport | None:
        """Accepts and processes one delivery, and checks where each of its events ended.

        None for a subscription handshake (Slack's url_verification): answered, and nothing to keep.
        """
        before = tally(self.desk, self.hooks.quarantine)
        queued = len(self.hooks.queue.sent)
        answer = self.hooks.intake.accept(provider, request)
        if len(self.hooks.queue.sent) == queued:
            handshake = ProviderRegistry.adapter(provider).handshake(request, SECRETS)
            assert handshake == answer is not None, "a delivery was accepted but not queued"
            return None
        job = self.hooks.queue.sent[-1]
        report = self.hooks.processor.process(job)
        self._check_accounted_for(report, str(job["key"]), request.body, before)
        return report

    def _check_accounted_for(self, report: ProcessReport, key: str, body: bytes, before: Tally) -> None:
        after = tally(self.desk, self.hooks.quarantine)
        assert self.hooks.blobs.get(key) == body, "the raw body must stay stored"
        assert report.outcomes, "a delivery must have at least one outcome"
        messages = [o for o in report.outcomes if o in MESSAGE_OUTCOMES]
        events = [o for o in report.outcomes if o in EVENT_OUTCOMES or o.startswith("delivery:")]
        for outcome in report.outcomes:
            if outcome == "quarantined":
                assert key in after.quarantined, report
            elif outcome.startswith("unsupported:"):
                # issue 14 item 9: a malformed part is quarantined, never only logged as unsupported
                assert outcome != "unsupported:malformed", report
            else:
                assert outcome in MESSAGE_OUTCOMES | EVENT_OUTCOMES | IGNORED_OUTCOMES or outcome in events, (
                    f"undocumented outcome {outcome!r}"
                )
        assert after.messages - before.messages == len(messages), report
        assert after.events - before.events >= len(events), report
