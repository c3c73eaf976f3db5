"""The whole API fuzzed with schemathesis, in process through the WSGI application.

Every operation of /api/v1/openapi.json is called with requests generated from its schema,
valid and invalid, with the bearer tokens of real officials, against a database that holds a
case (a covert compartment, a defended suspect, an item of evidence, an attachment), crime
reports and lawyers (`Scene`). Most generated requests are made realistic as a whole: their
ids, parties, act kinds with payloads that fit the kind, and sender are taken from the scene, so
that they get past the access gate and the schema into the services, not only to a 404 or a
422; the others, and the coverage phase's boundary values, are sent as generated.

No answer may be a server error, and every answer must conform to the schema: its status is
declared for the operation, its body matches the schema declared for that status, and so do its
content type and headers. The run is reproducible (`derandomize`: the same requests every
time); `TERGEU_FUZZ_EXAMPLES` raises the number of requests generated per operation for a
longer run (docs/reliability.md).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tergeu.accounts.services import token_create
from tergeu.cases import law
from tergeu.cases.models import OffenceCategory
from tergeu.evidence.models import Nature
from tergeu.evidence.services import STEPS
from tergeu.journal.kinds import KINDS
from tergeu.procedure.pack import choices
from tergeu.registry.models import ReportSource
from tergeu.wsgi import application
from tests.conftest import VALID_IIN, VALID_IIN_2, ApiClient, World
from tests.test_covert import TARGET, Covert, suspect_recognised
from tests.test_evidence import PNG

logger = logging.getLogger(__name__)

# A generated request of any operation of the schema.
ApiCase = schemathesis.Case[Any]

# Requests generated per operation in the fuzzing phase. The examples and coverage phases add
# their own (boundary values, wrong types, missing fields, other methods) whatever this is.
EXAMPLES = int(os.environ.get("TERGEU_FUZZ_EXAMPLES", "70"))
# The least the suite's run must send in all.
REQUESTS_MIN = 5_000

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

# Requests answered, by operation (the `after_call` hook).
REQUESTS: Counter[str] = Counter()
# Real values by parameter or field name, mixed into generated requests: set by the `scene`
# fixture before each operation's run (the strategies are drawn from while the test runs).
REAL: dict[str, list[Any]] = {}
# The bearer tokens of the scene's officials, by persona (set by the `scene` fixture).
TOKENS: dict[str, str] = {}

# Any fixed UTC offset Python allows, beyond the ±14:00 of real zones.
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Values of the pack's field types (tergeu/procedure/packs/kz/acts.toml) for act payloads.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "text": st.text(min_size=1, max_size=40),
    "datetime": st.datetimes(timezones=OFFSETS).map(datetime.isoformat),
    "date": st.dates().map(date.isoformat),
    "int": st.integers(min_value=0, max_value=2**31),
    "bool": st.booleans(),
    "category": st.sampled_from(OffenceCategory.values),
    "article": st.fixed_dictionaries(
        {"article": st.sampled_from(["188", "190"]), "offence_category": st.just("medium")},
        optional={"part": st.sampled_from(["1", "2"])},
    ),
}


def _field(name: str, type_: str) -> st.SearchStrategy[Any]:
    if values := choices(type_):
        return st.sampled_from(values)
    if type_ in ("party", "seq"):
        return st.sampled_from(REAL[type_])
    if type_ == "int" and REAL.get(name):  # an id: an official's, an agency's, an item's
        return st.sampled_from(REAL[name])
    return FIELD_VALUES[type_]


def _payload(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    """A payload of `kind` as the pack declares it: each field of its type, the scene's parties
    and acts where it names one."""
    declared = law.pack().acts[kind][-1].payload
    return st.fixed_dictionaries(
        {name: _field(name, type_) for name, (type_, required) in declared.items() if required},
        optional={
            name: _field(name, type_)
            for name, (type_, required) in declared.items()
            if not required
        },
    )


def _act() -> st.SearchStrategy[dict[str, Any]]:
    return st.sampled_from(sorted(KINDS)).flatmap(
        lambda kind: _payload(kind).map(lambda payload: {"kind": kind, "payload": payload})
    )


def _custody_step() -> st.SearchStrategy[dict[str, Any]]:
    def fields(step: str) -> st.SearchStrategy[dict[str, Any]]:
        return _payload(STEPS[step][0]).map(
            lambda payload: {
                "step": step,
                "fields": {k: v for k, v in payload.items() if k != "number"},
            }
        )

    return st.sampled_from(sorted(STEPS)).flatmap(fields)


def _realistic(value: Any) -> st.SearchStrategy[Any]:
    """`value` with every field that has real values replaced by one of them, at any depth; an
    act's kind and payload, and a custody step and its fields, made to fit each other."""
    if not isinstance(value, dict):
        return st.just(value)
    fields = {
        name: st.sampled_from(REAL[name]) if REAL.get(name) else _realistic(item)
        for name, item in value.items()
    }
    strategy = st.fixed_dictionaries(fields)
    if {"kind", "payload"} <= value.keys():
        return strategy.flatmap(lambda body: _act().map(lambda act: {**body, **act}))
    if "step" in value:
        return strategy.flatmap(lambda body: _custody_step().map(lambda step: {**body, **step}))
    return strategy


def _with(case: ApiCase, parts: dict[str, Any]) -> ApiCase:
    for name, value in parts.items():
        setattr(case, name, value)
    return case


@schema.hook
def flatmap_case(context: schemathesis.HookContext, case: ApiCase) -> st.SearchStrategy[ApiCase]:
    """A request made realistic as a whole (path, query, body and sender at once), or as
    schemathesis generated it (sent by the operation's persona, see `Scene.headers`).
    Hypothesis leans to the first branch and, among the senders, to the operation's persona:
    most requests are realistic and sent by it. The coverage phase already sends each
    operation's boundary values, wrong types and missing fields."""
    if not REAL:  # the explicit examples are drawn while the tests are collected: no scene yet
        return st.just(case)
    persona = _persona(case)
    senders = st.sampled_from([persona, *sorted(TOKENS.keys() - {persona})])
    realistic = st.fixed_dictionaries(
        {
            "path_parameters": _realistic(case.path_parameters),
            "query": _realistic(case.query),
            "body": _realistic(case.body),
            "headers": senders.map(lambda who: {**dict(case.headers or {}), **_bearer(who)}),
        }
    ).map(lambda drawn: _with(case, drawn))
    return st.one_of(realistic, st.just(case))


@schema.hook
def after_call(
    context: schemathesis.HookContext, case: ApiCase, response: schemathesis.Response
) -> None:
    REQUESTS[case.operation.label] += 1


# Who sends an operation's requests, when not Alice, the case's investigator: the official who
# may do most there.
PERSONAS = {
    "/api/v1/supervision": "petra",
    "/api/v1/cases/{case_id}/readers": "petra",
    "/api/v1/reports": "rita",
    "/api/v1/reports/{report_id}": "rita",
    "/api/v1/reports/{report_id}/decision": "rita",
    "/api/v1/reports/{report_id}/document": "rita",
    "/api/v1/defence/notices": "luka",
    "/api/v1/cases/{case_id}/defence/motions": "lena",
    "/api/v1/cases/{case_id}/defence/motions/{seq}/complaint": "lena",
    "/api/v1/cases/{case_id}/defence/evidence": "lena",
    "/api/v1/cases/{case_id}/defence/disclosures": "lena",
    "/api/v1/break-glass": "ivan",
}


def _persona(case: ApiCase) -> str:
    return PERSONAS.get(case.operation.path, "alice")


def _bearer(persona: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[persona]}"}


class Scene:
    """What the requests meet: Alice's case with a covert compartment sanctioned by Julia, a
    suspect defended by Lena, an item of evidence seized and a photo attached; a pending crime
    report and a registered one (a second case); Luka, a lawyer in no case yet; and the bearer
    tokens of these officials and of the World's others."""

    def __init__(self, world: World) -> None:
        covert = Covert(world)
        covert.sanction(covert.opened["seq"])
        case = covert.case
        suspect_recognised(world, case)
        lena, luka = world.lawyer("lena"), world.lawyer("luka")
        alice, lawyer, rita = ApiClient(world.alice), ApiClient(lena), ApiClient(world.rita)
        notice = {"register_number": case.register_number, "client_iin": VALID_IIN_2}
        assert lawyer.post("/defence/notices", notice).status_code == 201
        seized = alice.client.post(
            f"/api/v1/cases/{case.pk}/evidence",
            {"description": "A knife", "nature": "physical", "place": "Abay avenue 10"},
            headers=alice.headers,
        )
        assert seized.status_code == 201, seized.json()
        attached = alice.upload(f"/cases/{case.pk}/attachments", "photo.png", PNG)
        assert attached.status_code == 201, attached.json()
        report = {
            "agency_id": world.unit.pk,
            "source": "written_statement",
            "summary": "A bicycle taken from a stairwell",
            "applicant": {"iin": VALID_IIN_2, "last_name": "Applicantova", "first_name": "D"},
        }
        pending = rita.post("/reports", report).json()["id"]
        decided = rita.post("/reports", report).json()["id"]
        registered = rita.post(
            f"/reports/{decided}/decision",
            {
                "decision": "register",
                "qualification": {"article": "188", "part": "2", "offence_category": "medium"},
            },
        )
        assert registered.status_code == 200, registered.json()
        case.refresh_from_db()
        officials = {
            "alice": world.alice,
            "hector": world.hector,
            "rita": world.rita,
            "petra": world.petra,
            "julia": covert.julia,
            "ivan": world.ivan,
            "oscar": world.oscar,
            "adam": world.adam,
            "lena": lena,
            "luka": luka,
        }
        self.tokens = {name: token_create(official=o) for name, o in officials.items()}
        agencies = [world.unit.pk, world.other_unit.pk, world.district_office.pk]
        investigators = [world.alice.pk, world.victor.pk, world.ivan.pk]
        prosecutors = [world.petra.pk, world.olga.pk]
        self.real: dict[str, list[Any]] = {
            "case_id": [case.pk],
            "report_id": [pending, decided],
            "seq": list(range(1, case.last_seq + 1)),
            "number": [1],
            "agency_id": agencies,
            "investigation_unit_id": agencies,
            "supervising_office_id": agencies,
            "to_agency_id": agencies,
            "to_unit_id": agencies,
            "investigator_id": investigators,
            "prosecutor_id": prosecutors,
            "lawyer_id": [lena.pk, luka.pk],
            "register_number": [case.register_number],
            "client_iin": [VALID_IIN, VALID_IIN_2],
            "iin": [VALID_IIN, VALID_IIN_2],
            "party": [f"iin:{VALID_IIN}", f"iin:{VALID_IIN_2}", TARGET],
            "source": list(ReportSource.values),
            "offence_category": list(OffenceCategory.values),
            "article": ["188", "190"],
            "nature": list(Nature.values),
            "matter": ["documents", "expertise", "investigative_action", "measure", "other"],
            "lang": ["kk", "ru", "en"],
            # An act performed now, by or about someone the register knows.
            "performed_at": [None],
            "person": [None, {"iin": VALID_IIN_2}],
            "entity": [None],
        }

    def headers(self, case: ApiCase) -> dict[str, str]:
        """Nothing when the request carries an official's token already; the operation's
        persona's token otherwise (generated, example and coverage requests)."""
        sent = case.headers.get("Authorization", "") if case.headers else ""
        if sent.removeprefix("Bearer ") in self.tokens.values():
            return {}
        return _bearer(_persona(case))


@pytest.fixture
def scene(world: World, caplog: pytest.LogCaptureFixture) -> Iterator[Scene]:
    """The scene, and requests through the WSGI application that keep the test's transaction:
    Django closes the database connection when a request ends, which inside the transaction
    would break it (Django's test client disconnects the same handlers). Django's warning for
    each 4xx answer is silenced: thousands are expected, and they would bury a failure's own
    log (a 5xx is still logged)."""
    caplog.set_level(logging.ERROR, logger="django.request")
    built = Scene(world)
    REAL.update(built.real)
    TOKENS.update(built.tokens)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield built
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    REAL.clear()
    TOKENS.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    # The scene is built once per operation on purpose: an operation's requests meet what its
    # earlier requests wrote, and the test's transaction rolls it all back at the end.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_every_operation_answers_within_its_schema(case: ApiCase, scene: Scene) -> None:
    case.call_and_validate(headers=scene.headers(case), checks=CHECKS)


def test_the_fuzzing_sent_enough_requests() -> None:
    """Runs after the operations' tests (pytest keeps a module's order) and counts the requests
    they had answered: at least REQUESTS_MIN, and every operation fuzzed. Run alone, or after a
    selection of the operations, it fails: the run was not the suite's."""
    total = sum(REQUESTS.values())
    logger.info("%d requests to %d operations: %s", total, len(REQUESTS), dict(REQUESTS))
    assert len(REQUESTS) == len(list(schema.get_all_operations()))
    assert total >= REQUESTS_MIN, dict(REQUESTS)
