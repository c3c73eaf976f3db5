"""Write the latest signed tree head as checkpoint.txt and checkpoint.sig into a folder (kept
with a backup, or published), so that the log can later be verified against it:
`verify_log --checkpoint DIR`. Signs a new head first when the log has grown since the last.
Beside it, the access log's chain heads as they stand, signed by the same signer
(access-heads.txt, access-heads.sig): `verify_access_log --checkpoint DIR`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tergeu_verify.checkpoint import checkpoint_body

from tergeu.access.anchor import heads_anchor
from tergeu.integrity.services import head_checkpoint, head_sign


class Command(BaseCommand):
    help = (
        "Write the latest signed tree head (checkpoint.txt, checkpoint.sig) and the access "
        "log's signed chain heads (access-heads.txt, access-heads.sig) into a folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="where to write the checkpoint")

    def handle(self, *args: Any, **options: Any) -> None:
        head = head_sign()
        folder = Path(options["folder"])
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "checkpoint.txt").write_bytes(checkpoint_body(head_checkpoint(head)))
        (folder / "checkpoint.sig").write_bytes(bytes(head.signature))
        self.stdout.write(f"tree head of size {head.size:,} written to {folder}")
        anchor = heads_anchor(folder)
        self.stdout.write(f"access-log heads of {len(anchor.heads):,} chains written to {folder}")
