"""Agents (the desk's staff, authenticated by Cognito), the groups they work in, and who is calling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from .errors import ForbiddenError

ADMIN_GROUP = "admins"


@dataclass(frozen=True)
class Agent:
    id: str
    email: str
    name: str
    groups: tuple[str, ...] = ()
    role: str = "agent"


@dataclass(frozen=True)
class Group:
    id: str
    name: str


class AgentRepository(Protocol):
    def get(self, agent_id: str) -> Agent | None: ...

    def save(self, agent: Agent) -> None: ...

    def all_agents(self) -> list[Agent]: ...

    def save_group(self, group: Group) -> None: ...

    def groups(self) -> list[Group]: ...


def agent_from_claims(claims: Mapping[str, Any]) -> Agent:
    """The agent a verified ID token describes (API Gateway's JWT authorizer has checked it)."""
    subject = claims.get("sub")
    email = claims.get("email") or claims.get("username")
    if not subject or not email:
        raise ForbiddenError("the token carries no agent identity")
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):  # API Gateway flattens list claims to "[a b]"
        groups = groups.strip("[]").split()
    name = claims.get("name") or str(email).split("@", 1)[0].replace(".", " ").title()
    role = "admin" if ADMIN_GROUP in groups else "agent"
    return Agent(id=str(subject), email=str(email).lower(), name=str(name), groups=tuple(groups), role=role)


class AgentDirectory:
    """Keeps the agent list in the table current, writing only when an agent first appears or changes."""

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

    def agents(self) -> list[Agent]:
        return self._agents.all_agents()

    def groups(self) -> list[Group]:
        return self._agents.groups()
