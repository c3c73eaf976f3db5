"""Storing attachments: hash while reading, sniff the type from the bytes, store once by name."""

from __future__ import annotations

import hashlib
import mimetypes
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.attachments.models import Blob, CaseAttachment, blob_storage_name
from tergeu.cases.models import Case
from tergeu.errors import AppError, InvalidInput, TooLarge
from tergeu.journal.services import act_append
from tergeu.text import REPLACEMENT_CHARACTER

CHUNK = 1024 * 1024
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sniff_mime(head: bytes) -> str:
    """The MIME type the content says it is: a known magic number, else UTF-8 text without NUL,
    else "application/octet-stream"."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    if b"\0" in head:  # no text holds NUL: a binary format the sniffer does not know
        return "application/octet-stream"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed head is still text; any other
        # invalid byte, wherever it is, is not.
        if exc.reason != "unexpected end of data":
            return "application/octet-stream"
    return "text/plain"


@dataclass(frozen=True)
class Received:
    """An uploaded file, spooled and checked: its SHA-256, size, sniffed type and bytes."""

    sha256: str
    size: int
    mime: str
    spool: IO[bytes]


# The types of file names, from Python's own table (not the machine's /etc/mime.types, so that
# every server judges a name alike), and the office formats it does not know.
_NAMED_TYPES = mimetypes.MimeTypes(filenames=())
_NAMED_TYPES.add_type(DOCX, ".docx")
# Content of one type that may rightly carry a name of another: any text file (.csv, .md,
# .json, .xml…) is plain text to the sniffer, and an office document is a ZIP.
_ALSO_NAMED = {
    "text/plain": ("text/", "application/json", "application/xml"),
    DOCX: ("application/zip",),
}


def label_check(filename: str, mime: str) -> None:
    """Refuse a file whose name says one type and whose content is another (a PDF named
    `photo.jpg`, a program named `statement.pdf`). A name with no extension, or with one of no
    known type, says nothing and is not refused."""
    named, _encoding = _NAMED_TYPES.guess_type(filename, strict=False)
    if named is None or named == mime or named.startswith(_ALSO_NAMED.get(mime, ())):
        return
    raise AppError(
        _("The file's name %(filename)s says %(named)s, but its content is %(mime)s.")
        % {"filename": filename, "named": named, "mime": mime},
        code="mislabelled_file",
        status=415,
        details={"filename": filename, "named": named, "mime": mime},
    )


@contextmanager
def received(stream: IO[bytes], filename: str) -> Iterator[Received]:
    """The bytes of `stream`, hashed while read and spooled to a temporary file for the block.
    Refused (InvalidInput, TooLarge, 415) when empty, larger than ATTACHMENT_MAX_BYTES, of a
    type not allowed, or of a type other than its name says."""
    digest, size = hashlib.sha256(), 0
    with tempfile.TemporaryFile() as spool:
        head = b""
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > settings.ATTACHMENT_MAX_BYTES:
                raise TooLarge(
                    _("The file is larger than the limit of %(limit)d bytes.")
                    % {"limit": settings.ATTACHMENT_MAX_BYTES},
                    details={"limit": settings.ATTACHMENT_MAX_BYTES},
                )
            if len(head) < 8192:
                head += chunk[: 8192 - len(head)]
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise InvalidInput(_("The file is empty."), code="empty_file")
        mime = sniff_mime(head)
        if mime not in settings.ATTACHMENT_ALLOWED_TYPES:
            raise AppError(
                _("Files of type %(mime)s are not accepted.") % {"mime": mime},
                code="unsupported_media_type",
                status=415,
                details={"mime": mime, "allowed": sorted(settings.ATTACHMENT_ALLOWED_TYPES)},
            )
        label_check(filename, mime)
        yield Received(digest.hexdigest(), size, mime, spool)


def blob_keep(upload: Received) -> Blob:
    """The blob of `upload`: its row, and its bytes in storage under their SHA-256 (once)."""
    blob, created = Blob.objects.get_or_create(
        sha256=upload.sha256,
        defaults={"size": upload.size, "mime": upload.mime, "stored_at": clock.now()},
    )
    name = blob_storage_name(upload.sha256)
    if not default_storage.exists(name):
        upload.spool.seek(0)
        default_storage.save(name, File(upload.spool))
    return blob


FILENAME_MAX = 255


def safe_filename(filename: str) -> str:
    """The name as stored and offered back, without path separators. Refused (422): a name
    longer than FILENAME_MAX characters, or with a control character (NUL among them, which
    PostgreSQL cannot store) or bytes that were not UTF-8 (read as U+FFFD)."""
    if len(filename) > FILENAME_MAX:
        raise InvalidInput(
            _("A file name is at most %(limit)d characters.") % {"limit": FILENAME_MAX},
            code="invalid_filename",
            details={"limit": FILENAME_MAX},
        )
    if any(unicodedata.category(c) == "Cc" or c == REPLACEMENT_CHARACTER for c in filename):
        raise InvalidInput(
            _("A file name must not contain control characters or bytes that are not UTF-8."),
            code="invalid_filename",
        )
    return filename.replace("/", "_").replace("\\", "_").strip() or "file"


def attachment_add(
    *, case: Case, actor: Official, stream: IO[bytes], filename: str
) -> CaseAttachment:
    """Attach a file to `case`: the bytes are hashed and stored under their SHA-256, and an
    "attachment" act records the hash in the journal. Refused (nothing written to the database)
    when empty, larger than ATTACHMENT_MAX_BYTES, of a type not allowed, or when the actor may
    not add to the case."""
    filename = safe_filename(filename)
    with received(stream, filename) as upload, transaction.atomic():
        act = act_append(
            case=case,
            kind="attachment",
            actor=actor,
            payload={
                "sha256": upload.sha256,
                "filename": filename,
                "size": upload.size,
                "mime": upload.mime,
            },
        )
        return CaseAttachment.objects.create(
            case=case, blob=blob_keep(upload), filename=filename, seq=act.seq, uploaded_by=actor
        )


def blob_put(data: bytes, mime: str) -> Blob:
    """The blob of `data`, made by the system itself (a signed document): stored once by its
    SHA-256, like an upload."""
    sha256 = hashlib.sha256(data).hexdigest()
    blob, _created = Blob.objects.get_or_create(
        sha256=sha256, defaults={"size": len(data), "mime": mime, "stored_at": clock.now()}
    )
    name = blob_storage_name(sha256)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(data))
    return blob


def blob_read(blob: Blob) -> bytes:
    with default_storage.open(blob.storage_name, "rb") as stored:
        data: bytes = stored.read()
    if hashlib.sha256(data).hexdigest() != blob.sha256:
        raise AppError(
            _("A stored file does not match its SHA-256: the document store was altered."),
            code="blob_corrupt",
            details={"sha256": blob.sha256},
            status=500,
        )
    return data
