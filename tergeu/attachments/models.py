"""Files attached to cases, stored by content (the SHA-256 of their bytes is their name)."""

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official
from tergeu.cases.models import Case


class Blob(models.Model):
    """Stored bytes, named by their SHA-256. The same bytes are stored once, however many cases
    attach them; the MIME type was sniffed from the content, not taken from the client."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField()
    mime = models.CharField(max_length=100)
    stored_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.sha256

    @property
    def storage_name(self) -> str:
        return blob_storage_name(self.sha256)


def blob_storage_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class CaseAttachment(models.Model):
    """A blob attached to a case by an act of kind "attachment" (its journal entry)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=255)
    seq = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "seq"], name="attachment_act_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.filename}"
