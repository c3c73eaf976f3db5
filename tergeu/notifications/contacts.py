"""Participants' contacts: where a victim, an applicant or a suspect receives copies of decisions
and one-time codes. Set by an official who conducts or supervises a case the person takes part
in."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.access.gate import capacities
from tergeu.accounts.models import CONDUCTING_ROLES, HEAD_ROLES, Official, Role
from tergeu.cases.models import Case, Participant
from tergeu.errors import Forbidden, InvalidInput
from tergeu.notifications.models import Contact
from tergeu.persons.models import Person

# E.164: a plus, a country code and the number, 10 to 15 digits in all ([0-9], not \d, which
# matches other scripts' digits too).
PHONE = re.compile(r"^\+[1-9][0-9]{9,14}$")
# Who records a participant's contact: those who admit participants (arts 64–81).
CONTACT_KEEPERS = CONDUCTING_ROLES | HEAD_ROLES | {Role.PROSECUTOR}
# Separators people write in a phone number.
PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def phone_clean(value: str) -> str:
    """A phone number in E.164 form; a Kazakh number written the domestic way (8 701 …) gets
    its country code. Empty stays empty."""
    phone = PHONE_SEPARATORS.sub("", value)
    if len(phone) == 11 and phone.startswith("8"):
        phone = "+7" + phone[1:]
    if phone and not PHONE.match(phone):
        raise InvalidInput(
            _("A phone number is written with its country code, e.g. +77011234567."),
            code="invalid_phone",
            details={"phone": value},
        )
    return phone


def email_clean(value: str) -> str:
    email = value.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise InvalidInput(
                _("This is not an e-mail address."),
                code="invalid_email",
                details={"email": value},
            ) from exc
    return email


def language_clean(value: str) -> str:
    if value and value not in {code for code, _name in settings.LANGUAGES}:
        raise InvalidInput(
            _("Messages can be sent in Kazakh, Russian or English only."),
            code="invalid_language",
            details={"language": value},
        )
    return value


def contact_keeper_require(actor: Official, case: Case) -> None:
    """Only the body, the heads and the prosecutors keep participants' contacts; anyone else is
    refused before a participant is looked up (so the answer tells nothing of who takes part)."""
    if not CONTACT_KEEPERS & set(capacities(actor, case)):
        raise Forbidden(
            _("Your role does not allow this act on this case."), code="role_not_allowed"
        )


def participant_person(case: Case, party: str) -> Person:
    """The natural person who takes part in `case` as `party` ("iin:…")."""
    participant = (
        Participant.objects.filter(case=case, party=party, person__isnull=False)
        .select_related("person")
        .first()
    )
    if participant is None or participant.person is None:
        raise InvalidInput(
            _("No person takes part in this case under this identifier."),
            code="not_a_participant",
            details={"party": party},
        )
    return participant.person


def contact_set(
    *,
    actor: Official,
    case: Case,
    person: Person,
    phone: str = "",
    email: str = "",
    language: str = "",
) -> Contact | None:
    """Record where `person`, a participant of `case`, receives messages; with neither a phone
    nor an e-mail, forget the contact. Refused (nothing written) for an official without a
    capacity on the case, a person who does not take part in it, or a malformed address."""
    contact_keeper_require(actor, case)
    if not Participant.objects.filter(case=case, person=person).exists():
        raise InvalidInput(
            _("No person takes part in this case under this identifier."),
            code="not_a_participant",
            details={"party": f"iin:{person.iin}"},
        )
    fields = {
        "phone": phone_clean(phone),
        "email": email_clean(email),
        "language": language_clean(language),
    }
    with transaction.atomic():
        if not fields["phone"] and not fields["email"]:
            Contact.objects.filter(person=person).delete()
            return None
        contact, _created = Contact.objects.update_or_create(
            person=person, defaults={**fields, "updated_at": clock.now(), "updated_by": actor}
        )
    return contact
