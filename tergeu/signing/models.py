"""The certificates officials sign with, as registered with the system."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official
from tergeu.attachments.models import Blob
from tergeu.journal.models import Act


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


class SignatureRole(models.TextChoices):
    AUTHOR = "author", _("author")
    DECISION = "decision", _("decision")


class SignedDocument(models.Model):
    """One revision of an act's signed document in one language: revision 1 is the document
    its author signed; each later revision adds one countersignature (the official who decided
    on the act: agreed, approved, sanctioned) as an incremental update, so every revision's
    bytes begin with the previous one's. The PDF is stored by its SHA-256 (a `Blob`)."""

    act = models.ForeignKey(Act, on_delete=models.PROTECT, related_name="signed_documents")
    language = models.CharField(_("language"), max_length=2)
    revision = models.PositiveSmallIntegerField(_("revision"))
    role = models.CharField(_("role"), max_length=16, choices=SignatureRole.choices)
    # The decision act the countersignature confirms (role "decision").
    decision = models.ForeignKey(
        Act, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signer = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    signer_iin = models.CharField(_("signer's IIN"), max_length=12)
    certificate_sha256 = models.CharField(_("certificate's SHA-256"), max_length=64)
    mode = models.CharField(_("signed"), max_length=8)  # "server" (PKCS#12) or "client" (CMS)
    pdf = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        ordering: ClassVar = ["act", "language", "revision"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["act", "language", "revision"], name="signeddocument_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["act", "language", "decision"], name="signeddocument_decision_unique"
            ),
        ]
        verbose_name = _("signed document")
        verbose_name_plural = _("signed documents")

    def __str__(self) -> str:
        return f"act {self.act_id} {self.language} r{self.revision} ({self.role})"


class PreparedSignature(models.Model):
    """A document waiting for an official's signing application (client-side signing): the
    prepared PDF stays here, the application gets only the bytes to sign. Replaced when the
    official prepares again, removed when the signature is embedded."""

    act = models.ForeignKey(Act, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=2)
    signer = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="+")
    pdf = models.BinaryField()
    prepared_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["act", "language", "signer"], name="preparedsignature_unique"
            )
        ]

    def __str__(self) -> str:
        return f"act {self.act_id} {self.language} awaiting {self.signer_id}"
