"""PDF mechanics of PAdES signatures with pyHanko: reading a document, adding a signature field
(visible or not) and signing it with a local key, or reserving room for a CMS made elsewhere and
filling it in later (pyHanko's interrupted signing, through `PdfCMSEmbedder`).

Every signature is an incremental update: the bytes signed before stay as they were, so a
countersignature leaves the earlier signatures valid."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.cms_embedder import (
    PdfCMSEmbedder,
    SigAppearanceSetup,
    SigIOSetup,
    SigObjSetup,
)
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest, SignatureObject
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from pyhanko.stamp import TextStampStyle

from tergeu.signing.errors import SignatureRefused

DIGEST = "sha256"
# ETSI.CAdES.detached: a PAdES baseline signature (B-B).
SUBFILTER = SigSeedSubFilter.PADES
# Room for the CMS, in hex digits (two per byte): 16 KiB of DER holds an RSA-4096 signature
# with a chain of four certificates, more than NCALayer returns for a Kazakh key.
RESERVED_HEX = 32768
# Bytes of a CMS beyond its certificates: an RSA-4096 signature (512), the signed attributes
# (content type, digest, signing time, signing certificate v2, algorithm protection: < 400) and
# the structure around them, with room to spare.
CMS_OVERHEAD = 3072
# pyHanko's built-in stamp font covers Latin only, so the widget says who signed by IIN; the
# document's own signature block (rendered with the document) carries the names.
STAMP = TextStampStyle(stamp_text="Digitally signed\n%(holder)s\n%(ts)s", border_width=1)

Box = tuple[int, int, int, int]  # x1, y1, x2, y2 in PDF points from the lower left


@dataclass(frozen=True)
class Placement:
    """Where the signature shows: a box on a page (-1: the last page), or nowhere (box None)."""

    box: Box | None = None
    page: int = -1


def reader_open(pdf: bytes) -> PdfFileReader:
    """A reader over the bytes; refused when they are not a readable PDF."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        reader.root  # noqa: B018 - reading the catalogue proves the cross-reference table
    except Exception as exc:
        # pyHanko raises many types on malformed input (PdfReadError, KeyError, ValueError...);
        # whichever it is, the answer is the same.
        raise _corrupt_pdf(exc) from exc
    return reader


def _corrupt_pdf(exc: Exception) -> SignatureRefused:
    return SignatureRefused(
        _("The document is not a readable PDF."),
        code="pdf_corrupt",
        details={"reason": f"{type(exc).__name__}: {exc}"[:200]},
    )


def _writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf))
    except Exception as exc:
        raise _corrupt_pdf(exc) from exc


def field_name_next(writer: IncrementalPdfFileWriter) -> str:
    """ "SignatureN" for the first N not yet used in the document."""
    taken = {name for name, _value, _ref in enumerate_sig_fields(writer)}
    n = len(taken) + 1
    while f"Signature{n}" in taken:
        n += 1
    return f"Signature{n}"


def _field_spec(name: str, placement: Placement) -> SigFieldSpec | None:
    if placement.box is None:
        return None  # pyHanko then makes an invisible field of that name
    return SigFieldSpec(name, box=placement.box, on_page=placement.page)


def pades_sign(
    pdf: bytes, signer: SimpleSigner, *, holder: str, placement: Placement, reason: str
) -> bytes:
    """The document with one more signature, made by `signer` (a key held here)."""
    writer = _writer(pdf)
    name = field_name_next(writer)
    meta = PdfSignatureMetadata(
        field_name=name, md_algorithm=DIGEST, subfilter=SUBFILTER, reason=reason or None
    )
    pdf_signer = PdfSigner(
        meta, signer=signer, stamp_style=STAMP, new_field_spec=_field_spec(name, placement)
    )
    try:
        output = pdf_signer.sign_pdf(
            writer, appearance_text_params={"holder": holder}, bytes_reserved=_reserved(signer)
        )
    except (SigningError, ValueError, KeyError) as exc:
        raise _corrupt_pdf(exc) from exc
    return bytes(output.getvalue())


def _reserved(signer: SimpleSigner) -> int:
    """Room for the CMS, in hex digits: the certificates it carries and ample room for the
    signature and its signed attributes. Without it pyHanko makes a whole signature in advance
    to measure one, which costs two fifths of signing."""
    certificates = [signer.signing_cert, *signer.cert_registry]
    size = sum(len(c.dump()) for c in certificates if c is not None)
    return 2 * (size + CMS_OVERHEAD)


@dataclass(frozen=True)
class Reserved:
    """A document with an empty signature: `pdf[start:end]` is the hex placeholder for the CMS;
    the signature covers everything else."""

    pdf: bytes
    field: str
    start: int
    end: int

    @property
    def signed_bytes(self) -> bytes:
        return self.pdf[: self.start] + self.pdf[self.end :]


def placeholder_add(
    pdf: bytes, *, holder: str, placement: Placement, reason: str, at: datetime
) -> Reserved:
    """The document with a new signature field whose signature is still to come."""
    writer = _writer(pdf)
    name = field_name_next(writer)
    embedder = PdfCMSEmbedder(new_field_spec=_field_spec(name, placement))
    steps = embedder.write_cms(field_name=name, writer=writer)
    next(steps)
    placeholder = SignatureObject(
        timestamp=at, subfilter=SUBFILTER, bytes_reserved=RESERVED_HEX, reason=reason or None
    )
    appearance = SigAppearanceSetup(
        style=STAMP, timestamp=at, name=None, text_params={"holder": holder}
    )
    steps.send(SigObjSetup(sig_placeholder=placeholder, appearance_setup=appearance))
    prepared, output = steps.send(SigIOSetup(md_algorithm=DIGEST))
    return Reserved(
        pdf=bytes(output.getvalue()),
        field=name,
        start=prepared.reserved_region_start,
        end=prepared.reserved_region_end,
    )


def _placeholder_missing(reason: str) -> SignatureRefused:
    return SignatureRefused(
        _("The document has no signature prepared to receive this CMS."),
        code="placeholder_missing",
        details={"reason": reason},
    )


def placeholder_find(pdf: bytes) -> Reserved:
    """The one empty signature of a document from `placeholder_add` (sent back by a client):
    its byte range must cover the whole file but the placeholder, which holds only zeros."""
    reader = reader_open(pdf)
    empty = []
    for name, value, _ref in enumerate_sig_fields(reader):
        sig = value.get_object() if value is not None else None
        if sig is not None and "/Contents" in sig and not any(bytes(sig["/Contents"])):
            empty.append((name, [int(n) for n in sig["/ByteRange"]]))
    if len(empty) != 1:
        raise _placeholder_missing(f"{len(empty)} empty signatures")
    name, byte_range = empty[0]
    if len(byte_range) != 4:
        raise _placeholder_missing("malformed /ByteRange")
    zero, start, end, rest = byte_range
    placeholder = pdf[start:end]
    if (
        zero != 0
        or end + rest != len(pdf)
        or placeholder[:1] != b"<"
        or placeholder[-1:] != b">"
        or placeholder[1:-1].strip(b"0")
    ):
        raise _placeholder_missing("the byte range does not cover the document")
    return Reserved(pdf=pdf, field=name, start=start, end=end)


def placeholder_fill(reserved: Reserved, cms: bytes) -> bytes:
    """The document with the CMS written into its placeholder."""
    output = io.BytesIO(reserved.pdf)
    region = PreparedByteRangeDigest(
        document_digest=b"", reserved_region_start=reserved.start, reserved_region_end=reserved.end
    )
    try:
        region.fill_with_cms(output, cms)
    except SigningError as exc:
        raise SignatureRefused(
            _("The signature is larger than the room reserved for it in the document."),
            code="cms_too_large",
            details={"bytes": len(cms), "room": (reserved.end - reserved.start - 2) // 2},
        ) from exc
    return output.getvalue()
