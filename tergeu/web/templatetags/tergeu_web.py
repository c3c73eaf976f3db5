from django import template

from tergeu.cases.models import Case
from tergeu.web.timeline import qualification_text

register = template.Library()


@register.filter
def qualification(case: Case) -> str:
    """The case's qualification as a phrase of the current language."""
    return qualification_text(
        case.qualification_article, case.qualification_part, case.qualification_paragraph
    )
