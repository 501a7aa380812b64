"""The admin API through the real handler: rules, groups, classification, calendar, the rule language."""

from __future__ import annotations

import pytest

from .api import AGENT_CLAIMS, call
from .mail import compose, deliver

ADMIN_CLAIMS = {
    "sub": "admin-1",
    "email": "ada@desk.example.com",
    "cognito:groups": ["admins"],
    "name": "Ada",
}

URGENT_TRIGGER = {
    "name": "Outages are urgent",
    "events": ["created"],
    "conditions": {
        "all": [{"field": "ticket.subject", "op": "contains_any_word", "value": ["outage", "down"]}],
        "any": [],
    },
    "actions": [{"kind": "set_priority", "value": "urgent"}, {"kind": "add_tags", "value": ["outage"]}],
}

STALE_AUTOMATION = {
    "name": "Nudge pending tickets",
    "conditions": {
        "all": [
            {"field": "ticket.status", "op": "is", "value": "pending"},
            {"field": "ticket.hours_since_update", "op": "gte", "value": 48},
        ]
    },
    "actions": [{"kind": "reply", "templates": {"en": "Any news on #{ticket.number}?", "it": "Novità?"}}],
}


def admin(method: str, path: str, body: object = None) -> object:
    return call(method, path, body, claims=ADMIN_CLAIMS)


def test_the_trigger_list_starts_with_the_built_in_acknowledgement(cloud):
    response = admin("GET", "/api/admin/rules/trigger")

    assert response.status == 200
    [ack] = response.body["items"]
    assert (ack["id"], ack["builtin"], ack["enabled"]) == ("acknowledge", True, True)
    assert ack["actions"] == [{"kind": "acknowledge"}]


def test_an_admin_creates_reads_updates_and_deletes_a_trigger(cloud):
    created = admin("POST", "/api/admin/rules/trigger", URGENT_TRIGGER)
    assert created.status == 201
    rule_id = created.body["id"]
    assert created.body["position"] == 1  # after the acknowledgement
    assert created.body["conditions"]["all"][0]["value"] == ["outage", "down"]

    assert admin("GET", f"/api/admin/rules/trigger/{rule_id}").body["name"] == "Outages are urgent"

    updated = admin("PUT", f"/api/admin/rules/trigger/{rule_id}", {**URGENT_TRIGGER, "name": "Outages!"})
    assert updated.status == 200
    assert (updated.body["name"], updated.body["position"]) == ("Outages!", 1)

    assert admin("DELETE", f"/api/admin/rules/trigger/{rule_id}").status == 204
    assert admin("GET", f"/api/admin/rules/trigger/{rule_id}").status == 404
    assert [r["id"] for r in admin("GET", "/api/admin/rules/trigger").body["items"]] == ["acknowledge"]


def test_a_bad_condition_is_refused_naming_the_field_and_the_reason(cloud):
    bad = {
        **URGENT_TRIGGER,
        "conditions": {"all": [{"field": "ticket.priority", "op": "is", "value": "sometimes"}]},
    }

    response = admin("POST", "/api/admin/rules/trigger", bad)

    assert response.status == 422
    assert response.body["error"] == "invalid"
    assert response.body["message"] == (
        "conditions.all[0].value: 'sometimes' is not one of low, normal, high, urgent"
    )
    assert [r["id"] for r in admin("GET", "/api/admin/rules/trigger").body["items"]] == ["acknowledge"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"conditions": {"all": [{"field": "ticket.colour", "op": "is", "value": "red"}]}},
            "conditions.all[0].field: unknown field 'ticket.colour'",
        ),
        (
            {"conditions": {"any": [{"field": "ticket.tags", "op": "contains", "value": "x"}]}},
            "conditions.any[0].op: 'contains' does not apply to ticket.tags",
        ),
        (
            {"actions": [{"kind": "reply", "templates": {"en": "Hi {customer.nick}"}}]},
            "actions[0].templates.en: unknown placeholder {customer.nick}",
        ),
        ({"actions": []}, "actions: a rule needs at least one action"),
        ({"name": " "}, "name: a rule needs a name"),
    ],
)
def test_each_mistake_is_named_by_its_path(cloud, change, message):
    response = admin("POST", "/api/admin/rules/trigger", {**URGENT_TRIGGER, **change})

    assert response.status == 422
    assert response.body["message"].startswith(message)


def test_an_automation_needs_a_time_condition(cloud):
    without_time = {**STALE_AUTOMATION, "conditions": {"all": [STALE_AUTOMATION["conditions"]["all"][0]]}}

    refused = admin("POST", "/api/admin/rules/automation", without_time)
    created = admin("POST", "/api/admin/rules/automation", STALE_AUTOMATION)

    assert refused.status == 422
    assert refused.body["message"].startswith("conditions.all: an automation needs a condition on the hours")
    assert created.status == 201
    assert "events" not in created.body
    listed = admin("GET", "/api/admin/rules/automation").body["items"]
    assert [r["name"] for r in listed if not r["builtin"]] == ["Nudge pending tickets"]


def test_rules_are_reordered_and_the_order_must_name_each_once(cloud):
    first = admin("POST", "/api/admin/rules/trigger", URGENT_TRIGGER).body["id"]
    second = admin("POST", "/api/admin/rules/trigger", {**URGENT_TRIGGER, "name": "Second"}).body["id"]

    reordered = admin("PUT", "/api/admin/rules/trigger/order", {"ids": [second, "acknowledge", first]})
    partial = admin("PUT", "/api/admin/rules/trigger/order", {"ids": [second]})

    assert reordered.status == 200
    assert [r["id"] for r in reordered.body["items"]] == [second, "acknowledge", first]
    assert [r["id"] for r in admin("GET", "/api/admin/rules/trigger").body["items"]] == [
        second,
        "acknowledge",
        first,
    ]
    assert partial.status == 422
    assert "every trigger exactly once" in partial.body["message"]


def test_a_built_in_rule_is_switched_off_not_deleted(cloud):
    ack = admin("GET", "/api/admin/rules/trigger/acknowledge").body

    switched_off = admin("PUT", "/api/admin/rules/trigger/acknowledge", {**ack, "enabled": False})
    deleted = admin("DELETE", "/api/admin/rules/trigger/acknowledge")

    assert switched_off.status == 200
    assert (switched_off.body["enabled"], switched_off.body["builtin"]) == (False, True)
    assert deleted.status == 422
    assert "built in" in deleted.body["message"]
    assert admin("GET", "/api/admin/rules/trigger").body["items"][0]["enabled"] is False


def test_an_unknown_kind_or_rule_is_not_found(cloud):
    assert admin("GET", "/api/admin/rules/macro").status == 404
    assert admin("PUT", "/api/admin/rules/trigger/nope", URGENT_TRIGGER).status == 404


def test_the_rule_language_catalogue_is_the_servers(cloud):
    response = admin("GET", "/api/admin/fields")

    assert response.status == 200
    fields = {f["name"]: f for f in response.body["fields"]}
    assert fields["ticket.priority"] == {
        "name": "ticket.priority",
        "type": "choice",
        "choices": ["low", "normal", "high", "urgent"],
        "kinds": ["automation", "trigger"],
    }
    assert fields["ticket.hours_since_update"]["kinds"] == ["automation"]
    assert response.body["operators"]["tags"]["includes_any"] == "tags"
    actions = {a["kind"]: a for a in response.body["actions"]}
    assert actions["set_status"]["choices"] == ["open", "pending", "on-hold", "solved", "closed"]
    assert actions["acknowledge"]["kinds"] == ["trigger"]
    assert actions["notify"]["value"] == "templates_subject"
    assert "customer.name" in response.body["placeholders"]
    assert response.body["events"] == ["created", "customer_reply"]


def test_groups_are_set_with_strategy_and_members(cloud):
    me = call("GET", "/api/me").body  # the agent signs in once, so the desk knows them

    saved = admin(
        "PUT",
        "/api/admin/groups/billing",
        {"name": "Billing", "strategy": "round_robin", "members": [me["id"]], "description": "Invoices"},
    )

    assert saved.status == 200
    assert saved.body == {
        "id": "billing",
        "name": "Billing",
        "strategy": "round_robin",
        "members": [me["id"]],
        "description": "Invoices",
    }
    assert admin("GET", "/api/admin/groups").body["items"] == [saved.body]
    # The app's group list keeps working
    assert {"id": "billing", "name": "Billing"} in call("GET", "/api/groups").body["items"]


@pytest.mark.parametrize(
    ("group_id", "body", "message"),
    [
        ("billing", {"name": "Billing", "members": ["ghost"]}, "members[0]: 'ghost' is not an agent"),
        ("billing", {"name": "Billing", "strategy": "lottery"}, "body.strategy"),
        ("Not An Id", {"name": "X"}, "id: 'Not An Id' is not a group id"),
        ("billing", {"name": "  "}, "name: a group needs a name"),
    ],
)
def test_a_bad_group_is_refused_with_a_clear_error(cloud, group_id, body, message):
    response = admin("PUT", f"/api/admin/groups/{group_id}", body)

    assert response.status == 422
    assert message in response.body["message"]


def test_classification_round_trips_and_names_a_bad_part(cloud):
    current = admin("GET", "/api/admin/classification").body
    assert "urgente" in current["urgent_words"]["it"]

    saved = admin("PUT", "/api/admin/classification", {**current, "vip_priority": "urgent"})
    bad = admin("PUT", "/api/admin/classification", {**current, "vip_priority": "asap"})
    no_group = admin("PUT", "/api/admin/classification", {**current, "default_group": "nowhere"})

    assert saved.status == 200
    assert admin("GET", "/api/admin/classification").body["vip_priority"] == "urgent"
    assert bad.status == 422
    assert bad.body["message"] == "vip_priority: 'asap' is not one of low, normal, high, urgent"
    assert no_group.status == 422
    assert no_group.body["message"] == "default_group: 'nowhere' is not a group"


def test_calendar_round_trips_and_names_a_bad_window(cloud):
    assert admin("GET", "/api/admin/calendar").body["hours"]["mon"] == [
        ["09:00", "13:00"],
        ["14:00", "18:00"],
    ]
    calendar = {
        "timezone": "Europe/Rome",
        "hours": {"sat": [["10:00", "12:00"]]},
        "closed_days": ["2026-12-25"],
    }

    saved = admin("PUT", "/api/admin/calendar", calendar)
    bad = admin("PUT", "/api/admin/calendar", {**calendar, "hours": {"mon": [["18:00", "09:00"]]}})
    zone = admin("PUT", "/api/admin/calendar", {**calendar, "timezone": "Mars/Olympus"})

    assert saved.status == 200
    assert admin("GET", "/api/admin/calendar").body == calendar
    assert bad.status == 422
    assert bad.body["message"] == "hours.mon[0]: the window ends before it starts"
    assert zone.body["message"] == "timezone: 'Mars/Olympus' is not a known time zone"


VIP_POLICY = {
    "id": "vip",
    "name": "VIP customers",
    "enabled": True,
    "conditions": {"channels": ["email", "whatsapp"], "groups": [], "tiers": ["vip"]},
    "targets": {"urgent": {"first_reply": {"minutes": 30, "business": True}}},
    "warning_percent": 80,
    "escalation": [{"kind": "set_group", "value": "escalations"}],
}


def test_sla_policies_round_trip_in_order_and_a_bad_one_names_its_place(cloud):
    assert [p["id"] for p in admin("GET", "/api/admin/sla").body["policies"]] == ["standard"]  # the default
    standard = admin("GET", "/api/admin/sla").body["policies"][0]

    saved = admin("PUT", "/api/admin/sla", {"policies": [VIP_POLICY, standard]})
    bad_minutes = {**VIP_POLICY, "targets": {"urgent": {"first_reply": {"minutes": 0}}}}
    bad = admin("PUT", "/api/admin/sla", {"policies": [standard, bad_minutes]})

    assert saved.status == 200
    assert admin("GET", "/api/admin/sla").body == {"policies": [VIP_POLICY, standard]}
    assert bad.status == 422
    assert bad.body["message"].startswith("policies[1].targets.urgent.first_reply.minutes: must be a whole")
    assert [p["id"] for p in admin("GET", "/api/admin/sla").body["policies"]] == ["vip", "standard"]


def test_at_risk_is_for_agents_and_admins(cloud):
    assert call("GET", "/api/sla/at-risk").status == 200
    assert admin("GET", "/api/sla/at-risk").status == 200
    stranger = {"sub": "x", "email": "x@example.org", "cognito:groups": ["customers"], "name": "X"}
    assert call("GET", "/api/sla/at-risk", claims=stranger).status == 403


ADMIN_ROUTES = [
    ("GET", "/api/admin/rules/trigger", None),
    ("POST", "/api/admin/rules/trigger", URGENT_TRIGGER),
    ("PUT", "/api/admin/rules/trigger/order", {"ids": ["acknowledge"]}),
    ("GET", "/api/admin/rules/trigger/acknowledge", None),
    ("PUT", "/api/admin/rules/trigger/acknowledge", URGENT_TRIGGER),
    ("DELETE", "/api/admin/rules/automation/x", None),
    ("GET", "/api/admin/fields", None),
    ("GET", "/api/admin/groups", None),
    ("PUT", "/api/admin/groups/billing", {"name": "Billing"}),
    ("GET", "/api/admin/classification", None),
    ("PUT", "/api/admin/classification", {}),
    ("GET", "/api/admin/calendar", None),
    ("PUT", "/api/admin/calendar", {}),
    ("GET", "/api/admin/sla", None),
    ("PUT", "/api/admin/sla", {"policies": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_an_agent_is_refused_every_admin_route(cloud, method, path, body):
    response = call(method, path, body)

    assert response.status == 403
    assert response.body == {"error": "forbidden", "message": "this needs the admin role"}
    # and nothing changed
    assert [r["id"] for r in admin("GET", "/api/admin/rules/trigger").body["items"]] == ["acknowledge"]


def test_me_says_the_role(cloud):
    assert call("GET", "/api/me").body["role"] == "agent"
    assert admin("GET", "/api/me").body["role"] == "admin"
    assert AGENT_CLAIMS["cognito:groups"] == ["agents"]


def test_an_agent_marks_a_customer_vip_with_an_organisation(cloud):
    deliver(cloud, compose(sender="mario@example.org"))
    customer = call("GET", "/api/tickets/1").body["requester"]
    assert (customer["vip"], customer["organisation"]) == (False, None)

    marked = call("PATCH", f"/api/customers/{customer['id']}", {"vip": True, "organisation": " ACME "})
    only_vip = call("PATCH", f"/api/customers/{customer['id']}", {"vip": False})
    cleared = call("PATCH", f"/api/customers/{customer['id']}", {"organisation": ""})

    assert marked.status == 200
    assert (marked.body["vip"], marked.body["organisation"]) == (True, "ACME")
    assert (only_vip.body["vip"], only_vip.body["organisation"]) == (False, "ACME")
    assert cleared.body["organisation"] is None
    assert call("GET", "/api/tickets/1").body["requester"]["organisation"] is None
    assert call("PATCH", "/api/customers/nobody", {"vip": True}).status == 404


def test_a_group_the_directory_saved_is_listed_and_keeps_its_routing_settings(cloud):
    from sportello.agents import Group
    from sportello.store.agents import DynamoAgentRepository

    directory = DynamoAgentRepository()
    directory.save_group(Group("support", "Support"))  # as the local cloud seeds its groups
    assert call("GET", "/api/groups").body["items"] == [{"id": "support", "name": "Support"}]
    assert [g["id"] for g in admin("GET", "/api/admin/groups").body["items"]] == ["support"]

    admin("PUT", "/api/admin/groups/support", {"name": "Support", "strategy": "manual"})
    directory.save_group(Group("support", "First line"))

    [group] = admin("GET", "/api/admin/groups").body["items"]
    assert (group["name"], group["strategy"]) == ("First line", "manual")
