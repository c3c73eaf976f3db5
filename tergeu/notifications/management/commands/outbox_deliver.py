"""Deliver the outbox's due e-mail and SMS: one pass, or one every N seconds as the worker
(docs/notifications.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from tergeu.notifications.outbox import outbox_deliver


class Command(BaseCommand):
    help = (
        "Deliver the e-mail and SMS whose attempt is due, retrying failed ones with a growing "
        "pause and marking them failed after the last attempt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="repeat every SECONDS (the worker)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["loop"]
        if interval is not None and interval <= 0:
            raise CommandError("--loop needs a positive number of seconds")
        try:
            while True:
                started = time.monotonic()
                s = outbox_deliver()
                self.stdout.write(
                    f"outbox: {s.delivered} delivered, {s.sent} sent, {s.retried} to retry, "
                    f"{s.failed} failed in {time.monotonic() - started:.2f} s"
                )
                if interval is None:
                    return
                # A worker outlives any one connection: drop a broken or expired one.
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            return
