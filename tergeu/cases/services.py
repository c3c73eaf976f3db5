"""Procedural steps on a case that need more than one write: each ends in `act_append`."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils.translation import gettext as _

from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.errors import InvalidInput
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.notifications.contacts import contact_set
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
    phone: str = "",
    email: str = "",
) -> Act:
    """Admit a person (by IIN) or an organisation (by BIN) to the case in a role, entering them in
    the person register first if new; a person's `phone` and `email`, if given, are recorded as
    their contact (`notifications.contacts`), outside the act's payload. One transaction: a
    refused admission registers nobody."""
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
        act = act_append(
            case=case,
            kind="participant_admission",
            actor=actor,
            performed_at=performed_at,
            payload={"party": party, "role": role},
        )
        if phone or email:
            if not iin:
                raise InvalidInput(
                    _("A phone or an e-mail is recorded for a natural person only."),
                    code="contact_for_person_only",
                )
            contact_set(actor=actor, case=case, person=person, phone=phone, email=email)
        return act
