"""Ticket business rules, as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.errors import InvalidRequestError
from sportello.tickets.model import AuthorType, Channel, Priority, Requester, Status, Ticket
from sportello.tickets.rules import ALLOWED_TRANSITIONS, can_transition, status_after_message
from sportello.tickets.service import TicketChanges, apply_changes, normalise_tags

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _ticket(status: Status = Status.NEW) -> Ticket:
    return Ticket(
        number=7,
        subject="Help",
        status=status,
        priority=Priority.NORMAL,
        channel=Channel.EMAIL,
        requester=Requester("c1", "Mario", "mario@example.org"),
        language="it",
        created_at=NOW,
        updated_at=NOW,
        version=3,
    )


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_a_rule(status):
    assert status in ALLOWED_TRANSITIONS


def test_closed_is_final():
    assert not any(can_transition(Status.CLOSED, target) for target in Status if target is not Status.CLOSED)


def test_only_solved_tickets_can_be_closed():
    closable = {status for status in Status if can_transition(status, Status.CLOSED)}
    assert closable == {Status.SOLVED, Status.CLOSED}


def test_nothing_goes_back_to_new():
    assert [s for s in Status if s is not Status.NEW and can_transition(s, Status.NEW)] == []


@pytest.mark.parametrize(
    ("current", "author", "public", "expected"),
    [
        (Status.PENDING, AuthorType.CUSTOMER, True, Status.OPEN),
        (Status.SOLVED, AuthorType.CUSTOMER, True, Status.OPEN),
        (Status.NEW, AuthorType.CUSTOMER, True, Status.NEW),
        (Status.ON_HOLD, AuthorType.CUSTOMER, True, Status.ON_HOLD),
        (Status.NEW, AuthorType.AGENT, True, Status.OPEN),
        (Status.NEW, AuthorType.AGENT, False, Status.NEW),
        (Status.PENDING, AuthorType.AGENT, True, Status.PENDING),
        (Status.OPEN, AuthorType.SYSTEM, True, Status.OPEN),
    ],
)
def test_status_after_message(current, author, public, expected):
    assert status_after_message(current, author, public) is expected


def test_apply_changes_records_one_event_per_changed_field():
    changed, events = apply_changes(
        _ticket(),
        TicketChanges(status=Status.SOLVED, priority=Priority.NORMAL, tags=["B", "a"]),
        "agent",
        NOW,
    )

    assert changed.status is Status.SOLVED
    assert changed.solved_at == NOW
    assert changed.tags == ["a", "b"]
    assert sorted(e.data["field"] for e in events) == ["status", "tags"]
    assert all(e.actor == "agent" for e in events)


def test_apply_changes_refuses_a_forbidden_transition():
    with pytest.raises(InvalidRequestError, match="cannot become closed"):
        apply_changes(_ticket(Status.OPEN), TicketChanges(status=Status.CLOSED), "agent", NOW)


def test_apply_changes_clears_the_assignee():
    ticket = _ticket()
    ticket.assignee = "agent-9"

    changed, events = apply_changes(ticket, TicketChanges(clear=frozenset({"assignee"})), "agent", NOW)

    assert changed.assignee is None
    assert events[0].data == {"field": "assignee", "old": "agent-9", "new": None}


def test_no_change_no_event():
    changed, events = apply_changes(_ticket(), TicketChanges(priority=Priority.NORMAL), "agent", NOW)

    assert events == []
    assert changed == _ticket()


def test_tags_are_normalised():
    assert normalise_tags([" VIP ", "late delivery", "vip", ""]) == ["late-delivery", "vip"]
