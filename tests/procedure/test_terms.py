"""Term arithmetic of CPC art. 48: every rule as a table of worked cases (the same cases are the
examples of docs/terms.md), and properties that hold for any start and amount."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tergeu.procedure.calendar import KZ_CALENDAR, load_calendar
from tergeu.procedure.terms import Counting, Unit, add_months, explain, term_end

ALMATY = ZoneInfo("Asia/Almaty")
KZ = load_calendar(KZ_CALENDAR)
S, L, H = Counting.STANDARD, Counting.LIBERTY, Counting.HOURS


def at(text: str) -> datetime:
    """A wall-clock moment in Almaty, e.g. "2026-11-28 14:05"."""
    return datetime.fromisoformat(text).replace(tzinfo=ALMATY)


def end(start: datetime, amount: int, unit: Unit, counting: Counting) -> datetime:
    """The term's end in UTC: Python compares and subtracts two datetimes of one zone by their wall
    clocks, which is wrong across Almaty's offset change of 2024-03-01; UTC values compare as
    instants."""
    return term_end(start, amount, unit, counting, KZ, ALMATY).astimezone(UTC)


STANDARD_DAYS = [
    # (start, days, expected end, why)
    ("2026-11-24 10:00", 1, "2026-11-26 00:00", "1 day from Tuesday: 25 November, a Wednesday"),
    ("2026-11-27 15:00", 1, "2026-12-01 00:00", "last day Saturday 28 November moves to Monday 30"),
    (
        "2026-03-19 11:00",
        3,
        "2026-03-27 00:00",
        "last day Sunday 22 March: Nauryz and its moved days off",
    ),
    (
        "2026-12-29 09:00",
        3,
        "2027-01-06 00:00",
        "last day 1 January; 2 January (Saturday) moves to 4 January",
    ),
    ("2027-01-05 09:00", 2, "2027-01-08 00:00", "7 January, Orthodox Christmas, is not a day off"),
    ("2026-05-25 09:00", 2, "2026-05-28 00:00", "27 May 2026, Kurban Ait, is not a day off"),
    ("2022-10-20 09:00", 5, "2022-10-27 00:00", "25 October 2022 is a day off (Republic Day)"),
    ("2021-10-20 09:00", 5, "2021-10-26 00:00", "25 October 2021 was a working day"),
    ("2026-11-24 00:00", 1, "2026-11-26 00:00", "an event at midnight still belongs to its day"),
    (
        "2026-11-24 23:59",
        1,
        "2026-11-26 00:00",
        "an event a minute before midnight counts the same",
    ),
]


@pytest.mark.parametrize(("start", "days", "expected", "why"), STANDARD_DAYS)
def test_standard_day_terms(start: str, days: int, expected: str, why: str) -> None:
    assert end(at(start), days, Unit.DAYS, S) == at(expected), why


def test_the_day_of_the_event_is_the_day_in_almaty_not_in_utc() -> None:
    # 20:30 UTC on 24 November is 01:30 on 25 November in Almaty (+05)
    start = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)
    assert end(start, 1, Unit.DAYS, S) == at("2026-11-27 00:00")


STANDARD_MONTHS = [
    (
        "2026-01-31 10:00",
        1,
        "2026-03-03 00:00",
        "28 February 2026 is a Saturday: moves to Monday 2 March",
    ),
    ("2026-01-31 10:00", 2, "2026-04-01 00:00", "31 March 2026 is a Tuesday"),
    ("2028-01-31 10:00", 1, "2028-03-01 00:00", "2028 is a leap year: 29 February, a Tuesday"),
    (
        "2028-02-29 10:00",
        12,
        "2029-03-01 00:00",
        "no 29 February in 2029: 28 February, a Wednesday",
    ),
    (
        "2026-10-16 10:00",
        2,
        "2026-12-18 00:00",
        "16 December (Wednesday) is Independence Day: 17 December",
    ),
]


@pytest.mark.parametrize(("start", "months", "expected", "why"), STANDARD_MONTHS)
def test_standard_month_terms(start: str, months: int, expected: str, why: str) -> None:
    assert end(at(start), months, Unit.MONTHS, S) == at(expected), why


HOUR_TERMS = [
    # (start, hours, counting, expected end, why)
    ("2026-11-28 14:05", 24, S, "2026-11-29 15:00", "standard: counted from the next full hour"),
    (
        "2026-11-28 14:00",
        3,
        S,
        "2026-11-28 18:00",
        "standard: the hour of the event is not counted",
    ),
    ("2026-11-28 14:05", 48, L, "2026-11-30 14:05", "detention: 48 h from the actual minute"),
    ("2026-12-30 22:40", 72, L, "2027-01-02 22:40", "detention: 72 h over New Year, no shift"),
    ("2026-11-28 23:30", 24, L, "2026-11-29 23:30", "minor's detention: 24 h across midnight"),
    ("2024-02-29 12:00", 48, L, "2024-03-02 11:00", "Almaty moved from +06 to +05 on 1 March 2024"),
    ("2026-11-28 20:00", 8, H, "2026-11-29 04:00", "the judge's 8 h on a Saturday night"),
    ("2026-12-31 18:00", 24, H, "2027-01-01 18:00", "a copy within 24 h, over New Year"),
]


@pytest.mark.parametrize(("start", "hours", "counting", "expected", "why"), HOUR_TERMS)
def test_hour_terms(start: str, hours: int, counting: Counting, expected: str, why: str) -> None:
    assert end(at(start), hours, Unit.HOURS, counting) == at(expected), why


LIBERTY_CALENDAR_TERMS = [
    ("2026-01-31 10:00", 2, Unit.MONTHS, "2026-03-31 10:00", "custody: 2 months"),
    ("2026-01-31 10:00", 1, Unit.MONTHS, "2026-02-28 10:00", "no 31 February; Saturday, no shift"),
    ("2027-12-31 16:20", 2, Unit.MONTHS, "2028-02-29 16:20", "leap year month end"),
    (
        "2026-03-18 09:00",
        10,
        Unit.DAYS,
        "2026-03-28 09:00",
        "short custody of 10 days, over Nauryz",
    ),
]


@pytest.mark.parametrize(("start", "amount", "unit", "expected", "why"), LIBERTY_CALENDAR_TERMS)
def test_liberty_day_and_month_terms(
    start: str, amount: int, unit: Unit, expected: str, why: str
) -> None:
    assert end(at(start), amount, unit, L) == at(expected), why


def test_the_end_is_in_the_legal_zone() -> None:
    result = term_end(datetime(2026, 11, 28, 9, 5, tzinfo=UTC), 48, Unit.HOURS, L, KZ, ALMATY)
    assert result.tzinfo == ALMATY
    assert result == datetime(2026, 11, 30, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("amount", "unit", "counting", "message"),
    [
        (0, Unit.DAYS, S, "at least 1"),
        (-3, Unit.HOURS, L, "at least 1"),
        (2, Unit.DAYS, H, "hours only"),
    ],
)
def test_invalid_terms_are_refused(
    amount: int, unit: Unit, counting: Counting, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        end(at("2026-11-28 14:05"), amount, unit, counting)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        end(datetime(2026, 11, 28, 14, 5), 48, Unit.HOURS, L)  # noqa: DTZ001 - the point of the test


@pytest.mark.parametrize(
    ("start", "amount", "unit", "counting", "trigger", "sentence"),
    [
        (
            "2026-01-31 10:00", 2, Unit.MONTHS, S, "registration",
            "2 months from registration on 2026-01-31: ends 2026-03-31 24:00; 31 March is a working day",
        ),
        (
            "2026-01-31 10:00", 1, Unit.MONTHS, S, "registration",
            "1 month from registration on 2026-01-31: ends 2026-03-02 24:00; "
            "28 February is not a working day, so the term moves to 2 March",
        ),
        (
            "2026-11-28 14:05", 48, Unit.HOURS, L, "actual detention",
            "48 hours from actual detention at 2026-11-28 14:05: ends 2026-11-30 14:05; "
            "exact hours from the actual moment, no working-day shift",
        ),
        (
            "2026-11-28 14:05", 24, Unit.HOURS, S, "service",
            "24 hours from service at 2026-11-28 14:05: ends 2026-11-29 15:00; "
            "counted from the next full hour, 2026-11-28 15:00",
        ),
    ],
)  # fmt: skip
def test_explain(
    start: str, amount: int, unit: Unit, counting: Counting, trigger: str, sentence: str
) -> None:
    assert explain(at(start), amount, unit, counting, KZ, ALMATY, trigger=trigger) == sentence


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


# --- properties ----------------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2015, 1, 1),  # noqa: DTZ001 - hypothesis draws naive values, made aware below
    max_value=datetime(2035, 12, 31),  # noqa: DTZ001
    timezones=st.just(ALMATY),
)
units = st.sampled_from(list(Unit))
countings = st.sampled_from([S, L])


@given(start=starts, amount=st.integers(1, 400), unit=units, counting=countings)
def test_the_end_is_never_before_the_start(
    start: datetime, amount: int, unit: Unit, counting: Counting
) -> None:
    assert end(start, amount, unit, counting) >= start


@given(start=starts, days=st.integers(1, 400))
def test_a_standard_day_term_ends_at_midnight_after_a_working_day(
    start: datetime, days: int
) -> None:
    result = term_end(start, days, Unit.DAYS, S, KZ, ALMATY)
    assert (result.hour, result.minute, result.second, result.microsecond) == (0, 0, 0, 0)
    last_day = result.date() - timedelta(days=1)
    assert KZ.is_working_day(last_day)
    assert last_day >= start.date() + timedelta(days=days)


@given(start=starts, hours=st.integers(1, 24 * 30))
def test_a_liberty_hour_term_is_exact_elapsed_time(start: datetime, hours: int) -> None:
    assert end(start, hours, Unit.HOURS, L) - start == timedelta(hours=hours)
    assert end(start, hours, Unit.HOURS, H) - start == timedelta(hours=hours)


@given(start=starts, amount=st.integers(1, 400), unit=units, counting=countings)
def test_a_longer_term_never_ends_earlier(
    start: datetime, amount: int, unit: Unit, counting: Counting
) -> None:
    assert end(start, amount, unit, counting) <= end(start, amount + 1, unit, counting)


# --- the worked examples of docs/terms.md ---------------------------------------------------------

DOC = Path(__file__).resolve().parents[2] / "docs" / "terms.md"
DOC_ROW = re.compile(
    r"^\| (\d{4}-\d\d-\d\d \d\d:\d\d) \| (\d+) ([hdm]) \| ([SLH]) \| (\d{4}-\d\d-\d\d) (\d\d:\d\d) \|"
)


def documented_examples() -> list[tuple[str, int, Unit, Counting, datetime]]:
    """The rows of the worked-example tables: event, amount, unit, counting, end (24:00 of a day
    read as 00:00 of the next)."""
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = DOC_ROW.match(line)
        if match is None:
            continue
        start, amount, unit, counting, day, clock = match.groups()
        ends = at(day) + timedelta(days=1) if clock == "24:00" else at(f"{day} {clock}")
        rows.append((start, int(amount), Unit(unit), Counting(counting), ends))
    return rows


@pytest.mark.parametrize(("start", "amount", "unit", "counting", "ends"), documented_examples())
def test_the_documented_examples_compute_as_shown(
    start: str, amount: int, unit: Unit, counting: Counting, ends: datetime
) -> None:
    assert end(at(start), amount, unit, counting) == ends


def test_every_table_case_is_documented() -> None:
    documented = {(s, a, u, c, e.astimezone(UTC)) for s, a, u, c, e in documented_examples()}
    cases = [(s, n, Unit.DAYS, S, e) for s, n, e, _ in STANDARD_DAYS]
    cases += [(s, n, Unit.MONTHS, S, e) for s, n, e, _ in STANDARD_MONTHS]
    cases += [(s, n, Unit.HOURS, c, e) for s, n, c, e, _ in HOUR_TERMS]
    cases += [(s, n, u, L, e) for s, n, u, e, _ in LIBERTY_CALENDAR_TERMS]
    for start, amount, unit, counting, expected in cases:
        key = (start, amount, unit, counting, at(expected).astimezone(UTC))
        assert key in documented, f"docs/terms.md has no worked example for {key}"
