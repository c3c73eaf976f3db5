"""Run the deadline watchdog: one pass, or one every N seconds as the worker (docs/watchdog.md)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from tergeu import clock
from tergeu.cases.watchdog import watchdog_pass


def _instant(text: str) -> datetime:
    """An ISO 8601 time; without an offset it is read in the jurisdiction's zone."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--at: not an ISO 8601 time: {text!r}") from exc
    return at if at.tzinfo is not None else at.replace(tzinfo=clock.legal_zone())


class Command(BaseCommand):
    help = (
        "Warn of deadlines due soon, report breached ones to the responsible official and the "
        "head of unit, and escalate long-breached ones to the supervising prosecutor."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="pass at this ISO 8601 time instead of now")
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="repeat every SECONDS (the worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        at = _instant(options["at"]) if options["at"] else None
        interval = options["loop"]
        if interval is not None and (interval <= 0 or at is not None):
            raise CommandError("--loop needs a positive number of seconds and no --at")
        try:
            while True:
                self._pass(at)
                if interval is None:
                    return
                # A worker outlives any one connection: drop a broken or expired one.
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            return  # a worker stopped by Ctrl-C; a pass's open batch has rolled back

    def _pass(self, at: datetime | None) -> None:
        started = time.monotonic()
        s = watchdog_pass(at)
        self.stdout.write(
            f"watchdog: {s.warned} due soon, {s.breached} breached, {s.escalated} escalated, "
            f"{s.notifications} notifications in {time.monotonic() - started:.2f} s"
        )
