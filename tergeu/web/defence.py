"""The defence lawyer's workspace: my clients and their cases, entering a case by a notice of
defence, filing motions and following them. A lawyer sees a case only through the acts
disclosed to the defence (the case page applies it); anyone who is not a defence lawyer gets
the 404 page here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tergeu.access.gate import access_case, access_log
from tergeu.access.models import Surface
from tergeu.accounts.models import Appointment, Official, Role
from tergeu.cases.law import pack
from tergeu.cases.models import Case
from tergeu.defence import services
from tergeu.defence.models import DefenceAdmission
from tergeu.errors import AppError, NotFound
from tergeu.journal.models import Act
from tergeu.procedure.pack import choices
from tergeu.web.forms import IIN
from tergeu.web.views import INVALID, gated

MATTERS = {
    "documents": gettext_lazy("documents"),
    "expertise": gettext_lazy("an expert examination"),
    "investigative_action": gettext_lazy("an investigative action"),
    "measure": gettext_lazy("a measure of restraint"),
    "other": gettext_lazy("other"),
}


class NoticeForm(forms.Form):
    register_number = forms.CharField(label=gettext_lazy("Register number"), max_length=15)
    client_iin = forms.CharField(
        label=gettext_lazy("Client's IIN"), max_length=12, validators=[IIN]
    )


class MotionForm(forms.Form):
    matter = forms.ChoiceField(
        label=gettext_lazy("Matter"),
        # The matters the pack allows for a motion of the defence.
        choices=[
            (value, MATTERS.get(value, value))
            for value in choices(dict(pack().acts["motion"][-1].payload)["matter"][0])
        ],
    )
    text = forms.CharField(
        label=gettext_lazy("Motion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


@dataclass(frozen=True)
class Motion:
    seq: int
    matter: str
    performed_at: Any
    outcome: str  # "granted", "refused" or "" (awaiting the decision)


@dataclass(frozen=True)
class Client:
    admission: DefenceAdmission
    motions: list[Motion]
    form: MotionForm


def _lawyer(request: HttpRequest) -> Official:
    user = request.user
    assert isinstance(user, Official)
    if not Appointment.objects.filter(official=user, role=Role.DEFENCE_LAWYER).exists():
        raise NotFound(_("The defence workspace is kept for defence lawyers."), code="not_found")
    return user


def _clients(user: Official, bound: tuple[int, MotionForm] | None) -> list[Client]:
    admissions = list(
        DefenceAdmission.objects.filter(lawyer=user, until__isnull=True)
        .select_related("case")
        .order_by("case__register_number", "party")
    )
    motions = Act.objects.filter(
        Q(case_id__in=[a.case_id for a in admissions]),
        compartment__isnull=True,
        kind="motion",
        actor=user,
    ).order_by("seq")
    decisions = {
        (case_id, payload.get("motion")): str(payload.get("outcome", ""))
        for case_id, payload in Act.objects.filter(
            case_id__in=[a.case_id for a in admissions],
            compartment__isnull=True,
            kind="motion_decision",
        ).values_list("case_id", "payload")
    }
    filed: dict[tuple[int, str], list[Motion]] = {}
    for act in motions:
        filed.setdefault((act.case_id, act.payload.get("party", "")), []).append(
            Motion(
                act.seq,
                str(MATTERS.get(act.payload.get("matter", ""), act.payload.get("matter", ""))),
                act.performed_at,
                decisions.get((act.case_id, act.seq), ""),
            )
        )
    return [
        Client(
            admission,
            filed.get((admission.case_id, admission.party), []),
            bound[1]
            if bound is not None and bound[0] == admission.pk
            else MotionForm(prefix=f"m{admission.pk}"),
        )
        for admission in admissions
    ]


def _page(
    request: HttpRequest,
    user: Official,
    *,
    notice: NoticeForm | None = None,
    bound: tuple[int, MotionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    clients = _clients(user, bound)
    access_log(
        user,
        surface=Surface.WEB,
        action="list_clients",
        detail={"case_ids": sorted({c.admission.case_id for c in clients})},
    )
    context = {"clients": clients, "notice": notice or NoticeForm(prefix="notice")}
    return render(request, "web/defence.html", context, status=status)


@gated
@require_http_methods(["GET", "POST"])
def defence(request: HttpRequest) -> HttpResponse:
    """My clients and their cases; POST enters a case by a notice of defence."""
    user = _lawyer(request)
    if request.method != "POST":
        return _page(request, user)
    notice = NoticeForm(request.POST, prefix="notice")
    if not notice.is_valid():
        return _page(request, user, notice=notice, status=INVALID)
    try:
        admission = services.defence_notice_file(
            lawyer=user,
            register_number=notice.cleaned_data["register_number"],
            client_iin=notice.cleaned_data["client_iin"],
        )
    except AppError as exc:
        notice.add_error(None, exc.message)
        return _page(request, user, notice=notice, status=exc.status)
    messages.success(request, _("You are admitted to the case as defender."))
    return redirect(reverse("web:case", args=[admission.case_id]))


@gated
@require_http_methods(["POST"])
def motion(request: HttpRequest, admission_id: int) -> HttpResponse:
    """File a motion for a client (the body decides it within 3 days)."""
    user = _lawyer(request)
    admission = DefenceAdmission.objects.filter(
        pk=admission_id, lawyer=user, until__isnull=True
    ).first()
    if admission is None:
        raise NotFound(_("No such client."), code="not_found")
    case: Case = access_case(
        user, case_id=admission.case_id, surface=Surface.WEB, action="file_motion"
    )
    form = MotionForm(request.POST, prefix=f"m{admission.pk}")
    if not form.is_valid():
        return _page(request, user, bound=(admission.pk, form), status=INVALID)
    try:
        filed = services.motion_file(
            case=case,
            lawyer=user,
            party=admission.party,
            matter=form.cleaned_data["matter"],
            text=form.cleaned_data["text"],
        )
    except AppError as exc:
        form.add_error(None, exc.message)
        return _page(request, user, bound=(admission.pk, form), status=exc.status)
    messages.success(request, _("Motion filed: act no. %(seq)d.") % {"seq": filed.seq})
    return redirect("web:defence")
