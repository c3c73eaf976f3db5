"""Crime reports (КУИ, book of information on criminal offences) and the unified register's
numbering (ЕРДР)."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Agency, Official


class ReportSource(models.TextChoices):
    """Art. 180(1): the reasons to start a pre-trial investigation."""

    WRITTEN_STATEMENT = "written_statement", _("Written statement")
    ORAL_STATEMENT = "oral_statement", _("Oral statement (acceptance protocol)")
    ELECTRONIC_STATEMENT = "electronic_statement", _("Electronic statement")
    OFFICIAL_REPORT = "official_report", _("Official's report (рапорт)")
    SURRENDER = "surrender", _("Surrender (явка с повинной)")
    MEDIA = "media", _("Media report")


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting decision")
    REGISTERED = "registered", _("Registered in the unified register")
    FORWARDED_ADMINISTRATIVE = (
        "forwarded_administrative",
        _("Forwarded: administrative offence or disciplinary misconduct"),
    )
    FORWARDED_AUDIT = "forwarded_audit", _("Forwarded for an audit without registration")
    REFUSED = "refused", _("Not registered on statutory grounds")
    TRANSFERRED = "transferred", _("Transferred by jurisdiction")


class RefusalGround(models.TextChoices):
    """Art. 179(1) paras 3–5: reports that are not registered."""

    NO_AUDIT_CONFIRMATION = (
        "no_audit_confirmation",
        _(
            "No violation, damage or illegal income confirmed by an inspection, audit or revision "
            "where it is a mandatory element (179(1) para 3)"
        ),
    )
    CIVIL_DISPUTE = (
        "civil_dispute",
        _(
            "Dispute from a written civil-law transaction not held invalid by a court (179(1) para 4)"
        ),
    )


class CrimeReport(models.Model):
    """A report of a criminal offence, as entered in the КУИ. It leaves the КУИ by one decision:
    registration (which opens a case) or one of the forwarding or refusal decisions."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports")
    source = models.CharField(_("source"), max_length=32, choices=ReportSource.choices)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    applicant_person = models.ForeignKey(
        "persons.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applicant_entity = models.ForeignKey(
        "persons.LegalEntity", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(_("summary"))
    event_place = models.CharField(_("place of the event"), max_length=300, blank=True)
    event_time = models.DateTimeField(_("time of the event"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=32, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    case = models.OneToOneField(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="report"
    )

    class Meta:
        ordering: ClassVar = ["-received_at"]
        indexes: ClassVar = [models.Index(fields=["agency", "status", "-received_at"])]
        verbose_name = _("crime report")
        verbose_name_plural = _("crime reports")

    def __str__(self) -> str:
        return f"КУИ {self.pk}"


class ReportDecision(models.Model):
    """The decision that took a report out of the КУИ; append-only, one per report."""

    report = models.OneToOneField(CrimeReport, on_delete=models.PROTECT, related_name="decision")
    status = models.CharField(max_length=32, choices=ReportStatus.choices)
    decided_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    ground = models.CharField(max_length=32, blank=True)
    addressee = models.CharField(max_length=300, blank=True)
    to_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reasons = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.report_id}: {self.status}"


class RegisterSequence(models.Model):
    """The last register number handed out per (year, authority). Incremented with an atomic
    upsert inside the registering transaction: a rolled-back registration gives its number back,
    so numbers are gap-free; a committed one never gives it back."""

    year = models.PositiveSmallIntegerField()
    authority_code = models.CharField(max_length=4)
    last_value = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["year", "authority_code"], name="register_seq_unique")
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.authority_code}: {self.last_value}"
