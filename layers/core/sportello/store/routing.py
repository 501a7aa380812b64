"""Routing's settings on the single table: rules by kind in one partition each, settings documents,
and each group's strategy and members on its group item. Each read is one key or query."""

from __future__ import annotations

import logging

from pynamodb.exceptions import DoesNotExist

from ..calendar import DEFAULT_CALENDAR, BusinessCalendar, CalendarError, calendar_from_data, calendar_to_data
from ..routing.model import (
    DEFAULT_CLASSIFICATION,
    Classification,
    GroupSettings,
    SettingsError,
    Strategy,
    classification_from_data,
    classification_to_data,
)
from ..routing.rules import Rule, RuleError, RuleKind, parse_rule, rule_to_data
from . import keys
from .models import GroupItem, RuleItem, SettingItem

logger = logging.getLogger(__name__)

CLASSIFICATION_SK = "classification"
CALENDAR_SK = "calendar"


def _group(item: GroupItem) -> GroupSettings:
    try:
        strategy = Strategy(item.strategy) if item.strategy else Strategy.LEAST_OPEN
    except ValueError:
        strategy = Strategy.MANUAL
    return GroupSettings(
        item.id,
        item.name,
        strategy,
        tuple(str(member) for member in item.members or ()),
        item.description or "",
    )


class DynamoRoutingSettings:
    def rules(self, kind: RuleKind) -> list[Rule]:
        rules = []
        for item in RuleItem.query(keys.rules_pk(kind.value)):
            try:
                rules.append(parse_rule(item.data, item.sk, kind))
            except RuleError as error:
                # Saved by an older version and no longer valid: skipped, and said, never a crash loop.
                logger.warning("skipping the stored %s %s: %s", kind.value, item.sk, error)
        return sorted(rules, key=lambda rule: (rule.position, rule.id))

    def save_rule(self, rule: Rule) -> None:
        RuleItem(pk=keys.rules_pk(rule.kind.value), sk=rule.id, data=rule_to_data(rule)).save()

    def delete_rule(self, kind: RuleKind, rule_id: str) -> None:
        RuleItem(keys.rules_pk(kind.value), rule_id).delete()

    def _document(self, sk: str) -> dict[str, object] | None:
        try:
            return dict(SettingItem.get(keys.SETTINGS_PK, sk).data)
        except DoesNotExist:
            return None

    def classification(self) -> Classification:
        data = self._document(CLASSIFICATION_SK)
        if data is None:
            return DEFAULT_CLASSIFICATION
        try:
            return classification_from_data(data)
        except SettingsError as error:
            logger.warning("the stored classification is invalid (%s): using the defaults", error)
            return DEFAULT_CLASSIFICATION

    def save_classification(self, classification: Classification) -> None:
        SettingItem(
            pk=keys.SETTINGS_PK, sk=CLASSIFICATION_SK, data=classification_to_data(classification)
        ).save()

    def calendar(self) -> BusinessCalendar:
        data = self._document(CALENDAR_SK)
        if data is None:
            return DEFAULT_CALENDAR
        try:
            return calendar_from_data(data)
        except CalendarError as error:
            logger.warning("the stored calendar is invalid (%s): using the default", error)
            return DEFAULT_CALENDAR

    def save_calendar(self, calendar: BusinessCalendar) -> None:
        SettingItem(pk=keys.SETTINGS_PK, sk=CALENDAR_SK, data=calendar_to_data(calendar)).save()

    def groups(self) -> list[GroupSettings]:
        return [_group(item) for item in GroupItem.query(keys.GROUP_PK)]

    def group(self, group_id: str) -> GroupSettings | None:
        try:
            return _group(GroupItem.get(keys.GROUP_PK, group_id))
        except DoesNotExist:
            return None

    def save_group(self, group: GroupSettings) -> None:
        GroupItem(
            pk=keys.GROUP_PK,
            sk=group.id,
            id=group.id,
            name=group.name,
            strategy=group.strategy.value,
            members=list(group.members),
            description=group.description or None,
        ).save()
