"""Evidence in the web UI: the case's items (for its defence, those whose seizure was disclosed
to it), an item's page with its chain of custody and the steps its reader may take now, the
seizure form and each item's label. Every step is the evidence service's, as in the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tergeu.access.gate import access_case, access_log
from tergeu.access.models import Surface
from tergeu.accounts.models import Official
from tergeu.cases.law import pack
from tergeu.cases.models import Case
from tergeu.defence.disclosure import defence_view
from tergeu.errors import AppError, NotFound
from tergeu.evidence import services
from tergeu.evidence.labels import evidence_label
from tergeu.evidence.models import CLOSED_CUSTODY, EvidenceItem, Nature
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.journal.services import act_kinds_open
from tergeu.web import timeline
from tergeu.web.forms import PackActForm, pack_form
from tergeu.web.views import INVALID, gated

SEIZURE = "evidence_seizure"


class SeizureForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    nature = forms.ChoiceField(label=gettext_lazy("Nature"), choices=Nature.choices)
    place = forms.CharField(label=gettext_lazy("Where it was seized"), max_length=300)
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy("A digital item is seized with its file; a physical one without."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "seizure")
        super().__init__(*args, **kwargs)


def _step_form(step: str, kind: str) -> type[PackActForm]:
    """The fields of a step's act, as the pack declares them (the item's number aside)."""
    spec = {k: v for k, v in pack().acts[kind][-1].payload.items() if k != "number"}
    return pack_form(kind, spec)


STEP_FORMS: dict[str, type[PackActForm]] = {
    step: _step_form(step, kind) for step, (kind, _custody) in services.STEPS.items()
}


def _user(request: HttpRequest) -> Official:
    assert isinstance(request.user, Official)
    return request.user


def _item(user: Official, case: Case, number: int) -> EvidenceItem:
    item = services.evidence_visible(user, case).filter(number=number).first()
    if item is None:
        raise NotFound(
            _("No such item of evidence."), code="evidence_not_found", details={"number": number}
        )
    return item


@gated
@require_http_methods(["GET", "POST"])
def seize(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _user(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="append_act")
    form = SeizureForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                item = services.evidence_seize(
                    case=case,
                    actor=user,
                    description=form.cleaned_data["description"],
                    nature=form.cleaned_data["nature"],
                    place=form.cleaned_data["place"],
                    stream=upload,
                    filename=(upload.name or "file") if upload is not None else "",
                )
            except AppError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(
                    request, _("Item %(number)d of evidence recorded.") % {"number": item.number}
                )
                return redirect(reverse("web:evidence_item", args=[case.pk, item.number]))
    context = {"case": case, "form": form, "label": KINDS[SEIZURE].label}
    return render(request, "web/evidence_seize.html", context, status=status)


@gated
@require_GET
def item(request: HttpRequest, case_id: int, number: int) -> HttpResponse:
    user = _user(request)
    case = access_case(
        user,
        case_id=case_id,
        surface=Surface.WEB,
        action="view_evidence",
        detail={"number": number},
    )
    return _item_page(request, user, case, _item(user, case, number))


def _item_page(
    request: HttpRequest,
    user: Official,
    case: Case,
    item: EvidenceItem,
    *,
    bound: tuple[str, PackActForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    allowed = act_kinds_open(user, case) if item.custody not in CLOSED_CUSTODY else set()
    steps = []
    for step, (kind, _custody) in services.STEPS.items():
        if kind not in allowed and (bound is None or bound[0] != step):
            continue
        form = bound[1] if bound is not None and bound[0] == step else STEP_FORMS[step](case=case)
        steps.append((step, KINDS[kind].label, form))
    # The chain of custody from the journal, for the case's officials; its defence sees the
    # item as it stands (the acts disclosed to it are on the case page).
    chain: list[timeline.ActRow] = []
    if defence_view(user, case) is None:
        acts = list(
            Act.objects.filter(
                case=case,
                compartment__isnull=True,
                kind__in=services.SERVICE_KINDS,
                payload__number=item.number,
            )
            .defer("canonical", "signatures")
            .order_by("seq")
        )
        chain = timeline.act_rows(case, acts, [])
    context = {"case": case, "item": item, "chain": chain, "steps": steps}
    return render(request, "web/evidence_item.html", context, status=status)


@gated
@require_POST
def step(request: HttpRequest, case_id: int, number: int, step: str) -> HttpResponse:
    user = _user(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="append_act")
    item = _item(user, case, number)
    if step not in STEP_FORMS:
        raise NotFound(_("Unknown step of the chain of custody."), code="invalid_step")
    form = STEP_FORMS[step](request.POST, case=case)
    status = INVALID
    if form.is_valid():
        try:
            services.evidence_step(
                case=case, actor=user, number=number, step=step, fields=form.payload()
            )
        except AppError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Recorded: %(kind)s.") % {"kind": KINDS[form.kind].label})
            return redirect(reverse("web:evidence_item", args=[case.pk, number]))
    return _item_page(request, user, case, item, bound=(step, form), status=status)


@gated
@require_GET
def label(request: HttpRequest, case_id: int, number: int) -> HttpResponse:
    user = _user(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="view_evidence")
    found = _item(user, case, number)
    access_log(
        user, case=case, surface=Surface.WEB, action="evidence_label", detail={"number": number}
    )
    response = HttpResponse(evidence_label(found), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="{case.register_number}-evidence-{number}.pdf"'
    )
    return response
