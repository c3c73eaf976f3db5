"""The defence in a case: which lawyer defends whom (a projection of the journal), and what the
law has opened to them (the disclosure log)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.access.models import Surface
from tergeu.accounts.models import Official
from tergeu.cases.models import Case


class AdmissionVia(models.TextChoices):
    NOTICE = "notice", _("notice of defence")
    APPOINTMENT = "appointment", _("appointment through legal aid")


class DefenceAdmission(models.Model):
    """A defence lawyer admitted to a case for one client (arts 66-68): from the act that
    admitted them (a notice of defence, or an appointment) to the act that ended it, if any.
    While it runs the access gate lets the lawyer see the case in the capacity
    `defence_lawyer`. Written by `tergeu.defence.services` in the act's transaction;
    `admissions_verify` rebuilds it from the journal."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="defence_admissions")
    lawyer = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(_("client"), max_length=16)  # "iin:…", as in act payloads
    via = models.CharField(max_length=16, choices=AdmissionVia.choices)
    since_seq = models.PositiveIntegerField()
    since = models.DateTimeField(_("since"))
    until_seq = models.PositiveIntegerField(null=True, blank=True)
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["case_id", "since_seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case", "lawyer", "party"],
                condition=models.Q(until__isnull=True),
                name="defence_admission_running_unique",
            )
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["lawyer", "case"],
                condition=models.Q(until__isnull=True),
                name="defence_admission_running",
            )
        ]
        verbose_name = _("defence admission")
        verbose_name_plural = _("defence admissions")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.lawyer_id} for {self.party}"


class DisclosureGround(models.TextChoices):
    """Why the law opens an act to the defence (tergeu/defence/disclosure.py)."""

    OWN = "own", _("an act of the defender")
    CLIENT = "client", _("an act concerning the client")
    COPY = "copy", _("a decision every suspect or accused receives a copy of")
    FILE = "file", _("the case file, open at familiarisation")


class DisclosureLog(models.Model):
    """One act of a case shown to a defence lawyer: which act, why the law opens it, when,
    through which surface and which read. Written by `disclosed_acts`, the lawyer's one read
    path; the lawyer reads their own rows."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    lawyer = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    act_seq = models.PositiveIntegerField()
    act_kind = models.CharField(max_length=48)
    ground = models.CharField(max_length=8, choices=DisclosureGround.choices)
    surface = models.CharField(max_length=8, choices=Surface.choices)
    action = models.CharField(max_length=32)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [models.Index(fields=["case", "lawyer", "-at"])]
        verbose_name = _("disclosure to the defence")
        verbose_name_plural = _("disclosures to the defence")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.lawyer_id} {self.case_id}#{self.act_seq}"
