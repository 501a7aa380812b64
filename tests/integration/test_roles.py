"""Every route of the agent API checks the caller's role (walked from the published OpenAPI document)."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import PROJECT_ROOT

from .api import AGENT_CLAIMS, call

OPENAPI = json.loads((PROJECT_ROOT / "docs" / "openapi.json").read_text())
ROUTES = [
    (method.upper(), path)
    for path, operations in OPENAPI["paths"].items()
    for method in operations
    if method in ("get", "post", "patch", "put", "delete")
]
# The desk's settings and other admins-only routes: under /api/admin/, or tagged "admin" in the document
# (`@router.put(..., tags=["admin"])`). An agent is refused them, as a caller without a role is everything.
ADMIN_ROUTES = [
    (method.upper(), path)
    for path, operations in OPENAPI["paths"].items()
    for method, operation in operations.items()
    if method in ("get", "post", "patch", "put", "delete")
    and (path.startswith("/api/admin/") or "admin" in operation.get("tags", []))
]
MEMBER_ROUTES = [route for route in ROUTES if route not in ADMIN_ROUTES]
# A body each admin route accepts where an empty one would not do, so that only the role can refuse it.
VALID_BODIES: dict[tuple[str, str], dict[str, object]] = {
    ("PUT", "/api/agents/{agent_id}/profile"): {"capacity": 5},
}
ADMIN_CLAIMS = {"sub": "admin-1", "email": "ada@desk.example.com", "cognito:groups": ["admins"]}
NO_ROLE = {
    "no group at all": {"sub": "u-1", "email": "mallory@example.org"},
    "an unrelated group": {"sub": "u-2", "email": "mallory@example.org", "cognito:groups": ["marketing"]},
    "a group named like a role, flattened": {
        "sub": "u-3",
        "email": "m@example.org",
        "cognito:groups": "[agent]",
    },
}


def concrete(path: str) -> str:
    """The route's path with its parameters filled in (`/api/tickets/{number}` -> `/api/tickets/1`)."""
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_walk_covers_every_route() -> None:
    assert len(ROUTES) >= 12
    assert ("PATCH", "/api/tickets/{number}") in ROUTES
    assert ("PUT", "/api/admin/rules/{kind}/{rule_id}") in ADMIN_ROUTES
    assert len(ADMIN_ROUTES) >= 13
    assert ("PUT", "/api/agents/{agent_id}/profile") in ADMIN_ROUTES
    assert ("PUT", "/api/me/status") in MEMBER_ROUTES


@pytest.mark.parametrize("claims", NO_ROLE.values(), ids=list(NO_ROLE))
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_caller_without_a_role_is_refused_everywhere(cloud, method, path, claims) -> None:
    response = call(method, concrete(path), {} if method != "GET" else None, claims=claims)
    assert response.status == 403, f"{method} {path} answered {response.status} to a caller without a role"


@pytest.mark.parametrize("claims", [AGENT_CLAIMS, ADMIN_CLAIMS], ids=["agent", "admin"])
@pytest.mark.parametrize(("method", "path"), MEMBER_ROUTES)
def test_agents_and_admins_may_call_every_route(cloud, method, path, claims) -> None:
    response = call(method, concrete(path), {} if method != "GET" else None, claims=claims)
    assert response.status != 403, f"{method} {path} refused a caller with a role: {response.body}"


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_only_admins_may_call_the_admin_routes(cloud, method, path) -> None:
    body = VALID_BODIES.get((method, path), {}) if method != "GET" else None
    refused = call(method, concrete(path), body, claims=AGENT_CLAIMS)
    allowed = call(method, concrete(path), body, claims=ADMIN_CLAIMS)
    assert refused.status == 403, f"{method} {path} answered {refused.status} to an agent"
    assert allowed.status != 403, f"{method} {path} refused an admin: {allowed.body}"


def test_leaving_the_group_takes_effect_with_the_next_token(cloud) -> None:
    assert call("GET", "/api/me").status == 200
    former = {**AGENT_CLAIMS, "cognito:groups": ["support"]}
    assert call("GET", "/api/me", claims=former).status == 403
