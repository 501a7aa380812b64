"""Assignment: each strategy's choice (`candidates`), the assigner's take, offers and the load keeper.

The properties are the issue's promises: round robin is fair over any arrival order, least-open never
passes over an agent with fewer open tickets, skills never picks an agent lacking them, and no sequence
of takes, settles and give-backs pushes an agent's count past capacity by a take or away from its holds.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.agents import Agent
from sportello.routing.assignment import ASSIGNER_ACTOR, Assigner, candidates, eligible, skilled
from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
from sportello.routing.offers import CAME_ONLINE, Offers
from sportello.routing.subscribers import LoadKeeper
from sportello.tickets.events import EventKind
from sportello.tickets.model import Channel, Priority, Requester, Status, Ticket
from sportello.tickets.service import TicketChanges
from tests.fakes import InMemoryAgentPresence, InMemoryRoutingSettings
from tests.unit.intake.builders import Desk

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ONLINE, AWAY, OFFLINE = AgentStatus.ONLINE, AgentStatus.AWAY, AgentStatus.OFFLINE
LANGUAGES = ("it", "en", "de")
TAGS = ("billing", "shipping", "account")


def a_ticket(number: int, *, language: str = "it", tags: tuple[str, ...] = (), **changes: Any) -> Ticket:
    fields: dict[str, Any] = {
        "number": number,
        "subject": f"Ticket {number}",
        "status": Status.NEW,
        "priority": Priority.NORMAL,
        "channel": Channel.EMAIL,
        "requester": Requester("c1", "Maria", "maria@example.org"),
        "language": language,
        "created_at": T0,
        "updated_at": T0 + timedelta(minutes=number),
        "tags": list(tags),
    }
    return Ticket(**(fields | changes))


# --- the strategies ------------------------------------------------------------------------------------

profiles_strategy = st.lists(
    st.builds(
        AgentProfile,
        agent_id=st.sampled_from([f"agent-{i}" for i in range(8)]),
        status=st.sampled_from(AgentStatus),
        capacity=st.integers(1, 5),
        languages=st.frozensets(st.sampled_from(LANGUAGES), max_size=2),
        skills=st.frozensets(st.sampled_from(TAGS), max_size=2),
        open_tickets=st.integers(0, 6),
        last_assigned_at=st.none() | st.integers(0, 600).map(lambda s: T0 + timedelta(seconds=s)),
    ),
    max_size=8,
    unique_by=lambda p: p.agent_id,
)
tickets_strategy = st.builds(
    a_ticket,
    number=st.just(1),
    language=st.sampled_from(LANGUAGES),
    tags=st.lists(st.sampled_from(TAGS), max_size=2, unique=True).map(tuple),
)


def test_manual_groups_assign_nobody() -> None:
    assert candidates(Strategy.MANUAL, a_ticket(1), [AgentProfile("anna", ONLINE)]) == []


def test_only_online_agents_with_room_are_candidates() -> None:
    profiles = [
        AgentProfile("away", AWAY),
        AgentProfile("offline", OFFLINE),
        AgentProfile("full", ONLINE, capacity=2, open_tickets=2),
        AgentProfile("anna", ONLINE, capacity=2, open_tickets=1),
    ]
    for strategy in (Strategy.ROUND_ROBIN, Strategy.LEAST_OPEN, Strategy.SKILLS):
        assert [p.agent_id for p in candidates(strategy, a_ticket(1), profiles)] == ["anna"]


def test_least_open_goes_to_the_fewest_open_then_the_longest_waiting() -> None:
    profiles = [
        AgentProfile("anna", ONLINE, open_tickets=3),
        AgentProfile("bruno", ONLINE, open_tickets=1, last_assigned_at=T0 + timedelta(minutes=5)),
        AgentProfile("carla", ONLINE, open_tickets=1, last_assigned_at=T0),
    ]
    assert [p.agent_id for p in candidates(Strategy.LEAST_OPEN, a_ticket(1), profiles)] == [
        "carla",
        "bruno",
        "anna",
    ]


def test_round_robin_goes_to_whoever_was_given_a_ticket_longest_ago_a_newcomer_first() -> None:
    profiles = [
        AgentProfile("anna", ONLINE, open_tickets=0, last_assigned_at=T0 + timedelta(minutes=5)),
        AgentProfile("bruno", ONLINE, open_tickets=9, last_assigned_at=T0),
        AgentProfile("carla", ONLINE),
    ]
    assert [p.agent_id for p in candidates(Strategy.ROUND_ROBIN, a_ticket(1), profiles)] == [
        "carla",
        "bruno",
        "anna",
    ]


def test_skills_need_the_language_and_one_of_the_tags() -> None:
    ticket = a_ticket(1, language="de", tags=("billing",))
    profiles = [
        AgentProfile("italian", ONLINE, languages=frozenset({"it"})),
        AgentProfile("shipping", ONLINE, skills=frozenset({"shipping"})),
        AgentProfile(
            "german-billing",
            ONLINE,
            open_tickets=2,
            languages=frozenset({"de"}),
            skills=frozenset({"billing"}),
        ),
        AgentProfile("anything", ONLINE, open_tickets=1),
    ]
    assert [p.agent_id for p in candidates(Strategy.SKILLS, ticket, profiles)] == [
        "anything",
        "german-billing",
    ]


@given(profiles_strategy, tickets_strategy)
def test_least_open_never_passes_over_an_agent_with_fewer_open_tickets(
    profiles: list[AgentProfile], ticket: Ticket
) -> None:
    ranked = candidates(Strategy.LEAST_OPEN, ticket, profiles)
    available = [p for p in profiles if eligible(p)]
    assert {p.agent_id for p in ranked} == {p.agent_id for p in available}
    if ranked:
        assert ranked[0].open_tickets == min(p.open_tickets for p in available)
        assert [p.open_tickets for p in ranked] == sorted(p.open_tickets for p in ranked)


@given(profiles_strategy, tickets_strategy)
def test_skills_never_picks_an_agent_lacking_the_language_or_the_skill(
    profiles: list[AgentProfile], ticket: Ticket
) -> None:
    ranked = candidates(Strategy.SKILLS, ticket, profiles)
    for profile in ranked:
        assert eligible(profile)
        assert not profile.languages or ticket.language in profile.languages
        assert not profile.skills or profile.skills & set(ticket.tags)
    assert {p.agent_id for p in ranked} == {
        p.agent_id for p in profiles if eligible(p) and skilled(p, ticket)
    }


def a_group(strategy: Strategy, *members: str, group_id: str = "billing") -> GroupSettings:
    return GroupSettings(group_id, group_id.title(), strategy, members)


def a_desk(*tickets: Ticket) -> Desk:
    desk = Desk()
    for ticket in tickets:
        desk.repo.write(ticket, new=True)
    return desk


def online(presence: InMemoryAgentPresence, *agent_ids: str, capacity: int = 10) -> None:
    for agent_id in agent_ids:
        presence.save_profile(AgentProfile(agent_id, capacity=capacity))
        presence.set_status(agent_id, ONLINE, T0)


@settings(max_examples=60, deadline=None)
@given(
    agents=st.integers(1, 6),
    arrivals=st.lists(tickets_strategy, max_size=40),
    gaps=st.lists(st.integers(1, 3_600_000), min_size=40, max_size=40),
)
def test_round_robin_is_fair_over_any_arrival_order(
    agents: int, arrivals: list[Ticket], gaps: list[int]
) -> None:
    # Given a round-robin group whose agents are always available, and tickets of any kind, in any order
    tickets = [a_ticket(n, language=t.language, tags=tuple(t.tags)) for n, t in enumerate(arrivals, 1)]
    desk = a_desk(*tickets)
    presence = InMemoryAgentPresence()
    members = [f"agent-{i}" for i in range(agents)]
    online(presence, *members, capacity=100)
    assigner = Assigner(desk.service, presence, desk.clock)
    group = a_group(Strategy.ROUND_ROBIN, *members)

    # When each is assigned as it arrives (at any pace)
    for ticket, gap in zip(tickets, gaps, strict=False):
        desk.clock.advance(microseconds=gap)
        assert assigner.assign(ticket.number, group, f"claim-{ticket.number}").agent_id in members

    # Then every agent got as many as any other, give or take one
    given_tickets = [p.open_tickets for p in presence.profiles(members)]
    assert sum(given_tickets) == len(tickets)
    assert max(given_tickets) - min(given_tickets) <= 1


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(("take", "give_back", "settle", "release", "status")),
        st.sampled_from(("anna", "bruno", "carla")),
        st.integers(1, 8),
    ),
    max_size=60,
)


@given(OPERATIONS, st.integers(1, 4))
def test_a_take_never_pushes_an_agent_past_capacity_and_the_counts_are_the_holds(
    operations: list[tuple[str, str, int]], capacity: int
) -> None:
    presence = InMemoryAgentPresence()
    online(presence, "anna", "bruno", "carla", capacity=capacity)
    for operation, agent_id, number in operations:
        before = presence.profile(agent_id)
        if operation == "take":
            taken = presence.take(agent_id, number, T0)
            assert not taken or before.open_tickets < capacity
            assert not taken or presence.profile(agent_id).open_tickets <= capacity
        elif operation == "give_back":
            presence.give_back(agent_id, number)
        elif operation == "settle":
            presence.settle(number, agent_id)
        elif operation == "release":
            presence.settle(number, None)
        else:
            status = OFFLINE if before.status is ONLINE else ONLINE
            presence.set_status(agent_id, status, T0)
        for profile in presence.profiles(["anna", "bruno", "carla"]):
            assert profile.open_tickets == sum(
                1 for held in presence.holds.values() if held == profile.agent_id
            )


# --- the assigner --------------------------------------------------------------------------------------


def test_the_assigner_takes_a_slot_and_writes_the_assignee_with_the_reason() -> None:
    desk = a_desk(a_ticket(1))
    presence = InMemoryAgentPresence()
    online(presence, "anna", "bruno")
    presence.settle(99, "anna")

    assignment = Assigner(desk.service, presence, desk.clock).assign(
        1, a_group(Strategy.LEAST_OPEN, "anna", "bruno"), "c"
    )

    assert assignment.agent_id == "bruno"
    assert assignment.reason == "fewest open tickets in Billing (0)"
    assert desk.repo.get(1).assignee == "bruno"
    assert presence.holds[1] == "bruno"
    [decided] = desk.events(1, EventKind.ROUTING_DECIDED)
    assert (decided.actor, decided.data["value"], decided.data["reason"]) == (
        ASSIGNER_ACTOR,
        "bruno",
        assignment.reason,
    )


def test_nobody_available_leaves_the_ticket_waiting_with_the_reason() -> None:
    desk = a_desk(a_ticket(1))
    presence = InMemoryAgentPresence()
    presence.set_status("anna", AWAY, T0)
    assigner = Assigner(desk.service, presence, desk.clock)

    assignment = assigner.assign(1, a_group(Strategy.ROUND_ROBIN, "anna"), "c")

    assert assignment.agent_id is None
    assert "no agent available in Billing" in assignment.reason
    assert desk.repo.get(1).assignee is None
    assert presence.holds == {}
    assert assigner.assign(1, None, "c").agent_id is None


def test_a_take_whose_ticket_write_lost_is_given_back() -> None:
    # Given an agent who assigns the ticket to herself just after the assigner took Bruno's slot
    desk = a_desk(a_ticket(1))
    presence = InMemoryAgentPresence()
    online(presence, "bruno")
    take = presence.take

    def take_then_lose(agent_id: str, number: int, at: datetime, as_seen: Any = None) -> bool:
        taken = take(agent_id, number, at, as_seen)
        current = desk.repo.get(number)
        desk.service.update(
            number,
            Agent("anna", "anna@desk.example.com", "Anna"),
            TicketChanges(assignee="anna"),
            current.version,
        )
        return taken

    presence.take = take_then_lose  # type: ignore[method-assign]

    assignment = Assigner(desk.service, presence, desk.clock).assign(
        1, a_group(Strategy.LEAST_OPEN, "bruno"), "c"
    )

    # Then her assignment stands and Bruno's slot is back
    assert (assignment.agent_id, assignment.reason) == ("anna", "assigned meanwhile")
    assert desk.repo.get(1).assignee == "anna"
    assert presence.profile("bruno").open_tickets == 0
    assert 1 not in presence.holds


def test_an_assigned_ticket_is_left_as_it_is() -> None:
    desk = a_desk(a_ticket(1, assignee="anna"))
    presence = InMemoryAgentPresence()
    online(presence, "bruno")
    assignment = Assigner(desk.service, presence, desk.clock).assign(
        1, a_group(Strategy.LEAST_OPEN, "bruno"), "c"
    )
    assert (assignment.agent_id, presence.holds) == ("anna", {})


# --- offers --------------------------------------------------------------------------------------------


def offers_on(desk: Desk, presence: InMemoryAgentPresence, *groups: GroupSettings) -> Offers:
    routing = InMemoryRoutingSettings()
    for group in groups:
        routing.save_group(group)
    return Offers(desk.service, presence, routing, {"anna": "Anna"}.get, desk.clock)  # type: ignore[arg-type]


def test_an_agent_coming_online_is_offered_the_oldest_waiting_tickets_of_her_groups_up_to_her_room() -> None:
    # Given waiting tickets in Anna's two groups, in another group, one assigned and one solved
    desk = a_desk(
        a_ticket(1, group="billing", updated_at=T0 + timedelta(minutes=4)),
        a_ticket(2, group="shipping", updated_at=T0 + timedelta(minutes=1)),
        a_ticket(3, group="billing", updated_at=T0 + timedelta(minutes=2)),
        a_ticket(4, group="sales", updated_at=T0),
        a_ticket(5, group="billing", assignee="bruno", updated_at=T0),
        a_ticket(6, group="billing", status=Status.SOLVED, updated_at=T0),
        a_ticket(7, group="shipping", updated_at=T0 + timedelta(minutes=9)),
    )
    presence = InMemoryAgentPresence()
    online(presence, "anna", capacity=4)
    presence.settle(5, "anna")  # one of her four slots is taken
    offers = offers_on(
        desk,
        presence,
        a_group(Strategy.LEAST_OPEN, "anna", "bruno"),
        a_group(Strategy.ROUND_ROBIN, "anna", group_id="shipping"),
        a_group(Strategy.LEAST_OPEN, "bruno", group_id="sales"),
    )

    # When she comes online
    offered = offers.offer("anna", CAME_ONLINE)

    # Then the three longest waiting of her groups are hers, and her count is full
    assert offered == [2, 3, 1]
    assert [desk.repo.get(n).assignee for n in (1, 2, 3, 4, 7)] == ["anna", "anna", "anna", None, None]
    assert presence.profile("anna").open_tickets == 4
    [decided] = desk.events(2, EventKind.ROUTING_DECIDED)
    assert decided.data["reason"] == "offered when Anna came online (Shipping)"
    assert offers.offer("anna", CAME_ONLINE) == []


def test_offers_skip_manual_groups_and_tickets_the_agent_lacks_the_skills_for() -> None:
    desk = a_desk(
        a_ticket(1, group="billing", language="de"),
        a_ticket(2, group="billing", language="it"),
        a_ticket(3, group="triage"),
    )
    presence = InMemoryAgentPresence()
    presence.save_profile(AgentProfile("anna", capacity=5, languages=frozenset({"it"})))
    presence.set_status("anna", ONLINE, T0)
    offers = offers_on(
        desk,
        presence,
        a_group(Strategy.SKILLS, "anna"),
        a_group(Strategy.MANUAL, "anna", group_id="triage"),
    )

    assert offers.offer("anna", CAME_ONLINE) == [2]


def test_nothing_is_offered_to_an_agent_away_or_full() -> None:
    desk = a_desk(a_ticket(1, group="billing"))
    presence = InMemoryAgentPresence()
    offers = offers_on(desk, presence, a_group(Strategy.LEAST_OPEN, "anna", "bruno"))
    presence.set_status("anna", AWAY, T0)
    online(presence, "bruno", capacity=1)
    presence.settle(9, "bruno")

    assert offers.offer("anna", CAME_ONLINE) == []
    assert offers.offer("bruno", CAME_ONLINE) == []
    assert desk.repo.get(1).assignee is None


# --- the load keeper -----------------------------------------------------------------------------------


ANNA = Agent("anna", "anna@desk.example.com", "Anna")


def events_of(desk: Desk, number: int) -> list[Any]:
    return [e for e in desk.repo.history(number).events if e.kind in LoadKeeper.kinds]


def test_solving_a_ticket_frees_its_slot_and_offers_the_oldest_waiting_ticket() -> None:
    # Given Anna full with ticket 1, and ticket 2 waiting in her group
    desk = a_desk(a_ticket(1, group="billing"), a_ticket(2, group="billing"))
    presence = InMemoryAgentPresence()
    online(presence, "anna", capacity=1)
    offers = offers_on(desk, presence, a_group(Strategy.LEAST_OPEN, "anna"))
    keeper = LoadKeeper(desk.service, presence, offers)
    assert (
        Assigner(desk.service, presence, desk.clock)
        .assign(1, a_group(Strategy.LEAST_OPEN, "anna"), "c")
        .agent_id
        == "anna"
    )
    for event in events_of(desk, 1):
        keeper.handle(event)  # her own assignment: nothing to settle
    assert presence.holds == {1: "anna"}

    # When she solves ticket 1
    desk.service.update(1, ANNA, TicketChanges(status=Status.SOLVED), desk.repo.get(1).version)
    # (an agent's edit records the status as a changed field)
    [solved] = [e for e in events_of(desk, 1) if e.data.get("field") == "status"]
    keeper.handle(solved)
    keeper.handle(solved)  # redelivered: nothing more

    # Then ticket 2 is hers, and her count is one
    assert desk.repo.get(2).assignee == "anna"
    assert presence.holds == {2: "anna"}
    assert presence.profile("anna").open_tickets == 1
    [decided] = desk.events(2, EventKind.ROUTING_DECIDED)
    assert decided.data["reason"] == "offered when Anna had room again (Billing)"


def test_a_reassignment_by_an_agent_moves_the_hold_past_capacity_if_need_be() -> None:
    desk = a_desk(a_ticket(1, group="billing"), a_ticket(2, group="billing", assignee="bruno"))
    presence = InMemoryAgentPresence()
    online(presence, "anna", "bruno", capacity=1)
    presence.settle(2, "bruno")
    presence.take("anna", 1, T0)
    desk.service.update(1, ANNA, TicketChanges(assignee="bruno"), desk.repo.get(1).version)
    keeper = LoadKeeper(desk.service, presence)

    for event in events_of(desk, 1):
        keeper.handle(event)

    assert presence.holds == {1: "bruno", 2: "bruno"}
    assert [p.open_tickets for p in presence.profiles(["anna", "bruno"])] == [0, 2]


def test_the_keeper_leaves_a_hold_taken_after_the_ticket_it_read() -> None:
    # Given the keeper reading ticket 1 while unassigned, just before the assigner takes Anna's slot
    desk = a_desk(a_ticket(1, group="billing"))
    desk.service.update(1, ANNA, TicketChanges(status=Status.OPEN), desk.repo.get(1).version)
    [opened] = [e for e in desk.repo.history(1).events if e.data.get("field") == "status"]
    presence = InMemoryAgentPresence()
    online(presence, "anna")
    keeper = LoadKeeper(desk.service, presence)
    read = desk.service.get

    def read_then_assigned(number: int) -> Ticket:
        ticket = read(number)
        desk.service.get = read  # type: ignore[method-assign]
        desk.clock.advance(seconds=1)
        Assigner(desk.service, presence, desk.clock).assign(1, a_group(Strategy.LEAST_OPEN, "anna"), "c")
        return ticket

    desk.service.get = read_then_assigned  # type: ignore[method-assign]
    keeper.handle(opened)

    # Then Anna keeps the hold of the ticket that is now hers
    assert read(1).assignee == "anna"
    assert presence.holds == {1: "anna"}
    assert presence.profile("anna").open_tickets == 1
