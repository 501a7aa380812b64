"""Assignment: which available agent of a group gets a ticket, by the group's strategy.

Choosing is pure (`candidates`); taking is not: `Assigner.assign` claims a slot of the agent's capacity
with a conditional write, then writes the assignee on the ticket at the version it read. Two executions
racing for one ticket cannot both win the ticket write, and the loser gives its slot back; two racing
for one agent's last slot cannot both win the slot.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from ..clock import utc_now
from ..errors import ConflictError
from ..tickets.events import RoutingDecided
from ..tickets.model import Ticket
from ..tickets.service import TicketChanges, TicketService
from .model import AgentProfile, AgentStatus, GroupSettings, Strategy
from .ports import AgentPresence

ROUTING_ACTOR = "routing"
# The assigner's own writes: it took the agent's capacity before writing, so nothing needs settling.
ASSIGNER_ACTOR = "routing:assign"
NEVER = datetime.min.replace(tzinfo=UTC)
# How many times `assign` ranks the group again after losing a take to a concurrent assignment.
MAX_RANKINGS = 32


def eligible(profile: AgentProfile) -> bool:
    return profile.status is AgentStatus.ONLINE and profile.has_room


def skilled(profile: AgentProfile, ticket: Ticket) -> bool:
    """Speaks the ticket's language (or any, when none is set) and handles its skill tags, if any."""
    speaks = not profile.languages or ticket.language in profile.languages
    return speaks and (not profile.skills or bool(profile.skills & set(ticket.tags)))


def candidates(strategy: Strategy, ticket: Ticket, profiles: Sequence[AgentProfile]) -> list[AgentProfile]:
    """The agents who may take the ticket now, best first, by `strategy`."""
    if strategy is Strategy.MANUAL:
        return []
    available = [p for p in profiles if eligible(p)]
    if strategy is Strategy.ROUND_ROBIN:
        # Longest since their last ticket first: fair over any arrival order, and a newcomer goes first.
        return sorted(available, key=lambda p: (p.last_assigned_at or NEVER, p.agent_id))
    if strategy is Strategy.SKILLS:
        available = [p for p in available if skilled(p, ticket)]
    return sorted(available, key=lambda p: (p.open_tickets, p.last_assigned_at or NEVER, p.agent_id))


def _front(strategy: Strategy, ranked: list[AgentProfile]) -> list[AgentProfile]:
    """Whom one ranking may give the ticket to, in the order to try, while each is still as ranked.

    Round robin: the ranking in order (once the longest waiting got a ticket elsewhere, the next is the
    longest waiting). Fewest open: only those tied with the fewest (anyone else has more), in a random
    order, so executions ranking at once spread over them instead of all racing for the first.
    """
    if strategy is Strategy.ROUND_ROBIN:
        return ranked
    tied = [p for p in ranked if p.open_tickets == ranked[0].open_tickets]
    _shuffle(tied)
    return tied


_shuffle = random.Random().shuffle


@dataclass(frozen=True)
class Assignment:
    agent_id: str | None
    reason: str


class Assigner:
    def __init__(
        self, tickets: TicketService, presence: AgentPresence, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self._tickets = tickets
        self._presence = presence
        self._clock = clock

    def assign(self, number: int, group: GroupSettings | None, claim: str) -> Assignment:
        """Assigns the ticket to the best available agent of its group, by the group's strategy.

        Leaves it unassigned (with the reason) when nobody can take it now: it is offered to the next
        agent who comes online or frees capacity (`offer`).
        """
        ticket = self._tickets.get(number)
        if ticket.assignee:
            return Assignment(ticket.assignee, "already assigned")
        if group is None:
            return Assignment(None, "no group: the ticket waits in the unassigned queue")
        for _ in range(MAX_RANKINGS):
            profiles = self._presence.profiles(group.members)
            ranked = candidates(group.strategy, ticket, profiles)
            if not ranked:
                why = "manual assignment" if group.strategy is Strategy.MANUAL else "no agent available"
                return Assignment(None, f"{why} in {group.name}: the ticket waits in the group's queue")
            # Each is taken only while they are as ranked (count, last assignment): two executions ranking
            # at once cannot both give the "fewest open" or "longest waiting" agent a ticket on one
            # reading; the loser tries the next of the ranking's front, then ranks again.
            for profile in _front(group.strategy, ranked):
                reason = self._reason(group, profile)
                if self._take(number, ticket, profile.agent_id, reason, claim, profile):
                    return Assignment(profile.agent_id, reason)
            ticket = self._tickets.get(number)
            if ticket.assignee:  # someone else assigned it meanwhile
                return Assignment(ticket.assignee, "assigned meanwhile")
        # Still losing after many rankings (a crowd of executions, or a ticket held by a racing take):
        # any available agent, in the order of a last ranking, rather than none.
        for profile in candidates(group.strategy, ticket, self._presence.profiles(group.members)):
            reason = self._reason(group, profile)
            if self._take(number, ticket, profile.agent_id, reason, claim):
                return Assignment(profile.agent_id, reason)
            ticket = self._tickets.get(number)
            if ticket.assignee:
                return Assignment(ticket.assignee, "assigned meanwhile")
        return Assignment(None, f"every agent of {group.name} is at capacity or away")

    @staticmethod
    def _reason(group: GroupSettings, profile: AgentProfile) -> str:
        return {
            Strategy.ROUND_ROBIN: f"round robin in {group.name}",
            Strategy.LEAST_OPEN: f"fewest open tickets in {group.name} ({profile.open_tickets})",
            Strategy.SKILLS: f"skills match in {group.name}",
        }.get(group.strategy, group.name)

    def assign_to(self, ticket: Ticket, agent_id: str, reason: str, claim: str) -> bool:
        """Gives the unassigned ticket to `agent_id` if they can take it now (online, below capacity) and
        nobody was quicker; False, with nothing changed, otherwise. `Offers` uses it."""
        return self._take(ticket.number, ticket, agent_id, reason, claim)

    def _take(
        self,
        number: int,
        ticket: Ticket,
        agent_id: str,
        reason: str,
        claim: str,
        as_seen: AgentProfile | None = None,
    ) -> bool:
        if not self._presence.take(agent_id, number, self._clock(), as_seen):
            return False
        decided = RoutingDecided(step="assign", field="assignee", value=agent_id, reason=reason)
        try:
            saved = self._tickets.apply_decisions(
                number,
                TicketChanges(assignee=agent_id),
                [decided],
                ASSIGNER_ACTOR,
                claim,
                only_if_unassigned=True,
            )
        except ConflictError:
            saved = None
        if saved is None or saved.assignee != agent_id:
            self._presence.give_back(agent_id, number)
            return False
        return True
