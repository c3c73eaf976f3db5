"""Checking an RFC 3161 time-stamp token: over the bytes it claims, signed by the timestamp
authority's key, whose certificate chains to TERGEU_TSA_TRUST_ROOTS and is meant for
time-stamping — pyHanko's validation of a token's SignedData."""

from __future__ import annotations

import hashlib

from asn1crypto import cms
from django.conf import settings
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko.sign.validation.status import TimestampSignatureStatus
from pyhanko_certvalidator import ValidationContext

from tergeu.signing.trust import certificates_at, run


def token_problem(token: bytes, data: bytes) -> str | None:
    """Why the token is not a trusted time-stamp of `data`; None when it is."""
    try:
        signed_data = cms.ContentInfo.load(token)["content"]
        signed_data["encap_content_info"]["content"].parsed  # noqa: B018 - parses the TSTInfo
    except (ValueError, KeyError, TypeError) as exc:
        return f"not a time-stamp token: {exc}"
    context = ValidationContext(
        trust_roots=list(certificates_at(settings.TERGEU_TSA_TRUST_ROOTS)), allow_fetching=False
    )

    def expected(algorithm: str) -> bytes:
        return hashlib.new(algorithm, data).digest()

    try:
        found = run(validate_tst_signed_data(signed_data, context, expected), context)
    except (SignatureValidationError, ValueError, KeyError, TypeError) as exc:
        return f"its signature cannot be validated: {exc}"
    status = TimestampSignatureStatus(**found)
    if not status.intact:
        return "is not over the tree head's signed bytes"
    if not status.valid:
        return "the timestamp authority's signature does not verify"
    if not status.trusted:
        return "the timestamp authority's certificate is not trusted (TERGEU_TSA_TRUST_ROOTS)"
    return None
