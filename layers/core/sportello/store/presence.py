"""Each agent's status, capacity and open-ticket count on the single table (`routing.ports.AgentPresence`).

One profile item per agent (`PRESENCE`, agent id) and one hold item per assigned active ticket
(`HOLD#<n>`): the hold says which agent's count the ticket is in. Every change of a count is one
transaction with the hold it follows, so the counts always equal the holds:

- `take`: the profile's count goes up on condition the agent is online and below capacity, and the
  hold is created on condition the ticket has none. Two assignments at once cannot both take an agent's
  last slot, nor both take one ticket.
- `give_back`: the hold goes on condition it is still the agent's, and their count goes down.
- `settle`: the hold read (consistently) moves to whoever should hold it, on condition it is still what
  was read (else read again and retry); no capacity check, and no count goes below zero.

Every write is an UpdateItem that fills in what a new profile lacks (`if_not_exists`), so setting the
status never overwrites the count, and saving the capacity never overwrites the status. No Scan.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from ..clock import from_iso, to_iso
from ..errors import ConflictError
from ..retry import retry_on_conflict
from ..routing.model import DEFAULT_CAPACITY, AgentProfile, AgentStatus
from . import keys
from .models import AgentProfileItem, HoldItem, TableItem

# Transactions on one item at once may be cancelled by DynamoDB ("TransactionConflict"): tried again.
ATTEMPTS = 8


def _codes(error: TransactWriteError) -> list[str]:
    return [reason.code if reason else "None" for reason in error.cancellation_reasons or []]


def _status(value: str | None) -> AgentStatus:
    try:
        return AgentStatus(value) if value else AgentStatus.OFFLINE
    except ValueError:
        return AgentStatus.OFFLINE


def _profile(item: AgentProfileItem) -> AgentProfile:
    return AgentProfile(
        agent_id=item.agent_id,
        status=_status(item.status),
        capacity=int(item.capacity) if item.capacity is not None else DEFAULT_CAPACITY,
        languages=frozenset(str(language) for language in item.languages or ()),
        skills=frozenset(str(skill) for skill in item.skills or ()),
        open_tickets=max(0, int(item.open_tickets or 0)),
        last_assigned_at=from_iso(item.last_assigned_at) if item.last_assigned_at else None,
        status_changed_at=from_iso(item.status_changed_at) if item.status_changed_at else None,
    )


def _profile_key(agent_id: str) -> AgentProfileItem:
    return AgentProfileItem(keys.PRESENCE_PK, agent_id)


def _defaults(
    agent_id: str, *, status: bool = True, capacity: bool = True, count: bool = True
) -> list[Action]:
    """What a profile never written before needs, set only where missing."""
    item = AgentProfileItem
    actions: list[Action] = [
        item.item_type.set(AgentProfileItem),
        item.agent_id.set(agent_id),
    ]
    if status:
        actions.append(item.status.set(item.status | AgentStatus.OFFLINE.value))
    if capacity:
        actions.append(item.capacity.set(item.capacity | DEFAULT_CAPACITY))
    if count:
        actions.append(item.open_tickets.set(item.open_tickets | 0))
    return actions


def _increment(agent_id: str) -> list[Action]:
    item = AgentProfileItem
    return [*_defaults(agent_id, count=False), item.open_tickets.set((item.open_tickets | 0) + 1)]


def _hold(number: int, agent_id: str, taken_at: datetime | None = None) -> HoldItem:
    return HoldItem(
        keys.hold_pk(number),
        keys.HOLD_SK,
        ticket_number=number,
        agent_id=agent_id,
        taken_at=to_iso(taken_at) if taken_at else None,
    )


class DynamoAgentPresence:
    def profile(self, agent_id: str) -> AgentProfile:
        try:
            return _profile(AgentProfileItem.get(keys.PRESENCE_PK, agent_id, consistent_read=True))
        except DoesNotExist:
            return AgentProfile(agent_id)

    def profiles(self, agent_ids: Sequence[str]) -> list[AgentProfile]:
        """One BatchGetItem per 100 agents (PynamoDB pages the keys and retries unprocessed ones)."""
        wanted = list(dict.fromkeys(agent_ids))
        if not wanted:
            return []
        found = {
            item.agent_id: _profile(item)
            for item in AgentProfileItem.batch_get([(keys.PRESENCE_PK, agent_id) for agent_id in wanted])
        }
        return [found.get(agent_id) or AgentProfile(agent_id) for agent_id in agent_ids]

    def set_status(self, agent_id: str, status: AgentStatus, at: datetime) -> AgentProfile:
        item = _profile_key(agent_id)
        item.update(
            actions=[
                *_defaults(agent_id, status=False),
                AgentProfileItem.status.set(status.value),
                AgentProfileItem.status_changed_at.set(to_iso(at)),
            ]
        )
        return _profile(item)

    def save_profile(self, profile: AgentProfile) -> None:
        _profile_key(profile.agent_id).update(
            actions=[
                *_defaults(profile.agent_id, capacity=False),
                AgentProfileItem.capacity.set(profile.capacity),
                AgentProfileItem.languages.set(sorted(profile.languages)),  # type: ignore[arg-type]
                AgentProfileItem.skills.set(sorted(profile.skills)),  # type: ignore[arg-type]
            ]
        )

    # -- the counts ----------------------------------------------------------------------------------

    def take(
        self, agent_id: str, ticket_number: int, at: datetime, as_seen: AgentProfile | None = None
    ) -> bool:
        item = AgentProfileItem
        room = (item.status == AgentStatus.ONLINE.value) & (item.open_tickets < item.capacity)
        if as_seen is not None:
            last = as_seen.last_assigned_at
            same_last = (
                item.last_assigned_at == to_iso(last) if last else item.last_assigned_at.does_not_exist()
            )
            room = room & (item.open_tickets == as_seen.open_tickets) & same_last

        def attempt() -> bool:
            try:
                with TransactWrite(connection=_connection()) as transaction:
                    transaction.update(
                        _profile_key(agent_id),
                        actions=[
                            item.open_tickets.set(item.open_tickets + 1),
                            item.last_assigned_at.set(to_iso(at)),
                        ],
                        condition=room,
                    )
                    transaction.save(
                        _hold(ticket_number, agent_id, at), condition=HoldItem.pk.does_not_exist()
                    )
            except TransactWriteError as error:
                if "ConditionalCheckFailed" in _codes(error):
                    return False  # offline, away, at capacity, or the ticket is held already
                _conflict_or_raise(error)
            return True

        try:
            return retry_on_conflict(attempt, gave_up="busy", attempts=ATTEMPTS)
        except ConflictError:
            return False

    def give_back(self, agent_id: str, ticket_number: int) -> None:
        def attempt() -> None:
            hold = _read_hold(ticket_number)
            if hold is None or hold.agent_id != agent_id:
                return
            count = self.profile(agent_id).open_tickets
            self._move(ticket_number, agent_id, None, count)

        retry_on_conflict(attempt, gave_up=f"the hold of ticket #{ticket_number} kept changing")

    def settle(self, ticket_number: int, holder: str | None, as_of: datetime | None = None) -> str | None:
        """Returns the agent whose hold moved away (their count went down), if any."""

        def attempt() -> str | None:
            hold = _read_hold(ticket_number)
            current = hold.agent_id if hold else None
            if current == holder:
                return None
            if hold is not None and as_of is not None and hold.taken_at and from_iso(hold.taken_at) > as_of:
                return None  # taken after the ticket the caller read: its own ticket write follows
            count = self.profile(current).open_tickets if current else 0
            self._move(ticket_number, current, holder, count)
            return current

        return retry_on_conflict(attempt, gave_up=f"the hold of ticket #{ticket_number} kept changing")

    @staticmethod
    def _move(number: int, current: str | None, holder: str | None, current_count: int) -> None:
        """Moves the hold from `current` (as read) to `holder` with both counts, all or nothing.

        ConflictError when the hold or `current`'s count is no longer what was read: read again.
        """
        item = AgentProfileItem
        try:
            with TransactWrite(connection=_connection()) as transaction:
                if current is None:
                    transaction.save(_hold(number, str(holder)), condition=HoldItem.pk.does_not_exist())
                elif holder is None:
                    transaction.delete(
                        HoldItem(keys.hold_pk(number), keys.HOLD_SK), HoldItem.agent_id == current
                    )
                else:
                    transaction.save(_hold(number, holder), condition=HoldItem.agent_id == current)
                if current is not None:
                    # Never below zero: a count already at zero (it cannot be, but a hand-edited table)
                    # stays there, on condition it still is.
                    if current_count > 0:
                        down = item.open_tickets.set(item.open_tickets - 1)
                        transaction.update(_profile_key(current), [down], condition=item.open_tickets > 0)
                    else:
                        transaction.condition_check(
                            AgentProfileItem,
                            keys.PRESENCE_PK,
                            current,
                            _zero_or_missing(),
                        )
                if holder is not None:
                    transaction.update(_profile_key(holder), _increment(holder))
        except TransactWriteError as error:
            _conflict_or_raise(error, also=("ConditionalCheckFailed",))


def _zero_or_missing() -> Condition:
    item = AgentProfileItem
    zero: Condition = item.pk.does_not_exist() | item.open_tickets.does_not_exist() | (item.open_tickets <= 0)
    return zero


def _read_hold(number: int) -> HoldItem | None:
    try:
        return HoldItem.get(keys.hold_pk(number), keys.HOLD_SK, consistent_read=True)
    except DoesNotExist:
        return None


def _connection() -> Any:
    return TableItem._get_connection().connection


def _conflict_or_raise(error: TransactWriteError, also: tuple[str, ...] = ()) -> None:
    codes = _codes(error)
    if any(code in ("TransactionConflict", *also) for code in codes):
        raise ConflictError("an agent's count changed meanwhile") from error
    raise error
