"""Term arithmetic of CPC art. 48 (DOMAIN-KZ §13.2, column "counting").

Three ways of counting:

- STANDARD (S): the hour or day of the triggering event is not counted; a day- or month-term ends
  at 24:00 of its last day in the jurisdiction's zone, and a last day that is not a working day
  moves to the next working day.
- LIBERTY (L): detention and custody run from the actual minute, with no working-day shift.
- HOURS ("L-like"): hour terms on other matters (a copy within 24 h, the judge's 8 h) run as exact
  hours from the moment, with no shift.

24:00 of a day is represented as 00:00 of the next day: the first instant after the term."""

from __future__ import annotations

import calendar as gregorian
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from tergeu.procedure.calendar import WorkingCalendar


class Counting(StrEnum):
    """How a term is counted (art. 48)."""

    STANDARD = "S"
    LIBERTY = "L"
    HOURS = "H"


class Unit(StrEnum):
    """The unit a term is stated in."""

    HOURS = "h"
    DAYS = "d"
    MONTHS = "m"


def term_end(
    start: datetime,
    amount: int,
    unit: Unit,
    counting: Counting,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
) -> datetime:
    """The instant a term ends, as an aware datetime in `zone`.

    `start` is the triggering event and must be timezone-aware. The returned instant is the first
    moment after the term: an act done strictly before it is in time."""
    return _compute(start, amount, unit, counting, calendar, zone)[0]


def explain(
    start: datetime,
    amount: int,
    unit: Unit,
    counting: Counting,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
    *,
    trigger: str = "the event",
) -> str:
    """One English sentence saying how the end of the term was computed, e.g. "2 months from
    registration on 2026-01-31: ends 2026-03-31 24:00; 31 March is a working day"."""
    end, note = _compute(start, amount, unit, counting, calendar, zone)
    local = start.astimezone(zone)
    stated = f"{amount} {_unit_name(unit, amount)}"
    if counting is Counting.STANDARD and unit is not Unit.HOURS:
        return f"{stated} from {trigger} on {local.date().isoformat()}: ends {_as_24(end)}; {note}"
    return f"{stated} from {trigger} at {_stamp(local)}: ends {_stamp(end)}; {note}"


def add_months(day: date, months: int) -> date:
    """The same-numbered day `months` later; the last day of that month when it has no such day
    (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = gregorian.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _compute(
    start: datetime,
    amount: int,
    unit: Unit,
    counting: Counting,
    calendar: WorkingCalendar,
    zone: ZoneInfo,
) -> tuple[datetime, str]:
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("a term must start at a timezone-aware datetime")
    if amount < 1:
        raise ValueError(f"a term must be at least 1 {unit.value}, not {amount}")
    if counting is Counting.HOURS and unit is not Unit.HOURS:
        raise ValueError("HOURS counting applies to terms stated in hours only")
    local = start.astimezone(zone)
    if unit is Unit.HOURS:
        return _hours(local, amount, counting, zone)
    if counting is Counting.LIBERTY:
        return _liberty_calendar(local, amount, unit, zone)
    return _standard_days(local, amount, unit, calendar, zone)


def _hours(local: datetime, hours: int, counting: Counting, zone: ZoneInfo) -> tuple[datetime, str]:
    # Hours are elapsed time, so they are added in UTC: an offset change of the zone (Almaty went
    # from +06 to +05 on 2024-03-01) must not lengthen or shorten the term.
    if counting is Counting.STANDARD:
        # The hour in which the event happens is not counted: counting starts at the next full
        # hour. [U] verify against art. 48(2) whether an event at exactly hh:00 starts at hh:00.
        origin = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        note = f"counted from the next full hour, {_stamp(origin.astimezone(zone))}"
    else:
        origin = local
        note = "exact hours from the actual moment, no working-day shift"
    end = (origin.astimezone(ZoneInfo("UTC")) + timedelta(hours=hours)).astimezone(zone)
    return end, note


def _liberty_calendar(
    local: datetime, amount: int, unit: Unit, zone: ZoneInfo
) -> tuple[datetime, str]:
    # Days and months of liberty terms are calendar periods from the actual moment: the end falls
    # at the same wall-clock time. [U] verify whether custody in months ends at 24:00 of the day
    # before the same-numbered day instead.
    day = (
        local.date() + timedelta(days=amount)
        if unit is Unit.DAYS
        else add_months(local.date(), amount)
    )
    end = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    return end, "from the actual moment, no working-day shift"


def _standard_days(
    local: datetime, amount: int, unit: Unit, calendar: WorkingCalendar, zone: ZoneInfo
) -> tuple[datetime, str]:
    # The day of the event is not counted, so N days end on the date N days later; N months end on
    # the same-numbered day N months later.
    event_day = local.date()
    last = (
        event_day + timedelta(days=amount) if unit is Unit.DAYS else add_months(event_day, amount)
    )
    moved_to = calendar.working_day_on_or_after(last)
    end = datetime.combine(moved_to + timedelta(days=1), time(0, 0), tzinfo=zone)
    if moved_to == last:
        return end, f"{_day_name(last)} is a working day"
    return (
        end,
        f"{_day_name(last)} is not a working day, so the term moves to {_day_name(moved_to)}",
    )


def _unit_name(unit: Unit, amount: int) -> str:
    name = {Unit.HOURS: "hour", Unit.DAYS: "day", Unit.MONTHS: "month"}[unit]
    return name if amount == 1 else f"{name}s"


def _day_name(day: date) -> str:
    return f"{day.day} {day.strftime('%B')}"


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _as_24(end: datetime) -> str:
    """A standard term's end (00:00 of the next day) written as 24:00 of its last day."""
    return f"{(end.date() - timedelta(days=1)).isoformat()} 24:00"
