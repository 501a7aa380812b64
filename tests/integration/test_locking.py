"""Optimistic locking where it is decided: DynamoDB's conditional write on the ticket's version.

The service refuses a stale version before writing; these tests get two writers past that check at once,
so only the store's condition stands between them and a lost write.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sportello.app import sportello
from sportello.customers.model import Identity
from sportello.store.tickets import DynamoTicketRepository
from sportello.tickets.inbound import InboundMessage
from sportello.tickets.model import Channel

from .api import OTHER_AGENT_CLAIMS, ApiResponse, call
from .mail import compose, deliver
from .messaging import run_concurrently


def test_two_agents_saving_the_same_version_at_once_one_wins_and_the_other_gets_409(
    cloud, atomic_moto, monkeypatch
):
    # Given a ticket, and two agents whose saves both read it before either writes
    deliver(cloud, compose())
    version = call("GET", "/api/tickets/1").body["ticket"]["version"]
    both_read = threading.Barrier(2)
    read = DynamoTicketRepository.get

    def read_then_wait(self: DynamoTicketRepository, number: int) -> Any:
        found = read(self, number)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_read.wait(timeout=5)
        return found

    monkeypatch.setattr(DynamoTicketRepository, "get", read_then_wait)
    responses: list[ApiResponse] = []

    def save(changes: dict[str, Any], claims: dict[str, Any] | None = None) -> None:
        responses.append(call("PATCH", "/api/tickets/1", {"version": version, **changes}, claims=claims))

    # When both save that version
    run_concurrently(
        partial(save, {"priority": "high"}), partial(save, {"priority": "low"}, OTHER_AGENT_CLAIMS)
    )

    # Then one save wins, the other is told of the conflict, and the winner's change is the one kept
    assert sorted(response.status for response in responses) == [200, 409]
    [won] = [response for response in responses if response.status == 200]
    ticket = call("GET", "/api/tickets/1").body["ticket"]
    assert (ticket["priority"], ticket["version"]) == (won.body["ticket"]["priority"], version + 1)


def test_a_customer_message_racing_an_agents_save_is_retried_and_both_are_kept(cloud, monkeypatch):
    # Given a ticket, and an agent who saves it just after a customer's new message read it
    deliver(cloud, compose())
    write = DynamoTicketRepository.write
    writes: list[int] = []

    def agent_saves_first(self: DynamoTicketRepository, ticket: Any, *args: Any, **kwargs: Any) -> Any:
        writes.append(ticket.number)
        if len(writes) == 1:
            current = call("GET", "/api/tickets/1").body["ticket"]["version"]
            assert call("PATCH", "/api/tickets/1", {"version": current, "priority": "urgent"}).status == 200
        return write(self, ticket, *args, **kwargs)

    monkeypatch.setattr(DynamoTicketRepository, "write", agent_saves_first)
    sender = Identity.email("mario@example.org")
    follow_up = InboundMessage(
        id="follow-up",
        channel=Channel.EMAIL,
        identity=sender,
        sender_name="Mario Rossi",
        subject="Re: Cannot log in",
        text="Any news?",
        full_text="Any news?",
        received_at=datetime.now(UTC),
        external_ids=("<follow-up@example.org>",),
        thread_ticket=1,
    )

    # When the customer's message is saved
    sportello().tickets.receive(follow_up)

    # Then its first write lost the race at the table, the retry re-read the ticket, and both changes stand
    assert writes == [1, 1, 1]  # ours (refused), the agent's, ours again
    page = call("GET", "/api/tickets/1").body
    assert page["ticket"]["priority"] == "urgent"
    assert [m["text"] for m in page["messages"]][-1] == "Any news?"


def test_two_first_mails_of_a_new_customer_at_once_make_one_customer_and_burn_no_number(
    cloud, atomic_moto, monkeypatch
):
    # Given two mails from someone we never heard from, processed at once: both look the sender up
    # before either writes, so both set out to create the customer with their ticket
    both_looked = threading.Barrier(2)
    look = DynamoTicketRepository.lookup

    def look_then_wait(self: DynamoTicketRepository, *args: Any, **kwargs: Any) -> Any:
        found = look(self, *args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_looked.wait(timeout=5)
        return found

    monkeypatch.setattr(DynamoTicketRepository, "lookup", look_then_wait)
    reports: list[dict[str, Any]] = []
    mails = [compose(subject="First question"), compose(subject="Second question")]

    # When both are delivered
    run_concurrently(*[partial(lambda mail: reports.append(deliver(cloud, mail)), mail) for mail in mails])

    # Then each has its ticket, both of one customer (the slower write was refused for the customer,
    # resolved them and wrote its ticket again, under the number it had drawn)
    assert sorted(report["ticket"] for report in reports) == [1, 2]
    requesters = {call("GET", f"/api/tickets/{n}").body["ticket"]["requester"]["id"] for n in (1, 2)}
    assert len(requesters) == 1
    assert DynamoTicketRepository().next_number() == 3  # no number burned
