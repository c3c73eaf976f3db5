"""Delivering the engine's duties to inform (DOMAIN-KZ §9.3) to the officials they name: the
electronic case is the channel, so a notice to the prosecutor is sent when the act is recorded."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tergeu.cases.models import Case
from tergeu.cases.watchdog import Officials
from tergeu.notifications.services import notify
from tergeu.procedure.engine import Notice


def notices_deliver(
    case: Case, notices: Sequence[Notice], *, seq: int, only: Collection[int] | None = None
) -> int:
    """Notify the officials each notice names (the same holders of a role the watchdog tells);
    returns the number of notifications written. `only`: the officials who may be told (those
    named on a covert compartment, for its acts)."""
    if not notices:
        return 0
    officials = Officials([case.pk])
    written = 0
    for notice in notices:
        recipients = [pk for role in notice.to for pk in officials.holders(case.pk, role)]
        if only is not None:
            recipients = [pk for pk in recipients if pk in only]
        if recipients:
            written += notify(
                recipients,
                kind="duty",
                message=notice.about,
                params={"article": notice.article, "seq": seq, "notice": notice.id},
                case_id=case.pk,
            )
    return written
