"""Control and defence: what covert compartments, the prosecutor's supervision list and the
defence's view of a case cost.

- Appending to a compartment (a covert action's request: the compartment is opened, its
  members named, its request queued with the judge, its clock started), and a note appended to
  a case with compartments against one without (every act of the case is replayed against
  its compartments).
- The supervision list of a prosecutor of the big case's office: first page, and overdue only.
- A defence lawyer's view of the big case: the detail and 500 acts of the journal, each read
  going through the disclosure rule and logging what it showed.
Requests go in-process through Django's test client, as in bench/detail.py."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.http import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.detail import Get, measure, queries
from bench.stats import Timing, timing
from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, Appointment, DutyShift, Official, Role
from tergeu.accounts.services import token_create
from tergeu.cases.models import Case, Compartment, Participant
from tergeu.defence.models import AdmissionVia, DefenceAdmission
from tergeu.demo.bulk import bulk_cases
from tergeu.journal.services import act_append
from tergeu.persons.models import Person
from tergeu.procedure.state import from_json

OPEN_STAGES = ("registered", "under_investigation")


@dataclass(frozen=True)
class Measured:
    name: str
    timing: Timing
    queries: int


def _api(official: Official) -> Client:
    return Client(headers={"Authorization": f"Bearer {token_create(official=official)}"})


def _open_cases(count: int) -> list[Case]:
    """`count` new cases of one unit, each with a short journal and still under investigation."""
    result = bulk_cases([10] * (count * 4), seed=count * 7919, one_unit=True)
    cases = Case.objects.filter(pk__in=result.case_ids, stage__in=OPEN_STAGES)
    found = [c for c in cases.select_related("lead_investigator") if c.lead_investigator]
    if len(found) < count:
        raise RuntimeError(f"only {len(found)} generated cases are under investigation")
    return found[:count]


def _judge_on_duty(case: Case) -> None:
    """An investigating judge on duty at the case's region, so covert requests are assigned."""
    region = case.investigation_unit.region
    assert region is not None
    court, _ = Agency.objects.get_or_create(
        authority_code=f"{region.code}61",
        kind=AgencyKind.INVESTIGATING_COURT,
        defaults={"name": "Specialised investigating court (benchmark)", "region": region},
    )
    judge, created = Official.objects.get_or_create(username=f"bench-judge-{region.code}")
    if created:
        Appointment.objects.create(official=judge, agency=court, role=Role.INVESTIGATING_JUDGE)
    now = clock.now()
    DutyShift.objects.create(
        court=court,
        judge=judge,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )


def compartment_bench(*, appends: int, warmup: int) -> list[Measured]:
    """Open compartments on one case (a covert action's request each, every one about another
    person), then alternate notes between that case and a case without compartments."""
    plain, secret = _open_cases(2)
    _judge_on_duty(secret)
    investigator = secret.lead_investigator
    assert investigator is not None
    assert plain.lead_investigator is not None
    targets = list(Person.objects.values_list("iin", flat=True)[: appends + warmup + 1])

    def covert(i: int) -> None:
        act_append(
            case=secret,
            kind="covert_action",
            actor=investigator,
            payload={"target": f"iin:{targets[i]}", "item": 2, "grounds": f"Замер {i}"},
        )

    for i in range(warmup):
        covert(i)
    samples = []
    for i in range(warmup, warmup + appends):
        started = time.perf_counter()
        covert(i)
        samples.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        covert(warmup + appends)
    opened = Measured(
        f"covert request, compartment opened (case with up to {appends + warmup + 1})",
        timing(samples),
        len(captured),
    )
    notes: dict[int, list[float]] = {plain.pk: [], secret.pk: []}
    for i in range(appends):
        for case in (plain, secret):
            actor = case.lead_investigator
            assert actor is not None
            started = time.perf_counter()
            act_append(case=case, kind="note", payload={"text": f"Замер {i}"}, actor=actor)
            notes[case.pk].append(time.perf_counter() - started)
    counted = []
    for case in (plain, secret):
        actor = case.lead_investigator
        assert actor is not None
        with CaptureQueriesContext(connection) as captured:
            act_append(case=case, kind="note", payload={"text": "Замер"}, actor=actor)
        counted.append(len(captured))
    compartments = Compartment.objects.filter(case=secret).count()
    return [
        opened,
        Measured("note, case without compartments", timing(notes[plain.pk]), counted[0]),
        Measured(
            f"note, case with {compartments} compartments", timing(notes[secret.pk]), counted[1]
        ),
    ]


def supervision_bench(big: Case, *, requests: int, warmup: int) -> tuple[list[Measured], int]:
    """The supervision list of a prosecutor of the office supervising the big case."""
    prosecutor = (
        Official.objects.filter(
            appointments__agency=big.supervising_office, appointments__role=Role.PROSECUTOR
        )
        .order_by("pk")
        .first()
    )
    if prosecutor is None:
        raise RuntimeError("no prosecutor at the big case's office")
    client = _api(prosecutor)
    results = []
    for name, path in (
        ("supervision list, first page (50)", "/api/v1/supervision"),
        ("supervision list, overdue only", "/api/v1/supervision?overdue=true"),
    ):
        get = _ok(client, path)
        results.append(Measured(name, measure(get, requests=requests, warmup=warmup), queries(get)))
    count = client.get("/api/v1/supervision?limit=1").json()["count"]
    return results, count


def defence_bench(big: Case, *, requests: int, warmup: int) -> tuple[list[Measured], int]:
    """A lawyer defending a person of the big case: its detail and 500 acts of its journal."""
    client_party = next(iter(from_json(big.procedure).persons), None) or (
        Participant.objects.filter(case=big).values_list("party", flat=True).first()
    )
    if client_party is None:
        raise RuntimeError("the big case names no person")
    bar, _ = Agency.objects.get_or_create(
        authority_code="9990",
        defaults={"name": "Bar (benchmark)", "kind": AgencyKind.LEGAL_CONSULTATION},
    )
    lawyer, created = Official.objects.get_or_create(username="bench-lawyer")
    if created:
        Appointment.objects.create(official=lawyer, agency=bar, role=Role.DEFENCE_LAWYER)
    DefenceAdmission.objects.get_or_create(
        case=big,
        lawyer=lawyer,
        party=client_party,
        until__isnull=True,
        defaults={"via": AdmissionVia.NOTICE, "since_seq": 1, "since": big.registered_at},
    )
    client = _api(lawyer)
    results = []
    for name, path in (
        ("case detail, as the defence", f"/api/v1/cases/{big.pk}"),
        ("journal, 500 acts, as the defence", f"/api/v1/cases/{big.pk}/acts?limit=500"),
    ):
        get = _ok(client, path)
        results.append(Measured(name, measure(get, requests=requests, warmup=warmup), queries(get)))
    shown = len(client.get(f"/api/v1/cases/{big.pk}/acts?limit=500").json()["acts"])
    return results, shown


def _ok(client: Client, path: str) -> Get:
    def get() -> HttpResponseBase:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return response

    return get
