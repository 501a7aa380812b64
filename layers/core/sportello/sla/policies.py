"""SLA policies as JSON (the admin API's body and the stored document), validated with exact paths.

{"policies": [{"id", "name", "enabled", "conditions": {"channels", "groups", "tiers"},
               "targets": {"<priority>": {"<target>": {"minutes": 60, "business": true}}},
               "warning_percent": 75, "escalation": [<rule action>, …]}, …]}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from ..routing.rules import Action, RuleError, RuleKind, action_to_data, parse_action
from ..tickets.model import Channel, Priority
from .model import DEFAULT_WARNING_PERCENT, PolicyConditions, SlaPolicy, Target, TargetKind, Tier

MAX_POLICIES = 50
MAX_ESCALATION_ACTIONS = 10
MAX_NAME = 120
MAX_GROUPS = 50
# A year of minutes: beyond it a target is a typo, not an agreement.
MAX_TARGET_MINUTES = 525_600
POLICY_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")

E = TypeVar("E", bound=StrEnum)


class PolicyError(ValueError):
    """A policy document that cannot be accepted: `path` names the place, the message the reason."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


def _standard(first: int, next_: int, resolution: int) -> dict[TargetKind, Target]:
    return {
        TargetKind.FIRST_REPLY: Target(first),
        TargetKind.NEXT_REPLY: Target(next_),
        TargetKind.RESOLUTION: Target(resolution),
    }


# Until an admin saves their own: business-hour targets a small desk can keep (minutes).
DEFAULT_POLICIES = [
    SlaPolicy(
        id="standard",
        name="Standard",
        targets={
            Priority.URGENT: _standard(60, 120, 8 * 60),
            Priority.HIGH: _standard(4 * 60, 8 * 60, 3 * 8 * 60),
            Priority.NORMAL: _standard(8 * 60, 16 * 60, 5 * 8 * 60),
            Priority.LOW: _standard(16 * 60, 24 * 60, 10 * 8 * 60),
        },
    )
]


def parse_policies(data: Any) -> list[SlaPolicy]:
    """The ordered policies `data` describes; PolicyError names the first thing wrong."""
    if not isinstance(data, Mapping):
        raise PolicyError("", 'the SLA settings are a JSON object {"policies": [...]}')
    items = data.get("policies", [])
    if not isinstance(items, list):
        raise PolicyError("policies", "must be a list of policies")
    if len(items) > MAX_POLICIES:
        raise PolicyError("policies", f"at most {MAX_POLICIES} policies")
    policies = [_policy(item, f"policies[{index}]") for index, item in enumerate(items)]
    seen: set[str] = set()
    for index, policy in enumerate(policies):
        if policy.id in seen:
            raise PolicyError(f"policies[{index}].id", f"{policy.id!r} is used by an earlier policy")
        seen.add(policy.id)
    return policies


def _policy(item: Any, path: str) -> SlaPolicy:
    if not isinstance(item, Mapping):
        raise PolicyError(path, 'a policy is an object {"name", "targets", …}')
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise PolicyError(f"{path}.name", f"a policy needs a name of 1 to {MAX_NAME} characters")
    policy_id = item.get("id") or _slug(name)
    if not isinstance(policy_id, str) or not POLICY_ID.fullmatch(policy_id):
        raise PolicyError(f"{path}.id", "use lowercase letters, digits, '-' and '_' (at most 64)")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise PolicyError(f"{path}.enabled", "must be true or false")
    warning = item.get("warning_percent", DEFAULT_WARNING_PERCENT)
    if not isinstance(warning, int) or isinstance(warning, bool) or not 1 <= warning <= 99:
        raise PolicyError(f"{path}.warning_percent", "must be a whole number from 1 to 99")
    return SlaPolicy(
        id=policy_id,
        name=name.strip(),
        targets=_targets(item.get("targets"), f"{path}.targets"),
        conditions=_conditions(item.get("conditions", {}), f"{path}.conditions"),
        enabled=enabled,
        warning_percent=warning,
        escalation=_escalation(item.get("escalation", []), f"{path}.escalation"),
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "policy"


def _targets(value: Any, path: str) -> dict[Priority, dict[TargetKind, Target]]:
    if not isinstance(value, Mapping) or not value:
        raise PolicyError(path, "set at least one target for one priority (low, normal, high, urgent)")
    targets: dict[Priority, dict[TargetKind, Target]] = {}
    for priority_name, by_kind in value.items():
        priority = _member(Priority, priority_name, f"{path}.{priority_name}", "a priority")
        if not isinstance(by_kind, Mapping) or not by_kind:
            raise PolicyError(f"{path}.{priority_name}", "map first_reply, next_reply, resolution to targets")
        targets[priority] = {
            _member(TargetKind, kind, f"{path}.{priority_name}.{kind}", "a target"): _target(
                spec, f"{path}.{priority_name}.{kind}"
            )
            for kind, spec in by_kind.items()
        }
    return targets


def _target(value: Any, path: str) -> Target:
    if not isinstance(value, Mapping):
        raise PolicyError(path, 'a target is {"minutes": 60, "business": true}')
    minutes = value.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_TARGET_MINUTES:
        raise PolicyError(f"{path}.minutes", f"must be a whole number of minutes, 1 to {MAX_TARGET_MINUTES}")
    business = value.get("business", True)
    if not isinstance(business, bool):
        raise PolicyError(f"{path}.business", "must be true (business hours) or false (around the clock)")
    return Target(minutes, business)


def _conditions(value: Any, path: str) -> PolicyConditions:
    if not isinstance(value, Mapping):
        raise PolicyError(path, 'conditions are {"channels": [...], "groups": [...], "tiers": [...]}')
    unknown = set(value) - {"channels", "groups", "tiers"}
    if unknown:
        raise PolicyError(f"{path}.{sorted(unknown)[0]}", "not a condition (use channels, groups, tiers)")
    groups = _list(value.get("groups", []), f"{path}.groups")
    if len(groups) > MAX_GROUPS or not all(isinstance(group, str) and group for group in groups):
        raise PolicyError(f"{path}.groups", f"at most {MAX_GROUPS} group ids")
    return PolicyConditions(
        channels=frozenset(
            _member(Channel, item, f"{path}.channels[{i}]", "a channel")
            for i, item in enumerate(_list(value.get("channels", []), f"{path}.channels"))
        ),
        groups=frozenset(groups),
        tiers=frozenset(
            _member(Tier, item, f"{path}.tiers[{i}]", "a customer tier")
            for i, item in enumerate(_list(value.get("tiers", []), f"{path}.tiers"))
        ),
    )


def _escalation(value: Any, path: str) -> tuple[Action, ...]:
    items = _list(value, path)
    if len(items) > MAX_ESCALATION_ACTIONS:
        raise PolicyError(path, f"at most {MAX_ESCALATION_ACTIONS} actions")
    try:
        # The automations' actions: what can be done to a ticket when no request just came in.
        return tuple(parse_action(item, f"{path}[{i}]", RuleKind.AUTOMATION) for i, item in enumerate(items))
    except RuleError as error:
        raise PolicyError(error.path, error.reason) from None


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise PolicyError(path, "must be a list")
    return value


def _member(enum: type[E], value: Any, path: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise PolicyError(path, f"{value!r} is not {what} (use {choices})") from None


def policies_to_data(policies: list[SlaPolicy]) -> dict[str, Any]:
    """The document `parse_policies` reads back to the same policies."""
    return {"policies": [_policy_data(policy) for policy in policies]}


def _policy_data(policy: SlaPolicy) -> dict[str, Any]:
    return {
        "id": policy.id,
        "name": policy.name,
        "enabled": policy.enabled,
        "conditions": {
            "channels": sorted(channel.value for channel in policy.conditions.channels),
            "groups": sorted(policy.conditions.groups),
            "tiers": sorted(tier.value for tier in policy.conditions.tiers),
        },
        "targets": {
            priority.value: {
                kind.value: {"minutes": target.minutes, "business": target.business}
                for kind, target in by_kind.items()
            }
            for priority, by_kind in policy.targets.items()
        },
        "warning_percent": policy.warning_percent,
        "escalation": [action_to_data(action) for action in policy.escalation],
    }
