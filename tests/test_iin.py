"""Individual and business identification numbers (ИИН / БИН), and the person register that
keeps one row per IIN."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from tergeu.errors import InvalidInput
from tergeu.persons.iin import IinFacts, check_digit, make_iin, parse_iin, validate_bin
from tergeu.persons.models import LegalEntity, Person
from tergeu.persons.services import legal_entity_get_or_create, person_get_or_create


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # The messages are asserted in English; the default language is Russian.
    with translation.override("en"):
        yield


VALID_IINS = [
    ("900101300017", date(1990, 1, 1), "M"),
    ("850615400422", date(1985, 6, 15), "F"),
    ("900101300811", date(1990, 1, 1), "M"),  # check digit from the second set of weights
    ("000229600014", date(2000, 2, 29), "F"),  # a leap day
    ("991231100070", date(1899, 12, 31), "M"),  # born in the 1800s
    ("240715501235", date(2024, 7, 15), "M"),
]


@pytest.mark.parametrize(("iin", "birth", "sex"), VALID_IINS)
def test_valid_iin(iin: str, birth: date, sex: str) -> None:
    facts = parse_iin(iin)
    assert (facts.birth_date, facts.sex) == (birth, sex)


INVALID_IINS = [
    ("90010130001", None, "exactly 12 digits"),
    ("9001013000171", None, "exactly 12 digits"),
    ("", None, "exactly 12 digits"),
    ("90010130001a", None, "exactly 12 digits"),
    ("9001013 0017", None, "exactly 12 digits"),
    ("90010130001²", None, "exactly 12 digits"),
    ("٩٠٠١٠١٣٠٠٠١٧", None, "exactly 12 digits"),  # Arabic-Indic digits
    ("900101000017", "century_digit", "7th digit must be 1–6"),
    ("900101700017", "century_digit", "7th digit must be 1–6"),
    ("901301300017", "birth_date", "real birth date"),  # month 13
    ("900230300017", "birth_date", "real birth date"),  # 30 February
    ("010229500017", "birth_date", "real birth date"),  # 29 February 2001
    ("900100300017", "birth_date", "real birth date"),  # day 00
    ("900101300018", "check_digit", "check digit is wrong"),
    ("900101300800", "check_digit", "check digit is wrong"),  # no check digit can end it
]


@pytest.mark.parametrize(("iin", "reason", "says"), INVALID_IINS)
def test_invalid_iin_says_why(iin: str, reason: str | None, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_iin(iin)
    assert refused.value.code == "invalid_iin"
    assert refused.value.status == 422
    assert says in refused.value.message
    assert refused.value.details.get("reason") == reason
    assert refused.value.details["value"] == iin


def _seventh(birth: date, sex: str) -> str:
    return str({18: 1, 19: 3, 20: 5}[birth.year // 100] + (sex == "F"))


@given(
    st.dates(min_value=date(1800, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["M", "F"]),
    st.integers(min_value=0, max_value=9999),
)
def test_make_iin_parses_back(birth: date, sex: str, serial: int) -> None:
    iin = make_iin(birth, sex, serial)
    first11 = f"{birth:%y%m%d}{_seventh(birth, sex)}{serial:04d}"
    if iin is None:  # about one serial in eleven has no check digit
        assert check_digit(first11) is None
        return
    assert iin[:11] == first11
    facts = parse_iin(iin)
    assert (facts.birth_date, facts.sex) == (birth, sex)


@given(st.text(max_size=14) | st.from_regex(r"[0-9]{12}", fullmatch=True))
def test_parse_iin_accepts_only_what_make_iin_makes(text: str) -> None:
    outcome: IinFacts | InvalidInput
    try:
        outcome = parse_iin(text)
    except InvalidInput as refused:
        outcome = refused
    if isinstance(outcome, InvalidInput):
        assert outcome.code == "invalid_iin"
        assert outcome.message
    else:
        assert make_iin(outcome.birth_date, outcome.sex, int(text[7:11])) == text


VALID_BINS = ["990740000128", "050240003179", "120350000108", "181260012304"]
INVALID_BINS = [
    ("99074000012", "exactly 12 digits"),
    ("991340000128", "YYMM"),  # month 13
    ("990070000128", "YYMM"),  # month 00
    ("990770000128", "entity type"),  # type 7
    ("990740000129", "check digit is wrong"),
]


@pytest.mark.parametrize("bin_", VALID_BINS)
def test_valid_bin(bin_: str) -> None:
    validate_bin(bin_)


@pytest.mark.parametrize(("bin_", "says"), INVALID_BINS)
def test_invalid_bin_says_why(bin_: str, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_bin(bin_)
    assert refused.value.code == "invalid_bin"
    assert says in refused.value.message


# --- the person register --------------------------------------------------------------------


def test_one_person_per_iin(db: Any) -> None:
    first = person_get_or_create(iin="850615400422", last_name="Serikova", first_name="Aru")
    again = person_get_or_create(iin="850615400422", last_name="Other", first_name="Name")

    assert again.pk == first.pk
    assert (again.last_name, again.birth_date, again.sex) == ("Serikova", date(1985, 6, 15), "F")
    assert Person.objects.count() == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(
            iin="850615400422",
            last_name="Dup",
            first_name="Dup",
            birth_date=date(1985, 6, 15),
            sex="F",
        )


def test_birth_date_must_match_the_iin(db: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        person_get_or_create(
            iin="850615400422", last_name="A", first_name="B", birth_date=date(1985, 6, 16)
        )
    assert refused.value.code == "iin_birth_date_mismatch"
    assert "1985-06-15" in refused.value.message
    assert not Person.objects.exists()

    person = person_get_or_create(
        iin="850615400422", last_name="A", first_name="B", birth_date=date(1985, 6, 15)
    )
    assert person.birth_date == date(1985, 6, 15)


def test_new_person_needs_a_name(db: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        person_get_or_create(iin="850615400422")
    assert refused.value.code == "person_name_required"
    assert not Person.objects.exists()


def test_one_legal_entity_per_bin(db: Any) -> None:
    first = legal_entity_get_or_create(bin="990740000128", name="Demo LLP")
    again = legal_entity_get_or_create(bin="990740000128")
    assert again.pk == first.pk
    assert LegalEntity.objects.count() == 1
    with pytest.raises(InvalidInput) as refused:
        legal_entity_get_or_create(bin="990740000129", name="Forged LLP")
    assert refused.value.code == "invalid_bin"
    with pytest.raises(InvalidInput) as unnamed:
        legal_entity_get_or_create(bin="050240003179")
    assert unnamed.value.code == "entity_name_required"
    assert LegalEntity.objects.count() == 1
