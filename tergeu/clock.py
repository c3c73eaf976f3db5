"""The one place tergeu reads the time. Tests freeze it with `clock.frozen(...)`."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def legal_zone() -> ZoneInfo:
    """The jurisdiction's zone, in which legal days begin and end."""
    return ZoneInfo(settings.TIME_ZONE)


def end_of_day_term(start: datetime, days: int) -> datetime:
    """A standard day-term (art. 48): the day of the event is not counted and the term ends at
    24:00 of its last day, in the legal zone. The working-day shift of a last day that is not a
    working day belongs to the procedure engine's calendar."""
    local_day: date = start.astimezone(legal_zone()).date()
    last_day = local_day + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(0, 0), tzinfo=legal_zone())


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze `now()` at `at` for the duration of the block."""
    global _frozen  # noqa: PLW0603 - the clock is process-wide by design
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous
