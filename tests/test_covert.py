"""Covert investigative actions live in a compartment of the case (arts 231–240): the requesting
investigator, the heads of their unit, the procedural prosecutor and the sanctioning judge see
it; for everyone else — other prosecutors of the chain, other judges, other investigators, the
defence (art. 70(2)(5)) — it does not exist, not even as a number."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.models import Awaited, Case, Compartment, Deadline
from tergeu.cases.watchdog import watchdog_pass
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tergeu.notifications.models import Notification
from tergeu.persons.services import person_get_or_create
from tests.conftest import VALID_IIN_2, ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

SUSPECT = f"iin:{VALID_IIN_2}"
TARGET = "iin:780303301234"  # a person the case names nowhere else
MARKER = "NIGHTJAR"  # the grounds of the covert action: must show nowhere outside


def judge(world: World, username: str) -> Official:
    court, _ = Agency.objects.get_or_create(
        authority_code="7561",
        defaults={
            "name": "Specialised investigating court",
            "kind": AgencyKind.INVESTIGATING_COURT,
            "region": world.unit.region,
        },
    )
    return world.official(username, court, Role.INVESTIGATING_JUDGE)


class Covert:
    """A case with a covert action requested by Alice and sanctioned by Julia, the judge on
    duty; Petra is the procedural prosecutor."""

    def __init__(self, world: World) -> None:
        person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
        person_get_or_create(iin=TARGET[4:], last_name="Watched", first_name="W")
        self.world = world
        self.case: Case = open_case(world, notes=1)
        self.clients: dict[int, ApiClient] = {}
        self.julia = judge(world, "julia")
        self.jamal = judge(world, "jamal")
        now = clock.now()
        DutyShift.objects.create(
            court=Agency.objects.get(authority_code="7561"),
            judge=self.julia,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=400),
        )
        act_append(
            case=self.case,
            kind="procedural_prosecutor_assignment",
            actor=world.petra,
            payload={"prosecutor_id": world.petra.pk},
        )
        self.head_before = (self.case.last_seq, self.case.last_hash)
        request = {"target": TARGET, "item": 2, "grounds": f"{MARKER}: telephone contacts"}
        opened = ApiClient(world.alice).post(
            f"/cases/{self.case.pk}/acts", {"kind": "covert_action", "payload": request}
        )
        assert opened.status_code == 201, opened.json()
        self.opened = opened.json()

    def client(self, who: Official) -> ApiClient:
        if who.pk not in self.clients:
            self.clients[who.pk] = ApiClient(who)
        return self.clients[who.pk]

    def post(self, who: Official, kind: str, payload: dict[str, Any], number: int = 1) -> Any:
        path = f"/cases/{self.case.pk}/compartments/{number}/acts"
        return self.client(who).post(path, {"kind": kind, "payload": payload})

    def sanction(self, request: int, days: int = 20) -> Any:
        until = (clock.now() + timedelta(days=days)).isoformat()
        return self.post(
            self.julia, "decision", {"request": request, "outcome": "granted", "until": until}
        )


def suspect_recognised(world: World, case: Case) -> None:
    """Alice recognises SUSPECT as a suspect in `case`, and Petra agrees."""
    act_append(
        case=case,
        kind="recognition_as_suspect",
        actor=world.alice,
        payload={"party": SUSPECT, "grounds": "x"},
    )
    act_append(
        case=case,
        kind="decision",
        actor=world.petra,
        payload={"request": case.last_seq, "outcome": "granted"},
    )


@pytest.fixture
def covert(world: World) -> Covert:
    return Covert(world)


def test_a_covert_request_opens_a_compartment_outside_the_case_s_journal(
    covert: Covert,
) -> None:
    case = Case.objects.get(pk=covert.case.pk)
    assert covert.opened["compartment"] == 1
    assert covert.opened["seq"] == 1
    assert covert.opened["prev_hash"] == "0" * 64
    # The case's journal, head and projections are exactly as before.
    assert (case.last_seq, case.last_hash) == covert.head_before
    assert not Act.objects.filter(case=case, compartment__isnull=True, kind__startswith="covert")
    assert case.procedure["covert"] == []
    assert not Deadline.objects.filter(case=case, compartment__isnull=True, rule="R60")
    compartment = Compartment.objects.get(case=case)
    named = dict(compartment.members.values_list("official_id", "role"))
    world = covert.world
    assert named == {
        world.alice.pk: Role.INVESTIGATOR,
        world.hector.pk: Role.INVESTIGATION_HEAD,
        world.petra.pk: Role.PROSECUTOR,
        covert.julia.pk: "investigating_judge",
    }
    assert Awaited.objects.get(compartment=compartment).assignee == covert.julia
    assert Deadline.objects.get(compartment=compartment, rule="R60").state == "running"
    assert verify_case(case) == []


def test_the_judge_decides_in_the_compartment_and_the_clocks_follow_the_law(
    covert: Covert,
) -> None:
    queue = ApiClient(covert.julia).get("/me/queue").json()["items"]
    assert [(i["compartment"], i["request"], i["decision"]) for i in queue] == [(1, 1, "sanction")]
    assert covert.sanction(1).status_code == 201
    detail = ApiClient(covert.world.alice).get(f"/cases/{covert.case.pk}/compartments/1").json()
    assert [c["status"] for c in detail["covert"]] == ["running"]
    rules = {d["rule"]: d["state"] for d in detail["deadlines"]}
    assert rules["R60"] == "met"
    assert rules["R62"] == "running"
    assert [a["seq"] for a in detail["acts"]] == [1, 2]
    # An extension is a new request to the judge; the end and the report close the clocks.
    until = (clock.now() + timedelta(days=50)).isoformat()
    extension = covert.post(
        covert.world.alice, "covert_extension", {"covert": 1, "until": until, "grounds": "more"}
    )
    assert extension.status_code == 201, extension.json()
    assert covert.sanction(extension.json()["seq"], days=50).status_code == 201
    ended = covert.post(covert.world.alice, "covert_end", {"covert": 1})
    assert ended.status_code == 201, ended.json()
    reported = covert.post(covert.world.alice, "covert_report", {"covert": 1})
    assert reported.status_code == 201, reported.json()
    compartment = Compartment.objects.get(case=covert.case)
    states = dict(compartment.deadlines.values_list("rule", "state"))
    assert states == {"R60": "met", "R62": "met", "R62M": "met", "R63": "met"}, states
    assert compartment.last_seq == 6
    assert verify_case(Case.objects.get(pk=covert.case.pk)) == []


def test_a_final_decision_of_the_case_starts_the_notice_clock_in_the_compartment(
    covert: Covert,
) -> None:
    world = covert.world
    compartment = _finally_decided(covert)
    case = compartment.case
    notice = compartment.deadlines.get(rule="R64")
    assert notice.state == "running"
    assert notice.responsible == world.alice
    # The case knows nothing of it.
    assert not case.deadlines.filter(rule="R64", compartment__isnull=True).exists()
    sent = covert.post(world.alice, "covert_target_notice", {"covert": 1})
    assert sent.status_code == 201, sent.json()
    assert compartment.deadlines.get(rule="R64").state == "met"
    assert verify_case(Case.objects.get(pk=case.pk)) == []


def _finally_decided(covert: Covert) -> Compartment:
    """The covert action ended and the case terminated: the 6-month notice clock runs."""
    world = covert.world
    assert covert.sanction(1).status_code == 201
    assert covert.post(world.alice, "covert_end", {"covert": 1}).status_code == 201
    case = Case.objects.get(pk=covert.case.pk)
    termination = act_append(
        case=case,
        kind="termination",
        actor=world.alice,
        payload={"ground": "no corpus delicti", "rehabilitating": True},
    )
    act_append(
        case=case,
        kind="decision",
        actor=world.petra,
        payload={"request": termination.seq, "outcome": "granted"},
    )
    return Compartment.objects.get(case=case)


def test_the_judge_puts_the_notice_off_up_to_a_year(covert: Covert) -> None:
    world = covert.world
    compartment = _finally_decided(covert)
    decided = clock.now()
    too_late = (decided + timedelta(days=370)).isoformat()
    covert.client(world.alice)
    before = database_state()
    refused = covert.post(
        world.alice,
        "covert_notice_extension",
        {"covert": 1, "until": too_late, "grounds": "the group is still at large"},
    )
    assert_error(refused, 409, "notice_beyond_a_year")
    assert database_state() == before
    until = decided + timedelta(days=300)
    asked = covert.post(
        world.alice,
        "covert_notice_extension",
        {"covert": 1, "until": until.isoformat(), "grounds": "the group is still at large"},
    )
    assert asked.status_code == 201, asked.json()
    awaited = Awaited.objects.get(compartment=compartment, request_seq=asked.json()["seq"])
    assert awaited.assignee == covert.julia
    granted = covert.post(
        covert.julia,
        "decision",
        {"request": asked.json()["seq"], "outcome": "granted", "until": until.isoformat()},
    )
    assert granted.status_code == 201, granted.json()
    notice = compartment.deadlines.get(rule="R64")
    assert (notice.state, notice.due_at) == ("running", until)
    assert verify_case(Case.objects.get(pk=covert.case.pk)) == []


def test_the_judge_may_allow_not_notifying_the_person(covert: Covert) -> None:
    world = covert.world
    compartment = _finally_decided(covert)
    asked = covert.post(
        world.alice,
        "covert_notice_waiver",
        {"covert": 1, "ground": "criminal_group", "grounds": "members not yet identified"},
    )
    assert asked.status_code == 201, asked.json()
    assert compartment.deadlines.get(rule="R64").state == "running"
    refused = covert.post(
        covert.julia, "decision", {"request": asked.json()["seq"], "outcome": "refused",
                                   "reasons": "no ground shown"},
    )  # fmt: skip
    assert refused.status_code == 201, refused.json()
    assert compartment.deadlines.get(rule="R64").state == "running"
    again = covert.post(
        world.alice,
        "covert_notice_waiver",
        {"covert": 1, "ground": "criminal_group", "grounds": "two members identified"},
    )
    assert covert.sanction(again.json()["seq"]).status_code == 201
    assert compartment.deadlines.get(rule="R64").state == "cancelled"
    assert verify_case(Case.objects.get(pk=covert.case.pk)) == []


def _everything_seen(who: Official, case: Case) -> str:
    """Every list, detail, journal, queue, inbox and page `who` can open about `case`."""
    api = ApiClient(who)
    bodies = [
        api.get("/cases").content,
        api.get("/cases", q=case.register_number).content,
        api.get(f"/cases/{case.pk}").content,
        api.get(f"/cases/{case.pk}/acts").content,
        api.get(f"/cases/{case.pk}/acts/allowed", explain="true").content,
        api.get(f"/cases/{case.pk}/compartments").content,
        api.get(f"/cases/{case.pk}/compartments/1").content,
        api.get("/me/queue").content,
    ]
    browser = Client()
    browser.force_login(who)
    for url in (
        "/cases/",
        f"/cases/?q={case.register_number}",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/why-not/",
        "/queue/",
        "/notifications/",
    ):
        bodies.append(browser.get(url, headers={"Accept-Language": "en"}).content)
    seen = "\n".join(body.decode() for body in bodies)
    # A form's CSRF token is random letters and digits, and may spell "R60" by chance.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", seen)


def test_nobody_else_sees_a_trace_of_the_compartment(covert: Covert) -> None:
    world = covert.world
    assert covert.sanction(1).status_code == 201
    case = Case.objects.get(pk=covert.case.pk)
    # Let every clock of the compartment breach and escalate: the watchdog tells only those
    # named on it.
    with clock.frozen(clock.now() + timedelta(days=60)):
        watchdog_pass()
        watchdog_pass()
        watchdog_pass()
    assert Notification.objects.filter(recipient=world.alice, case=case).exists()
    # Olga (the oblast prosecutor) sees the case through her office; Jamal is a judge of the
    # same court; Victor an investigator of the unit; Ivan of another unit; Oscar nobody.
    outsiders = [world.olga, covert.jamal, world.victor, world.ivan, world.oscar]
    for who in outsiders:
        seen = _everything_seen(who, case)
        for trace in (MARKER, TARGET, "covert_extension", "covert_end", "R62", "R60"):
            where = seen.find(trace)
            assert where < 0, (who.username, trace, seen[max(0, where - 300) : where + 100])
        assert not Notification.objects.filter(recipient=who, case=case).exists()
    olga = ApiClient(world.olga)
    assert olga.get(f"/cases/{case.pk}").status_code == 200  # she does see the case
    assert olga.get(f"/cases/{case.pk}/compartments").json() == {"items": []}
    missing = olga.get(f"/cases/{case.pk}/compartments/1")
    nonexistent = olga.get(f"/cases/{case.pk}/compartments/2")
    assert missing.status_code == nonexistent.status_code == 404
    assert json.loads(missing.content)["error"]["code"] == "compartment_not_found"
    assert missing.json()["error"]["message"] == nonexistent.json()["error"]["message"]
    # Those named on it see it.
    for who in (world.alice, world.hector, world.petra, covert.julia):
        items = ApiClient(who).get(f"/cases/{case.pk}/compartments").json()["items"]
        assert [i["number"] for i in items] == [1], who.username


def test_refused_covert_acts_write_nothing(covert: Covert) -> None:
    world = covert.world
    case = covert.case
    for who in (covert.jamal, world.olga, world.alice):
        covert.client(who)
    before = database_state()
    # Only the judge named on the request decides it; another judge is told it does not exist.
    refused = covert.post(covert.jamal, "decision", {"request": 1, "outcome": "granted"})
    assert_error(refused, 404, "case_not_found")
    # An official of the case not named on the compartment: it does not exist for her.
    refused = covert.post(world.olga, "covert_end", {"covert": 1})
    assert_error(refused, 404, "compartment_not_found")
    # A covert act outside a compartment, an ordinary act inside one.
    outside = covert.client(world.alice).post(
        f"/cases/{case.pk}/acts", {"kind": "covert_end", "payload": {"covert": 1}}
    )
    assert_error(outside, 409, "compartment_required")
    inside = covert.post(world.alice, "note", {"text": "x"})
    assert_error(inside, 409, "not_a_compartment_act")
    # Not running yet: the engine refuses the end of an action the judge has not sanctioned.
    early = covert.post(world.alice, "covert_end", {"covert": 1})
    assert_error(early, 409, "covert_state")
    assert database_state() == before


def test_verify_journal_detects_a_forged_compartment(covert: Covert) -> None:
    assert covert.sanction(1).status_code == 201
    Compartment.objects.filter(case=covert.case).update(last_hash="f" * 64)
    problems = [str(p) for p in verify_case(Case.objects.get(pk=covert.case.pk))]
    assert any("compartment 1" in p and "head differs" in p for p in problems), problems
    Compartment.objects.filter(case=covert.case).update(procedure={})
    problems = [str(p) for p in verify_case(Case.objects.get(pk=covert.case.pk))]
    assert any("part of the procedure differs" in p for p in problems), problems


def _readable(response: Any) -> str:
    """What a response says, as text: a ZIP's files, a PDF's text, any other body decoded."""
    content = bytes(response.content)
    kind = response.get("Content-Type", "")
    if kind == "application/zip":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "\n".join(_readable_bytes(archive.read(n)) for n in archive.namelist())
    return _readable_bytes(content)


def _readable_bytes(content: bytes) -> str:
    if content.startswith(b"%PDF"):
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return content.decode("utf-8", errors="replace")


def _every_get_endpoint(case: Case) -> list[str]:
    """Every GET path of the API (from its OpenAPI schema, so a new endpoint is covered when it
    is added), filled in for `case`: its acts by number, compartments 1 and 2, and a search
    for the person watched."""
    from tergeu.api.main import api

    paths: list[str] = []
    fill = {"case_id": [case.pk], "number": [1, 2], "seq": [1, 2, 3], "report_id": [1]}
    for path, operations in api.get_openapi_schema()["paths"].items():
        if "get" not in operations:
            continue
        path = path.removeprefix("/api/v1")
        variants = [path]
        for name, values in fill.items():
            if "{" + name + "}" in path:
                variants = [v.replace("{" + name + "}", str(x)) for v in variants for x in values]
        paths.extend(v for v in variants if "{" not in v)
    return paths


def test_the_defence_and_outsiders_find_no_trace_on_any_endpoint(covert: Covert) -> None:
    """A lawyer admitted for the suspect, a lawyer of nobody, an investigator of another unit
    and a person with no office call every GET endpoint of the API, with searches for the
    register number and the person watched: no covert item, count or trace."""
    world = covert.world
    assert covert.sanction(1).status_code == 201
    bar = Agency.objects.create(
        name="Almaty bar", kind=AgencyKind.LEGAL_CONSULTATION, authority_code="7590",
        region=world.unit.region,
    )  # fmt: skip
    lawyer = world.official("lena", bar, Role.DEFENCE_LAWYER)
    stranger = world.official("luka", bar, Role.DEFENCE_LAWYER)
    # The suspect becomes a participant, and the lawyer enters by a notice of defence.
    act_append(
        case=covert.case,
        kind="recognition_as_suspect",
        actor=world.alice,
        payload={"party": SUSPECT, "grounds": "x"},
    )
    recognised = covert.case.last_seq
    act_append(
        case=covert.case,
        kind="decision",
        actor=world.petra,
        payload={"request": recognised, "outcome": "granted"},
    )
    notice = covert.client(lawyer).post(
        "/defence/notices",
        {"register_number": covert.case.register_number, "client_iin": VALID_IIN_2},
    )
    assert notice.status_code == 201, notice.json()
    case = Case.objects.get(pk=covert.case.pk)
    assert covert.client(lawyer).get(f"/cases/{case.pk}").status_code == 200
    paths = _every_get_endpoint(case)
    assert f"/cases/{case.pk}/compartments/1" in paths
    searches = [f"/cases?q={case.register_number}", f"/cases?q={TARGET[4:]}", "/cases?q=covert"]
    for who in (lawyer, stranger, world.ivan, world.oscar):
        api = covert.client(who)
        seen = "\n".join(_readable(api.get(path)) for path in [*paths, *searches])
        # The lawyer does see the case (so the answers are not just refusals).
        assert (case.register_number in seen) == (who == lawyer), who.username
        for trace in (MARKER, TARGET, TARGET[4:], "covert_extension", 'compartment": 1', "R62"):
            where = seen.find(trace)
            assert where < 0, (who.username, trace, seen[max(0, where - 200) : where + 100])


def test_a_request_reaching_the_court_with_nobody_on_duty_waits_for_the_next_judge(
    world: World,
) -> None:
    """Nobody is on duty when the covert request is made: it waits unassigned, nobody can
    decide it, and the first watchdog pass after a judge's shift starts gives it to that judge,
    who is then named on the compartment."""
    person_get_or_create(iin=TARGET[4:], last_name="Watched", first_name="W")
    case = open_case(world, notes=0)
    jamal = judge(world, "jamal")
    request = {"target": TARGET, "item": 2, "grounds": "x"}
    opened = ApiClient(world.alice).post(
        f"/cases/{case.pk}/acts", {"kind": "covert_action", "payload": request}
    )
    assert opened.status_code == 201, opened.json()
    compartment = Compartment.objects.get(case=case)
    assert Awaited.objects.get(compartment=compartment).assignee is None
    assert watchdog_pass().assigned == 0
    jamal_api = ApiClient(jamal)
    decide = {"kind": "decision", "payload": {"request": 1, "outcome": "granted"}}
    path = f"/cases/{case.pk}/compartments/1/acts"
    assert_error(jamal_api.post(path, decide), 404, "case_not_found")
    DutyShift.objects.create(
        court=Agency.objects.get(authority_code="7561"),
        judge=jamal,
        starts_at=clock.now() - timedelta(minutes=5),
        ends_at=clock.now() + timedelta(hours=8),
    )
    assert watchdog_pass().assigned == 1
    assert Awaited.objects.get(compartment=compartment).assignee == jamal
    assert compartment.members.filter(official=jamal).exists()
    assert [i["compartment"] for i in jamal_api.get("/me/queue").json()["items"]] == [1]
    assert jamal_api.post(path, decide).status_code == 201
    assert watchdog_pass().assigned == 0


def test_a_judge_of_the_case_may_not_take_a_request_awaiting_the_judge_on_duty(
    covert: Covert,
) -> None:
    """Julia sees the case through the covert request assigned to her; a request of the case
    itself that reached the court while nobody was on duty is not hers to decide."""
    DutyShift.objects.all().delete()
    search = {"matter": "search", "party": SUSPECT, "grounds": "x"}
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    asked = act_append(
        case=covert.case, kind="judicial_sanction_request", actor=covert.world.alice, payload=search
    )
    client = covert.client(covert.julia)
    before = database_state()
    refused = client.post(
        f"/cases/{covert.case.pk}/acts",
        {"kind": "decision", "payload": {"request": asked.seq, "outcome": "granted"}},
    )
    assert_error(refused, 403, "not_assigned")
    assert database_state() == before
