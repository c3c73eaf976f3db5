"""The trial judge's court: the cases assigned to them, by where each stands — incoming (to
accept within 5 days), the hearing calendar, in trial, verdicts not yet in force, sentences to
send for execution and those awaiting the institution's confirmation. Each row links the act
that comes next; the case page records it. Read within the cases the judge may see; anyone who
is not a trial judge gets the 404 page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tergeu import clock
from tergeu.access.gate import access_log, holds_role, visible_cases
from tergeu.access.models import Surface
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import OPEN_DEADLINE_STATES, Case, Deadline, Stage
from tergeu.errors import NotFound
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.procedure.rules import moment
from tergeu.web.views import gated

CALENDAR_DAYS = 14
# Where a case stands at the court, the sections of the page in order, and the act that comes
# next at each stage (the case page offers it only when the law allows it).
SECTIONS: list[tuple[str, Any, tuple[Stage, ...]]] = [  # (key, lazy title, stages)
    ("incoming", gettext_lazy("Incoming cases"), (Stage.SENT_TO_COURT, Stage.WRIT_REVIEW)),
    ("trial", gettext_lazy("In trial"), (Stage.TRIAL,)),
    (
        "verdict",
        gettext_lazy("Verdicts not yet in force"),
        (Stage.JUDGMENT_ISSUED, Stage.WRIT_VERDICT, Stage.IN_APPEAL),
    ),
    ("in_force", gettext_lazy("Sentences to send for execution"), (Stage.IN_FORCE,)),
    ("execution", gettext_lazy("Awaiting the institution's confirmation"), (Stage.EXECUTION,)),
]
NEXT_ACT = {
    Stage.SENT_TO_COURT: "court_acceptance",
    Stage.WRIT_REVIEW: "writ_verdict",
    Stage.TRIAL_SCHEDULED: "trial_start",
    Stage.TRIAL: "verdict",
    Stage.JUDGMENT_ISSUED: "entry_into_force",
    Stage.WRIT_VERDICT: "entry_into_force",
    Stage.IN_FORCE: "execution_order",
}
# The clocks of the trial's opening: not before the parties' notice ran (R78N), not after the
# trial's term (R78; R78X exceptionally; R77 the preliminary hearing).
NOTICE_RULE = "R78N"
OPENING_RULES = ("R77", "R78", "R78X")


@dataclass
class Row:
    case: Case
    next_act: str = ""
    next_label: str = ""
    due_at: datetime | None = None  # the nearest running clock of the judge's own
    hearing_at: datetime | None = None
    earliest: datetime | None = None  # the trial may open from
    latest: datetime | None = None  # and must open by

    @property
    def outside_term(self) -> bool:
        """A hearing set before the parties' notice has run or after the trial's term."""
        if self.hearing_at is None:
            return False
        early = self.earliest is not None and self.hearing_at < self.earliest
        late = self.latest is not None and self.hearing_at > self.latest
        return early or late


@dataclass
class Day:
    day: date
    rows: list[Row] = field(default_factory=list)

    @property
    def today(self) -> bool:
        return self.day == clock.now().astimezone(clock.legal_zone()).date()


def _first_day(request: HttpRequest) -> date:
    """The calendar's first day: `?from=YYYY-MM-DD`, else today (in the legal zone)."""
    today = clock.now().astimezone(clock.legal_zone()).date()
    try:
        return date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        return today


@gated
@require_GET
def court(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, Official)
    if not holds_role(user, Role.TRIAL_JUDGE):
        raise NotFound(_("The court's cases are kept for trial judges."), code="not_found")
    stages = [s for _k, _t, section in SECTIONS for s in section] + [Stage.TRIAL_SCHEDULED]
    cases = list(
        visible_cases(user)
        .filter(court_assignments__judge=user, stage__in=stages)
        .order_by("-pk")
        .distinct()[:500]
    )
    rows = {case.pk: _row(case) for case in cases}
    # The judge's own clocks, not the investigation's: one query for every case on the page.
    dues = (
        Deadline.objects.filter(
            case_id__in=rows,
            compartment__isnull=True,
            state__in=OPEN_DEADLINE_STATES,
            responsible_role=Role.TRIAL_JUDGE,
        )
        .order_by()
        .values_list("case_id")
        .annotate(Min("due_at"))
    )
    for case_id, due_at in dues:
        rows[case_id].due_at = due_at
    scheduled = [r for r in rows.values() if r.case.stage == Stage.TRIAL_SCHEDULED]
    _hearings(scheduled)
    first = _first_day(request)
    days = [Day(first + timedelta(days=n)) for n in range(CALENDAR_DAYS)]
    by_day = {d.day: d for d in days}
    zone = clock.legal_zone()
    unscheduled = []
    for row in sorted(scheduled, key=lambda r: (r.hearing_at is None, r.hearing_at, r.case.pk)):
        if row.hearing_at is None:
            unscheduled.append(row)
        elif (day := by_day.get(row.hearing_at.astimezone(zone).date())) is not None:
            day.rows.append(row)
    urgent = sorted(rows.values(), key=lambda r: (r.due_at is None, r.due_at, -r.case.pk))
    sections = [
        (key, title, [r for r in urgent if r.case.stage in section])
        for key, title, section in SECTIONS
    ]
    access_log(user, surface=Surface.WEB, action="view_court", detail={"case_ids": list(rows)})
    context = {
        "sections": sections,
        "days": days,
        "unscheduled": unscheduled,
        "scheduled": len(scheduled),
        "previous": first - timedelta(days=CALENDAR_DAYS),
        "next": first + timedelta(days=CALENDAR_DAYS),
    }
    return render(request, "web/court.html", context)


def _row(case: Case) -> Row:
    kind = NEXT_ACT.get(Stage(case.stage), "")
    label = str(KINDS[kind].label) if kind in KINDS else ""
    return Row(case, kind, label)


def _hearings(rows: list[Row]) -> None:
    """Each scheduled case's hearing (from the court's order accepting it) and the term in
    which the trial opens (from its clocks) — two queries for all of them."""
    by_case = {row.case.pk: row for row in rows}
    orders = (
        Act.objects.filter(case_id__in=by_case, kind="court_acceptance", compartment__isnull=True)
        .order_by("case_id", "seq")
        .values_list("case_id", "payload")
    )
    for case_id, payload in orders:  # the latest order counts (a retrial has its own)
        hearing = payload.get("hearing_at")
        by_case[case_id].hearing_at = moment(hearing) if hearing else None
    clocks = Deadline.objects.filter(
        case_id__in=by_case,
        compartment__isnull=True,
        rule__in=(NOTICE_RULE, *OPENING_RULES),
        state__in=(*OPEN_DEADLINE_STATES, "met"),
    ).values_list("case_id", "rule", "due_at")
    for case_id, rule, due_at in clocks:
        row = by_case[case_id]
        if rule == NOTICE_RULE:
            row.earliest = max(filter(None, (row.earliest, due_at)))
        else:
            row.latest = max(filter(None, (row.latest, due_at)))
