"""The deadline watchdog: each rung of the ladder at its boundary, who is told, idempotency,
clocks that are not running, two passes at once, and the command."""

from __future__ import annotations

import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections, transaction
from django.db.models import QuerySet

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.cases.management.commands import watchdog as watchdog_command
from tergeu.cases.models import Case, Deadline, DeadlineState
from tergeu.cases.watchdog import WatchdogSummary, watchdog_pass
from tergeu.notifications.models import Notification
from tergeu.registry.services import report_receive
from tests.conftest import World, open_case

DUE = datetime(2031, 3, 4, 6, 0, tzinfo=UTC)  # 11:00 in Almaty
WARN = DUE - timedelta(days=1)
GRACE = timedelta(hours=24)  # TERGEU_ESCALATION_GRACE_HOURS by default
MINUTE = timedelta(minutes=1)
NOTHING = WatchdogSummary()


@pytest.fixture
def case(world: World) -> Case:
    case: Case = open_case(world, notes=0)
    # The clocks the case's acts started are met, so that only each test's clocks run.
    Deadline.objects.filter(case=case).update(state=DeadlineState.MET)
    return case


def clock_start(
    case: Case | None,
    *,
    role: str = "investigator",
    responsible: Official | None = None,
    state: str = DeadlineState.RUNNING,
    escalation: int = 0,
    due_at: datetime = DUE,
    **fields: Any,
) -> Deadline:
    return Deadline.objects.create(
        case=case,
        rule="R39",
        article="131(2)",
        duty="bring the detained suspect before the investigating judge",
        started_at=due_at - timedelta(days=3),
        due_at=due_at,
        warn_at=due_at - timedelta(days=1),
        state=state,
        escalation=escalation,
        responsible_role=role,
        responsible=responsible,
        **fields,
    )


def passed_at(at: datetime, **options: Any) -> WatchdogSummary:
    with clock.frozen(at):
        return watchdog_pass(**options)


def about_deadlines() -> QuerySet[Notification]:
    """The watchdog's notifications (the acts that opened the case notify of their own)."""
    return Notification.objects.filter(kind__startswith="deadline_")


def told() -> set[tuple[str, str]]:
    return set(about_deadlines().values_list("recipient__username", "kind"))


def escalation(deadline: Deadline) -> tuple[str, int]:
    deadline.refresh_from_db()
    return deadline.state, deadline.escalation


def test_nothing_happens_before_warn_at(case: Case) -> None:
    deadline = clock_start(case)
    assert passed_at(WARN - MINUTE) == NOTHING
    assert escalation(deadline) == ("running", 0)
    assert told() == set()


def test_due_soon_tells_the_responsible_official(world: World, case: Case) -> None:
    deadline = clock_start(case)

    assert passed_at(WARN) == WatchdogSummary(warned=1, notifications=1)

    assert escalation(deadline) == ("running", 1)
    notification = about_deadlines().get()
    assert (notification.recipient, notification.kind) == (world.alice, "deadline_due_soon")
    assert (notification.case_id, notification.deadline_id) == (case.pk, deadline.pk)
    assert notification.created_at == WARN
    assert notification.params == {
        "rule": "R39",
        "article": "131(2)",
        "duty": "bring the detained suspect before the investigating judge",
        "due_at": "2031-03-04 11:00",
    }


def test_breach_at_due_time_tells_the_responsible_and_the_head(world: World, case: Case) -> None:
    deadline = clock_start(case, escalation=1)
    assert passed_at(DUE - timedelta(microseconds=1)) == NOTHING

    assert passed_at(DUE) == WatchdogSummary(breached=1, notifications=2)

    # Still running: the act that discharges the duty closes it, late.
    assert escalation(deadline) == ("running", 2)
    assert told() == {("alice", "deadline_breached"), ("hector", "deadline_breached")}
    assert {n.created_at for n in about_deadlines()} == {DUE}  # the breach's time


def test_escalation_after_the_grace_tells_the_supervising_office(world: World, case: Case) -> None:
    deadline = clock_start(case, escalation=2)
    assert passed_at(DUE + GRACE - MINUTE) == NOTHING

    assert passed_at(DUE + GRACE) == WatchdogSummary(escalated=1, notifications=1)

    assert escalation(deadline) == ("running", 3)
    # Petra: the district office supervising the unit; not Olga, the oblast office above it.
    assert told() == {("petra", "deadline_escalated")}
    assert passed_at(DUE + 10 * GRACE) == NOTHING  # the top of the ladder


def test_the_grace_is_a_setting(settings: Any, case: Case) -> None:
    settings.TERGEU_ESCALATION_GRACE_HOURS = 2
    deadline = clock_start(case, escalation=2)
    assert passed_at(DUE + timedelta(hours=2) - MINUTE) == NOTHING
    assert passed_at(DUE + timedelta(hours=2)).escalated == 1
    assert escalation(deadline) == ("running", 3)


def test_the_procedural_prosecutor_is_told_instead_of_the_office(world: World, case: Case) -> None:
    Case.objects.filter(pk=case.pk).update(procedural_prosecutor=world.olga)
    clock_start(case, escalation=2)
    assert passed_at(DUE + GRACE).escalated == 1
    assert told() == {("olga", "deadline_escalated")}


def test_a_long_overdue_clock_climbs_each_rung_once_in_order(world: World, case: Case) -> None:
    deadline = clock_start(case)

    # Found 30 hours late: no warning any more, but the breach and then the escalation.
    assert passed_at(DUE + timedelta(hours=30)) == WatchdogSummary(
        breached=1, escalated=1, notifications=3
    )

    assert escalation(deadline) == ("running", 3)
    assert told() == {
        ("alice", "deadline_breached"),
        ("hector", "deadline_breached"),
        ("petra", "deadline_escalated"),
    }


@pytest.mark.parametrize(
    ("role", "named", "expected"),
    [
        ("investigator", None, {"alice"}),
        ("inquiry_officer", None, {"alice"}),
        ("body", None, {"alice"}),
        ("conducting", None, {"alice"}),
        ("prosecutor", None, {"petra"}),
        ("investigation_head", None, {"hector"}),
        ("inquiry_head", None, {"hector"}),
        ("head", None, {"hector"}),
        ("investigating_judge", None, set()),
        ("trial_judge", None, set()),
        ("penitentiary_officer", None, set()),
        ("", None, set()),
        ("investigating_judge", "victor", {"victor"}),
        ("investigator", "victor", {"victor"}),
    ],
)
def test_who_is_responsible(
    world: World, case: Case, role: str, named: str | None, expected: set[str]
) -> None:
    responsible = getattr(world, named) if named else None
    deadline = clock_start(case, role=role, responsible=responsible)

    assert passed_at(WARN) == WatchdogSummary(warned=1, notifications=len(expected))

    assert escalation(deadline) == ("running", 1)  # the rung is taken even if nobody is told
    assert told() == {(name, "deadline_due_soon") for name in expected}


def test_the_responsible_is_not_told_twice_when_also_head(world: World, case: Case) -> None:
    clock_start(case, responsible=world.hector, escalation=1)
    assert passed_at(DUE) == WatchdogSummary(breached=1, notifications=1)
    assert told() == {("hector", "deadline_breached")}


@pytest.mark.parametrize("state", ["paused", "met", "breached", "cancelled"])
def test_clocks_not_running_are_never_touched(case: Case, state: str) -> None:
    deadlines = [
        clock_start(case, state=state, escalation=level, key=f"k{level}") for level in (0, 2)
    ]

    assert passed_at(DUE + 10 * GRACE) == NOTHING

    assert [escalation(d) for d in deadlines] == [(state, 0), (state, 2)]
    assert told() == set()


def test_a_second_pass_at_the_same_time_does_nothing(case: Case) -> None:
    now = DUE + timedelta(hours=30)
    clock_start(case, due_at=now + timedelta(hours=1), key="soon")
    clock_start(case, due_at=now - timedelta(hours=1), key="late")
    clock_start(case, due_at=now - timedelta(hours=48), key="later")
    first = passed_at(now)
    assert first == WatchdogSummary(warned=1, breached=2, escalated=1, notifications=6)
    before = list(Deadline.objects.order_by("pk").values_list("pk", "state", "escalation"))

    assert passed_at(now) == NOTHING

    assert list(Deadline.objects.order_by("pk").values_list("pk", "state", "escalation")) == before
    assert about_deadlines().count() == 6


def test_small_batches_do_the_same_work(case: Case) -> None:
    for i in range(5):
        clock_start(case, due_at=DUE - timedelta(hours=i), key=f"k{i}")
    assert passed_at(DUE, batch=2) == WatchdogSummary(breached=5, notifications=10)
    assert set(
        Deadline.objects.filter(key__startswith="k").values_list("escalation", flat=True)
    ) == {2}


def test_a_reports_clock_climbs_without_a_case(world: World) -> None:
    """Before registration there is no case, so no role to resolve: the ladder is climbed and
    only an official named on the clock is told."""
    report = report_receive(
        agency=world.unit, received_by=world.rita, source="official_report", summary="A theft"
    )
    nobody = clock_start(None, report=report, role="investigator")
    named = clock_start(None, report=report, role="investigator", responsible=world.victor)

    assert passed_at(DUE + GRACE) == WatchdogSummary(breached=2, escalated=2, notifications=1)

    assert [escalation(d) for d in (nobody, named)] == [("running", 3), ("running", 3)]
    notification = about_deadlines().get()
    assert (notification.recipient, notification.kind) == (world.victor, "deadline_breached")
    assert notification.case_id is None


# Two passes at once, each in its own connection: PostgreSQL's row locks (SKIP LOCKED) are what
# is tested. SQLite runs one writer at a time, so there is nothing to race.
@pytest.mark.postgres
@pytest.mark.usefixtures("flushable_journal")
def test_two_concurrent_passes_take_each_step_once(world: World, case: Case) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    now = DUE + timedelta(hours=30)
    for i in range(10):
        clock_start(case, due_at=now + timedelta(hours=1), key=f"soon{i}")
        clock_start(case, due_at=now - timedelta(hours=1), key=f"late{i}")
        clock_start(case, due_at=now - timedelta(hours=48), key=f"later{i}")
    start = threading.Barrier(2)

    def one_pass(_: int) -> WatchdogSummary:
        try:
            start.wait()
            return watchdog_pass(now, batch=3)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(one_pass, range(2))

    # 10 warnings (Alice), 20 breaches (Alice and Hector), 10 escalations (Petra): each once.
    assert first + second == WatchdogSummary(warned=10, breached=20, escalated=10, notifications=60)
    assert about_deadlines().count() == 60
    assert len(set(about_deadlines().values_list("recipient", "deadline", "kind"))) == 60
    levels = Deadline.objects.filter(case=case, state="running").values_list("key", "escalation")
    assert {(key.rstrip("0123456789"), level) for key, level in levels} == {
        ("soon", 1),
        ("late", 2),
        ("later", 3),
    }
    assert passed_at(now) == NOTHING


@pytest.mark.postgres
@pytest.mark.usefixtures("flushable_journal")
def test_a_pass_skips_rows_another_transaction_holds(case: Case) -> None:
    """A deadline locked elsewhere (an act closing it, another pass) is left for a later pass,
    without waiting; so is a case row locked by an append."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL")
    held, free = clock_start(case, key="held"), clock_start(case, key="free")
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=case.pk)
                Deadline.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()

    def one_pass() -> WatchdogSummary:
        try:
            return watchdog_pass(WARN)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(2) as pool:
        holder = pool.submit(hold)
        try:
            assert locked.wait(timeout=30)
            meanwhile = pool.submit(one_pass).result(timeout=30)  # a wait here fails the test
        finally:
            release.set()
        holder.result(timeout=30)

    assert meanwhile == WatchdogSummary(warned=1, notifications=1)
    assert [escalation(d) for d in (held, free)] == [("running", 0), ("running", 1)]
    assert passed_at(WARN) == WatchdogSummary(warned=1, notifications=1)
    assert escalation(held) == ("running", 1)


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command("watchdog", *args, stdout=out)
    return out.getvalue()


SUMMARY = re.compile(
    r"^watchdog: (\d+) due soon, (\d+) breached, (\d+) escalated, (\d+) notifications "
    r"in \d+\.\d\d s$"
)


def test_the_command_prints_one_line(case: Case) -> None:
    clock_start(case, key="a")
    clock_start(case, due_at=WARN, key="b")
    # Without an offset, --at is read in the jurisdiction's zone.
    local = WARN.astimezone(clock.legal_zone()).replace(tzinfo=None).isoformat()

    first = run_command("--at", local)
    again = run_command("--at", WARN.isoformat())

    match = SUMMARY.match(first.strip())
    assert match is not None, first
    assert match.groups() == ("1", "1", "0", "3")
    assert first.count("\n") == 1
    again_match = SUMMARY.match(again.strip())
    assert again_match is not None
    assert again_match.groups() == ("0", "0", "0", "0")


def test_the_command_loops_as_a_worker(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    clock_start(case)
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt  # the worker is stopped during its second wait

    monkeypatch.setattr(time, "sleep", nap)
    # Between passes the worker drops a stale connection; here that would be the test's.
    refreshed: list[bool] = []
    monkeypatch.setattr(watchdog_command, "close_old_connections", lambda: refreshed.append(True))
    with clock.frozen(WARN):
        output = run_command("--loop", "30")

    lines = output.splitlines()
    assert naps == [30.0, 30.0]
    assert refreshed == [True, True]
    assert [SUMMARY.match(line).groups() for line in lines] == [  # type: ignore[union-attr]
        ("1", "0", "0", "1"),
        ("0", "0", "0", "0"),
    ]


@pytest.mark.parametrize(
    "args",
    [["--at", "yesterday"], ["--loop", "0"], ["--loop", "5", "--at", "2031-03-04T10:00"]],
)
def test_the_command_refuses_bad_options(db: Any, args: list[str]) -> None:
    with pytest.raises(CommandError):
        run_command(*args)
