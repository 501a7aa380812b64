"""The `AgentPresence` contract, run against the in-memory fake and DynamoDB (moto), as
test_repository_contract.py does for the repositories: the unit tests trust the fake because of this."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sportello.routing.model import DEFAULT_CAPACITY, AgentProfile, AgentStatus
from sportello.store.presence import DynamoAgentPresence
from tests.fakes import InMemoryAgentPresence

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ONLINE, AWAY, OFFLINE = AgentStatus.ONLINE, AgentStatus.AWAY, AgentStatus.OFFLINE


@pytest.fixture(params=("memory", "dynamodb"))
def presence(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "dynamodb":
        request.getfixturevalue("cloud")
        yield DynamoAgentPresence()
    else:
        yield InMemoryAgentPresence()


def online(presence: Any, agent_id: str, capacity: int = DEFAULT_CAPACITY) -> None:
    presence.save_profile(AgentProfile(agent_id, capacity=capacity))
    presence.set_status(agent_id, ONLINE, T0)


def counts(presence: Any, *agent_ids: str) -> list[int]:
    return [p.open_tickets for p in presence.profiles(list(agent_ids))]


def test_an_agent_never_seen_has_the_default_profile(presence: Any) -> None:
    assert presence.profile("anna") == AgentProfile("anna")
    assert presence.profiles(["anna", "bruno"]) == [AgentProfile("anna"), AgentProfile("bruno")]
    assert presence.profiles([]) == []


def test_the_status_is_kept_with_when_it_changed_and_the_profile_answered(presence: Any) -> None:
    answered = presence.set_status("anna", AWAY, T0)

    assert answered == AgentProfile("anna", status=AWAY, status_changed_at=T0)
    assert presence.profile("anna") == answered


def test_saving_the_profile_never_touches_the_status_nor_the_count(presence: Any) -> None:
    online(presence, "anna")
    assert presence.take("anna", 1, T0)

    presence.save_profile(
        AgentProfile("anna", capacity=3, languages=frozenset({"it"}), skills=frozenset({"billing"}))
    )
    presence.set_status("anna", AWAY, T0 + timedelta(minutes=1))

    profile = presence.profile("anna")
    assert (profile.status, profile.capacity, profile.open_tickets) == (AWAY, 3, 1)
    assert (profile.languages, profile.skills) == (frozenset({"it"}), frozenset({"billing"}))
    assert profile.last_assigned_at == T0


def test_profiles_are_read_in_the_order_asked_for_more_than_a_batch_and_with_repeats(presence: Any) -> None:
    ids = [f"agent-{i:03d}" for i in range(130)]
    for agent_id in ids[::13]:
        presence.set_status(agent_id, ONLINE, T0)

    profiles = presence.profiles([*ids, ids[0]])

    assert [p.agent_id for p in profiles] == [*ids, ids[0]]
    assert [p.agent_id for p in profiles if p.status is ONLINE] == [*ids[::13], ids[0]]


def test_only_an_online_agent_below_capacity_can_take_a_ticket(presence: Any) -> None:
    assert not presence.take("nobody", 1, T0)  # no profile yet: offline
    presence.set_status("anna", AWAY, T0)
    assert not presence.take("anna", 1, T0)
    online(presence, "anna", capacity=2)

    assert presence.take("anna", 1, T0)
    assert presence.take("anna", 2, T0 + timedelta(seconds=1))
    assert not presence.take("anna", 3, T0)

    profile = presence.profile("anna")
    assert (profile.open_tickets, profile.last_assigned_at) == (2, T0 + timedelta(seconds=1))


def test_a_ticket_is_taken_once(presence: Any) -> None:
    online(presence, "anna")
    online(presence, "bruno")

    assert presence.take("anna", 1, T0)
    assert not presence.take("bruno", 1, T0)
    assert not presence.take("anna", 1, T0)
    assert counts(presence, "anna", "bruno") == [1, 0]


def test_giving_back_undoes_a_take_only_while_the_hold_is_the_agents(presence: Any) -> None:
    online(presence, "anna")
    online(presence, "bruno")
    presence.take("anna", 1, T0)

    presence.give_back("bruno", 1)  # not theirs
    assert counts(presence, "anna", "bruno") == [1, 0]
    presence.give_back("anna", 1)
    presence.give_back("anna", 1)  # twice changes nothing
    assert counts(presence, "anna") == [0]
    assert presence.take("bruno", 1, T0)


def test_settling_moves_the_hold_and_both_counts_and_says_who_lost_it(presence: Any) -> None:
    online(presence, "anna", capacity=1)
    online(presence, "bruno", capacity=1)
    presence.take("anna", 1, T0)
    presence.take("bruno", 2, T0)

    assert presence.settle(1, "bruno") == "anna"  # no capacity check: an agent's choice stands
    assert counts(presence, "anna", "bruno") == [0, 2]
    assert presence.settle(1, "bruno") is None  # idempotent
    assert counts(presence, "anna", "bruno") == [0, 2]
    assert presence.settle(1, None) == "bruno"
    assert presence.settle(1, None) is None
    assert counts(presence, "anna", "bruno") == [0, 1]


def test_settling_a_ticket_nobody_held_counts_it_even_for_an_agent_never_seen(presence: Any) -> None:
    assert presence.settle(7, "carla") is None
    assert presence.settle(7, "carla") is None

    profile = presence.profile("carla")
    assert (profile.open_tickets, profile.status, profile.capacity) == (1, OFFLINE, DEFAULT_CAPACITY)
    online(presence, "carla", capacity=1)
    assert not presence.take("carla", 8, T0)  # the settled ticket fills her only slot


def test_a_settled_hold_can_be_given_back_by_its_holder_only(presence: Any) -> None:
    presence.settle(1, "anna")
    presence.give_back("bruno", 1)
    assert counts(presence, "anna") == [1]
    presence.give_back("anna", 1)
    assert counts(presence, "anna") == [0]


def test_a_take_as_seen_fails_once_the_agent_changed_since_they_were_ranked(presence: Any) -> None:
    online(presence, "anna")
    seen = presence.profile("anna")
    assert presence.take("anna", 1, T0, seen)  # never assigned before: as seen
    assert not presence.take("anna", 2, T0, seen)  # one more ticket and a new last assignment since
    seen = presence.profile("anna")
    presence.settle(9, "anna")  # her count moved
    assert not presence.take("anna", 2, T0, seen)
    assert presence.take("anna", 2, T0 + timedelta(seconds=1), presence.profile("anna"))
    assert counts(presence, "anna") == [3]


def test_a_hold_taken_after_the_ticket_read_is_left_to_the_assignment_that_follows(presence: Any) -> None:
    # Given a take at 09:05, settled by someone who read the ticket, still unassigned, at 09:04
    online(presence, "anna")
    presence.take("anna", 1, T0 + timedelta(minutes=5))

    assert presence.settle(1, None, as_of=T0 + timedelta(minutes=4)) is None
    assert counts(presence, "anna") == [1]
    # ... but a later read (the ticket updated since, and still not hers) moves it
    assert presence.settle(1, None, as_of=T0 + timedelta(minutes=6)) == "anna"
    assert counts(presence, "anna") == [0]
