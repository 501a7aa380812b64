"""The automations' sweep on the fakes: what it reads, when it acts, and that it acts once per state."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from sportello.customers.model import Identity, IdentityKind
from sportello.routing.automations import (
    SWEPT_STATUSES,
    AutomationSweep,
    automation_claim,
    plan_for,
)
from sportello.routing.rules import Rule, RuleKind, parse_rule, rule_to_data
from sportello.routing.settings import (
    BUILTIN_AUTOMATIONS,
    CLOSE_SOLVED_RULE_ID,
    REMIND_PENDING_RULE_ID,
    SOLVE_REMINDED_RULE_ID,
    DeskRules,
)
from sportello.tickets.events import EventKind
from sportello.tickets.model import AuthorType, Channel, Status
from sportello.tickets.ports import Page
from sportello.tickets.service import TicketChanges
from tests.fakes import InMemoryRoutingSettings, RecordingNotifier
from tests.unit.intake.builders import AGENT, START, Desk


def automation(rule_id: str = "rule", **data: Any) -> Rule:
    return parse_rule({"name": rule_id, **data}, rule_id, RuleKind.AUTOMATION)


def pending_for(hours: float, *extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "all": [
            {"field": "ticket.status", "op": "is", "value": "pending"},
            {"field": "ticket.hours_since_update", "op": "gte", "value": hours},
            *extra,
        ]
    }


NOTIFY = {"kind": "notify", "templates": {"default": "#{ticket.number} waits"}}
TAG_X = {"kind": "add_tags", "value": ["x"]}


class World:
    """A desk on the fakes with its routing settings and the sweep under test."""

    def __init__(self, *rules: Rule, max_per_rule: int = 500) -> None:
        self.desk = Desk()
        self.settings = InMemoryRoutingSettings()
        self.notifier = RecordingNotifier()
        for rule in rules:
            self.settings.save_rule(rule)
        self.sweep = AutomationSweep(
            self.desk.service,
            self.desk.repo,
            self.desk.customers,
            self.settings,
            self.notifier,
            "Sportello Test",
            max_per_rule=max_per_rule,
            page_size=2,
        )
        self._count = 0

    @property
    def now(self) -> datetime:
        return self.desk.clock()

    def ticket(self, status: Status = Status.PENDING, who: str = "mario@example.org") -> int:
        self._count += 1
        receipt = self.desk.receive(
            Channel.EMAIL, Identity(IdentityKind.EMAIL, who), f"Request {self._count}", f"<{self._count}@x>"
        )
        assert receipt.ticket is not None
        number = receipt.ticket.number
        if status is not Status.NEW:
            self.set_status(number, status)
        return number

    def set_status(self, number: int, status: Status) -> None:
        current = self.desk.repo.get(number)
        self.desk.service.update(number, AGENT, TicketChanges(status=status), current.version)

    def run(self, **advance: float) -> dict[str, Any]:
        if advance:
            self.desk.clock.advance(**advance)
        return self.sweep.run(self.now).to_output()

    def fired(self, number: int) -> list[str]:
        return [e.data["rule_id"] for e in self.desk.events(number, EventKind.TRIGGER_FIRED)]

    def replies(self, number: int) -> list[str]:
        return [m.text for m in self.desk.messages(number) if m.author_type is AuthorType.SYSTEM and m.public]


# --- where an automation's tickets can be --------------------------------------------------------------


def test_the_status_conditions_choose_the_statuses_and_closed_is_never_read() -> None:
    assert plan_for(automation(conditions=pending_for(3), actions=[NOTIFY])).statuses == (Status.PENDING,)
    some = automation(
        conditions={
            "all": [
                {"field": "ticket.status", "op": "in", "value": ["open", "pending", "solved"]},
                {"field": "ticket.status", "op": "is_not", "value": "solved"},
                {"field": "ticket.hours_since_update", "op": "gt", "value": 1},
            ]
        },
        actions=[NOTIFY],
    )
    assert plan_for(some).statuses == (Status.OPEN, Status.PENDING)
    anything = automation(
        conditions={"all": [{"field": "ticket.hours_since_update", "op": "gt", "value": 1}]}, actions=[NOTIFY]
    )
    assert plan_for(anything).statuses == SWEPT_STATUSES
    assert Status.CLOSED not in SWEPT_STATUSES and Status.SOLVED in SWEPT_STATUSES
    either = automation(
        conditions={
            "all": [{"field": "ticket.hours_since_update", "op": "gt", "value": 1}],
            "any": [
                {"field": "ticket.status", "op": "is", "value": "new"},
                {"field": "ticket.status", "op": "is", "value": "on-hold"},
            ],
        },
        actions=[NOTIFY],
    )
    assert plan_for(either).statuses == (Status.NEW, Status.ON_HOLD)
    mixed_any = automation(
        conditions={
            "all": [{"field": "ticket.hours_since_update", "op": "gt", "value": 1}],
            "any": [
                {"field": "ticket.status", "op": "is", "value": "new"},
                {"field": "ticket.priority", "op": "is", "value": "urgent"},
            ],
        },
        actions=[NOTIFY],
    )
    assert plan_for(mixed_any).statuses == SWEPT_STATUSES


def test_the_time_conditions_bound_the_wait_business_hours_by_the_same_number_of_hours() -> None:
    both = automation(
        conditions=pending_for(24, {"field": "ticket.business_hours_since_update", "op": "gte", "value": 30}),
        actions=[NOTIFY],
    )
    assert plan_for(both).waited_hours == 30
    assert plan_for(both).updated_before(START) == START - timedelta(hours=30)
    # An upper bound only ("less than 5 hours") bounds nothing from below: every ticket may match
    recent = automation(
        conditions={"all": [{"field": "ticket.hours_since_update", "op": "lt", "value": 5}]}, actions=[NOTIFY]
    )
    assert plan_for(recent).waited_hours == 0


# --- what a sweep reads --------------------------------------------------------------------------------


def test_a_sweep_reads_the_tickets_that_are_due_not_all_of_them() -> None:
    world = World(automation(conditions=pending_for(48), actions=[NOTIFY]))
    due = [world.ticket() for _ in range(3)]
    world.desk.clock.advance(hours=30)
    waiting = [world.ticket() for _ in range(5)]  # pending, not long enough yet
    for _ in range(4):
        world.ticket(Status.OPEN)  # another status
    old_closed = world.ticket(Status.SOLVED)
    world.set_status(old_closed, Status.CLOSED)
    world.desk.repo.index_reads = 0

    summary = world.run(hours=20)

    assert summary == {"rules": 1, "examined": 3, "acted": 3, "refused": 0, "failed": 0, "deferred": []}
    assert world.desk.repo.index_reads == 3
    assert [int(s[2]["ticket"]) for s in world.notifier.sent] == due
    assert all(world.fired(number) == [] for number in waiting)


def test_no_enabled_automation_reads_nothing() -> None:
    world = World()
    world.ticket()
    summary = world.run(days=30)
    assert (summary["rules"], summary["examined"], summary["acted"]) == (0, 0, 0)
    assert world.desk.repo.index_reads == 0


def test_each_sweep_handles_at_most_its_limit_the_oldest_first_and_the_rest_next_time() -> None:
    world = World(
        automation(conditions=pending_for(1), actions=[{"kind": "set_status", "value": "solved"}]),
        max_per_rule=3,
    )
    numbers = []
    for _ in range(5):
        numbers.append(world.ticket())
        world.desk.clock.advance(minutes=1)

    first = world.run(hours=2)
    assert (first["acted"], first["deferred"]) == (3, ["rule"])
    assert [world.desk.repo.get(n).status for n in numbers] == [Status.SOLVED] * 3 + [Status.PENDING] * 2
    second = world.run(hours=1)
    assert (second["examined"], second["acted"], second["deferred"]) == (2, 2, [])


def test_the_customer_is_read_only_for_a_rule_that_tests_one(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = automation("plain", conditions=pending_for(1), actions=[NOTIFY], position=5)
    vip = automation(  # before the plain one, whose action would restart the wait
        "vip",
        conditions=pending_for(1, {"field": "customer.vip", "op": "is", "value": True}),
        actions=[{"kind": "add_tags", "value": ["vip-waiting"]}],
        position=1,
    )
    world = World(plain)
    regular = world.ticket(who="anna@example.org")
    important = world.ticket(who="vip@example.org")
    customer_id = world.desk.repo.get(important).requester.id
    world.desk.customer_repo.set_traits(customer_id, vip=True, organisation=None)
    reads: list[str] = []
    original = world.desk.customer_repo.get

    def counted(customer_id: str) -> Any:
        reads.append(customer_id)
        return original(customer_id)

    monkeypatch.setattr(world.desk.customer_repo, "get", counted)

    world.run(hours=2)
    assert reads == []  # the plain rule acted on both without reading a customer

    world.settings.save_rule(vip)
    world.run(hours=2)
    assert world.desk.repo.get(important).tags == ["vip-waiting"]
    assert world.desk.repo.get(regular).tags == []
    assert sorted(set(reads)) == sorted({customer_id, world.desk.repo.get(regular).requester.id})


# --- once per ticket and state -------------------------------------------------------------------------


def test_two_sweeps_on_the_same_state_act_once() -> None:
    world = World(automation(conditions=pending_for(2), actions=[NOTIFY, TAG_X]))
    number = world.ticket()
    first = world.run(hours=3)
    again = world.run()  # the same hour, twice (EventBridge delivers at least once)
    assert (first["acted"], again["acted"]) == (1, 0)
    assert world.fired(number) == ["rule"]
    assert len(world.notifier.sent) == 1


def test_an_overlapping_sweep_on_the_same_state_acts_not_again(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = automation(conditions=pending_for(2), actions=[NOTIFY, TAG_X])
    world = World(rule)
    number = world.ticket()
    world.desk.clock.advance(hours=3)
    stale = world.desk.repo.get(number)  # what a second sweep, started at the same time, read
    assert world.run()["acted"] == 1

    class StaleIndex:
        def updated_before(self, *args: Any, **kwargs: Any) -> Page:
            return Page([stale], None)

    overlapping = AutomationSweep(
        world.desk.service,
        StaleIndex(),
        world.desk.customers,
        world.settings,
        world.notifier,
    )
    monkeypatch.setattr(world.desk.service, "get", lambda n: stale)
    assert overlapping.run(world.now).acted == 0
    assert world.fired(number) == ["rule"]
    assert len(world.notifier.sent) == 1  # the side effect is claimed once too
    assert world.desk.repo.tickets[number].tags == ["x"]
    assert world.desk.service.done(automation_claim(rule, stale))


def test_a_ticket_that_changed_and_waited_again_is_acted_on_again() -> None:
    world = World(automation(conditions=pending_for(2), actions=[NOTIFY]))
    number = world.ticket()
    assert world.run(hours=3)["acted"] == 1
    # Its own action moved updated_at: nothing until the ticket has waited its time again
    assert world.run(hours=1)["acted"] == 0
    # An agent changes the ticket: the wait starts over from that change
    current = world.desk.repo.get(number)
    world.desk.service.update(number, AGENT, TicketChanges(priority=current.priority.HIGH), current.version)
    assert world.run(hours=1)["acted"] == 0
    assert world.run(hours=1, minutes=1)["acted"] == 1
    assert world.fired(number) == ["rule", "rule"]
    claims = [e.data["cause"] for e in world.desk.events(number, EventKind.TRIGGER_FIRED)]
    assert len(set(claims)) == 2


def test_a_tag_condition_makes_an_automation_act_once_per_ticket() -> None:
    world = World(
        automation(
            conditions=pending_for(2, {"field": "ticket.tags", "op": "excludes", "value": "nudged"}),
            actions=[NOTIFY, {"kind": "add_tags", "value": ["nudged"]}],
        )
    )
    number = world.ticket()
    acted = sum(world.run(hours=1)["acted"] for _ in range(48))
    assert acted == 1
    assert world.fired(number) == ["rule"]


def test_a_failure_on_one_ticket_holds_back_neither_the_others_nor_the_next_automations() -> None:
    hold = automation(
        "hold",
        conditions={
            "all": [
                {"field": "ticket.status", "op": "in", "value": ["solved", "pending"]},
                {"field": "ticket.hours_since_update", "op": "gte", "value": 1},
            ]
        },
        actions=[{"kind": "set_status", "value": "on-hold"}],  # solved cannot go on hold
    )
    later = automation(
        "later",
        conditions={
            "all": [
                {"field": "ticket.status", "op": "is", "value": "open"},
                {"field": "ticket.hours_since_update", "op": "gte", "value": 1},
            ]
        },
        actions=[NOTIFY],
        position=1,
    )
    world = World(hold, later)
    solved = world.ticket(Status.SOLVED)
    pending = world.ticket(Status.PENDING)
    opened = world.ticket(Status.OPEN)
    summary = world.run(hours=2)
    assert (summary["refused"], summary["failed"], summary["acted"]) == (1, 0, 2)
    assert world.desk.repo.get(solved).status is Status.SOLVED
    assert world.desk.repo.get(pending).status is Status.ON_HOLD
    assert world.fired(opened) == ["later"]


def test_an_error_is_counted_as_a_failure_and_the_sweep_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(automation(conditions=pending_for(1), actions=[NOTIFY]))
    first, second = world.ticket(), world.ticket()
    calls: list[str] = []

    def flaky(subject: str, message: str, attributes: Any) -> None:
        calls.append(attributes["ticket"])
        if len(calls) == 1:
            raise ConnectionError("the topic is unreachable")

    monkeypatch.setattr(world.notifier, "notify", flaky)
    summary = world.run(hours=2)
    assert (summary["failed"], summary["acted"]) == (1, 1)
    assert calls == [str(first), str(second)]


def test_a_ticket_the_index_shows_stale_is_judged_as_it_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(automation(conditions=pending_for(2), actions=[NOTIFY]))
    number = world.ticket()
    world.desk.clock.advance(hours=3)
    stale = world.desk.repo.get(number)
    world.set_status(number, Status.OPEN)  # an agent, a moment ago: the index has not caught up

    class LaggingIndex:
        def updated_before(self, *args: Any, **kwargs: Any) -> Page:
            return Page([stale], None)

    sweep = AutomationSweep(
        world.desk.service,
        LaggingIndex(),
        world.desk.customers,
        world.settings,
        world.notifier,
    )
    assert sweep.run(world.now).acted == 0
    assert world.notifier.sent == []


# --- the built-in examples -----------------------------------------------------------------------------


def test_the_builtin_automations_ship_switched_off_and_are_valid_rules() -> None:
    rules = DeskRules(InMemoryRoutingSettings())
    listed = rules.all(RuleKind.AUTOMATION)
    assert [r.id for r in listed] == [REMIND_PENDING_RULE_ID, SOLVE_REMINDED_RULE_ID, CLOSE_SOLVED_RULE_ID]
    assert all(r.builtin and not r.enabled for r in listed)
    assert rules.automations() == []
    assert [r.id for r in rules.all(RuleKind.TRIGGER)] == ["acknowledge"]
    for rule in BUILTIN_AUTOMATIONS:
        assert parse_rule(rule_to_data(rule), rule.id, RuleKind.AUTOMATION) == rule


def test_the_readme_example_remind_after_3_business_days_then_solve_then_close() -> None:
    # Given the three examples switched on, and a ticket pending from Monday 10:00 in Rome
    world = World(*(replace(rule, enabled=True) for rule in BUILTIN_AUTOMATIONS))
    number = world.ticket()
    assert world.now.weekday() == 0
    started = world.now
    moments: dict[str, datetime] = {}

    # When the schedule sweeps every hour for three weeks
    for _ in range(21 * 24):
        world.run(hours=1)
        for rule_id in world.fired(number):
            moments.setdefault(rule_id, world.now)

    # Then each fired once, in turn: 24 business hours (Thursday 10:00 in Rome), 5 days, 4 days
    assert world.fired(number) == [REMIND_PENDING_RULE_ID, SOLVE_REMINDED_RULE_ID, CLOSE_SOLVED_RULE_ID]
    assert moments[REMIND_PENDING_RULE_ID] == started + timedelta(days=3)
    assert moments[SOLVE_REMINDED_RULE_ID] == moments[REMIND_PENDING_RULE_ID] + timedelta(hours=120)
    assert moments[CLOSE_SOLVED_RULE_ID] == moments[SOLVE_REMINDED_RULE_ID] + timedelta(hours=96)
    ticket = world.desk.repo.get(number)
    assert ticket.status is Status.CLOSED
    assert ticket.tags == ["reminded"]
    (reminder,) = world.replies(number)
    assert f"#{number}" in reminder and "Sportello Test" in reminder
    assert len(world.desk.outbound.replies) == 1  # sent once on the ticket's channel


def test_a_reminded_customer_who_answers_is_not_solved_behind_their_back() -> None:
    world = World(*(replace(rule, enabled=True) for rule in BUILTIN_AUTOMATIONS))
    number = world.ticket()
    for _ in range(3 * 24):
        world.run(hours=1)
    assert world.fired(number) == [REMIND_PENDING_RULE_ID]
    # The customer answers: the ticket reopens, and no automation touches an open ticket
    world.desk.receive(
        Channel.EMAIL,
        Identity(IdentityKind.EMAIL, "mario@example.org"),
        "Still broken",
        "<answer@x>",
        thread_ticket=number,
    )
    assert world.desk.repo.get(number).status is Status.OPEN
    for _ in range(10 * 24):
        world.run(hours=1)
    assert world.fired(number) == [REMIND_PENDING_RULE_ID]
    assert world.desk.repo.get(number).status is Status.OPEN
