"""Recompute every official's chain of the access log; exit 1 when an entry was edited,
removed or inserted, or a chain's head does not match its entries. With `--checkpoint DIR`,
also against the chain heads `log_checkpoint` anchored there: a chain cut below its anchored
length, or rewritten up to it, is named even when its head was moved back to match."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tergeu.access.anchor import anchor_read
from tergeu.access.audit import verify_access_log
from tergeu.integrity.signer import trusted_keys


class Command(BaseCommand):
    help = "Verify the access log's hash chains; exit 1 on any problem."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="DIR",
            help="chain heads kept outside the database (access-heads.txt and "
            "access-heads.sig in DIR, as `log_checkpoint` writes them): their signature must "
            "verify with a trusted key, and every chain must still reach its anchored length "
            "with the anchored hash there",
        )
        parser.add_argument(
            "--key",
            action="append",
            default=[],
            metavar="PEM",
            help="also trust heads signed by this public key or certificate (an earlier log "
            "key); the configured signer's key is always trusted",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        folders, keys = options["checkpoint"], options["key"]
        try:
            # The signer's key is read only when needed: without a checkpoint, none is.
            trusted = trusted_keys(keys) if folders or keys else {}
            anchors = [anchor_read(Path(folder), trusted) for folder in folders]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        checked = verify_access_log(anchors)
        for problem in checked.problems:
            self.stdout.write(f"PROBLEM {problem}")
        against = (
            f" against {len(anchors)} checkpoint{'' if len(anchors) == 1 else 's'} "
            f"({checked.anchored} chain heads)"
            if anchors
            else ""
        )
        self.stdout.write(
            f"verified {checked.entries} access-log entries in {checked.chains} chains"
            f"{against} in {time.monotonic() - started:.1f} s: {len(checked.problems)} problems"
        )
        if checked.problems:
            sys.exit(1)
