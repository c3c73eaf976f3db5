"""Recompute every official's chain of the access log; exit 1 when an entry was edited,
removed or inserted, or a chain's head does not match its entries."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from tergeu.access.audit import verify_access_log


class Command(BaseCommand):
    help = "Verify the access log's hash chains; exit 1 on any problem."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        checked = verify_access_log()
        for problem in checked.problems:
            self.stdout.write(f"PROBLEM {problem}")
        self.stdout.write(
            f"verified {checked.entries} access-log entries in {checked.chains} chains in "
            f"{time.monotonic() - started:.1f} s: {len(checked.problems)} problems"
        )
        if checked.problems:
            sys.exit(1)
