from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _


def check_register_number_format(**kwargs: Any) -> list[checks.CheckMessage]:
    """REGISTER_NUMBER_FORMAT must format a sample number: a typo there would otherwise fail
    every registration."""
    try:
        sample = settings.REGISTER_NUMBER_FORMAT.format(yy=26, region="75", authority="7511", seq=1)
    except (KeyError, IndexError, ValueError) as exc:
        return [
            checks.Error(
                f"REGISTER_NUMBER_FORMAT cannot be formatted: {exc!r}",
                hint="Placeholders: {yy} (int), {region} and {authority} (digit strings), {seq} (int).",
                id="tergeu.E001",
            )
        ]
    if not sample.isascii() or not sample.isdigit():
        return [
            checks.Error(
                f"REGISTER_NUMBER_FORMAT must produce digits only, not {sample!r}",
                id="tergeu.E002",
            )
        ]
    return []


class RegistryConfig(AppConfig):
    name = "tergeu.registry"
    verbose_name = _("Crime reports and the unified register")

    def ready(self) -> None:
        checks.register(check_register_number_format)
