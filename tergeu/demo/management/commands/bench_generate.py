"""`manage.py bench_generate`: a large database for the benchmarks (dev mode only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tergeu.cases.models import Case
from tergeu.demo.bulk import bulk_generate


class Command(BaseCommand):
    help = (
        "Fill the database with generated cases and acts for the benchmarks (valid journals and "
        "projections; COPY on PostgreSQL). Dev mode only; refuses a database with cases unless "
        "--force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=100_000)
        parser.add_argument("--acts", type=int, default=2_000_000, help="acts in all")
        parser.add_argument(
            "--big-case-acts", type=int, default=500, help="acts of the one big case"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force", action="store_true", help="add to a database that already has cases"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEV_MODE:
            raise CommandError("bench_generate runs only in dev mode (TERGEU_DEV=1).")
        if Case.objects.exists() and not options["force"]:
            raise CommandError("the database already has cases; use --force to add more")
        try:
            result = bulk_generate(
                cases=options["cases"],
                acts=options["acts"],
                big_case_acts=options["big_case_acts"],
                seed=options["seed"],
                progress=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"generated {len(result.case_ids):,} cases and {result.acts:,} acts in "
            f"{result.seconds:,.0f} s; big case ({options['big_case_acts']} acts): "
            f"id {result.case_ids[0]}"
        )
