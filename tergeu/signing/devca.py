"""The development certification authority: made on the spot, it issues PKCS#12 keys to officials
(their IIN in the subject, as a Kazakh certificate has it), one to the system for its seal, and
a certificate revocation list. For development and the demo only: its key lies unencrypted in
TERGEU_DEV_CA_DIR, and every key file shares one published password.

Files in the directory: `ca.pem` (the root to trust), `ca.key`, `crl.pem`, `seal.p12`,
`officials/<username>.p12`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.signing.models import OfficialCertificate
from tergeu.signing.services import certificate_register

# Dev/demo only, like the demo's login password (dev_ca refuses to run outside TERGEU_DEV).
DEV_PASSWORD = "tergeu-dev"  # noqa: S105
# Declared in every certificate so that revocation is checked against the configured crl.pem;
# the .invalid name never resolves, so nothing is fetched from it.
CRL_URL = "http://dev-ca.tergeu.invalid/crl.pem"
CA_NAME = "tergeu development CA"
CA_YEARS = 10
KEY_YEARS = 2

Key = ec.EllipticCurvePrivateKey
SIGNING_USAGE = {"digital_signature", "content_commitment"}


def _key() -> Key:
    # ECDSA P-256: fast enough to give every demo official a key in a blink. Real Kazakh keys
    # are RSA or GOST; the interface does not care.
    return ec.generate_private_key(ec.SECP256R1())


def _key_usage(asserted: set[str]) -> x509.KeyUsage:
    names = (
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    )
    return x509.KeyUsage(**{name: name in asserted for name in names})


def authority_make(
    name: str = CA_NAME, *, not_before: datetime, not_after: datetime
) -> tuple[Key, x509.Certificate]:
    """A self-signed root CA certificate and its key."""
    key = _key()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage({"key_cert_sign", "crl_sign"}), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def subject_of(official: Official) -> x509.Name:
    """A subject laid out like a Kazakh personal certificate: CN "SURNAME NAME", SURNAME, the
    IIN as serialNumber, C=KZ and the patronymic as givenName."""
    common = f"{official.last_name} {official.first_name}".strip().upper() or official.username
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, common),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{official.iin}"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
    ]
    if official.last_name:
        attributes.insert(1, x509.NameAttribute(NameOID.SURNAME, official.last_name.upper()))
    if official.patronymic:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, official.patronymic.upper()))
    return x509.Name(attributes)


def certificate_issue(
    authority: tuple[Key, x509.Certificate],
    subject: x509.Name,
    *,
    not_before: datetime,
    not_after: datetime,
    usage: set[str] = SIGNING_USAGE,
) -> tuple[Key, x509.Certificate]:
    """A new key and an end-entity certificate for it, issued by `authority`. `usage`: the key
    usage bits asserted (cryptography's names; content_commitment is nonRepudiation)."""
    ca_key, ca_certificate = authority
    key = _key()
    distribution = x509.DistributionPoint(
        [x509.UniformResourceIdentifier(CRL_URL)], None, None, None
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(usage), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.CRLDistributionPoints([distribution]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate


def p12_make(
    key: Key, certificate: x509.Certificate, chain: list[x509.Certificate], password: str
) -> bytes:
    """A PKCS#12 file with the key, its certificate and the chain (AES-256, PBKDF2)."""
    # Few key-derivation rounds: the password is published anyway, and the demo makes dozens.
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(2048)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )
    return pkcs12.serialize_key_and_certificates(None, key, certificate, chain, encryption)


def crl_make(
    authority: tuple[Key, x509.Certificate],
    revoked: dict[int, datetime],
    *,
    this_update: datetime,
    next_update: datetime,
) -> x509.CertificateRevocationList:
    """A CRL of `authority` listing the serial numbers in `revoked` (with their dates)."""
    ca_key, ca_certificate = authority
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(this_update)
        .next_update(next_update)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .add_extension(x509.CRLNumber(int(this_update.timestamp())), critical=False)
    )
    for serial, when in sorted(revoked.items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(ca_key, hashes.SHA256())


@dataclass(frozen=True)
class DevCa:
    """The development CA in its directory."""

    directory: Path
    key: Key
    certificate: x509.Certificate

    @property
    def authority(self) -> tuple[Key, x509.Certificate]:
        return self.key, self.certificate

    def p12_path(self, official: Official) -> Path:
        return self.directory / "officials" / f"{official.username}.p12"

    @property
    def seal_path(self) -> Path:
        return self.directory / "seal.p12"

    @property
    def crl_path(self) -> Path:
        return self.directory / "crl.pem"


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if private:
        os.chmod(path, 0o600)


def dev_ca_open(directory: Path | None = None) -> DevCa:
    """The development CA of `directory` (TERGEU_DEV_CA_DIR by default), made with an empty CRL
    when the directory has none."""
    directory = Path(directory or settings.TERGEU_DEV_CA_DIR)
    cert_path, key_path = directory / "ca.pem", directory / "ca.key"
    if cert_path.exists() and key_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not the key of a development CA")
        return DevCa(directory, key, x509.load_pem_x509_certificate(cert_path.read_bytes()))
    now = clock.now()
    key, certificate = authority_make(
        not_before=now - timedelta(days=1), not_after=now + timedelta(days=365 * CA_YEARS)
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write(key_path, pem_key, private=True)
    _write(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    ca = DevCa(directory, key, certificate)
    crl_write(ca, {})
    return ca


def crl_write(ca: DevCa, revoked: dict[int, datetime]) -> None:
    now = clock.now()
    crl = crl_make(ca.authority, revoked, this_update=now, next_update=now + timedelta(days=365))
    _write(ca.crl_path, crl.public_bytes(serialization.Encoding.PEM))


def _issue(ca: DevCa, subject: x509.Name) -> tuple[Key, x509.Certificate]:
    now = clock.now()
    return certificate_issue(
        ca.authority,
        subject,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=365 * KEY_YEARS),
    )


def official_issue(ca: DevCa, official: Official) -> OfficialCertificate:
    """A new key and certificate for the official (who must have an IIN): the PKCS#12 file is
    written to `officials/<username>.p12` and the certificate registered."""
    key, certificate = _issue(ca, subject_of(official))
    _write(
        ca.p12_path(official),
        p12_make(key, certificate, [ca.certificate], DEV_PASSWORD),
        private=True,
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    return certificate_register(official=official, pem=pem)


def seal_issue(ca: DevCa) -> Path:
    """A key and certificate for the system's own seal, written to `seal.p12`."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "tergeu"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tergeu (development seal)"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    key, certificate = _issue(ca, subject)
    _write(ca.seal_path, p12_make(key, certificate, [ca.certificate], DEV_PASSWORD), private=True)
    return ca.seal_path


def dev_certificates_issue(
    officials: Iterable[Official], *, directory: Path | None = None
) -> list[OfficialCertificate]:
    """Give every official with an IIN and no registered certificate a key from the development
    CA (and the system its seal key, if it has none). Running it again issues nothing."""
    candidates = [o for o in officials if o.iin]
    holders = set(
        OfficialCertificate.objects.filter(official__in=candidates).values_list(
            "official_id", flat=True
        )
    )
    missing = [o for o in candidates if o.pk not in holders]
    ca = dev_ca_open(directory)
    if not ca.seal_path.exists():
        seal_issue(ca)
    return [official_issue(ca, official) for official in missing]


def dev_revoke(ca: DevCa, rows: Iterable[OfficialCertificate]) -> int:
    """Add the certificates to the CA's CRL (revoked now); returns how many the CRL lists."""
    revoked: dict[int, datetime] = {}
    if ca.crl_path.exists():
        current = x509.load_pem_x509_crl(ca.crl_path.read_bytes())
        revoked = {entry.serial_number: entry.revocation_date_utc for entry in current}
    now = clock.now()
    for row in rows:
        revoked.setdefault(int(row.serial_number, 16), now)
    crl_write(ca, revoked)
    return len(revoked)
