"""The desk's metrics: what the domain counts (on a recording fake), and how the adapter writes it (EMF)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from sportello import correlation
from sportello import metrics as names
from sportello.adapters.metrics import EMF_METRICS, EmfMetrics
from sportello.agents import Agent
from sportello.customers.model import Identity
from sportello.customers.service import CustomerService
from sportello.email.tokens import ReplyTokens
from sportello.intake.email import EmailReceiver, Result, Verdicts
from sportello.intake.keeping import quarantine_raw
from sportello.intake.messaging import MessagingDesk
from sportello.metrics import CountedQuarantine, dimension_value, sla_breached
from sportello.observability import lambda_entry
from sportello.providers.registry import ProviderRegistry
from sportello.quarantine import QuarantineRecord
from sportello.tickets.inbound import InboundMessage
from sportello.tickets.model import Channel
from sportello.tickets.service import Outcome, TicketService
from tests.fakes import (
    FakeProviderApis,
    FixedSecrets,
    InMemoryBlobStore,
    InMemoryCustomerRepository,
    InMemoryQuarantine,
    InMemoryTicketRepository,
    RecordingMetrics,
    RecordingOutboundChannel,
    RecordingProviderApi,
)

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Agent("agent-1", "ada@desk.example", "Ada")
PASS = Verdicts(spam="PASS", virus="PASS", spf="PASS", dkim="PASS", dmarc="PASS")


def service(metrics: RecordingMetrics, outbound: RecordingOutboundChannel | None = None) -> TicketService:
    routes = dict.fromkeys(Channel, outbound or RecordingOutboundChannel())
    customers = CustomerService(InMemoryCustomerRepository())
    return TicketService(InMemoryTicketRepository(), customers, routes, clock=lambda: AT, metrics=metrics)


def inbound(ref: str, channel: Channel = Channel.EMAIL, **fields: Any) -> InboundMessage:
    return InboundMessage(
        id=ref,
        channel=channel,
        identity=Identity.email("maria@example.org"),
        sender_name="Maria",
        subject="Ordine",
        text="Il mio ordine",
        full_text="Il mio ordine",
        received_at=AT,
        external_ids=(f"<{ref}@example.org>",),
        **fields,
    )


# --- what the domain counts ----------------------------------------------------------------------------


def test_a_new_ticket_is_counted_by_channel_once_not_its_replies_nor_redeliveries() -> None:
    metrics = RecordingMetrics()
    desk = service(metrics)

    first = desk.receive(inbound("m1"))
    assert first.outcome is Outcome.CREATED and first.ticket is not None
    desk.receive(inbound("m1"))  # redelivered
    desk.receive(inbound("m2", thread_ticket=first.ticket.number))  # a reply on the same ticket
    desk.receive(inbound("m3", channel=Channel.WEB))

    assert metrics.named(names.TICKETS_CREATED) == [({"channel": "email"}, 1), ({"channel": "web"}, 1)]
    assert [name for name, _, _ in metrics.counts] == [names.TICKETS_CREATED, names.TICKETS_CREATED]


def test_a_reply_that_fails_to_leave_is_an_outbound_failure_a_sent_one_is_not() -> None:
    metrics = RecordingMetrics()
    channel = RecordingOutboundChannel(sends_at_once=True)
    desk = service(metrics, channel)
    ticket = desk.receive(inbound("m1")).ticket
    assert ticket is not None

    desk.reply(ticket.number, AGENT, "Eccomi", public=True)
    assert metrics.named(names.OUTBOUND_FAILURES) == []

    channel.failure = RuntimeError("SES refused it")
    message, _ = desk.reply(ticket.number, AGENT, "Eccomi di nuovo", public=True)

    assert message.delivery_status == "failed"
    assert metrics.named(names.OUTBOUND_FAILURES) == [({}, 1)]


def mailbox(metrics: RecordingMetrics, desk: TicketService | None = None) -> tuple[EmailReceiver, Any]:
    blobs = InMemoryBlobStore()
    receiver = EmailReceiver(
        desk or service(metrics),
        CountedQuarantine(InMemoryQuarantine(), metrics),
        blobs,
        ReplyTokens("test-reply-secret", "desk.example.com"),
        ("support@desk.example.com",),
        lambda: AT,
        metrics=metrics,
    )
    return receiver, blobs


MAIL = (
    b"From: Mario <mario@example.org>\r\nTo: support@desk.example.com\r\nSubject: Aiuto\r\n"
    b"Message-ID: <m1@example.org>\r\n\r\nNon riesco ad accedere.\r\n"
)


def test_a_mail_quarantined_by_a_verdict_is_a_quarantine_not_an_ingest_failure() -> None:
    metrics = RecordingMetrics()
    receiver, blobs = mailbox(metrics)
    blobs.put("inbound/ses-1", MAIL, "message/rfc822")

    report = receiver.receive("inbound/ses-1", Verdicts("FAIL", "PASS", "PASS", "PASS", "PASS"))

    assert report.result is Result.QUARANTINED
    assert metrics.named(names.QUARANTINED) == [({"channel": "email"}, 1)]
    assert metrics.named(names.INGEST_FAILURES) == []


def test_a_mail_whose_processing_raises_is_an_ingest_failure_and_quarantined() -> None:
    metrics = RecordingMetrics()

    class BrokenService(TicketService):
        def receive(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the table is on fire")

    broken = BrokenService(
        InMemoryTicketRepository(), CustomerService(InMemoryCustomerRepository()), {}, metrics=metrics
    )
    receiver, blobs = mailbox(metrics, broken)
    blobs.put("inbound/ses-2", MAIL, "message/rfc822")

    report = receiver.receive("inbound/ses-2", PASS)

    assert report.result is Result.QUARANTINED
    assert metrics.named(names.INGEST_FAILURES) == [({}, 1)]
    assert metrics.named(names.QUARANTINED) == [({"channel": "email"}, 1)]


def test_a_webhook_delivery_whose_processing_raises_is_counted_and_raised_for_a_retry() -> None:
    metrics = RecordingMetrics()
    desk = MessagingDesk(
        service(metrics),
        CustomerService(InMemoryCustomerRepository()),
        InMemoryQuarantine(),
        InMemoryBlobStore(),  # empty: the kept body is missing
        ProviderRegistry(),
        FakeProviderApis(RecordingProviderApi()),
        FixedSecrets(),
        metrics=metrics,
    )
    job = {
        "provider": "telegram",
        "key": "webhooks/telegram/abc",
        "url": "https://x",
        "headers": {},
        "query": {},
    }

    with pytest.raises(Exception, match="webhooks/telegram/abc"):
        desk.process(job)
    assert metrics.counts == [(names.INGEST_FAILURES, {}, 1)]


def test_the_counted_quarantine_keeps_reads_and_counts_by_channel() -> None:
    metrics, kept = RecordingMetrics(), InMemoryQuarantine()
    quarantine = CountedQuarantine(kept, metrics)

    record = quarantine_raw(quarantine, "webhooks/twilio-sms/abc", "unreadable", "twilio-sms", AT)
    quarantine.add(QuarantineRecord("r2", AT, "unreadable event", "TICKET#1/EVT#x", "ticket-events"))

    assert kept.records[record.id] == record
    assert [r.id for r in quarantine.recent().items] == [kept.recent().items[0].id, kept.recent().items[1].id]
    assert metrics.named(names.QUARANTINED) == [
        ({"channel": "twilio-sms"}, 1),
        ({"channel": "ticket-events"}, 1),
    ]


def test_sla_breaches_are_counted_for_the_sla_work_and_nothing_when_there_are_none() -> None:
    metrics = RecordingMetrics()

    sla_breached(metrics)
    sla_breached(metrics, 3)
    sla_breached(metrics, 0)

    assert metrics.counts == [(names.SLA_BREACHES, {}, 1), (names.SLA_BREACHES, {}, 3)]


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("email", "email"),
        ("twilio-voice", "twilio-voice"),
        ("ticket-events", "ticket-events"),
        ("Email", "other"),
        ("", "other"),
        ("+393331234567", "other"),
        ("a" * 33, "other"),
        ("mario@example.org", "other"),
    ],
)
def test_only_plain_lowercase_names_become_dimension_values(value: str, kept: str) -> None:
    assert dimension_value(value) == kept


def test_every_metric_has_a_distinct_name_and_only_two_have_a_dimension() -> None:
    assert len(set(names.ALL)) == 5
    assert {names.TICKETS_CREATED, names.QUARANTINED} == names.BY_CHANNEL


# --- how the adapter writes them -----------------------------------------------------------------------


def printed_documents(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_the_adapter_writes_one_emf_line_per_dimension_set_with_the_totals(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sportello")  # no `service` dimension all the same
    emf = EmfMetrics()
    emf.count(names.TICKETS_CREATED, {"channel": "email"})
    emf.count(names.TICKETS_CREATED, {"channel": "email"})
    emf.count(names.QUARANTINED, {"channel": "email"})
    emf.count(names.TICKETS_CREATED, {"channel": "whatsapp"})
    emf.count(names.INGEST_FAILURES)

    returned = emf.flush()
    printed = printed_documents(capsys.readouterr().out)

    assert printed == returned
    summary = [
        (
            doc["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            {m["Name"]: (m["Unit"], doc[m["Name"]]) for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]},
            doc.get("channel"),
        )
        for doc in printed
    ]
    assert summary == [
        (
            "Sportello",
            [["channel"]],
            {"Quarantined": ("Count", [1.0]), "TicketsCreated": ("Count", [2.0])},
            "email",
        ),
        ("Sportello", [["channel"]], {"TicketsCreated": ("Count", [1.0])}, "whatsapp"),
        ("Sportello", [[]], {"IngestFailures": ("Count", [1.0])}, None),
    ]
    assert all("service" not in doc for doc in printed)


def test_the_adapter_writes_nothing_when_nothing_was_counted_and_counts_start_again_after_a_flush(
    capsys: pytest.CaptureFixture[str],
) -> None:
    emf = EmfMetrics()
    assert emf.flush() == []
    emf.count(names.OUTBOUND_FAILURES)
    emf.flush()
    capsys.readouterr()

    assert emf.flush() == []
    assert capsys.readouterr().out == ""


def test_the_entry_point_flushes_the_invocations_metrics_even_when_the_handler_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = Logger(service="sportello-metrics-test")

    @lambda_entry(logger)
    def handler(event: dict[str, Any], context: Any) -> None:
        EMF_METRICS.count(names.INGEST_FAILURES)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        handler({}, LambdaStub())

    documents = printed_documents(capsys.readouterr().out)
    assert [doc.get(names.INGEST_FAILURES) for doc in documents if "_aws" in doc] == [[1.0]]
    assert EMF_METRICS.flush() == []


def test_the_entry_point_binds_the_requests_id_for_the_events_it_creates() -> None:
    logger = Logger(service="sportello-correlation-test")
    seen: list[str | None] = []

    @lambda_entry(logger, correlation_id_path="requestContext.requestId")
    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append(correlation.current())

    handler({}, LambdaStub())
    handler({"requestContext": {"requestId": "req-42"}}, LambdaStub())

    assert seen == [None, "req-42"]
    assert correlation.current() is None
    assert logger.get_correlation_id() is None


class LambdaStub(LambdaContext):
    _function_name = "test"
    _function_version = "$LATEST"
    _invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:test"
    _memory_limit_in_mb = 128
    _aws_request_id = "r-1"
