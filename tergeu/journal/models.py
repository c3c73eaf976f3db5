"""The journal: every procedural act of a case, append-only and hash-chained."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official
from tergeu.cases.models import Case, Compartment


class Act(models.Model):
    """One procedural act. Written only by `journal.services.act_append`; the database refuses
    UPDATE and DELETE on this table (triggers in migration 0002). `canonical` holds the exact
    bytes that were hashed (docs/canonical-form.md); `hash` = SHA-256(canonical); `prev_hash` is
    the previous act's hash (64 zeros for the first act)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="acts")
    seq = models.PositiveIntegerField()
    kind = models.CharField(_("kind"), max_length=48)
    payload = models.JSONField(_("payload"))
    actor = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")
    actor_role = models.CharField(max_length=32)
    performed_at = models.DateTimeField(_("performed at"))
    recorded_at = models.DateTimeField(_("recorded at"))
    canonical = models.BinaryField()
    hash = models.CharField(max_length=64, unique=True)
    prev_hash = models.CharField(max_length=64)
    # Slots for the rendered document and its signatures (filled when acts are signed).
    document_sha256 = models.CharField(max_length=64, blank=True, default="")
    signatures = models.JSONField(null=True, blank=True)
    # An act of a covert compartment: numbered and chained within the compartment, so the case's
    # own journal shows no gap where covert material was recorded.
    compartment = models.ForeignKey(
        Compartment, on_delete=models.PROTECT, null=True, blank=True, related_name="acts"
    )

    class Meta:
        ordering: ClassVar = ["case_id", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case", "seq"],
                condition=models.Q(compartment__isnull=True),
                name="act_case_seq_unique",
            ),
            models.UniqueConstraint(
                fields=["compartment", "seq"],
                condition=models.Q(compartment__isnull=False),
                name="act_compartment_seq_unique",
            ),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="act_seq_positive"),
        ]
        verbose_name = _("act")
        verbose_name_plural = _("acts")

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"
