"""The administrator's view of the working-day calendar the law's clocks count with (CPC
art. 48): a year's public days off, the days moved off a weekend and the decrees' transfers.
The calendar is the procedure pack's data (calendar.toml), reviewed and versioned with the
rules, so every clock can be recounted the same way later; this page shows it and says where
it is changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.cases.law import pack
from tergeu.procedure.calendar import KZ_CALENDAR


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    why: str


@staff_member_required
def calendar(request: HttpRequest) -> HttpResponse:
    today = clock.now().astimezone(clock.legal_zone()).date()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2015), 2100)
    working = pack().calendar
    days = []
    off = working.days_off(year)
    for day, name in sorted(off.items()):
        days.append(Day(day, working.is_working_day(day), name))
    for day, is_working in sorted(working.transfers.items()):
        if day.year == year:
            why = _("working day by decree") if is_working else _("day off by decree")
            days.append(Day(day, is_working, why))
    days.sort(key=lambda d: d.day)
    first = date(year, 1, 1)
    total = (date(year + 1, 1, 1) - first).days
    working_days = sum(working.is_working_day(first + timedelta(n)) for n in range(total))
    context = {
        **admin.site.each_context(request),
        "title": _("Working-day calendar %(year)s") % {"year": year},
        "year": year,
        "days": days,
        "working_days": working_days,
        "source": KZ_CALENDAR.relative_to(KZ_CALENDAR.parents[3]),
        "previous": year - 1,
        "next": year + 1,
    }
    return render(request, "admin/calendar.html", context)
