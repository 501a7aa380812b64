"""200 tickets arrive together and parallel executions assign them, on DynamoDB (moto): no ticket goes
to two agents, no agent goes past capacity, the counts are the holds, and the spread is the strategy's.

`atomic_moto` makes each AWS request atomic, as it is in AWS; the races are between requests, where
only the conditional writes of `DynamoAgentPresence.take` and the ticket write stand between them.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as moto_dynamodb
import pytest
from moto.dynamodb.models.table import Table

from sportello.app import sportello
from sportello.routing.assignment import Assigner
from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
from sportello.routing.offers import CAME_ONLINE, Offers
from sportello.store import keys
from sportello.store.models import HoldItem
from sportello.store.presence import DynamoAgentPresence
from sportello.store.tickets import DynamoTicketRepository
from tests.fakes import InMemoryRoutingSettings
from tests.integration.test_repository_contract import T0, a_ticket

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
        ticket = a_ticket(
            number, customer=f"c{number}", updated_at=T0 + timedelta(milliseconds=number), group="billing"
        )
        repo.write(ticket, new=True)


def online_agents(capacity: int) -> DynamoAgentPresence:
    presence = DynamoAgentPresence()
    for agent_id in AGENTS:
        presence.save_profile(AgentProfile(agent_id, capacity=capacity))
        presence.set_status(agent_id, AgentStatus.ONLINE, T0)
    return presence


def check_assigned(presence: DynamoAgentPresence, arriving: int, capacity: int) -> dict[int, str]:
    """Each ticket has at most one assignee, the one its hold names; each agent's count is their holds,
    never past capacity; as many are assigned as there was room for. The assignees, by ticket."""
    tickets = {number: sportello().tickets.get(number) for number in range(1, arriving + 1)}
    holds = {
        int(hold.ticket_number): str(hold.agent_id)
        for hold in HoldItem.batch_get([(keys.hold_pk(n), keys.HOLD_SK) for n in range(1, arriving + 1)])
    }
    assigned = {number: str(t.assignee) for number, t in tickets.items() if t.assignee}
    assert holds == assigned
    per_agent = Counter(holds.values())
    assert {p.agent_id: p.open_tickets for p in presence.profiles(AGENTS)} == {
        a: per_agent[a] for a in AGENTS
    }
    assert max(per_agent.values()) <= capacity, per_agent
    assert len(assigned) == min(arriving, capacity * len(AGENTS))
    return assigned


@pytest.mark.parametrize("strategy", [Strategy.LEAST_OPEN, Strategy.ROUND_ROBIN], ids=str)
def test_two_hundred_tickets_assigned_at_once_are_spread_as_the_strategy_promises(
    cloud, atomic_moto, quick_moto_transactions, strategy: Strategy
) -> None:
    # Given five online agents with room for 60 each, and 200 tickets waiting in their group
    presence = online_agents(capacity=60)
    arrive_together(TICKETS)
    group = GroupSettings("billing", "Billing", strategy, AGENTS)
    assigner = Assigner(sportello().tickets, presence)

    # When eight executions assign them at once
    with ThreadPoolExecutor(WORKERS) as pool:
        assignments = list(
            pool.map(
                lambda number: assigner.assign(number, group, f"routing:e{number}:assign"),
                range(1, TICKETS + 1),
            )
        )

    # Then each has one agent, the one the assigner said, and they are spread evenly (40 each)
    assigned = check_assigned(presence, TICKETS, capacity=60)
    assert {n: a.agent_id for n, a in enumerate(assignments, 1)} == assigned
    counts = Counter(assigned.values())
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_assignments_and_offers_racing_for_the_last_slots_never_pass_capacity(
    cloud, atomic_moto, quick_moto_transactions
) -> None:
    # Given five agents with room for 10 each, and 60 tickets: the last slots are raced for
    presence = online_agents(capacity=10)
    arrive_together(60)
    group = GroupSettings("billing", "Billing", Strategy.LEAST_OPEN, AGENTS)
    routing = InMemoryRoutingSettings()
    routing.save_group(group)
    assigner = Assigner(sportello().tickets, presence)
    offers = Offers(sportello().tickets, presence, routing)
    # ... by two offers at once to each agent (offers take with no ranking: only the capacity condition
    # stands between them), then by the workflow's assignments
    tasks: list[Callable[[], object]] = [
        partial(offers.offer, agent_id, CAME_ONLINE) for agent_id in AGENTS for _ in range(2)
    ]
    tasks += [partial(assigner.assign, number, group, f"routing:e{number}:assign") for number in range(1, 61)]

    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda task: task(), tasks))

    # Then 50 are assigned, ten each, and ten wait
    assigned = check_assigned(presence, 60, capacity=10)
    assert sorted(Counter(assigned.values()).values()) == [10] * len(AGENTS)


def test_takes_at_once_fill_an_agent_to_capacity_and_never_past_it(cloud, atomic_moto) -> None:
    presence = online_agents(capacity=10)
    with ThreadPoolExecutor(WORKERS) as pool:
        taken = list(pool.map(lambda number: presence.take(AGENTS[0], number, T0), range(1, 41)))
    assert taken.count(True) == 10
    assert presence.profile(AGENTS[0]).open_tickets == 10


def test_takes_of_one_ticket_at_once_give_it_one_hold(cloud, atomic_moto) -> None:
    presence = online_agents(capacity=10)
    with ThreadPoolExecutor(WORKERS) as pool:
        taken = list(pool.map(lambda agent_id: presence.take(agent_id, 1, T0), AGENTS * 3))
    assert taken.count(True) == 1
    assert sum(p.open_tickets for p in presence.profiles(AGENTS)) == 1
