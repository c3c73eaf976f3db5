"""The statistics workspace for analysts and prosecutors: every indicator for a period beside
the same period a year earlier, filtered by region, body and offence category; one indicator
by region and by month; the table as CSV. Figures come from the rollups of the journal
(tergeu/statistics); covert numbers only for those cleared for them; anyone else gets the 404
page."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from tergeu import clock
from tergeu.access.gate import access_log
from tergeu.access.models import Surface
from tergeu.accounts.models import INVESTIGATING_KINDS, Agency, Official, Region
from tergeu.errors import NotFound
from tergeu.statistics import selectors
from tergeu.statistics.indicators import BY_KEY, detail_label
from tergeu.statistics.report import council_pdf
from tergeu.web.forms import ARTICLE, CATEGORIES
from tergeu.web.views import gated


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


def region_name(region: Region) -> str:
    """The region's name in the page's language."""
    return str(getattr(region, f"name_{get_language()}", "") or region.name_en)


class StatisticsFilters(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    end = forms.DateField(label=gettext_lazy("To"), widget=DateInput())
    region = forms.ChoiceField(label=gettext_lazy("Region"), required=False)
    agency = forms.ModelChoiceField[Agency](
        label=gettext_lazy("Investigating body"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=gettext_lazy("all bodies"),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Offence category"),
        required=False,
        choices=[("", gettext_lazy("any category")), *CATEGORIES],
    )
    article = forms.CharField(
        label=gettext_lazy("Criminal Code article"),
        required=False,
        max_length=6,
        validators=[ARTICLE],
        widget=forms.TextInput(attrs={"size": 6, "inputmode": "numeric"}),
    )
    # The message does not repeat what was asked: an indicator one may not read is not named.
    indicator = forms.ChoiceField(
        label=gettext_lazy("Chart"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose an indicator from the list.")},
    )

    def __init__(self, *args: Any, user: Official, charts: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = [("", _("all regions"))] + [
            (r.code, region_name(r)) for r in Region.objects.order_by("code")
        ]
        self.fields["region"].choices = regions  # type: ignore[attr-defined]
        bodies = Agency.objects.filter(kind__in=INVESTIGATING_KINDS)
        within = selectors.scope(user)
        if within is not None:
            bodies = bodies.filter(within)
        self.fields["agency"].queryset = bodies.order_by("name")  # type: ignore[attr-defined]
        cleared = selectors.covert_cleared(user)
        # The charts are drawn from the rollups: of the indicators counted from the acts.
        self.fields["indicator"].choices = [  # type: ignore[attr-defined]
            (i.key, i.title)
            for i in BY_KEY.values()
            if (cleared or not i.covert) and (i.source == "acts" or not charts)
        ]

    def filters(self) -> selectors.Filters:
        data = self.cleaned_data
        agency = data.get("agency")
        return selectors.Filters(
            start=data["start"],
            end=data["end"],
            region=data.get("region") or "",
            agency_id=agency.pk if agency else None,
            category=data.get("category") or "",
            article=data.get("article") or "",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period ends after it starts."))
        if start and end and (end - start).days > 366:
            self.add_error("end", _("A period is at most a year."))
        return data


def _reader(request: HttpRequest, *, charts: bool = False) -> tuple[Official, StatisticsFilters]:
    """The reader of the statistics (anyone else: the 404 page) and their filters, the
    defaults filled in; `charts`: the indicator asked for is the one to draw."""
    user = request.user
    assert isinstance(user, Official)
    if not selectors.may_read(user):
        raise NotFound(_("The statistics are kept for analysts and prosecutors."), code="not_found")
    return user, StatisticsFilters({**_defaults(), **request.GET.dict()}, user=user, charts=charts)


def _query(form: StatisticsFilters) -> str:
    """The filters as a query, for the links to the cases behind a figure."""
    data = form.cleaned_data
    query = QueryDict(mutable=True)
    query["start"], query["end"] = data["start"].isoformat(), data["end"].isoformat()
    for name in ("region", "category", "article"):
        if data.get(name):
            query[name] = data[name]
    if data.get("agency"):
        query["agency"] = str(data["agency"].pk)
    return query.urlencode()


def _with(form: StatisticsFilters, **changes: str) -> str:
    """The filters as a query with some of them changed."""
    query = QueryDict(_query(form), mutable=True)
    for name, value in changes.items():
        query[name] = value
    query["indicator"] = form.cleaned_data.get("indicator") or "registered"
    return query.urlencode()


def _defaults() -> dict[str, str]:
    today = clock.now().astimezone(clock.legal_zone()).date()
    return {
        "start": date(today.year, 1, 1).isoformat(),
        "end": today.isoformat(),
        "indicator": "registered",
    }


@gated
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    user, form = _reader(request, charts=True)
    if not form.is_valid():
        context = {"form": form, "rows": [], "regions": [], "months": []}
        return render(request, "web/statistics.html", context, status=422)
    filters = form.filters()
    rows = selectors.table(user, filters)
    access_log(
        user,
        surface=Surface.WEB,
        action="view_statistics",
        detail={"start": filters.start.isoformat(), "end": filters.end.isoformat()},
    )
    if request.GET.get("format") == "csv":
        return _csv(rows, filters)
    if request.GET.get("format") == "xlsx":
        return _xlsx(rows, filters)
    if request.GET.get("format") == "pdf":
        names = {r.code: region_name(r) for r in Region.objects.all()}
        response = HttpResponse(council_pdf(user, filters, names), content_type="application/pdf")
        name = f"tergeu-council-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response
    indicator = form.cleaned_data.get("indicator") or "registered"
    regions = selectors.by_region(user, filters, indicator)
    months = selectors.by_month(user, filters, indicator)
    articles = selectors.by_article(user, filters, indicator)
    names = {r.code: region_name(r) for r in Region.objects.all()}
    top = max([n for _r, n in regions] + [1])
    peak = max([max(a, b) for _m, a, b in months] + [1])
    context = {
        "form": form,
        "rows": [(row, detail_label(row.detail) if row.detail else "") for row in rows],
        "chart": BY_KEY[indicator],
        "regions": [(names.get(code, code or "—"), n, 100 * n // top) for code, n in regions],
        "months": [(m, a, b, 100 * a // peak, 100 * b // peak) for m, a, b in months],
        "articles": [(a, now, before, _with(form, article=a)) for a, now, before in articles],
        "csv": f"?{_query(form)}&format=csv",
        "xlsx": f"?{_query(form)}&format=xlsx",
        "pdf": f"?{_query(form)}&format=pdf",
        "query": _query(form),
        "year_before": (selectors.year_before(filters.start), selectors.year_before(filters.end)),
    }
    return render(request, "web/statistics.html", context)


@gated
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure of the table (`indicator`, `detail`, the same filters):
    every one counted, those the reader may open listed."""
    user, form = _reader(request)
    if not form.is_valid():
        return render(request, "web/statistics_cases.html", {"form": form}, status=422)
    filters = form.filters()
    indicator = BY_KEY[form.cleaned_data.get("indicator") or "registered"]
    detail = request.GET.get("detail", "")[:48]
    found = selectors.drill(user, filters, indicator.key, detail)
    access_log(
        user,
        surface=Surface.WEB,
        action="list_statistics_cases",
        detail={"indicator": indicator.key, "case_ids": [c.pk for c in found.cases]},
    )
    back = request.GET.copy()
    back.pop("detail", None)
    context = {
        "form": form,
        "indicator": indicator,
        "detail": detail_label(detail) if detail else "",
        "found": found,
        "back": back.urlencode(),
    }
    return render(request, "web/statistics_cases.html", context)


@gated
@require_GET
def anomalies(request: HttpRequest) -> HttpResponse:
    """What calls for a look: reports not registered within the limit, and bodies whose
    registrations fell sharply against the same period a year earlier."""
    user, form = _reader(request)
    if not form.is_valid():
        return render(request, "web/statistics_anomalies.html", {"form": form}, status=422)
    filters = form.filters()
    late = selectors.late_reports(user, filters, clock.now())
    drops = selectors.registration_drops(user, filters)
    access_log(
        user,
        surface=Surface.WEB,
        action="view_statistics_anomalies",
        detail={"reports": [r.report.pk for r in late], "bodies": [d.agency.pk for d in drops]},
    )
    context = {
        "form": form,
        "late": late,
        "drops": drops,
        "limit": settings.TERGEU_REPORT_REGISTRATION_HOURS,
        "percent": settings.TERGEU_STATS_DROP_PERCENT,
        "minimum": settings.TERGEU_STATS_DROP_MINIMUM,
        "query": _query(form),
    }
    return render(request, "web/statistics_anomalies.html", context)


def _csv(rows: list[selectors.Row], filters: selectors.Filters) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"tergeu-statistics-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for line in selectors.csv_rows(rows):
        writer.writerow(line)
    return response


def _xlsx(rows: list[selectors.Row], filters: selectors.Filters) -> HttpResponse:
    """The table as a workbook: the indicators in words, the figures as numbers."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{filters.start:%Y-%m-%d}..{filters.end:%Y-%m-%d}"[:31]
    before = (selectors.year_before(filters.start), selectors.year_before(filters.end))
    sheet.append(
        [
            _("Indicator"),
            _("Detail"),
            f"{before[0]:%Y-%m-%d} – {before[1]:%Y-%m-%d}",
            f"{filters.start:%Y-%m-%d} – {filters.end:%Y-%m-%d}",
            _("Change"),
            _("Change, %"),
        ]
    )
    for row in rows:
        relative = None if row.relative is None else round(row.relative, 1)
        sheet.append(
            [
                str(row.indicator.title),
                detail_label(row.detail) if row.detail else "",
                row.previous,
                row.current,
                row.change,
                relative,
            ]
        )
    content = io.BytesIO()
    book.save(content)
    response = HttpResponse(
        content.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"tergeu-statistics-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
