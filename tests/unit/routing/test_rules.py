"""The rule language: what it accepts, how it says what it refuses, and how conditions match."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.routing.rules import (
    FIELDS,
    ActionKind,
    Condition,
    RuleError,
    RuleKind,
    first_word_match,
    holds,
    matches,
    parse_rule,
    render,
    rule_to_data,
    template_for,
)


def trigger(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Urgent to billing",
        "conditions": {"all": [{"field": "ticket.priority", "op": "is", "value": "urgent"}]},
        "actions": [{"kind": "set_group", "value": "billing"}],
    }
    return data | overrides


def refusal(data: Any, kind: RuleKind = RuleKind.TRIGGER) -> RuleError:
    with pytest.raises(RuleError) as caught:
        parse_rule(data, "r1", kind)
    return caught.value


def test_a_valid_trigger_reads_back_to_the_same_rule() -> None:
    rule = parse_rule(trigger(events=["created"]), "r1", RuleKind.TRIGGER)
    assert rule.conditions.all == (Condition("ticket.priority", "is", "urgent"),)
    assert [a.kind for a in rule.actions] == [ActionKind.SET_GROUP]
    assert parse_rule(rule_to_data(rule), "r1", RuleKind.TRIGGER) == rule


@pytest.mark.parametrize(
    ("conditions", "path", "reason"),
    [
        (
            {"all": [{"field": "ticket.colour", "op": "is", "value": "red"}]},
            "conditions.all[0].field",
            "unknown field",
        ),
        (
            {"any": [{"field": "ticket.priority", "op": "contains", "value": "x"}]},
            "conditions.any[0].op",
            "does not apply",
        ),
        (
            {"all": [{"field": "ticket.priority", "op": "is", "value": "sometimes"}]},
            "conditions.all[0].value",
            "'sometimes' is not one of",
        ),
        (
            {"all": [{"field": "customer.vip", "op": "is", "value": "yes"}]},
            "conditions.all[0].value",
            "true or false",
        ),
        (
            {"all": [{"field": "time.hour", "op": "gt", "value": "9"}]},
            "conditions.all[0].value",
            "must be a number",
        ),
        (
            {"all": [{"field": "message.text", "op": "contains_any_word", "value": []}]},
            "conditions.all[0].value",
            "non-empty list",
        ),
        (
            {"all": [{"field": "ticket.hours_since_update", "op": "gt", "value": 3}]},
            "conditions.all[0].field",
            "cannot be used in an trigger",
        ),
        ({"none": []}, "conditions", "unknown part 'none'"),
    ],
)
def test_a_bad_condition_names_the_field_and_the_reason(conditions: Any, path: str, reason: str) -> None:
    error = refusal(trigger(conditions=conditions))
    assert error.path == path
    assert reason in error.reason


@pytest.mark.parametrize(
    ("actions", "path", "reason"),
    [
        ([], "actions", "at least one action"),
        ([{"kind": "explode"}], "actions[0].kind", "unknown action 'explode'"),
        ([{"kind": "set_priority", "value": "asap"}], "actions[0].value", "is not one of"),
        ([{"kind": "set_status", "value": "new"}], "actions[0].value", "cannot be set back to new"),
        (
            [{"kind": "reply", "templates": {"it": "Ciao {customer.nome}"}}],
            "actions[0].templates.it",
            "unknown placeholder {customer.nome}",
        ),
        (
            [{"kind": "reply", "templates": {"italian": "Ciao"}}],
            "actions[0].templates",
            "not a two-letter language",
        ),
        ([{"kind": "add_note", "templates": {"en": "{ticket.number"}}], "actions[0].templates.en", "brace"),
    ],
)
def test_a_bad_action_names_the_place_and_the_reason(actions: Any, path: str, reason: str) -> None:
    error = refusal(trigger(actions=actions))
    assert (error.path, reason in error.reason) == (path, True)


def test_an_automation_needs_a_time_condition_and_cannot_acknowledge() -> None:
    error = refusal(trigger(), RuleKind.AUTOMATION)
    assert error.path == "conditions.all"
    timed = {"all": [{"field": "ticket.hours_since_update", "op": "gte", "value": 72}]}
    acknowledging = trigger(conditions=timed, actions=[{"kind": "acknowledge"}])
    assert refusal(acknowledging, RuleKind.AUTOMATION).path == "actions[0].kind"
    assert parse_rule(trigger(conditions=timed), "a1", RuleKind.AUTOMATION).kind is RuleKind.AUTOMATION


def test_words_match_whole_words_without_case_or_accents() -> None:
    assert first_word_match("Il sito è BLOCCATO da ieri", ["urgente", "bloccato"]) == "bloccato"
    assert first_word_match("Perché non funziona?", ["non funziona"]) == "non funziona"
    assert first_word_match("Sbloccato, grazie", ["bloccato"]) is None  # not inside another word
    assert first_word_match("Già fatto", ["gia"]) == "gia"


@pytest.mark.parametrize(
    ("field", "op", "value", "fact", "expected"),
    [
        ("ticket.subject", "contains", "ordine", "Il mio ORDINE", True),
        ("ticket.subject", "not_contains", "ordine", "Il mio ORDINE", False),
        ("ticket.subject", "is_empty", None, "  ", True),
        ("ticket.priority", "in", ("high", "urgent"), "urgent", True),
        ("ticket.priority", "not_in", ("high", "urgent"), "urgent", False),
        ("ticket.priority", "is_not", "low", "urgent", True),
        ("ticket.tags", "includes", "vip", ("vip", "billing"), True),
        ("ticket.tags", "excludes", "vip", ("vip",), False),
        ("ticket.tags", "includes_any", ("a", "b"), ("b",), True),
        ("ticket.tags", "includes_none", ("a", "b"), ("b",), False),
        ("customer.vip", "is", False, None, True),
        ("time.hour", "gte", 9, 9, True),
        ("time.hour", "lt", 9, 9, False),
        ("time.hour", "eq", 9, None, False),
    ],
)
def test_each_operator_compares_as_named(field: str, op: str, value: Any, fact: Any, expected: bool) -> None:
    assert holds(Condition(field, op, value), {field: fact}) is expected


def test_all_must_hold_and_at_least_one_of_any() -> None:
    rule = parse_rule(
        trigger(
            conditions={
                "all": [{"field": "ticket.channel", "op": "is", "value": "email"}],
                "any": [
                    {"field": "customer.vip", "op": "is", "value": True},
                    {"field": "ticket.priority", "op": "is", "value": "urgent"},
                ],
            }
        ),
        "r1",
        RuleKind.TRIGGER,
    )
    base = {"ticket.channel": "email", "customer.vip": False, "ticket.priority": "normal"}
    assert not matches(rule, base)
    assert matches(rule, base | {"customer.vip": True})
    assert not matches(rule, base | {"customer.vip": True, "ticket.channel": "sms"})


def test_templates_fall_back_to_default_then_english_and_fill_placeholders() -> None:
    templates = {"en": "Hello {customer.name}, ticket #{ticket.number}", "default": "Hi"}
    assert template_for(templates, "it") == "Hi"
    assert template_for({"en": "Hello"}, "it") == "Hello"
    assert render(templates["en"], {"customer.name": "Mario", "ticket.number": 7}) == "Hello Mario, ticket #7"


def test_every_field_has_a_fact() -> None:
    from datetime import UTC, datetime

    from sportello.calendar import DEFAULT_CALENDAR
    from sportello.routing.facts import Situation, facts_of
    from sportello.routing.rules import TriggerEvent
    from sportello.tickets.model import Channel, Priority, Requester, Status, Ticket

    now = datetime(2026, 3, 2, 10, tzinfo=UTC)
    ticket = Ticket(
        1, "s", Status.NEW, Priority.NORMAL, Channel.EMAIL, Requester("c", "C", None), "it", now, now
    )
    facts = facts_of(Situation(ticket, None, TriggerEvent.CREATED, now, DEFAULT_CALENDAR))
    assert set(facts) == set(FIELDS)
