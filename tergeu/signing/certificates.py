"""Officials' X.509 certificates: reading them, the IIN in their subject, and the checks that need
no trust store — the holder, validity at a moment, and key usage.

Kazakh certificates (НУЦ РК) name their holder by IIN in the subject's serialNumber attribute,
written "IIN" followed by the 12 digits; a legal entity's certificate adds its BIN in the
organisational unit ("BIN" + 12 digits). Only the IIN identifies an official."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _

from tergeu.accounts.models import Official
from tergeu.signing.errors import SignatureRefused

_IIN_SUBJECT = re.compile(r"^IIN(\d{12})$")
# A signature on a procedural document is a commitment to its content: the key must be meant for
# signing (digitalSignature) and for non-repudiation. A Kazakh authentication key (AUTH_RSA:
# digitalSignature + keyEncipherment) is refused. Names as in RFC 5280 / pyHanko.
KEY_USAGE = {"digital_signature": "digitalSignature", "non_repudiation": "nonRepudiation"}


def certificates_load(data: bytes) -> list[x509.Certificate]:
    """The certificates in `data`: one or more PEM blocks, or one DER certificate. Raises
    ValueError when there is none."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def certificate_der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def fingerprint(certificate: x509.Certificate) -> str:
    """The SHA-256 of the DER certificate, in lower-case hex."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def iin_of(certificate: x509.Certificate) -> str | None:
    """The IIN the certificate's subject names (serialNumber "IIN<12 digits>"), if any."""
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
        value = attribute.value if isinstance(attribute.value, str) else ""
        match = _IIN_SUBJECT.match(value.strip())
        if match:
            return match.group(1)
    return None


@dataclass(frozen=True)
class SignerInfo:
    """Who signed, with which certificate, and when they say they signed."""

    iin: str | None
    subject: str
    issuer: str
    serial_number: str  # hex, as certificate viewers show it
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    signed_at: datetime | None  # as the signer claims it (signingTime or the PDF's /M)
    certificate_der: bytes


def signer_info(certificate: x509.Certificate, signed_at: datetime | None) -> SignerInfo:
    return SignerInfo(
        iin=iin_of(certificate),
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial_number=f"{certificate.serial_number:x}",
        fingerprint_sha256=fingerprint(certificate),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
        signed_at=signed_at,
        certificate_der=certificate_der(certificate),
    )


def _name(official: Official) -> str:
    return official.get_full_name() or official.username


def official_iin(official: Official) -> str:
    """The official's IIN; refused when none is on record (no certificate can be theirs)."""
    if not official.iin:
        raise SignatureRefused(
            _("%(name)s has no IIN on record, so no certificate can be matched to them.")
            % {"name": _name(official)},
            code="official_without_iin",
            details={"official": official.pk},
        )
    return official.iin


def holder_check(certificate: x509.Certificate, official: Official) -> None:
    """Refused unless the certificate names the official by their IIN."""
    expected = official_iin(official)
    found = iin_of(certificate)
    if found != expected:
        raise SignatureRefused(
            _("The certificate belongs to IIN %(found)s, not to %(name)s.")
            % {"found": found or "—", "name": _name(official)},
            code="certificate_wrong_holder",
            details={"official": official.pk, "certificate_iin": found},
        )


def validity_check(certificate: x509.Certificate, at: datetime) -> None:
    """Refused when the certificate is not valid at the moment `at`."""
    not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    if at < not_before:
        raise SignatureRefused(
            _("The certificate is valid only from %(date)s.") % {"date": not_before.isoformat()},
            code="certificate_not_yet_valid",
            details={"not_before": not_before.isoformat(), "at": at.isoformat()},
        )
    if at > not_after:
        raise SignatureRefused(
            _("The certificate expired on %(date)s.") % {"date": not_after.isoformat()},
            code="certificate_expired",
            details={"not_after": not_after.isoformat(), "at": at.isoformat()},
        )


def key_usage_check(certificate: x509.Certificate) -> None:
    """Refused unless the key usage asserts both digitalSignature and nonRepudiation."""
    try:
        usage: x509.KeyUsage | None = certificate.extensions.get_extension_for_class(
            x509.KeyUsage
        ).value
    except x509.ExtensionNotFound:
        usage = None
    asserted = {
        "digital_signature": usage is not None and usage.digital_signature,
        "non_repudiation": usage is not None and usage.content_commitment,
    }
    missing = [KEY_USAGE[name] for name, present in asserted.items() if not present]
    if missing:
        raise SignatureRefused(
            _(
                "The certificate is not meant for signing documents: its key usage lacks %(missing)s."
            )
            % {"missing": ", ".join(missing)},
            code="certificate_key_usage",
            details={"missing": missing},
        )


def certificate_check(
    certificate: x509.Certificate, *, official: Official | None, at: datetime
) -> None:
    """The checks that need no trust store, in the order a person would ask them: is it theirs,
    is it valid now, is it a signing key. `official=None` is the system's own seal: any holder."""
    if official is not None:
        holder_check(certificate, official)
    validity_check(certificate, at)
    key_usage_check(certificate)
