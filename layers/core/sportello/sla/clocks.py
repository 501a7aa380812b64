"""Each target's clock, rebuilt from the ticket's events.

The events say when a ticket opened, when people wrote, and how its status moved; replaying them in
time order gives each target's cycles and the stretches during which they ran. Rebuilding from the
whole history on every event (rather than stepping a stored state) is what makes the clocks right
whatever order the stream delivers events in, and however often.

The rules, as help desks apply them:
- first reply runs from creation to the first public agent reply;
- next reply starts at a customer's public message once the first reply is met (unless a cycle is
  already running: the customer wrote twice) and is met by the next public agent reply;
- resolution runs from creation to solved; reopening a solved ticket starts a new cycle;
- every running clock pauses while the ticket is pending or on hold, and resumes when it is not;
- solving or closing meets whatever is still running (the request was dealt with);
- the clocks start at the earliest opening in the history, so merged tickets keep the earlier clock.
Automatic messages (acknowledgements, rule replies) are the system's, not an agent's: they meet nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..calendar import BusinessCalendar
from ..tickets.events import Event, EventKind
from ..tickets.model import AuthorType, Status
from .model import Target, TargetClock, TargetKind

PAUSING = frozenset({Status.PENDING, Status.ON_HOLD})
OPENINGS = frozenset({EventKind.TICKET_CREATED, EventKind.FOLLOW_UP_CREATED})
DONE = frozenset({Status.SOLVED, Status.CLOSED})


@dataclass
class _Cycle:
    """A cycle being replayed: its closed running stretches, and the open one."""

    kind: TargetKind
    number: int
    started_at: datetime
    stretches: list[tuple[datetime, datetime]] = field(default_factory=list)
    running_since: datetime | None = None
    met_at: datetime | None = None

    def pause(self, at: datetime) -> None:
        if self.running_since is not None:
            self.stretches.append((self.running_since, at))
            self.running_since = None

    def resume(self, at: datetime) -> None:
        if self.running_since is None and self.met_at is None:
            self.running_since = at

    def meet(self, at: datetime) -> None:
        if self.met_at is None:
            self.pause(at)
            self.met_at = at


class _Replay:
    def __init__(self, created_at: datetime) -> None:
        self.status = Status.NEW
        self.cycles: dict[TargetKind, _Cycle] = {}
        for kind in (TargetKind.FIRST_REPLY, TargetKind.RESOLUTION):
            self._start(kind, created_at)

    def _start(self, kind: TargetKind, at: datetime) -> None:
        previous = self.cycles.get(kind)
        cycle = _Cycle(kind, previous.number + 1 if previous else 1, at)
        if self.status not in PAUSING:
            cycle.running_since = at
        self.cycles[kind] = cycle

    def _open(self, kind: TargetKind) -> _Cycle | None:
        cycle = self.cycles.get(kind)
        return cycle if cycle is not None and cycle.met_at is None else None

    def message(self, event: Event) -> None:
        data = event.data
        if not data.get("public", True):
            return
        author = data.get("author_type")
        if author == AuthorType.AGENT.value:
            for kind in (TargetKind.FIRST_REPLY, TargetKind.NEXT_REPLY):
                cycle = self._open(kind)
                if cycle is not None:
                    cycle.meet(event.created_at)
        elif author == AuthorType.CUSTOMER.value and not data.get("third_party", False):
            first = self.cycles[TargetKind.FIRST_REPLY]
            if first.met_at is not None and self._open(TargetKind.NEXT_REPLY) is None:
                self._start(TargetKind.NEXT_REPLY, event.created_at)

    def status_change(self, new: Status, at: datetime) -> None:
        old, self.status = self.status, new
        if new in DONE:
            for cycle in self.cycles.values():
                cycle.meet(at)
            return
        if old in DONE:  # reopened
            self._start(TargetKind.RESOLUTION, at)
        for cycle in self.cycles.values():
            if new in PAUSING:
                cycle.pause(at)
            else:
                cycle.resume(at)


def _new_status(event: Event) -> Status | None:
    data = event.data
    if event.kind is EventKind.STATUS_CHANGED or (
        event.kind is EventKind.FIELD_CHANGED and data.get("field") == "status"
    ):
        try:
            return Status(str(data.get("new")))
        except ValueError:
            return None
    return None


def derive_clocks(
    created_at: datetime,
    events: Sequence[Event],
    targets: Mapping[TargetKind, Target],
    calendar: BusinessCalendar,
    warning_percent: int,
) -> tuple[TargetClock, ...]:
    """The latest cycle of each target the policy sets, as the events leave it.

    The clocks start at the earliest opening in the history: a ticket that took in another's events
    (a merge moves them) keeps the earlier request's clock.
    """
    openings = [e.created_at for e in events if e.kind in OPENINGS]
    replay = _Replay(min([created_at, *openings]))
    # Events written together share a timestamp; their ids keep a stable order among them.
    for event in sorted(events, key=lambda e: (e.created_at, e.id)):
        if event.kind is EventKind.MESSAGE_ADDED:
            replay.message(event)
            continue
        status = _new_status(event)
        if status is not None and status is not replay.status:
            replay.status_change(status, event.created_at)
    return tuple(
        _clock(cycle, targets[kind], calendar, warning_percent)
        for kind, cycle in sorted(replay.cycles.items())
        if kind in targets
    )


def _clock(cycle: _Cycle, target: Target, calendar: BusinessCalendar, warning_percent: int) -> TargetClock:
    counted = _Counter(calendar if target.business else None)
    warn_seconds = target.seconds * warning_percent / 100
    elapsed = 0.0
    due_at = warn_at = None
    stretches: list[tuple[datetime, datetime | None]] = [*cycle.stretches]
    if cycle.running_since is not None:
        stretches.append((cycle.running_since, None))  # the stretch running now has no end yet
    for start, end in stretches:
        # The instants the thresholds are reached, if within this stretch (or beyond it, if it is open).
        due_at = due_at or counted.reached(start, end, target.seconds - elapsed)
        warn_at = warn_at or counted.reached(start, end, warn_seconds - elapsed)
        if end is not None:
            elapsed += counted.between(start, end)
    return TargetClock(
        target=cycle.kind,
        cycle=cycle.number,
        business=target.business,
        target_seconds=target.seconds,
        started_at=cycle.started_at,
        elapsed_seconds=elapsed,
        running_since=cycle.running_since,
        due_at=due_at,
        warn_at=warn_at,
        met_at=cycle.met_at,
    )


class _Counter:
    """Counted time: business time on the desk's calendar, or plain time around the clock."""

    def __init__(self, calendar: BusinessCalendar | None) -> None:
        self._calendar = calendar

    def between(self, start: datetime, end: datetime) -> float:
        if self._calendar is None:
            return max((end - start).total_seconds(), 0.0)
        return self._calendar.business_seconds_between(start, end)

    def add(self, start: datetime, seconds: float) -> datetime:
        if self._calendar is None:
            return start + timedelta(seconds=seconds)
        return self._calendar.add_business_seconds(start, seconds)

    def reached(self, start: datetime, end: datetime | None, remaining: float) -> datetime | None:
        """When `remaining` counted seconds from `start` run out, if before `end` (None: open-ended)."""
        if remaining <= 0:
            return None  # reached in an earlier stretch: the caller kept that instant
        at = self.add(start, remaining)
        return at if end is None or at <= end else None
