"""200 tickets arrive together and parallel executions assign them, on DynamoDB (moto): no ticket goes
to two agents, no agent goes past capacity, the counts are the holds, and the spread is the strategy's.

`atomic_moto` makes each AWS request atomic, as it is in AWS; the races are between requests, where
only the conditional writes of `DynamoAgentPresence.take` and the ticket write stand between them.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as moto_dynamodb
import pytest
from moto.dynamodb.models.table import Table

from sportello.app import sportello
from sportello.routing.assignment import Assigner
from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
from sportello.store import keys
from sportello.store.models import HoldItem
from sportello.store.presence import DynamoAgentPresence
from sportello.store.tickets import DynamoTicketRepository
from sportello.tickets.model import Channel, Priority, Requester, Status, Ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TICKETS = 200
AGENTS = tuple(f"agent-{i}" for i in range(5))
WORKERS = 8


@pytest.fixture
def quick_moto_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto deep-copies the whole table, its stream records included, before each item of a transaction
    (to roll a cancelled one back): with 200 tickets on the table that is a second per transaction. This
    snapshot copies each item's attribute map instead, which is all a rollback of our writes needs (they
    put items and set top-level attributes). Only the speed changes, not what moto decides."""

    def item_copy(item: Any) -> Any:
        clone = copy.copy(item)
        clone.attrs = dict(item.attrs)
        return clone

    def snapshot(value: Any, memo: Any = None) -> Any:
        if not isinstance(value, Table):
            return copy.deepcopy(value, memo)
        clone = copy.copy(value)
        clone.items = defaultdict(dict)
        for hash_key, stored in value.items.items():
            if isinstance(stored, dict):
                clone.items[hash_key] = {range_key: item_copy(i) for range_key, i in stored.items()}
            else:
                clone.items[hash_key] = item_copy(stored)
        return clone

    monkeypatch.setattr(moto_dynamodb, "copy", SimpleNamespace(deepcopy=snapshot, copy=copy.copy))


def arrive_together(count: int) -> None:
    repo = DynamoTicketRepository()
    for number in range(1, count + 1):
        ticket = Ticket(
            number=number,
            subject=f"Ticket {number}",
            status=Status.NEW,
            priority=Priority.NORMAL,
            channel=Channel.EMAIL,
            requester=Requester(f"c{number}", "Maria", "maria@example.org"),
            language="it",
            created_at=T0,
            updated_at=T0 + timedelta(milliseconds=number),
            group="billing",
        )
        repo.write(ticket, new=True)


@pytest.mark.parametrize(
    ("strategy", "capacity", "arriving"),
    [
        (Strategy.LEAST_OPEN, 60, TICKETS),  # room for all: spread evenly
        (Strategy.ROUND_ROBIN, 60, TICKETS),  # room for all: in turn
        (Strategy.LEAST_OPEN, 10, 60),  # room for 50: the rest wait, and nobody goes past capacity
    ],
    ids=["least-open", "round-robin", "least-open-full"],
)
def test_two_hundred_tickets_assigned_at_once_are_spread_as_the_strategy_promises(
    cloud, atomic_moto, quick_moto_transactions, strategy: Strategy, capacity: int, arriving: int
) -> None:
    # Given five online agents and 200 tickets waiting in their group
    presence = DynamoAgentPresence()
    for agent_id in AGENTS:
        presence.save_profile(AgentProfile(agent_id, capacity=capacity))
        presence.set_status(agent_id, AgentStatus.ONLINE, T0)
    arrive_together(arriving)
    group = GroupSettings("billing", "Billing", strategy, AGENTS)
    assigner = Assigner(sportello().tickets, presence)

    # When eight executions assign them at once
    with ThreadPoolExecutor(WORKERS) as pool:
        assignments = list(
            pool.map(
                lambda number: assigner.assign(number, group, f"routing:e{number}:assign"),
                range(1, arriving + 1),
            )
        )

    # Then each ticket has at most one assignee, the one its hold names, and the one the assigner said
    tickets = {number: sportello().tickets.get(number) for number in range(1, arriving + 1)}
    holds = {
        int(hold.ticket_number): str(hold.agent_id)
        for hold in HoldItem.batch_get([(keys.hold_pk(n), keys.HOLD_SK) for n in range(1, arriving + 1)])
    }
    assigned = {number: t.assignee for number, t in tickets.items() if t.assignee}
    assert holds == assigned
    assert {n: a.agent_id for n, a in enumerate(assignments, 1) if a.agent_id} == assigned
    # ... every agent's count is their holds, never past capacity
    profiles = presence.profiles(AGENTS)
    per_agent = Counter(holds.values())
    assert {p.agent_id: p.open_tickets for p in profiles} == {a: per_agent[a] for a in AGENTS}
    assert all(p.open_tickets <= capacity for p in profiles)
    # ... as many assigned as there was room for, and the spread is even
    assert len(assigned) == min(arriving, capacity * len(AGENTS))
    counts = [p.open_tickets for p in profiles]
    assert max(counts) - min(counts) <= 1, counts
