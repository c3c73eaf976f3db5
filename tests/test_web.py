"""The web UI through Django's test client: who sees what, the forms going through the services,
refused forms writing nothing, the journal's paging, translations."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tergeu import clock
from tergeu.access.models import AccessLog
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import Case, Participant, Stage
from tergeu.cases.services import participant_admit
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.registry.models import CrimeReport, ReportStatus
from tergeu.registry.services import case_register
from tests.conftest import VALID_IIN, VALID_IIN_2, World
from tests.test_flow_api import register_case

INVALID_IIN = "900101300018"  # the check digit of VALID_IIN, off by one
LOCALE = Path(__file__).resolve().parent.parent / "tergeu" / "locale"


def web(user: Official | None = None, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    if user is not None:
        client.force_login(user)
    return client


def row_counts() -> dict[str, int]:
    """Rows of every table but the heads of the access log's chains (part of the log: a
    reader's first read adds one)."""
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.label != "access.AccessChain"
    }


def case_url(case_id: int) -> str:
    return reverse("web:case", args=[case_id])


def registered(world: World) -> tuple[int, int]:
    """A case registered from a report by Rita: (case id, report id)."""
    report = register_case(world)
    return report["case_id"], report["id"]


def accepted(world: World) -> int:
    """A registered case accepted into production by Hector for Alice."""
    case_id, _ = registered(world)
    response = web(world.hector).post(
        reverse("web:act_new", args=[case_id, "acceptance"]),
        {"acceptance-investigator": world.alice.pk, "acceptance-form": "preliminary"},
    )
    assert response.status_code == 302, response.content
    return case_id


def test_login_and_logout(world: World) -> None:
    client = web()
    page = client.get(reverse("web:login"))
    assert page.status_code == 200
    assert b'name="password"' in page.content
    refused = client.post(reverse("web:login"), {"username": "rita", "password": "wrong"})
    assert refused.status_code == 200
    assert b'role="alert"' in refused.content
    signed_in = client.post(reverse("web:login"), {"username": "rita", "password": "pw-rita-123"})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("web:my_cases")
    assert client.get(reverse("web:my_cases")).status_code == 200
    assert client.get(reverse("web:logout")).status_code == 405  # sign-out is a POST
    signed_out = client.post(reverse("web:logout"))
    assert signed_out["Location"] == reverse("web:login")
    assert client.get(reverse("web:my_cases")).status_code == 302


def test_anonymous_is_sent_to_login(world: World) -> None:
    case_id, report_id = registered(world)
    login = reverse("web:login")
    for url in (
        reverse("web:my_cases"),
        reverse("web:report_new"),
        reverse("web:report", args=[report_id]),
        case_url(case_id),
        reverse("web:journal", args=[case_id]),
        reverse("web:attachment", args=[case_id, 1]),
    ):
        response = web().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next="), url
    posted = web().post(reverse("web:act_new", args=[case_id, "note"]), {"note-text": "x"})
    assert posted.status_code == 302
    assert Act.objects.filter(case_id=case_id).count() == 1


def test_my_cases_lists_visible_cases_only(world: World) -> None:
    case_id, _ = registered(world)
    number = Case.objects.get(pk=case_id).register_number
    for official in (world.rita, world.hector, world.petra, world.olga):
        page = web(official).get(reverse("web:my_cases"))
        assert page.status_code == 200
        assert number in page.content.decode(), official.username
    for official in (world.ivan, world.oscar, world.victor, world.adam):
        page = web(official).get(reverse("web:my_cases"))
        assert page.status_code == 200
        assert number not in page.content.decode(), official.username
    listed = AccessLog.objects.filter(official=world.rita, surface="web", action="list_cases")
    assert listed.get().detail["case_ids"] == [case_id]
    ivan_saw = AccessLog.objects.get(official=world.ivan, surface="web", action="list_cases")
    assert ivan_saw.detail["case_ids"] == []


def test_my_cases_search_stage_and_pages(world: World) -> None:
    for i in range(51):
        case_register(
            actor=world.rita,
            qualification={"article": "188", "offence_category": "medium"},
            summary=f"Bicycle theft {i}" if i % 2 else f"Burglary {i}",
            investigation_unit=world.unit,
        )
    client = web(world.hector)
    first = client.get(reverse("web:my_cases"))
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 51
    assert "?page=2" in first.content.decode()
    second = client.get(reverse("web:my_cases"), {"page": 2})
    assert [c.summary for c in second.context["page"].object_list] == ["Burglary 0"]

    found = client.get(reverse("web:my_cases"), {"q": "bicycle"})
    assert found.context["page"].paginator.count == 25
    newest = Case.objects.order_by("-id").first()
    assert newest is not None
    by_number = client.get(reverse("web:my_cases"), {"q": newest.register_number})
    assert [c.pk for c in by_number.context["page"].object_list] == [newest.pk]
    none_yet = client.get(reverse("web:my_cases"), {"stage": Stage.UNDER_INVESTIGATION})
    assert none_yet.context["page"].paginator.count == 0
    assert AccessLog.objects.filter(
        official=world.hector, surface="web", action="list_cases", detail__q="bicycle"
    ).exists()


def test_report_intake_and_registration(world: World) -> None:
    client = web(world.rita)
    form = client.get(reverse("web:report_new"))
    assert form.status_code == 200
    assert world.unit.name in form.content.decode()
    created = client.post(
        reverse("web:report_new"),
        {
            "agency": world.unit.pk,
            "source": "written_statement",
            "summary": "A wallet taken on a bus",
            "event_place": "Route 32",
            "event_time": "2024-03-01T18:30",
            "iin": VALID_IIN,
            "last_name": "Testov",
            "first_name": "Demo",
        },
    )
    assert created.status_code == 302, created.content
    report = CrimeReport.objects.get()
    assert report.applicant_person is not None
    assert report.applicant_person.iin == VALID_IIN
    assert report.event_time is not None
    # The form's time is read in the legal zone (UTC+5).
    assert report.event_time.isoformat() == "2024-03-01T13:30:00+00:00"
    assert created["Location"] == reverse("web:report", args=[report.pk])

    page = client.get(created["Location"])
    assert page.status_code == 200
    assert [type(f).__name__ for f in page.context["decision_forms"]] == [
        "RegisterForm",
        "ForwardForm",
        "RefuseForm",
        "TransferForm",
    ]
    assert AccessLog.objects.filter(
        official=world.rita, surface="web", action="view_report"
    ).exists()

    decided = client.post(
        reverse("web:report", args=[report.pk]),
        {
            "decision": "register",
            "register-article": "190",
            "register-part": "1",
            "register-offence_category": "small",
        },
    )
    case = Case.objects.get()
    assert decided.status_code == 302
    assert decided["Location"] == case_url(case.pk)
    page = client.get(decided["Location"])
    text = page.content.decode()
    assert case.register_number in text
    assert "Registration in the unified register" in text
    assert "R01" in text
    assert "art. 190, part 1" in text
    report.refresh_from_db()
    assert report.status == ReportStatus.REGISTERED
    decided_page = client.get(reverse("web:report", args=[report.pk]))
    assert decided_page.context["decision_forms"] == []
    assert case.register_number in decided_page.content.decode()


def test_statement_without_applicant_is_refused(world: World) -> None:
    client = web(world.rita)
    client.get(reverse("web:report_new"))  # the session exists before counting
    before = row_counts()
    response = client.post(
        reverse("web:report_new"),
        {"agency": world.unit.pk, "source": "written_statement", "summary": "Anonymous letter"},
    )
    assert response.status_code == 422
    assert "must name its applicant" in response.content.decode()
    assert row_counts() == before


def test_invalid_iin_writes_nothing(world: World) -> None:
    client = web(world.rita)
    client.get(reverse("web:report_new"))  # the session exists before counting
    before = row_counts()
    response = client.post(
        reverse("web:report_new"),
        {
            "agency": world.unit.pk,
            "source": "written_statement",
            "summary": "A phone taken",
            "iin": INVALID_IIN,
            "last_name": "Testov",
            "first_name": "Demo",
        },
    )
    assert response.status_code == 422
    assert "IIN check digit is wrong" in response.content.decode()
    assert row_counts() == before


def test_other_report_decisions(world: World) -> None:
    client = web(world.rita)

    def receive(summary: str) -> int:
        response = client.post(
            reverse("web:report_new"),
            {"agency": world.unit.pk, "source": "official_report", "summary": summary},
        )
        assert response.status_code == 302
        return CrimeReport.objects.get(summary=summary).pk

    forwarded, refused, transferred = receive("A"), receive("B"), receive("C")
    response = client.post(
        reverse("web:report", args=[forwarded]),
        {"decision": "forward", "forward-status": "forwarded_audit", "forward-addressee": "Audit"},
    )
    assert response.status_code == 302
    missing_reasons = client.post(
        reverse("web:report", args=[refused]),
        {"decision": "refuse", "refuse-ground": "civil_dispute"},
    )
    assert missing_reasons.status_code == 422
    assert CrimeReport.objects.get(pk=refused).status == ReportStatus.RECEIVED
    client.post(
        reverse("web:report", args=[refused]),
        {"decision": "refuse", "refuse-ground": "civil_dispute", "refuse-reasons": "Loan"},
    )
    client.post(
        reverse("web:report", args=[transferred]),
        {"decision": "transfer", "transfer-to_agency": world.other_unit.pk},
    )
    statuses = {
        pk: CrimeReport.objects.get(pk=pk).status for pk in (forwarded, refused, transferred)
    }
    assert statuses == {
        forwarded: ReportStatus.FORWARDED_AUDIT,
        refused: ReportStatus.REFUSED,
        transferred: ReportStatus.TRANSFERRED,
    }
    # The transferred report enters the other body's book.
    moved = CrimeReport.objects.get(agency=world.other_unit)
    assert (moved.summary, moved.status) == ("C", ReportStatus.RECEIVED)
    again = client.post(
        reverse("web:report", args=[refused]),
        {"decision": "refuse", "refuse-ground": "civil_dispute", "refuse-reasons": "Again"},
    )
    assert again.status_code == 409
    assert "already been decided" in again.content.decode()
    assert (
        web(world.rita).get(reverse("web:report", args=[refused])).context["decision_forms"] == []
    )  # a decided report offers no decisions
    prosecutor = web(world.petra).get(reverse("web:report", args=[transferred]))
    assert prosecutor.status_code == 200
    assert prosecutor.context["decision_forms"] == []


def test_outsiders_get_404(world: World) -> None:
    case_id, report_id = registered(world)
    number = Case.objects.get(pk=case_id).register_number
    before = Act.objects.count()
    case_urls = [
        case_url(case_id),
        reverse("web:journal", args=[case_id]),
        reverse("web:attachment", args=[case_id, 1]),
    ]
    report_url = reverse("web:report", args=[report_id])
    # Victor works in the unit, so he sees its book of reports, but not a case he is not on.
    assert web(world.victor).get(report_url).status_code == 200
    for official in (world.oscar, world.ivan, world.victor):
        client = web(official)
        urls = case_urls if official == world.victor else [*case_urls, report_url]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 404, (official.username, url)
            assert number not in response.content.decode()
        note = client.post(reverse("web:act_new", args=[case_id, "note"]), {"note-text": "x"})
        assert note.status_code == 404
        upload = client.post(
            reverse("web:attachment_new", args=[case_id]),
            {"file": SimpleUploadedFile("a.txt", b"hello")},
        )
        assert upload.status_code == 404
    # A case that does not exist looks the same as one that is not open to the user.
    missing = web(world.rita).get(case_url(case_id + 1000))
    assert missing.status_code == 404
    assert "Not found" in missing.content.decode()
    assert web(world.rita).get("/no-such-page/").status_code == 404
    assert Act.objects.count() == before


def test_case_page_shows_the_case(world: World) -> None:
    case_id = accepted(world)
    alice = web(world.alice)
    page = alice.get(case_url(case_id))
    assert page.status_code == 200
    text = page.content.decode()
    case = Case.objects.get(pk=case_id)
    for expected in (
        case.register_number,
        "Under investigation",
        "art. 188, part 2",
        "Medium gravity",
        "Preliminary investigation",
        world.unit.name,
        world.district_office.name,
        "Alice",
        "R01",
        "179(1)",
        "running",
        "Acceptance into production",
        "Accepted by Alice; form: Preliminary investigation",
        case.last_hash[:12],
    ):
        assert expected in text, expected
    assert AccessLog.objects.filter(
        official=world.alice, case_id=case_id, surface="web", action="view_case"
    ).exists()


def test_acts_through_the_case_page(world: World) -> None:
    case_id = accepted(world)
    alice = web(world.alice)
    url = case_url(case_id)

    def post(kind: str, data: dict[str, Any]) -> Any:
        return alice.post(reverse("web:act_new", args=[case_id, kind]), data)

    assert post("note", {"note-text": "Witnesses canvassed"}).status_code == 302
    response = post(
        "qualification",
        {
            "qualification-article": "188",
            "qualification-part": "3",
            "qualification-offence_category": "grave",
        },
    )
    assert response.status_code == 302
    response = post(
        "participant_admission",
        {
            "participant_admission-iin": VALID_IIN_2,
            "participant_admission-last_name": "Suspectova",
            "participant_admission-first_name": "Demo",
            "participant_admission-role": "suspect",
        },
    )
    assert response.status_code == 302, response.content
    upload = alice.post(
        reverse("web:attachment_new", args=[case_id]),
        {"file": SimpleUploadedFile("protocol.txt", b"Protocol of inspection")},
    )
    assert upload.status_code == 302, upload.content

    page = alice.get(url)
    text = page.content.decode()
    assert "Witnesses canvassed" in text
    assert "Suspectova Demo" in text
    assert "Suspect" in text
    assert "art. 188, part 3" in text
    assert "protocol.txt" in text
    assert Participant.objects.get(case_id=case_id).role == "suspect"
    download = alice.get(reverse("web:attachment", args=[case_id, 6]))
    assert download.status_code == 200
    assert download.getvalue() == b"Protocol of inspection"
    assert [a.kind for a in Act.objects.filter(case_id=case_id)] == [
        "registration",
        "acceptance",
        "note",
        "qualification",
        "participant_admission",
        "attachment",
    ]


def test_forms_follow_capacities(world: World) -> None:
    case_id, _ = registered(world)

    def kinds(official: Official) -> list[str]:
        page = web(official).get(case_url(case_id))
        return [form.kind for _, form in page.context["act_forms"]]

    # The duty officer may also give the prosecutor the notice of the start (art. 179(1)).
    assert kinds(world.rita) == ["note", "prosecutor_notice"]
    assert kinds(world.hector) == [
        "note",
        "acceptance",
        "qualification",
        "participant_admission",
        "jurisdiction_transfer",
        "prosecutor_notice",
    ]
    assert kinds(world.petra) == [
        "note",
        "qualification",
        "participant_admission",
        "jurisdiction_transfer",
        "procedural_prosecutor_assignment",
        "instruction",
    ]
    page = web(world.hector).get(case_url(case_id))
    assert reverse("web:act_new", args=[case_id, "acceptance"]) in page.content.decode()
    assert page.context["attachment_form"] is not None


def test_act_forms_are_fetched_when_opened(world: World) -> None:
    case_id, _ = registered(world)
    url = reverse("web:act_new", args=[case_id, "acceptance"])
    page = web(world.hector).get(case_url(case_id)).content.decode()
    # The case page carries a link to each form, not the form itself.
    assert f'hx-get="{url}"' in page
    assert 'name="acceptance-investigator"' not in page

    fragment = web(world.hector).get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'name="acceptance-investigator"' in body
    assert "<html" not in body
    assert fragment["Vary"].count("HX-Request") == 1

    full = web(world.hector).get(url)  # JavaScript off: a page of its own
    assert full.status_code == 200
    assert "<html" in full.content.decode()
    assert 'name="acceptance-investigator"' in full.content.decode()

    attach = web(world.hector).get(reverse("web:attachment_new", args=[case_id]))
    assert attach.status_code == 200
    assert 'type="file"' in attach.content.decode()


def test_act_form_refused_to_whom_it_is_not_open(world: World) -> None:
    case_id, _ = registered(world)
    url = reverse("web:act_new", args=[case_id, "acceptance"])
    assert web(world.rita).get(url).status_code == 403  # sees the case, may not accept it
    assert web(world.ivan).get(url).status_code == 404  # does not see the case
    assert web(world.oscar).get(url).status_code == 404
    assert web(world.hector).get(reverse("web:act_new", args=[case_id, "nope"])).status_code == 404


def test_refused_act_is_a_form_error(world: World) -> None:
    case_id, _ = registered(world)
    # Rita is offered no acceptance form; posting one anyway is refused by the service.
    refused = web(world.rita).post(
        reverse("web:act_new", args=[case_id, "acceptance"]),
        {"acceptance-investigator": world.alice.pk, "acceptance-form": "inquiry"},
    )
    assert refused.status_code == 403
    assert "Your role does not allow this act" in refused.content.decode()

    hector = web(world.hector)
    before = row_counts()
    response = hector.post(
        reverse("web:act_new", args=[case_id, "participant_admission"]),
        {
            "participant_admission-iin": INVALID_IIN,
            "participant_admission-last_name": "Nobody",
            "participant_admission-first_name": "Demo",
            "participant_admission-role": "witness",
        },
    )
    assert response.status_code == 422
    assert "IIN check digit is wrong" in response.content.decode()
    after = row_counts()
    # Reading the case to post on it is itself logged; nothing else is written.
    assert after.pop("access.AccessLog") == before.pop("access.AccessLog") + 1
    assert after == before

    unknown = hector.post(reverse("web:act_new", args=[case_id, "registration"]), {})
    assert unknown.status_code == 404
    empty = hector.post(reverse("web:act_new", args=[case_id, "note"]), {"note-text": " "})
    assert empty.status_code == 422
    assert Act.objects.filter(case_id=case_id).count() == 1


def test_journal_pages_older_acts(world: World) -> None:
    case_id, _ = registered(world)
    case = Case.objects.get(pk=case_id)
    for i in range(2, 121):
        act_append(case=case, kind="note", payload={"text": f"note {i}"}, actor=world.rita)
    client = web(world.rita)
    page = client.get(case_url(case_id))
    assert [r.seq for r in page.context["rows"]] == list(range(120, 70, -1))
    older = reverse("web:journal", args=[case_id]) + "?before_seq=71"
    assert f'hx-get="{older}"' in page.content.decode()

    rows = client.get(older, headers={"hx-request": "true"})
    assert [r.seq for r in rows.context["rows"]] == list(range(70, 20, -1))
    assert "<html" not in rows.content.decode()
    assert "before_seq=21" in rows.content.decode()
    last = client.get(
        reverse("web:journal", args=[case_id]), {"before_seq": 21}, headers={"hx-request": "true"}
    )
    assert [r.seq for r in last.context["rows"]] == list(range(20, 0, -1))
    assert "before_seq" not in last.content.decode()
    # Without JavaScript the same link opens a whole page.
    whole = client.get(older)
    assert "<html" in whole.content.decode()
    assert "note 70" in whole.content.decode()
    assert AccessLog.objects.filter(case=case, surface="web", action="view_journal").count() == 3


def _case_with_notes(world: World, acts: int) -> Case:
    case = case_register(
        actor=world.rita,
        qualification={"article": "188", "offence_category": "medium"},
        summary=f"Case with {acts} acts",
        investigation_unit=world.unit,
    )
    for i in range(2, acts + 1):
        act_append(case=case, kind="note", payload={"text": f"note {i}"}, actor=world.rita)
    return case


def test_case_page_queries_do_not_grow_with_the_journal(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection

    # A short journal with every kind of name in it, and a long one of notes.
    short = _case_with_notes(world, 1)
    act_append(
        case=short,
        kind="acceptance",
        payload={"investigator_id": world.alice.pk, "form": "inquiry"},
        actor=world.hector,
    )
    participant_admit(
        case=short, actor=world.alice, role="victim", iin=VALID_IIN, last_name="T", first_name="D"
    )
    act_append(case=short, kind="note", payload={"text": "note"}, actor=world.alice)
    long = _case_with_notes(world, 300)
    client = web(world.hector)
    with CaptureQueriesContext(connection) as short_queries:
        assert client.get(case_url(short.pk)).status_code == 200
    with django_assert_max_num_queries(len(short_queries)):
        page = client.get(case_url(long.pk))
    assert page.status_code == 200
    assert len(page.context["rows"]) == 50
    with CaptureQueriesContext(connection) as long_queries:
        client.get(case_url(long.pk))
    assert len(long_queries) == len(short_queries)


def test_language_switch(world: World) -> None:
    client = web(world.rita)
    assert "My cases" in client.get(reverse("web:my_cases")).content.decode()
    switched = client.post(
        reverse("set_language"), {"language": "ru", "next": reverse("web:my_cases")}
    )
    assert switched.status_code == 302
    page = client.get(reverse("web:my_cases")).content.decode()
    assert '<html lang="ru">' in page
    assert "Мои дела" in page
    assert "Заявления и сообщения, ожидающие решения" in page
    client.post(reverse("set_language"), {"language": "kk", "next": "/"})
    assert "Менің істерім" in client.get(reverse("web:my_cases")).content.decode()


def test_russian_case_page(world: World) -> None:
    case_id = accepted(world)
    page = web(world.alice, language="ru").get(case_url(case_id)).content.decode()
    for expected in ("Журнал", "Принятие к производству", "Расследуется", "Средней тяжести"):
        assert expected in page, expected


def test_static_assets_are_local(world: World) -> None:
    page = web(world.rita).get(reverse("web:my_cases")).content.decode()
    assert '<script src="/static/web/htmx.min.js"' in page
    assert 'href="/static/web/app.css"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    htmx = finders.find("web/htmx.min.js")
    assert htmx is not None
    assert Path(str(htmx)).read_text(encoding="utf-8").startswith("var htmx=")


def _po_entries(path: Path) -> list[tuple[str, list[str], bool]]:
    """(msgid, msgstrs, fuzzy) for every entry of a .po file but the header."""
    entries: list[tuple[str, list[str], bool]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key, fuzzy = "", False
        for line in block.splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith("#"):
                continue  # comments, and obsolete entries ("#~")
            elif line.startswith('"') and key:
                fields[key] += _unquote(line)
            else:
                key, _, value = line.partition(" ")
                fields[key] = _unquote(value)
        if fields.get("msgid"):
            msgstrs = [v for k, v in fields.items() if k.startswith("msgstr")]
            entries.append((fields["msgid"], msgstrs, fuzzy))
    return entries


def _unquote(quoted: str) -> str:
    return quoted.strip()[1:-1]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_catalogue_is_complete(language: str) -> None:
    entries = _po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 100
    untranslated = [msgid for msgid, strs, _ in entries if not all(strs)]
    fuzzy = [msgid for msgid, _, is_fuzzy in entries if is_fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_fields_carry_the_checks_the_browser_makes_before_sending(world: World) -> None:
    """forms.js shows these messages inline; the server checks everything again and marks the
    field it refuses for assistive technology."""
    client = web(world.rita, language="ru")
    page = client.get(reverse("web:report_new")).content.decode()
    assert 'src="/static/web/forms.js"' in page
    iin = re.search(r'<input[^>]+name="iin"[^>]*>', page)
    assert iin is not None
    assert 'pattern="\\d{12}"' in iin.group(0)
    assert 'inputmode="numeric"' in iin.group(0)
    assert 'data-pattern-message="ИИН состоит из 12 цифр."' in iin.group(0)
    assert 'aria-describedby="id_iin_helptext"' in iin.group(0)
    messages = re.search(r'<script id="form-messages" type="application/json">(.*?)</script>', page)
    assert messages is not None
    assert json.loads(messages.group(1))["required"] == "Обязательное поле."
    refused = client.post(
        reverse("web:report_new"),
        {"agency": world.unit.pk, "source": "written_statement", "summary": "x", "iin": "12"},
    )
    assert refused.status_code == 422
    iin = re.search(r'<input[^>]+name="iin"[^>]*>', refused.content.decode())
    assert iin is not None
    assert 'aria-invalid="true"' in iin.group(0)
    assert 'aria-describedby="id_iin_helptext id_iin_error"' in iin.group(0)


def test_each_role_lands_on_its_own_workspace(world: World) -> None:
    from tests import flows
    from tests.test_execution import executing_case

    lena = world.lawyer()
    start = clock.now()
    trial = flows.on_duty(world, "trial", Role.TRIAL_JUDGE, start)
    judge = flows.on_duty(world, "judge", Role.INVESTIGATING_JUDGE, start)
    _case, warden, _other = executing_case(world)
    expected = {
        world.rita: "web:my_cases",
        world.alice: "web:my_cases",
        world.hector: "web:unit",
        world.petra: "web:supervision",
        lena: "web:defence",
        trial: "web:court",
        judge: "web:my_queue",
        warden: "web:execution_orders",
    }
    for who, name in expected.items():
        client = web()
        password = f"pw-{who.username}-123"
        who.set_password(password)
        who.save()
        signed_in = client.post(
            reverse("web:login"), {"username": who.username, "password": password}
        )
        assert signed_in["Location"] == reverse(name), who.username
        assert client.get(signed_in["Location"]).status_code == 200, who.username
    # A page asked for before signing in comes first.
    client = web()
    asked = reverse("web:my_inbox")
    signed_in = client.post(
        f"{reverse('web:login')}?next={asked}",
        {"username": "petra", "password": "pw-petra-123", "next": asked},
    )
    assert signed_in["Location"] == asked


def test_the_queue_opens_the_decision_with_its_request_filled_in(world: World) -> None:
    from tergeu.journal.services import act_append
    from tergeu.persons.services import person_get_or_create
    from tests.conftest import VALID_IIN_2, open_case

    case = open_case(world, notes=0)
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    payload = {"party": f"iin:{VALID_IIN_2}", "grounds": "seen"}
    act_append(case=case, kind="recognition_as_suspect", actor=world.alice, payload=payload)
    request = case.last_seq
    client = web(world.petra)
    decide = f"{reverse('web:act_new', args=[case.pk, 'decision'])}?request={request}"
    assert f'href="{decide}"' in client.get(reverse("web:my_queue")).content.decode()
    form = client.get(decide).content.decode()
    field = re.search(r'<input[^>]+name="decision-request"[^>]*>', form)
    assert field is not None
    assert f'value="{request}"' in field.group(0)
    decided = client.post(
        reverse("web:act_new", args=[case.pk, "decision"]),
        {"decision-request": str(request), "decision-outcome": "granted"},
    )
    assert decided.status_code == 302
    assert f'href="{decide}"' not in client.get(reverse("web:my_queue")).content.decode()


def test_the_applicant_is_looked_up_by_iin_as_it_is_typed(world: World) -> None:
    from tergeu.access.models import AccessLog
    from tergeu.persons.services import person_get_or_create
    from tests.conftest import VALID_IIN, VALID_IIN_2
    from tests.test_refusals import database_state

    person_get_or_create(iin=VALID_IIN, last_name="Testov", first_name="Demo")
    client = web(world.rita)
    form = client.get(reverse("web:report_new")).content.decode()
    iin = re.search(r'<input[^>]+name="iin"[^>]*>', form)
    assert iin is not None
    lookup = reverse("web:person_lookup")
    assert f'hx-get="{lookup}"' in iin.group(0)
    assert 'hx-target="#id_iin_lookup"' in iin.group(0)
    assert 'id="id_iin_lookup"' in form
    found = client.get(lookup, {"iin": VALID_IIN}).content.decode()
    assert "In the register: Testov Demo" in found
    new = client.get(lookup, {"participant_admission-iin": VALID_IIN_2}).content.decode()
    assert "Not yet in the register" in new
    assert "type the names" in new
    wrong = client.get(lookup, {"iin": INVALID_IIN}).content.decode()
    assert "IIN check digit is wrong" in wrong
    assert client.get(lookup, {"iin": "1234"}).content.decode().strip() == ""
    logged = AccessLog.objects.filter(official=world.rita, action="person_lookup")
    assert [row.detail["found"] for row in logged.order_by("id")] == [True, False]
    # Nobody else looks persons up: a lawyer, an official who enters no reports, anonymous.
    clients = [web(world.lawyer()), web(world.petra)]
    before = database_state()
    for other in clients:
        assert other.get(lookup, {"iin": VALID_IIN}).status_code == 404
    assert web().get(lookup, {"iin": VALID_IIN}).status_code == 302
    assert database_state() == before


def test_the_queue_keeps_the_history_of_my_decisions(world: World) -> None:
    from tests.test_covert import Covert

    covert = Covert(world)
    assert covert.sanction(1).status_code == 201
    case = covert.case
    page = web(covert.julia).get(reverse("web:my_queue")).content.decode()
    history = page.split('id="history-heading"')[1]
    compartment = reverse("web:compartment", args=[case.pk, 1])
    assert f'href="{compartment}#act-2"' in history
    assert "granted" in history
    # Only one's own decisions: Petra, named on the compartment, decided nothing there.
    assert (
        'id="history-heading"' not in web(world.petra).get(reverse("web:my_queue")).content.decode()
    )
