"""The officials' workspaces in the web UI: "My cases" puts the most urgent case first and says
how near each case's next deadline is in words and colour."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.urls import reverse

from tergeu import clock
from tergeu.cases.models import Case
from tergeu.registry.services import case_register
from tests.conftest import World
from tests.test_web import web


def test_my_cases_puts_the_nearest_deadline_first_with_its_badge(world: World) -> None:
    now = clock.now()
    dues = {
        "far": now + timedelta(days=10, hours=1),
        "none": None,
        "overdue": now - timedelta(hours=1),
        "soon": now + timedelta(hours=50, minutes=30),
        "today": now + timedelta(hours=5, minutes=30),
    }
    numbers = {}
    for summary, due in dues.items():
        case = case_register(
            actor=world.rita,
            qualification={"article": "188", "offence_category": "medium"},
            summary=summary,
            investigation_unit=world.unit,
        )
        Case.objects.filter(pk=case.pk).update(next_due_at=due)
        numbers[summary] = case.register_number
    page = web(world.rita).get(reverse("web:my_cases")).content.decode()
    shown = re.findall(r'class="number">(\d+)<', page)
    order = ["overdue", "today", "soon", "far", "none"]
    assert shown == [numbers[s] for s in order]
    badges = re.findall(r'class="badge badge-(\w+)"><time [^>]+>([^<]+)<', page)
    assert badges == [
        ("red", "overdue"),
        ("red", "5 hours left"),
        ("amber", "50 hours left"),
        ("green", "10 days left"),
    ]


def test_the_queue_counts_the_hours_left_to_decide(world: World) -> None:
    from tergeu.cases.models import Awaited
    from tests.test_flow_api import register_case

    case_id = register_case(world)["case_id"]
    case = Case.objects.get(pk=case_id)
    Awaited.objects.create(
        case=case,
        kind="recognition_as_suspect",
        request_seq=1,
        decision="agreement",
        role="prosecutor",
        assignee=world.petra,
        opened_at=clock.now(),
        due_at=clock.now() + timedelta(hours=7, minutes=30),
    )
    page = web(world.petra).get(reverse("web:my_queue")).content.decode()
    assert '<span class="badge badge-red">7 hours left</span>' in page


def test_the_inbox_lists_my_notifications_and_marks_them_read(world: World) -> None:
    from tergeu.notifications.models import Notification
    from tergeu.notifications.services import notify
    from tests.test_flow_api import register_case

    case_id = register_case(world)["case_id"]
    for text in ("First notice", "Second notice"):
        notify([world.alice.pk], kind="duty", message=text, case_id=case_id)
    notify([world.ivan.pk], kind="duty", message="Ivan's own notice", case_id=case_id)
    alice = web(world.alice)
    cases = alice.get(reverse("web:my_cases")).content.decode()
    assert "2 unread" in cases
    page = alice.get(reverse("web:my_inbox")).content.decode()
    assert page.index("Second notice") < page.index("First notice")  # the newest first
    assert "Ivan's own notice" not in page
    assert page.count('class="unread"') == 2

    answer = alice.post(reverse("web:my_inbox"), follow=True)
    assert "2 notifications marked read." in answer.content.decode()
    assert "unread" not in alice.get(reverse("web:my_cases")).content.decode()
    assert Notification.objects.filter(recipient=world.ivan, read_at__isnull=True).count() == 1


def test_the_prosecutor_s_supervision_list_and_its_filters(world: World) -> None:
    from tergeu.access.models import AccessLog
    from tergeu.cases.models import Deadline, DeadlineState
    from tests.test_flow_api import register_case

    late_id = register_case(world)["case_id"]
    calm_id = register_case(world)["case_id"]
    late, calm = Case.objects.get(pk=late_id), Case.objects.get(pk=calm_id)
    clock_ = Deadline.objects.filter(case=late, state=DeadlineState.RUNNING).first()
    assert clock_ is not None
    past = clock.now() - timedelta(hours=2)
    Deadline.objects.filter(pk=clock_.pk).update(due_at=past)
    Case.objects.filter(pk=late.pk).update(next_due_at=past)

    petra = web(world.petra)
    everything = petra.get(reverse("web:supervision")).content.decode()
    assert late.register_number in everything
    assert calm.register_number in everything
    assert everything.index(late.register_number) < everything.index(calm.register_number)
    assert 'href="/supervision/"' in everything  # the prosecutor's menu has it
    overdue = petra.get(reverse("web:supervision"), {"overdue": "on"}).content.decode()
    assert late.register_number in overdue
    assert calm.register_number not in overdue
    assert "overdue" in overdue
    assert AccessLog.objects.filter(official=world.petra, action="list_supervision").count() == 2

    alice = web(world.alice)
    assert alice.get(reverse("web:supervision")).status_code == 404
    assert 'href="/supervision/"' not in alice.get(reverse("web:my_cases")).content.decode()


def test_the_defence_workspace_notice_and_motion(world: World) -> None:
    from tergeu.defence.models import DefenceAdmission
    from tergeu.journal.models import Act
    from tests.test_covert import SUSPECT, Covert, suspect_recognised
    from tests.test_refusals import database_state

    case = Covert(world).case
    suspect_recognised(world, case)
    lawyer = web(world.lawyer())
    alice = web(world.alice)
    page = lawyer.get(reverse("web:defence")).content.decode()
    assert "You defend no one in tergeu yet." in page

    before = database_state()
    wrong = lawyer.post(
        reverse("web:defence"),
        {"notice-register_number": "999999999999999", "notice-client_iin": SUSPECT[4:]},
    )
    assert wrong.status_code == 404
    assert "No such case." in wrong.content.decode()
    bad = lawyer.post(reverse("web:defence"), {"notice-register_number": case.register_number})
    assert bad.status_code == 422
    assert database_state() == before

    entered = lawyer.post(
        reverse("web:defence"),
        {"notice-register_number": case.register_number, "notice-client_iin": SUSPECT[4:]},
    )
    assert entered.status_code == 302
    admission = DefenceAdmission.objects.get()
    assert entered["Location"] == reverse("web:case", args=[case.pk])

    motion_url = reverse("web:motion_new", args=[admission.pk])
    filed = lawyer.post(
        motion_url,
        {f"m{admission.pk}-matter": "expertise", f"m{admission.pk}-text": "Please"},
        follow=True,
    )
    text = filed.content.decode()
    assert "Motion filed: act no." in text
    assert "an expert examination" in text
    assert "awaiting the decision (3 days)" in text
    assert Act.objects.filter(case=case, kind="motion").count() == 1

    assert alice.get(reverse("web:defence")).status_code == 404
    before = database_state()
    assert (
        alice.post(
            motion_url, {f"m{admission.pk}-matter": "other", f"m{admission.pk}-text": "x"}
        ).status_code
        == 404
    )
    assert database_state() == before


def test_the_judge_decides_a_covert_request_on_its_compartment_page(world: World) -> None:
    from tergeu.journal.models import Act
    from tests.test_covert import MARKER, Covert
    from tests.test_refusals import database_state

    covert = Covert(world)
    case = covert.case
    page_url = reverse("web:compartment", args=[case.pk, 1])
    julia, olga, alice = web(covert.julia), web(world.olga), web(world.alice)

    queue = julia.get(reverse("web:my_queue")).content.decode()
    assert f'href="{page_url}"' in queue
    page = julia.get(page_url).content.decode()
    assert "Covert compartment 1" in page
    assert "requested" in page
    assert "Decide" in page

    decide_url = reverse("web:compartment_decide", args=[case.pk, 1, 1])
    before = database_state()
    wrong = julia.post(decide_url, {"r1-outcome": "maybe"})
    assert wrong.status_code == 422
    assert database_state() == before

    until = (clock.now() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    done = julia.post(decide_url, {"r1-outcome": "granted", "r1-until": until}, follow=True)
    text = done.content.decode()
    assert "Decision recorded: act no. 2." in text
    assert "running" in text
    decision = Act.objects.get(compartment__case=case, seq=2)
    assert (decision.kind, decision.actor, decision.payload["request"]) == (
        "decision",
        covert.julia,
        1,
    )

    # Named on it: a link from the case page; not named: no trace, and the 404 page.
    assert f'href="{page_url}"' in alice.get(reverse("web:case", args=[case.pk])).content.decode()
    olga_case = olga.get(reverse("web:case", args=[case.pk])).content.decode()
    assert page_url not in olga_case
    assert MARKER not in olga_case
    assert olga.get(page_url).status_code == 404
    assert olga.post(decide_url, {"r1-outcome": "refused"}).status_code == 404


def test_the_investigator_extends_ends_and_reports_a_covert_action_on_its_page(
    world: World,
) -> None:
    """The acts recorded inside a compartment have their forms on its page, for those who may
    perform them now; a refused one writes nothing, and the unnamed are told it does not
    exist."""
    from tergeu.journal.models import Act
    from tests.test_covert import Covert
    from tests.test_refusals import database_state

    covert = Covert(world)
    case = covert.case
    assert covert.sanction(1).status_code == 201
    page_url = reverse("web:compartment", args=[case.pk, 1])
    alice, julia, olga = web(world.alice), web(covert.julia), web(world.olga)
    page = alice.get(page_url).content.decode()
    assert "Record an act" in page
    extension_url = reverse("web:compartment_act_new", args=[case.pk, 1, "covert_extension"])
    assert f'action="{extension_url}"' in page
    # Only what may be done now: the report follows the end; the judge extends nothing.
    assert "covert_report" not in page
    assert "Record an act" not in julia.get(page_url).content.decode()

    until = (clock.now() + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    wrong = {"covert_extension-covert": "1", "covert_extension-grounds": "new contacts"}
    before = database_state()
    assert alice.post(extension_url, wrong).status_code == 422  # no term
    assert olga.post(extension_url, {**wrong, "covert_extension-until": until}).status_code == 404
    assert julia.post(extension_url, {**wrong, "covert_extension-until": until}).status_code == 403
    other = reverse("web:compartment_act_new", args=[case.pk, 1, "note"])
    assert alice.post(other, {"note-text": "x"}).status_code == 404
    assert database_state() == before

    done = alice.post(extension_url, {**wrong, "covert_extension-until": until}, follow=True)
    assert "Recorded: Covert investigative action: extension." in done.content.decode()
    extension = Act.objects.get(compartment__case=case, seq=3)
    assert (extension.kind, extension.actor, extension.payload["covert"]) == (
        "covert_extension",
        world.alice,
        1,
    )
    end_url = reverse("web:compartment_act_new", args=[case.pk, 1, "covert_end"])
    alice.post(end_url, {"covert_end-covert": "1"})
    page = alice.get(page_url).content.decode()
    assert reverse("web:compartment_act_new", args=[case.pk, 1, "covert_report"]) in page
    assert "ended" in page


def test_a_participant_is_admitted_with_where_copies_reach_them(world: World) -> None:
    """The admission form takes the person's phone and e-mail, kept as their contact; a
    malformed one is refused and writes nothing."""
    from tergeu.notifications.models import Contact
    from tests.conftest import VALID_IIN_2, open_case
    from tests.test_refusals import database_state

    case = open_case(world, notes=0)
    url = reverse("web:act_new", args=[case.pk, "participant_admission"])
    alice = web(world.alice)
    form = alice.get(url).content.decode()
    assert 'name="participant_admission-email"' in form
    person = {
        "participant_admission-role": "witness",
        "participant_admission-iin": VALID_IIN_2,
        "participant_admission-last_name": "Witnessova",
        "participant_admission-first_name": "W",
    }
    before = database_state()
    bad = alice.post(url, {**person, "participant_admission-phone": "12"})
    assert bad.status_code == 422
    assert "country code" in bad.content.decode()
    assert database_state() == before
    alice.post(url, {**person, "participant_admission-email": "witness@example.kz"})
    contact = Contact.objects.get(person__iin=VALID_IIN_2)
    assert contact.email == "witness@example.kz"


def test_the_workspace_pages_cost_the_same_queries_however_many_cases(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tergeu.notifications.services import notify
    from tests.test_flow_api import register_case

    pages = {
        world.rita: [reverse("web:my_cases"), reverse("web:my_inbox")],
        world.petra: [reverse("web:supervision"), reverse("web:my_queue")],
    }
    counts: dict[str, list[int]] = {}
    for total in (1, 6):
        while Case.objects.count() < total:
            case_id = register_case(world)["case_id"]
            notify([world.rita.pk], kind="duty", message="A notice", case_id=case_id)
        for official, paths in pages.items():
            client = web(official)
            for path in paths:
                client.get(path)  # the session, the caches
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(path).status_code == 200
                counts.setdefault(path, []).append(len(captured))
    assert all(few == many for few, many in counts.values()), counts


def test_search_finds_cases_by_number_iin_or_name_within_what_i_may_see(world: World) -> None:
    IIN = "780512320029"  # nobody else's in the tests
    from tergeu.cases.services import participant_admit
    from tests.test_flow_api import register_case
    from tests.test_web import accepted

    mine = Case.objects.get(pk=accepted(world))
    other = Case.objects.get(pk=register_case(world)["case_id"])
    participant_admit(
        case=mine, actor=world.alice, role="victim", iin=IIN, last_name="Жұмабаев",
        first_name="Ерлан",
    )  # fmt: skip
    rita = web(world.rita)

    def found(q: str, client: Any = rita) -> list[str]:
        page = client.get(reverse("web:my_cases"), {"q": q}).content.decode()
        return re.findall(r'class="number">(\d+)<', page)

    assert found(mine.register_number) == [mine.register_number]
    assert found(IIN) == [mine.register_number]
    # (Letters outside ASCII match case-insensitively on PostgreSQL only: SQLite's LIKE folds
    # ASCII alone.)
    assert found("Жұмабаев") == [mine.register_number]
    assert found("Ерлан") == [mine.register_number]
    assert other.register_number not in found(IIN)
    assert found(IIN, web(world.ivan)) == []  # not a case Ivan may see


def test_intake_warns_of_a_report_alike_and_enters_it_only_when_told(world: World) -> None:
    from tergeu.registry.models import CrimeReport
    from tests.conftest import VALID_IIN
    from tests.test_refusals import database_state

    rita = web(world.rita)
    rita.get(reverse("web:report_new"))  # the session exists before counting
    report = {
        "agency": world.unit.pk,
        "source": "written_statement",
        "summary": "A wallet taken on a bus",
        "event_place": "Route 32",
        "event_time": "2024-03-01T18:30",
        "iin": VALID_IIN,
        "last_name": "Testov",
        "first_name": "Demo",
    }
    assert rita.post(reverse("web:report_new"), report).status_code == 302
    first = CrimeReport.objects.get()

    before = database_state()
    again = {**report, "event_place": "route  32", "event_time": "2024-03-01T19:45"}
    warned = rita.post(reverse("web:report_new"), again)
    assert warned.status_code == 200
    page = warned.content.decode()
    assert "A report from the same applicant about the same place and time" in page
    assert reverse("web:report", args=[first.pk]) in page
    assert database_state() == before

    other_time = {**report, "event_time": "2024-03-02T18:30"}
    assert rita.post(reverse("web:report_new"), other_time).status_code == 302  # not alike
    told = rita.post(reverse("web:report_new"), {**again, "duplicate_confirmed": "on"})
    assert told.status_code == 302
    assert CrimeReport.objects.count() == 3


def test_the_head_s_unit_overview(world: World) -> None:
    from tests.test_flow_api import register_case
    from tests.test_web import accepted

    led = [accepted(world), accepted(world)]
    register_case(world)  # nobody leads it yet
    past = clock.now() - timedelta(hours=1)
    Case.objects.filter(pk=led[0]).update(next_due_at=past)

    page = web(world.hector).get(reverse("web:unit")).content.decode()
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>\s*<td>(\d+)</td>\s*<td>(.*?)</td>", page, re.S)
    cells = [(who.strip(), int(count), re.sub(r"<[^>]+>", "", late)) for who, count, late in rows]
    name = world.alice.get_full_name() or world.alice.username
    assert cells == [(name, 2, "1"), ("<em>nobody leads them yet</em>", 1, "0")]
    assert 'href="/unit/"' in page
    assert web(world.alice).get(reverse("web:unit")).status_code == 404
    assert web(world.petra).get(reverse("web:unit")).status_code == 404


def test_the_institution_s_execution_orders(world: World) -> None:
    from tests.test_execution import executing_case

    case, warden, other_warden = executing_case(world)
    page = web(warden).get(reverse("web:execution_orders")).content.decode()
    assert case.register_number in page
    assert "awaiting confirmation" in page
    assert 'href="/execution/"' in page
    assert (
        case.register_number
        not in web(other_warden).get(reverse("web:execution_orders")).content.decode()
    )
    assert web(world.alice).get(reverse("web:execution_orders")).status_code == 404
