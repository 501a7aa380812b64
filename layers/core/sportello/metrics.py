"""The desk's metrics: their names, their few dimensions, and the one function that emits each.

Each distinct (name, dimensions) pair published in a month is a CloudWatch custom metric ($0.30 a
month, metered by the hour it is published in), so dimensions stay few and their values come from code,
never from input: a channel (ten at most), nothing else. The count is in `bench/cost.py`.

The domain records through the `Metrics` port (`sportello.ports`); `sportello.adapters.metrics` writes
CloudWatch's embedded metric format, and the dashboard and alarms (`infra/constructs/dashboard.py`,
`monitoring.py`) read the same names from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .ports import Metrics
from .quarantine import Quarantine, QuarantinePage, QuarantineRecord

NAMESPACE = "Sportello"
CHANNEL = "channel"  # the one dimension, on the metrics below that have one

TICKETS_CREATED = "TicketsCreated"  # by channel: new tickets and follow-ups
QUARANTINED = "Quarantined"  # by channel (ticket-events for unreadable stream records)
INGEST_FAILURES = "IngestFailures"  # processing raised (mail: then quarantined; webhooks: retried)
OUTBOUND_FAILURES = "OutboundFailures"  # replies that did not leave (the provider or SES refused them)
SLA_BREACHES = "SlaBreaches"  # a ticket missed a service-level target (emitted by the SLA work)

# Published with a channel dimension; the others have none (one metric each, which alarms can watch).
BY_CHANNEL = frozenset({TICKETS_CREATED, QUARANTINED})
ALL = (TICKETS_CREATED, QUARANTINED, INGEST_FAILURES, OUTBOUND_FAILURES, SLA_BREACHES)

OTHER = "other"
_DIMENSION_VALUE = re.compile(r"[a-z][a-z0-9-]{0,31}")


class NoMetrics:
    """Where nothing is measured (tests, scripts): every count is dropped."""

    def count(self, name: str, dimensions: Mapping[str, str] | None = None, value: int = 1) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()


def dimension_value(value: str) -> str:
    """A channel as a dimension value: a plain lowercase name as it is, anything else `other`.

    Channels come from code (the ticket channels, the provider names), so this is a guard: a value
    that could multiply the metrics (and the bill) never becomes a dimension.
    """
    return value if _DIMENSION_VALUE.fullmatch(value) else OTHER


def ticket_created(metrics: Metrics, channel: str) -> None:
    metrics.count(TICKETS_CREATED, {CHANNEL: dimension_value(channel)})


def quarantined(metrics: Metrics, channel: str) -> None:
    metrics.count(QUARANTINED, {CHANNEL: dimension_value(channel)})


def ingest_failed(metrics: Metrics) -> None:
    metrics.count(INGEST_FAILURES)


def outbound_failed(metrics: Metrics) -> None:
    metrics.count(OUTBOUND_FAILURES)


def sla_breached(metrics: Metrics, breaches: int = 1) -> None:
    """For the SLA work: `breaches` tickets just missed a target (none: nothing is published)."""
    if breaches > 0:
        metrics.count(SLA_BREACHES, value=breaches)


class CountedQuarantine:
    """A `Quarantine` that counts what it keeps, by channel; reading goes straight to the one it wraps."""

    def __init__(self, quarantine: Quarantine, metrics: Metrics) -> None:
        self._quarantine = quarantine
        self._metrics = metrics

    def add(self, record: QuarantineRecord) -> None:
        self._quarantine.add(record)
        quarantined(self._metrics, record.channel)

    def recent(self, cursor: str | None = None, limit: int = 50) -> QuarantinePage:
        return self._quarantine.recent(cursor, limit)
