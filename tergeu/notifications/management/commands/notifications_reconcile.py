"""Print the daily reconciliation: the duties to inform that were not met in time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.notifications.reconcile import MissedDuty, notifications_reconcile


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(clock.legal_zone()):%Y-%m-%d %H:%M}"


def report(missed: list[MissedDuty], *, now: datetime, days: int) -> str:
    """The reconciliation as text, one block per duty, in the active language."""
    lines = [
        _("Duties to inform not met in time, due by %(now)s (the last %(days)s days): %(n)s")
        % {"now": _local(now), "days": days, "n": len(missed)}
    ]
    for m in missed:
        when = _("met late, at %(at)s") % {"at": _local(m.met_at)} if m.met_at else _("not met")
        lines += [
            "",
            _("case %(case)s, art. %(article)s: %(duty)s")
            % {"case": m.register_number or "-", "article": m.article or "-", "duty": m.duty},
            "    "
            + _("due %(due)s, %(when)s [%(source)s]")
            % {"due": _local(m.due_at), "when": when, "source": m.source},
        ]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "List the duties to inform the law imposes that were met late or not met at all."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=1, help="look back this many days (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days <= 0:
            raise CommandError("--days needs a positive number")
        now = clock.now()
        self.stdout.write(report(notifications_reconcile(now=now, days=days), now=now, days=days))
