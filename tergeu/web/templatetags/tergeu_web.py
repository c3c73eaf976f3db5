from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.core.validators import RegexValidator
from django.forms import BoundField
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tergeu import clock
from tergeu.access.readers import action_label
from tergeu.cases.models import Case
from tergeu.web.timeline import qualification_text

register = template.Library()


@register.filter
def read_action(action: str) -> str:
    """What an access-log entry records, in words."""
    return action_label(action)


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


@register.filter
def constrained(field: BoundField) -> BoundField:
    """The field as the browser checks it before sending (forms.js shows the messages): a
    pattern from its regular-expression validator with that validator's message, and its
    errors and help announced with it."""
    widget = field.field.widget
    for validator in field.field.validators:
        if isinstance(validator, RegexValidator) and not validator.inverse_match:
            regex = validator.regex
            source = regex if isinstance(regex, str) else regex.pattern
            pattern = source.removeprefix("^").removesuffix("$")
            widget.attrs.setdefault("pattern", pattern)
            widget.attrs.setdefault("data-pattern-message", str(validator.message))
            if pattern.startswith("\\d"):
                widget.attrs.setdefault("inputmode", "numeric")
    if widget.attrs.get("data-lookup") == "person":
        widget.attrs.setdefault("hx-get", reverse("web:person_lookup"))
        widget.attrs.setdefault("hx-trigger", "input changed delay:300ms, change")
        widget.attrs.setdefault("hx-target", f"#{field.auto_id}_lookup")
        widget.attrs.setdefault("hx-sync", "this:replace")
    described = [f"{field.auto_id}_helptext"] if field.help_text else []
    if field.errors:
        described.append(f"{field.auto_id}_error")
        widget.attrs["aria-invalid"] = "true"
    if described:
        widget.attrs["aria-describedby"] = " ".join(described)
    return field


@register.simple_tag
def form_messages() -> SafeString:
    """What forms.js says of a field the browser finds wrong, in the page's language."""
    return json_script(
        {
            "required": _("This field is required."),
            "pattern": _("Enter a value in the format asked for."),
            "type": _("Enter a valid value."),
            "too_long": _("The value is too long."),
            "bad_input": _("Enter a valid value."),
            "range": _("Enter a value within the allowed range."),
        },
        "form-messages",
    )
