"""The SLA: clocks rebuilt on ticket events, and the per-minute sweep that alerts and escalates.

ticket events ──► SlaClocks (stream subscriber) ──► SlaService.refresh(ticket)
    rebuilds the clocks from the ticket's events under the policy that covers it now, and stores
    them with the ticket's next alert time (sparse, sharded index: `SlaBook.due`)
EventBridge (every minute) ──► λ sla_sweep ──► SlaService.sweep(now)
    reads only the tickets whose next alert has come (one query per shard), and for each due
    threshold: claim it on the record (versioned write: one sweep wins) ──► publish to the topic
    ──► record `sla_alerted` on the ticket ──► on breach, the policy's escalation, once
    ──► mark it sent (a claim whose sweep died is sent by a later sweep after PENDING_ALERT_EXPIRY)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..calendar import BusinessCalendar
from ..clock import to_iso, utc_now
from ..customers.service import CustomerService
from ..errors import ConflictError, NotFoundError
from ..retry import retry_on_conflict
from ..routing.ports import Notifier
from ..routing.workflow import act_once, notification_attributes
from ..tickets.events import SlaAlerted, SlaEscalated
from ..tickets.model import Ticket
from ..tickets.service import TicketService
from .clocks import derive_clocks
from .model import (
    AlertState,
    DueAlert,
    SlaPolicy,
    SlaRecord,
    TargetClock,
    TargetKind,
    Threshold,
    Tier,
    select_policy,
)
from .ports import SlaBook, SlaSettings

logger = logging.getLogger(__name__)

SLA_ACTOR = "sla"
# Per shard and sweep: a sweep stays short whatever piled up (the rest wait a minute, oldest first).
MAX_DUE_PER_SHARD = 250

TARGET_LABELS = {
    TargetKind.FIRST_REPLY: "First reply",
    TargetKind.NEXT_REPLY: "Next reply",
    TargetKind.RESOLUTION: "Resolution",
}


@dataclass
class SweepReport:
    examined: int = 0
    alerts: int = 0
    escalations: int = 0
    failed: int = 0
    deferred: list[int] = field(default_factory=list)  # shards that had more due than one sweep takes

    def to_output(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "alerts": self.alerts,
            "escalations": self.escalations,
            "failed": self.failed,
            "deferred_shards": self.deferred,
        }


class SlaService:
    def __init__(
        self,
        tickets: TicketService,
        customers: CustomerService,
        settings: SlaSettings,
        book: SlaBook,
        notifier: Notifier,
        desk_name: str,
        clock: Callable[[], datetime] = utc_now,
        max_due_per_shard: int = MAX_DUE_PER_SHARD,
    ) -> None:
        self._tickets = tickets
        self._customers = customers
        self._settings = settings
        self._book = book
        self._notifier = notifier
        self._desk_name = desk_name
        self._clock = clock
        self._max_due = max_due_per_shard

    # -- clocks ----------------------------------------------------------------------------------

    def refresh(self, number: int) -> SlaRecord:
        """Rebuilds the ticket's clocks from its events under the policy that covers it now."""

        def attempt() -> SlaRecord:
            history = self._tickets.history(number)
            ticket = history.ticket
            policy = self.policy_for(ticket)
            clocks: tuple[TargetClock, ...] = ()
            if policy is not None:
                clocks = derive_clocks(
                    ticket.created_at,
                    history.events,
                    policy.targets_for(ticket.priority),
                    self._settings.calendar(),
                    policy.warning_percent,
                )
            current = self._book.get(number)
            updated = current.with_clocks(policy, clocks)
            if updated.same_as(current):
                return current
            return self._book.save(updated)

        return retry_on_conflict(attempt, gave_up=f"the SLA of ticket #{number} kept changing")

    def policy_for(self, ticket: Ticket) -> SlaPolicy | None:
        tier = self._tier(ticket)
        return select_policy(self._settings.policies(), ticket.channel, ticket.group, tier, ticket.priority)

    def _tier(self, ticket: Ticket) -> Tier:
        try:
            customer = self._customers.get(ticket.requester.id)
        except NotFoundError:
            return Tier.STANDARD
        return Tier.VIP if customer.vip else Tier.STANDARD

    # -- reading ---------------------------------------------------------------------------------

    def record(self, number: int) -> SlaRecord:
        return self._book.get(number)

    def records(self, numbers: Sequence[int]) -> dict[int, SlaRecord]:
        return self._book.records(numbers)

    def at_risk(self, limit: int) -> list[SlaRecord]:
        return self._book.at_risk(limit)

    def calendar(self) -> BusinessCalendar:
        return self._settings.calendar()

    # -- the sweep -------------------------------------------------------------------------------

    def sweep(self, now: datetime) -> SweepReport:
        """Sends every alert due at `now`, once, and escalates breaches. Reads only what is due."""
        report = SweepReport()
        policies: dict[str, SlaPolicy] | None = None
        calendar: BusinessCalendar | None = None
        for shard in range(self._book.shards):
            numbers = self._book.due(shard, now, self._max_due)
            if len(numbers) >= self._max_due:
                report.deferred.append(shard)
            for number in numbers:
                report.examined += 1
                if policies is None or calendar is None:  # read once, and only when something is due
                    policies = {policy.id: policy for policy in self._settings.policies()}
                    calendar = self._settings.calendar()
                try:
                    self._alert(number, now, policies, calendar, report)
                except Exception:  # one ticket's failure is its own: the others are still alerted
                    logger.exception("SLA alerts of ticket #%s failed", number)
                    report.failed += 1
        return report

    def _alert(
        self,
        number: int,
        now: datetime,
        policies: dict[str, SlaPolicy],
        calendar: BusinessCalendar,
        report: SweepReport,
    ) -> None:
        record = self._book.get(number)
        due = record.due_alerts(now)
        if not due:
            return  # the index lagged a write behind, or another sweep holds the claim
        claimed = [alert.key for alert in due]
        try:
            self._book.save(record.marked(claimed, AlertState.PENDING, now))
        except ConflictError:
            return  # another sweep (or the stream) changed it first: the next sweep sees what is left
        sent: list[str] = []
        try:
            ticket = self._tickets.get(number)
            policy = policies.get(record.policy_id or "")
            for alert in due:
                self._publish(ticket, record, alert, calendar, now)
                sent.append(alert.key)
                report.alerts += 1
                breached = alert.threshold is Threshold.BREACH
                if (
                    breached
                    and policy is not None
                    and policy.escalation
                    and self._escalate(ticket, policy, alert)
                ):
                    report.escalations += 1
        finally:
            # Sent ones are marked sent; a claim whose alert failed is released for the next sweep.
            self._settle(number, sent, [key for key in claimed if key not in sent], now)

    def _publish(
        self, ticket: Ticket, record: SlaRecord, alert: DueAlert, calendar: BusinessCalendar, now: datetime
    ) -> None:
        label = TARGET_LABELS[alert.clock.target]
        severity = "breach" if alert.threshold is Threshold.BREACH else "warning"
        headline = f"{label} overdue" if severity == "breach" else f"{label} due soon"
        subject = f"[SLA {severity}] #{ticket.number} {headline}: {ticket.subject}"
        due_at = alert.clock.due_at
        local_due = calendar.local(due_at).strftime("%Y-%m-%d %H:%M %Z") if due_at else "-"
        left = alert.clock.seconds_left(now, calendar)
        message = (
            f"Ticket #{ticket.number}: {ticket.subject}\n"
            f"Policy: {record.policy_name}\nTarget: {label} (cycle {alert.clock.cycle})\n"
            f"Due: {local_due}\nTime left: {_duration(left)}"
            f"{' (business hours)' if alert.clock.business else ''}\n"
            f"Priority: {ticket.priority.value}\nGroup: {ticket.group or '-'}\n"
            f"Assignee: {ticket.assignee or '-'}\nFrom: {ticket.requester.name} ({ticket.channel.value})\n"
        )
        attributes = notification_attributes(ticket, "sla") | {
            "severity": severity,
            "target": alert.clock.target.value,
        }
        self._notifier.notify(subject[:100], message, attributes)
        # The ticket's history says it too; claimed so a re-sent alert (a sweep that died before marking
        # it sent) is not written twice.
        if self._tickets.claim_once(f"sla:{ticket.number}:{alert.key}", ticket.number):
            payload = SlaAlerted(
                alert.clock.target.value, alert.clock.cycle, alert.threshold.value,
                to_iso(due_at) if due_at else "", record.policy_name,
            )  # fmt: skip
            self._tickets.record_event(ticket.number, payload, alert.at, SLA_ACTOR)

    def _escalate(self, ticket: Ticket, policy: SlaPolicy, alert: DueAlert) -> bool:
        claim = f"sla:{ticket.number}:{alert.clock.target.value}:{alert.clock.cycle}:escalation"
        decision = SlaEscalated(
            alert.clock.target.value,
            alert.clock.cycle,
            policy.name,
            [a.kind.value for a in policy.escalation],
        )
        customer = None
        with contextlib.suppress(NotFoundError):  # templates then name the requester as the ticket has them
            customer = self._customers.get(ticket.requester.id)
        applied = act_once(
            self._tickets, self._notifier, policy.escalation, ticket, customer, decision, SLA_ACTOR, claim,
            self._desk_name,
        )  # fmt: skip
        return applied is not None

    def _settle(self, number: int, sent: list[str], released: list[str], now: datetime) -> None:
        def attempt() -> SlaRecord:
            record = self._book.get(number)
            return self._book.save(record.marked(sent, AlertState.SENT, now).unmarked(released))

        retry_on_conflict(attempt, gave_up=f"could not mark the SLA alerts of ticket #{number}")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}h {minutes:02d}m" if hours else f"{sign}{minutes}m"
