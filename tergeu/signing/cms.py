"""Keys and detached CMS signatures: opening a PKCS#12 key whose certificate passes every check,
signing bytes with it (CAdES-BES), and verifying a detached CMS — as the official's signing
application returns it — over the bytes it claims to sign."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import cms as asn1_cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.conf import settings
from django.utils.translation import gettext as _
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureStatus, StandardCMSSignatureStatus

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.signing.certificates import KEY_USAGE, SignerInfo, certificate_check, signer_info
from tergeu.signing.errors import SignatureRefused
from tergeu.signing.pdf import DIGEST
from tergeu.signing.trust import TrustStore, chain_check, run, trust_store, validation_context

# A detached CMS as NCALayer returns it: a few kilobytes; 64 KiB of base64 is ample.
CMS_MAX = 65536
KEY_USAGE_CONSTRAINTS = KeyUsageConstraints(key_usage=set(KEY_USAGE), match_all_key_usages=True)


@dataclass(frozen=True)
class Pkcs12:
    """A private key with its certificate (and chain) in a PKCS#12 file (.p12, .pfx)."""

    data: bytes
    password: str


@dataclass(frozen=True)
class _Opened:
    signer: SimpleSigner
    certificate: x509.Certificate
    store: TrustStore  # the trust store its chain was checked against
    checked: float  # time.monotonic() of that check


# Keys opened and checked recently, by (SHA-256 of the file and password, official): opening a
# PKCS#12 file and checking its chain costs more than a tenth of a signature.
_opened: dict[tuple[str, int | None], _Opened] = {}
_OPENED_MAX = 256


def p12_signer(p12: Pkcs12, official: Official | None) -> SimpleSigner:
    """The signer in a PKCS#12 file, after its certificate passed every check for now.

    The holder, validity and key usage are checked at every call; the chain and revocation
    once per TERGEU_SIGNING_KEY_RECHECK_SECONDS for the same file, and at once whenever the
    trust store's files (roots, CRLs) change."""
    digest = hashlib.sha256(p12.data + b"\0" + p12.password.encode("utf-8")).hexdigest()
    key = (digest, official.pk if official is not None else None)
    store = trust_store()
    opened = _opened.get(key)
    fresh = time.monotonic() - settings.TERGEU_SIGNING_KEY_RECHECK_SECONDS
    if opened is not None and opened.store is store and opened.checked >= fresh:
        certificate_check(opened.certificate, official=official, at=clock.now())
        return opened.signer
    unreadable = SignatureRefused(
        _(
            "The key file cannot be opened: it is damaged, the password is wrong or it has no certificate."
        ),
        code="p12_unreadable",
    )
    try:
        signer: SimpleSigner = SimpleSigner.load_pkcs12_data(
            p12.data, other_certs=[], passphrase=p12.password.encode("utf-8")
        )
    except (ValueError, TypeError, AttributeError) as exc:
        # TypeError, AttributeError: a file with a key and no certificate
        raise unreadable from exc
    if signer.signing_cert is None:
        raise unreadable
    certificate = x509.load_der_x509_certificate(signer.signing_cert.dump())
    certificate_check(certificate, official=official, at=clock.now())
    chain_check(certificate, others=list(signer.cert_registry))
    if len(_opened) >= _OPENED_MAX:
        _opened.clear()
    _opened[key] = _Opened(signer, certificate, store, time.monotonic())
    return signer


def cms_from_base64(text: str) -> bytes:
    """The DER bytes of a CMS sent as base64 (as NCALayer returns it, PEM armour tolerated)."""
    body = "".join(
        line for line in text.strip().splitlines() if not line.startswith("-----")
    ).strip()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureRefused(
            _("The signature is not valid base64."), code="cms_corrupt", details={}
        ) from exc


def cms_corrupt(reason: str) -> SignatureRefused:
    return SignatureRefused(
        _("The signature is not a readable CMS (PKCS#7) signature."),
        code="cms_corrupt",
        details={"reason": reason[:200]},
    )


@dataclass(frozen=True)
class _ParsedCms:
    signed_data: asn1_cms.SignedData
    certificate: x509.Certificate
    others: list[asn1_x509.Certificate]


def cms_parse(cms: bytes) -> _ParsedCms:
    """The SignedData of a CMS with one signer whose certificate it carries."""
    try:
        info = asn1_cms.ContentInfo.load(cms, strict=True)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = info["content"]
        signer_infos = signed_data["signer_infos"]
        if len(signer_infos) != 1:
            raise ValueError(f"{len(signer_infos)} signers")
        sid = signer_infos[0]["sid"]
        certificates = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
        signer = _signer_certificate(sid, certificates)
        others = [c for c in certificates if c is not signer]
        return _ParsedCms(signed_data, x509.load_der_x509_certificate(signer.dump()), others)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise cms_corrupt(f"{type(exc).__name__}: {exc}") from exc


def _signer_certificate(
    sid: asn1_cms.SignerIdentifier, certificates: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate:
    for certificate in certificates:
        if sid.name == "issuer_and_serial_number":
            ref = sid.chosen
            if ref["issuer"] == certificate.issuer and ref["serial_number"].native == (
                certificate.serial_number
            ):
                return certificate
        elif certificate.key_identifier == sid.chosen.native:
            return certificate
    raise ValueError("the signer's certificate is not in the CMS")


def cms_sign(data: bytes, *, official: Official | None, p12: Pkcs12) -> bytes:
    """A detached CMS (CAdES-BES) signature over `data` with a key held here; DER bytes."""
    signer = p12_signer(p12, official)
    signed = asyncio.run(
        signer.async_sign_general_data(data, DIGEST, detached=True, use_cades=True)
    )
    return bytes(signed.dump())


def integrity_check(status: SignatureStatus) -> None:
    if not (status.intact and status.valid):
        raise SignatureRefused(
            _(
                "The signature does not match the signed bytes: they were changed, or it was made over other bytes."
            ),
            code="signature_mismatch",
            details={"intact": status.intact, "valid": status.valid},
        )


def trusted_check(status: SignatureStatus) -> None:
    """pyHanko's own verdict on the path, after ours: both must accept the certificate."""
    if not status.trusted:
        indication = status.trust_problem_indic
        raise SignatureRefused(
            _("The certificate's chain to a trusted certification authority is not valid."),
            code="certificate_untrusted",
            details={"indication": getattr(indication, "name", None)},
        )


def cms_verify(
    data: bytes, cms: bytes, *, official: Official | None, at: datetime | None = None
) -> SignerInfo:
    """Verify a detached CMS over `data`: the signature matches the bytes, the certificate is the
    official's (IIN; None: the system's seal, any holder), valid at `at` (now when None), meant
    for signing, issued under a trusted root and not revoked. Returns who signed."""
    parsed = cms_parse(cms)
    context = validation_context(at)
    try:
        status = run(
            async_validate_detached_cms(
                data,
                parsed.signed_data,
                signer_validation_context=context,
                key_usage_settings=KEY_USAGE_CONSTRAINTS,
            ),
            context,
        )
    except (ValueError, TypeError, KeyError) as exc:  # pyHanko's errors are ValueErrors
        raise cms_corrupt(f"{type(exc).__name__}: {exc}") from exc
    integrity_check(status)
    certificate_check(parsed.certificate, official=official, at=at or clock.now())
    chain_check(parsed.certificate, others=parsed.others, at=at)
    trusted_check(status)
    return signer_info(parsed.certificate, signing_time(status))


def signing_time(status: StandardCMSSignatureStatus) -> datetime | None:
    """When the signer says they signed (signingTime, or the PDF's /M): a claim, not a fact."""
    value = status.signer_reported_dt
    return value if isinstance(value, datetime) else None
