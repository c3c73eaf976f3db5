"""Rebuild every case from its journal and compare: sequence, canonical bytes, hashes, chain and
projections. Exits 1 when anything is wrong."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tergeu.cases.models import Case
from tergeu.journal.verify import verify_cases

# Cases checked together: their acts come in one ordered stream, their projections in two
# queries.
BATCH = 500


class Command(BaseCommand):
    help = "Verify every case's journal (gaps, hashes, chain) and its projections; exit 1 on any problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", help="verify only this register number")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        cases = Case.objects.order_by("pk")
        if options["case"]:
            cases = cases.filter(register_number=options["case"])
        total = cases.count()
        show_progress = not options["quiet"] and total > 0
        checked = acts = 0
        problems = []
        started = last_draw = time.monotonic()
        last_pk = 0
        while batch := list(cases.filter(pk__gt=last_pk)[:BATCH]):
            problems.extend(verify_cases(batch))
            last_pk = batch[-1].pk
            checked += len(batch)
            acts += sum(case.last_seq for case in batch)
            now = time.monotonic()
            if show_progress and (now - last_draw > 0.5 or checked == total):
                self._progress(checked, total, now - started)
                last_draw = now
        if show_progress:
            sys.stderr.write("\n")
        for problem in problems:
            self.stdout.write(f"PROBLEM {problem}")
        bad_cases = len({p.case for p in problems})
        self.stdout.write(
            f"verified {checked} cases, {acts} acts in {time.monotonic() - started:.1f} s: "
            f"{'OK' if not problems else f'{len(problems)} problems in {bad_cases} cases'}"
        )
        if problems:
            sys.exit(1)

    @staticmethod
    def _progress(done: int, total: int, elapsed: float) -> None:
        width = 40
        filled = int(width * done / total)
        rate = done / elapsed if elapsed else 0.0
        eta = (total - done) / rate if rate else 0.0
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} cases  {rate:,.0f}/s  eta {eta:,.0f} s"
        )
        sys.stderr.flush()
