from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "tergeu.public"
    verbose_name = _("Citizens' status page")
