"""The web UI. Each view passes the access gate, validates a form, calls one service and
responds; a refused command comes back as the form's error, never as a server error. A case or
report the user may not see is "not found", never "forbidden", as everywhere else."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tergeu import clock
from tergeu.access.breakglass import MAY_BREAK_GLASS
from tergeu.access.gate import (
    access_case,
    access_log,
    access_report,
    by_break_glass,
    holds_role,
    visible_cases,
    visible_reports,
)
from tergeu.access.models import BreakGlass, Surface
from tergeu.accounts.models import Official, Role
from tergeu.attachments.selectors import attachment_download
from tergeu.attachments.services import attachment_add
from tergeu.cases import selectors
from tergeu.cases.awaited import queue
from tergeu.cases.compartments import compartments_of
from tergeu.cases.law import deadline_explain
from tergeu.cases.models import Case, Participant
from tergeu.cases.services import participant_admit
from tergeu.cases.supervision import prosecutor_paths, supervised_cases, supervision_rows
from tergeu.defence.disclosure import defence_view, detail_disclosed
from tergeu.documents import selectors as documents
from tergeu.documents.services import language_or_default
from tergeu.errors import AppError, NotFound
from tergeu.evidence.services import evidence_visible
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.journal.services import act_append, act_kinds_open, acts_judged
from tergeu.notifications.selectors import inbox
from tergeu.notifications.services import notifications_mark_read
from tergeu.persons.models import Person
from tergeu.procedure.state import from_json
from tergeu.registry import services as registry
from tergeu.registry.models import CrimeReport, RefusalGround, ReportDecision, ReportStatus
from tergeu.signing import acts as signing
from tergeu.signing.acts import signing_states
from tergeu.web import timeline
from tergeu.web.context import landing
from tergeu.web.forms import (
    ACT_FORMS,
    DECISION_FORMS,
    ActForm,
    AttachmentForm,
    CaseSearchForm,
    ForwardForm,
    ParticipantForm,
    RefuseForm,
    RegisterForm,
    ReportForm,
    TransferForm,
    choice_label,
    decision_form,
)

View = Callable[..., HttpResponseBase]
# A form that failed validation; a refused command answers with the status of its AppError.
INVALID = 422


def gated(view: View) -> View:
    """Sign-in required; a `NotFound` from the gate becomes the 404 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return render(request, "404.html", {"message": exc.message}, status=404)

    return login_required(wrapper)


class SignIn(LoginView):
    """The sign-in page; without a page asked for, the person lands on their role's workspace
    (the defence lawyer on their clients, the trial judge on their court, …)."""

    def get_default_redirect_url(self) -> str:
        user = self.request.user
        return landing(user) if isinstance(user, Official) else super().get_default_redirect_url()


def _official(request: HttpRequest) -> Official:
    user = request.user
    assert isinstance(user, Official)  # `gated` has sent everyone else to the login page
    return user


@gated
@require_GET
def my_queue(request: HttpRequest) -> HttpResponse:
    """The requests awaiting my agreement, approval or sanction, the most urgent first."""
    user = _official(request)
    rows = list(queue(user).filter(case__in=visible_cases(user))[:200])
    access_log(
        user,
        surface=Surface.WEB,
        action="view_queue",
        detail={"case_ids": sorted({r.case_id for r in rows})},
    )
    items = [(r, KINDS[r.kind].label, DECISIONS[r.decision]) for r in rows]
    # The decisions I took (the judge's history): in the cases I see and the compartments
    # naming me.
    decided = list(
        Act.objects.filter(actor=user, kind="decision")
        .filter(
            Q(compartment__isnull=True, case__in=visible_cases(user))
            | Q(compartment__members__official=user)
        )
        .select_related("case", "compartment")
        .defer("canonical", "signatures", "case__procedure")
        .order_by("-recorded_at")[:HISTORY]
    )
    if decided:
        access_log(
            user,
            surface=Surface.WEB,
            action="view_decisions",
            detail={"acts": [[a.case_id, a.compartment_id, a.seq] for a in decided]},
        )
    history = [(act, choice_label(str(act.payload.get("outcome", "")))) for act in decided]
    return render(request, "web/queue.html", {"items": items, "history": history})


HISTORY = 30  # the decisions shown under the queue


@gated
@require_http_methods(["GET", "POST"])
def my_inbox(request: HttpRequest) -> HttpResponse:
    """My notifications, newest first; POST marks them all read."""
    user = _official(request)
    if request.method == "POST":
        marked = notifications_mark_read(actor=user)
        messages.success(
            request,
            ngettext(
                "%(count)d notification marked read.",
                "%(count)d notifications marked read.",
                marked,
            )
            % {"count": marked},
        )
        return redirect("web:my_inbox")
    page = Paginator(inbox(user), timeline.PAGE).get_page(request.GET.get("page"))
    return render(request, "web/inbox.html", {"page": page})


class SupervisionFilter(forms.Form):
    overdue = forms.BooleanField(label=gettext_lazy("Deadline overdue"), required=False)
    detained = forms.BooleanField(label=gettext_lazy("Detained or in custody"), required=False)
    covert = forms.BooleanField(label=gettext_lazy("Covert actions naming me"), required=False)


@gated
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """The prosecutor's supervision list: every case of my offices and the offices below them,
    the nearest deadline first, with its risks; filtered by overdue deadlines, persons deprived
    of liberty, covert actions that name me."""
    user = _official(request)
    paths = prosecutor_paths(user)
    if not paths:
        raise NotFound(_("The supervision list is kept for prosecutors."), code="not_found")
    chosen = SupervisionFilter(request.GET)
    wanted = chosen.cleaned_data if chosen.is_valid() else {}
    now = clock.now()
    cases = supervised_cases(
        user,
        paths,
        now=now,
        overdue=bool(wanted.get("overdue")),
        detained=bool(wanted.get("detained")),
        covert=bool(wanted.get("covert")),
    )
    page = Paginator(cases, timeline.PAGE).get_page(request.GET.get("page"))
    rows = supervision_rows(list(page.object_list), now=now, user=user)
    access_log(
        user,
        surface=Surface.WEB,
        action="list_supervision",
        detail={**wanted, "case_ids": [row.case.pk for row in rows]},
    )
    return render(request, "web/supervision.html", {"filters": chosen, "page": page, "rows": rows})


@gated
@require_GET
def my_cases(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    search = CaseSearchForm(request.GET)
    query = search.cleaned_data if search.is_valid() else {"q": "", "stage": ""}
    # The most urgent first: the nearest running deadline, then the cases without one.
    cases = (
        visible_cases(user)
        # A lawyer finds cases by number and summary only: a name or an IIN could reveal a
        # participant not disclosed to the defence.
        .search(query["q"], people=not holds_role(user, Role.DEFENCE_LAWYER))
        .select_related("investigation_unit")
        .order_by(F("next_due_at").asc(nulls_last=True), "-registered_at", "-id")
    )
    if query["stage"]:
        cases = cases.filter(stage=query["stage"])
    page = Paginator(cases, timeline.PAGE).get_page(request.GET.get("page"))
    access_log(
        user,
        surface=Surface.WEB,
        action="list_cases",
        detail={
            "q": query["q"],
            "stage": query["stage"],
            "page": page.number,
            "case_ids": [case.pk for case in page.object_list],
        },
    )
    reports = (
        visible_reports(user)
        .filter(status=ReportStatus.RECEIVED)
        .select_related("agency", "applicant_person", "applicant_entity")
        .order_by("received_at")
    )
    context = {
        "search": search,
        "page": page,
        "may_break_glass": any(holds_role(user, role) for role in MAY_BREAK_GLASS),
        "reports": reports[: timeline.PAGE],
        "may_receive": registry.intake_agencies(user).exists(),
    }
    return render(request, "web/my_cases.html", context)


@gated
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    user = _official(request)
    form = ReportForm(request.POST if request.method == "POST" else None, official=user)
    status = 200
    alike: list[CrimeReport] = []
    if form.is_bound:
        status = INVALID
        if form.is_valid() and not form.cleaned_data["duplicate_confirmed"]:
            alike = list(
                registry.reports_alike(
                    visible_reports(user).select_related("agency"),
                    applicant_iin=form.cleaned_data["iin"],
                    place=form.cleaned_data["event_place"],
                    at=form.cleaned_data["event_time"],
                )[:5]
            )
            if alike:
                status = 200  # nothing wrong: the registrar is asked, and nothing is written
        if form.is_valid() and not alike:
            try:
                report = _report_receive(user, form)
            except AppError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The report is entered in the book (КУИ)."))
                return redirect("web:report", report_id=report.pk)
    context = {
        "form": form,
        "alike": alike,
        "may_receive": registry.intake_agencies(user).exists(),
    }
    return render(request, "web/report_new.html", context, status=status)


def _report_receive(user: Official, form: ReportForm) -> CrimeReport:
    data = form.cleaned_data
    return registry.report_intake(
        agency=data["agency"],
        received_by=user,
        source=data["source"],
        summary=data["summary"],
        applicant=form.applicant(),
        event_place=data["event_place"],
        event_time=data["event_time"],
    )


@gated
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, report_id: int) -> HttpResponse:
    user = _official(request)
    crime_report = access_report(user, report_id=report_id, surface=Surface.WEB)
    if request.method == "GET":
        return _report_page(request, user, crime_report)
    decision = request.POST.get("decision", "")
    if decision not in DECISION_FORMS:
        messages.error(request, _("Choose a decision."))
        return _report_page(request, user, crime_report, status=400)
    form = decision_form(decision, crime_report.agency, request.POST)
    status = INVALID
    if form.is_valid():
        try:
            case = _decide(crime_report, user, form)
        except AppError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            if case is not None:
                messages.success(request, _("Registered as case %(number)s.") % {"number": case})
                return redirect("web:case", case_id=case.pk)
            messages.success(request, _("The decision is recorded."))
            return redirect("web:report", report_id=crime_report.pk)
    return _report_page(request, user, crime_report, bound=form, status=status)


def _decide(report: CrimeReport, user: Official, form: forms.Form) -> Case | None:
    data = form.cleaned_data
    if isinstance(form, RegisterForm):
        return registry.report_register(
            report=report, actor=user, qualification=form.qualification(), summary=data["summary"]
        )
    if isinstance(form, ForwardForm):
        registry.report_forward(
            report=report,
            actor=user,
            status=data["status"],
            addressee=data["addressee"],
            reasons=data["reasons"],
        )
    elif isinstance(form, RefuseForm):
        registry.report_refuse(
            report=report, actor=user, ground=data["ground"], reasons=data["reasons"]
        )
    elif isinstance(form, TransferForm):
        registry.report_transfer(
            report=report, actor=user, to_agency=data["to_agency"], reasons=data["reasons"]
        )
    return None


def _report_page(
    request: HttpRequest,
    user: Official,
    report: CrimeReport,
    *,
    bound: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    may_decide = (
        report.status == ReportStatus.RECEIVED
        and registry.intake_agencies(user).filter(pk=report.agency_id).exists()
    )
    # A refused decision stays on the page with its error, even when no decision is open now.
    decision_forms: list[forms.Form] = [bound] if bound is not None else []
    if may_decide:
        decision_forms = [
            bound
            if bound is not None and type(bound) is form_class
            else decision_form(code, report.agency)
            for code, form_class in DECISION_FORMS.items()
        ]
    decision = (
        ReportDecision.objects.filter(report=report)
        .select_related("decided_by", "to_agency")
        .first()
    )
    context = {
        "report": report,
        "decision": decision,
        "ground_label": RefusalGround(decision.ground).label
        if decision is not None and decision.ground in RefusalGround.values
        else "",
        "decision_forms": decision_forms,
        "bound": bound,
    }
    return render(request, "web/report.html", context, status=status)


@gated
@require_GET
def case(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _official(request)
    return _case_page(request, user, access_case(user, case_id=case_id, surface=Surface.WEB))


@gated
@require_GET
def journal(request: HttpRequest, case_id: int) -> HttpResponse:
    """Older acts: rows for htmx's "load older", or a whole page when JavaScript is off."""
    user = _official(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="view_journal")
    raw = request.GET.get("before_seq", "")
    before_seq = int(raw) if raw.isdigit() else None
    acts = timeline.journal_page(case, reader=user, before_seq=before_seq)
    participants = _detail(user, case).participants
    context = {"case": case, **_timeline(user, case, acts, participants)}
    partial = request.headers.get("HX-Request") == "true"
    template = "web/_timeline_rows.html" if partial else "web/journal.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@gated
@require_http_methods(["GET", "POST"])
def act_new(request: HttpRequest, case_id: int, kind: str) -> HttpResponse:
    if kind not in ACT_FORMS:
        raise NotFound(_("No such act kind."), code="unknown_act_kind")
    user = _official(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="append_act")
    if request.method == "GET":
        return _form_page(request, case, act_kinds_open(user, case), kind=kind)
    form = ACT_FORMS[kind](request.POST, case=case)
    status = INVALID
    if form.is_valid():
        try:
            _append(case, user, form)
        except AppError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("Recorded: %(kind)s.") % {"kind": KINDS[kind].label})
            return redirect(reverse("web:case", args=[case.pk]) + "#journal")
    return _case_page(request, user, case, bound=form, status=status)


def _form_page(request: HttpRequest, case: Case, allowed: set[str], *, kind: str) -> HttpResponse:
    """One act form, unbound: the fragment htmx puts into the case page, or a page of its own
    when JavaScript is off."""
    if kind not in allowed:
        return render(
            request,
            "404.html",
            {"message": _("Your role does not allow this act on this case.")},
            status=403,
        )
    if kind == "attachment":
        context: dict[str, Any] = {"case": case, "attachment_form": AttachmentForm()}
        context["label"] = KINDS[kind].label
        partial = "web/_attachment_form.html"
    else:
        # Fields may come filled from the link that opened the form (?request=7: the request
        # a decision is on); the form checks them as any input when it is sent.
        form_class = ACT_FORMS[kind]
        initial = {k: v for k, v in request.GET.items() if k in form_class.base_fields}
        form = form_class(case=case, initial=initial)
        context = {"case": case, "form": form, "label": KINDS[kind].label}
        partial = "web/_act_form.html"
    htmx = request.headers.get("HX-Request") == "true"
    response = render(request, partial if htmx else "web/act_form.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _append(case: Case, user: Official, form: ActForm) -> None:
    if isinstance(form, ParticipantForm):
        participant_admit(
            case=case,
            actor=user,
            role=form.cleaned_data["role"],
            **form.person(),
            phone=form.cleaned_data["phone"],
            email=form.cleaned_data["email"],
        )
    else:
        act_append(case=case, kind=form.kind, payload=form.payload(), actor=user)


@gated
@require_http_methods(["GET", "POST"])
def attachment_new(request: HttpRequest, case_id: int) -> HttpResponse:
    user = _official(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="add_attachment")
    if request.method == "GET":
        return _form_page(request, case, act_kinds_open(user, case), kind="attachment")
    form = AttachmentForm(request.POST, request.FILES)
    status = INVALID
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            attachment_add(case=case, actor=user, stream=upload, filename=upload.name or "file")
        except AppError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("The file is attached."))
            return redirect(reverse("web:case", args=[case.pk]) + "#journal")
    return _case_page(request, user, case, attachment_form=form, status=status)


@gated
@require_GET
def attachment(request: HttpRequest, case_id: int, seq: int) -> FileResponse:
    user = _official(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB, action="download_attachment")
    return attachment_download(case, seq, reader=user, surface=Surface.WEB)


@gated
@require_GET
def act_document(request: HttpRequest, case_id: int, seq: int) -> HttpResponse:
    """The act's document as PDF, in the language of `?lang=` (kk, ru, en) or of the page."""
    document = documents.act_document(
        _official(request),
        case_id=case_id,
        seq=seq,
        language=language_or_default(request.GET.get("lang")),
        surface=Surface.WEB,
    )
    return document_response(document)


def document_response(document: documents.Document) -> HttpResponse:
    """A procedural document as the browser shows it (inline PDF)."""
    response = HttpResponse(document.content, content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    return response


@gated
@require_POST
def act_sign(request: HttpRequest, case_id: int, seq: int) -> HttpResponse:
    """Sign the act's document with the key kept on the server (development and
    demonstrations); where officials sign with their own application, the page does it in the
    browser through the API (static web/sign.js)."""
    user = _official(request)
    language = language_or_default(request.POST.get("lang"))
    readable = documents.case_act(
        user,
        case_id=case_id,
        seq=seq,
        surface=Surface.WEB,
        action="sign_document",
        detail={"seq": seq, "lang": language},
    )
    return sign_and_return(
        request, user, readable.act, language, reverse("web:case", args=[case_id])
    )


def sign_and_return(
    request: HttpRequest, user: Official, act: Act, language: str, page: str
) -> HttpResponse:
    """Sign `act`'s document with the user's key kept on the server, say how it went, and go
    back to the act on `page`."""
    try:
        signed = signing.act_sign(user, act, language)
    except AppError as exc:
        messages.error(request, exc.message)
    else:
        text = _("Act no. %(seq)d signed (signature %(revision)d).")
        messages.success(request, text % {"seq": act.seq, "revision": signed.revision})
    return redirect(f"{page}#act-{act.seq}")


def _case_page(
    request: HttpRequest,
    user: Official,
    case: Case,
    *,
    bound: ActForm | None = None,
    attachment_form: AttachmentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    allowed = act_kinds_open(user, case)
    # A refused form stays on the page, with its error, even if the user may not use it. The
    # others are only named here: each form is fetched when its section is opened.
    act_forms: list[ActForm | Unopened] = [
        bound if bound is not None and bound.kind == kind else Unopened(kind)
        for kind in ACT_FORMS
        if kind in allowed or (bound is not None and bound.kind == kind)
    ]
    if "attachment" in allowed:
        attachment_form = attachment_form or AttachmentForm()
    detail = _detail(user, case)
    context = {
        "case": case,
        "detail": detail,
        "measures": _measures(user, case, detail.participants),
        "evidence": list(evidence_visible(user, case).order_by("number")[:EVIDENCE_ON_PAGE]),
        "may_seize": "evidence_seizure" in allowed,
        "act_forms": [(KINDS[f.kind].label, f) for f in act_forms],
        "deadline_rows": [(d, deadline_explain(d)) for d in detail.deadlines],
        "awaiting": [
            (KINDS[a.kind].label, a, role_label(a.role), DECISIONS[a.decision])
            for a in detail.awaiting
        ],
        "bound": bound,
        "attachment_form": attachment_form,
        # Only the compartments that name the reader; the others leave no trace on the page.
        "compartments": list(compartments_of(user, case).order_by("number")),
        "break_glass": _break_glass(user, case),
        "may_list_readers": case.procedural_prosecutor_id == user.pk,
        **_timeline(user, case, timeline.journal_page(case, reader=user), detail.participants),
    }
    return render(request, "web/case.html", context, status=status)


EVIDENCE_ON_PAGE = 100


def _break_glass(user: Official, case: Case) -> BreakGlass | None:
    """The grant under which `user` reads `case`, when only a grant opens it."""
    if not by_break_glass(user, case):
        return None
    return BreakGlass.objects.filter(official=user, case=case).order_by("-until").first()


@dataclass(frozen=True)
class Measure:
    """A person deprived of liberty now: detained, or in custody until a date."""

    name: str
    detained_at: datetime | None
    custody_until: datetime | None


def _measures(user: Official, case: Case, participants: Sequence[Participant]) -> list[Measure]:
    """The measures in force, from the case's procedure state: on every person of the case for
    its officials; for its defence, on the participants disclosed to it."""
    state = from_json(case.procedure)
    names = {p.party: p.person.full_name for p in participants if p.person is not None}
    held = {
        party: person
        for party, person in state.persons.items()
        if person.detained_at is not None or person.custody_until is not None
    }
    if defence_view(user, case) is not None:
        held = {party: person for party, person in held.items() if party in names}
    unnamed = [party.removeprefix("iin:") for party in held if party not in names]
    if unnamed:
        for person in Person.objects.filter(iin__in=unnamed):
            names[f"iin:{person.iin}"] = person.full_name
    return [
        Measure(names.get(party, party), person.detained_at, person.custody_until)
        for party, person in sorted(held.items())
    ]


@dataclass(frozen=True)
class Unopened:
    """An act form not rendered with the page (the template needs only its kind)."""

    kind: str


@gated
@require_GET
def acts_refused(request: HttpRequest, case_id: int) -> HttpResponse:
    """Why each act the user may not perform now is refused: a fragment for the case page
    (htmx), or a page of its own without JavaScript."""
    user = _official(request)
    case = access_case(user, case_id=case_id, surface=Surface.WEB)
    refused = [
        (KINDS[kind].label, reasons)
        for kind, reasons in sorted(acts_judged(user, case).items())
        if reasons
    ]
    htmx = request.headers.get("HX-Request") == "true"
    template = "web/_acts_refused.html" if htmx else "web/acts_refused.html"
    response = render(request, template, {"case": case, "refused": refused})
    patch_vary_headers(response, ["HX-Request"])
    return response


DECISIONS = {
    "agreement": gettext_lazy("agreement"),
    "approval": gettext_lazy("approval"),
    "sanction": gettext_lazy("sanction"),
}


def role_label(role: str) -> str:
    """A role or role group of the pack, as people say it."""
    if role == "head":
        return str(gettext_lazy("the head of the body"))
    return str(Role(role).label) if role in Role.values else role


def _detail(user: Official, case: Case) -> selectors.CaseDetail:
    """The case's participants, clocks and requests as `user` may see them (the defence: those
    of the acts disclosed to it)."""
    detail = selectors.case_detail(case)
    view = defence_view(user, case)
    return detail if view is None else detail_disclosed(view, detail)


def _timeline(
    user: Official, case: Case, acts: list[Act], participants: list[Participant]
) -> dict[str, Any]:
    oldest = acts[-1].seq if acts else None
    language = language_or_default(None)
    view = defence_view(user, case)
    states = signing_states(
        user, acts, language, view.grounds.__contains__ if view is not None else None
    )
    rows = [
        replace(row, signatures=states[act.pk].signatures, sign_due=states[act.pk].due)
        for row, act in zip(timeline.act_rows(case, acts, participants), acts, strict=True)
    ]
    return {
        "legal_zone": clock.legal_zone(),
        "rows": rows,
        "document_language": language,
        "sign_on_server": bool(settings.TERGEU_SIGNING_SERVER_KEYS),
        "older_than": oldest if oldest is not None and oldest > 1 else None,
    }
