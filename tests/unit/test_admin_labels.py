"""The agent app names every part of the rule language in both its languages: a field, operator, action or
strategy the server adds without a label would show its raw name in the admin screens."""

from __future__ import annotations

import re

import pytest

from sportello.routing.model import Strategy
from sportello.routing.rules import FIELDS, OPERATORS, ActionKind, TriggerEvent
from tests.conftest import PROJECT_ROOT

I18N = (PROJECT_ROOT / "web" / "src" / "i18n.ts").read_text()
KEYS = re.findall(r'^\s*"([^"]+)":', I18N, flags=re.MULTILINE)

LABELS = (
    [f"ruleField.{name}" for name in FIELDS]
    + [f"ruleOp.{op}" for ops in OPERATORS.values() for op in ops]
    + [f"ruleAction.{kind.value}" for kind in ActionKind]
    + [f"ruleEvent.{event.value}" for event in TriggerEvent]
    + [f"strategy.{strategy.value}" for strategy in Strategy]
)


@pytest.mark.parametrize("key", sorted(set(LABELS)))
def test_each_part_of_the_rule_language_has_an_english_and_an_italian_label(key: str) -> None:
    assert KEYS.count(key) == 2, f"{key} needs a label in en and in it (web/src/i18n.ts)"
