"""`manage.py dev_ca`: the development certification authority and officials' keys (dev only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tergeu.accounts.models import Official
from tergeu.signing.devca import (
    DEV_PASSWORD,
    dev_ca_open,
    dev_certificates_issue,
    dev_revoke,
    official_issue,
    seal_issue,
)
from tergeu.signing.models import OfficialCertificate


class Command(BaseCommand):
    help = (
        "Make the development CA (if missing) and a PKCS#12 signing key for every official with "
        "an IIN and no certificate yet, or for the officials named (a new key each time). "
        "Dev mode only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("usernames", nargs="*", help="issue a new key to these officials")
        parser.add_argument(
            "--dir", type=Path, default=None, help="the CA directory (TERGEU_DEV_CA_DIR)"
        )
        parser.add_argument(
            "--revoke",
            nargs="+",
            metavar="USERNAME",
            default=[],
            help="revoke these officials' certificates from this CA (written to crl.pem)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEV_MODE:
            raise CommandError(
                "dev_ca runs only in dev mode (TERGEU_DEV=1): its keys share a published password."
            )
        directory: Path | None = options["dir"]
        with transaction.atomic():
            if options["revoke"]:
                self._revoke(directory, options["revoke"])
            elif options["usernames"]:
                self._issue_named(directory, options["usernames"])
            else:
                issued = dev_certificates_issue(Official.objects.all(), directory=directory)
                self.stdout.write(f"{len(issued)} certificates issued")
        ca = dev_ca_open(directory)
        self.stdout.write(
            f"CA {ca.directory / 'ca.pem'}; keys in {ca.directory / 'officials'}, "
            f"seal {ca.seal_path}; password {DEV_PASSWORD!r} (dev only)"
        )

    def _officials(self, usernames: list[str]) -> list[Official]:
        found = {o.username: o for o in Official.objects.filter(username__in=usernames)}
        unknown = sorted(set(usernames) - set(found))
        if unknown:
            raise CommandError(f"no such officials: {', '.join(unknown)}")
        return [found[name] for name in usernames]

    def _issue_named(self, directory: Path | None, usernames: list[str]) -> None:
        officials = self._officials(usernames)
        without = [o.username for o in officials if not o.iin]
        if without:
            raise CommandError(f"these officials have no IIN: {', '.join(without)}")
        ca = dev_ca_open(directory)
        if not ca.seal_path.exists():
            seal_issue(ca)
        for official in officials:
            row = official_issue(ca, official)
            self.stdout.write(
                f"{official.username}: {ca.p12_path(official)} (serial {row.serial_number})"
            )

    def _revoke(self, directory: Path | None, usernames: list[str]) -> None:
        officials = self._officials(usernames)
        ca = dev_ca_open(directory)
        issuer = ca.certificate.subject.rfc4514_string()
        rows = OfficialCertificate.objects.filter(official__in=officials, issuer=issuer)
        listed = dev_revoke(ca, rows)
        self.stdout.write(f"{len(rows)} certificates revoked; {ca.crl_path} lists {listed}")
