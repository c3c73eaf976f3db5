"""The executing institution's execution orders (a colony, a probation service, the bailiffs):
the sentences sent to it, those awaiting its confirmation first; anyone else gets the 404 page."""

from __future__ import annotations

from django.db.models import Case as Choose
from django.db.models import When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tergeu.access.gate import access_log, visible_cases
from tergeu.access.models import Surface
from tergeu.accounts.models import EXECUTING_AGENCIES, Appointment, Official
from tergeu.cases.models import Stage
from tergeu.errors import NotFound
from tergeu.web.views import gated


@gated
@require_GET
def execution_orders(request: HttpRequest) -> HttpResponse:
    """The execution orders sent to my institution (a colony, a probation service, the
    bailiffs): those awaiting confirmation first. The confirmation is an act of the case page."""
    user = request.user
    assert isinstance(user, Official)
    mine = Appointment.objects.filter(official=user, role__in=EXECUTING_AGENCIES)
    agencies = list(mine.values_list("agency_id", flat=True))
    if not agencies:
        raise NotFound(_("Execution orders are kept for executing institutions."), code="not_found")
    cases = list(
        visible_cases(user)
        .filter(execution_institution_id__in=agencies)
        .select_related("execution_institution")
        # Those awaiting confirmation (still at the execution stage) first.
        .order_by(Choose(When(stage=Stage.EXECUTION, then=0), default=1), "-registered_at")[:200]
    )
    access_log(
        user,
        surface=Surface.WEB,
        action="list_execution_orders",
        detail={"case_ids": [c.pk for c in cases]},
    )
    return render(request, "web/execution.html", {"cases": cases})
