"""Fault tests against a real server and a real PostgreSQL (docs/reliability.md): clients
append acts and register cases over HTTP while

- `crash`: the application server's processes are killed with SIGKILL at random moments (and
  now and then the whole server, which is then started again);
- `db-restart`: the PostgreSQL cluster is restarted twice (this stops every other user of the
  cluster: run it alone);
- `writers`: nothing fails, but many writers work on the same few cases and the same register.

Every write carries an Idempotency-Key and is retried with it after a lost connection or a 5xx,
as a client of tergeu should. Afterwards: `manage.py verify` passes (journals, chains,
projections, the integrity and access logs, documents); every act a client saw committed is in
the journal exactly once, where it was told; no attempted write is there twice; register
numbers have no gap and no duplicate.

    .venv/bin/python tests/fault/run.py crash --seconds 120
    .venv/bin/python tests/fault/run.py db-restart --seconds 90
    .venv/bin/python tests/fault/run.py writers --writers 16 --seconds 180

The database is created afresh: DATABASE_URL or postgres://postgres@127.0.0.1:5432/tergeu_fault.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tergeu_fault"
RETRYABLE = (500, 502, 503, 504)


@dataclass
class Tally:
    """What the clients saw."""

    requests: int = 0
    retries: int = 0
    lost: int = 0  # connections cut or refused
    unavailable: int = 0  # 503 database_unavailable
    errors: Counter[int] = field(default_factory=Counter)  # other 5xx answers, by status
    acked_notes: dict[str, tuple[int, int]] = field(default_factory=dict)  # marker → (case, seq)
    tried_notes: set[str] = field(default_factory=set)
    acked_reports: dict[str, int] = field(default_factory=dict)  # marker → report id
    registered: dict[str, str] = field(default_factory=dict)  # marker → register number
    gave_up: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Server:
    """gunicorn serving tergeu on a free port, restartable."""

    def __init__(self, env: dict[str, str], workers: int, log: Path) -> None:
        self.env, self.workers, self.log = env, workers, log
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"), "tergeu.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
                "--timeout", "30", "--graceful-timeout", "2", "--log-level", "warning",
            ],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=self.log.open("ab"),
        )  # fmt: skip
        deadline = time.monotonic() + 120  # a loaded machine boots Django slowly
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/status/", timeout=2):
                    return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def workers_pids(self) -> list[int]:
        assert self.process is not None
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in found.stdout.split()]

    def kill(self) -> None:
        """SIGKILL the server and its workers, as a crash of the machine's process would."""
        assert self.process is not None
        for pid in [*self.workers_pids(), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def call(url: str, token: str, body: dict[str, Any], key: str, tally: Tally) -> Any:
    """POST with the key until an answer that is not a fault; None if it never came."""
    data = json.dumps(body).encode()
    headers = {
        "Authorization": f"Bearer {token}",
        "Content-Type": "application/json",
        "Idempotency-Key": key,
    }
    for attempt in range(200):
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        with tally.lock:
            tally.requests += 1
            tally.retries += attempt > 0
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code not in RETRYABLE:
                raise RuntimeError(f"{url}: {error.code} {error.read()[:300]!r}") from error
            with tally.lock:
                tally.unavailable += error.code == 503
                if error.code != 503:
                    tally.errors[error.code] += 1
        except (OSError, ValueError):  # refused, reset, cut off mid-answer
            with tally.lock:
                tally.lost += 1
        time.sleep(random.uniform(0.05, 0.3))
    with tally.lock:
        tally.gave_up.append(key)
    return None


@dataclass(frozen=True)
class Scene:
    base: str
    investigator: str
    registrar: str
    cases: list[int]
    agency_id: int
    run: str


def client(scene: Scene, number: int, until: float, tally: Tally) -> None:
    n = 0
    while time.monotonic() < until:
        n += 1
        marker = f"{scene.run}-{number}-{n}"
        if random.random() < 0.75:
            case = random.choice(scene.cases)
            with tally.lock:
                tally.tried_notes.add(marker)
            body = {"kind": "note", "payload": {"text": marker}}
            answer = call(
                f"{scene.base}/cases/{case}/acts", scene.investigator, body, marker, tally
            )
            if answer is not None:
                with tally.lock:
                    tally.acked_notes[marker] = (case, int(answer["seq"]))
        else:
            report = {
                "agency_id": scene.agency_id, "source": "media", "summary": marker,
                "event_place": "Abay ave 10",
            }  # fmt: skip
            answer = call(f"{scene.base}/reports", scene.registrar, report, f"r-{marker}", tally)
            if answer is None:
                continue
            with tally.lock:
                tally.acked_reports[marker] = int(answer["id"])
            decision = {
                "decision": "register",
                "qualification": {"article": "188", "part": "1", "offence_category": "small"},
            }
            url = f"{scene.base}/reports/{answer['id']}/decision"
            decided = call(url, scene.registrar, decision, f"d-{marker}", tally)
            if decided is not None:
                with tally.lock:
                    tally.registered[marker] = decided["register_number"]


def chaos(
    kind: str, server: Server, until: float, stop: threading.Event, log: Counter[str]
) -> None:
    start = time.monotonic()
    restarts = [start + (until - start) / 3, start + 2 * (until - start) / 3]
    while not stop.is_set() and time.monotonic() < until:
        if kind == "crash":
            stop.wait(random.uniform(0.5, 3.0))
            if random.random() < 0.1:
                server.kill()
                log["server killed"] += 1
                while not stop.is_set():
                    try:
                        server.start()
                        break
                    except RuntimeError:
                        server.kill()
            else:
                pids = server.workers_pids()
                if pids:
                    os.kill(random.choice(pids), signal.SIGKILL)
                    log["worker killed"] += 1
        elif kind == "db-restart" and restarts and time.monotonic() >= restarts[0]:
            restarts.pop(0)
            cluster = sorted(os.listdir("/etc/postgresql"))[-1]
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart", "-m", "fast"],
                check=True, capture_output=True,
            )  # fmt: skip
            log["database restarted"] += 1
        else:
            stop.wait(0.2)


def prepare(url: str, env: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    for command in (["migrate", "-v0"], ["demo_load"]):
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )


def token(username: str, env: dict[str, str]) -> str:
    made = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "token_create", username],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return made.stdout.split()[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("scenario", choices=("crash", "db-restart", "writers"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    parser.add_argument("--cases", type=int, default=4, help="cases the notes go to")

    args = parser.parse_args(argv)
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    media = Path(tempfile.mkdtemp(prefix="tergeu-fault-"))
    env = {
        **os.environ, "DATABASE_URL": url, "TERGEU_DEV": "1", "MEDIA_ROOT": str(media),
        "DB_CONN_MAX_AGE": "0", "LOG_LEVEL": "WARNING",
    }  # fmt: skip
    print(f"fault test '{args.scenario}': {args.writers} writers, {args.seconds:.0f} s, {url}")
    prepare(url, env)

    os.environ.update({"DATABASE_URL": url, "TERGEU_DEV": "1", "MEDIA_ROOT": str(media)})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tergeu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from tergeu.accounts.models import Official
    from tergeu.cases.models import Case

    investigator = Official.objects.get(username="investigator")
    registrar = Official.objects.get(username="registrar")
    agency_id = registrar.appointments.first().agency_id  # type: ignore[union-attr]
    open_cases = list(
        Case.objects.filter(lead_investigator=investigator, stage="under_investigation")
        .order_by("pk")
        .values_list("pk", flat=True)[: args.cases]
    )
    connection.close()
    server_log = Path(tempfile.gettempdir()) / "tergeu-fault-server.log"
    server_log.unlink(missing_ok=True)
    server = Server(env, args.workers, server_log)
    server.start()
    scene = Scene(
        f"http://127.0.0.1:{server.port}/api/v1",
        token("investigator", env),
        token("registrar", env),
        open_cases,
        agency_id,
        f"fault{int(time.time())}",
    )
    tally, log, stop = Tally(), Counter[str](), threading.Event()
    started = time.monotonic()
    until = started + args.seconds
    threads = [
        threading.Thread(target=client, args=(scene, i, until, tally)) for i in range(args.writers)
    ]
    troublemaker = threading.Thread(target=chaos, args=(args.scenario, server, until, stop, log))
    for thread in [*threads, troublemaker]:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    troublemaker.join()
    elapsed = time.monotonic() - started
    server.stop()
    problems = check(tally, scene, env)
    shutil.rmtree(media, ignore_errors=True)
    print(
        f"  {elapsed:.0f} s: {tally.requests:,} requests ({tally.requests / elapsed:.0f}/s), "
        f"{tally.retries:,} retries, {tally.lost:,} connections lost, {tally.unavailable:,} "
        f"answered 503, other 5xx {dict(tally.errors) or 0}; {dict(log) or 'no faults'}"
    )
    print(
        f"  committed and acknowledged: {len(tally.acked_notes):,} notes on {len(scene.cases)} "
        f"cases, {len(tally.acked_reports):,} reports, {len(tally.registered):,} registrations"
    )
    for problem in problems:
        print(f"PROBLEM {problem}")
    print(f"  the server's log: {server_log}")
    print("OK" if not problems else f"FAILED: {len(problems)} problems")
    return 1 if problems else 0


def check(tally: Tally, scene: Scene, env: dict[str, str]) -> list[str]:
    from django.db import connection

    from tergeu.cases.models import Case
    from tergeu.journal.models import Act
    from tergeu.registry.models import CrimeReport, RegisterSequence

    connection.close()
    problems = [f"a write never got an answer after 200 tries: {key}" for key in tally.gave_up]
    verified = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "manage.py", "verify"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if verified.returncode:
        problems.append("manage.py verify failed:\n" + verified.stdout[-3000:])
    notes = Counter(
        Act.objects.filter(kind="note", payload__text__startswith=scene.run).values_list(
            "payload__text", flat=True
        )
    )
    placed = {
        act.payload["text"]: (act.case_id, act.seq)
        for act in Act.objects.filter(kind="note", payload__text__startswith=scene.run)
    }
    problems += [f"note {m} is in the journal {n} times" for m, n in notes.items() if n > 1]
    problems += [f"note {m} was never tried" for m in notes if m not in tally.tried_notes]
    for marker, where in tally.acked_notes.items():
        if placed.get(marker) != where:
            problems.append(f"note {marker} acknowledged at {where}, found at {placed.get(marker)}")
    reports = Counter(
        CrimeReport.objects.filter(summary__startswith=scene.run).values_list("summary", flat=True)
    )
    problems += [f"report {m} was received {n} times" for m, n in reports.items() if n > 1]
    problems += [
        f"report {m} acknowledged, not found" for m in tally.acked_reports if m not in reports
    ]
    numbers = list(Case.objects.values_list("register_number", flat=True))
    if len(numbers) != len(set(numbers)):
        problems.append("a register number was given twice")
    for sequence in RegisterSequence.objects.all():
        issued = sorted(
            int(n[-7:])
            for n in numbers
            if n[:2] == f"{sequence.year % 100:02d}" and n[4:8] == sequence.authority_code
        )
        if issued != list(range(1, sequence.last_value + 1)):
            problems.append(
                f"register numbers of {sequence.authority_code} in {sequence.year}: "
                f"{len(issued)} issued, the counter is at {sequence.last_value}"
            )
    return problems


if __name__ == "__main__":
    sys.exit(main())
