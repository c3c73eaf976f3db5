"""The applicant or participant looked up by IIN while a form is filled in: whether the IIN is
real, and the name the register of persons holds for it (then the names need not be typed).
Only for officials who enter reports or admit participants; each lookup is in the access log."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tergeu.access.gate import access_log, holds_role
from tergeu.access.models import Surface
from tergeu.accounts.models import CONDUCTING_ROLES, Official
from tergeu.errors import InvalidInput, NotFound
from tergeu.persons.iin import parse_iin
from tergeu.persons.models import Person
from tergeu.registry.services import intake_agencies
from tergeu.web.views import gated


def may_look_up(user: Official) -> bool:
    return any(holds_role(user, role) for role in CONDUCTING_ROLES) or (
        intake_agencies(user).exists()
    )


@gated
@require_GET
def person_lookup(request: HttpRequest) -> HttpResponse:
    """A fragment for the form (htmx): the IIN's problem, or the person found, or "new"."""
    user = request.user
    assert isinstance(user, Official)
    if not may_look_up(user):
        raise NotFound(_("Persons are looked up by those who enter reports."), code="not_found")
    # The field is "iin" in a form with or without a prefix ("participant_admission-iin").
    names = [k for k in request.GET if k == "iin" or k.endswith("-iin")]
    iin = request.GET.get(names[0], "").strip() if names else ""
    context: dict[str, object] = {"iin": iin}
    if len(iin) < 12:
        return render(request, "web/_person_lookup.html", context)  # still being typed
    try:
        facts = parse_iin(iin)
    except InvalidInput as exc:
        context["problem"] = exc.message
        return render(request, "web/_person_lookup.html", context)
    person = Person.objects.filter(iin=iin).first()
    access_log(
        user,
        surface=Surface.WEB,
        action="person_lookup",
        detail={"iin": iin, "found": person is not None},
    )
    context |= {"person": person, "facts": facts}
    return render(request, "web/_person_lookup.html", context)
