"""The statistics workspace: the table beside a year earlier, the charts' figures, the CSV; no
covert number anywhere for those not cleared; refused to everyone but analysts and
prosecutors, with nothing written."""

from __future__ import annotations

import csv
import io
import re

from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from tergeu import clock
from tergeu.accounts.models import Official, Role
from tergeu.statistics import rollup
from tests.conftest import World
from tests.test_covert import Covert
from tests.test_refusals import database_state
from tests.test_statistics import register
from tests.test_web import web

URL = reverse("web:statistics")


def analyst(world: World, *, covert: bool = False) -> Official:
    official = world.official("anna", world.gpo, Role.ANALYST)
    if covert:
        official.user_permissions.add(Permission.objects.get(codename="view_covert"))
    return official


def period() -> dict[str, str]:
    today = clock.now().astimezone(clock.legal_zone()).date()
    return {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}


def test_the_analyst_lands_on_the_figures_and_downloads_them(world: World) -> None:
    register(world, category="grave")
    register(world, unit=world.other_unit)
    rollup.refresh()
    anna = analyst(world)
    client = web()
    anna.set_password("pw-anna-123")
    anna.save()
    signed_in = client.post(reverse("web:login"), {"username": "anna", "password": "pw-anna-123"})
    assert signed_in["Location"] == URL
    page = client.get(URL, period()).content.decode()
    table = page.split('id="table-heading"')[1].split("</section>")[0]
    assert "Registered offences" in table
    registered = table.split("Registered offences")[1].split("</tr>")[0]
    assert re.findall(r'<td class="number">(?:<a [^>]+>)?(\d+)', registered) == ["0", "2"]
    regions = page.split('id="regions-heading"')[1].split("</section>")[0]
    assert "Almaty" in regions
    assert "Astana" in regions
    download = client.get(URL, {**period(), "format": "csv"})
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines[0] == ["indicator", "detail", "current", "previous", "change", "change_percent"]
    assert ["registered", "", "2", "0", "2", ""] in lines
    grave = client.get(URL, {**period(), "category": "grave", "format": "csv"}).content.decode()
    assert "registered,,1,0,1," in grave
    workbook = client.get(URL, {**period(), "format": "xlsx"})
    assert workbook["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Indicator"
    assert ["Registered offences", None, 0, 2, 2, None] in rows  # an empty cell is None


def test_no_covert_number_for_those_not_cleared(world: World) -> None:
    covert = Covert(world)
    assert covert.sanction(1).status_code == 201
    rollup.refresh()
    plain = web(analyst(world))
    asked = plain.get(URL, {**period(), "indicator": "covert_decision"})
    assert asked.status_code == 422  # not among the indicators offered, and not named
    workbook = plain.get(URL, {**period(), "format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(workbook)).active
    assert sheet is not None
    cells = " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r)
    assert "covert" not in cells.lower()
    for response in (
        plain.get(URL, period()),
        plain.get(URL, {**period(), "format": "csv"}),
        asked,
    ):
        # The page's own address (the language switcher's "next") repeats what was asked.
        text = re.sub(r'name="next" value="[^"]*"', "", response.content.decode())
        assert "covert" not in text.lower(), text[:300]
    cleared = world.official("carl", world.gpo, Role.ANALYST)
    cleared.user_permissions.add(Permission.objects.get(codename="view_covert"))
    page = web(cleared).get(URL, {**period(), "indicator": "covert_decision"}).content.decode()
    assert "Covert investigative actions: judges&#x27; decisions" in page
    csv_text = web(cleared).get(URL, {**period(), "format": "csv"}).content.decode()
    assert "covert_decision,granted,1,0,1," in csv_text


def test_the_page_is_refused_to_others_and_bad_input_writes_nothing(world: World) -> None:
    register(world)
    rollup.refresh()
    petra = web(world.petra)
    assert petra.get(URL, period()).status_code == 200  # prosecutors read their bodies' figures
    clients = {who.username: web(who) for who in (world.alice, world.rita, world.oscar)}
    anna = web(analyst(world))
    before = database_state()
    for name, client in clients.items():
        assert client.get(URL).status_code == 404, name
        assert client.get(URL, {"format": "csv"}).status_code == 404, name
    assert web().get(URL).status_code == 302
    wrong = anna.get(URL, {"start": "2026-05-01", "end": "2026-04-01"})
    assert wrong.status_code == 422
    assert "The period ends after it starts." in wrong.content.decode()
    assert anna.get(URL, {"start": "yesterday"}).status_code == 422
    assert database_state() == before
    for name in clients:
        assert 'href="/statistics/"' not in clients[name].get("/").content.decode()


def test_the_page_costs_the_same_queries_however_many_facts(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web(analyst(world))
    counts = []
    for n in (1, 4):
        for _ in range(n):
            register(world)
        rollup.refresh()
        client.get(URL, period())
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, period()).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_a_figure_opens_the_cases_behind_it_within_the_reader_s_access(world: World) -> None:
    almaly = register(world, category="grave")
    register(world, category="small")
    astana = register(world, unit=world.other_unit, category="grave")
    rollup.refresh()
    petra = web(world.petra)
    page = petra.get(URL, period()).content.decode()
    drill = reverse("web:statistics_cases")
    assert f'href="{drill}?' in page
    grave = petra.get(drill, {**period(), "indicator": "registered", "category": "grave"})
    text = grave.content.decode()
    assert "1 act counted" in text
    assert almaly.register_number in text
    assert astana.register_number not in text  # not in Petra's offices: not counted either
    # The analyst counts all three, and may open none: no case is hers to read.
    anna = web(analyst(world))
    text = anna.get(drill, {**period(), "indicator": "registered"}).content.decode()
    assert "3 acts counted" in text
    assert "They are in 3 cases." in text
    assert "You may open 0 of them" in text
    assert almaly.register_number not in text
    # A covert figure is not opened for those not cleared; the page is for readers only.
    assert anna.get(drill, {**period(), "indicator": "covert_decision"}).status_code == 422
    alice = web(world.alice)
    before = database_state()
    assert alice.get(drill, {**period(), "indicator": "registered"}).status_code == 404
    assert database_state() == before


def test_the_anomalies_show_reports_not_registered_in_time_and_registrations_falling(
    world: World,
) -> None:
    from datetime import timedelta

    from tergeu.registry.services import report_intake, report_register

    now = clock.now()
    qualification = {"article": "188", "part": "1", "offence_category": "small"}

    def received(hours_ago: float, *, decided_after: float | None = None) -> int:
        report = report_intake(
            agency=world.unit,
            received_by=world.rita,
            source="official_report",
            summary="A report",
            received_at=now - timedelta(hours=hours_ago),
        )
        if decided_after is not None:
            with clock.frozen(report.received_at + timedelta(hours=decided_after)):
                report_register(report=report, actor=world.rita, qualification=qualification)
        return report.pk

    undecided = received(48)
    late = received(60, decided_after=30)
    in_time = received(40, decided_after=2)
    fresh = received(3)
    # Almaly registered 10 a year ago and 1 + the two reports above now; Astana 1 and 1.
    with clock.frozen(now - timedelta(days=365)):
        for _ in range(10):
            register(world)
        register(world, unit=world.other_unit)
    register(world)
    register(world, unit=world.other_unit)
    rollup.refresh()
    url = reverse("web:statistics_anomalies")
    today = now.astimezone(clock.legal_zone()).date()
    window = {"start": (today - timedelta(days=5)).isoformat(), "end": today.isoformat()}
    page = web(world.petra).get(url, window).content.decode()
    reports = page.split('id="late-heading"')[1].split("</section>")[0]
    assert f"No. {undecided}<" in reports
    assert f"No. {late}<" in reports
    assert f"No. {in_time}<" not in reports
    assert f"No. {fresh}<" not in reports
    assert "not yet" in reports
    drops = page.split('id="drops-heading"')[1].split("</section>")[0]
    assert "Almaly police department" in drops
    assert "-70.0%" in drops
    assert "Astana police department" not in drops
    alice = web(world.alice)
    before = database_state()
    assert alice.get(url, window).status_code == 404
    assert database_state() == before


def test_the_council_report_prints_the_main_comparisons_and_charts(world: World) -> None:
    from pypdf import PdfReader

    register(world, category="grave")
    register(world, unit=world.other_unit)
    rollup.refresh()
    page = web(analyst(world)).get(URL, {**period(), "format": "pdf"})
    assert page["Content-Type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(page.content)).pages)
    assert "Legal statistics: the main comparisons" in text
    assert "Registered offences" in text
    assert "Registered offences by region" in text
    assert "Almaty" in text
    assert "covert" not in text.lower()
    russian = web(world.petra, language="ru").get(URL, {**period(), "format": "pdf"})
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(russian.content)).pages)
    assert "Задержанные лица" in text
    assert "Правовая статистика" in text


def test_the_figures_by_article_and_for_one_article(world: World) -> None:
    for article in ("188", "188", "190"):
        register(world, article=article)
    rollup.refresh()
    anna = web(analyst(world))
    page = anna.get(URL, period()).content.decode()
    articles = page.split('id="articles-heading"')[1].split("</section>")[0]
    rows = re.findall(
        r"art\. (\d+)</a></th><td class=\"number\">(\d+)</td><td class=\"number\">(\d+)", articles
    )
    assert rows == [("188", "0", "2"), ("190", "0", "1")]
    assert "article=190" in articles
    one = anna.get(URL, {**period(), "article": "190"}).content.decode()
    table = one.split('id="table-heading"')[1].split("</section>")[0]
    registered = table.split("Registered offences")[1].split("</tr>")[0]
    assert re.findall(r'<td class="number">(?:<a [^>]+>)?(\d+)', registered) == ["0", "1"]
    lines = list(csv.reader(io.StringIO(
        anna.get(URL, {**period(), "article": "188", "format": "csv"}).content.decode()
    )))  # fmt: skip
    assert ["registered", "", "2", "0", "2", ""] in lines
    before = database_state()
    wrong = anna.get(URL, {**period(), "article": "188'; --"})
    assert wrong.status_code == 422
    assert "An article number such as 188 or 99-1." in wrong.content.decode()
    assert database_state() == before


def test_a_figure_counted_when_read_opens_its_cases_too(world: World) -> None:
    """The breached clocks and the duties to inform are not charted (the charts are drawn from
    the rollups) but their cases open like any other figure's."""
    from datetime import timedelta

    with clock.frozen(clock.now() - timedelta(days=10)):
        late = register(world)  # the prosecutor is never told (R01)
    rollup.refresh()
    petra = web(world.petra)
    start = (clock.now() - timedelta(days=12)).astimezone(clock.legal_zone()).date()
    query = {"start": start.isoformat(), "end": period()["end"]}
    drill = reverse("web:statistics_cases")
    for indicator in ("deadline_breached", "notice_missed"):
        found = petra.get(drill, {**query, "indicator": indicator, "detail": "R01"})
        assert found.status_code == 200, indicator
        assert late.register_number in found.content.decode(), indicator
    assert petra.get(URL, {**query, "indicator": "notice_missed"}).status_code == 422
