"""Kazakhstan's working-day calendar: which dates are working days for the shift of a standard
term's last day (CPC art. 48).

The data (public holidays, their validity and the government's transfer days) lives in a TOML
pack file so that it can be corrected without code; this module only reads and interprets it."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

KZ_CALENDAR = Path(__file__).resolve().parent / "packs" / "kz" / "calendar.toml"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A year never has this many consecutive days off; the bound turns a broken calendar (e.g. every
# weekday declared weekend) into an error instead of an endless loop.
MAX_DAYS_OFF_IN_A_ROW = 60

_TOP_KEYS = {"calendar", "holiday", "dated_holiday", "transfer"}
_CALENDAR_KEYS = {"jurisdiction", "zone", "weekend", "move_day_off_from_weekend", "source"}
_HOLIDAY_KEYS = {"key", "name", "month", "day", "day_off", "valid_from", "valid_to", "source"}
_DATED_KEYS = {"key", "name", "date", "day_off", "source"}
_TRANSFER_KEYS = {"date", "becomes", "source"}
_TRANSFER_KINDS = {"working_day", "day_off"}


class CalendarError(ValueError):
    """The calendar file does not follow the schema; the message names the file and the key."""


@dataclass(frozen=True)
class Holiday:
    """A public holiday on a fixed day of the year, in force from `valid_from` to `valid_to`
    (inclusive; None means open-ended). A holiday that is not a day off (Orthodox Christmas,
    Kurban Ait) is still listed so that the calendar can name it."""

    key: str
    name: str
    month: int
    day: int
    day_off: bool
    valid_from: date | None
    valid_to: date | None

    def on(self, year: int) -> date | None:
        """The holiday's date in `year`, or None when it is not in force on that date."""
        when = date(year, self.month, self.day)
        if self.valid_from is not None and when < self.valid_from:
            return None
        if self.valid_to is not None and when > self.valid_to:
            return None
        return when


@dataclass(frozen=True)
class DatedHoliday:
    """A holiday whose date changes every year (Kurban Ait follows the lunar calendar)."""

    key: str
    name: str
    date: date
    day_off: bool


class WorkingCalendar:
    """Working days of one jurisdiction: a five-day week minus public days off (moved off a
    weekend when the rule says so), corrected by the government's explicit transfer days."""

    def __init__(
        self,
        *,
        zone: str,
        weekend: Iterable[int],
        move_day_off_from_weekend: bool,
        holidays: Iterable[Holiday],
        dated_holidays: Iterable[DatedHoliday] = (),
        transfers: Mapping[date, bool] | None = None,
    ) -> None:
        self.zone = zone
        self.weekend = frozenset(weekend)
        self.move_day_off_from_weekend = move_day_off_from_weekend
        self.holidays = tuple(holidays)
        self.dated_holidays = tuple(dated_holidays)
        # date -> True when the decree makes it a working day, False when it makes it a day off
        self.transfers = dict(transfers or {})
        self._days_off: dict[int, dict[date, str]] = {}

    def is_working_day(self, day: date) -> bool:
        """True when `day` is a working day: a decree's transfer decides first, then public days
        off (including those moved off a weekend), then the weekend."""
        if day in self.transfers:
            return self.transfers[day]
        if day in self.days_off(day.year):
            return False
        return day.weekday() not in self.weekend

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        candidate = day
        for _ in range(MAX_DAYS_OFF_IN_A_ROW):
            candidate += timedelta(days=1)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError(f"no working day within {MAX_DAYS_OFF_IN_A_ROW} days after {day}")

    def working_day_on_or_after(self, day: date) -> date:
        """`day` itself when it is a working day, otherwise the next working day."""
        return day if self.is_working_day(day) else self.next_working_day(day)

    def holiday_names(self, day: date) -> list[str]:
        """The names of the holidays on `day`, and of a holiday whose day off moved to `day`."""
        names = [h.name for h in self.holidays if h.on(day.year) == day]
        names += [h.name for h in self.dated_holidays if h.date == day]
        moved = self.days_off(day.year).get(day)
        if moved is not None and moved not in names:
            names.append(f"day off moved from {moved}")
        return names

    def days_off(self, year: int) -> dict[date, str]:
        """The public days off of `year` (weekend and transfers aside), each with the name of its
        holiday; a day off moved from a weekend maps to the holiday it was moved from."""
        if year not in self._days_off:
            self._days_off[year] = self._compute_days_off(year)
        return self._days_off[year]

    def _compute_days_off(self, year: int) -> dict[date, str]:
        off: dict[date, str] = {}
        for holiday in self.holidays:
            when = holiday.on(year)
            if when is not None and holiday.day_off:
                off[when] = holiday.name
        for dated in self.dated_holidays:
            if dated.date.year == year and dated.day_off:
                off[dated.date] = dated.name
        if not self.move_day_off_from_weekend:
            return off
        # Holidays are moved in date order so that two weekend holidays (Nauryz on Saturday and
        # Sunday) land on two different following working days.
        moved: dict[date, str] = {}
        for when in sorted(d for d in off if d.weekday() in self.weekend):
            target = when + timedelta(days=1)
            while target.weekday() in self.weekend or target in off or target in moved:
                target += timedelta(days=1)
            moved[target] = f"{off[when]} ({when.isoformat()})"
        return off | moved


def load_calendar(path: Path | str) -> WorkingCalendar:
    """Read a calendar TOML file and validate it: unknown keys, missing keys, wrong types and
    overlapping validity windows of one holiday key raise CalendarError naming the file and key."""
    source = Path(path)
    with source.open("rb") as handle:
        data = tomllib.load(handle)
    return _parse(data, str(source))


def _parse(data: Mapping[str, Any], where: str) -> WorkingCalendar:
    _check_keys(data, _TOP_KEYS, where)
    head = _table(data, "calendar", where)
    _check_keys(head, _CALENDAR_KEYS, f"{where} [calendar]")
    weekend_names = _get(head, "weekend", list, f"{where} [calendar]")
    unknown_days = [n for n in weekend_names if n not in WEEKDAYS]
    if unknown_days:
        raise CalendarError(f"{where} [calendar] weekend: unknown weekday {unknown_days[0]!r}")
    holidays = [
        _holiday(row, f"{where} [[holiday]] #{i + 1}") for i, row in _rows(data, "holiday", where)
    ]
    _check_overlaps(holidays, where)
    dated = [
        _dated(row, f"{where} [[dated_holiday]] #{i + 1}")
        for i, row in _rows(data, "dated_holiday", where)
    ]
    transfers: dict[date, bool] = {}
    for i, row in _rows(data, "transfer", where):
        day, working = _transfer(row, f"{where} [[transfer]] #{i + 1}")
        if day in transfers:
            raise CalendarError(f"{where} [[transfer]] #{i + 1} date: {day} is transferred twice")
        transfers[day] = working
    return WorkingCalendar(
        zone=_get(head, "zone", str, f"{where} [calendar]"),
        weekend=[WEEKDAYS.index(n) for n in weekend_names],
        move_day_off_from_weekend=_get(
            head, "move_day_off_from_weekend", bool, f"{where} [calendar]"
        ),
        holidays=holidays,
        dated_holidays=dated,
        transfers=transfers,
    )


def _holiday(row: Mapping[str, Any], where: str) -> Holiday:
    _check_keys(row, _HOLIDAY_KEYS, where)
    key = _get(row, "key", str, where)
    month, day = _get(row, "month", int, where), _get(row, "day", int, where)
    try:
        date(2000, month, day)  # a leap year, so 29 February is accepted
    except ValueError as error:
        raise CalendarError(f"{where} key {key!r}: month/day: {error}") from None
    valid_from = _optional_date(row, "valid_from", where)
    valid_to = _optional_date(row, "valid_to", where)
    if valid_from and valid_to and valid_to < valid_from:
        raise CalendarError(
            f"{where} key {key!r}: valid_to {valid_to} is before valid_from {valid_from}"
        )
    return Holiday(
        key=key,
        name=_get(row, "name", str, where),
        month=month,
        day=day,
        day_off=_get(row, "day_off", bool, where),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def _dated(row: Mapping[str, Any], where: str) -> DatedHoliday:
    _check_keys(row, _DATED_KEYS, where)
    return DatedHoliday(
        key=_get(row, "key", str, where),
        name=_get(row, "name", str, where),
        date=_get(row, "date", date, where),
        day_off=_get(row, "day_off", bool, where),
    )


def _transfer(row: Mapping[str, Any], where: str) -> tuple[date, bool]:
    _check_keys(row, _TRANSFER_KEYS, where)
    becomes = _get(row, "becomes", str, where)
    if becomes not in _TRANSFER_KINDS:
        raise CalendarError(f"{where} becomes: {becomes!r} is not one of {sorted(_TRANSFER_KINDS)}")
    return _get(row, "date", date, where), becomes == "working_day"


def _check_overlaps(holidays: list[Holiday], where: str) -> None:
    """Two entries of one holiday key may not be in force at the same time: a changed holiday is
    closed with valid_to and reopened with a later valid_from."""
    by_key: dict[str, list[Holiday]] = {}
    for holiday in holidays:
        by_key.setdefault(holiday.key, []).append(holiday)
    for key, entries in by_key.items():
        ordered = sorted(entries, key=lambda h: h.valid_from or date.min)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            earlier_end = earlier.valid_to or date.max
            if (later.valid_from or date.min) <= earlier_end:
                raise CalendarError(
                    f"{where} [[holiday]] key {key!r}: validity windows overlap "
                    f"({earlier.valid_from} to {earlier.valid_to} and {later.valid_from} to {later.valid_to})"
                )


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CalendarError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})"
        )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise CalendarError(f"{where}: missing table [{key}]")
    return value


def _rows(data: Mapping[str, Any], key: str, where: str) -> list[tuple[int, Mapping[str, Any]]]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise CalendarError(f"{where}: {key} must be an array of tables [[{key}]]")
    return list(enumerate(rows))


def _get(table: Mapping[str, Any], key: str, kind: type[T], where: str) -> T:
    if key not in table:
        raise CalendarError(f"{where}: missing key {key!r}")
    value = table[key]
    # bool is a subclass of int and datetime of date: `true` must not pass as month 1, nor a
    # TOML date-time as a calendar date
    wrong_subclass = (kind is int and isinstance(value, bool)) or (
        kind is date and isinstance(value, datetime)
    )
    if not isinstance(value, kind) or wrong_subclass:
        raise CalendarError(f"{where} key {key!r}: expected {kind.__name__}, got {value!r}")
    return value


def _optional_date(table: Mapping[str, Any], key: str, where: str) -> date | None:
    return _get(table, key, date, where) if key in table else None
