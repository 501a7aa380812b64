"""Offers: an agent who comes online, or frees capacity, is offered the longest-waiting unassigned
tickets of their groups, up to their free capacity.

A ticket that found nobody available waits unassigned in its group's queue; this is how it leaves it.
Each offer goes through the assigner's own take (a conditional write on the agent's capacity) and
conditional ticket write, so an offer racing the workflow, or another offer, never gives a ticket to
two agents nor pushes an agent past capacity. Tickets are read from the unassigned view's index, oldest
first, page by page: never a scan.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import datetime

from ..clock import utc_now
from ..ids import new_id
from ..tickets.model import Ticket
from ..tickets.ports import TicketQuery
from ..tickets.service import TicketService
from .assignment import Assigner, eligible, skilled
from .model import AgentProfile, GroupSettings, Strategy
from .ports import AgentPresence, RoutingSettings

PAGE = 25
# An agent lacking the skills of a long queue's tickets stops looking after this many.
MAX_LOOKED_AT = 1_000
CAME_ONLINE = "came online"
HAD_ROOM_AGAIN = "had room again"
GOT_MORE_ROOM = "was given more room"


def _room(profile: AgentProfile) -> int:
    return max(0, profile.capacity - profile.open_tickets) if eligible(profile) else 0


class Offers:
    def __init__(
        self,
        tickets: TicketService,
        presence: AgentPresence,
        settings: RoutingSettings,
        names: Callable[[str], str] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._tickets = tickets
        self._presence = presence
        self._settings = settings
        self._names = names or (lambda agent_id: agent_id)
        self._assigner = Assigner(tickets, presence, clock)

    def groups_of(self, agent_id: str) -> list[GroupSettings]:
        """The groups whose tickets are assigned automatically and `agent_id` is a member of."""
        return [
            group
            for group in self._settings.groups()
            if agent_id in group.members and group.strategy is not Strategy.MANUAL
        ]

    def offer(self, agent_id: str, occasion: str) -> list[int]:
        """Assigns the agent the oldest unassigned active tickets of their groups while they have room;
        the numbers assigned. `occasion` completes the reason on each ticket ("came online")."""
        profile = self._presence.profile(agent_id)
        room = _room(profile)
        groups = self.groups_of(agent_id) if room else []
        if not groups:
            return []
        reason = f"offered when {self._names(agent_id)} {occasion}"
        waiting = heapq.merge(
            *(self._waiting(group) for group in groups),
            key=lambda pair: (pair[1].updated_at, pair[1].number),
        )
        offered: list[int] = []
        for looked_at, (group, ticket) in enumerate(waiting):
            if room <= 0 or looked_at >= MAX_LOOKED_AT:
                break
            if ticket.assignee or (group.strategy is Strategy.SKILLS and not skilled(profile, ticket)):
                continue
            claim = f"routing:offer:{agent_id}:{ticket.number}:{new_id()}"
            if self._assigner.assign_to(ticket, agent_id, f"{reason} ({group.name})", claim):
                offered.append(ticket.number)
                room -= 1
            else:  # taken meanwhile, or the agent went away or filled up: read their room again
                profile = self._presence.profile(agent_id)
                room = _room(profile)
        return offered

    def _waiting(self, group: GroupSettings) -> Iterator[tuple[GroupSettings, Ticket]]:
        cursor: str | None = None
        while True:
            query = TicketQuery(
                view="unassigned", group=group.id, cursor=cursor, limit=PAGE, oldest_first=True
            )
            page = self._tickets.find(query)
            for ticket in page.items:
                yield group, ticket
            if not page.next_cursor:
                return
            cursor = page.next_cursor
