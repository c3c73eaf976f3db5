"""The printable report for a council meeting: the main comparisons with a year earlier and two
charts (registrations by region, by month), in the reader's language and scope — the same
figures as the statistics page, from the same selectors."""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.documents.pdf import FONT, FONT_BOLD, _fonts, _style
from tergeu.statistics import selectors

WIDTH = A4[0] - 40 * mm
ACCENT = colors.HexColor("#0b5cad")
BEFORE = colors.HexColor("#9bb8d9")


def council_pdf(user: Official, filters: selectors.Filters, regions: dict[str, str]) -> bytes:
    """The report as PDF bytes; `regions`: each region code's name in the reader's language."""
    _fonts()
    rows = [r for r in selectors.table(user, filters) if not r.detail]
    before = (selectors.year_before(filters.start), selectors.year_before(filters.end))
    title = _style("title", fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=4)
    small = _style("small", fontSize=8.5, leading=11, textColor=colors.HexColor("#5b6470"))
    head = _style("head", fontName=FONT_BOLD, fontSize=11, leading=14, spaceBefore=8)
    cell = _style("cell", fontSize=9, leading=11)
    story: list[Any] = [
        Paragraph(_("Legal statistics: the main comparisons"), title),
        Paragraph(
            _("%(start)s – %(end)s, against %(before_start)s – %(before_end)s")
            % {
                "start": f"{filters.start:%Y-%m-%d}",
                "end": f"{filters.end:%Y-%m-%d}",
                "before_start": f"{before[0]:%Y-%m-%d}",
                "before_end": f"{before[1]:%Y-%m-%d}",
            },
            cell,
        ),
        Paragraph(
            _("Counted from the acts of the case files by tergeu on %(when)s.")
            % {"when": f"{clock.now().astimezone(clock.legal_zone()):%Y-%m-%d %H:%M}"},
            small,
        ),
        Spacer(1, 4 * mm),
    ]
    number = _style("number", fontName=FONT_BOLD, fontSize=9, leading=11, alignment=2)
    data: list[list[Any]] = [
        [
            Paragraph(_("Indicator"), _style("first", fontName=FONT_BOLD, fontSize=9)),
            *(
                Paragraph(text, number)
                for text in (_("A year earlier"), _("This period"), _("Change"))
            ),
        ],
    ]
    for row in rows:
        relative = "" if row.relative is None else f" ({row.relative:+.1f}%)"
        data.append(
            [
                Paragraph(str(row.indicator.title), cell),
                f"{row.previous:,}".replace(",", " "),
                f"{row.current:,}".replace(",", " "),
                f"{row.change:+,}".replace(",", " ") + relative,
            ]
        )
    table = Table(data, colWidths=[WIDTH * 0.46, WIDTH * 0.17, WIDTH * 0.17, WIDTH * 0.20])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("FONT", (0, 0), (-1, 0), FONT_BOLD, 9),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#d5dae0")),
            ]
        )
    )
    story += [table]
    by_region = selectors.by_region(user, filters, "registered")
    if by_region:
        story += [
            Paragraph(_("Registered offences by region"), head),
            _regions_chart(by_region, regions),
        ]
    months = selectors.by_month(user, filters, "registered")
    story += [
        Paragraph(_("Registered offences by month, against a year earlier"), head),
        _months_chart(months),
        Paragraph(_("The dark bar is this period, the light one a year earlier."), small),
    ]
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Legal statistics: the main comparisons"),
        author="tergeu",
    )
    document.build(story)
    return out.getvalue()


def _regions_chart(by_region: list[tuple[str, int]], names: dict[str, str]) -> Drawing:
    shown = by_region[:20]
    height = 14 * len(shown) + 20
    drawing = Drawing(WIDTH, height)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 120, 10, WIDTH - 140, height - 20
    chart.data = [[n for _code, n in reversed(shown)]]
    chart.categoryAxis.categoryNames = [
        names.get(code, code or "—") for code, _n in reversed(shown)
    ]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7.5
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = ACCENT
    chart.barLabelFormat = "%d"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.dx = 8
    drawing.add(chart)
    return drawing


def _months_chart(months: list[tuple[str, int, int]]) -> Drawing:
    drawing = Drawing(WIDTH, 150)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30, 20, WIDTH - 40, 115
    chart.data = [[now for _m, now, _b in months], [before for _m, _n, before in months]]
    chart.categoryAxis.categoryNames = [month for month, _n, _b in months]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = ACCENT
    chart.bars[1].fillColor = BEFORE
    drawing.add(chart)
    return drawing
