"""The citizens' status page: one-time codes, the requests for them (which the rate limits
count) and the log of what a person read. An IIN typed into the public form and a client's
address are kept only as keyed hashes: the page must not become a register of who asked."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.cases.models import Case
from tergeu.persons.models import Person


class OneTimeCode(models.Model):
    """A six-digit code sent to a participant of a case, for the status page. Only its keyed
    hash is stored (six digits are too few for a plain hash to hide); it is valid until
    `expires_at`, once, and for a few wrong tries."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")

    def __str__(self) -> str:
        return f"code {self.pk} for {self.person_id} in {self.case_id}"


class CodeRequest(models.Model):
    """One request for a code on the status page, whatever its outcome."""

    iin_hash = models.CharField(max_length=64)
    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["iin_hash", "at"]),
            models.Index(fields=["client_hash", "at"]),
        ]

    def __str__(self) -> str:
        return f"code request @{self.at:%Y-%m-%d %H:%M}"


class StatusView(models.Model):
    """A read of a case on the status page by a person who proved who they are with a code:
    the access log of people without an official's account."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(db_index=True)
    client_hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["-at"]
        verbose_name = _("status page view")
        verbose_name_plural = _("status page views")

    def __str__(self) -> str:
        return f"{self.person_id} read {self.case_id} @{self.at:%Y-%m-%d %H:%M}"
