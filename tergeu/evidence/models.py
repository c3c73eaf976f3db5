"""Evidence items of a case and where each stands in its chain of custody: a projection of the
acts `evidence_seizure`, `evidence_sealing`, `evidence_transfer`, `evidence_examination`,
`evidence_return` and `evidence_destruction`, written in the act's transaction by
`evidence.services` and rebuilt from the journal by `evidence_verify`."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.attachments.models import Blob
from tergeu.cases.models import Case


class Nature(models.TextChoices):
    PHYSICAL = "physical", _("physical")
    DIGITAL = "digital", _("digital")


class Custody(models.TextChoices):
    """The last step of an item's chain of custody."""

    SEIZED = "seized", _("seized")
    SEALED = "sealed", _("packed and sealed")
    TRANSFERRED = "transferred", _("handed over")
    EXAMINED = "examined", _("examined by an expert")
    RETURNED = "returned", _("returned")
    DESTROYED = "destroyed", _("destroyed")


CLOSED_CUSTODY = frozenset({Custody.RETURNED, Custody.DESTROYED})


class EvidenceItem(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="evidence")
    number = models.PositiveIntegerField(_("item number"))  # 1, 2, … within the case
    nature = models.CharField(_("nature"), max_length=16, choices=Nature.choices)
    description = models.TextField(_("description"))
    # A digital item's bytes, stored once under their SHA-256 (content-addressed).
    blob = models.ForeignKey(
        Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True)
    seal = models.CharField(_("seal number"), max_length=64, blank=True)
    holder = models.CharField(_("held by"), max_length=255)
    custody = models.CharField(_("custody"), max_length=16, choices=Custody.choices)
    seized_seq = models.PositiveIntegerField()
    last_seq = models.PositiveIntegerField()

    class Meta:
        ordering: ClassVar = ["case_id", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "number"], name="evidence_number_unique")
        ]
        verbose_name = _("evidence item")
        verbose_name_plural = _("evidence items")

    def __str__(self) -> str:
        return f"{self.case_id}/{self.number} {self.custody}"
