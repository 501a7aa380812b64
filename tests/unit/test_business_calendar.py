"""The business calendar: opening windows, closed days and public holidays, across weekends and DST changes.

The property tests compare the calendar's arithmetic with a slow reference that walks minute by minute and
asks the wall clock: at each minute, the local time in the desk's zone is inside one of that local day's
windows, and that day is neither closed by the desk nor a public holiday (asked of the `holidays`
package directly). Every window edge, instant and DST change here falls on a whole minute, so a minute is
open or closed as a whole and the reference's answer is exact.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sportello.calendar import (
    DEFAULT_CALENDAR,
    OFFICE_HOURS,
    BusinessCalendar,
    CalendarError,
    Window,
    calendar_from_data,
    calendar_to_data,
)

ROME = ZoneInfo("Europe/Rome")
MINUTE = timedelta(minutes=1)
MINUTES_PER_DAY = 24 * 60

# Derandomised and without an example database: CI runs the same examples every time, and quickly.
reproducible = settings(max_examples=100, deadline=None, derandomize=True, database=None)


# -- the reference -----------------------------------------------------------------------------------


@functools.cache
def public_holidays(country: str, region: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, subdiv=region, years=year))


def wall_clock_open(calendar: BusinessCalendar, moment: datetime) -> bool:
    wall = moment.astimezone(ZoneInfo(calendar.timezone))
    day, shown = wall.date(), wall.time()
    if day in calendar.closed_days:
        return False
    country, region = calendar.holiday_country, calendar.holiday_region
    if country is not None and day in public_holidays(country, region, day.year):
        return False
    return any(
        window.start <= shown and (window.ends_at_midnight or shown < window.end)
        for window in calendar.hours.get(day.weekday(), ())
    )


def open_minutes(calendar: BusinessCalendar, start: datetime, end: datetime) -> Iterator[datetime]:
    """The first instant of each open minute in [start, end), one minute at a time."""
    minute = start
    while minute < end:
        if wall_clock_open(calendar, minute):
            yield minute
        minute += MINUTE


# -- what the properties draw ------------------------------------------------------------------------

# Instants near the moments that make business time hard: both DST changes of Rome and of New York,
# Christmas into the new year, Easter, 1 May, Rome's patron saints (29 June), plus any day of 2026.
ANCHORS = (
    datetime(2026, 3, 29, 1, tzinfo=UTC),  # Rome springs forward, 02:00 → 03:00
    datetime(2026, 10, 25, 1, tzinfo=UTC),  # Rome falls back, 03:00 → 02:00
    datetime(2026, 3, 8, 7, tzinfo=UTC),  # New York springs forward
    datetime(2026, 11, 1, 6, tzinfo=UTC),  # New York falls back
    datetime(2026, 12, 24, 12, tzinfo=UTC),
    datetime(2026, 4, 3, 12, tzinfo=UTC),
    datetime(2026, 4, 30, 12, tzinfo=UTC),
    datetime(2026, 6, 28, 12, tzinfo=UTC),
)
ZONES = ("Europe/Rome", "America/New_York")
HOLIDAY_SOURCES = (None, ("IT", None), ("IT", "RM"), ("US", "NY"))

# A window edge in minutes since midnight (1440: midnight at the end of the day). The hours that DST
# changes skip or repeat (02:00-03:00 in both zones) and midnight come up more often than chance would.
edges = st.one_of(
    st.integers(0, MINUTES_PER_DAY),
    st.integers(90, 210),
    st.sampled_from([0, 120, 150, 180, MINUTES_PER_DAY]),
)


def clock(minutes: int) -> time:
    return time(0) if minutes == MINUTES_PER_DAY else time(minutes // 60, minutes % 60)


@st.composite
def day_windows(draw: st.DrawFn) -> tuple[Window, ...]:
    """Up to three windows, e.g. a morning and an afternoon with a lunch break between."""
    points = sorted(set(draw(st.lists(edges, max_size=6))))
    pairs = zip(points[0::2], points[1::2], strict=False)
    return tuple(Window(clock(start), clock(end)) for start, end in pairs)


@dataclass(frozen=True)
class Scenario:
    calendar: BusinessCalendar
    start: datetime
    end: datetime


@st.composite
def scenarios(draw: st.DrawFn, max_days: int = 10) -> Scenario:
    """A calendar open at least one window a week, and a span of up to `max_days` days near an anchor."""
    week = {day: windows for day in range(7) if (windows := draw(day_windows()))}
    if not week:
        week = {draw(st.integers(0, 6)): (Window(time(9), time(17)),)}
    anchor = draw(st.one_of(st.sampled_from(ANCHORS), st.integers(0, 364).map(_noon_of_day_in_2026)))
    start = anchor + draw(whole_minutes(-3, 3))
    closed = draw(
        st.frozensets(st.integers(-1, max_days).map(lambda n: start.date() + timedelta(n)), max_size=3)
    )
    source = draw(st.sampled_from(HOLIDAY_SOURCES))
    calendar = BusinessCalendar(
        timezone=draw(st.sampled_from(ZONES)),
        hours=week,
        closed_days=closed,
        holiday_country=source[0] if source else None,
        holiday_region=source[1] if source else None,
    )
    end = start + draw(whole_minutes(0, max_days))
    return Scenario(calendar, start, end)


def whole_minutes(first_day: int, last_day: int) -> st.SearchStrategy[timedelta]:
    # Days and minutes drawn apart: a single integer would mostly be small, and spans would rarely
    # reach over a weekend.
    return st.builds(
        lambda days, minutes: timedelta(days=days, minutes=minutes),
        st.integers(first_day, last_day),
        st.integers(0, MINUTES_PER_DAY - 1),
    )


def _noon_of_day_in_2026(day: int) -> datetime:
    return datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)


# -- properties against the reference ----------------------------------------------------------------


@reproducible
@given(scenarios())
def test_business_seconds_between_counts_the_open_minutes_the_wall_clock_shows(scenario):
    calendar, start, end = scenario.calendar, scenario.start, scenario.end

    expected = 60 * sum(1 for _ in open_minutes(calendar, start, end))

    assert calendar.business_seconds_between(start, end) == expected


@reproducible
@given(scenarios(), st.data())
def test_add_business_seconds_ends_with_the_open_minute_that_completes_the_span(scenario, data):
    calendar, start = scenario.calendar, scenario.start
    minutes = list(open_minutes(calendar, start, scenario.end))
    if not minutes:
        assert calendar.add_business_seconds(start, 0) == start
        return
    taken = data.draw(st.integers(1, len(minutes)), label="open minutes to add")

    due = calendar.add_business_seconds(start, 60 * taken)

    # The span ends when its last open minute does, not when the desk next opens.
    assert due == minutes[taken - 1] + MINUTE


@reproducible
@given(scenarios(max_days=3), st.data())
def test_is_open_agrees_with_the_wall_clock(scenario, data):
    calendar = scenario.calendar
    offset = data.draw(st.integers(0, 3 * MINUTES_PER_DAY * 60), label="seconds after start")
    moment = scenario.start + timedelta(seconds=offset)

    assert calendar.is_open(moment) == wall_clock_open(calendar, moment)


# -- properties of the arithmetic itself (no reference: any second, longer spans) -------------------

seconds_within_days = st.integers(0, 20 * MINUTES_PER_DAY * 60)


@reproducible
@given(scenarios(), seconds_within_days, seconds_within_days)
def test_adding_the_business_time_between_two_instants_lands_at_or_before_the_later(scenario, lag, extra):
    calendar = scenario.calendar
    start = scenario.start + timedelta(seconds=lag)  # any second, not only whole minutes
    end = start + timedelta(seconds=extra)

    assert calendar.add_business_seconds(start, calendar.business_seconds_between(start, end)) <= end


@reproducible
@given(scenarios(), st.floats(0, 5 * MINUTES_PER_DAY * 60), st.floats(0, 5 * MINUTES_PER_DAY * 60))
def test_the_business_time_to_an_added_span_is_that_span_and_later_spans_end_later(scenario, first, second):
    calendar, start = scenario.calendar, scenario.start
    shorter, longer = sorted((first, second))

    due_shorter = calendar.add_business_seconds(start, shorter)
    due_longer = calendar.add_business_seconds(start, longer)

    assert calendar.business_seconds_between(start, due_shorter) == pytest.approx(shorter, abs=1e-3)
    assert calendar.business_seconds_between(start, due_longer) == pytest.approx(longer, abs=1e-3)
    assert due_shorter <= due_longer


@reproducible
@given(scenarios(), seconds_within_days, seconds_within_days)
def test_business_time_grows_with_the_span_and_adds_up_over_consecutive_spans(scenario, first, second):
    calendar, start = scenario.calendar, scenario.start
    middle = start + timedelta(seconds=first)
    end = middle + timedelta(seconds=second)

    whole = calendar.business_seconds_between(start, end)
    parts = calendar.business_seconds_between(start, middle) + calendar.business_seconds_between(middle, end)

    assert calendar.business_seconds_between(start, middle) <= whole
    assert parts == pytest.approx(whole, abs=1e-6)
    assert whole <= (end - start).total_seconds()


# -- examples ----------------------------------------------------------------------------------------


def rome(*args: int) -> datetime:
    return datetime(*args, tzinfo=ROME)


def test_friday_at_five_plus_two_business_hours_is_monday_at_ten_in_rome():
    friday = rome(2026, 11, 13, 17)

    due = DEFAULT_CALENDAR.add_business_seconds(friday, 2 * 3600)

    assert due == rome(2026, 11, 16, 10)
    assert DEFAULT_CALENDAR.business_seconds_between(friday, due) == 2 * 3600


def test_a_window_across_the_spring_forward_hour_is_an_hour_shorter():
    night_shift = BusinessCalendar(hours={6: (Window(time(1), time(4)),)}, holiday_country=None)
    sunday = date(2026, 3, 29)  # at 02:00 the clocks in Rome jump to 03:00

    [(opens, closes)] = night_shift.windows_on(sunday)

    assert (opens, closes) == (rome(2026, 3, 29, 1), rome(2026, 3, 29, 4))
    assert night_shift.business_seconds_between(rome(2026, 3, 29), rome(2026, 3, 30)) == 2 * 3600


def test_a_window_opening_in_the_skipped_hour_opens_when_the_clock_jumps_past_it():
    opens_at_half_past_two = BusinessCalendar(
        hours={6: (Window(time(2, 30), time(4)),)}, holiday_country=None
    )

    [(opens, closes)] = opens_at_half_past_two.windows_on(date(2026, 3, 29))

    assert opens == datetime(2026, 3, 29, 1, tzinfo=UTC)  # 03:00 in Rome, the first minute after 02:30
    assert closes == rome(2026, 3, 29, 4)


def test_a_window_in_the_repeated_autumn_hour_is_open_both_times_the_clock_shows_it():
    repeated = BusinessCalendar(hours={6: (Window(time(2, 15), time(2, 45)),)}, holiday_country=None)
    sunday = date(2026, 10, 25)  # at 03:00 the clocks in Rome go back to 02:00

    assert repeated.windows_on(sunday) == [
        (datetime(2026, 10, 25, 0, 15, tzinfo=UTC), datetime(2026, 10, 25, 0, 45, tzinfo=UTC)),
        (datetime(2026, 10, 25, 1, 15, tzinfo=UTC), datetime(2026, 10, 25, 1, 45, tzinfo=UTC)),
    ]


@pytest.mark.parametrize("holiday", [date(2026, 12, 25), date(2026, 5, 1)], ids=["Christmas", "1 May"])
def test_italian_public_holidays_are_closed(holiday):
    assert holiday.weekday() < 5  # both are Fridays in 2026: the office hours would open them
    without_holidays = BusinessCalendar(hours=OFFICE_HOURS, holiday_country=None)

    assert DEFAULT_CALENDAR.windows_on(holiday) == []
    assert not DEFAULT_CALENDAR.is_open(rome(holiday.year, holiday.month, holiday.day, 10))
    assert len(without_holidays.windows_on(holiday)) == 2


def test_a_regional_holiday_closes_the_desk_only_in_that_region():
    rome_desk = BusinessCalendar(hours=OFFICE_HOURS, holiday_region="RM")
    milan_desk = BusinessCalendar(hours=OFFICE_HOURS, holiday_region="MI")
    saints_peter_and_paul = date(2026, 6, 29)  # a Monday; Rome's patron saints in the holidays package

    assert rome_desk.windows_on(saints_peter_and_paul) == []
    assert len(milan_desk.windows_on(saints_peter_and_paul)) == 2
    assert len(DEFAULT_CALENDAR.windows_on(saints_peter_and_paul)) == 2
    assert milan_desk.windows_on(date(2026, 12, 7)) == []  # Saint Ambrose, Milan's


def test_the_desks_own_closures_add_to_the_public_holidays():
    closed_on_christmas_eve = BusinessCalendar(
        hours=OFFICE_HOURS, closed_days=frozenset({date(2026, 12, 24)})
    )

    assert closed_on_christmas_eve.windows_on(date(2026, 12, 24)) == []
    assert closed_on_christmas_eve.windows_on(date(2026, 12, 25)) == []
    assert len(closed_on_christmas_eve.windows_on(date(2026, 12, 28))) == 2


def test_the_year_of_holidays_has_dates_and_names_in_the_language_asked():
    rome_desk = BusinessCalendar(holiday_region="RM")

    english = dict(rome_desk.holidays_in(2026))
    italian = dict(rome_desk.holidays_in(2026, "it"))

    assert english[date(2026, 12, 25)] == "Christmas Day"
    assert italian[date(2026, 12, 25)] == "Natale"
    assert italian[date(2026, 6, 29)] == "Santi Pietro e Paolo"
    assert list(english) == sorted(english)
    assert date(2026, 6, 29) not in dict(DEFAULT_CALENDAR.holidays_in(2026))
    assert BusinessCalendar(holiday_country=None).holidays_in(2026) == []


def test_a_language_the_country_lacks_falls_back_to_english():
    assert dict(DEFAULT_CALENDAR.holidays_in(2026, "de"))[date(2026, 12, 25)] == "Christmas Day"


def test_adding_no_business_time_is_due_at_once_even_when_closed():
    saturday = rome(2026, 11, 14, 10)

    assert DEFAULT_CALENDAR.add_business_seconds(saturday, 0) == saturday


def test_importing_the_calendar_leaves_the_holidays_package_for_first_use():
    # Cold starts: `holidays` loads every country it knows; only a day with opening hours needs it.
    probe = "import sys, sportello.calendar; print('holidays' in sys.modules)"

    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)

    assert loaded.stdout.strip() == "False"


# -- the stored form ---------------------------------------------------------------------------------


def test_a_calendar_round_trips_with_its_holiday_country_and_region():
    data = {
        "timezone": "Europe/Rome",
        "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "sat": [["10:00", "00:00"]]},
        "closed_days": ["2026-08-14"],
        "holidays": {"country": "IT", "region": "RM"},
    }

    calendar = calendar_from_data(data)

    assert (calendar.holiday_country, calendar.holiday_region) == ("IT", "RM")
    assert calendar_to_data(calendar) == data
    assert calendar_from_data(calendar_to_data(DEFAULT_CALENDAR)) == DEFAULT_CALENDAR


def test_a_stored_calendar_without_holidays_gets_italys():
    calendar = calendar_from_data({"timezone": "Europe/Rome", "hours": {}, "closed_days": []})

    assert (calendar.holiday_country, calendar.holiday_region) == ("IT", None)


def test_a_null_country_means_no_public_holidays():
    calendar = calendar_from_data({"holidays": {"country": None, "region": None}})

    assert calendar.holiday_country is None
    assert calendar_to_data(calendar)["holidays"] == {"country": None, "region": None}


def test_codes_and_names_are_taken_in_any_case_and_stored_as_the_packages_codes():
    calendar = calendar_from_data({"holidays": {"country": "it", "region": "Roma"}})

    assert (calendar.holiday_country, calendar.holiday_region) == ("IT", "RM")


@pytest.mark.parametrize(
    ("holidays_data", "message"),
    [
        (
            {"country": "XX", "region": None},
            "holidays.country: 'XX' is not a country the holidays package knows "
            "(two-letter ISO codes such as IT, DE, FR, US)",
        ),
        (
            {"country": "IT", "region": "Atlantis"},
            "holidays.region: 'Atlantis' is not a region of IT the holidays package knows "
            "(use AG, AL, AN, AO, AP, AQ, AR, AT, AV, BA, BG, BI, … (114 in all))",
        ),
        ({"country": None, "region": "RM"}, "holidays.region: a region needs a country"),
        (
            {"country": 39, "region": None},
            "holidays.country: must be a country code such as IT, or null for none",
        ),
        ("IT", 'holidays: must be {"country": "IT", "region": null} (country null: none)'),
    ],
    ids=["unknown country", "unknown region", "region without country", "not a string", "not an object"],
)
def test_a_bad_holiday_source_is_refused_naming_the_part(holidays_data, message):
    with pytest.raises(CalendarError) as refused:
        calendar_from_data({"holidays": holidays_data})

    assert str(refused.value) == message
