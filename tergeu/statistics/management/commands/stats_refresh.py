"""The statistics' worker: read the journal's new acts into the rollups; once, or every N
seconds. `--check` proves the rollups equal a count from scratch; `--rebuild` replaces them."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from tergeu.statistics.rollup import check, rebuild, refresh


class Command(BaseCommand):
    help = "Count the indicators of the legal statistics from the journal's new acts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="repeat every SECONDS (the worker)"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="count everything again from the journal and compare; exit 1 on a difference",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="replace the rollups with a count from scratch"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        if interval is not None and interval <= 0:
            raise CommandError("--loop needs a positive number of seconds")
        if options["rebuild"]:
            started = time.monotonic()
            facts = rebuild()
            self.stdout.write(
                f"statistics rebuilt: {facts:,} facts in {time.monotonic() - started:.1f} s"
            )
        if options["check"]:
            started = time.monotonic()
            problems = check()
            for problem in problems:
                self.stderr.write(problem)
            elapsed = time.monotonic() - started
            if problems:
                raise CommandError(
                    f"{len(problems)} rollups differ from the journal ({elapsed:.1f} s)"
                )
            self.stdout.write(
                f"statistics: the rollups equal the journal's count ({elapsed:.1f} s)"
            )
            return
        while True:
            started = time.monotonic()
            chains = refresh()
            self.stdout.write(
                f"statistics: {chains:,} journals read in {time.monotonic() - started:.2f} s"
            )
            if interval is None:
                return
            close_old_connections()
            time.sleep(interval)
