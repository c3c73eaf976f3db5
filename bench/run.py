"""Run tergeu's benchmarks on PostgreSQL and print the figures (recorded in docs/benchmarks.md).

    .venv/bin/python bench/run.py                  # full size: 100,000 cases, 2,000,000 acts
    .venv/bin/python bench/run.py --quick          # small sizes: a smoke run
    .venv/bin/python bench/run.py --only detail,append --profile
    .venv/bin/python bench/run.py --only watchdog
    .venv/bin/python bench/run.py --only control   # compartments, supervision, the defence

The database is DATABASE_URL or postgres://postgres@127.0.0.1:5432/tergeu_bench; it is created,
migrated and (for the detail benchmark) filled by `manage.py bench_generate` when it does not
have the size asked for. The product's database and the test databases are refused.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("detail", "append", "registration", "watchdog", "control")
TARGET_P95_MS = 50.0
TARGET_RATE = 200.0
TARGET_RATIO = 0.5
TARGET_WATCHDOG_S = 2.0


@dataclass(frozen=True)
class Sizes:
    cases: int
    acts: int
    big_case_acts: int
    requests: int  # timed requests per endpoint
    warmup: int
    short_acts: int
    long_acts: int
    appends: int  # timed appends per case
    single: int  # registrations by the lone worker
    per_worker: int  # registrations by each of the concurrent workers
    workers: int
    repeats: int  # of each throughput measurement
    open_deadlines: int  # the watchdog benchmark's running deadlines
    watchdog_repeats: int


FULL = Sizes(100_000, 2_000_000, 500, 300, 30, 10, 10_000, 300, 600, 150, 8, 3, 200_000, 7)
QUICK = Sizes(300, 6_000, 500, 30, 5, 10, 1_000, 30, 30, 10, 8, 1, 2_000, 2)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def header(url: str, sizes: Sizes) -> None:
    import django
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (buffers,) = cursor.fetchone()
        cursor.execute("SHOW synchronous_commit")
        (sync,) = cursor.fetchone()
    print(f"machine: {os.cpu_count()} cores ({_cpu_model()}), {platform.platform()}")
    print(f"python {platform.python_version()}, django {django.get_version()}")
    print(f"database: {url}")
    print(f"  {version.split(' on ')[0]}, shared_buffers {buffers}, synchronous_commit {sync}")
    print(f"sizes: {sizes}")
    load()


def load() -> None:
    """Other work on the machine skews the figures: say how busy it is."""
    one, five, fifteen = os.getloadavg()
    print(f"  (load average {one:.2f} {five:.2f} {fifteen:.2f})")


def ensure_generated(url: str, sizes: Sizes) -> Any:
    """The big case of a database of the size asked for, generating it if needed."""
    from django.core.management import call_command
    from django.db import connections

    from bench import db
    from tergeu.cases.models import Case
    from tergeu.demo.bulk import BIG_CASE_SUMMARY

    def big_case() -> Any:
        return Case.objects.filter(summary=BIG_CASE_SUMMARY).order_by("pk").first()

    big, count = big_case(), Case.objects.count()
    if big is not None and big.last_seq == sizes.big_case_acts and count >= sizes.cases:
        print(f"using the generated database: {count:,} cases, big case id {big.pk}")
        return big
    if count:
        print(f"the database has {count:,} cases, not the size asked for: rebuilding it")
        connections.close_all()
        db.database_recreate(url)
        call_command("migrate", verbosity=0, interactive=False)
    call_command(
        "bench_generate",
        cases=sizes.cases,
        acts=sizes.acts,
        big_case_acts=sizes.big_case_acts,
    )
    return big_case()


def run_detail(big: Any, sizes: Sizes) -> None:
    from bench.detail import detail_bench, query_counts
    from tergeu.cases.models import Case

    official = big.lead_investigator
    print(f"\n== case detail: case {big.pk} with {big.last_seq} acts, as {official.username}")
    load()
    for e in detail_bench(big, official, requests=sizes.requests, warmup=sizes.warmup):
        if e.timing is None:
            print(f"  {e.name:36} {e.path}: not measured ({e.note})")
            continue
        verdict = "OK" if e.timing.p95 < TARGET_P95_MS else f"MISSES p95 < {TARGET_P95_MS:.0f} ms"
        print(f"  {e.name:36} {e.timing}; {e.queries} queries  [{verdict}]")
    small = (
        Case.objects.filter(lead_investigator=official, last_seq__range=(5, 20))
        .exclude(pk=big.pk)
        .order_by("pk")
        .first()
    )
    if small is not None:
        counts = query_counts([small, big], official)
        for name, (few, many) in counts.items():
            print(
                f"  queries, {name}: {few} ({small.last_seq} acts) vs {many} ({big.last_seq} acts)"
            )


def run_append(sizes: Sizes) -> None:
    from bench.append import append_bench, append_cases

    print(f"\n== append: a note to a case with {sizes.short_acts} acts vs {sizes.long_acts:,} acts")
    load()
    short, long = append_cases(sizes.short_acts, sizes.long_acts)
    r = append_bench(short, long, appends=sizes.appends, warmup=sizes.warmup)
    print(f"  {r.short_acts:>6,} acts: {r.short}; {r.short_queries} queries")
    print(f"  {r.long_acts:>6,} acts: {r.long}; {r.long_queries} queries")
    print(
        f"  ratio long/short: mean {r.long.mean / r.short.mean:.2f}, "
        f"p95 {r.long.p95 / r.short.p95:.2f}"
    )


def run_registration(sizes: Sizes, profile: bool) -> None:
    from bench.registration import desks, service_statements, throughput

    desk_list = desks(sizes.workers)
    statements = service_statements(desk_list[0])
    print(
        f"\n== registration: statements per registration: service {len(statements)}, "
        "plain SQL 9 (BEGIN, 7 statements, COMMIT)"
    )
    for sql in statements:
        print(f"     {sql[:110]}")
    runs = [(1, "one desk", sizes.single)]
    runs += [(sizes.workers, "one desk", sizes.per_worker)]
    runs += [(sizes.workers, "own desks", sizes.per_worker)]
    print(f"  registrations/s, median of {sizes.repeats} runs [min–max]")
    for workers, mode, count in runs:
        load()
        chosen = [desk_list[0]] * workers if mode == "one desk" else desk_list[:workers]
        rates: dict[str, list[float]] = {"service": [], "plain": []}
        for _ in range(sizes.repeats):  # alternate, so that both see the same conditions
            for kind, found in rates.items():
                found.append(throughput(kind, chosen, count))
        service, plain = median(rates["service"]), median(rates["plain"])
        ratio = service / plain
        verdicts = []
        if workers > 1:
            verdicts.append("rate OK" if service >= TARGET_RATE else f"rate < {TARGET_RATE:.0f}/s")
            verdicts.append("ratio OK" if ratio >= TARGET_RATIO else f"ratio < {TARGET_RATIO:.0%}")
        print(
            f"  {workers} worker(s), {mode:9}: service {service:6.1f} {_range(rates['service'])}, "
            f"plain SQL {plain:6.1f} {_range(rates['plain'])}, service/plain {ratio:.0%}  "
            + " ".join(verdicts)
        )
    if profile:
        profile_registration(desk_list[0], sizes.single)


def run_watchdog(url: str, sizes: Sizes) -> None:
    from bench.watchdog import DUE_SOON, LONG_BREACHED, WITH_WORK, spread, watchdog_bench

    ensure_generated(url, sizes)
    print(
        f"\n== watchdog: {sizes.open_deadlines:,} running deadlines of the benchmark, of which "
        f"{DUE_SOON} due soon, {WITH_WORK - DUE_SOON} breached ({LONG_BREACHED} past the grace)"
    )
    load()
    r = watchdog_bench(total=sizes.open_deadlines, repeats=sizes.watchdog_repeats)
    print(f"  running deadlines in the database: {r.running:,}")
    print(
        f"  catch-up pass (the generated cases' own clocks): {r.catch_up:.2f} s, {r.catch_up_summary}"
    )
    verdict = "OK" if median(r.with_work) < TARGET_WATCHDOG_S else f"MISSES < {TARGET_WATCHDOG_S} s"
    print(f"  pass with work, {len(r.with_work)} runs: {spread(r.with_work)}  [{verdict}]")
    print(f"    {r.work}")
    print(f"  pass with nothing to do, {len(r.idle)} runs: {spread(r.idle)}")
    for step, plan in r.plans.items():
        print(f"  plan of the {step} step's claim:")
        for line in plan.splitlines():
            print(f"    {line}")


def run_control(url: str, sizes: Sizes) -> None:
    from bench.control import compartment_bench, defence_bench, supervision_bench

    big = ensure_generated(url, sizes)
    print("\n== control and defence")
    load()
    for m in compartment_bench(appends=sizes.appends // 3, warmup=sizes.warmup):
        print(f"  {m.name:58} {m.timing}; {m.queries} queries")
    measured, count = supervision_bench(big, requests=sizes.requests, warmup=sizes.warmup)
    print(f"  (the prosecutor supervises {count:,} cases)")
    for m in measured:
        print(f"  {m.name:58} {m.timing}; {m.queries} queries")
    measured, shown = defence_bench(big, requests=sizes.requests, warmup=sizes.warmup)
    print(f"  (the big case has {big.last_seq} acts; {shown} are disclosed to the defence)")
    for m in measured:
        print(f"  {m.name:58} {m.timing}; {m.queries} queries")


def _range(values: list[float]) -> str:
    return f"[{min(values):.0f}–{max(values):.0f}]"


def profile_registration(desk: Any, count: int) -> None:
    """Where one registration's time goes, step by step, and a CPU profile of the rest."""
    import cProfile
    import pstats
    import time

    from bench.breakdown import breakdown
    from tergeu.accounts.models import Agency, Official

    unit = Agency.objects.select_related("region", "supervisor").get(pk=desk.unit_id)
    actor = Official.objects.get(pk=desk.registrar_id)
    steps = breakdown(unit, actor, count)
    print(f"\n== registration, step by step ({count} registrations, 1 worker, per registration)")
    print(f"  {'step':52} {'calls':>5} {'wall ms':>8} {'CPU ms':>7}")
    for step in steps:
        print(
            f"  {step.name:52} {step.calls / count:5.1f} {step.wall / count * 1000:8.2f} "
            f"{step.cpu / count * 1000:7.2f}"
        )
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        from bench.registration import service_register

        service_register(unit, actor)
    profiler.disable()
    print("\n== CPU profile of the same registrations (cProfile, process time; top 25)")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated: {PARTS}")
    parser.add_argument("--profile", action="store_true", help="profile the service layer")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {sorted(unknown)}")
    sys.path.insert(0, str(ROOT))
    from bench import db

    url = db.configure(args.database_url)
    if db.database_create(url):
        print(f"created database {db.database_name(url)}")
    db.django_ready()
    sizes = QUICK if args.quick else FULL
    header(url, sizes)
    if "detail" in parts:
        run_detail(ensure_generated(url, sizes), sizes)
    if "append" in parts:
        run_append(sizes)
    if "registration" in parts:
        run_registration(sizes, args.profile)
    if "watchdog" in parts:
        run_watchdog(url, sizes)
    if "control" in parts:
        run_control(url, sizes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
