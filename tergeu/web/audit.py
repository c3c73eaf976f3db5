"""The access audit in the browser: who read a case (its procedural prosecutor and auditors),
the auditor's workspace (a case by its register number, and the latest break-glass grants), and
the break-glass form for an official who must read a case outside their team."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tergeu.access.breakglass import MAY_BREAK_GLASS, REASON_MAX, break_glass_open
from tergeu.access.gate import access_log, holds_role
from tergeu.access.models import BreakGlass, Surface
from tergeu.access.readers import case_readers, is_auditor
from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.errors import AppError, Forbidden, NotFound
from tergeu.registry.numbers import REGISTER_NUMBER
from tergeu.web.views import gated

GRANTS_SHOWN = 100


def _user(request: HttpRequest) -> Official:
    user = request.user
    assert isinstance(user, Official)
    return user


def may_break_glass(user: Official) -> bool:
    return any(holds_role(user, role) for role in MAY_BREAK_GLASS)


@gated
@require_GET
def readers(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        found = case_readers(_user(request), case_id=case_id, surface=Surface.WEB)
    except Forbidden as exc:
        return render(request, "404.html", {"message": exc.message}, status=403)
    return render(request, "web/readers.html", {"found": found})


class FindCase(forms.Form):
    register_number = forms.RegexField(
        label=gettext_lazy("Register number"),
        regex=REGISTER_NUMBER,
        max_length=32,
        error_messages={"invalid": gettext_lazy("A register number is 6 to 32 digits.")},
    )


@gated
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    """The auditor's workspace: find a case's access log by its register number; the latest
    break-glass grants everywhere."""
    user = _user(request)
    if not is_auditor(user):
        raise NotFound(_("The audit is kept for auditors."), code="not_found")
    form = FindCase(request.GET or None)
    if form.is_valid():
        number = form.cleaned_data["register_number"]
        case = Case.objects.filter(register_number=number).only("pk").first()
        if case is not None:
            return redirect("web:readers", case_id=case.pk)
        form.add_error("register_number", _("No case has this register number."))
    if form.is_bound:  # a number refused: nothing else is read
        return render(request, "web/audit.html", {"form": form, "grants": []}, status=422)
    grants = list(
        BreakGlass.objects.select_related("official", "case").order_by("-granted_at")[:GRANTS_SHOWN]
    )
    access_log(user, surface=Surface.WEB, action="view_audit", detail={"grants": len(grants)})
    return render(request, "web/audit.html", {"form": form, "grants": grants})


class BreakGlassForm(forms.Form):
    register_number = forms.CharField(label=gettext_lazy("Register number"), max_length=32)
    reason = forms.CharField(
        label=gettext_lazy("Why the case must be read now"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REASON_MAX,
        help_text=gettext_lazy(
            "The supervising prosecutor is told at once; every read is marked in the access log."
        ),
    )


@gated
@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_break_glass(user):
        raise NotFound(_("Cases are opened urgently only by officials."), code="not_found")
    form = BreakGlassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                grant = break_glass_open(
                    official=user,
                    register_number=form.cleaned_data["register_number"],
                    reason=form.cleaned_data["reason"],
                    surface=Surface.WEB,
                )
            except AppError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                return redirect("web:case", case_id=grant.case_id)
    context = {"form": form, "hours": settings.TERGEU_BREAK_GLASS_HOURS}
    return render(request, "web/break_glass.html", context, status=status)
