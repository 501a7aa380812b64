"""The desk's business calendar: its time zone, weekly opening hours (several windows a day) and closures.

Routing asks "is the desk open now?" and "how many business hours since?"; SLA targets count business
time the same way. Windows are wall-clock times in the desk's zone, so a DST change moves them with the
clock on the wall, as the people answering the tickets see it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a due time is searched for: a year of closures plus margin.
MAX_SEARCH_DAYS = 400


class CalendarError(ValueError):
    """A calendar that cannot be accepted; the message names the part."""


@dataclass(frozen=True)
class Window:
    start: time
    end: time  # exclusive; time(0) as an end means midnight at the end of the day

    @property
    def ends_at_midnight(self) -> bool:
        return self.end == time(0)


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Europe/Rome"
    # Monday = 0. A weekday without windows is closed.
    hours: Mapping[int, tuple[Window, ...]] = field(default_factory=dict)
    closed_days: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open intervals as aware UTC datetimes (none on a closed day)."""
        if day in self.closed_days:
            return []
        intervals = []
        for window in self.hours.get(day.weekday(), ()):
            start = datetime.combine(day, window.start, self.zone)
            end_day = day + timedelta(days=1) if window.ends_at_midnight else day
            end = datetime.combine(end_day, window.end, self.zone)
            # fold=0 resolves a wall time that DST repeats or skips; converting to UTC fixes the instant.
            intervals.append((start.astimezone(UTC), end.astimezone(UTC)))
        return intervals

    def is_open(self, moment: datetime) -> bool:
        day = self.local(moment).date()
        return any(start <= moment < end for start, end in self.windows_on(day))

    def _intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = self.local(start).date() - timedelta(days=1)  # a window may start the evening before
        last = self.local(end).date()
        while day <= last:
            for opens, closes in self.windows_on(day):
                lo, hi = max(opens, start), min(closes, end)
                if lo < hi:
                    yield lo, hi
            day += timedelta(days=1)

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Open time between two instants (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        return sum((hi - lo).total_seconds() for lo, hi in self._intervals(start, end))

    @property
    def always_open(self) -> bool:
        return not self.hours

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which `seconds` of open time have passed since `start` (SLA due times).

        A calendar without opening hours is open around the clock. One that never opens again within
        MAX_SEARCH_DAYS (every day closed) raises CalendarError rather than searching forever.
        """
        if self.always_open:
            return start + timedelta(seconds=seconds)
        remaining = max(seconds, 0.0)
        day = self.local(start).date() - timedelta(days=1)  # a window may start the evening before
        for _ in range(MAX_SEARCH_DAYS):
            for opens, closes in self.windows_on(day):
                lo = max(opens, start)
                if lo >= closes:
                    continue
                available = (closes - lo).total_seconds()
                if remaining <= available:
                    # An instant that lands exactly on a window's end is that window's end, not the
                    # next window's start: the time was spent by then.
                    return lo + timedelta(seconds=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise CalendarError(f"the calendar has no open time in the {MAX_SEARCH_DAYS} days after {start}")


OFFICE_HOURS = {day: (Window(time(9), time(13)), Window(time(14), time(18))) for day in range(5)}
DEFAULT_CALENDAR = BusinessCalendar("Europe/Rome", OFFICE_HOURS)


def calendar_from_data(data: Mapping[str, object]) -> BusinessCalendar:
    """A calendar from JSON: {"timezone", "hours": {"mon": [["09:00","13:00"], …]}, "closed_days": [..]}."""
    timezone = data.get("timezone", "Europe/Rome")
    if not isinstance(timezone, str):
        raise CalendarError("timezone: must be an IANA zone name such as Europe/Rome")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"timezone: {timezone!r} is not a known time zone") from None
    hours_data = data.get("hours", {})
    if not isinstance(hours_data, Mapping):
        raise CalendarError("hours: must map weekday names (mon…sun) to lists of [start, end]")
    hours: dict[int, tuple[Window, ...]] = {}
    for name, windows in hours_data.items():
        if name not in WEEKDAY_NAMES:
            raise CalendarError(f"hours.{name}: not a weekday (use {', '.join(WEEKDAY_NAMES)})")
        hours[WEEKDAY_NAMES.index(name)] = _windows(windows, f"hours.{name}")
    closed = data.get("closed_days", [])
    if not isinstance(closed, list):
        raise CalendarError("closed_days: must be a list of dates (YYYY-MM-DD)")
    try:
        closed_days = frozenset(date.fromisoformat(str(day)) for day in closed)
    except ValueError as error:
        raise CalendarError(f"closed_days: {error}") from None
    return BusinessCalendar(timezone, hours, closed_days)


def _windows(value: object, path: str) -> tuple[Window, ...]:
    if not isinstance(value, list):
        raise CalendarError(f"{path}: must be a list of [start, end] pairs")
    windows = []
    for index, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise CalendarError(f"{path}[{index}]: must be [start, end], e.g. ['09:00', '13:00']")
        try:
            start, end = (time.fromisoformat(str(part)) for part in pair)
        except ValueError as error:
            raise CalendarError(f"{path}[{index}]: {error}") from None
        if end != time(0) and end <= start:
            raise CalendarError(f"{path}[{index}]: the window ends before it starts")
        windows.append(Window(start, end))
    ordered = sorted(windows, key=lambda w: w.start)
    for before, after in itertools.pairwise(ordered):
        if before.ends_at_midnight or after.start < before.end:
            raise CalendarError(f"{path}: windows overlap")
    return tuple(ordered)


def calendar_to_data(calendar: BusinessCalendar) -> dict[str, object]:
    return {
        "timezone": calendar.timezone,
        "hours": {
            WEEKDAY_NAMES[day]: [[w.start.strftime("%H:%M"), w.end.strftime("%H:%M")] for w in windows]
            for day, windows in sorted(calendar.hours.items())
        },
        "closed_days": sorted(day.isoformat() for day in calendar.closed_days),
    }
