"""The web UI's pages: the server time of each workspace page (target: p95 < 100 ms on the demo
database, < 150 ms on the 100,000-case one), its queries, and what a first load transfers — the
page, its stylesheet and scripts, gzip-compressed as the server sends them (target: < 300 KB).

    .venv/bin/python bench/web.py                 # the demo database, 50 requests a page
    .venv/bin/python bench/web.py --requests 10
    .venv/bin/python bench/web.py --size full     # the 100,000-case database of bench/run.py

Demo size: the database is --database-url or postgres://postgres@127.0.0.1:5432/tergeu_bench_demo,
created, migrated and given the demo data when it has none; each page is requested as the demo
official whose workspace it is. Full size: the database is --database-url, DATABASE_URL or
postgres://postgres@127.0.0.1:5432/tergeu_bench, generated as bench/run.py generates it (100,000
cases, 2,000,000 acts; `manage.py bench_generate`) when it lacks that size; for each workspace
role the page is requested as the official holding that role who sees the most (visible cases,
then open requests in their queue, then notifications), and the case page shows the largest case
(the most acts) as an official of that role who may see it. The generator writes cases, their
journals, assignments and deadlines, but no crime reports, requests, notifications or defence
admissions; the figures in docs/benchmarks.md were taken after `bench/run.py --only
watchdog,control`: the watchdog's passes notify the officials of the generated cases' overdue
deadlines, and the control benchmark queues covert requests with a judge on duty and admits a
lawyer to the largest case.

Each request goes through Django's whole stack (middleware, session, the access gate, templates)
from the test client, signed in; the time is the server's, without a network.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_URL = "postgres://postgres@127.0.0.1:5432/tergeu_bench_demo"
TARGET_P95_MS = {"demo": 100.0, "full": 150.0}
TARGET_FIRST_LOAD_KB = 300.0
# Each workspace role's pages ("case": the case page; on the demo database each role is its
# demo official, whose username is the role's name).
WORKSPACES = {
    "registrar": ["web:my_cases", "web:report_new", "web:my_inbox"],
    "investigator": ["web:my_cases", "web:my_queue", "case"],
    "investigation_head": ["web:my_cases", "web:my_queue", "web:unit"],
    "prosecutor": ["web:supervision", "web:my_queue", "case"],
    "investigating_judge": ["web:my_queue"],
    "trial_judge": ["web:court"],
    "defence_lawyer": ["web:defence"],
    "penitentiary_officer": ["web:my_cases", "web:execution_orders"],
}
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@dataclass(frozen=True)
class Page:
    role: str
    official: Any  # Official
    path: str


def demo_pages() -> list[Page]:
    """Each demo official's pages; the case page shows the longest case they may see."""
    from django.core.management import call_command
    from django.urls import reverse

    from tergeu.access.gate import visible_cases
    from tergeu.accounts.models import Official
    from tergeu.cases.models import Case

    if not Case.objects.exists():
        started = time.perf_counter()
        call_command("demo_load", stdout=StringIO())
        print(f"loaded the demo data in {time.perf_counter() - started:.1f} s")
    pages = []
    for role, names in WORKSPACES.items():
        official = Official.objects.get(username=role)
        for name in names:
            if name == "case":
                case = visible_cases(official).order_by("-last_seq").first()
                assert case is not None
                pages.append(Page(role, official, reverse("web:case", args=[case.pk])))
            else:
                pages.append(Page(role, official, reverse(name)))
    return pages


def weight(official: Any) -> tuple[int, int, int]:
    """How much an official's workspace shows: the cases they may see (a prosecutor's
    supervision scope, a head's unit), the open requests in their queue, their notifications."""
    from tergeu.access.gate import visible_cases
    from tergeu.cases.awaited import queue
    from tergeu.notifications.selectors import inbox

    return visible_cases(official).count(), queue(official).count(), inbox(official).count()


def full_pages(url: str) -> list[Page]:
    """On the generated database: for each role, the official holding it who sees the most;
    the case page shows the largest case, as the heaviest official of the role who may see it."""
    from django.urls import reverse

    from bench.run import FULL, ensure_generated
    from tergeu.access.gate import visible_cases
    from tergeu.accounts.models import Official
    from tergeu.cases.models import Case

    ensure_generated(url, FULL)
    largest = Case.objects.order_by("-last_seq", "pk").first()
    assert largest is not None
    print(f"the largest case: id {largest.pk}, {largest.last_seq} acts")
    pages = []
    for role, names in WORKSPACES.items():
        holders = Official.objects.filter(appointments__role=role, is_active=True).distinct()
        weights = {official: weight(official) for official in holders.order_by("pk")}
        assert weights, f"nobody holds the role {role}"
        ranked = sorted(weights, key=lambda o: weights[o], reverse=True)  # stable: lowest pk
        cases, queued, notes = weights[ranked[0]]
        print(
            f"  {role}: {ranked[0].username} of {len(ranked)} "
            f"({cases:,} cases, {queued:,} open requests, {notes:,} notifications)"
        )
        for name in names:
            if name != "case":
                pages.append(Page(role, ranked[0], reverse(name)))
                continue
            reader = next(
                (o for o in ranked if visible_cases(o).filter(pk=largest.pk).exists()), None
            )
            assert reader is not None, f"no {role} may see case {largest.pk}"
            if reader != ranked[0]:
                print(f"    the case page as {reader.username}, who may see case {largest.pk}")
            pages.append(Page(role, reader, reverse("web:case", args=[largest.pk])))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--size",
        choices=sorted(TARGET_P95_MS),
        default="demo",
        help="demo: the demo database; full: the 100,000-case database of bench/run.py",
    )
    parser.add_argument("--requests", type=int, default=50, help="timed requests a page")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import db

    url = db.configure(args.database_url or (DEMO_URL if args.size == "demo" else None))
    db.database_create(url)
    db.django_ready()

    from django.contrib.staticfiles import finders
    from django.db import connection
    from django.test import Client

    from bench.run import load
    from bench.stats import timing

    pages = demo_pages() if args.size == "demo" else full_pages(url)
    target = TARGET_P95_MS[args.size]
    print(f"web pages: {args.requests} requests each, database {db.database_name(url)}")
    load()
    print(
        f"  {'role':<22}{'official':<24}{'page':<22}{'p50 ms':>8}{'p95 ms':>8}"
        f"{'queries':>9}{'KB':>7}"
    )
    worst_p95, worst_kb = 0.0, 0.0
    clients: dict[int, Client] = {}
    for page in pages:
        client = clients.get(page.official.pk)
        if client is None:
            client = clients[page.official.pk] = Client(headers={"accept-language": "ru"})
            client.force_login(page.official)
        for _ in range(3):  # warm up
            client.get(page.path)
        queries: list[str] = []

        def counted(execute: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
            seen.append(sql)
            return execute(sql, *rest)

        # A wrapper, not CaptureQueriesContext: the connection is closed after each request
        # (CONN_MAX_AGE 0, the default) and opened again for the next.
        with connection.execute_wrapper(counted):
            response = client.get(page.path)
        assert response.status_code == 200, (page, response.status_code)
        seconds = []
        for _ in range(args.requests):
            started = time.perf_counter()
            client.get(page.path)
            seconds.append(time.perf_counter() - started)
        t = timing(seconds)
        html = response.content
        size = len(gzip.compress(html))
        for asset in set(ASSET.findall(html.decode())):
            found = finders.find(asset.removeprefix("/static/"))
            if found:
                size += len(gzip.compress(Path(str(found)).read_bytes()))
        kb = size / 1024
        worst_p95, worst_kb = max(worst_p95, t.p95), max(worst_kb, kb)
        print(
            f"  {page.role:<22}{page.official.username:<24}{page.path:<22}"
            f"{t.p50:>8.1f}{t.p95:>8.1f}{len(queries):>9}{kb:>7.1f}"
        )
    load()
    p95_ok = "OK" if worst_p95 < target else f"MISSES < {target:.0f} ms"
    kb_ok = "OK" if worst_kb < TARGET_FIRST_LOAD_KB else f"MISSES < {TARGET_FIRST_LOAD_KB:.0f} KB"
    print(
        f"  worst p95: {worst_p95:.1f} ms [{p95_ok}]; largest first load: {worst_kb:.1f} KB [{kb_ok}]"
    )
    verdict = "OK" if p95_ok == "OK" and kb_ok == "OK" else "MISSES"
    print(f"{verdict}: {args.size} database, p95 < {target:.0f} ms, first load < 300 KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
