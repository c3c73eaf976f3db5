"""The signatures embedded in a document (PAdES), checked with pyHanko against the trusted CA
certificates: intact, covering the document, chained to a trusted root, valid when made, and
made by the officials the act names (the IIN in each signing certificate's subject, as Kazakh
certificates carry it: serialNumber "IIN…")."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from asn1crypto import pem, x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext


def _certificates(blobs: Sequence[bytes]) -> list[x509.Certificate]:
    found = []
    for blob in blobs:
        if pem.detect(blob):
            for _kind, _headers, der in pem.unarmor(blob, multiple=True):
                found.append(x509.Certificate.load(der))
        else:
            found.append(x509.Certificate.load(blob))
    return found


def signer_iin(certificate: Any) -> str:
    """The IIN a Kazakh certificate carries in its subject's serialNumber ("IIN…")."""
    serial = str(certificate.subject.native.get("serial_number", ""))
    return serial.removeprefix("IIN")


def _keywords(reader: PdfFileReader, revision: int) -> str:
    """The /Keywords of the document's information dictionary as it stood at `revision`."""
    try:
        info = reader.get_historical_resolver(revision).trailer_view["/Info"]
        return str(info.get("/Keywords", ""))
    except Exception:  # no information dictionary: no keywords
        return ""


def pdf_signatures(
    pdf: bytes,
    roots: Sequence[bytes],
    *,
    expected: Sequence[Mapping[str, Any]],
    act_hash: str | None = None,
) -> list[str]:
    """Every problem with the signatures of `pdf` (empty: all valid, by the expected signers,
    in order, the last covering the whole file; and, given `act_hash`, the document the first
    of them signed names that act in its keywords, as tergeu's documents do)."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # a corrupt PDF, whatever pyHanko's parser raised
        return [f"not a readable PDF: {exc}"]
    if len(signatures) != len(expected):
        return [f"{len(signatures)} signature(s), the act names {len(expected)} signer(s)"]
    if act_hash is not None:
        revision = signatures[0].signed_revision if signatures else reader.xrefs.total_revisions - 1
        if act_hash not in _keywords(reader, revision).split():
            return ["the document does not name this act (its keywords carry another act's hash)"]
    context = ValidationContext(trust_roots=_certificates(roots), allow_fetching=False)
    problems = []
    for index, (signature, signer) in enumerate(zip(signatures, expected, strict=True)):
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # a corrupt CMS
            problems.append(f"signature {index + 1}: cannot be validated: {exc}")
            continue
        if not status.intact or not status.valid:
            problems.append(f"signature {index + 1}: does not match the signed bytes")
        elif not status.trusted:
            problems.append(
                f"signature {index + 1}: its certificate does not chain to a trusted CA"
            )
        iin = signer_iin(status.signing_cert)
        if signer.get("iin") and iin != signer["iin"]:
            problems.append(
                f"signature {index + 1}: made by IIN {iin or '?'}, the act names {signer['iin']}"
            )
    last = signatures[-1] if signatures else None
    if last is not None and last.signed_revision != reader.xrefs.total_revisions - 1:
        problems.append("changed after its last signature (the last signature does not cover it)")
    return problems
