"""The routing workflow's steps: classify → apply triggers → assign → notify, and the catch path.

Step Functions runs them (`infra/statemachines/routing.asl.json`), one Lambda invocation per step, and
passes a small JSON state between them (`RoutingState`). Every step is idempotent: what it writes is
claimed once per event and step, so a retried step, or a second execution for the same event, writes
nothing twice and sends nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from ..clock import utc_now
from ..customers.model import Customer
from ..customers.service import CustomerService
from ..errors import NotFoundError
from ..tickets.events import Event, EventKind, Payload, RoutingDecided, RoutingFailed, TriggerFired
from ..tickets.model import AuthorType, Priority, Status, Ticket, TicketType
from ..tickets.service import TicketChanges, TicketService, normalise_tags
from .assignment import ROUTING_ACTOR, Assigner
from .classify import classify
from .facts import Situation, facts_of, placeholders_of
from .model import AgentStatus
from .ports import AgentPresence, Notifier, RoutingSettings
from .rules import Action, ActionKind, Rule, RuleKind, TriggerEvent, matches, render, template_for
from .settings import DeskRules

logger = logging.getLogger(__name__)

# What classification reads of the message: the start of a long mail says what it is about.
CLASSIFIED_TEXT_LIMIT = 8_000
# Actions that change the ticket's fields (the rest send or write something).
FIELD_ACTIONS = frozenset(
    {
        ActionKind.SET_PRIORITY,
        ActionKind.SET_TYPE,
        ActionKind.SET_STATUS,
        ActionKind.ADD_TAGS,
        ActionKind.REMOVE_TAGS,
        ActionKind.SET_GROUP,
        ActionKind.SET_ASSIGNEE,
    }
)


STEPS = ("classify", "triggers", "assign", "notify")


@dataclass(frozen=True)
class RoutingState:
    """What the workflow carries from step to step (and what the ticket-events subscriber starts it with)."""

    ticket: int
    event_id: str
    event: str  # created | customer_reply
    message_id: str | None = None
    sender_verified: bool = False
    assignee: str | None = None  # set by the assign step when it assigned someone now
    completed: tuple[str, ...] = ()  # the steps done, in order: the catch path names the one that failed
    correlation_id: str | None = (
        None  # the intake's id (an SES message id…): routing's logs and events keep it
    )

    @classmethod
    def from_input(cls, data: Mapping[str, Any]) -> RoutingState:
        return cls(
            ticket=int(data["ticket"]),
            event_id=str(data["event_id"]),
            event=str(data["event"]),
            message_id=data.get("message_id"),
            sender_verified=bool(data.get("sender_verified", False)),
            assignee=data.get("assignee"),
            completed=tuple(str(step) for step in data.get("completed", ())),
            correlation_id=data.get("correlation_id"),
        )

    def to_output(self) -> dict[str, Any]:
        output = asdict(self)
        output["completed"] = list(self.completed)
        return output

    def after(self, step: str) -> RoutingState:
        return replace(self, completed=(*self.completed, step))

    @property
    def failed_step(self) -> str:
        return next((step for step in STEPS if step not in self.completed), "notify")

    def claim(self, step: str) -> str:
        return f"routing:{self.event_id}:{step}"


def state_for(event: Event) -> RoutingState | None:
    """The workflow's input for a ticket event, or None for an event routing does not run on."""
    data = event.data
    if event.kind is EventKind.TICKET_CREATED:
        return RoutingState(
            event.ticket_number,
            event.id,
            TriggerEvent.CREATED.value,
            data.get("message_id"),
            bool(data.get("sender_verified")),
            correlation_id=event.correlation_id,
        )
    if (
        event.kind is EventKind.MESSAGE_ADDED
        and data.get("author_type") == AuthorType.CUSTOMER.value
        and not data.get("third_party")
    ):
        return RoutingState(
            event.ticket_number,
            event.id,
            TriggerEvent.CUSTOMER_REPLY.value,
            data.get("message_id"),
            correlation_id=event.correlation_id,
        )
    return None


class RoutingWorkflow:
    def __init__(
        self,
        tickets: TicketService,
        customers: CustomerService,
        settings: RoutingSettings,
        presence: AgentPresence,
        notifier: Notifier,
        desk_name: str = "Sportello",
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tickets = tickets
        self._customers = customers
        self._settings = settings
        self._rules = DeskRules(settings)
        self._presence = presence
        self._notifier = notifier
        self._assigner = Assigner(tickets, presence, clock)
        self._desk_name = desk_name
        self._clock = clock

    def run(self, step: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Runs one step on the workflow's state (JSON in, JSON out), as the routing function does."""
        state = RoutingState.from_input(data)
        if step == "fail":
            failure = data.get("failure") or {}
            error = f"{failure.get('Error', 'error')}: {failure.get('Cause', '')}".strip(": ")
            return self.fail(state, state.failed_step, error).to_output()
        steps: dict[str, Callable[[RoutingState], RoutingState]] = {
            "classify": self.classify,
            "triggers": self.triggers,
            "assign": self.assign,
            "notify": self.notify,
        }
        if step not in steps:
            raise ValueError(f"unknown routing step {step!r}")
        return steps[step](state).after(step).to_output()

    # -- the steps ---------------------------------------------------------------------------------

    def classify(self, state: RoutingState) -> RoutingState:
        ticket, customer, text = self._read(state)
        decisions = classify(ticket, customer, text, self._settings.classification())
        if not decisions:
            return state
        changes = TicketChanges(
            priority=next((Priority(str(d.value)) for d in decisions if d.field == "priority"), None),
            tags=[*ticket.tags, *(str(d.value) for d in decisions if d.field == "tags")]
            if any(d.field == "tags" for d in decisions)
            else None,
            group=next((str(d.value) for d in decisions if d.field == "group"), None),
        )
        reasons: list[Payload] = [
            RoutingDecided(step="classify", field=d.field, value=d.value, reason=d.reason) for d in decisions
        ]
        self._tickets.apply_decisions(ticket.number, changes, reasons, ROUTING_ACTOR, state.claim("classify"))
        return state

    def triggers(self, state: RoutingState) -> RoutingState:
        """Runs the enabled triggers of the event, in order; each fires at most once per event."""
        claim = state.claim("triggers")
        ticket, customer, text = self._read(state)
        if self._tickets.done(claim):
            fired = self._fired_before(state)  # a retry: redo the side effects that did not happen
        else:
            situation = self._situation(state, ticket, customer, text)
            fired, changed = run_triggers(self._rules.triggers(TriggerEvent(state.event)), situation)
            events: list[Payload] = [
                TriggerFired(
                    rule.id,
                    rule.name,
                    RuleKind.TRIGGER.value,
                    [a.kind.value for a in rule.actions],
                    state.event_id,
                )
                for rule in fired
            ]
            if events:
                self._tickets.apply_decisions(
                    ticket.number, changes_between(ticket, changed), events, ROUTING_ACTOR, claim
                )
        if fired:
            # Read once, after the rules' own changes: templates show the ticket as they left it.
            after = self._tickets.get(state.ticket)
            values = placeholders_of(after, customer, self._desk_name)
            for rule in fired:
                for index, action in enumerate(rule.actions):
                    claim = state.claim(f"{rule.id}:{index}")
                    run_side_effect(
                        self._tickets, self._notifier, action, after, values, claim, self._desk_name
                    )
        return state

    def assign(self, state: RoutingState) -> RoutingState:
        ticket = self._tickets.get(state.ticket)
        if not ticket.status.is_active:
            return state
        group = self._settings.group(ticket.group) if ticket.group else None
        if ticket.assignee:
            if state.event != TriggerEvent.CUSTOMER_REPLY.value:
                return state
            current = self._presence.profile(ticket.assignee)
            if current.status is not AgentStatus.OFFLINE:
                return state  # the customer's agent is at work: the reply stays theirs
            # Their agent has gone: the group's strategy picks another.
            self._release(ticket, state, f"{ticket.assignee} is offline and the customer replied")
        assignment = self._assigner.assign(ticket.number, group, state.claim("assign"))
        if assignment.agent_id is None:
            self._tickets.apply_decisions(
                ticket.number,
                TicketChanges(),
                [RoutingDecided(step="assign", field="assignee", value=None, reason=assignment.reason)],
                ROUTING_ACTOR,
                state.claim("assign:none"),
            )
            return state
        return replace(state, assignee=assignment.agent_id)

    def notify(self, state: RoutingState) -> RoutingState:
        """Tells the desk: the assigned agent, or everyone watching urgent tickets nobody has."""
        ticket = self._tickets.get(state.ticket)
        if state.assignee is None and not (ticket.priority is Priority.URGENT and not ticket.assignee):
            return state
        if not self._tickets.claim_once(state.claim("notify"), ticket.number):
            return state
        attributes = notification_attributes(ticket, "assigned" if state.assignee else "unassigned_urgent")
        if state.assignee:
            subject = f"[#{ticket.number}] assigned to you: {ticket.subject}"
        else:
            subject = f"[#{ticket.number}] urgent and unassigned: {ticket.subject}"
        self._notifier.notify(subject[:100], _summary(ticket), attributes)
        return state

    def fail(self, state: RoutingState, step: str, error: str) -> RoutingState:
        """The catch path: the ticket stays in its group, unassigned, with the reason on its trail."""
        ticket = self._tickets.get(state.ticket)
        default_group = self._settings.classification().default_group
        changes = (
            TicketChanges(group=default_group) if ticket.group is None and default_group else TicketChanges()
        )
        failed = RoutingFailed(step=step, error=error[:500])
        self._tickets.apply_decisions(ticket.number, changes, [failed], ROUTING_ACTOR, state.claim("failed"))
        return state

    # -- parts -------------------------------------------------------------------------------------

    def _read(self, state: RoutingState) -> tuple[Ticket, Customer | None, str]:
        history = self._tickets.history(state.ticket)
        ticket = history.ticket
        text = next((m.text for m in history.messages if m.id == state.message_id), "")
        try:
            customer: Customer | None = self._customers.get(ticket.requester.id)
        except NotFoundError:
            customer = None
        return ticket, customer, text[:CLASSIFIED_TEXT_LIMIT]

    def _situation(
        self, state: RoutingState, ticket: Ticket, customer: Customer | None, text: str
    ) -> Situation:
        return Situation(
            ticket=ticket,
            customer=customer,
            event=TriggerEvent(state.event),
            now=self._clock(),
            calendar=self._settings.calendar(),
            message_text=text,
            sender_verified=state.sender_verified,
        )

    def _fired_before(self, state: RoutingState) -> list[Rule]:
        history = self._tickets.history(state.ticket)
        ids = [
            e.data.get("rule_id")
            for e in history.events
            if e.kind is EventKind.TRIGGER_FIRED and e.data.get("cause") == state.event_id
        ]
        rules = {rule.id: rule for rule in self._rules.triggers(TriggerEvent(state.event))}
        return [rules[rule_id] for rule_id in ids if rule_id in rules]

    def _release(self, ticket: Ticket, state: RoutingState, reason: str) -> None:
        decided = RoutingDecided(step="assign", field="assignee", value=None, reason=reason)
        self._tickets.apply_decisions(
            ticket.number,
            TicketChanges(clear=frozenset({"assignee"})),
            [decided],
            ROUTING_ACTOR,
            state.claim("release"),
        )
        # Settled now, not when the load keeper sees the change: the assignment that follows needs the
        # ticket's hold free (the keeper finds it settled: settling is idempotent).
        self._presence.settle(ticket.number, None)


def run_triggers(rules: list[Rule], situation: Situation) -> tuple[list[Rule], Ticket]:
    """The rules that fire, in order, and the ticket as their field actions leave it.

    A rule's actions can make a later rule match (set the group, then a group rule fires), and an
    earlier one: the rules are checked again until none fires, but each fires at most once, so no
    set of rules can loop.
    """
    ticket = situation.ticket
    fired: list[Rule] = []
    fired_ids: set[str] = set()
    progress = True
    while progress:
        progress = False
        for rule in rules:
            if rule.id in fired_ids or not rule.enabled:
                continue
            if matches(rule, facts_of(replace(situation, ticket=ticket))):
                fired.append(rule)
                fired_ids.add(rule.id)
                ticket = apply_field_actions(ticket, rule.actions)
                progress = True
    return fired, ticket


def apply_field_actions(ticket: Ticket, actions: tuple[Action, ...]) -> Ticket:
    """The ticket with the field actions applied (the others change no field)."""
    for action in actions:
        match action.kind:
            case ActionKind.SET_PRIORITY:
                ticket = replace(ticket, priority=Priority(action.value))
            case ActionKind.SET_TYPE:
                ticket = replace(ticket, type=TicketType(action.value) if action.value else None)
            case ActionKind.SET_STATUS:
                ticket = replace(ticket, status=Status(action.value))
            case ActionKind.ADD_TAGS:
                ticket = replace(ticket, tags=normalise_tags([*ticket.tags, *action.value]))
            case ActionKind.REMOVE_TAGS:
                ticket = replace(ticket, tags=[t for t in ticket.tags if t not in set(action.value)])
            case ActionKind.SET_GROUP:
                ticket = replace(ticket, group=action.value)
            case ActionKind.SET_ASSIGNEE:
                ticket = replace(ticket, assignee=action.value)
    return ticket


def changes_between(before: Ticket, after: Ticket) -> TicketChanges:
    """The agent-editable changes that turn `before` into `after` (what the rules' actions did)."""
    clear = frozenset(
        name for name in ("group", "assignee", "type") if getattr(before, name) and not getattr(after, name)
    )
    return TicketChanges(
        status=after.status if after.status is not before.status else None,
        priority=after.priority if after.priority is not before.priority else None,
        type=after.type if after.type is not before.type and after.type else None,
        tags=after.tags if after.tags != before.tags else None,
        group=after.group if after.group != before.group and after.group else None,
        assignee=after.assignee if after.assignee != before.assignee and after.assignee else None,
        clear=clear,
    )


def act_once(
    tickets: TicketService,
    notifier: Notifier,
    actions: tuple[Action, ...],
    ticket: Ticket,
    customer: Customer | None,
    decision: Payload,
    actor: str,
    claim: str,
    desk_name: str,
) -> Ticket | None:
    """Takes `actions` on the ticket once per `claim`: the field changes with `decision` in one write,
    then each side effect claimed on its own. The ticket as changed now, or None when it was changed
    before under this claim (or closed meanwhile).

    Run again under the same claim (a retried or overlapping sweep), it completes the side effects the
    first run may not have finished, and repeats none.
    """
    changes = changes_between(ticket, apply_field_actions(ticket, actions))
    applied = tickets.apply_decisions(ticket.number, changes, [decision], actor, claim)
    if applied is None and not tickets.done(claim):
        return None  # closed in between: nothing to do on it
    acted_on = applied or ticket
    values = placeholders_of(acted_on, customer, desk_name)
    for index, action in enumerate(actions):
        run_side_effect(tickets, notifier, action, acted_on, values, f"{claim}:{index}", desk_name)
    return applied


def run_side_effect(
    tickets: TicketService,
    notifier: Notifier,
    action: Action,
    ticket: Ticket,
    values: Mapping[str, Any],
    claim: str,
    desk_name: str,
) -> None:
    """Sends or writes what one action asks (each once per claim); field actions are already applied."""
    if action.kind in FIELD_ACTIONS:
        return
    if action.kind is ActionKind.ACKNOWLEDGE:
        tickets.acknowledge(ticket.number, claim)
    elif action.kind in (ActionKind.REPLY, ActionKind.ADD_NOTE):
        text = render(template_for(action.templates, ticket.language), values)
        tickets.automatic_message(ticket.number, text, action.kind is ActionKind.REPLY, desk_name, claim)
    elif action.kind is ActionKind.NOTIFY and tickets.claim_once(claim, ticket.number):
        subject = render(action.subject, values) or f"[#{ticket.number}] {ticket.subject}"
        text = render(template_for(action.templates, ticket.language), values)
        notifier.notify(subject[:100], text, notification_attributes(ticket, "rule"))


def notification_attributes(ticket: Ticket, kind: str) -> dict[str, str]:
    """Message attributes subscribers filter on (an SNS filter policy per agent or per priority)."""
    return {
        "kind": kind,
        "ticket": str(ticket.number),
        "priority": ticket.priority.value,
        "channel": ticket.channel.value,
        "group": ticket.group or "-",
        "assignee": ticket.assignee or "-",
    }


def _summary(ticket: Ticket) -> str:
    return (
        f"Ticket #{ticket.number}: {ticket.subject}\n"
        f"From: {ticket.requester.name}\nChannel: {ticket.channel.value}\n"
        f"Priority: {ticket.priority.value}\nGroup: {ticket.group or '-'}\n"
        f"Assignee: {ticket.assignee or '-'}\n"
    )
