"""The defence lawyer's workspace: my clients and their cases, entering a case by a notice of
defence, motions with their clocks and the complaint to the investigating judge, evidence
presented to be attached, and the log of what was disclosed to me. Every write is the service
the API calls, behind the same gate. A lawyer sees a case only through the acts disclosed to
the defence (the case page applies it); anyone who is not a defence lawyer, and a lawyer who
asks for another lawyer's client, gets the 404 page here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tergeu import clock
from tergeu.access.gate import access_case, access_log
from tergeu.access.models import Surface
from tergeu.accounts.models import Appointment, Official, Role
from tergeu.cases.law import pack
from tergeu.cases.models import Case, Deadline, DeadlineState
from tergeu.defence import services
from tergeu.defence.models import DefenceAdmission, DisclosureLog
from tergeu.errors import AppError, NotFound
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.procedure.pack import choices
from tergeu.web.forms import IIN
from tergeu.web.timeline import PAGE
from tergeu.web.views import INVALID, gated

MATTERS = {
    "documents": gettext_lazy("documents"),
    "expertise": gettext_lazy("an expert examination"),
    "investigative_action": gettext_lazy("an investigative action"),
    "measure": gettext_lazy("a measure of restraint"),
    "other": gettext_lazy("other"),
}
# The reads of a case that disclose acts to the defence (`disclosed_acts`' callers).
READS = {
    "view_journal": gettext_lazy("journal"),
    "download_attachment": gettext_lazy("file download"),
    "download_document": gettext_lazy("document download"),
    "view_proof": gettext_lazy("proof of integrity"),
    "export": gettext_lazy("case export"),
}
# The lawyer's own acts the page follows, and the acts that answer them, by the payload field
# naming the act answered.
OWN_KINDS = ("motion", "defence_complaint", "defence_evidence")
ANSWERS = {"motion_decision": "motion", "evidence_attachment": "evidence", "decision": "request"}
# The clocks of those acts: the body's 3 days to decide a motion (R67), the 15 days to complain
# against a refusal (R69), the judge's 3 days (R70), the body's 3 days to attach evidence.
CLOCKS = ("R67", "R69", "R70", "X-DEFENCE-EVIDENCE")

FormT = TypeVar("FormT", bound=forms.Form)


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


class ComplaintForm(forms.Form):
    grounds = forms.CharField(
        label=gettext_lazy("Grounds of the complaint"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EvidenceForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What the evidence shows"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    file = forms.FileField(label=gettext_lazy("File"))


@dataclass(frozen=True)
class Complaint:
    seq: int
    performed_at: datetime
    outcome: str  # the judge's: "granted", "refused" or "" (awaiting the decision)
    due_at: datetime | None  # the judge's 3 days (R70) while it awaits the decision


@dataclass(frozen=True)
class Motion:
    seq: int
    matter: str
    performed_at: datetime
    outcome: str  # "granted", "refused" or "" (awaiting the decision)
    due_at: datetime | None  # the body's 3 days (R67) while undecided
    complain_until: datetime | None  # the 15 days against a refusal (R69) while they run
    complaint: Complaint | None  # the latest complaint against it
    form: ComplaintForm | None  # while a complaint lies


@dataclass(frozen=True)
class Evidence:
    seq: int
    description: str
    filename: str
    performed_at: datetime
    attached: bool
    due_at: datetime | None  # the body's 3 days to attach it while it is not


@dataclass(frozen=True)
class Client:
    admission: DefenceAdmission
    motions: list[Motion]
    evidence: list[Evidence]
    form: MotionForm
    evidence_form: EvidenceForm


@dataclass(frozen=True)
class Disclosure:
    at: datetime
    act_seq: int
    act_kind: str
    ground: str
    surface: str
    read: str


@dataclass(frozen=True)
class Followed:
    """What the page shows of the lawyer's own acts in their cases, read in three queries
    however many clients, motions and answers there are."""

    own: list[Act]
    answers: dict[tuple[int, str, int], dict[str, Any]]  # (case, kind, act answered) → payload
    # (case, rule, subject) → the latest clock (a deadline's case is null only before a case)
    clocks: dict[tuple[int | None, str, str], Deadline]

    def answer(self, case_id: int, kind: str, seq: int) -> dict[str, Any] | None:
        return self.answers.get((case_id, kind, seq))

    def running(self, case_id: int, rule: str, subject: str) -> Deadline | None:
        deadline = self.clocks.get((case_id, rule, subject))
        return deadline if deadline and deadline.state == DeadlineState.RUNNING else None


def _lawyer(request: HttpRequest) -> Official:
    user = request.user
    assert isinstance(user, Official)
    if not Appointment.objects.filter(official=user, role=Role.DEFENCE_LAWYER).exists():
        raise NotFound(_("The defence workspace is kept for defence lawyers."), code="not_found")
    return user


def _client_case(
    user: Official, admission_id: int, *, action: str
) -> tuple[DefenceAdmission, Case]:
    """The lawyer's own running admission and its case, through the gate (logged); "not found"
    for anyone else's client, as for a number no admission has."""
    admission = DefenceAdmission.objects.filter(
        pk=admission_id, lawyer=user, until__isnull=True
    ).first()
    if admission is None:
        raise NotFound(_("No such client."), code="not_found")
    case = access_case(user, case_id=admission.case_id, surface=Surface.WEB, action=action)
    return admission, case


def _form(cls: type[FormT], prefix: str, bound: forms.Form | None) -> FormT:
    """The form refused a moment ago with its errors, where it belongs; a blank one elsewhere."""
    if isinstance(bound, cls) and bound.prefix == prefix:
        return bound
    return cls(prefix=prefix)


def _followed(user: Official, case_ids: list[int]) -> Followed:
    own = list(
        Act.objects.filter(
            case_id__in=case_ids, compartment__isnull=True, kind__in=OWN_KINDS, actor=user
        )
        .only("case_id", "seq", "kind", "payload", "performed_at")
        .order_by("seq")
    )
    complaints = [act.seq for act in own if act.kind == "defence_complaint"]
    answered = (
        Act.objects.filter(case_id__in=case_ids, compartment__isnull=True)
        .filter(
            Q(kind__in=["motion_decision", "evidence_attachment"])
            | Q(kind="decision", payload__request__in=complaints)
        )
        .order_by("seq")
        .values_list("case_id", "kind", "payload")
    )
    # In journal order: a later decision (after an annulment) is the one in force.
    answers = {
        (case_id, kind, payload.get(ANSWERS[kind])): payload for case_id, kind, payload in answered
    }
    deadlines = Deadline.objects.filter(
        case_id__in=case_ids, compartment__isnull=True, rule__in=CLOCKS
    ).order_by("started_at", "pk")
    clocks = {(d.case_id, d.rule, d.subject): d for d in deadlines}
    return Followed(own, answers, clocks)


def _complaints(followed: Followed) -> dict[tuple[int, int], Complaint]:
    """(case, motion) → the latest complaint against it, with the judge's answer or clock."""
    found: dict[tuple[int, int], Complaint] = {}
    for act in followed.own:
        if act.kind != "defence_complaint":
            continue
        decision = followed.answer(act.case_id, "decision", act.seq)
        judge = followed.running(act.case_id, "R70", f"request:{act.seq}")
        found[(act.case_id, act.payload["motion"])] = Complaint(
            act.seq,
            act.performed_at,
            str(decision.get("outcome", "")) if decision else "",
            judge.due_at if judge and decision is None else None,
        )
    return found


def _motion(
    act: Act, followed: Followed, complaint: Complaint | None, prefix: str, bound: forms.Form | None
) -> Motion:
    decision = followed.answer(act.case_id, "motion_decision", act.seq)
    undecided = followed.running(act.case_id, "R67", str(act.seq))
    window = followed.running(act.case_id, "R69", str(act.seq))
    now = clock.now()
    complain_until = window.due_at if window and now < window.due_at else None
    # The engine decides whether a complaint lies (`motion_complainable`); the form is offered
    # where it would: within the window against a refusal, or once the 3 days have run out,
    # and not while an earlier complaint awaits the judge.
    lies = (complain_until is not None or (undecided is not None and undecided.due_at <= now)) and (
        complaint is None or complaint.outcome != ""
    )
    form = _form(ComplaintForm, prefix, bound)
    matter = act.payload.get("matter", "")
    return Motion(
        act.seq,
        str(MATTERS.get(matter, matter)),
        act.performed_at,
        str(decision.get("outcome", "")) if decision else "",
        undecided.due_at if undecided else None,
        complain_until,
        complaint,
        form if lies or form.is_bound else None,
    )


def _evidence(act: Act, followed: Followed) -> Evidence:
    attached = followed.answer(act.case_id, "evidence_attachment", act.seq) is not None
    duty = followed.running(act.case_id, "X-DEFENCE-EVIDENCE", str(act.seq))
    return Evidence(
        act.seq,
        str(act.payload.get("description", "")),
        str(act.payload.get("filename", "")),
        act.performed_at,
        attached,
        duty.due_at if duty and not attached else None,
    )


def _clients(user: Official, bound: forms.Form | None) -> list[Client]:
    admissions = list(
        DefenceAdmission.objects.filter(lawyer=user, until__isnull=True)
        .select_related("case")
        .order_by("case__register_number", "party")
    )
    followed = _followed(user, sorted({a.case_id for a in admissions}))
    complaints = _complaints(followed)
    by_admission = {(a.case_id, a.party): a for a in admissions}
    motions: dict[int, list[Motion]] = {}
    evidence: dict[int, list[Evidence]] = {}
    for act in followed.own:
        admission = by_admission.get((act.case_id, act.payload.get("party", "")))
        if admission is None or act.kind == "defence_complaint":
            continue  # a complaint is shown with its motion; a former client's acts, not at all
        if act.kind == "motion":
            complaint = complaints.get((act.case_id, act.seq))
            prefix = f"c{admission.pk}-{act.seq}"
            motions.setdefault(admission.pk, []).append(
                _motion(act, followed, complaint, prefix, bound)
            )
        else:
            evidence.setdefault(admission.pk, []).append(_evidence(act, followed))
    return [
        Client(
            admission,
            motions.get(admission.pk, []),
            evidence.get(admission.pk, []),
            _form(MotionForm, f"m{admission.pk}", bound),
            _form(EvidenceForm, f"e{admission.pk}", bound),
        )
        for admission in admissions
    ]


def _page(
    request: HttpRequest,
    user: Official,
    *,
    notice: NoticeForm | None = None,
    bound: forms.Form | None = None,
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


def _filed(admission: DefenceAdmission) -> HttpResponse:
    return redirect(reverse("web:defence") + f"#client-{admission.pk}")


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
@require_POST
def motion(request: HttpRequest, admission_id: int) -> HttpResponse:
    """File a motion for a client (the body decides it within 3 days)."""
    user = _lawyer(request)
    admission, case = _client_case(user, admission_id, action="file_motion")
    form = MotionForm(request.POST, prefix=f"m{admission.pk}")
    if not form.is_valid():
        return _page(request, user, bound=form, status=INVALID)
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
        return _page(request, user, bound=form, status=exc.status)
    messages.success(request, _("Motion filed: act no. %(seq)d.") % {"seq": filed.seq})
    return _filed(admission)


@gated
@require_POST
def complaint(request: HttpRequest, admission_id: int, seq: int) -> HttpResponse:
    """Take a client's refused motion, or one not decided within 3 days, to the investigating
    judge (the judge on duty decides within 3 days)."""
    user = _lawyer(request)
    admission, case = _client_case(user, admission_id, action="file_complaint")
    form = ComplaintForm(request.POST, prefix=f"c{admission.pk}-{seq}")
    if not form.is_valid():
        return _page(request, user, bound=form, status=INVALID)
    try:
        filed = services.complaint_file(
            case=case, lawyer=user, motion_seq=seq, grounds=form.cleaned_data["grounds"]
        )
    except NotFound:
        raise  # another client's motion, or none: the 404 page, as for a wrong client
    except AppError as exc:
        form.add_error(None, exc.message)
        return _page(request, user, bound=form, status=exc.status)
    messages.success(
        request,
        _("Complaint filed with the investigating judge: act no. %(seq)d.") % {"seq": filed.seq},
    )
    return _filed(admission)


@gated
@require_POST
def evidence(request: HttpRequest, admission_id: int) -> HttpResponse:
    """Present evidence collected for a client: the file is kept with the act, and the body
    must attach it to the case within 3 days."""
    user = _lawyer(request)
    admission, case = _client_case(user, admission_id, action="add_attachment")
    form = EvidenceForm(request.POST, request.FILES, prefix=f"e{admission.pk}")
    if not form.is_valid():
        return _page(request, user, bound=form, status=INVALID)
    upload = form.cleaned_data["file"]
    try:
        presented = services.evidence_submit(
            case=case,
            lawyer=user,
            party=admission.party,
            description=form.cleaned_data["description"],
            stream=upload,
            filename=upload.name or "file",
        )
    except AppError as exc:
        form.add_error(None, exc.message)
        return _page(request, user, bound=form, status=exc.status)
    messages.success(request, _("Evidence presented: act no. %(seq)d.") % {"seq": presented.seq})
    return _filed(admission)


@gated
@require_GET
def disclosures(request: HttpRequest, admission_id: int) -> HttpResponse:
    """What was disclosed to me in a client's case, newest first: each act, why the law opens
    it, when and through which read (the API's disclosure log)."""
    user = _lawyer(request)
    admission, case = _client_case(user, admission_id, action="view_disclosures")
    rows = DisclosureLog.objects.filter(case=case, lawyer=user)
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    shown = [
        Disclosure(
            row.at,
            row.act_seq,
            str(KINDS[row.act_kind].label) if row.act_kind in KINDS else row.act_kind,
            row.get_ground_display(),
            row.get_surface_display(),
            str(READS.get(row.action, row.action)),
        )
        for row in page
    ]
    context = {"admission": admission, "case": case, "page": page, "disclosures": shown}
    return render(request, "web/defence_disclosures.html", context)
