"""Automations: the hourly sweep that applies the desk's time rules to the tickets that have waited.

    EventBridge schedule (rate 1 hour) ──► λ automations ──► AutomationSweep.run(now)
      for each enabled automation, in order:
        plan: the statuses its conditions allow, and the least time a matching ticket has waited
        ──► one by_status query per status, bounded by the sort key (updated at or before now - N hours),
            oldest first, at most MAX_TICKETS_PER_RULE tickets a sweep (the rest the next hour)
        ──► match on the index's copy, then on the ticket as it is now (one consistent read)
        ──► TicketService.apply_decisions (field actions + TriggerFired, claimed once) ──► side effects

Reads go through the index only, never a scan: what a sweep reads grows with the tickets that are due
(and those of the right status that waited long enough without matching the rest), not with the desk's
history. Closed tickets are never read: closed is final, and they are most of an old desk.

The same language as the triggers (`rules.py`), evaluated on the same facts (`facts.py`) with the event
`schedule`; the field actions and side effects are the workflow's own (`workflow.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..calendar import BusinessCalendar
from ..clock import to_iso
from ..customers.model import Customer
from ..customers.service import CustomerService
from ..errors import InvalidRequestError, NotFoundError
from ..tickets.events import TriggerFired
from ..tickets.model import Status, Ticket
from ..tickets.ports import Page
from ..tickets.service import TicketService
from .facts import Situation, facts_of
from .ports import Notifier, RoutingSettings
from .rules import Condition, Conditions, Rule, RuleKind, TriggerEvent, matches
from .settings import DeskRules
from .workflow import act_once

logger = logging.getLogger(__name__)

AUTOMATION_ACTOR = "automation"
# Per automation and sweep: an hourly run stays short whatever piled up (the oldest go first, and each
# one acted on leaves the wait, so the rest come up in the next sweeps).
MAX_TICKETS_PER_RULE = 500
PAGE_SIZE = 100
# Closed is final: an automation could change nothing on a closed ticket, so none is ever read.
SWEPT_STATUSES: tuple[Status, ...] = tuple(status for status in Status if status is not Status.CLOSED)
TIME_FIELDS = frozenset({"ticket.hours_since_update", "ticket.business_hours_since_update"})
# The operators under which "N hours" is a lower bound of the wait (eq: exactly N is at least N).
LOWER_BOUNDS = frozenset({"gt", "gte", "eq"})


class WaitingTickets(Protocol):
    """The one read the sweep makes besides the ticket service's (`TicketRepository` provides it)."""

    def updated_before(
        self, status: Status, before: datetime, limit: int, cursor: str | None = None
    ) -> Page: ...


@dataclass(frozen=True)
class Plan:
    """Where an automation's tickets can be: these statuses, updated `waited_hours` ago or earlier."""

    statuses: tuple[Status, ...]
    waited_hours: float

    def updated_before(self, now: datetime) -> datetime:
        return now - timedelta(hours=self.waited_hours)


def plan_for(rule: Rule) -> Plan:
    """The statuses the rule's conditions allow, and the least wait its time conditions require.

    A `ticket.status` condition of `all` narrows the statuses (is/in keep those, is_not/not_in drop them);
    an `any` made only of status conditions narrows them to the union of its parts. Any other rule may
    match tickets of every status but closed.

    Hours since update "gt/gte/eq N" in `all` mean the ticket was updated at least N hours ago. Business
    hours are never more than calendar hours, so "business hours ≥ N" also means "hours ≥ N": the same
    bound is safe for both (it reads a little more than needed for business hours, never less).
    """
    conditions = rule.conditions
    allowed = set(SWEPT_STATUSES)
    for condition in conditions.all:
        if condition.field == "ticket.status":
            allowed &= _statuses_allowed_by(condition)
    if conditions.any and all(c.field == "ticket.status" for c in conditions.any):
        allowed &= set().union(*(_statuses_allowed_by(c) for c in conditions.any))
    bounds = [float(c.value) for c in conditions.all if c.field in TIME_FIELDS and c.op in LOWER_BOUNDS]
    return Plan(
        statuses=tuple(status for status in SWEPT_STATUSES if status in allowed),
        waited_hours=max([0.0, *bounds]),
    )


def _statuses_allowed_by(condition: Condition) -> set[Status]:
    values = {condition.value} if condition.op in ("is", "is_not") else set(condition.value)
    named = {status for status in SWEPT_STATUSES if status.value in values}
    return named if condition.op in ("is", "in") else set(SWEPT_STATUSES) - named


def automation_claim(rule: Rule, ticket: Ticket) -> str:
    """What makes an automation act once per ticket and condition: the rule, the ticket, and the moment
    the ticket was last updated.

    `updated_at` names the state the ticket has been waiting in. Every change moves it (an agent's edit,
    a customer's reply, another automation, this one's own action: apply_decisions and automatic
    messages set it), and nothing else does (the activity subscriber writes `last_activity_at` only).
    So:
    - the same automation on the same unchanged ticket always yields the same claim: a second sweep,
      an overlapping one or a retried one finds it claimed (the claim is written in the transaction
      of the change) and acts not again;
    - once the ticket changed, the wait starts over, and only when it has waited again does the
      automation match and act again, under a new claim. The action itself moves `updated_at`, so an
      automation can never act twice in a row on a ticket that nobody touched in between without
      waiting its full time again (and a tag condition, as in the built-in reminder, makes it once).
    The version would do as well; the moment is readable on the ticket's trail and in the logs.
    """
    return f"automation:{rule.id}:{ticket.number}:{to_iso(ticket.updated_at)}"


def _uses_customer(conditions: Iterable[Condition]) -> bool:
    return any(condition.field.startswith("customer.") for condition in conditions)


def _without_customer(rule: Rule) -> Rule:
    """A weaker rule that needs no customer read: customer conditions dropped (an `any` with one, whole).

    What it refuses, the rule refuses too; what it lets through is checked again with the customer.
    """
    conditions = rule.conditions
    kept = tuple(c for c in conditions.all if not c.field.startswith("customer."))
    any_ = () if _uses_customer(conditions.any) else conditions.any
    return replace(rule, conditions=Conditions(all=kept, any=any_))


@dataclass
class SweepReport:
    rules: int = 0
    examined: int = 0  # tickets read through the index
    acted: int = 0  # automations that acted (field changes and their side effects)
    refused: int = 0  # tickets an automation's actions do not apply to (a transition not allowed)
    failed: int = 0  # tickets an automation failed on (logged; the next sweep tries again)
    deferred: list[str] = field(default_factory=list)  # automations that reached their limit

    def to_output(self) -> dict[str, Any]:
        return {
            "rules": self.rules,
            "examined": self.examined,
            "acted": self.acted,
            "refused": self.refused,
            "failed": self.failed,
            "deferred": list(self.deferred),
        }


class AutomationSweep:
    def __init__(
        self,
        tickets: TicketService,
        waiting: WaitingTickets,
        customers: CustomerService,
        settings: RoutingSettings,
        notifier: Notifier,
        desk_name: str = "Sportello",
        *,
        max_per_rule: int = MAX_TICKETS_PER_RULE,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._tickets = tickets
        self._waiting = waiting  # read only, through `updated_before`: all writes go through `tickets`
        self._customers = customers
        self._settings = settings
        self._rules = DeskRules(settings)
        self._notifier = notifier
        self._desk_name = desk_name
        self._max_per_rule = max_per_rule
        self._page_size = page_size

    def run(self, now: datetime) -> SweepReport:
        """Applies every enabled automation, in order, to the tickets whose time has come."""
        report = SweepReport()
        rules = self._rules.automations()
        if not rules:
            return report
        calendar = self._settings.calendar()
        for rule in rules:
            report.rules += 1
            self._sweep(rule, now, calendar, report)
        return report

    def _sweep(self, rule: Rule, now: datetime, calendar: BusinessCalendar, report: SweepReport) -> None:
        plan = plan_for(rule)
        before = plan.updated_before(now)
        budget = self._max_per_rule
        prefilter = _without_customer(rule)
        for status in plan.statuses:
            cursor: str | None = None
            while budget > 0:
                page = self._waiting.updated_before(status, before, min(self._page_size, budget), cursor)
                for listed in page.items:
                    budget -= 1
                    report.examined += 1
                    try:
                        if matches(prefilter, facts_of(self._situation(listed, None, now, calendar))):
                            report.acted += self._act(rule, listed.number, now, calendar)
                    except InvalidRequestError as refused:
                        # The rule asks what the ticket cannot do (a solved ticket put on hold): the
                        # rule's to fix, not an outage; said in the logs, and no alarm.
                        report.refused += 1
                        logger.warning("automation %s on ticket #%s: %s", rule.id, listed.number, refused)
                    except Exception:
                        # One ticket's failure holds back neither the others nor the other automations.
                        report.failed += 1
                        logger.exception("automation %s failed on ticket #%s", rule.id, listed.number)
                cursor = page.next_cursor
                if cursor is None:
                    break
            if budget == 0:
                report.deferred.append(rule.id)
                logger.warning(
                    "automation %s reached its limit of %d tickets in this sweep; the rest wait for the next",
                    rule.id,
                    self._max_per_rule,
                )
                return

    def _act(self, rule: Rule, number: int, now: datetime, calendar: BusinessCalendar) -> bool:
        """Acts on the ticket if the rule matches it as it is now (the index may lag a write behind)."""
        ticket = self._tickets.get(number)
        uses_customer = _uses_customer((*rule.conditions.all, *rule.conditions.any))
        customer = self._customer(ticket) if uses_customer else None
        if ticket.status is Status.CLOSED or not matches(
            rule, facts_of(self._situation(ticket, customer, now, calendar))
        ):
            return False
        claim = automation_claim(rule, ticket)
        fired = TriggerFired(
            rule.id, rule.name, RuleKind.AUTOMATION.value, [a.kind.value for a in rule.actions], claim
        )
        applied = act_once(
            self._tickets,
            self._notifier,
            rule.actions,
            ticket,
            customer,
            fired,
            AUTOMATION_ACTOR,
            claim,
            self._desk_name,
        )
        if applied is not None:
            logger.info("automation %s acted on ticket #%s", rule.id, number)
        return applied is not None

    def _customer(self, ticket: Ticket) -> Customer | None:
        try:
            return self._customers.get(ticket.requester.id)
        except NotFoundError:
            return None

    @staticmethod
    def _situation(
        ticket: Ticket, customer: Customer | None, now: datetime, calendar: BusinessCalendar
    ) -> Situation:
        return Situation(ticket, customer, TriggerEvent.SCHEDULE, now, calendar)
