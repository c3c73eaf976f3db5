"""The web UI's pages on the demo database: the server time of each workspace page (target:
p95 < 100 ms), its queries, and what a first load transfers — the page, its stylesheet and
scripts, gzip-compressed as the server sends them (target: < 300 KB).

    .venv/bin/python bench/web.py                 # 50 requests a page
    .venv/bin/python bench/web.py --requests 10

The database is DATABASE_URL or postgres://postgres@127.0.0.1:5432/tergeu_bench_demo, created,
migrated and given the demo data when it has none. Each request goes through Django's whole
stack (middleware, session, the access gate, templates) from the test client, signed in as the
demo official whose workspace it is; the time is the server's, without a network.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tergeu_bench_demo"
TARGET_P95_MS = 100.0
TARGET_FIRST_LOAD_KB = 300.0
# Each demo official's workspace pages ("case": the first case they may see).
WORKSPACES = {
    "registrar": ["web:my_cases", "web:report_new", "web:my_inbox"],
    "investigator": ["web:my_cases", "web:my_queue", "case"],
    "investigation_head": ["web:my_cases", "web:my_queue", "web:unit"],
    "prosecutor": ["web:supervision", "web:my_queue", "case"],
    "investigating_judge": ["web:my_queue"],
    "defence_lawyer": ["web:defence"],
    "penitentiary_officer": ["web:my_cases"],
}
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=50, help="timed requests a page")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import db

    url = db.configure(args.database_url or DEFAULT_URL)
    db.database_create(url)
    db.django_ready()

    from django.contrib.staticfiles import finders
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench.stats import timing
    from tergeu.access.gate import visible_cases
    from tergeu.accounts.models import Official
    from tergeu.cases.models import Case

    if not Case.objects.exists():
        started = time.perf_counter()
        call_command("demo_load", stdout=StringIO())
        print(f"loaded the demo data in {time.perf_counter() - started:.1f} s")
    print(f"web pages: {args.requests} requests each, database {db.database_name(url)}")
    print(f"  {'official':<22}{'page':<22}{'p50 ms':>8}{'p95 ms':>8}{'queries':>9}{'KB':>7}")
    worst_p95, worst_kb = 0.0, 0.0
    for username, pages in WORKSPACES.items():
        official = Official.objects.get(username=username)
        client = Client(headers={"accept-language": "ru"})
        client.force_login(official)
        for name in pages:
            if name == "case":
                case = visible_cases(official).order_by("-last_seq").first()
                assert case is not None
                path = reverse("web:case", args=[case.pk])
            else:
                path = reverse(name)
            for _ in range(3):  # warm up
                client.get(path)
            queries: list[str] = []

            def counted(execute: Any, sql: str, *rest: Any, seen: list[str] = queries) -> Any:
                seen.append(sql)
                return execute(sql, *rest)

            # A wrapper, not CaptureQueriesContext: the connection is closed after each request
            # (CONN_MAX_AGE 0, the default) and opened again for the next.
            with connection.execute_wrapper(counted):
                page = client.get(path)
            assert page.status_code == 200, (username, path, page.status_code)
            seconds = []
            for _ in range(args.requests):
                started = time.perf_counter()
                client.get(path)
                seconds.append(time.perf_counter() - started)
            t = timing(seconds)
            html = page.content
            assets = set(ASSET.findall(html.decode()))
            size = len(gzip.compress(html))
            for asset in assets:
                found = finders.find(asset.removeprefix("/static/"))
                if found:
                    size += len(gzip.compress(Path(str(found)).read_bytes()))
            kb = size / 1024
            worst_p95, worst_kb = max(worst_p95, t.p95), max(worst_kb, kb)
            print(
                f"  {username:<22}{path:<22}{t.p50:>8.1f}{t.p95:>8.1f}{len(queries):>9}{kb:>7.1f}"
            )
    p95_ok = "OK" if worst_p95 < TARGET_P95_MS else f"MISSES < {TARGET_P95_MS:.0f} ms"
    kb_ok = "OK" if worst_kb < TARGET_FIRST_LOAD_KB else f"MISSES < {TARGET_FIRST_LOAD_KB:.0f} KB"
    print(
        f"  worst p95: {worst_p95:.1f} ms [{p95_ok}]; largest first load: {worst_kb:.1f} KB [{kb_ok}]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
