"""Kazakhstan's individual and business identification numbers (ИИН / БИН).

Both are 12 digits ending in a check digit computed modulo 11: first with weights 1..11; if that
gives 10, again with weights 3..11,1,2; if that gives 10 too, the number is not valid.
An IIN starts with the birth date (YYMMDD); its 7th digit gives the century and sex
(1/2: 1800s, 3/4: 1900s, 5/6: 2000s; odd = male, even = female).
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from tergeu.errors import InvalidInput

_WEIGHTS_1 = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_WEIGHTS_2 = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY = {"1": 1800, "2": 1800, "3": 1900, "4": 1900, "5": 2000, "6": 2000}


def check_digit(first11: str) -> int | None:
    """The check digit for 11 digits, or None when no valid number can end them."""
    digits = [int(c) for c in first11]
    for weights in (_WEIGHTS_1, _WEIGHTS_2):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


@dataclass(frozen=True)
class IinFacts:
    birth_date: date
    sex: str  # "M" or "F"


def _require_12_digits(value: str, label: str) -> None:
    # isascii(): str.isdigit() is also true for "²" and for other scripts' digits.
    if len(value) != 12 or not (value.isascii() and value.isdigit()):
        raise InvalidInput(
            _("%(label)s must be exactly 12 digits.") % {"label": label},
            code="invalid_" + label.lower(),
            details={"value": value},
        )


def _require_check_digit(value: str, label: str) -> None:
    expected = check_digit(value[:11])
    if expected is None or expected != int(value[11]):
        raise InvalidInput(
            _("%(label)s check digit is wrong: the number is mistyped or not real.")
            % {"label": label},
            code="invalid_" + label.lower(),
            details={"value": value, "reason": "check_digit"},
        )


def parse_iin(value: str) -> IinFacts:
    """Validate an IIN and return the birth date and sex it encodes; raise InvalidInput saying why."""
    _require_12_digits(value, "IIN")
    century_digit = value[6]
    if century_digit not in _CENTURY:
        raise InvalidInput(
            _("IIN 7th digit must be 1–6 (century and sex), not %(digit)s.")
            % {"digit": century_digit},
            code="invalid_iin",
            details={"value": value, "reason": "century_digit"},
        )
    year = _CENTURY[century_digit] + int(value[0:2])
    try:
        birth = date(year, int(value[2:4]), int(value[4:6]))
    except ValueError as exc:
        raise InvalidInput(
            _("IIN does not start with a real birth date (YYMMDD): %(part)s.")
            % {"part": value[:6]},
            code="invalid_iin",
            details={"value": value, "reason": "birth_date"},
        ) from exc
    _require_check_digit(value, "IIN")
    return IinFacts(birth_date=birth, sex="M" if int(century_digit) % 2 else "F")


def validate_bin(value: str) -> None:
    """Validate a BIN (legal entity): 12 digits, month 01–12 in digits 3–4, entity type 4–6 in
    digit 5, and the check digit."""
    _require_12_digits(value, "BIN")
    if not 1 <= int(value[2:4]) <= 12 or value[4] not in "456":
        raise InvalidInput(
            _("BIN must start with YYMM and have entity type 4, 5 or 6 in the 5th digit."),
            code="invalid_bin",
            details={"value": value, "reason": "structure"},
        )
    _require_check_digit(value, "BIN")


def make_iin(birth: date, sex: str, serial: int) -> str | None:
    """Build the IIN for a birth date, sex and 4-digit serial, or None if that serial has no valid
    check digit (used by the demo data and tests)."""
    century = {1800: 1, 1900: 3, 2000: 5}[birth.year // 100 * 100] + (0 if sex == "M" else 1)
    first11 = f"{birth:%y%m%d}{century}{serial:04d}"
    digit = check_digit(first11)
    return None if digit is None else first11 + str(digit)
