"""The statutory clocks this release starts (DOMAIN-KZ §13.2). The procedure pack will carry the
full catalogue with effective dates; until then these rows say what each clock is for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.utils.translation import gettext_noop

from tergeu import clock
from tergeu.procedure.calendar import KZ_CALENDAR, WorkingCalendar, load_calendar
from tergeu.procedure.terms import Counting, Unit, term_end


@cache
def working_calendar() -> WorkingCalendar:
    """Kazakhstan's working-day calendar (procedure/packs/kz/calendar.toml), read once."""
    return load_calendar(KZ_CALENDAR)


@dataclass(frozen=True)
class DeadlineRule:
    rule: str
    article: str
    duty: str  # an English msgid: stored as is, translated when shown
    days: int

    def due(self, start: datetime) -> datetime:
        """A standard day-term (art. 48): the event's day is not counted, the term ends at 24:00
        of its last day, moved to the next working day when that day is not one."""
        return term_end(
            start, self.days, Unit.DAYS, Counting.STANDARD, working_calendar(), clock.legal_zone()
        )


NOTIFY_PROSECUTOR = DeadlineRule(
    "R01",
    "179(1)",
    gettext_noop("notify the prosecutor of the start of the pre-trial investigation"),
    1,
)
FORWARD_ADMINISTRATIVE = DeadlineRule(
    "R02", "179(4)", gettext_noop("forward the report by cover letter"), 3
)
FORWARD_AUDIT = DeadlineRule("R03", "181(5)", gettext_noop("forward the report for an audit"), 3)
