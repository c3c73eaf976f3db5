from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tergeu.accounts.models import Official
from tergeu.accounts.services import token_create


class Command(BaseCommand):
    help = "Create an API token for an official and print it (it is shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        official = Official.objects.filter(username=options["username"], is_active=True).first()
        if official is None:
            raise CommandError(f"no active official {options['username']!r}")
        self.stdout.write(token_create(official=official, label=options["label"]))
