"""Everything that can be proven about the stored case files, in one run: the journals and
their projections (`verify_journal`), the signed Merkle log (`verify_log`), the access log's
chains (`verify_access_log`) and the stored documents (`verify_documents`). Each prints its own
problems; the summary names the parts that failed; exit 1 if any did."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

PARTS = (
    ("verify_journal", ("--quiet",), "the journals"),
    ("verify_log", (), "the integrity log"),
    ("verify_access_log", (), "the access log"),
    ("verify_documents", (), "the stored documents"),
)


class Command(BaseCommand):
    help = "Verify the journals, the integrity log, the access log and the documents; exit 1 on any problem."

    def handle(self, *args: Any, **options: Any) -> None:
        failed = []
        for command, arguments, what in PARTS:
            self.stdout.write(f"== {what} ({command})")
            try:
                call_command(command, *arguments, stdout=self.stdout, stderr=self.stderr)
            except SystemExit as exit_:
                if exit_.code:
                    failed.append(what)
        if failed:
            self.stdout.write(f"FAILED: {', '.join(failed)}")
            sys.exit(1)
        self.stdout.write("all verified")
