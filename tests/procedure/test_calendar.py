"""Kazakhstan's working-day calendar: the pack file loads, its days off and moved days off are
the ones the law gives, and a malformed file is refused with the file and key named."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tergeu.procedure.calendar import KZ_CALENDAR, CalendarError, load_calendar

KZ = load_calendar(KZ_CALENDAR)

HEAD = """
[calendar]
jurisdiction = "XX"
zone = "Asia/Almaty"
weekend = ["saturday", "sunday"]
move_day_off_from_weekend = true
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "calendar.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_the_kazakhstan_pack_loads() -> None:
    assert KZ.zone == "Asia/Almaty"
    assert KZ.weekend == {5, 6}
    assert KZ.move_day_off_from_weekend


WORKING_DAYS = [
    # (date, working?, why)
    ("2026-11-27", True, "an ordinary Friday"),
    ("2026-11-28", False, "Saturday"),
    ("2026-01-01", False, "New Year"),
    ("2026-01-07", True, "Orthodox Christmas is a holiday but not a day off"),
    ("2026-03-09", False, "8 March 2026 is a Sunday: the day off moves to Monday 9 March"),
    ("2026-03-23", False, "Nauryz"),
    ("2026-03-24", False, "21 March (Saturday) moved here"),
    ("2026-03-25", False, "22 March (Sunday) moved here"),
    ("2026-03-26", True, "after Nauryz"),
    ("2026-05-27", True, "Kurban Ait is a holiday but not a day off"),
    ("2022-01-03", False, "1 January 2022 (Saturday) moved here"),
    ("2022-01-04", False, "2 January 2022 (Sunday) moved here"),
    ("2022-10-25", False, "Republic Day, a day off again from 2022"),
    ("2021-10-25", True, "Republic Day was not a day off in 2021"),
    ("2021-12-01", False, "Day of the First President, until 2021"),
    ("2022-12-01", True, "no longer a holiday from 2022"),
    ("2021-12-17", False, "the second day of Independence Day, until 2021"),
    ("2024-12-17", True, "17 December is no longer a day off"),
    ("2027-01-04", False, "2 January 2027 (Saturday) moved here"),
]


@pytest.mark.parametrize(("day", "working", "why"), WORKING_DAYS)
def test_working_days(day: str, working: bool, why: str) -> None:
    assert KZ.is_working_day(date.fromisoformat(day)) is working, why


def test_holiday_names() -> None:
    assert KZ.holiday_names(date(2026, 3, 9)) == [
        "day off moved from International Women's Day (2026-03-08)"
    ]
    assert KZ.holiday_names(date(2026, 1, 7)) == ["Orthodox Christmas"]
    assert KZ.holiday_names(date(2026, 11, 27)) == []


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-03-20", "2026-03-26"),  # over the weekend and all of Nauryz
        ("2026-11-27", "2026-11-30"),  # Friday to Monday
        ("2026-12-31", "2027-01-05"),  # New Year, with 2 January moved to Monday 4 January
        ("2026-11-24", "2026-11-25"),
    ],
)
def test_next_working_day(day: str, expected: str) -> None:
    assert KZ.next_working_day(date.fromisoformat(day)) == date.fromisoformat(expected)


def test_decree_transfers_override_the_week_and_the_holidays(tmp_path: Path) -> None:
    calendar = load_calendar(
        write(
            tmp_path,
            """
[[holiday]]
key = "new_year_1"
name = "New Year"
month = 1
day = 1
day_off = true

[[transfer]]
date = 2027-01-09
becomes = "working_day"
source = "decree"

[[transfer]]
date = 2027-01-08
becomes = "day_off"
""",
        )
    )
    assert not calendar.is_working_day(date(2027, 1, 8))  # a Friday made a day off
    assert calendar.is_working_day(date(2027, 1, 9))  # a Saturday made a working day
    assert calendar.next_working_day(date(2027, 1, 7)) == date(2027, 1, 9)


def test_moving_off_the_weekend_can_be_switched_off(tmp_path: Path) -> None:
    body = """
[[holiday]]
key = "womens_day"
name = "International Women's Day"
month = 3
day = 8
day_off = true
"""
    path = write(tmp_path, body)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("weekend = true", "weekend = false"), encoding="utf-8")
    assert load_calendar(path).is_working_day(date(2026, 3, 9))
    assert not load_calendar(write(tmp_path, body)).is_working_day(date(2026, 3, 9))


REJECTED = [
    # (TOML appended to a valid [calendar] head, words the error must contain)
    ("[extra]\nx = 1", ["'extra'"]),
    (
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = 1\nday = 1\nday_off = true\nobserved = true',
        ["[[holiday]] #1", "'observed'"],
    ),
    (
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = 1\nday = 1',
        ["[[holiday]] #1", "missing key 'day_off'"],
    ),
    (
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = 2\nday = 30\nday_off = true',
        ["'k'", "month/day"],
    ),
    (
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = true\nday = 1\nday_off = true',
        ["'month'", "expected int"],
    ),
    (
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = 1\nday = 1\nday_off = true\n'
        "valid_from = 2020-01-01\nvalid_to = 2019-01-01",
        ["'k'", "valid_to"],
    ),
    (
        '[[holiday]]\nkey = "republic_day"\nname = "n"\nmonth = 10\nday = 25\nday_off = true\n'
        "valid_to = 2022-12-31\n"
        '[[holiday]]\nkey = "republic_day"\nname = "n"\nmonth = 10\nday = 25\nday_off = true\n'
        "valid_from = 2022-01-01",
        ["'republic_day'", "overlap"],
    ),
    (
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = 1\nday = 1\nday_off = true\n'
        '[[holiday]]\nkey = "k"\nname = "n"\nmonth = 1\nday = 1\nday_off = true',
        ["'k'", "overlap"],
    ),
    ('[[transfer]]\ndate = 2027-01-09\nbecomes = "holiday"', ["[[transfer]] #1", "becomes"]),
    ('[[transfer]]\ndate = 2027-01-09T10:00:00\nbecomes = "day_off"', ["'date'", "expected date"]),
    (
        '[[transfer]]\ndate = 2027-01-09\nbecomes = "day_off"\n[[transfer]]\ndate = 2027-01-09\nbecomes = "day_off"',
        ["[[transfer]] #2", "twice"],
    ),
    (
        '[[dated_holiday]]\nkey = "kurban_ait"\nname = "n"\nday_off = false',
        ["[[dated_holiday]] #1", "'date'"],
    ),
]


@pytest.mark.parametrize(("body", "words"), REJECTED)
def test_a_malformed_calendar_is_refused_naming_the_file_and_key(
    tmp_path: Path, body: str, words: list[str]
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(CalendarError) as refused:
        load_calendar(path)
    message = str(refused.value)
    assert str(path) in message
    for word in words:
        assert word in message


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            'weekend = ["saturday", "sunday"]',
            'weekend = ["saturday", "sundae"]',
            ["weekend", "'sundae'"],
        ),
        (
            'zone = "Asia/Almaty"',
            'zone = "Asia/Almaty"\ntimezone = "x"',
            ["[calendar]", "'timezone'"],
        ),
        ("move_day_off_from_weekend = true\n", "", ["missing key 'move_day_off_from_weekend'"]),
        ("[calendar]", "[calendr]", ["'calendr'"]),
    ],
)
def test_a_malformed_calendar_head_is_refused(
    tmp_path: Path, old: str, new: str, words: list[str]
) -> None:
    path = write(tmp_path, "")
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    with pytest.raises(CalendarError) as refused:
        load_calendar(path)
    for word in words:
        assert word in str(refused.value)
