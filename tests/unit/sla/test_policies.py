"""Policies as JSON: validated with exact paths, read back unchanged; the first that covers a ticket wins."""

from __future__ import annotations

from typing import Any

import pytest

from sportello.sla.model import Tier, select_policy
from sportello.sla.policies import DEFAULT_POLICIES, PolicyError, parse_policies, policies_to_data
from sportello.tickets.model import Channel, Priority
from tests.unit.sla.world import FAST, policy


def test_policies_read_back_as_they_were_written() -> None:
    data = {
        "policies": [
            policy(
                id="vip",
                name="VIP",
                conditions={"channels": ["whatsapp", "email"], "groups": ["billing"], "tiers": ["vip"]},
                warning_percent=80,
                escalation=[{"kind": "set_priority", "value": "urgent"}],
            ),
            policy(targets={"low": {"resolution": {"minutes": 600, "business": False}}}),
        ]
    }
    policies = parse_policies(data)
    assert parse_policies(policies_to_data(policies)) == policies
    assert policies_to_data(parse_policies(policies_to_data(policies))) == policies_to_data(policies)


def test_the_defaults_are_valid_policies() -> None:
    assert parse_policies(policies_to_data(DEFAULT_POLICIES)) == DEFAULT_POLICIES


NORMAL = "policies[0].targets.normal"


@pytest.mark.parametrize(
    ("broken", "path"),
    [
        ({"name": ""}, "policies[0].name"),
        ({"targets": {}}, "policies[0].targets"),
        ({"targets": {"someday": FAST}}, "policies[0].targets.someday"),
        ({"targets": {"normal": {"first_answer": {"minutes": 5}}}}, f"{NORMAL}.first_answer"),
        ({"targets": {"normal": {"first_reply": {"minutes": 0}}}}, f"{NORMAL}.first_reply.minutes"),
        ({"targets": {"normal": {"first_reply": {"minutes": 5, "business": "yes"}}}},
         f"{NORMAL}.first_reply.business"),
        ({"conditions": {"channels": ["fax"]}}, "policies[0].conditions.channels[0]"),
        ({"conditions": {"tiers": ["gold"]}}, "policies[0].conditions.tiers[0]"),
        ({"conditions": {"weekday": ["mon"]}}, "policies[0].conditions.weekday"),
        ({"warning_percent": 100}, "policies[0].warning_percent"),
        ({"escalation": [{"kind": "set_priority", "value": "asap"}]}, "policies[0].escalation[0].value"),
        ({"escalation": [{"kind": "acknowledge"}]}, "policies[0].escalation[0].kind"),
        ({"id": "Not A Slug"}, "policies[0].id"),
    ],
)  # fmt: skip
def test_a_bad_policy_is_refused_naming_the_place(broken: dict[str, Any], path: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policies({"policies": [policy(**broken)]})
    assert refused.value.path == path


def test_two_policies_cannot_share_an_id() -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policies({"policies": [policy(), policy(name="Other")]})
    assert refused.value.path == "policies[1].id"


def test_the_first_policy_that_covers_the_ticket_applies() -> None:
    vip, whatsapp, fallback = parse_policies(
        {
            "policies": [
                policy(id="vip", conditions={"tiers": ["vip"]}),
                policy(id="whatsapp", conditions={"channels": ["whatsapp"], "groups": ["sales"]}),
                policy(id="fallback", targets={"low": FAST}),
            ]
        }
    )
    policies = [vip, whatsapp, fallback]
    assert select_policy(policies, Channel.WHATSAPP, "sales", Tier.VIP, Priority.NORMAL) is vip
    assert select_policy(policies, Channel.WHATSAPP, "sales", Tier.STANDARD, Priority.NORMAL) is whatsapp
    assert select_policy(policies, Channel.WHATSAPP, None, Tier.STANDARD, Priority.NORMAL) is None
    assert select_policy(policies, Channel.EMAIL, None, Tier.STANDARD, Priority.LOW) is fallback


def test_a_disabled_policy_covers_nothing() -> None:
    [disabled] = parse_policies({"policies": [policy(enabled=False)]})
    assert select_policy([disabled], Channel.EMAIL, None, Tier.STANDARD, Priority.NORMAL) is None
