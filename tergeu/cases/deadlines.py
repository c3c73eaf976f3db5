"""The clocks of crime reports before a case exists (R02, R03: a report forwarded elsewhere).
A case's clocks are the procedure engine's (tergeu/cases/clocks.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_noop

from tergeu import clock
from tergeu.cases.law import pack
from tergeu.procedure.calendar import WorkingCalendar
from tergeu.procedure.terms import Counting, Unit, term_end


def working_calendar() -> WorkingCalendar:
    """Kazakhstan's working-day calendar (procedure/packs/kz/calendar.toml), from the pack."""
    return pack().calendar


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


FORWARD_ADMINISTRATIVE = DeadlineRule(
    "R02", "179(4)", gettext_noop("forward the report by cover letter"), 3
)
FORWARD_AUDIT = DeadlineRule("R03", "181(5)", gettext_noop("forward the report for an audit"), 3)
