"""Who may call the agent API: a signed-in member of the agents or admins group, checked per request.

API Gateway's JWT authorizer has verified the token; this checks what it proves. The check runs before
routing and request validation, so a caller without a role learns nothing about a route, not even
whether its body would have been valid. A route that needs more (`Role.ADMIN`) says so itself.
"""

from __future__ import annotations

import json
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from ..agents import Agent, Role, require
from ..app import sportello
from ..errors import ForbiddenError

AGENT_CONTEXT_KEY = "agent"
# The desk's settings: only admins reach these routes, refused before validation like a caller without
# a role (each route checks Role.ADMIN itself as well).
ADMIN_PATH_PREFIX = "/api/admin/"


def _refused(reason: str) -> dict[str, Any]:
    return {
        "statusCode": 403,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": ForbiddenError.code, "message": reason}),
    }


def resolve_for_members(
    app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext
) -> dict[str, Any]:
    """Routes the request when the caller holds a role (admin, for the admin routes); a 403 otherwise."""
    request = APIGatewayProxyEventV2(event)
    claims = request.request_context.authorizer.jwt_claim or {}
    try:
        agent = sportello().directory.sign_in(claims)
    except ForbiddenError as refused:
        return _refused(str(refused))
    if f"{request.raw_path or ''}/".startswith(ADMIN_PATH_PREFIX) and not agent.may(Role.ADMIN):
        return _refused(f"this needs the {Role.ADMIN.value} role")
    app.append_context(**{AGENT_CONTEXT_KEY: agent})
    response: dict[str, Any] = app.resolve(event, context)
    return response


def current_agent(app: Any, role: Role = Role.AGENT) -> Agent:
    """The caller, as signed in for this request; ForbiddenError when the route needs a higher role."""
    agent = app.context.get(AGENT_CONTEXT_KEY)
    if agent is None:  # a route reached without `resolve_for_members`: never serve it
        raise ForbiddenError("the caller was not signed in")
    return require(cast(Agent, agent), role)
