"""The global integrity log: one append-only Merkle tree (RFC 9162) whose leaves are the hashes
of every act, of every case and compartment, in the order the sequencer placed them
(docs/integrity.md). The database refuses to change or remove its rows (migration 0002); only
`LogState`, the sequencer's working row, is updated."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _
from tergeu_verify.merkle import EMPTY_ROOT

from tergeu.journal.models import Act


class LogEntry(models.Model):
    """An act's place in the log. Inserted in the act's own transaction with `leaf_index` empty
    (queued); the sequencer (`log_integrate`) sets `leaf_index` once, and the database refuses
    any other change. `leaf_hash` = SHA-256(0x00 ‖ the act's 32-byte hash): the leaf holds the
    act's hash only, so nothing of the case can be read from the log."""

    # The database refuses to delete an act (and its foreign key, a referenced one): Django
    # need not look for entries before it tries.
    act = models.OneToOneField(Act, on_delete=models.DO_NOTHING, related_name="log_entry")
    leaf_hash = models.BinaryField(max_length=32)
    leaf_index = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        indexes: ClassVar = [
            # The sequencer's queue: only the entries still without a place, whatever the size
            # of the log.
            models.Index(
                fields=["id"], condition=models.Q(leaf_index__isnull=True), name="logentry_queued"
            )
        ]
        verbose_name = _("log entry")
        verbose_name_plural = _("log entries")

    def __str__(self) -> str:
        return f"act {self.act_id} → leaf {self.leaf_index}"


class LogNode(models.Model):
    """The hash of a complete subtree of the log above the leaves: 2**level leaves from leaf
    `position * 2**level`. Every node a proof may need is stored when it is completed, so a
    proof reads O(log n) rows and never the leaves below them."""

    pk = models.CompositePrimaryKey("level", "position")
    level = models.PositiveSmallIntegerField()
    position = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("log node")
        verbose_name_plural = _("log nodes")

    def __str__(self) -> str:
        return f"node ({self.level}, {self.position})"


class LogState(models.Model):
    """The sequencer's one row: the log's size, the right edge of its tree (`merkle.Frontier`,
    packed) and its root. Locked by every integration, so leaf indices are handed out one
    batch at a time; `verify_log` checks it against the tree rebuilt from the leaves."""

    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")
    root = models.BinaryField(default=EMPTY_ROOT)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("log state")
        verbose_name_plural = _("log state")

    def __str__(self) -> str:
        return f"log of {self.size}"


class TreeHead(models.Model):
    """A signed tree head: the log's size and root at a moment, signed by the system's log key.
    The signed bytes are the checkpoint text (`checkpoint.checkpoint_body`)."""

    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    timestamp = models.DateTimeField(_("signed at"))
    origin = models.CharField(max_length=200)
    algorithm = models.CharField(max_length=32)
    key_id = models.CharField(max_length=64)
    signature = models.BinaryField()

    class Meta:
        ordering: ClassVar = ["-id"]
        indexes: ClassVar = [models.Index(fields=["size"], name="treehead_size")]
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")

    def __str__(self) -> str:
        return f"tree head {self.size} at {self.timestamp:%Y-%m-%d %H:%M:%S}"


class HeadTimestamp(models.Model):
    """An RFC 3161 time-stamp token over a tree head's signed bytes (when a timestamp
    authority is configured)."""

    head = models.ForeignKey(TreeHead, on_delete=models.PROTECT, related_name="timestamps")
    authority = models.CharField(max_length=500)
    token = models.BinaryField()
    stamped_at = models.DateTimeField()

    class Meta:
        verbose_name = _("tree head time-stamp")
        verbose_name_plural = _("tree head time-stamps")

    def __str__(self) -> str:
        return f"time-stamp of head {self.head_id}"
