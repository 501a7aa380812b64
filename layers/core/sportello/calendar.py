"""The desk's business calendar: its time zone, weekly opening hours (several windows a day) and closures.

Routing asks "is the desk open now?" and "how many business hours since?"; SLA targets count business
time the same way. Windows are wall-clock times in the desk's zone, so a DST change moves them with the
clock on the wall, as the people answering the tickets see it: the desk is open at an instant when the
wall clock then shows a time inside one of that day's windows. A day is closed when the desk says so
(`closed_days`) or when it is a public holiday of the desk's country (and region), from the `holidays`
package.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a due time is searched for: a year of closures plus margin.
MAX_SEARCH_DAYS = 400
DEFAULT_HOLIDAY_COUNTRY = "IT"
# How many of a country's regions an error message lists before "…".
_REGIONS_LISTED = 12


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
    # ISO 3166-1 alpha-2 code and subdivision as the `holidays` package spells them; None: no public holidays.
    holiday_country: str | None = DEFAULT_HOLIDAY_COUNTRY
    holiday_region: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def is_public_holiday(self, day: date) -> bool:
        if self.holiday_country is None:
            return False
        return day in _holiday_dates(self.holiday_country, self.holiday_region, day.year)

    def is_closed_day(self, day: date) -> bool:
        return day in self.closed_days or self.is_public_holiday(day)

    def holidays_in(self, year: int, language: str = "en") -> list[tuple[date, str]]:
        """The year's public holidays (date, name), in `language` (it, en…) when the package has it,
        else in English, else in the country's own language."""
        if self.holiday_country is None:
            return []
        return list(_holidays(self.holiday_country, self.holiday_region, year, language))

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's open intervals as aware UTC datetimes, in order (none on a closed day)."""
        windows = self.hours.get(day.weekday(), ())
        # Hours first: a weekday without windows never needs the public holidays (nor their import).
        if not windows or self.is_closed_day(day):
            return []
        pieces = sorted(piece for window in windows for piece in self._wall_clock_pieces(day, window))
        return _joined(pieces)

    def _wall_clock_pieces(self, day: date, window: Window) -> Iterator[tuple[datetime, datetime]]:
        """The instants at which the wall clock shows a time inside `window` on `day`.

        Converting the window's two ends to instants (as this did before) is wrong on a DST day: a time
        the spring change skips (02:30 in Rome) was read with the winter offset, an hour after the clock
        reached the window, and a time the autumn change repeats was counted once. On each side of the
        change the offset is constant, so there the window is a plain interval: at most two pieces.
        """
        zone = self.zone
        opens = datetime.combine(day, window.start)
        closes = datetime.combine(day + timedelta(days=1) if window.ends_at_midnight else day, window.end)
        # Both readings of a skipped or repeated wall time bracket the instants sought.
        first = min(_instant(opens, zone, fold) for fold in (0, 1))
        last = max(_instant(closes, zone, fold) for fold in (0, 1))
        before, after = _offset(first, zone), _offset(last, zone)
        if before == after:
            segments = [(first, last, before)]
        else:
            change = _offset_change(first, last, zone)
            segments = [(first, change, before), (change, last, after)]
        for segment_start, segment_end, offset in segments:
            lo = max(segment_start, (opens - offset).replace(tzinfo=UTC))
            hi = min(segment_end, (closes - offset).replace(tzinfo=UTC))
            if lo < hi:
                yield lo, hi

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
        if remaining == 0:
            # No open time needs to pass: due at once, even when closed (not at the next opening, which
            # would put add(start, between(start, end)) after `end` for two instants of one closure).
            return start
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


def _instant(wall: datetime, zone: ZoneInfo, fold: int) -> datetime:
    return wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def _offset(moment: datetime, zone: ZoneInfo) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def _offset_change(first: datetime, last: datetime, zone: ZoneInfo) -> datetime:
    """The instant the zone's offset changes between `first` and `last` (one change; whole seconds, as
    the tz database has them), found by halving."""
    before = _offset(first, zone)
    lo, hi = first.replace(microsecond=0), last
    while hi - lo > timedelta(seconds=1):
        mid = lo + timedelta(seconds=(hi - lo).total_seconds() // 2)
        if _offset(mid, zone) == before:
            lo = mid
        else:
            hi = mid
    return lo + timedelta(seconds=1)


def _joined(pieces: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted pieces with the touching ones joined (09:00-13:00 and 13:00-18:00 are one interval)."""
    joined: list[tuple[datetime, datetime]] = []
    for start, end in pieces:
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


# -- public holidays ---------------------------------------------------------------------------------
# `holidays` is imported where it is needed, never with this module: importing it loads every country
# it knows (some 70 ms on first use), and most paths (and calendars without a country) never need it.


@functools.lru_cache(maxsize=128)
def _holidays(
    country: str, region: str | None, year: int, language: str | None
) -> tuple[tuple[date, str], ...]:
    import holidays

    entries = holidays.country_holidays(country, subdiv=region, years=year)
    chosen = _language(entries.supported_languages, language) if language else None
    if chosen is not None:
        entries = holidays.country_holidays(country, subdiv=region, years=year, language=chosen)
    return tuple(sorted(entries.items()))


@functools.lru_cache(maxsize=128)
def _holiday_dates(country: str, region: str | None, year: int) -> frozenset[date]:
    # The calendar asks for many days: one set per (country, region, year), built once.
    return frozenset(day for day, _ in _holidays(country, region, year, None))


def _language(supported: Iterable[str], wanted: str) -> str | None:
    """The package's spelling of `wanted` (it → it_IT), else English, else None (the country's own)."""
    supported = tuple(supported)
    for language in (wanted, "en"):
        for candidate in supported:
            if candidate == language or candidate.split("_")[0] == language:
                return candidate
    return None


def _holiday_source(value: object) -> tuple[str | None, str | None]:
    """The country and region of `{"country": "IT", "region": null}`, as the `holidays` package knows them."""
    if not isinstance(value, Mapping):
        raise CalendarError('holidays: must be {"country": "IT", "region": null} (country null: none)')
    country, region = value.get("country"), value.get("region")
    if country is not None and not isinstance(country, str):
        raise CalendarError("holidays.country: must be a country code such as IT, or null for none")
    if region is not None and not isinstance(region, str):
        raise CalendarError("holidays.region: must be a region code such as RM, or null for none")
    country = (country or "").strip().upper() or None
    region = (region or "").strip() or None
    if country is None:
        if region is not None:
            raise CalendarError("holidays.region: a region needs a country")
        return None, None
    return _known_source(country, region)


@functools.lru_cache(maxsize=32)
def _known_source(country: str, region: str | None) -> tuple[str, str | None]:
    # Cached: every read of the stored calendar checks its source again.
    import holidays

    try:
        entity = holidays.country_holidays(country)
    except NotImplementedError:
        raise CalendarError(
            f"holidays.country: {country!r} is not a country the holidays package knows "
            "(two-letter ISO codes such as IT, DE, FR, US)"
        ) from None
    if region is None:
        return country, None
    # The package's codes (RM, MI) and names (Roma, Milano), in any case; stored as its code.
    known = {code.casefold(): code for code in entity.subdivisions}
    known.update({name.casefold(): code for name, code in entity.subdivisions_aliases.items()})
    if region.casefold() not in known:
        codes = list(entity.subdivisions)
        listed = ", ".join(codes[:_REGIONS_LISTED]) + (
            f", … ({len(codes)} in all)" if codes[_REGIONS_LISTED:] else ""
        )
        raise CalendarError(
            f"holidays.region: {region!r} is not a region of {country} the holidays package knows"
            + (f" (use {listed})" if codes else f" ({country} has no regions there)")
        )
    return country, known[region.casefold()]


OFFICE_HOURS = {day: (Window(time(9), time(13)), Window(time(14), time(18))) for day in range(5)}
DEFAULT_CALENDAR = BusinessCalendar("Europe/Rome", OFFICE_HOURS)


def calendar_from_data(data: Mapping[str, object]) -> BusinessCalendar:
    """A calendar from JSON: {"timezone", "hours": {"mon": [["09:00","13:00"], …]}, "closed_days": [..],
    "holidays": {"country": "IT", "region": null}}; without "holidays" (stored before it): Italy's."""
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
    country, region = _holiday_source(data.get("holidays", {"country": DEFAULT_HOLIDAY_COUNTRY}))
    return BusinessCalendar(timezone, hours, closed_days, country, region)


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
        "holidays": {"country": calendar.holiday_country, "region": calendar.holiday_region},
    }
