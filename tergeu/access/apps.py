from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "tergeu.access"
    verbose_name = _("Access")

    def ready(self) -> None:
        from tergeu.accounts.models import Official

        post_save.connect(chain_start, sender=Official, dispatch_uid="access_chain_start")


def chain_start(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """Every official's access-log chain exists from the start, so that their first read costs
    what every read costs (the head is only locked and moved)."""
    if created and not kwargs.get("raw"):
        from tergeu.access.models import AccessChain
        from tergeu.journal.canonical import GENESIS_HASH

        AccessChain.objects.get_or_create(official=instance, defaults={"hash": GENESIS_HASH})
