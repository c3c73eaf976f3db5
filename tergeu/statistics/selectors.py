"""The figures as a reader sees them: each indicator for a period beside the same period a year
earlier, within the reader's scope (an analyst: the whole country; a prosecutor: the bodies
their offices supervise) and without covert numbers for anyone not cleared for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT

from tergeu import clock
from tergeu.access.gate import holds_role, visible_cases
from tergeu.accounts.models import Agency, Official, Role
from tergeu.cases.models import Case, Deadline, DeadlineState
from tergeu.cases.supervision import prosecutor_paths, window_rules
from tergeu.journal.models import Act
from tergeu.notifications.models import Notification, NotificationKind
from tergeu.notifications.reconcile import outbox_missed
from tergeu.registry.models import CrimeReport
from tergeu.statistics.indicators import (
    BREACHED,
    BY_KEY,
    COVERT,
    INDICATORS,
    NOTICE_MISSED,
    Indicator,
)
from tergeu.statistics.models import Fact, Occurrence


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    region: str = ""
    agency_id: int | None = None
    category: str = ""
    article: str = ""  # of the Criminal Code


@dataclass(frozen=True)
class Row:
    indicator: Indicator
    detail: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def relative(self) -> float | None:
        """The change in per cent of the previous figure (None when there was none)."""
        return None if not self.previous else 100.0 * self.change / self.previous


def may_read(user: Official) -> bool:
    return bool(user.is_superuser) or any(
        holds_role(user, role) for role in (Role.ANALYST, Role.PROSECUTOR)
    )


def covert_cleared(user: Official) -> bool:
    return bool(user.has_perm("statistics.view_covert"))


def scope(user: Official) -> Q | None:
    """The bodies whose figures `user` reads: None for the whole country (analysts, the
    General Prosecutor's Office), else those the user's prosecutor's offices supervise."""
    if user.is_superuser or holds_role(user, Role.ANALYST):
        return None
    rule = Q(pk__in=[])
    for path in prosecutor_paths(user):
        rule |= Q(supervisor__path__startswith=path)
    return rule


def facts(user: Official, filters: Filters, start: date, end: date) -> QuerySet[Fact]:
    return _within(Fact.objects.filter(day__gte=start, day__lte=end), user, filters)


# Where the filters apply: on the rollups (the case as of the act counted), or on rows of a
# case (clocks, notifications: the case as it stands now).
ROLLUP_FIELDS = {
    "agency": "agency",
    "region": "region",
    "category": "category",
    "article": "article",
}
CASE_FIELDS = {
    "agency": "case__investigation_unit",
    "region": "case__investigation_unit__region__code",
    "category": "case__offence_category",
    "article": "case__qualification_article",
}


def _filtered(
    rows: QuerySet[Any], user: Official, filters: Filters, fields: dict[str, str]
) -> QuerySet[Any]:
    """`rows` in the reader's scope (their offices' bodies) and the filters."""
    within = scope(user)
    if within is not None:
        rows = rows.filter(**{f"{fields['agency']}__in": Agency.objects.filter(within)})
    if filters.agency_id:
        rows = rows.filter(**{f"{fields['agency']}_id": filters.agency_id})
    for name in ("region", "category", "article"):
        value = getattr(filters, name)
        if value:
            rows = rows.filter(**{fields[name]: value})
    return rows


def _within(rows: QuerySet[Any], user: Official, filters: Filters) -> QuerySet[Any]:
    """`rows` (facts or occurrences) in the user's scope and the filters, without covert ones
    for those not cleared."""
    if not covert_cleared(user):
        rows = rows.exclude(indicator__in=COVERT)
    return _filtered(rows, user, filters, ROLLUP_FIELDS)


def _of_cases(rows: QuerySet[Any], user: Official, filters: Filters) -> QuerySet[Any]:
    """`rows` that belong to a case (clocks, notifications) in the reader's scope and the
    filters, by the case as it stands now."""
    return _filtered(rows, user, filters, CASE_FIELDS)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The legal days from `start` to `end` as instants: [since, until)."""
    zone = clock.legal_zone()
    since = datetime.combine(start, time(0), tzinfo=zone)
    return since, datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone)


def breached(user: Official, filters: Filters, start: date, end: date) -> QuerySet[Deadline]:
    """The case files' clocks whose term ended between `start` and `end` (legal days) unmet —
    discharged late, or still running past their term — in the reader's scope and filters;
    covert clocks and windows for others to act aside."""
    since, until = _bounds(start, end)
    rows = Deadline.objects.filter(
        # Discharged late, or still not discharged though its term has ended.
        Q(state=DeadlineState.BREACHED) | Q(state=DeadlineState.RUNNING, due_at__lt=clock.now()),
        compartment__isnull=True,
        case__isnull=False,
        due_at__gte=since,
        due_at__lt=until,
    ).exclude(rule__in=window_rules())
    return _of_cases(rows, user, filters)


def outbox_late(user: Official, filters: Filters, start: date, end: date) -> QuerySet[Any]:
    """The e-mails and SMS to participants (copies to a victim, notices to a detained person's
    family…) due in the period and not delivered by their term."""
    since, until = _bounds(start, end)
    rows = outbox_missed(clock.now()).filter(
        case__isnull=False, due_at__gte=since, due_at__lt=until
    )
    return _of_cases(rows, user, filters)


def families_untold(user: Official, filters: Filters, start: date, end: date) -> QuerySet[Any]:
    """The detentions of the period (their counted occurrences) whose family was not told
    within `TERGEU_IMMEDIATELY_HOURS` (art. 135): no notice recorded in time, by any channel."""
    term = timedelta(hours=settings.TERGEU_IMMEDIATELY_HOURS)
    act = Act.objects.filter(case_id=OuterRef("case_id"), seq=OuterRef("seq"), compartment=None)
    told = Notification.objects.filter(
        kind=NotificationKind.FAMILY_NOTICE,
        case_id=OuterRef("case_id"),
        subject=OuterRef("party"),
        created_at__gte=OuterRef("performed_at"),
        created_at__lte=ExpressionWrapper(
            OuterRef("performed_at") + Value(term), output_field=DateTimeField()
        ),
    )
    detentions: QuerySet[Occurrence] = _within(
        Occurrence.objects.filter(indicator="detained", number=0, day__gte=start, day__lte=end),
        user,
        filters,
    )
    return (
        detentions.annotate(
            performed_at=Subquery(act.values("performed_at")[:1]),
            party=Subquery(act.annotate(party=KT("payload__party")).values("party")[:1]),
        )
        .filter(performed_at__lt=clock.now() - term)
        .exclude(Exists(told))
    )


# The named counts among the breached clocks.
RULED = tuple(i for i in INDICATORS if i.rules)


def live(user: Official, filters: Filters, start: date, end: date) -> dict[tuple[str, str], int]:
    """The figures counted when read, not from the rollups: the breached clocks by rule and
    the named counts among them, and the duties to inform not met (their clocks, the outbox,
    the families of the detained)."""
    counts: dict[tuple[str, str], int] = {}
    grouped = breached(user, filters, start, end).values("rule").annotate(n=Count("pk")).order_by()
    for r in grouped:
        rule, n = r["rule"], int(r["n"])
        counts[(BREACHED.key, rule)] = n
        for indicator in RULED:
            if rule in indicator.rules:
                counts[(indicator.key, rule)] = n
    late = outbox_late(user, filters, start, end).values("kind").annotate(n=Count("pk")).order_by()
    for r in late:
        counts[(NOTICE_MISSED.key, r["kind"])] = int(r["n"])
    untold = families_untold(user, filters, start, end).count()
    if untold:
        key = (NOTICE_MISSED.key, NotificationKind.FAMILY_NOTICE.value)
        counts[key] = counts.get(key, 0) + untold
    return counts


def _live_cases(user: Official, filters: Filters, indicator: Indicator, detail: str) -> list[int]:
    """The case of each occurrence behind a figure counted when read."""
    start, end = filters.start, filters.end
    ids: list[int] = []
    if not detail or detail in indicator.rules or indicator == BREACHED:
        clocks = breached(user, filters, start, end)
        if indicator.rules:
            clocks = clocks.filter(rule__in=indicator.rules)
        if detail:
            clocks = clocks.filter(rule=detail)
        ids += clocks.values_list("case_id", flat=True)
    if indicator == NOTICE_MISSED:
        outbox = outbox_late(user, filters, start, end)
        if detail:
            outbox = outbox.filter(kind=detail)
        ids += outbox.values_list("case_id", flat=True)
        if detail in ("", NotificationKind.FAMILY_NOTICE):
            ids += families_untold(user, filters, start, end).values_list("case_id", flat=True)
    return ids


DRILL_LIMIT = 200


@dataclass(frozen=True)
class Drill:
    total: int  # acts counted behind the figure
    cases: list[Case]  # the cases among them the reader may open (at most DRILL_LIMIT)
    cases_total: int  # how many cases are behind the figure


def drill(user: Official, filters: Filters, indicator: str, detail: str) -> Drill:
    """The cases behind one figure: all of them counted, those the reader may open listed
    (the access gate decides, as everywhere)."""
    found = BY_KEY[indicator]
    behind: Any
    if found.source != "acts":
        ids = _live_cases(user, filters, found, detail)
        total, behind, distinct = len(ids), set(ids), len(set(ids))
    else:
        rows = _within(
            Occurrence.objects.filter(
                indicator=indicator, day__gte=filters.start, day__lte=filters.end
            ),
            user,
            filters,
        )
        if detail:
            rows = rows.filter(detail=detail)
        total, distinct = rows.count(), rows.values("case_id").distinct().count()
        behind = rows.values("case_id")
    cases = list(
        visible_cases(user)
        .filter(pk__in=behind)
        .select_related("investigation_unit")
        .order_by("-registered_at", "-pk")[:DRILL_LIMIT]
    )
    return Drill(total, cases, distinct)


def year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def table(user: Official, filters: Filters) -> list[Row]:
    """Every indicator the user may read, by detail, for the period and a year earlier."""

    def sums(start: date, end: date) -> dict[tuple[str, str], int]:
        grouped = (
            facts(user, filters, start, end)
            .values("indicator", "detail")
            .annotate(n=Sum("count"))
            .order_by()
        )
        return {(r["indicator"], r["detail"]): int(r["n"]) for r in grouped}

    now = sums(filters.start, filters.end) | live(user, filters, filters.start, filters.end)
    start, end = year_before(filters.start), year_before(filters.end)
    before = sums(start, end) | live(user, filters, start, end)
    cleared = covert_cleared(user)
    rows = []
    for indicator in INDICATORS:
        if indicator.covert and not cleared:
            continue
        details = sorted({d for i, d in now.keys() | before.keys() if i == indicator.key})
        total = Row(
            indicator,
            "",
            sum(n for (i, _d), n in now.items() if i == indicator.key),
            sum(n for (i, _d), n in before.items() if i == indicator.key),
        )
        rows.append(total)
        if details != [""]:
            rows += [
                Row(indicator, d, now.get((indicator.key, d), 0), before.get((indicator.key, d), 0))
                for d in details
                if d
            ]
    return rows


def by_region(user: Official, filters: Filters, indicator: str) -> list[tuple[str, int]]:
    """One indicator's figure for the period by region (code), largest first."""
    grouped = (
        facts(user, filters, filters.start, filters.end)
        .filter(indicator=indicator)
        .values("region")
        .annotate(n=Sum("count"))
        .order_by("-n", "region")
    )
    return [(r["region"], int(r["n"])) for r in grouped]


ARTICLES_SHOWN = 15


def by_article(user: Official, filters: Filters, indicator: str) -> list[tuple[str, int, int]]:
    """One indicator by Criminal Code article, the articles with the largest figures for the
    period first: (article, this period, the same period a year earlier)."""

    def per_article(start: date, end: date) -> dict[str, int]:
        rows = (
            facts(user, filters, start, end)
            .filter(indicator=indicator)
            .values("article")
            .annotate(n=Sum("count"))
            .order_by()
        )
        return {r["article"]: int(r["n"]) for r in rows}

    now = per_article(filters.start, filters.end)
    before = per_article(year_before(filters.start), year_before(filters.end))
    top = sorted(now, key=lambda a: (-now[a], a))[:ARTICLES_SHOWN]
    return [(article, now[article], before.get(article, 0)) for article in top]


def by_month(user: Official, filters: Filters, indicator: str) -> list[tuple[str, int, int]]:
    """One indicator by month of the period: (YYYY-MM, this year, the year before)."""

    def monthly(start: date, end: date) -> dict[str, int]:
        counts: dict[str, int] = {}
        for day, n in (
            facts(user, filters, start, end)
            .filter(indicator=indicator)
            .values_list("day")
            .annotate(n=Sum("count"))
            .order_by()
        ):
            key = f"{day:%Y-%m}"
            counts[key] = counts.get(key, 0) + int(n)
        return counts

    now = monthly(filters.start, filters.end)
    before = monthly(year_before(filters.start), year_before(filters.end))
    months = []
    day = filters.start.replace(day=1)
    while day <= filters.end:
        # A period of a year may hold the same month twice (December to December).
        earlier = f"{day.year - 1}-{day:%m}"
        months.append((f"{day:%Y-%m}", now.get(f"{day:%Y-%m}", 0), before.get(earlier, 0)))
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return months


def csv_rows(rows: list[Row]) -> list[list[str]]:
    """The table as rows of text, the header first."""
    out = [["indicator", "detail", "current", "previous", "change", "change_percent"]]
    for row in rows:
        relative = "" if row.relative is None else f"{row.relative:.1f}"
        out.append(
            [
                row.indicator.key,
                row.detail,
                str(row.current),
                str(row.previous),
                str(row.change),
                relative,
            ]
        )
    return out


@dataclass(frozen=True)
class LateReport:
    report: CrimeReport
    decided_at: datetime | None  # None: still undecided
    hours: int  # from its receipt to the decision, or to now


def late_reports(user: Official, filters: Filters, now: datetime) -> list[LateReport]:
    """Reports received in the period and not decided within the registration limit
    (TERGEU_REPORT_REGISTRATION_HOURS): still undecided, or decided late; by the reader's
    bodies and filters (a report has no offence category yet)."""
    limit = timedelta(hours=settings.TERGEU_REPORT_REGISTRATION_HOURS)
    zone = clock.legal_zone()
    since = datetime.combine(filters.start, time(0), tzinfo=zone)
    until = datetime.combine(filters.end + timedelta(days=1), time(0), tzinfo=zone)
    reports = CrimeReport.objects.filter(received_at__gte=since, received_at__lt=until).filter(
        Q(decision__isnull=True, received_at__lt=now - limit)
        | Q(decision__decided_at__gt=F("received_at") + limit)
    )
    within = scope(user)
    if within is not None:
        reports = reports.filter(agency__in=Agency.objects.filter(within))
    if filters.region:
        reports = reports.filter(agency__region__code=filters.region)
    if filters.agency_id:
        reports = reports.filter(agency_id=filters.agency_id)
    late = []
    for report in reports.select_related("agency", "decision").order_by("received_at")[:500]:
        decision = getattr(report, "decision", None)
        decided_at = decision.decided_at if decision is not None else None
        hours = int(((decided_at or now) - report.received_at).total_seconds() // 3600)
        late.append(LateReport(report, decided_at, hours))
    return late


@dataclass(frozen=True)
class Drop:
    agency: Agency
    current: int
    previous: int

    @property
    def relative(self) -> float:
        return 100.0 * (self.current - self.previous) / self.previous


def registration_drops(user: Official, filters: Filters) -> list[Drop]:
    """The bodies whose registrations fell sharply against the same period a year earlier
    (TERGEU_STATS_DROP_PERCENT, from at least TERGEU_STATS_DROP_MINIMUM), the steepest first."""

    def by_body(start: date, end: date) -> dict[int, int]:
        rows = (
            facts(user, filters, start, end)
            .filter(indicator="registered")
            .values("agency_id")
            .annotate(n=Sum("count"))
            .order_by()
        )
        return {r["agency_id"]: int(r["n"]) for r in rows}

    now = by_body(filters.start, filters.end)
    before = by_body(year_before(filters.start), year_before(filters.end))
    minimum, percent = settings.TERGEU_STATS_DROP_MINIMUM, settings.TERGEU_STATS_DROP_PERCENT
    falling = {
        agency_id: n
        for agency_id, n in before.items()
        if n >= minimum and 100 * (n - now.get(agency_id, 0)) >= percent * n
    }
    agencies = Agency.objects.in_bulk(falling)
    drops = [Drop(agencies[a], now.get(a, 0), n) for a, n in falling.items()]
    return sorted(drops, key=lambda d: (d.relative, d.agency.name))
