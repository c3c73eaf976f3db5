"""Delivering the engine's duties to inform (DOMAIN-KZ §9.3) to the officials they name: the
electronic case is the channel, so a notice to the prosecutor is sent when the act is recorded."""

from __future__ import annotations

from collections.abc import Sequence

from tergeu.accounts.models import Appointment, Role
from tergeu.cases.law import pack
from tergeu.cases.models import Case
from tergeu.notifications.services import notify
from tergeu.procedure.engine import Notice


def officials_for(case: Case, role: str) -> list[int]:
    """The officials who hold `role` (or a role of the group `role`) for `case`: the lead
    investigator for the body, the procedural prosecutor (else the supervising office's
    prosecutors), the heads of the investigation unit. Judges and facilities are reached
    through their requests, not here."""
    roles = pack().role_groups.get(role, frozenset({role}))
    found: list[int] = []
    if roles & {Role.INVESTIGATOR, Role.INQUIRY_OFFICER} and case.lead_investigator_id:
        found.append(case.lead_investigator_id)
    if Role.PROSECUTOR in roles:
        if case.procedural_prosecutor_id:
            found.append(case.procedural_prosecutor_id)
        else:
            found += Appointment.objects.filter(
                agency_id=case.supervising_office_id, role=Role.PROSECUTOR
            ).values_list("official_id", flat=True)
    heads = roles & {Role.INVESTIGATION_HEAD, Role.INQUIRY_HEAD}
    if heads:
        found += Appointment.objects.filter(
            agency_id=case.investigation_unit_id, role__in=heads
        ).values_list("official_id", flat=True)
    return found


def notices_deliver(case: Case, notices: Sequence[Notice], *, seq: int) -> int:
    """Notify the officials each notice names; returns the number of notifications written."""
    written = 0
    for notice in notices:
        recipients = [pk for role in notice.to for pk in officials_for(case, role)]
        if recipients:
            written += notify(
                recipients,
                kind="duty",
                message=notice.about,
                params={"article": notice.article, "seq": seq, "notice": notice.id},
                case_id=case.pk,
            )
    return written
