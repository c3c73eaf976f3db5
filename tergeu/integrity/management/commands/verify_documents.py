"""Check every stored file, attachment and signed document against the journal and the
signatures (tergeu/integrity/documents.py); exit 1 on any problem."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from tergeu.integrity.documents import documents_verify


class Command(BaseCommand):
    help = "Verify the stored files, attachments and signed documents; exit 1 on any problem."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        checked, problems = documents_verify()
        for problem in problems:
            self.stdout.write(f"PROBLEM {problem}")
        self.stdout.write(
            f"verified {checked:,} files, attachments and signed documents in "
            f"{time.monotonic() - started:.1f} s: {len(problems)} problems"
        )
        if problems:
            sys.exit(1)
