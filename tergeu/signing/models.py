"""The certificates officials sign with, as registered with the system."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official


class OfficialCertificate(models.Model):
    """An X.509 signing certificate of an official (its subject carries the official's IIN).

    Signatures are verified from the certificate they carry, not from this table; the table lets
    the system show an official's certificates, warn before they expire, and put them in export
    bundles. Rows are never deleted: a signature made with a certificate stays attributable."""

    official = models.ForeignKey(
        Official, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("official")
    )
    pem = models.TextField(_("certificate (PEM)"))
    fingerprint_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, unique=True)
    serial_number = models.CharField(_("serial number (hex)"), max_length=64)
    subject = models.CharField(_("subject"), max_length=1000)
    issuer = models.CharField(_("issuer"), max_length=1000)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    registered_at = models.DateTimeField(_("registered at"))

    class Meta:
        ordering: ClassVar = ["official", "-not_after"]
        verbose_name = _("official's certificate")
        verbose_name_plural = _("officials' certificates")

    def __str__(self) -> str:
        return f"{self.official_id} {self.serial_number} (until {self.not_after:%Y-%m-%d})"
