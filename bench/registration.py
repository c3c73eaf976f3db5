"""Registration throughput: `case_register` (the service layer) against the same rows written by
plain SQL through psycopg, one transaction per registration, with 1 and N worker processes.

Each registration allocates the register number (the atomic upsert on the register's counter),
inserts the case, its registration act (canonical bytes, SHA-256, chain) and the act's entry in
the integrity log's queue, the registrar's assignment and the R01 deadline, and moves the case's
head. "One desk" puts every worker on the same authority, so they queue on one counter row (the
worst case); "own desks" gives each worker its own authority, as registrations across the
country are.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, connections
from tergeu_verify.merkle import leaf_hash

from tergeu import clock
from tergeu.accounts.models import Agency, AgencyKind, Appointment, Official, Role
from tergeu.cases.clocks import deadline_fields, next_due
from tergeu.cases.law import advance
from tergeu.cases.projection import ActFacts, CaseState
from tergeu.demo.bulk import DEADLINE_FIELDS
from tergeu.demo.reference import reference_load
from tergeu.journal.canonical import GENESIS_HASH, act_document, sha256_hex
from tergeu.procedure.state import to_json
from tergeu.registry.services import case_register

QUALIFICATION = {"article": "188", "part": "1", "paragraph": "", "offence_category": "small"}
SUMMARY = "Кража мобильного телефона (замер регистрации)"


@dataclass(frozen=True)
class Desk:
    """A registering desk: an investigating unit and its duty officer."""

    unit_id: int
    supervisor_id: int
    region: str
    authority: str
    registrar_id: int


def desks(count: int) -> list[Desk]:
    """`count` police units of the benchmark world (authority codes 7521…), each with a duty
    officer; created when missing."""
    if not 1 <= count <= 9:
        raise ValueError("1 to 9 desks")
    ref = reference_load()
    supervisor = ref.agencies["7501"]
    result: list[Desk] = []
    for k in range(1, count + 1):
        unit, _ = Agency.objects.get_or_create(
            authority_code=f"752{k}",
            defaults={
                "name": f"Отдел полиции № {k} (замеры) г. Алматы",
                "kind": AgencyKind.POLICE,
                "region": supervisor.region,
                "supervisor": supervisor,
            },
        )
        registrar, created = Official.objects.get_or_create(
            username=f"bench_registrar_{k}", defaults={"first_name": "Bench", "last_name": str(k)}
        )
        if created:
            registrar.set_unusable_password()
            registrar.save(update_fields=["password"])
            Appointment.objects.create(official=registrar, agency=unit, role=Role.REGISTRAR)
        assert unit.region is not None
        result.append(
            Desk(unit.pk, supervisor.pk, unit.region.code, unit.authority_code, registrar.pk)
        )
    return result


def service_loop(desk: Desk, count: int) -> None:
    """`count` registrations through the service layer."""
    unit = Agency.objects.select_related("region", "supervisor").get(pk=desk.unit_id)
    actor = Official.objects.get(pk=desk.registrar_id)
    for _ in range(count):
        service_register(unit, actor)


def service_register(unit: Agency, actor: Official) -> None:
    case_register(
        actor=actor, qualification=QUALIFICATION, summary=SUMMARY, investigation_unit=unit
    )


UPSERT = (
    "INSERT INTO registry_registersequence (year, authority_code, last_value) VALUES (%s, %s, 1) "
    "ON CONFLICT (year, authority_code) DO UPDATE "
    "SET last_value = registry_registersequence.last_value + 1 RETURNING last_value"
)
INSERT_CASE = (
    "INSERT INTO cases_case (register_number, registered_at, summary, qualification_article, "
    "qualification_part, qualification_paragraph, offence_category, investigation_form, stage, "
    "investigation_unit_id, supervising_office_id, procedure, next_due_at, last_seq, last_hash) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, '', 'registered', %s, %s, %s, %s, 0, %s) RETURNING id"
)
INSERT_ACT = (
    "INSERT INTO journal_act (case_id, seq, kind, payload, actor_id, actor_role, performed_at, "
    "recorded_at, canonical, hash, prev_hash, document_sha256) "
    "VALUES (%s, 1, 'registration', %s, %s, 'registrar', %s, %s, %s, %s, %s, '') RETURNING id"
)
INSERT_LOG_ENTRY = "INSERT INTO integrity_logentry (act_id, leaf_hash) VALUES (%s, %s)"
INSERT_ASSIGNMENT = (
    "INSERT INTO cases_caseassignment (case_id, official_id, role, since_seq) "
    "VALUES (%s, %s, 'registrar', 1)"
)
INSERT_DEADLINE = (
    f"INSERT INTO cases_deadline (case_id, {', '.join(DEADLINE_FIELDS)}, escalation) "
    f"VALUES (%s, {', '.join(['%s'] * len(DEADLINE_FIELDS))}, 0)"
)
UPDATE_HEAD = "UPDATE cases_case SET last_seq = 1, last_hash = %s WHERE id = %s"


def plain_loop(conn: Any, desk: Desk, count: int) -> None:
    """`count` registrations written by plain SQL on a psycopg connection, one transaction each
    (a savepoint when the connection is already in a transaction)."""
    from psycopg.types.json import Jsonb

    q = QUALIFICATION
    kinds = {desk.unit_id: "police"}
    for _ in range(count):
        now = clock.now()
        year = now.astimezone(clock.legal_zone()).year
        with conn.transaction(), conn.cursor() as cur:
            (seq,) = cur.execute(UPSERT, [year, desk.authority]).fetchone()
            number = settings.REGISTER_NUMBER_FORMAT.format(
                yy=year % 100, region=desk.region, authority=desk.authority, seq=seq
            )
            payload = {
                "register_number": number,
                "report_id": None,
                "summary": SUMMARY,
                "qualification": q,
                "investigation_unit_id": desk.unit_id,
                "supervising_office_id": desk.supervisor_id,
            }
            # The same rows as the service: the engine's state and clocks (computing them is
            # the law's cost, not the framework's, so the baseline pays it too).
            facts = ActFacts(1, "registration", payload, desk.registrar_id, "registrar")
            _, state = advance(CaseState(), facts, at=now, roles=("registrar",), agency_kinds=kinds)
            values = [number, now, SUMMARY, q["article"], q["part"], q["paragraph"]]
            values += [q["offence_category"], desk.unit_id, desk.supervisor_id]
            values += [Jsonb(to_json(state.procedure)), next_due(state.procedure.clocks)]
            values += [GENESIS_HASH]
            (case_id,) = cur.execute(INSERT_CASE, values).fetchone()
            canonical = act_document(
                register_number=number,
                seq=1,
                kind="registration",
                payload=payload,
                actor_id=desk.registrar_id,
                actor_role="registrar",
                performed_at=now,
                recorded_at=now,
                prev_hash=GENESIS_HASH,
            )
            digest = sha256_hex(canonical)
            (act_id,) = cur.execute(
                INSERT_ACT,
                [
                    case_id,
                    Jsonb(payload),
                    desk.registrar_id,
                    now,
                    now,
                    canonical,
                    digest,
                    GENESIS_HASH,
                ],
            ).fetchone()
            cur.execute(INSERT_LOG_ENTRY, [act_id, leaf_hash(bytes.fromhex(digest))])
            cur.execute(INSERT_ASSIGNMENT, [case_id, desk.registrar_id])
            officials = {"lead_investigator_id": None, "procedural_prosecutor_id": None}
            for running in state.procedure.clocks.values():
                fields = deadline_fields(running, officials=officials)
                cur.execute(INSERT_DEADLINE, [case_id, *(fields[n] for n in DEADLINE_FIELDS)])
            cur.execute(UPDATE_HEAD, [digest, case_id])


def _psycopg_connect() -> Any:
    import psycopg

    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    )


def _loop(kind: str, desk: Desk) -> Callable[[int], None]:
    if kind == "service":
        return lambda n: service_loop(desk, n)
    conn = _psycopg_connect()
    return lambda n: plain_loop(conn, desk, n)


def _worker(
    kind: str, desk: Desk, count: int, warmup: int, barrier: Any, results: Any
) -> None:  # pragma: no cover - runs in a child process
    try:
        loop = _loop(kind, desk)
        loop(warmup)
        barrier.wait()
        loop(count)
        results.put(("done", time.perf_counter()))
    except BaseException:
        barrier.abort()
        results.put(("error", traceback.format_exc()))
        raise


def throughput(kind: str, worker_desks: list[Desk], count: int, warmup: int = 10) -> float:
    """Registrations per second of `kind` ("service" or "plain"), one process per desk, each
    doing `count` registrations after `warmup` ones."""
    ctx = multiprocessing.get_context("fork")
    connections.close_all()  # children open their own connections
    barrier = ctx.Barrier(len(worker_desks) + 1, timeout=600)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_worker, args=(kind, desk, count, warmup, barrier, results))
        for desk in worker_desks
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    finished: list[float] = []
    for _ in procs:
        status, value = results.get(timeout=600)
        if status == "error":
            raise RuntimeError(f"a {kind} worker failed:\n{value}")
        finished.append(value)
    for proc in procs:
        proc.join()
    return len(worker_desks) * count / (max(finished) - started)


def service_statements(desk: Desk) -> list[str]:
    """The SQL statements of one registration through the service, once the worker has its
    unit and duty officer in hand (as in the timed loop). The plain path sends BEGIN, the 6
    statements above and COMMIT."""
    from django.test.utils import CaptureQueriesContext

    unit = Agency.objects.select_related("region", "supervisor").get(pk=desk.unit_id)
    actor = Official.objects.get(pk=desk.registrar_id)
    service_register(unit, actor)  # the actor's appointments are read once, then cached
    with CaptureQueriesContext(connection) as captured:
        service_register(unit, actor)
    return [q["sql"] for q in captured.captured_queries]
