"""The trust store — the CA certificates the system trusts, intermediates that help build paths,
and certificate revocation lists — and the certificate path check built on it.

Everything comes from files named in the settings (TERGEU_SIGNING_TRUST_ROOTS,
TERGEU_SIGNING_INTERMEDIATES, TERGEU_SIGNING_CRLS; docs/signing.md). A file is read again when
it changes on disk, so a CRL replaced by cron is used from the next signature on."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    ExpiredError,
    InsufficientRevinfoError,
    InvalidCertificateError,
    NotYetValidError,
    PathBuildingError,
    RevokedError,
    ValidationError,
)

from tergeu import clock
from tergeu.signing.certificates import KEY_USAGE, certificate_der, certificates_load
from tergeu.signing.errors import SignatureRefused

logger = logging.getLogger(__name__)

CERTIFICATE_SUFFIXES = frozenset({".pem", ".crt", ".cer", ".der"})
CRL_SUFFIXES = frozenset({".crl", ".pem", ".der"})
REVOCATION_MODES = ("soft-fail", "hard-fail", "require")
T = TypeVar("T")


@dataclass(frozen=True)
class TrustStore:
    roots: tuple[asn1_x509.Certificate, ...]
    intermediates: tuple[asn1_x509.Certificate, ...]
    crls: tuple[bytes, ...]  # DER


def _files(paths: Iterable[str], suffixes: frozenset[str]) -> list[Path]:
    """The files named, and the files with one of `suffixes` in the directories named. A path
    that does not exist is skipped (in dev mode the dev CA may not have been made yet)."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes))
        elif path.is_file():
            found.append(path)
        else:
            logger.warning("signing trust store: %s does not exist, skipped", path)
    return found


def _certificates(files: list[Path]) -> tuple[asn1_x509.Certificate, ...]:
    loaded: list[asn1_x509.Certificate] = []
    for path in files:
        try:
            certificates = certificates_load(path.read_bytes())
        except ValueError as exc:
            raise ImproperlyConfigured(f"{path} holds no readable X.509 certificate") from exc
        loaded.extend(asn1_x509.Certificate.load(certificate_der(c)) for c in certificates)
    return tuple(loaded)


def _crls(files: list[Path]) -> tuple[bytes, ...]:
    from cryptography.hazmat.primitives.serialization import Encoding

    loaded: list[bytes] = []
    for path in files:
        data = path.read_bytes()
        try:
            crl = (
                x509.load_pem_x509_crl(data)
                if b"-----BEGIN" in data
                else x509.load_der_x509_crl(data)
            )
        except ValueError as exc:
            raise ImproperlyConfigured(f"{path} is not a readable CRL") from exc
        loaded.append(crl.public_bytes(Encoding.DER))
    return tuple(loaded)


def certificates_at(paths: Iterable[str]) -> tuple[asn1_x509.Certificate, ...]:
    """The certificates in the files named and in the certificate files of the directories
    named (another trust store than the signers', e.g. timestamp authorities')."""
    return _certificates(_files(paths, CERTIFICATE_SUFFIXES))


_cache: dict[tuple[object, ...], TrustStore] = {}


def _stamp(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    stats = [(str(p), p.stat()) for p in files]
    return tuple((name, st.st_mtime_ns, st.st_size) for name, st in stats)


def trust_store() -> TrustStore:
    """The trust store as the settings and the files on disk are now."""
    roots = _files(settings.TERGEU_SIGNING_TRUST_ROOTS, CERTIFICATE_SUFFIXES)
    intermediates = _files(settings.TERGEU_SIGNING_INTERMEDIATES, CERTIFICATE_SUFFIXES)
    crls = _files(settings.TERGEU_SIGNING_CRLS, CRL_SUFFIXES)
    key = (_stamp(roots), _stamp(intermediates), _stamp(crls))
    store = _cache.get(key)
    if store is None:
        store = TrustStore(_certificates(roots), _certificates(intermediates), _crls(crls))
        _cache.clear()  # only the current state is worth keeping
        _cache[key] = store
    return store


def validation_context(at: datetime | None = None) -> ValidationContext:
    """A fresh pyHanko validation context over the trust store, for checks at the moment `at`
    (now when None). Revocation data is fetched over the network (OCSP, CRL distribution points)
    only when TERGEU_SIGNING_FETCH_REVOCATION is on and the check is for now: pyHanko cannot fetch
    for a moment in the past."""
    store = trust_store()
    fetch = settings.TERGEU_SIGNING_FETCH_REVOCATION and at is None
    return ValidationContext(
        trust_roots=list(store.roots),
        other_certs=list(store.intermediates),
        crls=list(store.crls),
        moment=None if fetch else (at or clock.now()),
        allow_fetching=fetch,
        revocation_mode=settings.TERGEU_SIGNING_REVOCATION_MODE,
    )


def run(coroutine: Coroutine[Any, Any, T], context: ValidationContext) -> T:
    """Run one of pyHanko's coroutines to the end and release the context's network sessions."""

    async def scoped() -> T:
        try:
            return await coroutine
        finally:
            await context.aclose()  # type: ignore[no-untyped-call]  # pyHanko leaves it untyped

    return asyncio.run(scoped())


def _refused(exc: Exception) -> SignatureRefused:
    """The refusal for what pyhanko-certvalidator found wrong with a certificate path."""
    if isinstance(exc, RevokedError):
        return SignatureRefused(
            _("The certificate was revoked on %(date)s.") % {"date": exc.revocation_dt.isoformat()},
            code="certificate_revoked",
            details={"revoked_at": exc.revocation_dt.isoformat(), "reason": exc.reason.native},
        )
    if isinstance(exc, ExpiredError):
        return SignatureRefused(
            _("A certificate of the chain expired on %(date)s.")
            % {"date": exc.expired_dt.isoformat()},
            code="certificate_expired",
            details={"not_after": exc.expired_dt.isoformat()},
        )
    if isinstance(exc, NotYetValidError):
        return SignatureRefused(
            _("A certificate of the chain is not valid yet."),
            code="certificate_not_yet_valid",
            details={"not_before": exc.valid_from.isoformat()},
        )
    if isinstance(exc, InsufficientRevinfoError):
        return SignatureRefused(
            _("Whether the certificate was revoked could not be checked."),
            code="certificate_revocation_unknown",
            details={"reason": str(exc)},
        )
    if isinstance(exc, PathBuildingError):
        message = _(
            "The certificate was not issued by a certification authority the system trusts."
        )
    else:
        message = _("The certificate's chain to a trusted certification authority is not valid.")
    return SignatureRefused(message, code="certificate_untrusted", details={"reason": str(exc)})


def chain_check(
    certificate: x509.Certificate,
    *,
    others: Iterable[asn1_x509.Certificate] = (),
    at: datetime | None = None,
) -> None:
    """Refused unless the certificate chains to a trusted root, every certificate of the chain is
    valid at `at` (now when None), none is revoked according to the CRLs (and OCSP) configured,
    and its key usage allows signing. `others`: intermediates that came with the signature."""
    context = validation_context(at)
    validator = CertificateValidator(
        asn1_x509.Certificate.load(certificate_der(certificate)),
        intermediate_certs=list(others),
        validation_context=context,
    )
    try:
        run(validator.async_validate_usage(set(KEY_USAGE)), context)  # type: ignore[no-untyped-call]
    except (PathBuildingError, ValidationError) as exc:
        if isinstance(exc, InvalidCertificateError):
            # the path is fine but the end certificate's use is not (key_usage_check asked
            # first; this catches what pyHanko judges stricter)
            raise SignatureRefused(
                _("The certificate is not meant for signing documents."),
                code="certificate_key_usage",
                details={"reason": str(exc)},
            ) from exc
        raise _refused(exc) from exc
