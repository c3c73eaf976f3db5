"""The statutory clocks this release starts (DOMAIN-KZ §13.2). The procedure pack will carry the
full catalogue with effective dates; until then these rows say what each clock is for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_noop

from tergeu import clock


@dataclass(frozen=True)
class DeadlineRule:
    rule: str
    article: str
    duty: str  # an English msgid: stored as is, translated when shown
    days: int

    def due(self, start: datetime) -> datetime:
        return clock.end_of_day_term(start, self.days)


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
