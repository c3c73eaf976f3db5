"""Rebuild the integrity log from its leaves and check it against the acts, the stored nodes,
the sequencer's state and every signed tree head. Exits 1 when anything is wrong."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tergeu_verify.checkpoint import checkpoint_parse

from tergeu.integrity.signer import signed_by_trusted, trusted_keys
from tergeu.integrity.verify import HeadRef, act_names, log_verify


def _pinned(folder: Path, trusted: dict[str, bytes]) -> HeadRef:
    """The checkpoint in `folder`, its signature verified with one of the trusted keys."""
    try:
        body = (folder / "checkpoint.txt").read_bytes()
        signature = (folder / "checkpoint.sig").read_bytes()
        checkpoint = checkpoint_parse(body)
    except (OSError, ValueError) as exc:
        raise CommandError(f"{folder}: no readable checkpoint ({exc})") from exc
    if not signed_by_trusted(trusted, body, signature):
        raise CommandError(
            f"{folder}: the checkpoint's signature does not verify with a trusted key"
        )
    label = f"the checkpoint in {folder} (size {checkpoint.size})"
    return HeadRef(0, checkpoint.size, checkpoint.root, label)


class Command(BaseCommand):
    help = (
        "Verify the integrity log: acts' hashes and chains, leaves, stored nodes, the "
        "sequencer's state, every signed tree head and time-stamp; exit 1 on any problem."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--key",
            action="append",
            default=[],
            metavar="PEM",
            help="also trust tree heads signed by this public key or certificate (an earlier "
            "log key); the configured signer's key is always trusted",
        )
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="DIR",
            help="a signed tree head kept outside the database (checkpoint.txt and "
            "checkpoint.sig in DIR, as `log_checkpoint` and a case's bundle write them): its "
            "signature must verify with a trusted key and the log rebuilt from the acts must "
            "have its root at its size",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            trusted = trusted_keys(options["key"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        pinned = [_pinned(Path(folder), trusted) for folder in options["checkpoint"]]
        report = log_verify(trusted, pinned)
        names = act_names(report.problems)
        for problem in report.problems:
            act = (
                f" [{names.get(problem.act_id, f'act id {problem.act_id}')}]"
                if problem.act_id
                else ""
            )
            self.stdout.write(f"PROBLEM {problem}{act}")
        if report.more:
            self.stdout.write(f"PROBLEM … and {report.more} more")
        verdict = "OK" if not report.count else f"{report.count} problems"
        queued = f"{report.queued:,} act{'' if report.queued == 1 else 's'} queued"
        self.stdout.write(
            f"verified {report.leaves:,} leaves, {report.nodes:,} nodes, {report.heads:,} tree "
            f"heads, {queued}, in {time.monotonic() - started:.1f} s: {verdict}"
        )
        if report.count:
            sys.exit(1)
