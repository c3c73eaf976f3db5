"""The statistics' rollups: counts of the indicators (tergeu/statistics/indicators.py) by day and
by the case's investigating body, region, offence category and article at the moment of the act.
They are derived from the journal only, and `stats_refresh --check` proves they equal a count
from scratch."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Agency
from tergeu.cases.models import Case


class Fact(models.Model):
    """How many times an indicator counted on one day, for one body and one kind of offence."""

    indicator = models.CharField(max_length=48)
    detail = models.CharField(max_length=48, blank=True)  # e.g. the punishment, the outcome
    day = models.DateField()  # in the legal zone
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=2, blank=True)  # the body's region code
    category = models.CharField(max_length=24, blank=True)
    article = models.CharField(max_length=16, blank=True)
    covert = models.BooleanField(default=False)
    count = models.PositiveIntegerField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["indicator", "detail", "day", "agency", "category", "article"],
                name="fact_unique",
            )
        ]
        indexes: ClassVar = [models.Index(fields=["day", "indicator"], name="fact_day")]
        permissions: ClassVar = [
            ("view_covert", _("Can see the statistics of covert investigative actions"))
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.indicator}/{self.detail} {self.count}"


class Chain(models.Model):
    """How far the rollups have read a case's journal, or one of its compartments', and the
    case's body and offence as of that act."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(default=0)  # the compartment's; 0: the case's journal
    seq = models.PositiveIntegerField(default=0)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=24, blank=True)
    article = models.CharField(max_length=16, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "number"], name="chain_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.number} @{self.seq}"


class Occurrence(models.Model):
    """One counted act: what the drill-down lists behind a figure (the cases, within the
    reader's access). Its rows add up to the `Fact` counts."""

    indicator = models.CharField(max_length=48)
    detail = models.CharField(max_length=48, blank=True)
    day = models.DateField()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(default=0)  # the compartment's; 0: the case's journal
    seq = models.PositiveIntegerField()
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    region = models.CharField(max_length=2, blank=True)
    category = models.CharField(max_length=24, blank=True)
    article = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["indicator", "day"], name="occurrence_day")]

    def __str__(self) -> str:
        return f"{self.indicator}/{self.detail} case {self.case_id} #{self.seq}"
