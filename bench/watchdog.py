"""The deadline watchdog over a country's open clocks: one pass with work (a few hundred
deadlines due soon or breached among 200,000 running ones) and one with nothing to do.

The benchmark owns the deadlines whose rule is `BENCH` (spread over the generated cases): it
inserts them once, and before each timed run lays them out again around `now`, so that every
run meets the same work however much time has passed since the last one."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from statistics import median
from typing import Any

from django.db import connection, transaction

from tergeu import clock
from tergeu.cases.watchdog import CLAIMED_FIELDS, STEPS, WatchdogSummary, watchdog_pass

BENCH_RULE = "BENCH"
DUE_SOON = 300  # warned this pass
BREACHED = 300  # due two hours ago: breached
LONG_BREACHED = 100  # due 30 hours ago: breached and escalated in the same pass
WITH_WORK = DUE_SOON + BREACHED + LONG_BREACHED

# The bench's rows, numbered by their key ("BENCH/<n>"); every tenth is the prosecutor's. They
# start far from due (LAY_OUT places them), so the first, untimed pass leaves them alone.
INSERT = """
INSERT INTO cases_deadline (case_id, rule, article, duty, started_at, due_at, state, key,
    subject, term, responsible_role, escalation)
SELECT c.id, %(rule)s, '192(1)', 'complete the pre-trial investigation', %(now)s,
    %(now)s + interval '100 days', 'running', %(rule)s || '/' || g, '', '2m',
    CASE WHEN g %% 10 = 0 THEN 'prosecutor' ELSE 'body' END, 0
FROM generate_series(%(first)s, %(last)s) AS g
JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM cases_case) AS c
    ON c.n = g %% %(cases)s
"""
# n < 300: due in 5 hours, warned from an hour ago; next 300: due 2 hours ago; next 100: due
# 30 hours ago; the rest: due in 2 to 61 days, warned a day before (all in the future).
LAY_OUT = """
WITH laid AS (
    SELECT id, CASE
        WHEN n < %(soon)s THEN %(now)s + interval '5 hours'
        WHEN n < %(soon)s + %(breached)s THEN %(now)s - interval '2 hours'
        WHEN n < %(work)s THEN %(now)s - interval '30 hours'
        ELSE %(now)s + (2 + n %% 60) * interval '1 day' + n * interval '1 second'
    END AS due_at, n
    FROM (SELECT id, split_part(key, '/', 2)::int AS n FROM cases_deadline
          WHERE rule = %(rule)s) AS numbered
)
UPDATE cases_deadline AS d
SET due_at = laid.due_at, started_at = laid.due_at - interval '60 days',
    warn_at = CASE WHEN laid.n < %(soon)s THEN %(now)s - interval '1 hour'
                   ELSE laid.due_at - interval '1 day' END,
    state = 'running', escalation = 0
FROM laid WHERE d.id = laid.id
"""
FORGET = """
DELETE FROM notifications_notification
WHERE deadline_id IN (SELECT id FROM cases_deadline WHERE rule = %(rule)s AND escalation > 0)
"""
RESET = "UPDATE cases_deadline SET escalation = 0 WHERE rule = %(rule)s AND escalation > 0"


@dataclass(frozen=True)
class WatchdogResult:
    running: int  # running deadlines in the database, the bench's and the generated cases'
    catch_up: float  # the first pass, over whatever the generated clocks had pending
    catch_up_summary: WatchdogSummary
    with_work: list[float]
    work: WatchdogSummary
    idle: list[float]
    plans: dict[str, str]


def _sql(statement: str, **params: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, {"rule": BENCH_RULE, **params})
        rows: int = cursor.rowcount
        return rows


def deadlines_ensure(total: int, now: datetime) -> int:
    """At least `total` bench deadlines, spread over every case; returns how many were added."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_deadline WHERE rule = %s", [BENCH_RULE])
        (have,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM cases_case")
        (cases,) = cursor.fetchone()
    if have >= total:
        return 0
    return _sql(INSERT, now=now, first=have, last=total - 1, cases=cases)


def lay_out(now: datetime) -> None:
    """Every bench deadline running at escalation 0, due around `now` as LAY_OUT says; the
    notifications of earlier runs forgotten; fresh statistics."""
    _sql(FORGET)
    _sql(LAY_OUT, now=now, soon=DUE_SOON, breached=BREACHED, work=WITH_WORK)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE cases_deadline")
        cursor.execute("VACUUM ANALYZE notifications_notification")


def reset() -> None:
    """Undo the last pass over the bench's rows (only those it moved)."""
    _sql(FORGET)
    _sql(RESET)


def plans(now: datetime, batch: int) -> dict[str, str]:
    """EXPLAIN of each step's claiming query, as the pass sends it."""
    found = {}
    for step in STEPS:
        query = (
            step.candidates(now)
            .select_for_update(skip_locked=True, no_key=True)
            .values_list(*CLAIMED_FIELDS)[:batch]
        )
        with transaction.atomic():
            found[step.counter] = query.explain()
    return found


def timed(now: datetime, batch: int) -> tuple[float, WatchdogSummary]:
    started = time.perf_counter()
    summary = watchdog_pass(now, batch=batch)
    return time.perf_counter() - started, summary


def watchdog_bench(*, total: int, repeats: int, batch: int = 1000) -> WatchdogResult:
    now = clock.now()
    deadlines_ensure(total, now)
    catch_up, catch_up_summary = timed(now, batch)  # the generated cases' own pending clocks
    lay_out(now)
    found_plans = plans(now, batch)  # as the first timed pass finds the table
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_deadline WHERE state = 'running'")
        (running,) = cursor.fetchone()
    with_work, idle, work = [], [], WatchdogSummary()
    for _ in range(repeats):
        reset()
        seconds, work = timed(now, batch)
        with_work.append(seconds)
        idle.append(timed(now, batch)[0])
    return WatchdogResult(
        running=running,
        catch_up=catch_up,
        catch_up_summary=catch_up_summary,
        with_work=with_work,
        work=work,
        idle=idle,
        plans=found_plans,
    )


def spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"median {median(ms):.1f} ms [{ms[0]:.1f}–{ms[-1]:.1f}]"
