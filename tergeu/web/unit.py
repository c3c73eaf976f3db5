"""The head of a unit's overview: for each unit they head, how many cases each investigator
leads, how many of those have a deadline overdue, and the nearest deadline; the cases nobody
leads yet. Counted within the cases the head may see; anyone who heads no unit gets the 404
page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tergeu import clock
from tergeu.access.gate import access_log, visible_cases
from tergeu.access.models import Surface
from tergeu.accounts.models import HEAD_ROLES, Agency, Appointment, Official
from tergeu.cases.models import Stage
from tergeu.errors import NotFound
from tergeu.web.views import gated

# The stages at which the unit is still working on a case (before it goes to the prosecutor).
OPEN_STAGES = (
    Stage.REGISTERED,
    Stage.UNDER_INVESTIGATION,
    Stage.INTERRUPTION_PENDING,
    Stage.TERMS_INTERRUPTED,
    Stage.TERMINATION_PENDING_APPROVAL,
    Stage.FAMILIARIZATION,
    Stage.INVESTIGATION_COMPLETED,
)


@dataclass(frozen=True)
class Load:
    investigator: str  # "" for the cases nobody leads
    cases: int
    overdue: int
    nearest: datetime | None


@dataclass(frozen=True)
class Unit:
    agency: Agency
    loads: list[Load]


@gated
@require_GET
def unit(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, Official)
    heads = Appointment.objects.filter(official=user, role__in=HEAD_ROLES).select_related("agency")
    agencies = sorted({a.agency for a in heads}, key=lambda a: a.name)
    if not agencies:
        raise NotFound(_("The unit overview is kept for heads of units."), code="not_found")
    now = clock.now()
    rows = (
        visible_cases(user)
        .filter(investigation_unit__in=agencies, stage__in=OPEN_STAGES)
        .order_by()
        .values("investigation_unit", "lead_investigator")
        .annotate(
            cases=Count("pk"),
            overdue=Count("pk", filter=Q(next_due_at__lt=now)),
            nearest=Min("next_due_at"),
        )
    )
    names = {
        o.pk: o.get_full_name() or o.username
        for o in Official.objects.filter(pk__in={r["lead_investigator"] for r in rows})
    }
    units = []
    for agency in agencies:
        loads = [
            Load(names.get(r["lead_investigator"], ""), r["cases"], r["overdue"], r["nearest"])
            for r in rows
            if r["investigation_unit"] == agency.pk
        ]
        loads.sort(key=lambda load: (-load.overdue, load.investigator == "", load.investigator))
        units.append(Unit(agency, loads))
    access_log(
        user, surface=Surface.WEB, action="view_unit", detail={"units": [a.pk for a in agencies]}
    )
    return render(request, "web/unit.html", {"units": units})
