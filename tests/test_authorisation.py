"""Who may perform which act on a case: every act kind of the pack against every persona — the
investigator of the case, another investigator, the unit head, the procedural prosecutor, a
prosecutor of another office, the assigned investigating judge, another judge, the client's
lawyer, another party's lawyer, a victim, an outsider. Those who may not see the case get the
same 404 on every act, and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, DutyShift, Official, Role
from tergeu.cases.law import compartment_place as law_place
from tergeu.cases.law import pack
from tergeu.cases.models import Case
from tergeu.journal.kinds import KINDS
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tests.conftest import VALID_IIN_2, ApiClient, World, open_case
from tests.test_refusals import assert_error, database_state

CLIENT = f"iin:{VALID_IIN_2}"
OTHER_IIN = "780303301234"


class Personas:
    def __init__(self, world: World) -> None:
        person_get_or_create(iin=VALID_IIN_2, last_name="Client", first_name="C")
        person_get_or_create(iin=OTHER_IIN, last_name="Other", first_name="O")
        self.case: Case = open_case(world, notes=0)
        region = world.unit.region
        court = Agency.objects.create(
            name="Investigating court", kind=AgencyKind.INVESTIGATING_COURT,
            authority_code="7561", region=region,
        )  # fmt: skip
        bar = Agency.objects.create(
            name="Almaty bar", kind=AgencyKind.LEGAL_CONSULTATION, authority_code="7590",
            region=region,
        )  # fmt: skip
        judge = world.official("julia", court, Role.INVESTIGATING_JUDGE)
        now = clock.now()
        DutyShift.objects.create(
            court=court, judge=judge, starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
        )  # fmt: skip
        case = self.case
        act_append(
            case=case,
            kind="procedural_prosecutor_assignment",
            actor=world.petra,
            payload={"prosecutor_id": world.petra.pk},
        )
        for party in (CLIENT, f"iin:{OTHER_IIN}"):
            act_append(
                case=case,
                kind="recognition_as_suspect",
                actor=world.alice,
                payload={"party": party, "grounds": "x"},
            )
            act_append(
                case=case,
                kind="decision",
                actor=world.petra,
                payload={"request": case.last_seq, "outcome": "granted"},
            )
        # A request for a search sanction is assigned to Julia, the judge on duty.
        act_append(
            case=case,
            kind="judicial_sanction_request",
            actor=world.alice,
            payload={"matter": "search", "party": CLIENT, "grounds": "x"},
        )
        client_lawyer = world.official("lena", bar, Role.DEFENCE_LAWYER)
        other_lawyer = world.official("leon", bar, Role.DEFENCE_LAWYER)
        for lawyer, iin in ((client_lawyer, VALID_IIN_2), (other_lawyer, OTHER_IIN)):
            notice = ApiClient(lawyer).post(
                "/defence/notices", {"register_number": case.register_number, "client_iin": iin}
            )
            assert notice.status_code == 201, notice.json()
        other_office = world.official("oleg", world.other_office, Role.PROSECUTOR)
        victim = Official.objects.create_user("vera", password="pw-vera-123")  # no office
        # persona → the capacity in which it acts on the case (None: may not see it)
        self.capacity: dict[str, tuple[Official, str | None]] = {
            "investigator of the case": (world.alice, Role.INVESTIGATOR),
            "another investigator": (world.victor, None),
            "investigator of another unit": (world.ivan, None),
            "unit head": (world.hector, Role.INVESTIGATION_HEAD),
            "procedural prosecutor": (world.petra, Role.PROSECUTOR),
            "prosecutor of another office": (other_office, None),
            "assigned investigating judge": (judge, Role.INVESTIGATING_JUDGE),
            "another judge": (world.official("jamal", court, Role.INVESTIGATING_JUDGE), None),
            "client's lawyer": (client_lawyer, Role.DEFENCE_LAWYER),
            "another party's lawyer": (other_lawyer, Role.DEFENCE_LAWYER),
            "victim": (victim, None),
            "outsider": (world.oscar, None),
        }
        self.clients = {name: ApiClient(o) for name, (o, _) in self.capacity.items()}


@pytest.fixture
def personas(world: World) -> Personas:
    return Personas(world)


def performers(kind: str) -> frozenset[str]:
    """The roles the law in force today lets perform `kind` (the pack's table)."""
    return pack().act(kind, clock.now().date()).performers  # type: ignore[union-attr]


ACT_KINDS = sorted(k for k in KINDS if not KINDS[k].opens_case)

# Spot checks of the table, stated here rather than read from the pack.
EXPECTED_ALLOWED: dict[str, set[str]] = {
    Role.INVESTIGATOR: {"detention", "custody_motion", "indictment", "covert_action"},
    Role.INVESTIGATION_HEAD: {"decision", "acceptance"},
    Role.PROSECUTOR: {"decision", "instruction", "procedural_prosecutor_assignment"},
    Role.INVESTIGATING_JUDGE: {"decision"},
}
EXPECTED_REFUSED: dict[str, set[str]] = {
    Role.INVESTIGATOR: {"decision", "verdict", "instruction"},
    Role.INVESTIGATION_HEAD: {"verdict", "writ_verdict"},
    Role.PROSECUTOR: {"detention", "verdict", "suspect_interrogation"},
    Role.INVESTIGATING_JUDGE: {"detention", "indictment", "verdict", "instruction"},
    Role.DEFENCE_LAWYER: {"detention", "decision", "indictment", "verdict", "covert_action"},
}


def test_every_act_kind_against_every_persona(personas: Personas) -> None:
    case = personas.case
    for name, (_, capacity) in personas.capacity.items():
        client = personas.clients[name]
        answer = client.get(f"/cases/{case.pk}/acts/allowed", explain="true")
        if capacity is None:
            assert_error(answer, 404, "case_not_found")
            continue
        assert answer.status_code == 200, (name, answer.json())
        body = answer.json()
        judged: dict[str, list[dict[str, Any]]] = {k["kind"]: [] for k in body["allowed"]}
        judged |= {k["kind"]: k["reasons"] for k in body["refused"]}
        offered = {k for k in ACT_KINDS if law_place(k) != "inside"}
        assert set(judged) == offered, name
        refused_for_role = {
            kind
            for kind, reasons in judged.items()
            if "role_not_allowed" in [r["code"] for r in reasons]
        }
        for kind in judged:
            assert (kind in refused_for_role) == (capacity not in performers(kind)), (name, kind)
        assert not EXPECTED_ALLOWED.get(capacity, set()) & refused_for_role, name
        assert EXPECTED_REFUSED.get(capacity, set()) <= refused_for_role, name


def test_who_may_not_see_the_case_gets_404_on_every_act_and_nothing_is_written(
    personas: Personas,
) -> None:
    case = personas.case
    blind = [n for n, (_, capacity) in personas.capacity.items() if capacity is None]
    before = database_state()
    for name in blind:
        for kind in ACT_KINDS:
            answer = personas.clients[name].post(
                f"/cases/{case.pk}/acts", {"kind": kind, "payload": {}}
            )
            assert_error(answer, 404, "case_not_found")
    assert database_state() == before


def test_a_refused_role_writes_nothing(personas: Personas) -> None:
    """With a payload the act would accept, a persona whose role the law does not name for it
    is refused with 403 and nothing is written."""
    case = personas.case
    valid = {
        "detention": {
            "party": CLIENT,
            "detained_at": clock.now().isoformat(),
            "minor": False,
            "grounds": "x",
        },
        "instruction": {"text": "question the witness", "until": "2030-01-01T10:00:00+05:00"},
        "note": {"text": "x"},
    }
    attempts = [
        ("procedural prosecutor", "detention"),
        ("assigned investigating judge", "detention"),
        ("client's lawyer", "detention"),
        ("investigator of the case", "instruction"),
        ("client's lawyer", "instruction"),
    ]
    before = database_state()
    for name, kind in attempts:
        answer = personas.clients[name].post(
            f"/cases/{case.pk}/acts", {"kind": kind, "payload": valid[kind]}
        )
        assert_error(answer, 403, "role_not_allowed")
    assert database_state() == before
