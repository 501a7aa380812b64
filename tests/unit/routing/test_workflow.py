"""The routing workflow's steps on the in-memory fakes: classify, triggers, assign, notify, fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from sportello.customers.model import Identity
from sportello.routing.model import AgentProfile, AgentStatus, GroupSettings, Strategy
from sportello.routing.rules import RuleKind, parse_rule
from sportello.routing.settings import ACKNOWLEDGE_RULE_ID, DeskRules
from sportello.routing.workflow import RoutingState, RoutingWorkflow, state_for
from sportello.tickets.events import EventKind
from sportello.tickets.model import AuthorType, Channel, Priority, Status
from sportello.tickets.service import TicketChanges
from tests.fakes import InMemoryAgentPresence, InMemoryRoutingSettings, RecordingNotifier
from tests.unit.intake.builders import AGENT, Desk

MARIO = Identity.email("mario@example.org")


@dataclass
class Routing:
    desk: Desk = field(default_factory=Desk)
    settings: InMemoryRoutingSettings = field(default_factory=InMemoryRoutingSettings)
    presence: InMemoryAgentPresence = field(default_factory=InMemoryAgentPresence)
    notifier: RecordingNotifier = field(default_factory=RecordingNotifier)

    def __post_init__(self) -> None:
        self.workflow = RoutingWorkflow(
            self.desk.service,
            self.desk.customers,
            self.settings,
            self.presence,
            self.notifier,
            "Sportello",
            self.desk.clock,
        )

    def request(self, text: str, identity: Identity = MARIO, ref: str = "m1", **fields: Any) -> RoutingState:
        receipt = self.desk.receive(Channel.EMAIL, identity, text, ref, **fields)
        assert receipt.ticket is not None
        created = self.desk.events(receipt.ticket.number, EventKind.TICKET_CREATED)[0]
        state = state_for(created)
        assert state is not None
        return state

    def route(self, state: RoutingState) -> dict[str, Any]:
        data = state.to_output()
        for step in ("classify", "triggers", "assign", "notify"):
            data = self.workflow.run(step, data)
        return data

    def decisions(self, number: int) -> list[dict[str, Any]]:
        return [e.data for e in self.desk.events(number, EventKind.ROUTING_DECIDED)]

    def group(self, strategy: Strategy = Strategy.LEAST_OPEN, *members: str) -> None:
        self.settings.save_group(GroupSettings("support", "Support", strategy, members))
        classification = self.settings.classification()
        from dataclasses import replace

        self.settings.save_classification(replace(classification, default_group="support"))

    def online(self, agent_id: str, **profile: Any) -> None:
        self.presence.save_profile(AgentProfile(agent_id, **profile))
        self.presence.set_status(agent_id, AgentStatus.ONLINE, self.desk.clock())


@pytest.fixture
def routing() -> Routing:
    return Routing()


def test_an_urgent_italian_request_is_raised_to_urgent_with_its_reason(routing: Routing) -> None:
    state = routing.request("Il gestionale è bloccato, non riusciamo a fatturare")
    routing.workflow.classify(state)
    ticket = routing.desk.service.get(state.ticket)
    assert ticket.priority is Priority.URGENT
    assert {"field": "priority", "value": "urgent", "reason": "urgent: matched 'bloccato'"}.items() <= (
        routing.decisions(state.ticket)[0].items()
    )
    assert "billing" not in ticket.tags  # "fatturare" is not "fattura": only whole words tag


def test_a_vip_customer_is_raised_and_tagged(routing: Routing) -> None:
    customer = routing.desk.customers.resolve(MARIO, "Mario")
    routing.desk.customers.set_traits(customer.id, vip=True, organisation="Rossi Srl")
    state = routing.request("Una domanda sulla fattura")
    routing.workflow.classify(state)
    ticket = routing.desk.service.get(state.ticket)
    assert (ticket.priority, sorted(ticket.tags)) == (Priority.HIGH, ["billing", "org-rossi-srl", "vip"])
    reasons = {d["field"] + ":" + str(d["value"]): d["reason"] for d in routing.decisions(state.ticket)}
    assert reasons["priority:high"] == "high: VIP customer"


def test_classifying_twice_for_one_event_changes_nothing_more(routing: Routing) -> None:
    state = routing.request("URGENT: the site is down")
    routing.workflow.classify(state)
    version = routing.desk.service.get(state.ticket).version
    routing.desk.service.update(state.ticket, AGENT, TicketChanges(priority=Priority.LOW), version)
    routing.workflow.classify(state)  # a retried step: the agent's choice stands
    assert routing.desk.service.get(state.ticket).priority is Priority.LOW
    assert len(routing.decisions(state.ticket)) == 1


def test_the_builtin_trigger_acknowledges_a_verified_sender_once(routing: Routing) -> None:
    state = routing.request("Hello", sender_verified=True)
    routing.workflow.triggers(state)
    routing.workflow.triggers(state)  # redelivered
    assert [t.number for t in routing.desk.outbound.acknowledgements] == [state.ticket]
    fired = routing.desk.events(state.ticket, EventKind.TRIGGER_FIRED)
    assert [e.data["rule_id"] for e in fired] == [ACKNOWLEDGE_RULE_ID]
    assert len(routing.desk.events(state.ticket, EventKind.ACKNOWLEDGEMENT_SENT)) == 1


def test_an_unverified_sender_is_not_acknowledged(routing: Routing) -> None:
    state = routing.request("Hello", sender_verified=False)
    routing.workflow.triggers(state)
    assert routing.desk.outbound.acknowledgements == []


def test_a_switched_off_acknowledgement_sends_nothing(routing: Routing) -> None:
    rules = DeskRules(routing.settings)
    builtin = rules.get(RuleKind.TRIGGER, ACKNOWLEDGE_RULE_ID)
    from sportello.routing.rules import rule_to_data

    rules.update(RuleKind.TRIGGER, ACKNOWLEDGE_RULE_ID, rule_to_data(builtin) | {"enabled": False})
    routing.workflow.triggers(routing.request("Hello", sender_verified=True))
    assert routing.desk.outbound.acknowledgements == []


def add_trigger(routing: Routing, data: dict[str, Any]) -> None:
    DeskRules(routing.settings).create(RuleKind.TRIGGER, data)


def test_triggers_chain_in_order_and_each_fires_once(routing: Routing) -> None:
    add_trigger(
        routing,
        {
            "name": "Tag billing mail",
            "conditions": {"all": [{"field": "ticket.group", "op": "is", "value": "billing"}]},
            "actions": [{"kind": "add_tags", "value": ["money"]}, {"kind": "set_priority", "value": "low"}],
        },
    )
    add_trigger(
        routing,
        {
            "name": "Invoices to billing",
            "conditions": {
                "all": [{"field": "message.text", "op": "contains_any_word", "value": ["invoice"]}]
            },
            "actions": [{"kind": "set_group", "value": "billing"}, {"kind": "set_priority", "value": "high"}],
        },
    )
    state = routing.request("Where is my invoice?", sender_verified=False)
    routing.workflow.triggers(state)
    ticket = routing.desk.service.get(state.ticket)
    # The second rule made the first match; the first then ran once, after it, and set low last.
    assert (ticket.group, ticket.priority, "money" in ticket.tags) == ("billing", Priority.LOW, True)
    names = [e.data["rule_name"] for e in routing.desk.events(state.ticket, EventKind.TRIGGER_FIRED)]
    assert sorted(names) == ["Invoices to billing", "Tag billing mail"]  # one write: no order between them


def test_a_trigger_reply_is_the_systems_and_is_not_a_first_reply(routing: Routing) -> None:
    add_trigger(
        routing,
        {
            "name": "Out of hours",
            "conditions": {"all": [{"field": "event", "op": "is", "value": "created"}]},
            "actions": [
                {"kind": "reply", "templates": {"it": "Ciao {customer.name}, #{ticket.number}", "en": "Hi"}}
            ],
        },
    )
    state = routing.request("Buongiorno, una domanda", sender_verified=False, language="it")
    routing.workflow.triggers(state)
    routing.workflow.triggers(state)
    replies = [m for m in routing.desk.messages(state.ticket) if m.author_type is AuthorType.SYSTEM]
    assert [m.text for m in replies] == [f"Ciao mario@example.org, #{state.ticket}"]
    ticket = routing.desk.service.get(state.ticket)
    assert (ticket.first_reply_at, ticket.status) == (None, Status.NEW)


def test_assignment_picks_the_available_agent_with_fewest_open_tickets(routing: Routing) -> None:
    routing.group(Strategy.LEAST_OPEN, "anna", "bruno", "carla")
    routing.online("anna")
    routing.online("bruno")  # carla stays offline
    first = routing.route(routing.request("One", ref="m1"))
    second = routing.route(routing.request("Two", identity=Identity.email("b@example.org"), ref="m2"))
    assert {first["assignee"], second["assignee"]} == {"anna", "bruno"}
    reasons = [d["reason"] for d in routing.decisions(first["ticket"]) if d["field"] == "assignee"]
    assert reasons == ["fewest open tickets in Support (0)"]
    assert routing.presence.holds == {
        first["ticket"]: first["assignee"],
        second["ticket"]: second["assignee"],
    }


def test_nobody_available_leaves_the_ticket_waiting_with_the_reason(routing: Routing) -> None:
    routing.group(Strategy.ROUND_ROBIN, "anna")
    routing.online("anna", capacity=1)
    routing.route(routing.request("One", ref="m1"))
    second = routing.route(routing.request("Two", identity=Identity.email("b@example.org"), ref="m2"))
    ticket = routing.desk.service.get(second["ticket"])
    assert (ticket.group, ticket.assignee) == ("support", None)
    assigned = [d for d in routing.decisions(second["ticket"]) if d["field"] == "assignee"]
    assert [d["reason"].split(":")[0] for d in assigned] == ["no agent available in Support"]


def test_a_customer_reply_stays_with_an_available_assignee_and_moves_from_an_offline_one(
    routing: Routing,
) -> None:
    routing.group(Strategy.LEAST_OPEN, "anna", "bruno")
    routing.online("anna")
    routed = routing.route(routing.request("One", ref="m1"))
    assert routed["assignee"] == "anna"
    routing.online("bruno")
    reply = RoutingState(routed["ticket"], "e2", "customer_reply")
    assert routing.workflow.run("assign", reply.to_output())["assignee"] is None  # stays anna's
    assert routing.desk.service.get(routed["ticket"]).assignee == "anna"
    routing.presence.set_status("anna", AgentStatus.OFFLINE, routing.desk.clock())
    moved = routing.workflow.run("assign", RoutingState(routed["ticket"], "e3", "customer_reply").to_output())
    assert moved["assignee"] == "bruno"


def test_the_assigned_agent_is_notified_once(routing: Routing) -> None:
    routing.group(Strategy.LEAST_OPEN, "anna")
    routing.online("anna")
    routed = routing.route(routing.request("Help", ref="m1"))
    routing.workflow.run("notify", routed)
    assert len(routing.notifier.sent) == 1
    subject, _, attributes = routing.notifier.sent[0]
    assert subject.startswith(f"[#{routed['ticket']}] assigned to you")
    assert (attributes["assignee"], attributes["kind"]) == ("anna", "assigned")


def test_the_catch_path_leaves_the_ticket_in_its_group_with_the_reason(routing: Routing) -> None:
    routing.group(Strategy.MANUAL)
    state = routing.request("Help", ref="m1").after("classify")
    failure = {"Error": "TimeoutError", "Cause": "the table did not answer"}
    routing.workflow.run("fail", state.to_output() | {"failure": failure})
    ticket = routing.desk.service.get(state.ticket)
    assert (ticket.group, ticket.assignee) == ("support", None)
    failed = routing.desk.events(state.ticket, EventKind.ROUTING_FAILED)
    assert [(e.data["step"], e.data["error"]) for e in failed] == [
        ("triggers", "TimeoutError: the table did not answer")
    ]


def test_only_new_tickets_and_the_requesters_own_replies_start_routing(routing: Routing) -> None:
    state = routing.request("Hello", ref="m1")
    routing.desk.clock.advance(minutes=1)
    routing.desk.receive(Channel.EMAIL, MARIO, "More", "m2", thread_ticket=state.ticket)
    routing.desk.clock.advance(minutes=1)
    routing.desk.receive(
        Channel.EMAIL,
        Identity.email("cc@example.org"),
        "Me too",
        "m3",
        thread_ticket=state.ticket,
        third_party=True,
    )
    added = routing.desk.events(state.ticket, EventKind.MESSAGE_ADDED)
    started = [state_for(event) for event in added]
    assert [s.event if s else None for s in started] == ["customer_reply", None]


def test_an_unknown_step_is_refused(routing: Routing) -> None:
    with pytest.raises(ValueError, match="unknown routing step"):
        routing.workflow.run("teleport", RoutingState(1, "e", "created").to_output())


def test_rules_from_json_are_validated_before_they_are_stored(routing: Routing) -> None:
    from sportello.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError, match=r"conditions.all\[0\].field: unknown field"):
        add_trigger(
            routing,
            {
                "name": "x",
                "conditions": {"all": [{"field": "nope", "op": "is"}]},
                "actions": [{"kind": "acknowledge"}],
            },
        )
    assert routing.settings.rules(RuleKind.TRIGGER) == []
    assert parse_rule is not None
