"""SLA routes: the "at risk" view for agents, and the policies for admins."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from ..agents import Role
from ..app import sportello
from ..errors import InvalidRequestError
from ..sla.policies import PolicyError, parse_policies, policies_to_data
from . import access
from .routes import tickets_with_sla

router = Router()

MAX_AT_RISK = 100

PoliciesJson = Annotated[
    dict[str, Any],
    Body(description='{"policies": [...]}: every policy, in the order they are tried (first match wins)'),
]


@router.get("/sla/at-risk")
def at_risk(limit: Annotated[int, Query(ge=1, le=MAX_AT_RISK)] = 50) -> dict[str, Any]:
    """Tickets with a running SLA target, the one due first first (overdue ones lead)."""
    access.current_agent(router, Role.AGENT)
    app = sportello()
    numbers = [record.ticket_number for record in app.sla.at_risk(limit)]
    return {"items": tickets_with_sla(app.tickets.many(numbers))}


@router.get("/admin/sla", tags=["admin"])
def get_policies() -> dict[str, Any]:
    access.current_agent(router, Role.ADMIN)
    return policies_to_data(sportello().sla_settings.policies())


@router.put("/admin/sla", tags=["admin"])
def put_policies(body: PoliciesJson) -> dict[str, Any]:
    """Replaces the policies. Tickets take the new ones at their next event (a reply, a status change)."""
    access.current_agent(router, Role.ADMIN)
    try:
        policies = parse_policies(body)
    except PolicyError as error:
        raise InvalidRequestError(str(error)) from error
    sportello().sla_settings.save_policies(policies)
    return policies_to_data(policies)
