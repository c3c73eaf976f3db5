"""The access log: every read of a case by a person."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official
from tergeu.cases.models import Case


class Surface(models.TextChoices):
    WEB = "web", _("web")
    API = "api", _("API")
    CLI = "cli", _("command line")


class AccessLog(models.Model):
    """Who read what, when, through which surface. Written by the access gate, never by views."""

    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    surface = models.CharField(max_length=8, choices=Surface.choices)
    at = models.DateTimeField(db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering: ClassVar = ["-at"]
        indexes: ClassVar = [models.Index(fields=["case", "-at"])]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.official_id} {self.action}"
