"""The defence through the API (arts 66-70, 99-100, 106, 295-296): a lawyer enters a case by a
notice of defence or an appointment, reads exactly what the law opens to them (every disclosure
logged), files motions with their 3-day clock, takes a refused or undecided motion to the
investigating judge on duty, and presents evidence the investigator must attach.

Personas besides conftest's: Lena defends the client (a suspect) by her notice; Leon is
appointed for another suspect of the same case; Luka is a lawyer admitted to nothing. Jane is the
investigating judge on duty, Jorge another judge of her court."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.models import Awaited, Case, Deadline
from tergeu.defence.disclosure import Entry, grounds
from tergeu.defence.models import DefenceAdmission, DisclosureLog
from tergeu.defence.services import admissions_verify, motion_file
from tergeu.errors import Forbidden
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tergeu.persons.services import person_get_or_create
from tests.conftest import VALID_IIN, ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

ALMATY = ZoneInfo("Asia/Almaty")
START = datetime(2025, 10, 6, 10, 0, tzinfo=ALMATY)  # a Monday, no day off for weeks
CLIENT_IIN = "880305300129"
OTHER_IIN = "921112400347"
MARKER = "ZX-SECRET-7"  # in the covert request: must appear in no answer to the defence
STRANGER_IIN = "770202300562"  # a valid IIN of nobody in the case
CLIENT = f"iin:{CLIENT_IIN}"
OTHER = f"iin:{OTHER_IIN}"


@dataclass
class Scene:
    """A case of Alice's unit (acts 1-10) with two suspects, the client and another."""

    world: World
    case: Case
    lena: Official
    leon: Official
    luka: Official
    jane: Official
    jorge: Official
    clients: dict[int, ApiClient] = field(default_factory=dict)

    def at(self, days: float = 0, hours: float = 0) -> Any:
        return clock.frozen(START + timedelta(days=days, hours=hours))

    def api(self, official: Official) -> ApiClient:
        """One client (one token) per official: refusals are checked against row counts."""
        if official.pk not in self.clients:
            self.clients[official.pk] = ApiClient(official)
        return self.clients[official.pk]

    @property
    def path(self) -> str:
        return f"/cases/{self.case.pk}"

    def seqs(self, official: Official) -> list[int]:
        response = self.api(official).get(f"{self.path}/acts")
        assert response.status_code == 200, response.json()
        return [a["seq"] for a in response.json()["acts"]]

    def kinds(self, official: Official) -> dict[int, str]:
        acts = self.api(official).get(f"{self.path}/acts").json()["acts"]
        return {a["seq"]: a["kind"] for a in acts}

    def notice(self, lawyer: Official, iin: str = CLIENT_IIN, number: str = "") -> Any:
        body = {"register_number": number or self.case.register_number, "client_iin": iin}
        return self.api(lawyer).post("/defence/notices", body)

    def motion(self, lawyer: Official, party: str = CLIENT) -> Any:
        body = {"party": party, "matter": "documents", "text": "obtain the bank statements"}
        return self.api(lawyer).post(f"{self.path}/defence/motions", body)

    def act(self, official: Official, kind: str, payload: dict[str, Any]) -> Any:
        return self.api(official).post(f"{self.path}/acts", {"kind": kind, "payload": payload})

    def complaint(self, lawyer: Official, motion: int) -> Any:
        body = {"grounds": "the statements show where the money went"}
        return self.api(lawyer).post(f"{self.path}/defence/motions/{motion}/complaint", body)

    def verified(self) -> None:
        """The journal checks out, and the admissions are what the journal gives."""
        case = Case.objects.get(pk=self.case.pk)
        assert verify_case(case) == []
        assert admissions_verify(case) == []


def created(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == 201, body
    return body


@pytest.fixture
def scene(world: World) -> Scene:
    return scene_make(world)


def scene_make(world: World) -> Scene:
    bar = Agency.objects.create(
        name="Almaty bar, consultation No. 1", kind=AgencyKind.LEGAL_CONSULTATION,
        authority_code="7598", region=world.region,
    )  # fmt: skip
    court = Agency.objects.create(
        name="Specialised investigating court", kind=AgencyKind.INVESTIGATING_COURT,
        authority_code="7561", region=world.region,
    )  # fmt: skip
    lawyers = [world.official(name, bar, Role.DEFENCE_LAWYER) for name in ("lena", "leon", "luka")]
    jane = world.official("jane", court, Role.INVESTIGATING_JUDGE)
    jorge = world.official("jorge", court, Role.INVESTIGATING_JUDGE)
    DutyShift.objects.create(
        court=court, judge=jane, starts_at=START - timedelta(days=1), ends_at=START + timedelta(60)
    )
    for iin, name in ((CLIENT_IIN, "Clientov"), (OTHER_IIN, "Otherova")):
        person_get_or_create(iin=iin, last_name=name, first_name="S")
    with clock.frozen(START - timedelta(days=1)):
        case = open_case(world, notes=1)  # 1 registration, 2 acceptance, 3 victim, 4 note
        for party in (CLIENT, OTHER):  # 5-6 and 7-8: recognised, agreed by the prosecutor
            act_append(
                case=case,
                kind="recognition_as_suspect",
                actor=world.alice,
                payload={"party": party, "grounds": "seen on the bus camera"},
            )
            act_append(
                case=case,
                kind="decision",
                actor=world.petra,
                payload={"request": case.last_seq, "outcome": "granted"},
            )
        act_append(  # 9
            case=case,
            kind="suspect_interrogation",
            actor=world.alice,
            payload={"party": CLIENT, "summary": "denies"},
        )
        act_append(case=case, kind="note", actor=world.alice, payload={"text": "a witness"})  # 10
    lena, leon, luka = lawyers
    scene = Scene(world, case, lena, leon, luka, jane, jorge)
    for official in (world.alice, world.petra, world.victor, *lawyers, jane, jorge):
        scene.api(official)  # the tokens, before any test takes a snapshot of the rows
    return scene


# --- entering the case ------------------------------------------------------------------------


def test_a_notice_of_defence_opens_what_concerns_the_client(scene: Scene) -> None:
    lena = scene.api(scene.lena)
    with scene.at():
        assert_error(lena.get(scene.path), 404, "case_not_found")

        admission = created(scene.notice(scene.lena))
        detail = lena.get(scene.path).json()
        kinds = scene.kinds(scene.lena)

    assert admission["since_seq"] == 11
    assert (admission["party"], admission["via"]) == (CLIENT, "notice")
    notice = Act.objects.get(case=scene.case, seq=11)
    assert (notice.kind, notice.actor_role) == ("defence_notice", "defence_lawyer")
    # the client's recognition and the prosecutor's agreement with it, the client's
    # interrogation, the lawyer's own notice; not the other suspect's, not the notes
    assert kinds == {
        5: "recognition_as_suspect",
        6: "decision",
        9: "suspect_interrogation",
        11: "defence_notice",
    }
    assert [p["party"] for p in detail["persons"]] == [CLIENT]
    assert detail["participants"] == []  # the victim's name is not the defence's yet
    logged = DisclosureLog.objects.filter(lawyer=scene.lena).order_by("act_seq")
    assert [(r.act_seq, r.ground, r.surface, r.action) for r in logged] == [
        (5, "client", "api", "view_journal"),
        (6, "client", "api", "view_journal"),
        (9, "client", "api", "view_journal"),
        (11, "own", "api", "view_journal"),
    ]
    scene.verified()


def test_a_wrong_number_or_client_is_not_found_alike(scene: Scene) -> None:
    """Nothing leaks to a lawyer who guesses: a number that does not exist, a person who is no
    suspect in the case (the victim) and a stranger get the same answer, and nothing is
    written."""
    lena = scene.api(scene.lena)
    before = database_state()

    with scene.at():
        answers = [
            scene.notice(scene.lena, iin=CLIENT_IIN, number="999999999999999"),
            scene.notice(scene.lena, iin=VALID_IIN),
            scene.notice(scene.lena, iin=STRANGER_IIN),
            scene.notice(scene.lena, iin=OTHER_IIN, number=scene.case.register_number[:-1]),
        ]
        not_lawyer = scene.notice(scene.world.victor)

    bodies = [assert_error(a, 404, "case_not_found") for a in answers]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["error"]["details"] == {}
    assert_error(not_lawyer, 403, "not_a_defence_lawyer")
    assert database_state() == before
    assert_error(lena.get(scene.path), 404, "case_not_found")


def test_an_appointment_through_legal_aid_admits_the_lawyer(scene: Scene) -> None:
    alice = scene.api(scene.world.alice)
    body = {"party": OTHER, "lawyer_id": scene.leon.pk, "grounds": "the suspect asked for one"}
    with scene.at():
        before = database_state()
        not_a_lawyer = alice.post(
            f"{scene.path}/defence/appointments", {**body, "lawyer_id": scene.world.victor.pk}
        )
        assert database_state() == before
        appointed = created(alice.post(f"{scene.path}/defence/appointments", body))
        again = alice.post(f"{scene.path}/defence/appointments", body)
        kinds = scene.kinds(scene.leon)

    assert_error(not_a_lawyer, 422, "not_a_defence_lawyer")
    assert_error(again, 409, "already_admitted")
    assert (appointed["via"], appointed["since_seq"], appointed["lawyer_id"]) == (
        "appointment",
        11,
        scene.leon.pk,
    )
    assert kinds == {7: "recognition_as_suspect", 8: "decision", 11: "defence_appointment"}
    scene.verified()


def test_the_end_of_the_defence_closes_the_case_to_the_lawyer(scene: Scene) -> None:
    alice = scene.api(scene.world.alice)
    with scene.at():
        created(scene.notice(scene.lena))
        ended = created(
            alice.post(
                f"{scene.path}/defence/ends",
                {"party": CLIENT, "lawyer_id": scene.lena.pk, "reasons": "the client refused"},
            )
        )
        hidden = scene.api(scene.lena).get(scene.path)

    assert (ended["since_seq"], ended["until_seq"]) == (11, 12)
    assert_error(hidden, 404, "case_not_found")
    assert not DefenceAdmission.objects.filter(until__isnull=True).exists()
    scene.verified()


# --- what the defence reads -------------------------------------------------------------------


def test_another_partys_lawyer_sees_nothing_of_the_client(scene: Scene) -> None:
    alice = scene.api(scene.world.alice)
    with scene.at():
        created(scene.notice(scene.lena))  # 11
        created(scene.motion(scene.lena))  # 12
        appointment = {"party": OTHER, "lawyer_id": scene.leon.pk}
        created(alice.post(f"{scene.path}/defence/appointments", appointment))  # 13
        leon = scene.seqs(scene.leon)
        luka = scene.api(scene.luka)
        luka_reads = [
            luka.get(scene.path),
            luka.get(f"{scene.path}/acts"),
            luka.get(f"{scene.path}/defence/disclosures"),
        ]

    assert leon == [7, 8, 13]
    for response in luka_reads:
        assert_error(response, 404, "case_not_found")
    assert not DisclosureLog.objects.filter(lawyer=scene.luka).exists()
    assert set(
        DisclosureLog.objects.filter(lawyer=scene.leon).values_list("act_seq", flat=True)
    ) == {7, 8, 13}
    scene.verified()


def test_the_whole_file_opens_at_familiarisation_never_covert_material(scene: Scene) -> None:
    alice = scene.api(scene.world.alice)
    with scene.at():
        created(scene.notice(scene.lena))  # 11
        created(alice.upload(f"{scene.path}/attachments", "plan.txt", b"search plan"))  # 12
        covert = {"target": CLIENT, "item": 2, "grounds": f"{MARKER}: telephone contacts"}
        created(scene.act(scene.world.alice, "covert_action", covert))  # a compartment's
        before = scene.seqs(scene.lena)
        attachment_before = scene.api(scene.lena).get(f"{scene.path}/attachments/12")
    with scene.at(days=1):
        created(scene.act(scene.world.alice, "investigation_completed", {}))  # 13
        lena = scene.api(scene.lena)
        after = scene.kinds(scene.lena)
        attachment_after = lena.get(f"{scene.path}/attachments/12")
        read = [
            lena.get(path).content.decode()
            for path in (scene.path, f"{scene.path}/acts", f"{scene.path}/defence/disclosures")
        ]

    assert before == [5, 6, 9, 11]
    assert_error(attachment_before, 404, "attachment_not_found")
    assert sorted(after) == list(range(1, 14))
    assert not any(kind.startswith("covert_") for kind in after.values())
    assert not any(MARKER in text or "covert" in text or "R60" in text for text in read)
    assert not DisclosureLog.objects.filter(act_kind__startswith="covert").exists()
    assert attachment_after.status_code == 200
    assert b"".join(attachment_after.streaming_content) == b"search plan"
    grounds_logged = dict(
        DisclosureLog.objects.filter(lawyer=scene.lena, action="view_journal")
        .order_by("at", "id")
        .values_list("act_seq", "ground")
    )
    assert (grounds_logged[1], grounds_logged[13], grounds_logged[11]) == ("file", "copy", "own")
    download = DisclosureLog.objects.get(lawyer=scene.lena, action="download_attachment")
    assert (download.act_seq, download.act_kind, download.ground) == (12, "attachment", "file")
    scene.verified()


def test_the_lawyer_reads_the_log_of_disclosures(scene: Scene) -> None:
    lena = scene.api(scene.lena)
    with scene.at():
        created(scene.notice(scene.lena))
    with scene.at(hours=1):
        scene.seqs(scene.lena)
    with scene.at(hours=2):
        created(scene.notice(scene.leon, iin=OTHER_IIN))
        scene.seqs(scene.leon)
        own = lena.get(f"{scene.path}/defence/disclosures").json()
        everyone = scene.api(scene.world.petra).get(f"{scene.path}/defence/disclosures").json()

    assert own["count"] == 4
    assert {item["lawyer_id"] for item in own["items"]} == {scene.lena.pk}
    first = own["items"][-1]
    assert (first["act_seq"], first["act_kind"], first["ground"]) == (
        5,
        "recognition_as_suspect",
        "client",
    )
    assert first["at"].startswith("2025-10-06T06:00")  # 11:00 in Almaty (UTC+5)
    assert (first["surface"], first["action"]) == ("api", "view_journal")
    assert {item["lawyer_id"] for item in everyone["items"]} == {scene.lena.pk, scene.leon.pk}


def test_the_web_timeline_of_the_defence_is_the_disclosed_acts(scene: Scene) -> None:
    from django.test import Client

    client = Client()
    client.force_login(scene.lena)
    with scene.at():
        created(scene.notice(scene.lena))
        page = client.get(f"/cases/{scene.case.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "denies" in html  # the client's interrogation
    assert "a witness" not in html  # a note of the investigator
    assert set(DisclosureLog.objects.filter(surface="web").values_list("act_seq", flat=True)) == {
        5,
        6,
        9,
        11,
    }


# --- motions and complaints -------------------------------------------------------------------


def test_a_refused_motion_goes_to_the_investigating_judge(scene: Scene) -> None:
    alice = scene.world.alice
    with scene.at():
        created(scene.notice(scene.lena))
        motion = created(scene.motion(scene.lena))["seq"]  # 12
        clock_ = Deadline.objects.get(case=scene.case, rule="R67")
        before = database_state()
        early = scene.complaint(scene.lena, motion)
        unreasoned = scene.act(alice, "motion_decision", {"motion": motion, "outcome": "refused"})
        assert database_state() == before
    with scene.at(days=1):
        refused = {"motion": motion, "outcome": "refused", "reasons": "not relevant"}
        created(scene.act(alice, "motion_decision", refused))  # 13
        complaint = created(scene.complaint(scene.lena, motion))["seq"]  # 14
        queue = scene.api(scene.jane).get("/me/queue").json()["items"]
        before = database_state()
        wrong_judge = scene.act(
            scene.jorge, "decision", {"request": complaint, "outcome": "granted"}
        )
        assert database_state() == before
    with scene.at(days=2):
        decided = created(
            scene.act(scene.jane, "decision", {"request": complaint, "outcome": "granted"})
        )
        kinds = scene.kinds(scene.lena)

    assert clock_.due_at == datetime(2025, 10, 10, 0, 0, tzinfo=ALMATY)  # 3 days S from Mon
    assert_error(early, 409, "motion_not_complainable")
    assert_error(unreasoned, 409, "reasons_required")
    assert [(i["kind"], i["request"], i["role"]) for i in queue] == [
        ("defence_complaint", complaint, "investigating_judge")
    ]
    assert queue[0]["due_at"] is not None
    assert_error(wrong_judge, 404, "case_not_found")  # the case is not Jorge's to see
    assert decided["actor_role"] == "investigating_judge"
    states = dict(Deadline.objects.filter(case=scene.case).values_list("rule", "state"))
    assert {rule: states[rule] for rule in ("R67", "R69", "R70")} == {
        "R67": "met",
        "R69": "met",
        "R70": "met",
    }
    assert Awaited.objects.get(case=scene.case, request_seq=complaint).closed_at is not None
    assert {seq: kinds[seq] for seq in (12, 13, 14, 15)} == {
        12: "motion",
        13: "motion_decision",
        14: "defence_complaint",
        15: "decision",
    }
    scene.verified()


def test_an_undecided_motion_goes_to_the_judge_after_3_days(scene: Scene) -> None:
    with scene.at():
        created(scene.notice(scene.lena))
        motion = created(scene.motion(scene.lena))["seq"]
    with scene.at(days=3, hours=13):  # Thursday 23:00: the third day has not ended
        too_early = scene.complaint(scene.lena, motion)
    with scene.at(days=3, hours=14):  # Friday 00:00
        complaint = created(scene.complaint(scene.lena, motion))
        queue = scene.api(scene.jane).get("/me/queue").json()["items"]

    assert_error(too_early, 409, "motion_not_complainable")
    assert [(i["kind"], i["request"]) for i in queue] == [("defence_complaint", complaint["seq"])]
    assert Deadline.objects.get(case=scene.case, rule="R67").state == "running"
    scene.verified()


def test_a_lawyer_not_admitted_is_refused_and_nothing_is_written(scene: Scene) -> None:
    with scene.at():
        created(scene.notice(scene.lena))
        motion = created(scene.motion(scene.lena))["seq"]
        created(scene.notice(scene.leon, iin=OTHER_IIN))
        for official in (scene.luka, scene.leon, scene.lena):
            scene.api(official)  # its token, before the snapshot
        before = database_state()
        stranger = scene.motion(scene.luka)
        other_client = scene.motion(scene.leon, party=CLIENT)
        other_complaint = scene.complaint(scene.leon, motion)
        generic = scene.act(scene.lena, "motion", {"party": CLIENT, "matter": "other", "text": "x"})
        with pytest.raises(Forbidden) as refused:
            motion_file(case=scene.case, lawyer=scene.luka, party=CLIENT, matter="other", text="x")
        after = database_state()

    assert_error(stranger, 404, "case_not_found")
    assert_error(other_client, 403, "not_admitted")
    # Another party's motion does not exist for Leon (a "not yours" would name that party).
    assert_error(other_complaint, 404, "motion_not_found")
    assert_error(generic, 422, "defence_via_service")
    assert refused.value.code == "not_admitted"
    assert after == before
    scene.verified()


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_of_the_defence_must_be_attached(scene: Scene) -> None:
    lena = scene.api(scene.lena)
    alice = scene.api(scene.world.alice)
    form = {"party": CLIENT, "description": "the receipt for the phone"}
    with scene.at():
        created(scene.notice(scene.lena))
        before = database_state()
        refused = lena.client.post(
            f"/api/v1{scene.path}/defence/evidence",
            {**form, "party": OTHER, "file": _file(b"receipt: 1000 KZT")},
            headers=lena.headers,
        )
        assert database_state() == before
        evidence = created(
            lena.client.post(
                f"/api/v1{scene.path}/defence/evidence",
                {**form, "file": _file(b"receipt: 1000 KZT")},
                headers=lena.headers,
            )
        )
        seq = evidence["seq"]
        duty = Deadline.objects.get(case=scene.case, rule="X-DEFENCE-EVIDENCE")
        seen = alice.get(f"{scene.path}/attachments/{seq}")
    with scene.at(days=1):
        attached = created(scene.act(scene.world.alice, "evidence_attachment", {"evidence": seq}))
        twice = scene.act(scene.world.alice, "evidence_attachment", {"evidence": seq})
        kinds = scene.kinds(scene.lena)

    assert_error(refused, 403, "not_admitted")
    assert evidence["kind"] == "defence_evidence"
    assert evidence["payload"]["mime"] == "text/plain"
    assert duty.responsible_id == scene.world.alice.pk
    assert b"".join(seen.streaming_content) == b"receipt: 1000 KZT"
    assert attached["payload"] == {"evidence": seq}
    assert_error(twice, 409, "no_pending_evidence")
    assert Deadline.objects.get(pk=duty.pk).state == "met"
    assert {kinds[seq], kinds[seq + 1]} == {"defence_evidence", "evidence_attachment"}
    scene.verified()


def _file(content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("receipt.txt", content)


# --- the policy itself ------------------------------------------------------------------------


def test_covert_material_is_never_disclosed_even_with_the_file() -> None:
    entries = [
        Entry(1, "registration", {}, 1),
        Entry(2, "covert_action", {"target": CLIENT, "item": 2}, 2),
        Entry(3, "decision", {"request": 2, "outcome": "granted"}, 3),
        Entry(4, "covert_end", {"covert": 2}, 2),
        Entry(5, "recognition_as_suspect", {"party": CLIENT}, 2),
        Entry(6, "decision", {"request": 5, "outcome": "granted"}, 3),
        Entry(7, "motion", {"party": CLIENT}, 9),
        Entry(8, "motion_decision", {"motion": 7, "outcome": "refused"}, 2),
        Entry(9, "recognition_as_suspect", {"party": OTHER}, 2),
        Entry(10, "investigation_completed", {}, 2),
    ]
    clients = frozenset({CLIENT})

    during = grounds(entries, stage="under_investigation", lawyer_id=9, clients=clients)
    familiarising = grounds(entries, stage="familiarization", lawyer_id=9, clients=clients)

    assert during == {5: "client", 6: "client", 7: "own", 8: "client", 10: "copy"}
    assert sorted(familiarising) == [1, 5, 6, 7, 8, 9, 10]


def test_the_demo_lawyer_defends_a_detained_suspect(db: Any) -> None:
    from django.core.management import call_command

    call_command("demo_load", stdout=StringIO())
    lawyer = Official.objects.get(username="defence_lawyer")
    (admission,) = DefenceAdmission.objects.filter(lawyer=lawyer)
    journal = ApiClient(lawyer).get(f"/cases/{admission.case_id}/acts").json()["acts"]

    assert {"defence_notice", "motion"} <= {a["kind"] for a in journal}
    assert Deadline.objects.filter(case_id=admission.case_id, rule="R67").exists()
    assert admissions_verify(admission.case) == []


def test_each_motion_has_its_own_complaint() -> None:
    """The engine: a complaint is a request about its motion — two motions, two complaints
    awaiting the judge at once; the same motion twice, refused while the first awaits."""
    from tests.procedure.helpers import ADULT, Step, decide, opening, suspect
    from tests.procedure.helpers import Case as EngineCase

    case = EngineCase()
    case.play([*opening("2026-11-02 10:00"), suspect(ADULT, "2026-11-02 11:00")])
    case.play([decide("prosecutor", "2026-11-02 12:00")])
    motion = {"party": ADULT, "matter": "expertise", "text": "x"}
    for when in ("2026-11-02 13:00", "2026-11-02 14:00"):  # acts 5 and 6
        case.play([Step("motion", "defence_lawyer", when, motion)])

    for seq in (5, 6):
        complaint = {"motion": seq, "grounds": "x"}
        case.act("defence_complaint", "defence_lawyer", complaint, "2026-11-06 10:00")
    again = case.refusals(
        "defence_complaint", "defence_lawyer", {"motion": 5, "grounds": "x"}, "2026-11-06 11:00"
    )

    assert sorted(r.payload["motion"] for r in case.state.requests.values()) == [5, 6]
    assert again == ["request_pending"]
