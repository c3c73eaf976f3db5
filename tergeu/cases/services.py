"""Procedural steps on a case that need more than one write: each ends in `act_append`."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.persons.services import legal_entity_get_or_create, person_get_or_create


def participant_admit(
    *,
    case: Case,
    actor: Official,
    role: str,
    iin: str = "",
    bin: str = "",  # noqa: A002
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
    birth_date: date | None = None,
    citizenship: str = "KAZ",
    entity_name: str = "",
    performed_at: datetime | None = None,
) -> Act:
    """Admit a person (by IIN) or an organisation (by BIN) to the case in a role, entering them in
    the person register first if new. One transaction: a refused admission registers nobody."""
    with transaction.atomic():
        if iin:
            person = person_get_or_create(
                iin=iin,
                last_name=last_name,
                first_name=first_name,
                patronymic=patronymic,
                birth_date=birth_date,
                citizenship=citizenship,
            )
            party = f"iin:{person.iin}"
        else:
            entity = legal_entity_get_or_create(bin=bin, name=entity_name)
            party = f"bin:{entity.bin}"
        return act_append(
            case=case,
            kind="participant_admission",
            actor=actor,
            performed_at=performed_at,
            payload={"party": party, "role": role},
        )
