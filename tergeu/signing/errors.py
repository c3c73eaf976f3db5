"""Why a signature is refused. Every refusal is one error type with a stable code, so that the
surfaces can show the reason and the tests can name it."""

from __future__ import annotations

from typing import Any

from tergeu.errors import InvalidInput


class SignatureRefused(InvalidInput):
    """A signature, certificate, key or signed document was not accepted; nothing was recorded.

    Codes: `pdf_corrupt`, `cms_corrupt`, `cms_too_large`, `p12_unreadable`, `placeholder_missing`,
    `signature_mismatch`, `document_modified`, `signatures_mismatch`, `official_without_iin`,
    `certificate_wrong_holder`, `certificate_expired`, `certificate_not_yet_valid`,
    `certificate_key_usage`, `certificate_untrusted`, `certificate_revoked`,
    `certificate_revocation_unknown`, `certificate_corrupt` (docs/signing.md says when)."""

    code = "signature_refused"

    def __init__(self, message: str, *, code: str, details: Any = None) -> None:
        super().__init__(message, code=code, details=details)
