"""A register number (ЕРДР) as someone types it: the one check every path applies before it
looks a case up, so that a malformed number is told apart from a number of no case."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from tergeu.errors import InvalidInput

# The numbers REGISTER_NUMBER_FORMAT makes are digits only; [0-9], not \d, which also matches
# other scripts' digits.
REGISTER_NUMBER = re.compile(r"^[0-9]{6,32}$")


def register_number_parse(text: str) -> str:
    """`text` without surrounding spaces, if it is 6 to 32 digits; else InvalidInput (422
    `invalid_register_number`)."""
    number = text.strip()
    if not REGISTER_NUMBER.match(number):
        raise InvalidInput(
            _("A register number is 6 to 32 digits."),
            code="invalid_register_number",
            details={"register_number": number[:32]},
        )
    return number
