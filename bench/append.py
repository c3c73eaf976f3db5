"""Append cost: `act_append` of a note to a case with a short journal and to one with a long
journal. The append reads the case's head (last seq and hash), never the journal, so the two
should cost the same."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.stats import Timing, timing
from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.demo.bulk import bulk_cases
from tergeu.journal.services import act_append


@dataclass(frozen=True)
class AppendResult:
    short_acts: int
    long_acts: int
    short: Timing
    long: Timing
    short_queries: int
    long_queries: int


def append_cases(short_acts: int, long_acts: int) -> tuple[Case, Case]:
    """Two new cases of one unit of the benchmark world, with journals of the given lengths."""
    result = bulk_cases(
        [short_acts, long_acts],
        seed=short_acts * 100_003 + long_acts,
        one_unit=True,
        summaries={
            0: f"Замер дозаписи: {short_acts} актов",
            1: f"Замер дозаписи: {long_acts} актов",
        },
    )
    short_id, long_id = result.case_ids
    return Case.objects.get(pk=short_id), Case.objects.get(pk=long_id)


def _append(case: Case, actor: Official, i: int) -> None:
    act_append(case=case, kind="note", payload={"text": f"Замер: запись {i}"}, actor=actor)


def append_bench(short: Case, long: Case, *, appends: int, warmup: int) -> AppendResult:
    """Append `appends` notes to each case, alternating between them so that both see the same
    conditions; time each append."""
    short_acts, long_acts = short.last_seq, long.last_seq
    actors = {}
    for case in (short, long):
        assert case.lead_investigator is not None
        actors[case.pk] = case.lead_investigator
    for i in range(warmup):
        _append(short, actors[short.pk], i)
        _append(long, actors[long.pk], i)
    samples: dict[int, list[float]] = {short.pk: [], long.pk: []}
    for i in range(appends):
        for case in (short, long):
            started = time.perf_counter()
            _append(case, actors[case.pk], i)
            samples[case.pk].append(time.perf_counter() - started)
    counts = []
    for case in (short, long):
        with CaptureQueriesContext(connection) as captured:
            _append(case, actors[case.pk], appends)
        counts.append(len(captured))
    return AppendResult(
        short_acts,
        long_acts,
        timing(samples[short.pk]),
        timing(samples[long.pk]),
        counts[0],
        counts[1],
    )
