"""The integrity log's benchmarks: hash-chain + Merkle verification of 1,000,000 acts (target
< 5 s), in memory and read from PostgreSQL with COPY, and the sequencer's throughput.

    .venv/bin/python bench/merkle.py                  # 1,000,000 acts, in memory and from the database
    .venv/bin/python bench/merkle.py --memory-only    # no database
    .venv/bin/python bench/merkle.py --acts 100000    # a smaller run

The database is DATABASE_URL or postgres://postgres@127.0.0.1:5432/tergeu_bench_integrity; it
is created, migrated and filled by `bench_generate` (cases of 20 acts on average) when it holds
fewer acts than asked for, and each run adds 20,000 acts to time the sequencer on a fresh queue.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tergeu_bench_integrity"
TARGET_S = 5.0
ACTS_PER_CASE = 20
HEAD_EVERY = 10_000  # leaves between the signed heads of the in-memory log
STEADY_ACTS = 20_000  # acts queued before the timed steady-state integration
T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def verdict(seconds: float) -> str:
    return "OK" if seconds < TARGET_S else f"MISSES < {TARGET_S:.0f} s"


# --- in memory ----------------------------------------------------------------------------------


def synthetic_log(acts: int, seed: int = 1) -> tuple[list[Any], list[Any]]:
    """`acts` acts of cases of about ACTS_PER_CASE acts, each computed as act_append computes
    it (canonical bytes, SHA-256, chain), placed in the log interleaved as concurrent cases
    are; and a signed-head reference every HEAD_EVERY leaves. Rows as `verify.ActRow`."""
    from tergeu_verify.merkle import Frontier, leaf_hash

    from tergeu.integrity.verify import HeadRef
    from tergeu.journal.canonical import GENESIS_HASH, act_document

    rng = random.Random(seed)  # noqa: S311 - benchmark data
    texts = [
        f"Допрошен свидетель {i}: " + "показания записаны " * rng.randint(3, 12) for i in range(64)
    ]
    start = datetime(2026, 1, 5, 4, 0, tzinfo=UTC)
    active: list[list[Any]] = []  # [case id, register number, seq, last hash, acts left]
    next_case = 1
    rows: list[Any] = []
    heads: list[Any] = []
    frontier = Frontier()
    for index in range(acts):
        if len(active) < 500 or rng.random() < 0.05:
            count = max(1, int(rng.expovariate(1 / ACTS_PER_CASE)))
            active.append([next_case, f"26751101{next_case:07d}", 0, GENESIS_HASH, count])
            next_case += 1
        slot = rng.randrange(len(active))
        case = active[slot]
        case[2] += 1
        at = start + timedelta(seconds=index)
        canonical = act_document(
            register_number=case[1],
            seq=case[2],
            kind="note",
            payload={"text": rng.choice(texts)},
            actor_id=7,
            actor_role="investigator",
            performed_at=at,
            recorded_at=at,
            prev_hash=case[3],
        )
        digest = hashlib.sha256(canonical).hexdigest()
        leaf = leaf_hash(bytes.fromhex(digest))
        rows.append((index + 1, case[0], None, case[2], canonical, digest, case[3], index, leaf))
        frontier.append(leaf)
        if frontier.size % HEAD_EVERY == 0:
            heads.append(HeadRef(len(heads) + 1, frontier.size, frontier.root()))
        case[3] = digest
        case[4] -= 1
        if case[4] == 0:
            active[slot] = active[-1]
            active.pop()
    heads.append(HeadRef(len(heads) + 1, frontier.size, frontier.root()))
    return rows, heads


def run_memory(acts: int) -> None:
    from tergeu_verify import merkle

    from tergeu.integrity.verify import LogCheck, Report

    print(f"\n== hash chain + Merkle verification in memory: {acts:,} acts")
    (rows, heads), built = timed(lambda: synthetic_log(acts))
    size = sum(len(r[4]) for r in rows)
    print(
        f"  built {acts:,} acts ({size / acts:.0f} bytes of canonical form each, "
        f"{len({r[1] for r in rows}):,} cases), {len(heads)} signed heads, in {built:.1f} s"
    )
    report = Report()

    def check() -> None:
        # The canonical bytes are hashed here, as act_rows hashes them where the database does
        # not.
        sha = hashlib.sha256
        leaf_check = LogCheck(heads, report)
        leaf_check.feed(
            (a, c, p, s, sha(b).digest(), h, ph, i, lf) for a, c, p, s, b, h, ph, i, lf in rows
        )
        leaf_check.finish()

    _, seconds = timed(check)
    assert not report.problems, report.problems[:3]
    print(
        f"  verify (SHA-256 of each act, chain, leaf, tree, {len(heads)} head roots): "
        f"{seconds:.2f} s ({acts / seconds:,.0f} acts/s)  [{verdict(seconds)}]"
    )
    canonicals = [r[4] for r in rows]
    hexes = [r[5] for r in rows]
    _, sha = timed(lambda: [hashlib.sha256(c).hexdigest() for c in canonicals])
    leaves, leafing = timed(lambda: [merkle.leaf_hash(bytes.fromhex(h)) for h in hexes])
    _, tree = timed(lambda: merkle.root(leaves))
    print(
        f"  of which, alone: SHA-256 of the canonical bytes {sha:.2f} s, leaf hashes "
        f"{leafing:.2f} s, tree root {tree:.2f} s"
    )


# --- in the database ------------------------------------------------------------------------------


def ensure_acts(url: str, acts: int) -> None:
    from django.core.management import call_command
    from django.db import connections

    from bench import db
    from tergeu.journal.models import Act

    have = Act.objects.count()
    if have >= acts:
        print(f"using the generated database: {have:,} acts")
        return
    if have:
        print(f"the database has {have:,} acts, fewer than {acts:,}: rebuilding it")
        connections.close_all()
        db.database_recreate(url)
        call_command("migrate", stdout=io.StringIO(), interactive=False)
    _, seconds = timed(
        lambda: call_command(
            "bench_generate",
            cases=max(1, acts // ACTS_PER_CASE),
            acts=acts,
            big_case_acts=min(500, acts),
            stdout=io.StringIO(),
        )
    )
    print(f"generated {acts:,} acts in {seconds:.0f} s")


def run_integrate() -> None:
    from django.core.management import call_command

    from tergeu.integrity.models import LogEntry
    from tergeu.integrity.services import log_integrate

    queued = LogEntry.objects.filter(leaf_index__isnull=True).count()
    print("\n== the sequencer (integrity_integrate, batches of 10,000)")
    if queued:
        done, seconds = timed(log_integrate)
        print(
            f"  backlog of {done.added:,} acts: {seconds:.1f} s ({done.added / seconds:,.0f} "
            f"leaves/s), {len(done.heads)} heads signed; log size {done.size:,}"
        )
    call_command(
        "bench_generate",
        cases=STEADY_ACTS // ACTS_PER_CASE,
        acts=STEADY_ACTS,
        big_case_acts=ACTS_PER_CASE,
        seed=int(time.time()),
        force=True,
        stdout=io.StringIO(),
    )
    done, seconds = timed(log_integrate)
    print(
        f"  {done.added:,} freshly queued acts: {seconds:.2f} s ({done.added / seconds:,.0f} "
        f"leaves/s), {len(done.heads)} heads signed; log size {done.size:,}"
    )
    for batch in (1, 100):
        call_command("bench_generate", cases=batch, acts=batch, big_case_acts=1, seed=batch,
                     force=True, stdout=io.StringIO())  # fmt: skip
        done, seconds = timed(log_integrate)
        print(f"  one pass placing {done.added} acts (a worker's tick): {seconds * 1000:.1f} ms")


def run_database() -> None:
    from tergeu_verify.checkpoint import key_id

    from tergeu.integrity.signer import log_signer
    from tergeu.integrity.verify import act_rows, acts_and_tree_verify, log_verify

    der = log_signer().public_key_der()
    trusted = {key_id(der): der}
    count, read = timed(lambda: sum(1 for _ in act_rows()))
    print(f"\n== verification from PostgreSQL: {count:,} acts with their leaves")
    print(f"  COPY … TO STDOUT (FORMAT BINARY) alone: {read:.2f} s ({count / read:,.0f} rows/s)")
    (report, frontier), seconds = timed(lambda: acts_and_tree_verify(trusted))
    assert not report.problems, report.problems[:3]
    print(
        f"  hash chain + Merkle (COPY, SHA-256 of each act, chain, leaf, tree of "
        f"{frontier.size:,}, {report.heads:,} signed heads): {seconds:.2f} s "
        f"({count / seconds:,.0f} acts/s)  [{verdict(seconds)}]"
    )
    full, seconds = timed(lambda: log_verify(trusted))
    assert not full.problems, full.problems[:3]
    print(
        f"  verify_log (also every stored node, the state, the time-stamps): {seconds:.2f} s; "
        f"{full.leaves:,} leaves, {full.nodes:,} nodes, {full.heads:,} heads"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--acts", type=int, default=1_000_000)
    parser.add_argument("--memory-only", action="store_true")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import db

    if args.memory_only:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tergeu.settings")
        os.environ.setdefault("TERGEU_DEV", "1")
        import django

        django.setup()
        run_memory(args.acts)
        return 0
    url = db.configure(args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL)
    if db.database_create(url):
        print(f"created database {db.database_name(url)}")
    db.django_ready()
    print(f"machine: {os.cpu_count()} cores; database {url}; load {os.getloadavg()[0]:.2f}")
    run_memory(args.acts)
    ensure_acts(url, args.acts)
    run_integrate()
    run_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
