"""Clocks rebuilt from a ticket's events: start, pause, resume, meet, cycles, business time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sportello.calendar import DEFAULT_CALENDAR
from sportello.sla.clocks import derive_clocks
from sportello.sla.model import ClockState, Target, TargetKind
from sportello.tickets.model import Priority, Status
from tests.unit.sla.world import World, policy

FIRST, NEXT, RESOLUTION = TargetKind.FIRST_REPLY, TargetKind.NEXT_REPLY, TargetKind.RESOLUTION
# Monday 2 March 2026, 10:00 in Rome (CET, UTC+1): the desk is open 9-13 and 14-18.
MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def rome(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A wall-clock time in Rome in March 2026 before the DST change (UTC+1)."""
    return datetime(2026, month, day, hour - 1, minute, tzinfo=UTC)


def test_a_new_ticket_starts_first_reply_and_resolution_in_business_time() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    first = world.clock(number, FIRST)
    assert first.state_at(world.now) is ClockState.RUNNING
    assert first.due_at == rome(2, 11)  # 60 business minutes
    assert first.warn_at == rome(2, 10, 45)  # 75 %
    # 240 minutes: 10-13 is 180, the lunch break does not count, 14-15 the last 60.
    assert world.clock(number, RESOLUTION).due_at == rome(2, 15)
    assert {clock.target for clock in world.record(number).clocks} == {FIRST, RESOLUTION}


def test_a_request_on_friday_evening_is_due_on_monday_morning() -> None:
    world = World()
    world.at(rome(6, 17, 30))  # Friday 6 March
    number = world.customer_writes()
    assert world.clock(number, FIRST).due_at == rome(9, 9, 30)  # 30 minutes Friday, 30 Monday


def test_a_public_agent_reply_meets_the_first_reply_and_a_note_does_not() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    world.at(rome(2, 10, 20))
    world.agent_replies(number, public=False)
    assert world.clock(number, FIRST).met_at is None
    world.at(rome(2, 10, 40))
    world.agent_replies(number)
    first = world.clock(number, FIRST)
    assert first.met_at == rome(2, 10, 40)
    assert first.state_at(world.now) is ClockState.MET
    assert world.clock(number, RESOLUTION).met_at is None


def test_a_reply_after_the_due_time_leaves_the_target_breached() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    world.at(rome(2, 11, 30))
    world.agent_replies(number)
    assert world.clock(number, FIRST).state_at(world.now) is ClockState.BREACHED


def test_pending_pauses_every_running_clock_and_open_resumes_it() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    world.at(rome(2, 10, 20))
    world.status(number, Status.PENDING)
    first = world.clock(number, FIRST)
    assert first.state_at(world.now) is ClockState.PAUSED
    assert first.due_at is None
    assert first.seconds_left(world.now, DEFAULT_CALENDAR) == 40 * 60  # frozen while paused
    world.at(rome(2, 11, 20))  # an hour later
    assert world.clock(number, FIRST).seconds_left(world.now, DEFAULT_CALENDAR) == 40 * 60
    world.status(number, Status.OPEN)
    assert world.clock(number, FIRST).due_at == rome(2, 12)  # 20 used, 40 left from 11:20


def test_on_hold_pauses_too() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    world.status(number, Status.ON_HOLD)
    assert world.clock(number, RESOLUTION).state_at(world.now) is ClockState.PAUSED


def test_a_customer_message_after_a_reply_starts_next_reply_and_the_next_reply_meets_it() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    world.at(rome(2, 10, 10))
    world.agent_replies(number)
    world.at(rome(2, 10, 30))
    world.customer_writes("Grazie, ma quando arriva?", number)
    next_reply = world.clock(number, NEXT)
    assert (next_reply.cycle, next_reply.started_at, next_reply.due_at) == (1, rome(2, 10, 30), rome(2, 11))
    world.at(rome(2, 10, 40))
    world.customer_writes("Allora?", number)  # a second message keeps the earlier start
    assert world.clock(number, NEXT).started_at == rome(2, 10, 30)
    world.at(rome(2, 10, 50))
    world.agent_replies(number)
    assert world.clock(number, NEXT).met_at == rome(2, 10, 50)
    world.at(rome(2, 11, 5))
    world.customer_writes("Ok", number)
    assert world.clock(number, NEXT).cycle == 2


def test_solving_meets_resolution_and_reopening_restarts_it() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    world.at(rome(2, 10, 10))
    world.agent_replies(number)
    world.at(rome(2, 10, 30))
    world.status(number, Status.SOLVED)
    resolution = world.clock(number, RESOLUTION)
    assert (resolution.cycle, resolution.met_at) == (1, rome(2, 10, 30))
    world.at(rome(2, 16))
    world.status(number, Status.OPEN)
    reopened = world.clock(number, RESOLUTION)
    assert (reopened.cycle, reopened.started_at, reopened.met_at) == (2, rome(2, 16), None)
    assert reopened.due_at == rome(3, 11)  # 2 hours on Monday, 2 on Tuesday from 9


def test_raising_the_priority_applies_the_new_targets_from_the_original_start() -> None:
    world = World(
        policy(
            targets={"normal": {"first_reply": {"minutes": 240}}, "urgent": {"first_reply": {"minutes": 30}}}
        )
    )
    world.at(MONDAY_10)
    number = world.customer_writes()
    assert world.clock(number, FIRST).due_at == rome(2, 15)
    world.set(number, priority=Priority.URGENT)
    assert world.clock(number, FIRST).due_at == rome(2, 10, 30)


def test_calendar_time_targets_count_nights_and_weekends() -> None:
    world = World(policy(targets={"normal": {"first_reply": {"minutes": 120, "business": False}}}))
    world.at(rome(6, 23))  # Friday night
    number = world.customer_writes()
    assert world.clock(number, FIRST).due_at == rome(7, 1)


def test_the_clocks_are_the_same_whatever_order_and_number_of_times_the_events_arrive() -> None:
    world = World()
    world.at(MONDAY_10)
    number = world.customer_writes()
    for minutes, act in ((10, "reply"), (20, "pending"), (80, "customer"), (95, "reply"), (100, "solved")):
        world.at(MONDAY_10 + timedelta(minutes=minutes))
        if act == "reply":
            world.agent_replies(number)
        elif act == "customer":
            world.customer_writes("Ancora io", number)
        else:
            world.status(number, Status(act))
    history = world.desk.repo.history(number)
    targets = {kind: Target(60) for kind in TargetKind}
    expected = derive_clocks(history.ticket.created_at, history.events, targets, DEFAULT_CALENDAR, 75)
    shuffled = [*history.events, *history.events[:3]]
    random.Random(7).shuffle(shuffled)
    assert derive_clocks(history.ticket.created_at, shuffled, targets, DEFAULT_CALENDAR, 75) == expected
    assert len(expected) == 3


def test_a_ticket_holding_an_earlier_requests_events_keeps_the_earlier_clock() -> None:
    # Merging moves a ticket's events into the one it joins: the target's history then holds two
    # openings, and its clocks run from the earlier one.
    world = World()
    world.at(MONDAY_10)
    earlier = world.customer_writes("Il pacco non è arrivato")
    world.at(rome(2, 10, 30))
    later = world.customer_writes("Dov'è il mio pacco?", who="lucia@example.org")
    target = world.desk.repo.history(later)
    moved = [*target.events, *world.desk.repo.history(earlier).events]
    targets = {TargetKind.FIRST_REPLY: Target(60)}
    [first] = derive_clocks(target.ticket.created_at, moved, targets, DEFAULT_CALENDAR, 75)
    assert (first.started_at, first.due_at) == (MONDAY_10, rome(2, 11))
    [alone] = derive_clocks(target.ticket.created_at, target.events, targets, DEFAULT_CALENDAR, 75)
    assert alone.started_at == rome(2, 10, 30)
