"""Ticket rules that mutation testing (`make mutate`) found unguarded: delivery states, the audit trail
of customers' messages and agents' edits, redeliveries that race, and what a closed ticket still takes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from sportello.customers.model import Identity
from sportello.errors import ConflictError
from sportello.tickets.events import EventKind
from sportello.tickets.model import Channel, Status, Ticket
from sportello.tickets.ports import Lookup, MessageRef
from sportello.tickets.service import SYSTEM_ACTOR, Outcome, Receipt, TicketChanges
from tests.fakes import InMemoryTicketRepository
from tests.unit.intake.builders import AGENT, Desk

MARIO = Identity.email("mario@example.org")


def opened(desk: Desk) -> Ticket:
    receipt = desk.receive(Channel.EMAIL, MARIO, "Cannot log in", "first@example.org")
    assert receipt.ticket is not None
    return receipt.ticket


def agent_reply(desk: Desk, number: int, status: str | None = "sent") -> MessageRef:
    message, _ = desk.service.reply(number, AGENT, "We are on it", public=True)
    key = desk.repo.message_key(message)
    desk.repo.update_message(number, key, {"delivery_status": status})
    return MessageRef(number, key, "outbound")


# --- delivery states -------------------------------------------------------------------------------


def test_the_same_delivery_state_reported_twice_is_recorded_once() -> None:
    desk = Desk()
    ref = agent_reply(desk, opened(desk).number)

    assert desk.service.record_delivery(ref, "delivered", desk.clock())
    assert not desk.service.record_delivery(ref, "delivered", desk.clock())

    [changed] = desk.events(ref.ticket_number, EventKind.DELIVERY_CHANGED)
    message = desk.repo.message(ref.ticket_number, str(ref.message_key))
    assert (changed.actor, changed.data["message_id"], changed.data["state"]) == (
        SYSTEM_ACTOR,
        message.id,
        "delivered",
    )


def test_a_delivery_state_the_desk_does_not_know_changes_nothing() -> None:
    desk = Desk()
    ref = agent_reply(desk, opened(desk).number, status=None)

    assert not desk.service.record_delivery(ref, "accepted", desk.clock())


def test_a_message_whose_stored_state_the_desk_does_not_know_takes_any_known_state() -> None:
    desk = Desk()
    ref = agent_reply(desk, opened(desk).number, status="scheduled")

    assert desk.service.record_delivery(ref, "sent", desk.clock())


def test_news_about_a_ref_without_a_message_is_not_recorded() -> None:
    desk = Desk()
    number = opened(desk).number
    no_message = MessageRef(number, None, "outbound")

    assert not desk.service.record_delivery(no_message, "read", desk.clock())
    assert not desk.service.record_edit(no_message, "new text", "provider-1", desk.clock())
    assert desk.events(number, EventKind.MESSAGE_EDITED) == []


def test_a_failed_delivery_keeps_at_most_500_characters_of_its_reason_and_none_when_it_has_none() -> None:
    desk = Desk()
    number = opened(desk).number
    first, second = agent_reply(desk, number), agent_reply(desk, number)

    desk.service.record_delivery(first, "failed", desk.clock(), error="x" * 600)
    desk.service.record_delivery(second, "failed", desk.clock())

    failures = desk.events(number, EventKind.DELIVERY_FAILED)
    messages = {desk.repo.message(number, str(ref.message_key)).id for ref in (first, second)}
    assert sorted(len(event.data["error"] or "") for event in failures) == [0, 500]
    assert [event.data["error"] for event in failures].count(None) == 1
    assert {event.data["message_id"] for event in failures} == messages
    assert {event.actor for event in failures} == {SYSTEM_ACTOR}


def test_a_customers_edit_is_recorded_by_the_system() -> None:
    desk = Desk()
    ref = agent_reply(desk, opened(desk).number)

    desk.service.record_edit(ref, "new text", "provider-1", desk.clock())

    [edited] = desk.events(ref.ticket_number, EventKind.MESSAGE_EDITED)
    assert edited.actor == SYSTEM_ACTOR


# --- the audit trail of customers' messages and agents' edits ----------------------------------------


def test_a_customers_reply_is_recorded_by_them_and_its_reopening_by_the_system() -> None:
    desk = Desk()
    ticket = opened(desk)
    desk.service.update(ticket.number, AGENT, TicketChanges(status=Status.SOLVED), ticket.version)
    later = desk.clock.advance(hours=1)

    receipt = desk.receive(
        Channel.EMAIL, MARIO, "Still broken", "second@example.org", thread_ticket=ticket.number
    )

    assert receipt.ticket is not None and receipt.message is not None
    assert (receipt.ticket.status, receipt.ticket.updated_at) == (Status.OPEN, later)
    [added] = [e for e in desk.events(ticket.number, EventKind.MESSAGE_ADDED) if e.created_at == later]
    [reopened] = desk.events(ticket.number, EventKind.STATUS_CHANGED)
    assert (added.ticket_number, added.actor) == (ticket.number, ticket.requester.id)
    assert (added.data["author_type"], added.data["message_id"]) == ("customer", receipt.message.id)
    assert (reopened.ticket_number, reopened.actor) == (ticket.number, SYSTEM_ACTOR)


def test_an_agents_edit_is_recorded_by_the_agent_and_moves_the_ticket_forward_in_time() -> None:
    desk = Desk()
    ticket = opened(desk)
    later = desk.clock.advance(minutes=5)

    saved = desk.service.update(ticket.number, AGENT, TicketChanges(tags=["vip"]), ticket.version)

    [changed] = desk.events(ticket.number, EventKind.FIELD_CHANGED)
    assert (changed.ticket_number, changed.actor) == (ticket.number, AGENT.id)
    assert saved.updated_at == later


def test_only_becoming_solved_sets_the_solved_time() -> None:
    desk = Desk()
    ticket = opened(desk)

    pending = desk.service.update(ticket.number, AGENT, TicketChanges(status=Status.PENDING), ticket.version)

    assert pending.solved_at is None


def test_a_closed_ticket_still_takes_tags() -> None:
    desk = Desk()
    ticket = opened(desk)
    solved = desk.service.update(ticket.number, AGENT, TicketChanges(status=Status.SOLVED), ticket.version)
    closed = desk.service.update(ticket.number, AGENT, TicketChanges(status=Status.CLOSED), solved.version)

    tagged = desk.service.update(ticket.number, AGENT, TicketChanges(tags=["refund"]), closed.version)

    assert (tagged.status, tagged.tags) == (Status.CLOSED, ["refund"])


def test_a_new_customer_takes_the_language_of_their_first_message() -> None:
    desk = Desk()

    receipt = desk.receive(Channel.EMAIL, MARIO, "Non riesco ad accedere", "it@example.org", language="it")

    assert receipt.ticket is not None
    assert desk.customers.get(receipt.ticket.requester.id).language == "it"


# --- redeliveries that race the first delivery --------------------------------------------------------


class RefsSeenTooLate(InMemoryTicketRepository):
    """A store whose early duplicate check misses (a concurrent delivery): only the write can refuse.

    The early check is the lookup's read of the message's own ids (formerly one read per id)."""

    def ticket_for_ref(self, ref: str) -> int | None:
        return None

    def lookup(self, refs: Sequence[str], identity: Identity | None) -> Lookup:
        return replace(super().lookup(refs, identity), refs={})


@pytest.mark.parametrize("threaded", [False, True], ids=["new ticket", "reply"])
def test_a_redelivery_that_races_the_first_is_a_duplicate_with_nothing_written(threaded: bool) -> None:
    desk = Desk(repo=RefsSeenTooLate())
    ticket = opened(desk)
    thread = {"thread_ticket": ticket.number} if threaded else {}
    desk.receive(Channel.EMAIL, MARIO, "Again", "again@example.org", **thread)

    again = desk.receive(Channel.EMAIL, MARIO, "Again", "again@example.org", **thread)

    assert again == Receipt(Outcome.DUPLICATE, None, None)


# --- locking -------------------------------------------------------------------------------------------


class AlwaysChanged(InMemoryTicketRepository):
    """A store where an agent saves the ticket between every read and write of the system."""

    def get(self, number: int) -> Ticket:
        current = super().get(number)
        return replace(current, version=current.version - 1)


def test_a_system_change_that_keeps_losing_races_says_which_ticket_kept_changing() -> None:
    desk = Desk(repo=AlwaysChanged())
    ticket = opened(desk)

    with pytest.raises(ConflictError, match=f"ticket #{ticket.number} kept changing"):
        desk.receive(Channel.EMAIL, MARIO, "Again", "again@example.org", thread_ticket=ticket.number)

    assert desk.repo.tickets[ticket.number] == ticket
