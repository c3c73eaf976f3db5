"""The status page's forms: they check the shape of the input; the services decide the rest."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeRequestForm(forms.Form):
    register_number = forms.RegexField(
        label=_("Register number of the case"),
        regex=r"^[0-9]{6,32}$",
        max_length=32,
        error_messages={"invalid": _("A register number is 6 to 32 digits.")},
        help_text=_("The number of the case in the unified register (ЕРДР), digits only."),
    )
    iin = forms.RegexField(
        label=_("Your IIN"),
        regex=r"^[0-9]{12}$",
        max_length=12,
        error_messages={"invalid": _("An IIN is 12 digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^[0-9]{6}$",
        max_length=6,
        error_messages={"invalid": _("The code is six digits.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
