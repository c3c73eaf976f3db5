"""The log's sequencer: place the queued acts in the global tree and sign a tree head; one
pass, or one every N seconds as the worker (docs/integrity.md)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from tergeu.integrity.services import BATCH, head_sign, log_integrate


class Command(BaseCommand):
    help = (
        "Place the acts queued for the integrity log in its Merkle tree (contiguous leaf "
        "indices, stored subtree hashes) and sign a tree head for each batch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop", type=float, metavar="SECONDS", help="repeat every SECONDS (the worker)"
        )
        parser.add_argument("--batch", type=int, default=BATCH, help="leaves per transaction")
        parser.add_argument(
            "--sign", action="store_true", help="sign a fresh tree head even if nothing is queued"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval, batch = options["loop"], options["batch"]
        if interval is not None and interval <= 0:
            raise CommandError("--loop needs a positive number of seconds")
        if batch < 1:
            raise CommandError("--batch needs a positive number of leaves")
        try:
            while True:
                started = time.monotonic()
                done = log_integrate(batch=batch)
                if options["sign"] and not done.heads:
                    done.heads.append(head_sign())
                elapsed = time.monotonic() - started
                rate = f" ({done.added / elapsed:,.0f}/s)" if done.added and elapsed else ""
                heads = len(done.heads)
                self.stdout.write(
                    f"log: {done.added:,} leaves placed in {elapsed:.2f} s{rate}, size "
                    f"{done.size:,}, {heads} tree head{'' if heads == 1 else 's'} signed"
                )
                if interval is None:
                    return
                close_old_connections()
                time.sleep(interval)
        except KeyboardInterrupt:
            return
