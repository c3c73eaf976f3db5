"""A load of every role at once against real server processes (gunicorn) on loopback and a
fresh PostgreSQL database with the demo data, driven by locust (bench/locustfile.py): the
error rate must be 0; p95 and p99 of each kind of request are printed (docs/reliability.md).

    .venv/bin/python bench/load.py                     # 10 minutes, 20 simulated officials
    .venv/bin/python bench/load.py --minutes 1 --users 10

The database is DATABASE_URL or postgres://postgres@127.0.0.1:5432/tergeu_load, created afresh.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fault.run import Server, prepare, token  # noqa: E402  (the same server and data)

ROLES = (
    "investigator", "registrar", "prosecutor", "investigating_judge", "trial_judge",
    "defence_lawyer", "penitentiary_officer",
)  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tergeu_load")
    media = tempfile.mkdtemp(prefix="tergeu-load-")
    env = {
        **os.environ, "DATABASE_URL": url, "TERGEU_DEV": "1", "MEDIA_ROOT": media,
        "DB_CONN_MAX_AGE": "60", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    print(f"load: {args.users} officials for {args.minutes:g} min on {url}")
    prepare(url, env)
    os.environ.update({"DATABASE_URL": url, "TERGEU_DEV": "1", "MEDIA_ROOT": media})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tergeu.settings")
    import django

    django.setup()
    from tergeu.access.gate import visible_cases
    from tergeu.accounts.models import Official
    from tergeu.journal.models import Act

    investigator = Official.objects.get(username="investigator")
    cases = list(
        visible_cases(investigator).filter(stage="under_investigation").values_list("pk", flat=True)
    )
    documents = list(
        Act.objects.filter(case_id__in=cases, compartment=None).values_list("case_id", "seq")[:50]
    )
    registrar = Official.objects.get(username="registrar")
    scene = {
        "investigator_cases": cases,
        "documents": documents,
        "registrar_agency": registrar.appointments.first().agency_id,  # type: ignore[union-attr]
    }
    tokens = {role: token(role, env) for role in ROLES}
    log = Path(tempfile.gettempdir()) / "tergeu-load-server.log"
    server = Server(env, args.workers, log)
    server.start()
    out = Path(tempfile.mkdtemp(prefix="tergeu-locust-")) / "load"
    try:
        subprocess.run(
            [
                str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/locustfile.py"),
                "--headless", "--users", str(args.users), "--spawn-rate", "5",
                "--run-time", f"{int(args.minutes * 60)}s", "--host",
                f"http://127.0.0.1:{server.port}", "--csv", str(out), "--only-summary",
                "--loglevel", "WARNING",
            ],
            env={
                **env, "TERGEU_LOAD_TOKENS": json.dumps(tokens),
                "TERGEU_LOAD_SCENE": json.dumps(scene),
            },
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        server.stop()
    return report(Path(f"{out}_stats.csv"))


def report(stats: Path) -> int:
    rows = list(csv.DictReader(stats.open()))
    print(f"  {'request':44} {'count':>7} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} ms")
    failures = 0
    for row in rows:
        name = row["Name"] if row["Type"] else "all"
        failures += int(row["Failure Count"]) if name == "all" else 0
        print(
            f"  {name:44} "
            f"{int(row['Request Count']):>7,} {int(row['Failure Count']):>5} "
            f"{row['50%']:>6} {row['95%']:>6} {row['99%']:>6}"
        )
    total = next(r for r in rows if r["Name"] == "Aggregated")
    rate = float(total["Requests/s"])
    print(f"  {rate:.1f} requests/s; errors: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
