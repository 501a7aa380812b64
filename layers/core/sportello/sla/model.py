"""SLA values: policies and their targets, each target's clock on a ticket, and the alerts sent for it.

A clock is derived state: `clocks.derive_clocks` rebuilds it from the ticket's events whenever one
arrives, so it never depends on the order or the number of times the events were delivered. Only the
alerts are history of their own (what was sent, once), and a record keeps them across rebuilds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from ..calendar import BusinessCalendar
from ..routing.rules import Action
from ..tickets.model import Channel, Priority


class TargetKind(StrEnum):
    FIRST_REPLY = "first_reply"  # creation → the first public agent reply
    NEXT_REPLY = "next_reply"  # each customer message after a reply → the next public agent reply
    RESOLUTION = "resolution"  # creation (or reopening) → solved


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # pending or on hold: waiting on the customer or a third party
    MET = "met"
    BREACHED = "breached"  # due time passed before the target was met (met late stays breached)


class Threshold(StrEnum):
    WARNING = "warning"
    BREACH = "breach"


class Tier(StrEnum):
    VIP = "vip"
    STANDARD = "standard"


@dataclass(frozen=True)
class Target:
    minutes: int
    business: bool = True  # counted in the desk's business hours; False: around the clock

    @property
    def seconds(self) -> int:
        return self.minutes * 60


@dataclass(frozen=True)
class PolicyConditions:
    """Which tickets a policy covers; an empty set means any."""

    channels: frozenset[Channel] = frozenset()
    groups: frozenset[str] = frozenset()
    tiers: frozenset[Tier] = frozenset()

    def cover(self, channel: Channel, group: str | None, tier: Tier) -> bool:
        return (
            (not self.channels or channel in self.channels)
            and (not self.groups or group in self.groups)
            and (not self.tiers or tier in self.tiers)
        )


DEFAULT_WARNING_PERCENT = 75


@dataclass(frozen=True)
class SlaPolicy:
    id: str
    name: str
    targets: Mapping[Priority, Mapping[TargetKind, Target]]
    conditions: PolicyConditions = PolicyConditions()
    enabled: bool = True
    warning_percent: int = DEFAULT_WARNING_PERCENT
    escalation: tuple[Action, ...] = ()  # routing's actions, taken once when a target is breached

    def targets_for(self, priority: Priority) -> Mapping[TargetKind, Target]:
        return self.targets.get(priority, {})


def select_policy(
    policies: list[SlaPolicy], channel: Channel, group: str | None, tier: Tier, priority: Priority
) -> SlaPolicy | None:
    """The first enabled policy, in order, that covers the ticket and has a target for its priority."""
    for policy in policies:
        if policy.enabled and policy.conditions.cover(channel, group, tier) and policy.targets_for(priority):
            return policy
    return None


@dataclass(frozen=True)
class TargetClock:
    """One cycle of one target: first reply has one, next reply one per customer message answered,
    resolution one per opening (reopening starts a new cycle).

    `elapsed_seconds` is the counted time before `running_since` (or in all, once paused or met).
    `due_at` and `warn_at` are when the target and its warning threshold are (or were) reached: fixed
    once reached, projected from the current running stretch otherwise, None while paused before them.
    """

    target: TargetKind
    cycle: int
    business: bool
    target_seconds: int
    started_at: datetime
    elapsed_seconds: float = 0.0
    running_since: datetime | None = None
    due_at: datetime | None = None
    warn_at: datetime | None = None
    met_at: datetime | None = None

    @property
    def is_met(self) -> bool:
        return self.met_at is not None

    def state_at(self, now: datetime) -> ClockState:
        if self.met_at is not None:
            return (
                ClockState.BREACHED
                if self.due_at is not None and self.due_at < self.met_at
                else ClockState.MET
            )
        if self.due_at is not None and self.due_at <= now:
            return ClockState.BREACHED
        return ClockState.RUNNING if self.running_since is not None else ClockState.PAUSED

    def seconds_left(self, now: datetime, calendar: BusinessCalendar) -> float | None:
        """Counted time left before the due time (negative once overdue); None once met."""
        if self.met_at is not None:
            return None
        if self.running_since is None:
            return self.target_seconds - self.elapsed_seconds  # frozen while paused
        assert self.due_at is not None  # a running clock always has a projection
        counted = calendar if self.business else None
        if now <= self.due_at:
            return _span(counted, now, self.due_at)
        return -_span(counted, self.due_at, now)

    def threshold_at(self, threshold: Threshold) -> datetime | None:
        return self.warn_at if threshold is Threshold.WARNING else self.due_at

    def alert_key(self, threshold: Threshold) -> str:
        return f"{self.target.value}:{self.cycle}:{threshold.value}"


def _span(calendar: BusinessCalendar | None, start: datetime, end: datetime) -> float:
    if calendar is None:
        return (end - start).total_seconds()
    return calendar.business_seconds_between(start, end)


class AlertState(StrEnum):
    PENDING = "pending"  # claimed by a sweep that is publishing it
    SENT = "sent"


# A sweep that claimed an alert and then died leaves it pending: after this long another sweep sends it.
# Longer than the sweep function's timeout, so a live sweep is never overtaken.
PENDING_ALERT_EXPIRY = timedelta(minutes=5)


@dataclass(frozen=True)
class AlertMark:
    state: AlertState
    at: datetime

    def blocks(self, now: datetime) -> bool:
        """Whether this mark keeps another sweep from sending the alert now."""
        return self.state is AlertState.SENT or now - self.at < PENDING_ALERT_EXPIRY


@dataclass(frozen=True)
class DueAlert:
    clock: TargetClock
    threshold: Threshold
    at: datetime

    @property
    def key(self) -> str:
        return self.clock.alert_key(self.threshold)


@dataclass(frozen=True)
class SlaRecord:
    """A ticket's SLA: the policy that applies, the latest cycle of each target, the alerts sent."""

    ticket_number: int
    policy_id: str | None = None
    policy_name: str = ""
    clocks: tuple[TargetClock, ...] = ()
    alerts: Mapping[str, AlertMark] = field(default_factory=dict)
    version: int = 0  # the stored version this was read at (0: never stored)

    def with_clocks(self, policy: SlaPolicy | None, clocks: tuple[TargetClock, ...]) -> SlaRecord:
        if policy is None:
            return replace(self, policy_id=None, policy_name="", clocks=())
        return replace(self, policy_id=policy.id, policy_name=policy.name, clocks=clocks)

    def same_as(self, other: SlaRecord) -> bool:
        return (self.policy_id, self.policy_name, self.clocks, dict(self.alerts)) == (
            other.policy_id,
            other.policy_name,
            other.clocks,
            dict(other.alerts),
        )

    def _open_thresholds(self) -> list[DueAlert]:
        """Every threshold of an unmet clock whose alert is not sent yet, with its instant."""
        found = []
        for clock in self.clocks:
            if clock.is_met:
                continue  # met, in time or late: nobody needs telling any more
            for threshold in Threshold:
                at = clock.threshold_at(threshold)
                mark = self.alerts.get(clock.alert_key(threshold))
                if at is not None and (mark is None or mark.state is not AlertState.SENT):
                    found.append(DueAlert(clock, threshold, at))
        return found

    def next_alert_at(self) -> datetime | None:
        """When the sweep must next look at this ticket (the sparse index's key); None: never again
        unless an event changes the clocks."""
        instants = [alert.at for alert in self._open_thresholds()]
        return min(instants) if instants else None

    def due_alerts(self, now: datetime) -> list[DueAlert]:
        """The alerts to send now, in time order (a late sweep sends the warning, then the breach)."""
        due = [
            alert
            for alert in self._open_thresholds()
            if alert.at <= now and not self._blocked(alert.key, now)
        ]
        return sorted(due, key=lambda alert: (alert.at, alert.threshold is Threshold.BREACH))

    def _blocked(self, key: str, now: datetime) -> bool:
        mark = self.alerts.get(key)
        return mark is not None and mark.blocks(now)

    def marked(self, keys: list[str], state: AlertState, at: datetime) -> SlaRecord:
        return replace(self, alerts={**self.alerts, **{key: AlertMark(state, at) for key in keys}})

    def unmarked(self, keys: list[str]) -> SlaRecord:
        return replace(self, alerts={key: mark for key, mark in self.alerts.items() if key not in keys})

    def earliest_due(self) -> datetime | None:
        """The due time of the most urgent running target: the "SLA at risk" view's order."""
        dues = [c.due_at for c in self.clocks if not c.is_met and c.running_since is not None and c.due_at]
        return min(dues) if dues else None

    def most_urgent(self) -> TargetClock | None:
        """The unmet clock to show on a list: the running one due first, else a paused one."""
        unmet = [clock for clock in self.clocks if not clock.is_met]
        running = [clock for clock in unmet if clock.running_since is not None and clock.due_at]
        if running:
            return min(running, key=lambda clock: clock.due_at or clock.started_at)
        return unmet[0] if unmet else None
