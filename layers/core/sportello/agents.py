"""Agents (the desk's staff, authenticated by Cognito), the groups they work in, and who is calling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from .errors import ForbiddenError
from .names import ADMINS_GROUP, AGENTS_GROUP


class Role(StrEnum):
    """What a caller may do. Admins may do everything agents may, and manage the desk's settings."""

    AGENT = "agent"
    ADMIN = "admin"


@dataclass(frozen=True)
class Agent:
    id: str
    email: str
    name: str
    groups: tuple[str, ...] = ()
    role: str = Role.AGENT.value

    def may(self, role: Role) -> bool:
        return self.role in (Role.ADMIN.value, role.value)


def require(agent: Agent, role: Role) -> Agent:
    if not agent.may(role):
        raise ForbiddenError(f"this needs the {role.value} role")
    return agent


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
    if ADMINS_GROUP in groups:
        role = Role.ADMIN
    elif AGENTS_GROUP in groups:
        role = Role.AGENT
    else:
        raise ForbiddenError(f"the account is in neither the {AGENTS_GROUP} nor the {ADMINS_GROUP} group")
    name = claims.get("name") or str(email).split("@", 1)[0].replace(".", " ").title()
    groups = tuple(str(group) for group in groups)
    return Agent(id=str(subject), email=str(email).lower(), name=str(name), groups=groups, role=role.value)


class AgentDirectory:
    """Keeps the agent list in the table current, writing only when an agent first appears or changes.

    The token's claims are the truth for groups and role on every request: someone removed from a group
    loses its rights with their next token, not at the next cold start.
    """

    def __init__(self, agents: AgentRepository) -> None:
        self._agents = agents
        self._stored: dict[str, Agent] = {}

    def sign_in(self, claims: Mapping[str, Any]) -> Agent:
        agent = agent_from_claims(claims)
        stored = self._stored.get(agent.id) or self._agents.get(agent.id)
        claimed = (agent.email, agent.groups, agent.role)
        if stored is None or (stored.email, stored.groups, stored.role) != claimed:
            # Keep a name an admin set: Cognito tokens often carry none.
            stored = replace(agent, name=stored.name) if stored else agent
            self._agents.save(stored)
        self._stored[agent.id] = stored
        return stored

    def agents(self) -> list[Agent]:
        return self._agents.all_agents()

    def groups(self) -> list[Group]:
        return self._agents.groups()
