"""Concurrency: eight threads, each with its own database connection, append to one case,
register in one authority, or decide one crime report at the same moment.

The same tests run on both databases. On PostgreSQL the threads meet on row locks. On SQLite
the test database is an in-memory, shared-cache database, where SQLite refuses a second writer
at once ("database table is locked") instead of waiting for it; so the threads work on a file
copy of it, in the production configuration (WAL, IMMEDIATE transactions, busy timeout), and
the result is copied back for the assertions.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from django.db import connection, connections

from tergeu.accounts.models import Agency, Official
from tergeu.cases.models import Case
from tergeu.errors import AppError, Conflict, Forbidden
from tergeu.journal.services import act_append
from tergeu.journal.verify import verify_case
from tergeu.persons.models import Person
from tergeu.registry.models import CrimeReport, RegisterSequence, ReportDecision, ReportStatus
from tergeu.registry.services import (
    case_register,
    report_forward,
    report_receive,
    report_refuse,
    report_register,
)
from tests.conftest import VALID_IIN_2, ApiClient, World

T = TypeVar("T")
THREADS = 8
QUALIFICATION = {"article": "190", "part": "1", "offence_category": "small"}


@contextmanager
def shared_database(tmp_path: Path) -> Iterator[None]:
    """While open, new connections (the threads') reach a database that several writers can
    share; the main thread must not use the database until it is closed."""
    if connection.vendor != "sqlite":
        yield
        return
    path = str(tmp_path / "threads.sqlite3")
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    settings_dict = connections.settings["default"]
    memory_name = settings_dict["NAME"]
    settings_dict["NAME"] = path
    try:
        yield
    finally:
        settings_dict["NAME"] = memory_name
        with sqlite3.connect(path) as copy:
            copy.backup(connection.connection)


def race(tmp_path: Path, work: Callable[[int], T]) -> list[T | AppError]:
    """Run `work(0)`..`work(THREADS - 1)` in threads that start together; an AppError raised by
    a worker is returned in its place, anything else fails the test."""
    start = threading.Barrier(THREADS)

    def worker(i: int) -> T | AppError:
        try:
            start.wait()
            return work(i)
        except AppError as exc:
            return exc
        finally:
            connections.close_all()

    with shared_database(tmp_path), ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(worker, range(THREADS)))


def sequence_part(number: str) -> int:
    return int(number[-7:])


@pytest.mark.usefixtures("flushable_journal")
def test_concurrent_appends_get_gap_free_seqs(world: World, tmp_path: Path) -> None:
    case = case_register(
        actor=world.rita,
        qualification=QUALIFICATION,
        summary="Fraud",
        investigation_unit=world.unit,
    )
    act_append(
        case=case,
        kind="acceptance",
        actor=world.hector,
        payload={"investigator_id": world.alice.pk, "form": "inquiry"},
    )
    notes_each = 5

    def append_notes(i: int) -> list[int]:
        alice, mine = Official.objects.get(pk=world.alice.pk), Case.objects.get(pk=case.pk)
        return [
            act_append(case=mine, kind="note", actor=alice, payload={"text": f"{i}.{k}"}).seq
            for k in range(notes_each)
        ]

    results = race(tmp_path, append_notes)

    total = 2 + THREADS * notes_each
    assert sorted(seq for result in results for seq in result) == list(range(3, total + 1))  # type: ignore[union-attr]
    case.refresh_from_db()
    assert case.last_seq == total
    assert verify_case(case) == []


@pytest.mark.usefixtures("flushable_journal")
def test_concurrent_registrations_get_gap_free_numbers(world: World, tmp_path: Path) -> None:
    each = 3

    def register(i: int) -> list[str]:
        rita, unit = Official.objects.get(pk=world.rita.pk), Agency.objects.get(pk=world.unit.pk)
        return [
            case_register(
                actor=rita, qualification=QUALIFICATION, summary=f"{i}.{k}", investigation_unit=unit
            ).register_number
            for k in range(each)
        ]

    results = race(tmp_path, register)

    numbers = [n for result in results for n in result]  # type: ignore[union-attr]
    assert len(set(numbers)) == THREADS * each
    assert sorted(sequence_part(n) for n in numbers) == list(range(1, THREADS * each + 1))
    assert {n[:-7] for n in numbers} == {Case.objects.first().register_number[:-7]}  # type: ignore[union-attr]
    assert RegisterSequence.objects.get().last_value == THREADS * each
    assert [verify_case(c) for c in Case.objects.all()] == [[]] * THREADS * each


@pytest.mark.usefixtures("flushable_journal")
def test_failed_registrations_leave_no_gaps(world: World, tmp_path: Path) -> None:
    """Half the threads register as Ivan, who is not of the unit: their registration act is
    refused after the number was allocated, and the number goes back."""

    def register(i: int) -> str:
        actor = Official.objects.get(pk=(world.rita if i % 2 else world.ivan).pk)
        unit = Agency.objects.get(pk=world.unit.pk)
        case = case_register(
            actor=actor, qualification=QUALIFICATION, summary=str(i), investigation_unit=unit
        )
        return case.register_number

    results = race(tmp_path, register)

    refused = [r for r in results if isinstance(r, AppError)]
    numbers = [r for r in results if isinstance(r, str)]
    assert len(refused) == THREADS // 2
    assert all(isinstance(r, Forbidden) for r in refused)
    assert sorted(sequence_part(n) for n in numbers) == list(range(1, THREADS // 2 + 1))
    assert RegisterSequence.objects.get().last_value == THREADS // 2


def test_a_failed_registration_gives_its_number_back(world: World) -> None:
    def register(actor: Official) -> Case:
        return case_register(
            actor=actor, qualification=QUALIFICATION, summary="x", investigation_unit=world.unit
        )

    first = register(world.rita)
    with pytest.raises(Forbidden):
        register(world.ivan)
    second = register(world.rita)

    assert sequence_part(first.register_number) == 1
    assert sequence_part(second.register_number) == 2
    assert RegisterSequence.objects.get().last_value == 2


@pytest.mark.usefixtures("flushable_journal")
def test_one_decision_per_report(world: World, tmp_path: Path) -> None:
    """Eight officials load the same report and decide on it at once: one decision wins, the
    others are refused as already decided (not a database error), and a losing registration's
    number goes back."""
    report = report_receive(
        agency=world.unit, received_by=world.rita, source="official_report", summary="Arson"
    )

    def decide(i: int) -> str:
        rita = Official.objects.get(pk=world.rita.pk)
        loaded = CrimeReport.objects.select_related("agency").get(pk=report.pk)
        if i % 3 == 0:
            report_register(report=loaded, actor=rita, qualification=QUALIFICATION)
        elif i % 3 == 1:
            report_refuse(report=loaded, actor=rita, ground="civil_dispute", reasons="x")
        else:
            report_forward(
                report=loaded,
                actor=rita,
                status=ReportStatus.FORWARDED_AUDIT,
                addressee="State revenue committee",
            )
        return loaded.status

    results = race(tmp_path, decide)

    assert len([r for r in results if isinstance(r, str)]) == 1
    losers = [r for r in results if not isinstance(r, str)]
    assert all(isinstance(r, Conflict) and r.code == "report_decided" for r in losers)
    decision = ReportDecision.objects.get()
    assert CrimeReport.objects.get(pk=report.pk).status == decision.status
    registered = decision.status == ReportStatus.REGISTERED
    assert Case.objects.count() == int(registered)
    assert list(RegisterSequence.objects.values_list("last_value", flat=True)) == (
        [1] if registered else []
    )


@pytest.mark.usefixtures("flushable_journal")
def test_the_same_new_applicant_in_eight_reports(world: World, tmp_path: Path) -> None:
    """Eight reports name the same applicant, not yet in the person register: one person is
    entered, and every report is received."""
    clients = [ApiClient(world.rita) for _ in range(THREADS)]
    applicant = {"iin": VALID_IIN_2, "last_name": "Serikova", "first_name": "Aru"}

    def receive(i: int) -> int:
        response = clients[i].post(
            "/reports",
            {
                "agency_id": world.unit.pk,
                "source": "written_statement",
                "summary": f"Statement {i}",
                "applicant": applicant,
            },
        )
        assert response.status_code == 201, response.json()
        status: int = response.status_code
        return status

    assert race(tmp_path, receive) == [201] * THREADS
    assert Person.objects.filter(iin=VALID_IIN_2).count() == 1
    assert CrimeReport.objects.filter(applicant_person__iin=VALID_IIN_2).count() == THREADS
