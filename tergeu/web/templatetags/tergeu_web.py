from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tergeu import clock
from tergeu.cases.models import Case
from tergeu.web.timeline import qualification_text

register = template.Library()


@register.filter
def qualification(case: Case) -> str:
    """The case's qualification as a phrase of the current language."""
    return qualification_text(
        case.qualification_article, case.qualification_part, case.qualification_paragraph
    )


# How near a deadline must be to be shown red or amber (the badges of "My cases").
RED = timedelta(hours=24)
AMBER = timedelta(hours=72)


@dataclass(frozen=True)
class Urgency:
    level: str  # "red", "amber", "green"
    text: str


@register.filter
def urgency(due_at: datetime | None) -> Urgency | None:
    """The badge of a case's next deadline: red when it has passed or comes within a day,
    amber within three days, green later; the words say the same as the colour."""
    if due_at is None:
        return None
    left = due_at - clock.now()
    hours = max(0, int(left.total_seconds() // 3600))
    if left < timedelta(0):
        return Urgency("red", _("overdue"))
    if left < RED:
        return Urgency(
            "red", ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {"hours": hours}
        )
    if left < AMBER:
        return Urgency(
            "amber",
            ngettext("%(hours)d hour left", "%(hours)d hours left", hours) % {"hours": hours},
        )
    days = left.days
    return Urgency(
        "green", ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
    )
