"""Agencies (police, anti-corruption, prosecutors, courts, ...) and the officials who work in them."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """A region or a city of republican significance, with its two-digit code (used in the
    unified-register number)."""

    code = models.CharField(
        _("code"), max_length=2, unique=True, validators=[RegexValidator(r"^\d{2}$")]
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=100)
    name_ru = models.CharField(_("name (Russian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Internal affairs (police)")
    ANTI_CORRUPTION = "anti_corruption", _("Anti-corruption service")
    ECONOMIC_INVESTIGATIONS = "economic_investigations", _("Economic investigations service")
    NATIONAL_SECURITY = "national_security", _("National security committee")
    PROSECUTOR_DISTRICT = "prosecutor_district", _("District prosecutor's office")
    PROSECUTOR_OBLAST = "prosecutor_oblast", _("Oblast prosecutor's office")
    PROSECUTOR_GENERAL = "prosecutor_general", _("General Prosecutor's Office")
    INVESTIGATING_COURT = "investigating_court", _("Specialised investigating court")
    DISTRICT_COURT = "district_court", _("District court")
    OBLAST_COURT = "oblast_court", _("Oblast (appeal) court")
    PENITENTIARY = "penitentiary", _("Penitentiary institution")
    PROBATION = "probation", _("Probation service")
    BAILIFF = "bailiff", _("Bailiff service (enforcement of judicial acts)")
    LEGAL_CONSULTATION = "legal_consultation", _("Legal consultation of the bar")


PROSECUTOR_KINDS = frozenset(
    {AgencyKind.PROSECUTOR_DISTRICT, AgencyKind.PROSECUTOR_OBLAST, AgencyKind.PROSECUTOR_GENERAL}
)
INVESTIGATING_KINDS = frozenset(
    {
        AgencyKind.POLICE,
        AgencyKind.ANTI_CORRUPTION,
        AgencyKind.ECONOMIC_INVESTIGATIONS,
        AgencyKind.NATIONAL_SECURITY,
    }
)


class Agency(models.Model):
    """A body of the criminal process. `parent` builds the hierarchy (district prosecutor's office →
    oblast office → General Prosecutor's Office); `path` caches it ("/1/4/9/") so that "this office
    or any office above it" is one indexed prefix match."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("region")
    )
    authority_code = models.CharField(
        _("authority code"),
        max_length=4,
        unique=True,
        validators=[RegexValidator(r"^\d{4}$", _("Four digits."))],
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=255, editable=False, db_index=True, default="")
    supervisor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_bodies",
        verbose_name=_("supervising prosecutor's office"),
        help_text=_("For investigating bodies: the prosecutor's office that supervises them."),
    )

    class Meta:
        ordering: ClassVar = ["authority_code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            Agency.objects.filter(pk=self.pk).update(path=path)
            for child in self.children.all():
                child.save()  # a moved office moves its whole subtree

    @property
    def is_prosecutor_office(self) -> bool:
        return self.kind in PROSECUTOR_KINDS


class Role(models.TextChoices):
    """What an official does in an agency. The procedural prosecutor of a given case is a
    prosecutor named on the case, not a separate role."""

    REGISTRAR = "registrar", _("Duty officer / registrar")
    INVESTIGATOR = "investigator", _("Investigator")
    INQUIRY_OFFICER = "inquiry_officer", _("Inquiry officer")
    INVESTIGATION_HEAD = "investigation_head", _("Head of investigation unit")
    INQUIRY_HEAD = "inquiry_head", _("Head of inquiry body")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    INVESTIGATING_JUDGE = "investigating_judge", _("Investigating judge")
    TRIAL_JUDGE = "trial_judge", _("Trial judge")
    DEFENCE_LAWYER = "defence_lawyer", _("Defence lawyer")
    PENITENTIARY_OFFICER = "penitentiary_officer", _("Penitentiary officer")
    PROBATION_OFFICER = "probation_officer", _("Probation officer")
    BAILIFF = "bailiff", _("Bailiff")
    ANALYST = "analyst", _("Analyst")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Reads the access log of any case (who read it, when, from where), not the case itself.
    AUDITOR = "auditor", _("Auditor")


HEAD_ROLES = frozenset({Role.INVESTIGATION_HEAD, Role.INQUIRY_HEAD})
# The officials who execute sentences, and the kind of agency each works in (CPC 470(3), 472):
# an execution order goes to such an agency, whose officials then see the case.
EXECUTING_AGENCIES: dict[str, AgencyKind] = {
    Role.PENITENTIARY_OFFICER: AgencyKind.PENITENTIARY,
    Role.PROBATION_OFFICER: AgencyKind.PROBATION,
    Role.BAILIFF: AgencyKind.BAILIFF,
}
CONDUCTING_ROLES = frozenset({Role.INVESTIGATOR, Role.INQUIRY_OFFICER})


class Official(AbstractUser):
    """A person who signs in: an official of an agency, a defence lawyer, an administrator."""

    patronymic = models.CharField(_("patronymic"), max_length=150, blank=True)
    # The IIN is how a Kazakh signing certificate names its holder (tergeu/signing): a signature
    # counts as this official's only when the certificate carries this IIN.
    iin = models.CharField(
        _("IIN"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^\d{12}$", _("12 digits."))],
        help_text=_("Individual identification number, as in the official's signing certificate."),
    )

    class Meta:
        # One person, one account: otherwise a certificate would sign as several officials.
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["iin"], condition=~models.Q(iin=""), name="official_iin_unique"
            )
        ]
        verbose_name = _("official")
        verbose_name_plural = _("officials")


class Appointment(models.Model):
    """An official holds a role in an agency. One official may hold several."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="appointments")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="appointments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["official", "agency", "role"], name="appointment_unique"
            )
        ]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")

    def __str__(self) -> str:
        return f"{self.official} — {self.get_role_display()} — {self.agency}"


class DutyShift(models.Model):
    """The investigating judge on duty at a court for a period (the duty roster): requests for a
    sanction that reach the court in that period go to them."""

    court = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("court")
    )
    judge = models.ForeignKey(
        Official, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("judge")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        ordering: ClassVar = ["court", "starts_at"]
        indexes: ClassVar = [models.Index(fields=["court", "starts_at"])]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="duty_shift_order"
            )
        ]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")

    def __str__(self) -> str:
        return f"{self.court} — {self.judge} — {self.starts_at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only the SHA-256 of the token is stored; the token itself
    is shown once, when created (`manage.py token_create`)."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="api_tokens")
    key_sha256 = models.CharField(max_length=64, unique=True)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.official_id} {self.label}"
