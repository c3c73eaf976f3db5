"""A covert compartment in the web UI, for the officials named on it (everyone else gets the
404 page, as for a compartment that does not exist): its covert actions, the requests awaiting
a decision and their clocks, its acts with their documents and signatures — the decision of
the official whose decision is awaited (the investigating judge's sanction), and the acts
recorded inside it (an extension, the end, the report) for those who may perform them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from tergeu.access.gate import access_compartment
from tergeu.access.models import Surface
from tergeu.accounts.models import Official
from tergeu.cases import law
from tergeu.cases.compartments import part_load
from tergeu.cases.law import awaiting, deadline_explain
from tergeu.cases.models import Compartment, Participant
from tergeu.documents import selectors as documents
from tergeu.documents.services import language_or_default
from tergeu.errors import AppError, NotFound
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.journal.services import act_append, compartment_acts_open
from tergeu.persons.models import Person
from tergeu.signing import acts as signing
from tergeu.web import timeline
from tergeu.web.forms import ACT_FORMS, ActForm
from tergeu.web.views import (
    DECISIONS,
    INVALID,
    document_response,
    gated,
    role_label,
    sign_and_return,
)

# The states of a covert action (tergeu.procedure.state.Covert.status).
COVERT_STATES = {
    "requested": gettext_lazy("requested"),
    "running": gettext_lazy("running"),
    "refused": gettext_lazy("refused"),
    "ended": gettext_lazy("ended"),
    "notified": gettext_lazy("person notified"),
}


@dataclass(frozen=True)
class CovertRow:
    seq: int
    item: int
    target: str
    state: str
    until: Any


@dataclass(frozen=True)
class Request:
    """A request of the compartment awaiting a decision, with the form to decide it."""

    label: str
    seq: int
    decision: str
    role: str
    due_at: Any
    form: ActForm


def _user(request: HttpRequest) -> Official:
    user = request.user
    assert isinstance(user, Official)
    return user


def _compartment(request: HttpRequest, case_id: int, number: int, action: str) -> Compartment:
    return access_compartment(
        _user(request), case_id=case_id, number=number, surface=Surface.WEB, action=action
    )


def _page(
    request: HttpRequest,
    compartment: Compartment,
    *,
    bound: tuple[int, ActForm] | None = None,
    act_form: ActForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    case = compartment.case
    opened = compartment_acts_open(user, compartment)
    # A refused form stays on the page, with its error, even if the act is no longer open.
    act_forms = [
        act_form if act_form is not None and act_form.kind == kind else ACT_FORMS[kind](case=case)
        for kind in ACT_FORMS
        if kind in opened or (act_form is not None and act_form.kind == kind)
    ]
    part = part_load(compartment)
    decision_form = ACT_FORMS["decision"]
    requests = [
        Request(
            str(KINDS[a.kind].label) if a.kind in KINDS else a.kind,
            a.request,
            str(DECISIONS.get(a.decision, a.decision)),
            role_label(a.role),
            a.due_at,
            bound[1]
            if bound is not None and bound[0] == a.request
            else decision_form(case=case, prefix=f"r{a.request}", initial={"request": a.request}),
        )
        for a in awaiting(part)
    ]
    acts = list(
        Act.objects.filter(compartment=compartment)
        .defer("canonical", "signatures")
        .order_by("-seq")
    )
    language = language_or_default(None)
    states = signing.signing_states(user, acts, language)
    participants = list(case.participants.select_related("person", "legal_entity"))
    rows = [
        replace(row, signatures=states[act.pk].signatures, sign_due=states[act.pk].due)
        for row, act in zip(timeline.act_rows(case, acts, participants), acts, strict=True)
    ]
    targets = _person_names({c.target for c in part.covert.values()}, participants)
    context = {
        "case": case,
        "compartment": compartment,
        "covert": [
            CovertRow(
                c.seq,
                c.item,
                targets[c.target],
                str(COVERT_STATES.get(c.status, c.status)),
                c.until,
            )
            for c in part.covert.values()
        ],
        "members": [
            (m.official.get_full_name() or m.official.username, role_label(m.role))
            for m in compartment.members.select_related("official").order_by("since", "id")
        ],
        "deadline_rows": [
            (d, deadline_explain(d)) for d in compartment.deadlines.order_by("due_at")
        ],
        "requests": requests,
        "act_forms": [(KINDS[f.kind].label, f) for f in act_forms],
        "rows": rows,
        "document_language": language,
        "sign_on_server": bool(settings.TERGEU_SIGNING_SERVER_KEYS),
    }
    return render(request, "web/compartment.html", context, status=status)


@gated
@require_GET
def compartment(request: HttpRequest, case_id: int, number: int) -> HttpResponse:
    return _page(request, _compartment(request, case_id, number, "view_compartment"))


@gated
@require_POST
def decide(request: HttpRequest, case_id: int, number: int, seq: int) -> HttpResponse:
    """Decide request `seq` of the compartment (grant, refuse, shorten)."""
    user = _user(request)
    compartment = _compartment(request, case_id, number, "append_act")
    data = request.POST.copy()
    data[f"r{seq}-request"] = str(seq)  # the request is the one in the address
    form = ACT_FORMS["decision"](data, case=compartment.case, prefix=f"r{seq}")
    if not form.is_valid():
        return _page(request, compartment, bound=(seq, form), status=INVALID)
    payload = {**form.payload(), "request": seq}
    try:
        act = act_append(
            case=compartment.case,
            compartment=compartment,
            kind="decision",
            payload=payload,
            actor=user,
        )
    except AppError as exc:
        form.add_error(None, exc.message)
        return _page(request, compartment, bound=(seq, form), status=exc.status)
    messages.success(request, _("Decision recorded: act no. %(seq)d.") % {"seq": act.seq})
    return redirect(reverse("web:compartment", args=[case_id, number]))


@gated
@require_POST
def act_new(request: HttpRequest, case_id: int, number: int, kind: str) -> HttpResponse:
    """Record an act inside the compartment (an extension, the end, the report…)."""
    user = _user(request)
    compartment = _compartment(request, case_id, number, "append_act")
    if kind not in ACT_FORMS or law.compartment_place(kind) != "inside":
        raise NotFound(_("No such act kind."), code="unknown_act_kind")
    form = ACT_FORMS[kind](request.POST, case=compartment.case)
    if not form.is_valid():
        return _page(request, compartment, act_form=form, status=INVALID)
    try:
        act = act_append(
            case=compartment.case,
            compartment=compartment,
            kind=kind,
            payload=form.payload(),
            actor=user,
        )
    except AppError as exc:
        form.add_error(None, exc.message)
        return _page(request, compartment, act_form=form, status=exc.status)
    messages.success(request, _("Recorded: %(kind)s.") % {"kind": KINDS[kind].label})
    return redirect(reverse("web:compartment", args=[case_id, number]) + f"#act-{act.seq}")


@gated
@require_GET
def act_document(request: HttpRequest, case_id: int, number: int, seq: int) -> HttpResponse:
    document = documents.compartment_act_document(
        _user(request),
        case_id=case_id,
        number=number,
        seq=seq,
        language=language_or_default(request.GET.get("lang")),
        surface=Surface.WEB,
    )
    return document_response(document)


@gated
@require_POST
def act_sign(request: HttpRequest, case_id: int, number: int, seq: int) -> HttpResponse:
    """Sign a covert act's document with the key kept on the server."""
    user = _user(request)
    language = language_or_default(request.POST.get("lang"))
    readable = documents.compartment_act(
        user,
        case_id=case_id,
        number=number,
        seq=seq,
        surface=Surface.WEB,
        action="sign_document",
        detail={"seq": seq, "lang": language},
    )
    page = reverse("web:compartment", args=[case_id, number])
    return sign_and_return(request, user, readable.act, language, page)


def _person_names(parties: set[str], participants: list[Participant]) -> dict[str, str]:
    """Each party (iin:…) as its name and IIN: from the case's participants, else the register
    of persons (a person watched need not be a participant yet)."""
    names = {
        p.party: f"{p.person or p.legal_entity} ({p.party[4:]})"
        for p in participants
        if p.party in parties
    }
    missing = [party[4:] for party in parties - names.keys() if party.startswith("iin:")]
    for person in Person.objects.filter(iin__in=missing):
        names[f"iin:{person.iin}"] = f"{person} ({person.iin})"
    return {party: names.get(party, party) for party in parties}
