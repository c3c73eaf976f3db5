"""The access log: every read of a case by a person, chained per official like the journal
(each entry's hash covers the one before it, the chain's head is kept beside it) and refused
UPDATE and DELETE by the database; and break-glass grants, the urgent reads of a case by an
official outside its team."""

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
    """Who read what, when, through which surface and from where. Written by the access gate,
    never by views; each official's entries form a hash chain (`tergeu.access.audit`)."""

    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    surface = models.CharField(max_length=8, choices=Surface.choices)
    at = models.DateTimeField(db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    address = models.CharField(max_length=45, blank=True)  # the client's IP address
    # Read under a break-glass grant: highlighted wherever the log is shown.
    break_glass = models.BooleanField(default=False)
    seq = models.PositiveBigIntegerField()  # the entry's place in its official's chain, from 1
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar = ["-at"]
        indexes: ClassVar = [models.Index(fields=["case", "-at"])]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["official", "seq"], name="accesslog_chain")
        ]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.official_id} {self.action}"


class AccessChain(models.Model):
    """The head of one official's chain of access-log entries: its length and last hash,
    updated in the transaction that appends (the lock that orders the official's entries)."""

    official = models.OneToOneField(
        Official, on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.official_id} @{self.seq}"


class BreakGlass(models.Model):
    """An official outside a case's team reading it urgently, on a written reason: for
    `TERGEU_BREAK_GLASS_HOURS`, read only, every read marked in the access log; the supervising
    prosecutor is told at once."""

    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    granted_at = models.DateTimeField()
    until = models.DateTimeField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["official", "until"], name="breakglass_open")]

    def __str__(self) -> str:
        return f"{self.official_id} → case {self.case_id} until {self.until:%Y-%m-%d %H:%M}"
