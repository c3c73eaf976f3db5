"""Writes to the person register."""

from datetime import date

from django.utils.translation import gettext as _

from tergeu.errors import InvalidInput
from tergeu.persons.iin import parse_iin, validate_bin
from tergeu.persons.models import LegalEntity, Person


def person_get_or_create(
    *,
    iin: str,
    last_name: str = "",
    first_name: str = "",
    patronymic: str = "",
    birth_date: date | None = None,
    citizenship: str = "KAZ",
) -> Person:
    """The person with this IIN, created if new. The IIN must be valid, and a birth date given
    with it must agree with the one the IIN encodes."""
    facts = parse_iin(iin)
    if birth_date is not None and birth_date != facts.birth_date:
        raise InvalidInput(
            _("The birth date does not match the IIN (which says %(date)s).")
            % {"date": facts.birth_date.isoformat()},
            code="iin_birth_date_mismatch",
            details={"iin": iin, "birth_date": birth_date.isoformat()},
        )
    existing = Person.objects.filter(iin=iin).first()
    if existing is not None:
        return existing
    if not last_name or not first_name:
        raise InvalidInput(
            _("A person not yet in the register needs a last and a first name."),
            code="person_name_required",
            details={"iin": iin},
        )
    # get_or_create, not create: another transaction may have entered the same person since
    # the lookup above, and the second insert must find that row rather than fail.
    person, _created = Person.objects.get_or_create(
        iin=iin,
        defaults={
            "last_name": last_name,
            "first_name": first_name,
            "patronymic": patronymic,
            "birth_date": facts.birth_date,
            "sex": facts.sex,
            "citizenship": citizenship,
        },
    )
    return person


def legal_entity_get_or_create(*, bin: str, name: str = "") -> LegalEntity:  # noqa: A002
    """The legal entity with this BIN, created if new."""
    validate_bin(bin)
    existing = LegalEntity.objects.filter(bin=bin).first()
    if existing is not None:
        return existing
    if not name:
        raise InvalidInput(
            _("A legal entity not yet in the register needs a name."),
            code="entity_name_required",
            details={"bin": bin},
        )
    entity, _created = LegalEntity.objects.get_or_create(bin=bin, defaults={"name": name})
    return entity
