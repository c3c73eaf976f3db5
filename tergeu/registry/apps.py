from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "tergeu.registry"
    verbose_name = _("Crime reports and the unified register")
