"""`manage.py demo_load`: the demo data for a local run (dev mode only)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tergeu.cases.watchdog import watchdog_pass
from tergeu.demo.load import DemoBroken, demo_load
from tergeu.demo.reference import logins_table
from tergeu.signing.devca import DEV_PASSWORD
from tergeu.statistics.rollup import refresh as stats_refresh


class Command(BaseCommand):
    help = (
        "Load the demo data (dev mode only): Kazakhstan's regions, agencies of Almaty and Astana, "
        "one official per role, and about 50 fictitious cases. A second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEV_MODE:
            raise CommandError(
                "demo_load runs only in dev mode (TERGEU_DEV=1): it creates logins with a "
                "published password."
            )
        started = time.monotonic()
        try:
            summary = demo_load()
        except DemoBroken as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.monotonic() - started
        if summary is None:
            self.stdout.write(f"demo data present, nothing to load ({elapsed:.1f} s)")
        else:
            stages = ", ".join(f"{k} {v}" for k, v in sorted(summary.stages.items()))
            statuses = ", ".join(f"{k} {v}" for k, v in sorted(summary.report_statuses.items()))
            self.stdout.write(
                f"demo data loaded in {elapsed:.1f} s: {summary.cases} cases ({stages}), "
                f"{summary.acts} acts, {summary.reports} reports ({statuses})"
            )
            # The demo's clocks ran out while it was being played: one watchdog pass shows
            # their warnings and escalations in the officials' inboxes from the start.
            s = watchdog_pass()
            self.stdout.write(
                f"watchdog: {s.warned} due soon, {s.breached} breached, "
                f"{s.escalated} escalated, {s.notifications} notifications"
            )
            # The statistics' worker reads the demo's journals once (`stats_refresh`).
            self.stdout.write(f"statistics: {stats_refresh():,} journals counted")
        self._logins()
        keys = Path(settings.TERGEU_DEV_CA_DIR) / "officials"
        self.stdout.write(
            f"\nSigning keys (dev only): {keys}/<username>.p12, password {DEV_PASSWORD}"
        )

    def _logins(self) -> None:
        header = ("username", "password", "role", "agency")
        rows = [header, *logins_table()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("\nDemo logins (dev only):")
        for i, row in enumerate(rows):
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in [*widths, len(header[3])]))
