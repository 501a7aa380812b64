"""What routing needs from the outside world. `store/routing.py` and `adapters/` implement these."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from ..calendar import BusinessCalendar
from .model import AgentProfile, AgentStatus, Classification, GroupSettings
from .rules import Rule, RuleKind


class RoutingSettings(Protocol):
    """The desk's routing configuration: small, read once per step, written by admins."""

    def rules(self, kind: RuleKind) -> list[Rule]:
        """The rules of one kind, in their order (position, then id)."""
        ...

    def save_rule(self, rule: Rule) -> None: ...

    def delete_rule(self, kind: RuleKind, rule_id: str) -> None: ...

    def classification(self) -> Classification: ...

    def save_classification(self, classification: Classification) -> None: ...

    def calendar(self) -> BusinessCalendar: ...

    def save_calendar(self, calendar: BusinessCalendar) -> None: ...

    def groups(self) -> list[GroupSettings]: ...

    def group(self, group_id: str) -> GroupSettings | None: ...

    def save_group(self, group: GroupSettings) -> None: ...


class AgentPresence(Protocol):
    """Each agent's status, capacity, skills and open-ticket count.

    The count is kept by "holds": each active, assigned ticket holds one unit of its agent's count.
    `take` creates a hold with a conditional write (the agent is online and below capacity: two
    assignments at once never push an agent past capacity nor assign to an agent who just went
    offline); `settle` moves a ticket's hold to whoever should hold it now, whatever changed.
    """

    def profile(self, agent_id: str) -> AgentProfile: ...

    def profiles(self, agent_ids: Sequence[str]) -> list[AgentProfile]:
        """The profiles of `agent_ids` (a default profile for an agent never seen), in one batch read."""
        ...

    def set_status(self, agent_id: str, status: AgentStatus, at: datetime) -> AgentProfile: ...

    def save_profile(self, profile: AgentProfile) -> None:
        """Saves capacity, languages and skills (never the status nor the count)."""
        ...

    def take(
        self, agent_id: str, ticket_number: int, at: datetime, as_seen: AgentProfile | None = None
    ) -> bool:
        """The ticket now holds one unit of the agent's count, if the agent is online and below capacity
        and the ticket holds none yet; False otherwise (nothing changed).

        With `as_seen`, also only if the agent's open-ticket count and last assignment are still those of
        `as_seen` (the ranking that chose them still holds: a concurrent take makes this one fail)."""
        ...

    def give_back(self, agent_id: str, ticket_number: int) -> None:
        """Undoes a `take` whose ticket write lost (only if the ticket's hold is still the agent's)."""
        ...

    def settle(self, ticket_number: int, holder: str | None, as_of: datetime | None = None) -> str | None:
        """Moves the ticket's hold to `holder` (None: no hold), adjusting both agents' counts, with no
        capacity check: an agent's own choice to take a ticket is theirs to make. Idempotent.

        `as_of`: when the ticket the caller settles to was last updated. A hold `take`n after that moment
        is left alone: the caller read the ticket before the assignment that took it was written (that
        write's own event settles it; a lost write gives it back).

        Returns the agent whose hold moved away (their count went down: they may take another ticket),
        or None when nothing moved or the ticket held nothing."""
        ...


class WorkflowStarter(Protocol):
    def start(self, name: str, payload: Mapping[str, Any]) -> bool:
        """Starts the routing workflow once per name; False when an execution of that name exists."""
        ...


class Notifier(Protocol):
    def notify(self, subject: str, message: str, attributes: Mapping[str, str]) -> None:
        """Publishes to the desk's notification topic; `attributes` let subscribers filter."""
        ...
