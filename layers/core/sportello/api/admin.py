"""The admin API: the desk's rules, groups, classification and calendar, and the rule language's catalogue.

Every route needs the admins role (`access.resolve_for_members` refuses others before validation, and each
route checks again). Bodies that the domain validates (rules, classification, calendar) are taken as JSON
objects and checked there, so an error names the exact place and reason ("conditions.all[0].value: …").
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field

from ..agents import Agent, Role
from ..app import sportello
from ..calendar import WEEKDAY_NAMES, CalendarError, calendar_from_data, calendar_to_data
from ..clock import utc_now
from ..errors import InvalidRequestError, NotFoundError
from ..routing.model import (
    GroupSettings,
    SettingsError,
    Strategy,
    classification_from_data,
    classification_to_data,
)
from ..routing.rules import (
    FIELDS,
    OPERATORS,
    PLACEHOLDERS,
    ActionKind,
    Rule,
    RuleKind,
    TriggerEvent,
    rule_to_data,
)
from ..tickets.model import Priority, Status, TicketType
from . import access

router = Router()

GROUP_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
MAX_GROUP_MEMBERS = 200

RuleJson = Annotated[
    dict[str, Any],
    Body(description="a rule: name, enabled, events (triggers), conditions {all, any}, actions"),
]
SettingsJson = Annotated[dict[str, Any], Body(description="the settings document, as GET returns it")]


def _admin() -> Agent:
    return access.current_agent(router, Role.ADMIN)


def _kind(kind: str) -> RuleKind:
    try:
        return RuleKind(kind)
    except ValueError:
        raise NotFoundError(f"no rules of kind {kind!r} (use trigger, automation)") from None


def _rules_view(rules: list[Rule]) -> dict[str, Any]:
    return {"items": [rule_to_data(rule) for rule in rules]}


# -- rules -------------------------------------------------------------------------------------------


class OrderBody(BaseModel):
    ids: list[str] = Field(description="every rule of the kind, each once, in the order they run")


@router.get("/admin/rules/<kind>")
def list_rules(kind: str) -> dict[str, Any]:
    _admin()
    return _rules_view(sportello().desk_rules.all(_kind(kind)))


@router.post("/admin/rules/<kind>")
def create_rule(kind: str, body: RuleJson) -> Response[dict[str, Any]]:
    _admin()
    rule = sportello().desk_rules.create(_kind(kind), body)
    return Response(status_code=201, content_type="application/json", body=rule_to_data(rule))


# Before `/<rule_id>`: dynamic routes match in the order they are registered.
@router.put("/admin/rules/<kind>/order")
def reorder_rules(kind: str, body: OrderBody) -> dict[str, Any]:
    _admin()
    rules = sportello().desk_rules
    rules.reorder(_kind(kind), body.ids)
    return _rules_view(rules.all(_kind(kind)))


@router.get("/admin/rules/<kind>/<rule_id>")
def get_rule(kind: str, rule_id: str) -> dict[str, Any]:
    _admin()
    return rule_to_data(sportello().desk_rules.get(_kind(kind), rule_id))


@router.put("/admin/rules/<kind>/<rule_id>")
def update_rule(kind: str, rule_id: str, body: RuleJson) -> dict[str, Any]:
    """Replaces the rule; `enabled: false` switches it off (a built-in one too)."""
    _admin()
    rules = sportello().desk_rules
    current = rules.get(_kind(kind), rule_id)
    # A body without a position keeps the rule where it is.
    return rule_to_data(rules.update(_kind(kind), rule_id, {"position": current.position, **body}))


@router.delete("/admin/rules/<kind>/<rule_id>")
def delete_rule(kind: str, rule_id: str) -> Response[None]:
    _admin()
    sportello().desk_rules.delete(_kind(kind), rule_id)
    return Response(status_code=204, content_type="application/json", body=None)


# -- the rule language, for the editor ---------------------------------------------------------------


def _action_catalogue() -> list[dict[str, Any]]:
    """Each action and the value it takes: a choice (with its choices), tags, a group, an agent, templates."""
    choices = {
        ActionKind.SET_PRIORITY: [p.value for p in Priority],
        ActionKind.SET_TYPE: ["", *(t.value for t in TicketType)],
        ActionKind.SET_STATUS: [s.value for s in Status if s is not Status.NEW],
    }
    shapes = {
        ActionKind.ADD_TAGS: "tags",
        ActionKind.REMOVE_TAGS: "tags",
        ActionKind.SET_GROUP: "group",
        ActionKind.SET_ASSIGNEE: "agent",
        ActionKind.REPLY: "templates",
        ActionKind.ADD_NOTE: "templates",
        ActionKind.NOTIFY: "templates_subject",
        ActionKind.ACKNOWLEDGE: "none",
    }
    return [
        {
            "kind": kind.value,
            "value": "choice" if kind in choices else shapes[kind],
            "choices": choices.get(kind, []),
            "kinds": [RuleKind.TRIGGER.value]
            if kind is ActionKind.ACKNOWLEDGE
            else [k.value for k in RuleKind],
        }
        for kind in ActionKind
    ]


@router.get("/admin/fields")
def rule_language() -> dict[str, Any]:
    """The fields a condition may test (type, choices, the rule kinds that may use it), the operators of
    each type with the value each takes, the actions and the template placeholders."""
    _admin()
    return {
        "fields": [
            {
                "name": name,
                "type": spec.type.value,
                "choices": list(spec.choices),
                "kinds": sorted(kind.value for kind in spec.kinds),
            }
            for name, spec in FIELDS.items()
        ],
        "operators": {value_type.value: dict(ops) for value_type, ops in OPERATORS.items()},
        "actions": _action_catalogue(),
        "placeholders": list(PLACEHOLDERS),
        "events": [TriggerEvent.CREATED.value, TriggerEvent.CUSTOMER_REPLY.value],
        "strategies": [s.value for s in Strategy],
        "weekdays": list(WEEKDAY_NAMES),
    }


# -- groups ------------------------------------------------------------------------------------------


class GroupBody(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    strategy: Strategy = Strategy.LEAST_OPEN
    members: list[str] = Field(default_factory=list, description="agent ids")
    description: str = Field(default="", max_length=1000)


def _group_view(group: GroupSettings) -> dict[str, Any]:
    return {
        "id": group.id,
        "name": group.name,
        "strategy": group.strategy.value,
        "members": list(group.members),
        "description": group.description,
    }


@router.get("/admin/groups")
def list_groups() -> dict[str, Any]:
    _admin()
    groups = sorted(sportello().routing_settings.groups(), key=lambda g: g.name.casefold())
    return {"items": [_group_view(g) for g in groups]}


@router.put("/admin/groups/<group_id>")
def save_group(group_id: str, body: GroupBody) -> dict[str, Any]:
    """Creates or replaces a group: its name, how it assigns, who is in it."""
    _admin()
    if not GROUP_ID.fullmatch(group_id):
        raise InvalidRequestError(
            f"id: {group_id!r} is not a group id (lower-case letters, digits, - and _, at most 64)"
        )
    if not body.name.strip():
        raise InvalidRequestError("name: a group needs a name")
    if len(body.members) > MAX_GROUP_MEMBERS:
        raise InvalidRequestError(f"members: at most {MAX_GROUP_MEMBERS}")
    app = sportello()
    known = {agent.id for agent in app.directory.agents()}
    for index, member in enumerate(body.members):
        if member not in known:
            raise InvalidRequestError(f"members[{index}]: {member!r} is not an agent of the desk")
    members = tuple(dict.fromkeys(body.members))  # each once, in the order given
    group = GroupSettings(group_id, body.name.strip(), body.strategy, members, body.description.strip())
    app.routing_settings.save_group(group)
    return _group_view(group)


# -- classification and calendar ---------------------------------------------------------------------


@router.get("/admin/classification")
def get_classification() -> dict[str, Any]:
    _admin()
    return classification_to_data(sportello().routing_settings.classification())


@router.put("/admin/classification")
def put_classification(body: SettingsJson) -> dict[str, Any]:
    """Replaces the classifier's settings; a missing part takes the desk's default."""
    _admin()
    app = sportello()
    try:
        classification = classification_from_data(body)
    except SettingsError as error:
        raise InvalidRequestError(str(error)) from error
    group = classification.default_group
    if group is not None and group not in {g.id for g in app.routing_settings.groups()}:
        raise InvalidRequestError(f"default_group: {group!r} is not a group")
    app.routing_settings.save_classification(classification)
    return classification_to_data(classification)


@router.get("/admin/calendar")
def get_calendar() -> dict[str, Any]:
    _admin()
    return calendar_to_data(sportello().routing_settings.calendar())


@router.put("/admin/calendar")
def put_calendar(body: SettingsJson) -> dict[str, Any]:
    """Replaces the business calendar: time zone, opening windows per weekday, closed days, public holidays
    (`holidays`: country and region; country null: none)."""
    _admin()
    try:
        calendar = calendar_from_data(body)
    except CalendarError as error:
        raise InvalidRequestError(str(error)) from error
    sportello().routing_settings.save_calendar(calendar)
    return calendar_to_data(calendar)


@router.get("/admin/calendar/holidays")
def calendar_holidays(
    year: Annotated[int | None, Query(ge=1900, le=2200, description="default: this year")] = None,
    lang: Annotated[str, Query(pattern="^[a-z]{2}$", description="names in it, en…, else English")] = "en",
) -> dict[str, Any]:
    """The saved calendar's public holidays of a year (its country and region), for the settings screen."""
    _admin()
    calendar = sportello().routing_settings.calendar()
    year = year or utc_now().astimezone(calendar.zone).year
    return {
        "year": year,
        "holidays": [
            {"date": day.isoformat(), "name": name} for day, name in calendar.holidays_in(year, lang)
        ],
    }
