"""The desk's rules as admins manage them, with the built-in ones a desk starts from.

The acknowledgement that intake used to send itself is the first built-in trigger: a desk can edit it
(say, only in business hours) or switch it off, never lose it by accident (built-ins are not deleted).
Loop safety is the workflow's: triggers run on customer events only, and each fires once per event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ..errors import InvalidRequestError, NotFoundError
from ..ids import new_id
from .ports import RoutingSettings
from .rules import (
    Action,
    ActionKind,
    Condition,
    Conditions,
    Rule,
    RuleError,
    RuleKind,
    TriggerEvent,
    parse_rule,
)

ACKNOWLEDGE_RULE_ID = "acknowledge"
MAX_RULES = 200

BUILTIN_TRIGGERS: tuple[Rule, ...] = (
    Rule(
        id=ACKNOWLEDGE_RULE_ID,
        name="Acknowledge new requests",
        kind=RuleKind.TRIGGER,
        # Only to a sender the intake trusted: an acknowledgement to a forged address is backscatter.
        conditions=Conditions(all=(Condition("message.sender_verified", "is", True),)),
        actions=(Action(ActionKind.ACKNOWLEDGE),),
        events=frozenset({TriggerEvent.CREATED}),
        position=0,
        builtin=True,
    ),
)

# The examples, shipped switched off: a desk turns them on (and edits them) as it likes.
# "Three business days" is 24 business hours of the default calendar (two windows, eight hours a day);
# each action moves `updated_at`, so each step waits from the one before: reminded after 3 business
# days of silence, solved 5 days after the reminder, closed 4 days after being solved. The tag keeps the
# reminder to one per ticket: a ticket back in pending after a reply is solved, not reminded again.
REMIND_PENDING_RULE_ID = "remind-pending"
SOLVE_REMINDED_RULE_ID = "solve-reminded"
CLOSE_SOLVED_RULE_ID = "close-solved"
REMINDED_TAG = "reminded"
BUILTIN_AUTOMATIONS: tuple[Rule, ...] = (
    Rule(
        id=REMIND_PENDING_RULE_ID,
        name="Remind the customer after 3 business days pending",
        kind=RuleKind.AUTOMATION,
        conditions=Conditions(
            all=(
                Condition("ticket.status", "is", "pending"),
                Condition("ticket.business_hours_since_update", "gte", 24),
                Condition("ticket.tags", "excludes", REMINDED_TAG),
            )
        ),
        actions=(
            Action(
                ActionKind.REPLY,
                templates={
                    "it": "Buongiorno {customer.name},\n\nla sua richiesta #{ticket.number} "
                    "(«{ticket.subject}») attende una sua risposta. Se le serve ancora aiuto ci "
                    "risponda pure; altrimenti tra qualche giorno la considereremo risolta.\n\n{desk.name}",
                    "en": "Hello {customer.name},\n\nyour request #{ticket.number} "
                    '("{ticket.subject}") is waiting for your answer. If you still need help, just '
                    "reply; otherwise we will consider it solved in a few days.\n\n{desk.name}",
                },
            ),
            Action(ActionKind.ADD_TAGS, (REMINDED_TAG,)),
        ),
        events=frozenset({TriggerEvent.SCHEDULE}),
        enabled=False,
        position=1,
        builtin=True,
    ),
    Rule(
        id=SOLVE_REMINDED_RULE_ID,
        name="Solve reminded tickets after 5 more days pending",
        kind=RuleKind.AUTOMATION,
        conditions=Conditions(
            all=(
                Condition("ticket.status", "is", "pending"),
                Condition("ticket.hours_since_update", "gte", 120),
                Condition("ticket.tags", "includes", REMINDED_TAG),
            )
        ),
        actions=(Action(ActionKind.SET_STATUS, "solved"),),
        events=frozenset({TriggerEvent.SCHEDULE}),
        enabled=False,
        position=2,
        builtin=True,
    ),
    Rule(
        id=CLOSE_SOLVED_RULE_ID,
        name="Close tickets solved for 4 days",
        kind=RuleKind.AUTOMATION,
        conditions=Conditions(
            all=(
                Condition("ticket.status", "is", "solved"),
                Condition("ticket.hours_since_update", "gte", 96),
            )
        ),
        actions=(Action(ActionKind.SET_STATUS, "closed"),),
        events=frozenset({TriggerEvent.SCHEDULE}),
        enabled=False,
        position=3,
        builtin=True,
    ),
)
BUILTIN_RULES: tuple[Rule, ...] = (*BUILTIN_TRIGGERS, *BUILTIN_AUTOMATIONS)


class DeskRules:
    def __init__(self, settings: RoutingSettings) -> None:
        self._settings = settings

    def all(self, kind: RuleKind) -> list[Rule]:
        """Every rule of `kind`, in order, the built-ins included (as edited, if they were)."""
        stored = self._settings.rules(kind)
        ids = {rule.id for rule in stored}
        builtins = [rule for rule in BUILTIN_RULES if rule.kind is kind and rule.id not in ids]
        return sorted([*builtins, *stored], key=lambda rule: (rule.position, rule.id))

    def triggers(self, event: TriggerEvent) -> list[Rule]:
        return [rule for rule in self.all(RuleKind.TRIGGER) if rule.enabled and event in rule.events]

    def automations(self) -> list[Rule]:
        return [rule for rule in self.all(RuleKind.AUTOMATION) if rule.enabled]

    def get(self, kind: RuleKind, rule_id: str) -> Rule:
        rule = next((r for r in self.all(kind) if r.id == rule_id), None)
        if rule is None:
            raise NotFoundError(f"no {kind.value} {rule_id}")
        return rule

    def create(self, kind: RuleKind, data: Mapping[str, Any]) -> Rule:
        if len(self._settings.rules(kind)) >= MAX_RULES:
            raise InvalidRequestError(f"a desk has at most {MAX_RULES} {kind.value}s")
        existing = self.all(kind)
        data = {"position": (existing[-1].position + 1) if existing else 0, **data, "builtin": False}
        rule = _parsed(data, new_id(), kind)
        self._settings.save_rule(rule)
        return rule

    def update(self, kind: RuleKind, rule_id: str, data: Mapping[str, Any]) -> Rule:
        current = self.get(kind, rule_id)
        rule = _parsed({**data, "builtin": current.builtin}, rule_id, kind)
        self._settings.save_rule(rule)
        return rule

    def delete(self, kind: RuleKind, rule_id: str) -> None:
        rule = self.get(kind, rule_id)
        if rule.builtin:
            raise InvalidRequestError(f"{rule.name!r} is built in: switch it off instead")
        self._settings.delete_rule(kind, rule_id)

    def reorder(self, kind: RuleKind, rule_ids: Sequence[str]) -> list[Rule]:
        """Puts the rules in the order given (every rule of the kind, each once)."""
        current = {rule.id: rule for rule in self.all(kind)}
        if sorted(rule_ids) != sorted(current):
            raise InvalidRequestError(f"the order must list every {kind.value} exactly once")
        reordered = [replace(current[rule_id], position=index) for index, rule_id in enumerate(rule_ids)]
        for rule in reordered:
            if rule.position != current[rule.id].position:
                self._settings.save_rule(rule)
        return reordered


def _parsed(data: Mapping[str, Any], rule_id: str, kind: RuleKind) -> Rule:
    try:
        return parse_rule(data, rule_id, kind)
    except RuleError as error:
        raise InvalidRequestError(str(error)) from error
