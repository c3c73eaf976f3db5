"""The procedure engine inside the product: act_append refuses what the law does not allow and
writes nothing; accepted acts move the stage, the persons and the clocks in the same
transaction; the API and the case page show the acts allowed now, the deadlines with their
explanation and what awaits whom."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse

from tergeu import clock
from tergeu.cases.models import Case, Deadline
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tergeu.notifications.models import Notification
from tergeu.persons.services import person_get_or_create
from tergeu.procedure.state import from_json
from tests.conftest import VALID_IIN_2, ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

SUSPECT = f"iin:{VALID_IIN_2}"


@pytest.fixture
def case(world: World) -> Case:
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    opened: Case = open_case(world, notes=0)
    return opened


def post(world: World, who: str, case: Case, kind: str, payload: dict[str, Any]) -> Any:
    return ApiClient(getattr(world, who)).post(
        f"/cases/{case.pk}/acts", {"kind": kind, "payload": payload}
    )


def detain(world: World, case: Case, *, hours_ago: float = 2) -> Any:
    detained_at = clock.now() - timedelta(hours=hours_ago)
    return post(
        world,
        "alice",
        case,
        "detention",
        {
            "party": SUSPECT,
            "detained_at": detained_at.isoformat(),
            "minor": False,
            "grounds": "caught in the act",
        },
    )


def test_detention_starts_the_liberty_clocks_with_explanations(world: World, case: Case) -> None:
    response = detain(world, case)
    assert response.status_code == 201, response.json()
    detained_at = clock.now() - timedelta(hours=2)
    rows = {d.rule: d for d in Deadline.objects.filter(case=case, subject=SUSPECT)}
    assert set(rows) == {"R36", "R37", "R38", "R39", "R41", "X-RELEASE-DUE"}
    assert rows["X-RELEASE-DUE"].due_at == rows["R39"].due_at - timedelta(hours=2)
    assert rows["X-RELEASE-DUE"].responsible_role == "prosecutor"
    assert rows["R36"].state == "met"  # the protocol came within 3 hours of the detention
    assert abs(rows["R39"].due_at - (detained_at + timedelta(hours=48))) < timedelta(seconds=5)
    assert rows["R41"].due_at == rows["R39"].due_at - timedelta(hours=8)
    detail = ApiClient(world.alice).get(f"/cases/{case.pk}").json()
    r39 = next(d for d in detail["deadlines"] if d["rule"] == "R39")
    assert "48" in r39["explanation"]
    assert "131(4)" in r39["explanation"]
    assert "01.01.2018" in r39["explanation"]  # the version in force since 118-VI
    # the prosecutor is told of the detention by the electronic case (art. 131(3))
    assert Notification.objects.filter(recipient=world.petra, case=case, kind="duty").exists()
    assert verify_case(Case.objects.get(pk=case.pk)) == []


def test_a_refused_act_returns_every_reason_and_writes_nothing(world: World, case: Case) -> None:
    petra = ApiClient(world.petra)
    before = database_state()
    # The prosecutor does not move for custody, and nobody is a suspect yet: both reasons.
    response = petra.post(
        f"/cases/{case.pk}/acts",
        {"kind": "custody_motion", "payload": {"party": SUSPECT, "grounds": "x"}},
    )
    body = assert_error(response, 403, "act_refused")
    codes = {r["code"] for r in body["error"]["details"]["reasons"]}
    assert codes == {"role_not_allowed", "not_a_suspect"}
    assert all(r["message"] and "article" in r for r in body["error"]["details"]["reasons"])
    assert database_state() == before


def test_recognition_awaits_the_prosecutor_and_a_refusal_undoes_it(
    world: World, case: Case
) -> None:
    recognised = post(
        world, "alice", case, "recognition_as_suspect", {"party": SUSPECT, "grounds": "x"}
    )
    assert recognised.status_code == 201, recognised.json()
    seq = recognised.json()["seq"]
    detail = ApiClient(world.alice).get(f"/cases/{case.pk}").json()
    assert detail["awaiting"] == [
        {
            "request": seq,
            "kind": "recognition_as_suspect",
            "role": "prosecutor",
            "decision": "agreement",
            "article": "202(1), (1-1)",
            "due_at": detail["awaiting"][0]["due_at"],
        }
    ]
    # Only the prosecutor decides; Alice may not decide her own request.
    assert_error(
        post(world, "alice", case, "decision", {"request": seq, "outcome": "granted"}),
        403,
        "role_not_allowed",
    )
    assert_error(
        post(world, "petra", case, "decision", {"request": seq, "outcome": "refused"}),
        409,
        "reasons_required",
    )
    interrogated = post(world, "alice", case, "suspect_interrogation", {"party": SUSPECT})
    assert interrogated.status_code == 201, interrogated.json()
    refused = post(
        world, "petra", case, "decision", {"request": seq, "outcome": "refused", "reasons": "no"}
    )
    assert refused.status_code == 201, refused.json()
    state = from_json(Case.objects.get(pk=case.pk).procedure)
    assert state.persons[SUSPECT].status == "none"
    assert state.requests == {}
    # the interrogation done on the urgent route is inadmissible (202(1-2)), and the API says so
    persons = ApiClient(world.alice).get(f"/cases/{case.pk}").json()["persons"]
    assert persons == [
        {
            "party": SUSPECT,
            "status": "none",
            "minor": False,
            "detained_at": None,
            "custody_until": None,
            "inadmissible": [interrogated.json()["seq"]],
        }
    ]
    client = ApiClient(world.alice).client
    client.force_login(world.alice)
    page = client.get(reverse("web:case", args=[case.pk]), headers={"Accept-Language": "en"})
    assert "inadmissible as evidence" in page.content.decode()
    assert ApiClient(world.alice).get(f"/cases/{case.pk}").json()["awaiting"] == []


def test_allowed_acts_and_their_reasons(world: World, case: Case) -> None:
    alice = ApiClient(world.alice)
    allowed = alice.get(f"/cases/{case.pk}/acts/allowed").json()
    kinds = {k["kind"] for k in allowed["allowed"]}
    assert {"detention", "recognition_as_suspect", "note"} <= kinds
    assert "release" not in kinds  # nobody is detained
    assert "refused" not in allowed or allowed["refused"] is None
    explained = alice.get(f"/cases/{case.pk}/acts/allowed?explain=true").json()
    reasons = {k["kind"]: k["reasons"] for k in explained["refused"]}
    assert [r["code"] for r in reasons["release"]] == ["not_deprived_of_liberty"]
    assert "role_not_allowed" in [r["code"] for r in reasons["procedural_prosecutor_assignment"]]
    # after a detention, a release is offered
    detain(world, case)
    kinds = {k["kind"] for k in alice.get(f"/cases/{case.pk}/acts/allowed").json()["allowed"]}
    assert {"release", "detention_notice", "custody_motion"} <= kinds


@pytest.mark.parametrize("name", ["oscar", "ivan", "adam"])
def test_allowed_acts_of_a_hidden_case_are_not_found(world: World, case: Case, name: str) -> None:
    response = ApiClient(getattr(world, name)).get(f"/cases/{case.pk}/acts/allowed")
    assert_error(response, 404, "case_not_found")


def test_the_custody_chain_reaches_the_judges_queue(world: World, case: Case) -> None:
    detain(world, case)
    motion = post(world, "alice", case, "custody_motion", {"party": SUSPECT, "grounds": "flight"})
    assert motion.status_code == 201, motion.json()
    seq = motion.json()["seq"]
    assert (
        post(world, "hector", case, "decision", {"request": seq, "outcome": "granted"}).status_code
        == 201
    )
    assert (
        post(world, "petra", case, "decision", {"request": seq, "outcome": "granted"}).status_code
        == 201
    )
    awaiting = ApiClient(world.alice).get(f"/cases/{case.pk}").json()["awaiting"]
    assert [(a["role"], a["decision"]) for a in awaiting] == [("investigating_judge", "sanction")]
    rows = {d.rule: d for d in Deadline.objects.filter(case=case)}
    assert rows["R41"].state == "met"  # the motion reached the judge before the 8-hour mark
    assert rows["R42"].state == "running"
    assert rows["R42"].responsible_role == "investigating_judge"
    assert verify_case(Case.objects.get(pk=case.pk)) == []


def test_a_release_discharges_and_cancels_the_detention_clocks(world: World, case: Case) -> None:
    detain(world, case)
    released = post(world, "alice", case, "release", {"party": SUSPECT, "grounds": "no grounds"})
    assert released.status_code == 201, released.json()
    states = dict(Deadline.objects.filter(case=case, subject=SUSPECT).values_list("rule", "state"))
    assert states["R39"] == "met"
    assert states["R37"] == "cancelled"
    assert states["R38"] == "cancelled"
    assert states["R41"] == "cancelled"


def test_familiarisation_pauses_the_investigation_term(world: World, case: Case) -> None:
    alice = world.alice
    person_case = Case.objects.get(pk=case.pk)
    act_append(
        case=person_case,
        kind="detention",
        actor=alice,
        payload={
            "party": SUSPECT,
            "detained_at": (clock.now() - timedelta(hours=1)).isoformat(),
            "minor": False,
            "grounds": "x",
        },
    )
    act_append(case=person_case, kind="investigation_completed", actor=alice, payload={})
    r07 = Deadline.objects.get(case=case, rule="R07", state__in=["running", "paused"])
    assert r07.state == "paused"
    assert r07.remaining is not None
    assert r07.remaining > timedelta(days=20)
    assert Case.objects.get(pk=case.pk).stage == "familiarization"


def test_case_page_shows_explanations_awaiting_and_reasons(world: World, case: Case) -> None:
    post(world, "alice", case, "recognition_as_suspect", {"party": SUSPECT, "grounds": "x"})
    client = ApiClient(world.alice).client
    client.force_login(world.alice)
    page = client.get(reverse("web:case", args=[case.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "CPC art. 192(2)" in html or "192(2)" in html  # the inquiry term, explained
    assert 'id="awaiting-heading"' in html
    assert "202(1), (1-1)" in html
    why = reverse("web:acts_refused", args=[case.pk])
    assert why in html
    reasons = client.get(
        why, headers={"HX-Request": "true", "Accept-Language": "en"}
    ).content.decode()
    assert "The person is not a suspect" not in reasons  # a reason needs no payload here
    assert "Nobody in the case is detained or in custody." in reasons  # why no release
    outsider = ApiClient(world.ivan).client
    outsider.force_login(world.ivan)
    assert outsider.get(why).status_code == 404


def test_acts_by_the_engine_verify(world: World, case: Case) -> None:
    detain(world, case)
    post(world, "alice", case, "detention_notice", {"party": SUSPECT})
    post(world, "alice", case, "suspect_interrogation", {"party": SUSPECT})
    post(world, "alice", case, "release", {"party": SUSPECT, "grounds": "x"})
    assert Act.objects.filter(case=case).count() == 7
    assert verify_case(Case.objects.get(pk=case.pk)) == []


def test_a_generated_form_records_a_pack_act(world: World, case: Case) -> None:
    client = ApiClient(world.alice).client
    client.force_login(world.alice)
    url = reverse("web:act_new", args=[case.pk, "detention"])
    detained = (clock.now() - timedelta(hours=1)).astimezone(clock.legal_zone())
    response = client.post(
        url,
        {
            "detention-party": VALID_IIN_2,
            "detention-detained_at": detained.strftime("%Y-%m-%dT%H:%M"),
            "detention-grounds": "caught in the act",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    act = Act.objects.get(case=case, kind="detention")
    assert act.payload["party"] == SUSPECT
    assert act.payload["minor"] is False
    # the hidden case's form is not found for an outsider
    other = ApiClient(world.ivan).client
    other.force_login(world.ivan)
    assert other.get(url).status_code == 404


def test_a_prosecutor_s_instruction_is_a_clock_the_investigator_discharges(
    world: World, case: Case
) -> None:
    until = (clock.now() + timedelta(days=5)).isoformat()
    given = post(
        world, "petra", case, "instruction", {"text": "question the driver", "until": until}
    )
    assert given.status_code == 201, given.json()
    seq = given.json()["seq"]
    row = Deadline.objects.get(case=case, rule="X-INSTRUCTION")
    assert (row.state, row.subject, row.responsible_id) == ("running", str(seq), world.alice.pk)
    # only the case's investigators carry it out, and only an open instruction
    assert_error(
        post(world, "petra", case, "instruction_done", {"instruction": seq, "text": "x"}),
        403,
        "role_not_allowed",
    )
    done = post(world, "alice", case, "instruction_done", {"instruction": seq, "text": "done"})
    assert done.status_code == 201, done.json()
    assert Deadline.objects.get(case=case, rule="X-INSTRUCTION").state == "met"
    assert verify_case(Case.objects.get(pk=case.pk)) == []
