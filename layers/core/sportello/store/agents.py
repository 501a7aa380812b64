"""Agents and groups: small lists, each kept in one partition so listing them is one query."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..agents import Agent, Group
from . import keys
from .models import AgentItem, GroupItem


def _agent(item: AgentItem) -> Agent:
    return Agent(item.id, item.email, item.name, tuple(str(group) for group in item.groups or ()), item.role)


class DynamoAgentRepository:
    def get(self, agent_id: str) -> Agent | None:
        try:
            item = AgentItem.get(keys.AGENT_PK, agent_id)
        except DoesNotExist:
            return None
        return _agent(item)

    def save(self, agent: Agent) -> None:
        AgentItem(
            pk=keys.AGENT_PK,
            sk=agent.id,
            id=agent.id,
            email=agent.email,
            name=agent.name,
            groups=list(agent.groups),
            role=agent.role,
        ).save()

    def all_agents(self) -> list[Agent]:
        return [_agent(item) for item in AgentItem.query(keys.AGENT_PK)]

    def save_group(self, group: Group) -> None:
        # An update, not a put: the item also holds routing's settings of the group (store/routing.py).
        # The discriminator too: an update does not write it, and without it the group is never listed.
        GroupItem(keys.GROUP_PK, group.id).update(
            actions=[
                GroupItem.item_type.set(GroupItem),
                GroupItem.id.set(group.id),
                GroupItem.name.set(group.name),
            ]
        )

    def groups(self) -> list[Group]:
        return [Group(item.id, item.name) for item in GroupItem.query(keys.GROUP_PK)]
