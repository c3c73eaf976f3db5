"""Procedure engine cost: `evaluate` of one proposed act against a realistic mid-case state, and the
time to load the pack. No database and no Django: the engine is pure Python.

    .venv/bin/python bench/engine.py              # 5,000 timed runs per proposal
    .venv/bin/python bench/engine.py --runs 20000

The state is a grave crime of the police after 30 acts: a suspect in custody with its clocks, a
covert action sanctioned, ended and reported, a judicial sanction decided, participants admitted,
notes and attachments, and the investigator's motion to extend the term awaiting the prosecutor.
Three proposals are timed against it: a note (no clock), the detention of a second person (five
clocks start), and the prosecutor's decision on the open motion (a clock met, the term extended).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: `python bench/engine.py`
    sys.path.insert(0, str(ROOT))

from bench.stats import percentile  # noqa: E402
from tergeu.procedure.engine import Proposal, evaluate  # noqa: E402
from tergeu.procedure.pack import Pack, load_pack  # noqa: E402
from tergeu.procedure.state import ProcState  # noqa: E402

TARGET_MEDIAN_US = 1000.0
ZONE = ZoneInfo("Asia/Almaty")
SUSPECT = "iin:900101300123"
SECOND = "iin:850505300456"
VICTIM = "iin:770303400789"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


# The journal of the mid-case state: (kind, role, payload, moment). A decision's "request" is
# the number of the act it decides.
JOURNAL: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "registration",
        "registrar",
        {
            "register_number": "261234",
            "summary": "robbery",
            "qualification": {"article": "192", "offence_category": "grave"},
            "investigation_unit_id": 1,
            "supervising_office_id": 2,
        },
        "2026-11-02 10:00",
    ),
    (
        "acceptance",
        "investigator",
        {"investigator_id": 5, "form": "preliminary"},
        "2026-11-02 11:00",
    ),
    ("prosecutor_notice", "investigator", {}, "2026-11-02 12:00"),
    (
        "participant_admission",
        "investigator",
        {"party": VICTIM, "role": "victim"},
        "2026-11-02 13:00",
    ),
    ("note", "investigator", {"text": "Scene inspected"}, "2026-11-02 15:00"),
    (
        "detention",
        "investigator",
        {
            "party": SUSPECT,
            "detained_at": "2026-11-03T09:05:00+05:00",
            "minor": False,
            "grounds": "caught",
        },
        "2026-11-03 10:00",
    ),
    ("detention_notice", "investigator", {"party": SUSPECT}, "2026-11-03 15:00"),
    ("suspect_interrogation", "investigator", {"party": SUSPECT}, "2026-11-03 18:00"),
    (
        "custody_motion",
        "investigator",
        {"party": SUSPECT, "grounds": "may abscond"},
        "2026-11-04 09:00",
    ),
    ("decision", "investigation_head", {"request": 9, "outcome": "granted"}, "2026-11-04 10:00"),
    ("decision", "prosecutor", {"request": 9, "outcome": "granted"}, "2026-11-04 12:00"),
    (
        "decision",
        "investigating_judge",
        {"request": 9, "outcome": "granted", "until": "2027-01-03T09:05:00+05:00"},
        "2026-11-04 18:00",
    ),
    (
        "attachment",
        "investigator",
        {
            "sha256": "ab" * 32,
            "filename": "protocol.pdf",
            "size": 120_000,
            "mime": "application/pdf",
        },
        "2026-11-04 19:00",
    ),
    (
        "covert_action",
        "investigator",
        {"target": SUSPECT, "item": 2, "grounds": "calls"},
        "2026-11-05 09:00",
    ),
    (
        "decision",
        "investigating_judge",
        {"request": 14, "outcome": "granted", "until": "2026-11-30T15:00:00+05:00"},
        "2026-11-05 15:00",
    ),
    (
        "qualification",
        "investigator",
        {"article": "192", "part": "2", "offence_category": "grave"},
        "2026-11-06 10:00",
    ),
    ("decision", "prosecutor", {"request": 16, "outcome": "granted"}, "2026-11-06 11:00"),
    ("note", "investigator", {"text": "Qualification announced"}, "2026-11-06 15:00"),
    (
        "judicial_sanction_request",
        "investigator",
        {"matter": "search", "party": SUSPECT, "grounds": "stolen goods"},
        "2026-11-09 09:00",
    ),
    ("decision", "investigating_judge", {"request": 19, "outcome": "granted"}, "2026-11-09 10:00"),
    ("note", "investigator", {"text": "Search done"}, "2026-11-10 12:00"),
    (
        "participant_admission",
        "investigator",
        {"party": SECOND, "role": "witness"},
        "2026-11-11 10:00",
    ),
    ("note", "investigator", {"text": "Witness interviewed"}, "2026-11-11 12:00"),
    ("covert_end", "investigator", {"covert": 14}, "2026-11-20 09:00"),
    ("covert_report", "investigator", {"covert": 14}, "2026-11-23 10:00"),
    ("note", "investigator", {"text": "Expert examination ordered"}, "2026-11-24 10:00"),
    (
        "attachment",
        "investigator",
        {"sha256": "cd" * 32, "filename": "order.pdf", "size": 80_000, "mime": "application/pdf"},
        "2026-11-24 11:00",
    ),
    ("procedural_prosecutor_assignment", "prosecutor", {"prosecutor_id": 9}, "2026-11-25 10:00"),
    ("note", "investigator", {"text": "Expert report received"}, "2026-12-14 10:00"),
    (
        "term_extension",
        "investigator",
        {"until": "2027-02-03T00:00:00+05:00", "grounds": "expert examination"},
        "2026-12-21 10:00",
    ),
]


def mid_case(pack: Pack) -> ProcState:
    state = ProcState()
    for seq, (kind, role, payload, moment) in enumerate(JOURNAL, start=1):
        verdict = evaluate(pack, state, Proposal(kind, (role,), payload, at(moment), seq, "police"))
        if not verdict.accepted:
            raise SystemExit(f"act {seq} ({kind}) refused: {[r.code for r in verdict.reasons]}")
        state = verdict.state
    return state


def proposals() -> dict[str, Proposal]:
    seq = len(JOURNAL) + 1
    moment = at("2026-12-21 12:00")
    detention = {
        "party": SECOND,
        "detained_at": "2026-12-21T11:30:00+05:00",
        "minor": False,
        "grounds": "identified by the victim",
    }
    return {
        "note": Proposal("note", ("investigator",), {"text": "Call logged"}, moment, seq, "police"),
        "detention": Proposal("detention", ("investigator",), detention, moment, seq, "police"),
        "decision": Proposal(
            "decision",
            ("prosecutor",),
            {"request": seq - 1, "outcome": "granted"},
            moment,
            seq,
            "police",
        ),
    }


@dataclass(frozen=True)
class Micros:
    """Durations in microseconds."""

    n: int
    p50: float
    p95: float
    max: float

    def __str__(self) -> str:
        return f"n={self.n} median {self.p50:.1f} µs, p95 {self.p95:.1f} µs, max {self.max:.1f} µs"


def micros(nanoseconds: Sequence[int]) -> Micros:
    ordered = sorted(ns / 1000 for ns in nanoseconds)
    return Micros(len(ordered), percentile(ordered, 50), percentile(ordered, 95), ordered[-1])


def measure(call: Callable[[], object], runs: int, warmup: int) -> Micros:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - started)
    return micros(samples)


def header() -> None:
    one, five, fifteen = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}")
    print(f"python {platform.python_version()}  (load average {one:.2f} {five:.2f} {fifteen:.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5_000, help="timed runs per proposal")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--loads", type=int, default=20, help="timed pack loads")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.loads < 1:
        parser.error("--runs and --loads must be at least 1")
    header()

    loads = measure(load_pack, args.loads, 1)
    print(
        f"\n== pack load (6 TOML files and the calendar, validated and indexed): n={loads.n} "
        f"median {loads.p50 / 1000:.1f} ms, p95 {loads.p95 / 1000:.1f} ms"
    )

    pack = load_pack()
    state = mid_case(pack)
    running = sum(1 for clock in state.open_clocks())
    print(
        f"\n== evaluate against a mid-case state: {len(JOURNAL)} acts, {len(state.clocks)} clocks "
        f"({running} open), {len(state.requests)} open request, stage {state.stage}"
    )
    for name, proposal in proposals().items():
        verdict = evaluate(pack, state, proposal)
        if not verdict.accepted:
            raise SystemExit(f"{name} refused: {[r.code for r in verdict.reasons]}")
        result = measure(partial(evaluate, pack, state, proposal), args.runs, args.warmup)
        ok = "OK" if result.p50 < TARGET_MEDIAN_US else f"MISSES median < {TARGET_MEDIAN_US:.0f} µs"
        changes = ", ".join(f"{c.op} {c.clock.rule}" for c in verdict.changes) or "no clock"
        print(f"  {name:10} {result}  [{ok}]")
        print(f"  {'':10} ({changes})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
