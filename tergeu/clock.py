"""The one place tergeu reads the time. Tests freeze it with `clock.frozen(...)`."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def legal_zone() -> ZoneInfo:
    """The jurisdiction's zone, in which legal days begin and end."""
    return ZoneInfo(settings.TIME_ZONE)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze `now()` at `at` for the duration of the block."""
    global _frozen  # noqa: PLW0603 - the clock is process-wide by design
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous
