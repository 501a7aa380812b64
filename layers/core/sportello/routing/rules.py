"""The desk's rule language: conditions on a ticket's facts, and the actions a rule takes.

One language serves triggers (run by the routing workflow on a new ticket or a customer reply) and
automations (run by the hourly schedule on tickets that have waited). Rules arrive as JSON from the
admin API; `parse_rule` turns them into values or raises RuleError naming the exact place and reason
("conditions.all[1].value: 'sometimes' is not one of low, normal, high, urgent").

Matching is plain code, never a user-supplied regular expression: a rule cannot make the desk slow.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ..tickets.model import Channel, Priority, Status, TicketType

MAX_RULE_NAME = 120
MAX_CONDITIONS = 30
MAX_ACTIONS = 20
MAX_TEXT_VALUE = 2_000
MAX_WORDS = 100
MAX_TEMPLATE = 5_000


class RuleError(ValueError):
    """A rule that cannot be accepted: `path` names the offending part, the message says why."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}" if path else reason)


class RuleKind(StrEnum):
    TRIGGER = "trigger"  # runs on a ticket event (a new ticket, a customer reply)
    AUTOMATION = "automation"  # runs on the hourly schedule on tickets whose time has come


class TriggerEvent(StrEnum):
    CREATED = "created"
    CUSTOMER_REPLY = "customer_reply"
    SCHEDULE = "schedule"  # the automations' sweep


class ValueType(StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    TAGS = "tags"
    FLAG = "flag"
    NUMBER = "number"


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class FieldSpec:
    type: ValueType
    choices: tuple[str, ...] = ()
    # Which rule kinds may use it: a trigger has no "hours since update" worth testing.
    kinds: frozenset[RuleKind] = frozenset(RuleKind)


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


# Every fact a condition may test. `facts.py` computes them; a test keeps the two sets equal.
FIELDS: dict[str, FieldSpec] = {
    "event": FieldSpec(ValueType.CHOICE, _choices(TriggerEvent)),
    "ticket.status": FieldSpec(ValueType.CHOICE, _choices(Status)),
    "ticket.priority": FieldSpec(ValueType.CHOICE, _choices(Priority)),
    "ticket.type": FieldSpec(ValueType.CHOICE, ("", *_choices(TicketType))),
    "ticket.channel": FieldSpec(ValueType.CHOICE, _choices(Channel)),
    "ticket.group": FieldSpec(ValueType.TEXT),
    "ticket.assignee": FieldSpec(ValueType.TEXT),
    "ticket.tags": FieldSpec(ValueType.TAGS),
    "ticket.language": FieldSpec(ValueType.TEXT),
    "ticket.subject": FieldSpec(ValueType.TEXT),
    "message.text": FieldSpec(ValueType.TEXT, kinds=frozenset({RuleKind.TRIGGER})),
    "message.sender_verified": FieldSpec(ValueType.FLAG, kinds=frozenset({RuleKind.TRIGGER})),
    "customer.vip": FieldSpec(ValueType.FLAG),
    "customer.organisation": FieldSpec(ValueType.TEXT),
    "customer.email": FieldSpec(ValueType.TEXT),
    "time.hour": FieldSpec(ValueType.NUMBER),
    "time.weekday": FieldSpec(ValueType.CHOICE, WEEKDAYS),
    "time.business_hours": FieldSpec(ValueType.FLAG),
    "ticket.hours_since_update": FieldSpec(ValueType.NUMBER, kinds=frozenset({RuleKind.AUTOMATION})),
    "ticket.business_hours_since_update": FieldSpec(ValueType.NUMBER, kinds=frozenset({RuleKind.AUTOMATION})),
}

# The operators of each value type, and what kind of value each compares with.
OPERATORS: dict[ValueType, dict[str, str]] = {
    ValueType.TEXT: {
        "is": "text",
        "is_not": "text",
        "contains": "text",
        "not_contains": "text",
        "contains_any_word": "words",
        "contains_no_word": "words",
        "is_empty": "none",
        "is_set": "none",
    },
    ValueType.CHOICE: {"is": "choice", "is_not": "choice", "in": "choices", "not_in": "choices"},
    ValueType.TAGS: {"includes": "tag", "excludes": "tag", "includes_any": "tags", "includes_none": "tags"},
    ValueType.FLAG: {"is": "flag"},
    ValueType.NUMBER: {"eq": "number", "gt": "number", "gte": "number", "lt": "number", "lte": "number"},
}


class ActionKind(StrEnum):
    SET_PRIORITY = "set_priority"
    SET_TYPE = "set_type"
    SET_STATUS = "set_status"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    SET_GROUP = "set_group"
    SET_ASSIGNEE = "set_assignee"
    REPLY = "reply"  # a public reply from a template, in the ticket's language
    ACKNOWLEDGE = "acknowledge"  # the channel's own "we received your request"
    NOTIFY = "notify"  # a message to the desk's notification topic (email subscribers, chat hooks)
    ADD_NOTE = "add_note"  # an internal note from a template


# The placeholders a template may use, and nothing else: a typo is an error when the rule is saved.
PLACEHOLDERS = (
    "ticket.number",
    "ticket.subject",
    "ticket.status",
    "ticket.priority",
    "ticket.channel",
    "customer.name",
    "desk.name",
)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None


@dataclass(frozen=True)
class Conditions:
    """Every condition of `all` holds, and at least one of `any` (when it has any)."""

    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    value: Any = None  # a priority, a status, tags, a group id, an agent id
    # Templates by language ("it", "en"; "default" when no language matches) for reply, note, notify.
    templates: Mapping[str, str] = field(default_factory=dict)
    subject: str = ""  # the notification's subject (notify)


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    kind: RuleKind
    conditions: Conditions
    actions: tuple[Action, ...]
    enabled: bool = True
    position: int = 0
    # For triggers: the events it runs on (both, unless narrowed).
    events: frozenset[TriggerEvent] = frozenset({TriggerEvent.CREATED, TriggerEvent.CUSTOMER_REPLY})
    # Built in (the acknowledgement): it can be edited and switched off, never deleted.
    builtin: bool = False


# -- reading a rule from JSON ----------------------------------------------------------------------


def parse_rule(data: Any, rule_id: str, kind: RuleKind) -> Rule:
    """The rule `data` describes (the admin API's body); RuleError names the first thing wrong."""
    if not isinstance(data, Mapping):
        raise RuleError("", "a rule is a JSON object")
    name = _text(data.get("name"), "name", MAX_RULE_NAME)
    if not name.strip():
        raise RuleError("name", "a rule needs a name")
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise RuleError("enabled", "must be true or false")
    position = data.get("position", 0)
    if not isinstance(position, int) or isinstance(position, bool) or position < 0:
        raise RuleError("position", "must be a whole number, 0 or more")
    events = _events(data.get("events"), kind)
    conditions = _conditions(data.get("conditions", {}), kind)
    actions = _actions(data.get("actions"), kind)
    return Rule(
        id=rule_id,
        name=name.strip(),
        kind=kind,
        conditions=conditions,
        actions=actions,
        enabled=enabled,
        position=position,
        events=events,
        builtin=bool(data.get("builtin", False)),
    )


def _text(value: Any, path: str, limit: int = MAX_TEXT_VALUE) -> str:
    if not isinstance(value, str):
        raise RuleError(path, "must be text")
    if len(value) > limit:
        raise RuleError(path, f"is longer than {limit} characters")
    return value


def _events(value: Any, kind: RuleKind) -> frozenset[TriggerEvent]:
    if kind is RuleKind.AUTOMATION:
        return frozenset({TriggerEvent.SCHEDULE})
    if value is None:
        return frozenset({TriggerEvent.CREATED, TriggerEvent.CUSTOMER_REPLY})
    if not isinstance(value, list) or not value:
        raise RuleError("events", "must list at least one of created, customer_reply")
    allowed = {TriggerEvent.CREATED.value, TriggerEvent.CUSTOMER_REPLY.value}
    for index, item in enumerate(value):
        if item not in allowed:
            raise RuleError(f"events[{index}]", f"{item!r} is not one of created, customer_reply")
    return frozenset(TriggerEvent(item) for item in value)


def _conditions(value: Any, kind: RuleKind) -> Conditions:
    if not isinstance(value, Mapping):
        raise RuleError("conditions", 'must be an object with "all" and/or "any" lists')
    unknown = set(value) - {"all", "any"}
    if unknown:
        raise RuleError("conditions", f"unknown part {sorted(unknown)[0]!r} (use all, any)")
    groups: dict[str, tuple[Condition, ...]] = {}
    for part in ("all", "any"):
        items = value.get(part, [])
        if not isinstance(items, list):
            raise RuleError(f"conditions.{part}", "must be a list")
        groups[part] = tuple(
            _condition(item, f"conditions.{part}[{i}]", kind) for i, item in enumerate(items)
        )
    if len(groups["all"]) + len(groups["any"]) > MAX_CONDITIONS:
        raise RuleError("conditions", f"at most {MAX_CONDITIONS} conditions")
    if kind is RuleKind.AUTOMATION and not any(
        c.field in ("ticket.hours_since_update", "ticket.business_hours_since_update") for c in groups["all"]
    ):
        # Without a time condition an automation would act on every ticket at the next sweep.
        raise RuleError("conditions.all", "an automation needs a condition on the hours since update")
    return Conditions(all=groups["all"], any=groups["any"])


def _condition(item: Any, path: str, kind: RuleKind) -> Condition:
    if not isinstance(item, Mapping):
        raise RuleError(path, 'a condition is an object {"field", "op", "value"}')
    name = item.get("field")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None or not isinstance(name, str):
        raise RuleError(f"{path}.field", f"unknown field {name!r}")
    if kind not in spec.kinds:
        raise RuleError(f"{path}.field", f"{name} cannot be used in an {kind.value}")
    op = item.get("op")
    operators = OPERATORS[spec.type]
    if op not in operators:
        raise RuleError(f"{path}.op", f"{op!r} does not apply to {name} (use {', '.join(operators)})")
    value = _operand(item.get("value"), operators[op], spec, f"{path}.value")
    return Condition(field=name, op=op, value=value)


def _operand(value: Any, shape: str, spec: FieldSpec, path: str) -> Any:
    if shape == "none":
        return None
    if shape == "text":
        return _text(value, path)
    if shape in ("words", "tags", "choices"):
        if not isinstance(value, list) or not value:
            raise RuleError(path, "must be a non-empty list")
        if len(value) > MAX_WORDS:
            raise RuleError(path, f"at most {MAX_WORDS} entries")
        items = [_text(v, f"{path}[{i}]", 200) for i, v in enumerate(value)]
        if shape == "choices":
            for i, v in enumerate(items):
                _choice(v, spec, f"{path}[{i}]")
        if shape == "tags":
            return tuple(_tag(v) for v in items)
        return tuple(items)
    if shape == "tag":
        return _tag(_text(value, path, 200))
    if shape == "choice":
        return _choice(_text(value, path, 200), spec, path)
    if shape == "flag":
        if not isinstance(value, bool):
            raise RuleError(path, "must be true or false")
        return value
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise RuleError(path, "must be a number")
    return value


def _choice(value: str, spec: FieldSpec, path: str) -> str:
    if value not in spec.choices:
        shown = ", ".join(choice or '""' for choice in spec.choices)
        raise RuleError(path, f"{value!r} is not one of {shown}")
    return value


def _tag(value: str) -> str:
    return value.strip().lower().replace(" ", "-")


def _actions(value: Any, kind: RuleKind) -> tuple[Action, ...]:
    if not isinstance(value, list) or not value:
        raise RuleError("actions", "a rule needs at least one action")
    if len(value) > MAX_ACTIONS:
        raise RuleError("actions", f"at most {MAX_ACTIONS} actions")
    return tuple(parse_action(item, f"actions[{i}]", kind) for i, item in enumerate(value))


def parse_action(item: Any, path: str, kind: RuleKind) -> Action:
    """One action of a rule (or of anything else that acts as rules do: an SLA's escalation)."""
    if not isinstance(item, Mapping):
        raise RuleError(path, 'an action is an object {"kind", …}')
    try:
        action_kind = ActionKind(str(item.get("kind")))
    except ValueError:
        raise RuleError(f"{path}.kind", f"unknown action {item.get('kind')!r}") from None
    value = item.get("value")
    match action_kind:
        case ActionKind.SET_PRIORITY:
            return Action(
                action_kind,
                _choice(_text(value, f"{path}.value"), FIELDS["ticket.priority"], f"{path}.value"),
            )
        case ActionKind.SET_TYPE:
            return Action(
                action_kind, _choice(_text(value, f"{path}.value"), FIELDS["ticket.type"], f"{path}.value")
            )
        case ActionKind.SET_STATUS:
            status = _choice(_text(value, f"{path}.value"), FIELDS["ticket.status"], f"{path}.value")
            if status == Status.NEW.value:
                raise RuleError(f"{path}.value", "a ticket cannot be set back to new")
            return Action(action_kind, status)
        case ActionKind.ADD_TAGS | ActionKind.REMOVE_TAGS:
            tags = _operand(value, "tags", FIELDS["ticket.tags"], f"{path}.value")
            return Action(action_kind, tags)
        case ActionKind.SET_GROUP:
            return Action(action_kind, _text(value, f"{path}.value", 200) or None)
        case ActionKind.SET_ASSIGNEE:
            return Action(action_kind, None if value is None else _text(value, f"{path}.value", 200) or None)
        case ActionKind.ACKNOWLEDGE:
            if kind is RuleKind.AUTOMATION:
                raise RuleError(f"{path}.kind", "an automation cannot acknowledge: it answers no new request")
            return Action(action_kind)
        case ActionKind.REPLY | ActionKind.ADD_NOTE | ActionKind.NOTIFY:
            templates = _templates(item.get("templates"), f"{path}.templates")
            subject = ""
            if action_kind is ActionKind.NOTIFY:
                subject = _text(item.get("subject", ""), f"{path}.subject", 200)
                _check_placeholders(subject, f"{path}.subject")
            return Action(action_kind, templates=templates, subject=subject)
    raise RuleError(f"{path}.kind", f"unknown action {action_kind!r}")  # pragma: no cover - exhaustive


def _templates(value: Any, path: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or not value:
        raise RuleError(path, 'must map a language ("it", "en", "default") to a text')
    templates: dict[str, str] = {}
    for language, text in value.items():
        if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2}|default", language):
            raise RuleError(path, f"{language!r} is not a two-letter language code nor default")
        templates[language] = _text(text, f"{path}.{language}", MAX_TEMPLATE)
        if not templates[language].strip():
            raise RuleError(f"{path}.{language}", "is empty")
        _check_placeholders(templates[language], f"{path}.{language}")
    return templates


def _check_placeholders(template: str, path: str) -> None:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise RuleError(path, f"a brace is not closed ({error})") from None
    for name in names:
        if name not in PLACEHOLDERS:
            raise RuleError(path, f"unknown placeholder {{{name}}} (use {', '.join(PLACEHOLDERS)})")


def rule_to_data(rule: Rule) -> dict[str, Any]:
    """The rule as JSON: what `parse_rule` reads back to the same rule."""

    def condition(c: Condition) -> dict[str, Any]:
        value = list(c.value) if isinstance(c.value, tuple) else c.value
        return {"field": c.field, "op": c.op} | ({} if c.value is None else {"value": value})

    data: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind.value,
        "enabled": rule.enabled,
        "position": rule.position,
        "conditions": {
            "all": [condition(c) for c in rule.conditions.all],
            "any": [condition(c) for c in rule.conditions.any],
        },
        "actions": [action_to_data(a) for a in rule.actions],
        "builtin": rule.builtin,
    }
    if rule.kind is RuleKind.TRIGGER:
        data["events"] = sorted(event.value for event in rule.events)
    return data


def action_to_data(action: Action) -> dict[str, Any]:
    """The action as JSON: what `parse_action` reads back to the same action."""
    data: dict[str, Any] = {"kind": action.kind.value}
    if action.value is not None:
        data["value"] = list(action.value) if isinstance(action.value, tuple) else action.value
    if action.templates:
        data["templates"] = dict(action.templates)
    if action.subject:
        data["subject"] = action.subject
    return data


# -- evaluating ------------------------------------------------------------------------------------


def folded(text: str) -> str:
    """Lower case without accents: "Già BLOCCATO" and "gia bloccato" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    return _WORD.findall(folded(text))


def first_word_match(text: str, phrases: Sequence[str]) -> str | None:
    """The first of `phrases` (single words or several) that occurs in `text` as whole words."""
    words = words_of(text)
    joined = f" {' '.join(words)} "
    for phrase in phrases:
        wanted = " ".join(words_of(phrase))
        if wanted and f" {wanted} " in joined:
            return phrase
    return None


def _text_test(op: str) -> Callable[[str, Any], bool]:
    return {
        "is": lambda fact, v: folded(fact) == folded(v),
        "is_not": lambda fact, v: folded(fact) != folded(v),
        "contains": lambda fact, v: folded(v) in folded(fact),
        "not_contains": lambda fact, v: folded(v) not in folded(fact),
        "contains_any_word": lambda fact, v: first_word_match(fact, v) is not None,
        "contains_no_word": lambda fact, v: first_word_match(fact, v) is None,
        "is_empty": lambda fact, _: not fact.strip(),
        "is_set": lambda fact, _: bool(fact.strip()),
    }[op]


def holds(condition: Condition, facts: Mapping[str, Any]) -> bool:
    """Whether one condition holds for the facts; a fact the ticket lacks compares as empty."""
    spec = FIELDS[condition.field]
    fact = facts.get(condition.field)
    op, value = condition.op, condition.value
    if spec.type is ValueType.TEXT:
        return _text_test(op)("" if fact is None else str(fact), value)
    if spec.type is ValueType.CHOICE:
        current = "" if fact is None else str(fact)
        found = current in value if op in ("in", "not_in") else current == value
        return found if op in ("is", "in") else not found
    if spec.type is ValueType.TAGS:
        tags = set(fact or ())
        if op in ("includes", "excludes"):
            return (value in tags) is (op == "includes")
        return bool(tags & set(value)) is (op == "includes_any")
    if spec.type is ValueType.FLAG:
        return bool(fact) is value
    if fact is None:
        return False
    return _NUMBER_TESTS[op](float(fact), float(value))


_NUMBER_TESTS: dict[str, Callable[[float, float], bool]] = {
    "eq": lambda fact, value: fact == value,
    "gt": lambda fact, value: fact > value,
    "gte": lambda fact, value: fact >= value,
    "lt": lambda fact, value: fact < value,
    "lte": lambda fact, value: fact <= value,
}


def matches(rule: Rule, facts: Mapping[str, Any]) -> bool:
    conditions = rule.conditions
    if not all(holds(c, facts) for c in conditions.all):
        return False
    return not conditions.any or any(holds(c, facts) for c in conditions.any)


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fills a template's placeholders (all of them known: checked when the rule was saved)."""
    parts = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(str(values.get(name, "")))
    return "".join(parts)


def template_for(templates: Mapping[str, str], language: str) -> str:
    """The template in the ticket's language, else the default one, else English, else any."""
    for key in (language, "default", "en"):
        if key in templates:
            return templates[key]
    return next(iter(templates.values()), "")
