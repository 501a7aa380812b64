"""The agent behind a request, from the JWT claims API Gateway already verified."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..agents import Agent
from ..errors import ForbiddenError
from ..names import ADMINS_GROUP
from ..store.agents import AgentRepository


def agent_from_claims(claims: Mapping[str, Any]) -> Agent:
    subject = claims.get("sub")
    email = claims.get("email") or claims.get("username")
    if not subject or not email:
        raise ForbiddenError("the token carries no agent identity")
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):  # API Gateway flattens list claims to "[a b]"
        groups = groups.strip("[]").split()
    name = claims.get("name") or str(email).split("@", 1)[0].replace(".", " ").title()
    role = "admin" if ADMINS_GROUP in groups else "agent"
    return Agent(id=str(subject), email=str(email).lower(), name=str(name), groups=tuple(groups), role=role)


class AgentDirectory:
    """Keeps the agent list in the table current, writing only when an agent first appears."""

    def __init__(self, agents: AgentRepository) -> None:
        self._agents = agents
        self._known: dict[str, Agent] = {}

    def sign_in(self, claims: Mapping[str, Any]) -> Agent:
        agent = agent_from_claims(claims)
        cached = self._known.get(agent.id)
        if cached is not None:
            return cached
        stored = self._agents.get(agent.id)
        if stored is None or (stored.email, stored.groups, stored.role) != (
            agent.email,
            agent.groups,
            agent.role,
        ):
            # Keep a name an admin set: Cognito tokens often carry none.
            stored = replace(agent, name=stored.name) if stored else agent
            self._agents.save(stored)
        self._known[agent.id] = stored
        return stored
