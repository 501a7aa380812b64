"""An agent's status (`PUT /api/me/status`, `GET /api/me`) and an admin's say on their capacity and
skills (`PUT /api/agents/{agent_id}/profile`), through the handler on moto."""

from __future__ import annotations

from sportello.app import sportello
from sportello.routing.model import GroupSettings, Strategy
from sportello.store.routing import DynamoRoutingSettings

from .api import AGENT_CLAIMS, call
from .mail import compose, deliver

ADMIN_CLAIMS = {
    "sub": "admin-1",
    "email": "ada@desk.example.com",
    "cognito:groups": ["admins"],
    "name": "Ada",
}


def test_me_carries_the_routing_profile_offline_by_default(cloud) -> None:
    me = call("GET", "/api/me").body
    assert me["id"] == "agent-1"
    assert (me["status"], me["capacity"], me["open_tickets"]) == ("offline", 10, 0)
    assert (me["languages"], me["skills"], me["status_changed_at"]) == ([], [], None)


def test_an_agent_sets_their_status_and_gets_their_profile_back(cloud) -> None:
    response = call("PUT", "/api/me/status", {"status": "away"})

    assert response.status == 200
    assert response.body["agent_id"] == "agent-1"
    assert (response.body["status"], response.body["offered"]) == ("away", [])
    assert response.body["status_changed_at"]
    assert call("GET", "/api/me").body["status"] == "away"


def test_an_unknown_status_is_a_422(cloud) -> None:
    assert call("PUT", "/api/me/status", {"status": "busy"}).status == 422
    assert call("PUT", "/api/me/status", {}).status == 422


def test_coming_online_assigns_the_waiting_tickets_of_the_agents_groups(cloud) -> None:
    # Given two waiting tickets in Anna's group
    for subject in ("First", "Second"):
        deliver(cloud, compose(subject=subject))
    DynamoRoutingSettings().save_group(GroupSettings("billing", "Billing", Strategy.LEAST_OPEN, ("agent-1",)))
    for number in (1, 2):
        ticket = sportello().tickets.get(number)
        call("PATCH", f"/api/tickets/{number}", {"version": ticket.version, "group": "billing"})

    # When she comes online
    response = call("PUT", "/api/me/status", {"status": "online"})

    # Then both are hers, the oldest first, with the reason on each
    assert response.body["offered"] == [1, 2]
    assert response.body["open_tickets"] == 2
    page = call("GET", "/api/tickets/1").body
    assert page["ticket"]["assignee"] == "agent-1"
    reasons = [e["data"].get("reason") for e in page["events"] if e["kind"] == "routing_decided"]
    assert reasons == ["offered when Anna Agent came online (Billing)"]


def test_an_admin_sets_an_agents_capacity_languages_and_skills(cloud) -> None:
    call("PUT", "/api/me/status", {"status": "online"})
    body = {"capacity": 3, "languages": ["IT", "en"], "skills": ["Billing", "returns"]}

    response = call("PUT", "/api/agents/agent-1/profile", body, claims=ADMIN_CLAIMS)

    assert response.status == 200
    assert response.body["agent_id"] == "agent-1"
    assert (response.body["capacity"], response.body["status"]) == (3, "online")  # the status stays
    assert (response.body["languages"], response.body["skills"]) == (["en", "it"], ["billing", "returns"])
    assert call("GET", "/api/me").body["capacity"] == 3


def test_a_capacity_out_of_bounds_is_a_422_and_agents_may_not_set_one(cloud) -> None:
    for capacity in (0, 201):
        assert (
            call("PUT", "/api/agents/agent-1/profile", {"capacity": capacity}, claims=ADMIN_CLAIMS).status
            == 422
        )
    assert call("PUT", "/api/agents/agent-1/profile", {"capacity": 5}, claims=AGENT_CLAIMS).status == 403
