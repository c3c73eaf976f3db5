"""The stored documents checked against what the journal and the signatures say of them:

- every stored file (`Blob`) is there and its bytes still hash to its name and size;
- every attachment is the file its `attachment` act names (the act's payload carries the
  SHA-256, and the act is in the journal's chain);
- every signed document's revisions build on each other (each revision's bytes begin with the
  previous one's: an incremental update), its signatures are intact, chained to the trust
  store and made by the officials recorded, in order, and the document its author signed names
  its act (the act's hash in the PDF's keywords) — the same check as the offline verifier's.

An edit to a file on disk, a row pointed at other bytes, or a signed document swapped for
another is named."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from itertools import groupby

from django.core.files.storage import default_storage
from tergeu_verify.signatures import pdf_signatures

from tergeu.attachments.models import Blob, CaseAttachment
from tergeu.attachments.services import blob_read
from tergeu.errors import AppError
from tergeu.integrity.bundle import certificate_pem_of
from tergeu.journal.models import Act
from tergeu.signing.models import SignedDocument
from tergeu.signing.trust import trust_store

CHUNK = 1024 * 1024


def _file_sha256(name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with default_storage.open(name, "rb") as stored:
        while chunk := stored.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def blob_problems(blob: Blob) -> list[str]:
    if not default_storage.exists(blob.storage_name):
        return [f"file {blob.sha256}: missing from the store"]
    sha256, size = _file_sha256(blob.storage_name)
    if sha256 != blob.sha256:
        return [f"file {blob.sha256}: its bytes hash to {sha256}"]
    if size != blob.size:
        return [f"file {blob.sha256}: {size} bytes, recorded {blob.size}"]
    return []


def attachment_problems(attachment: CaseAttachment, act: Act | None) -> list[str]:
    where = f"case {attachment.case_id} attachment #{attachment.seq}"
    if act is None or act.kind != "attachment":
        return [f"{where}: no attachment act at this place in the journal"]
    if act.payload.get("sha256") != attachment.blob_id:
        return [f"{where}: the file is not the one its act names ({act.payload.get('sha256')})"]
    return []


def signed_problems(revisions: list[SignedDocument], roots: list[bytes]) -> list[str]:
    """One act's signed revisions in one language, in order."""
    act = revisions[0].act
    chain = f" compartment {act.compartment.number}" if act.compartment is not None else ""
    where = f"case {act.case_id}{chain} act #{act.seq} document ({revisions[0].language})"
    problems = []
    previous = b""
    pdf = b""
    for number, row in enumerate(revisions, start=1):
        if row.revision != number:
            problems.append(f"{where}: revision {row.revision} where {number} was expected")
        try:
            pdf = blob_read(row.pdf)
        except (AppError, OSError):
            return [*problems, f"{where}: revision {row.revision}'s file is altered or missing"]
        if not pdf.startswith(previous):
            problems.append(f"{where}: revision {row.revision} does not build on the one before")
        previous = pdf
    expected = [{"iin": row.signer_iin} for row in revisions]
    problems += [
        f"{where}: {problem}"
        for problem in pdf_signatures(pdf, roots, expected=expected, act_hash=act.hash)
    ]
    return problems


def documents_verify(progress: Callable[[int], None] | None = None) -> tuple[int, list[str]]:
    """(how many files, attachments and signed documents were checked, the problems)."""
    problems: list[str] = []
    checked = 0
    for blob in Blob.objects.order_by("sha256").iterator(chunk_size=500):
        problems += blob_problems(blob)
        checked += 1
        if progress:
            progress(checked)
    for attachment, act in _attachments():
        problems += attachment_problems(attachment, act)
        checked += 1
    roots = [certificate_pem_of(root) for root in trust_store().roots]
    rows = (
        SignedDocument.objects.select_related("act__compartment", "pdf")
        .order_by("act_id", "language", "revision")
        .iterator(chunk_size=500)
    )
    for _key, group in groupby(rows, key=lambda r: (r.act_id, r.language)):
        problems += signed_problems(list(group), roots)
        checked += 1
        if progress:
            progress(checked)
    return checked, problems


def _attachments() -> Iterator[tuple[CaseAttachment, Act | None]]:
    """Each attachment with the act at its place in its case's journal (one query per 500)."""
    rows = CaseAttachment.objects.order_by("case_id", "seq")
    last = 0
    while batch := list(rows.filter(pk__gt=last).order_by("pk")[:500]):
        last = batch[-1].pk
        places = {(a.case_id, a.seq) for a in batch}
        acts = {
            (act.case_id, act.seq): act
            for act in Act.objects.filter(
                case_id__in={case for case, _seq in places},
                seq__in={seq for _case, seq in places},
                compartment=None,
            ).only("case_id", "seq", "kind", "payload")
        }
        for attachment in batch:
            yield attachment, acts.get((attachment.case_id, attachment.seq))
