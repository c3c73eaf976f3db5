"""Who signs the log's tree heads: the system, behind one small interface (`LogSigner`), so that
the system seal of `tergeu.signing` (an X.509 key, later an HSM or NCALayer) can replace the
key file without touching the log. `TERGEU_LOG_SIGNER` names the class; it is built with no
arguments and reads its own settings."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509 import load_pem_x509_certificate
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from tergeu_verify.checkpoint import ALGORITHMS, ECDSA_P256, ED25519, key_id, signature_valid


@runtime_checkable
class LogSigner(Protocol):
    """Signs tree heads. `algorithm` is one of `checkpoint.ALGORITHMS`."""

    @property
    def algorithm(self) -> str: ...

    def sign(self, data: bytes) -> bytes:
        """The signature over `data`."""
        ...

    def public_key_der(self) -> bytes:
        """The public key, as a DER SubjectPublicKeyInfo."""
        ...

    def certificate_pem(self) -> str:
        """The signer's X.509 certificate, PEM; empty when the key has none."""
        ...


class KeyFileSigner:
    """A private key in a PEM file (PKCS#8, unencrypted): Ed25519 or ECDSA P-256. In dev mode a
    missing file is created with a new Ed25519 key; on a server it must be provisioned."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path or settings.TERGEU_LOG_KEY_PATH)
        if not self.path.exists():
            if not settings.DEV_MODE:
                raise ImproperlyConfigured(
                    f"the log's signing key {self.path} does not exist (TERGEU_LOG_KEY_PATH)"
                )
            key_file_create(self.path)
        key = serialization.load_pem_private_key(self.path.read_bytes(), password=None)
        if isinstance(key, ed25519.Ed25519PrivateKey):
            self._algorithm = ED25519
        elif isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
            self._algorithm = ECDSA_P256
        else:
            raise ImproperlyConfigured(f"{self.path}: the log signs with Ed25519 or ECDSA P-256")
        self._key = key

    @property
    def algorithm(self) -> str:
        return self._algorithm

    def sign(self, data: bytes) -> bytes:
        if isinstance(self._key, ed25519.Ed25519PrivateKey):
            return self._key.sign(data)
        assert isinstance(self._key, ec.EllipticCurvePrivateKey)
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    def public_key_der(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def certificate_pem(self) -> str:
        return ""


def key_file_create(path: Path) -> None:
    """Write a new Ed25519 key to `path`, readable by its owner only. Two processes starting
    at once do not both write: the file is created exclusively, and the loser reads the
    winner's key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    try:
        os.link(temporary, path)  # fails if another process got there first
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


@functools.cache
def _signer(dotted_path: str, key_path: str) -> LogSigner:
    signer = import_string(dotted_path)()
    if not isinstance(signer, LogSigner):
        raise ImproperlyConfigured(f"TERGEU_LOG_SIGNER: {dotted_path} is not a LogSigner")
    return signer


def log_signer() -> LogSigner:
    """The configured signer, built once per process (and again if the settings change)."""
    return _signer(settings.TERGEU_LOG_SIGNER, str(settings.TERGEU_LOG_KEY_PATH))


def signer_key_id(signer: LogSigner) -> str:
    return key_id(signer.public_key_der())


def public_key_read(path: str | os.PathLike[str]) -> bytes:
    """A public key (or an X.509 certificate's) from a PEM file, as DER; ValueError when the
    file holds neither."""
    data = Path(path).read_bytes()
    key: PublicKeyTypes
    try:
        if b"CERTIFICATE" in data:
            key = load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ValueError(f"{path}: not a PEM public key or certificate ({exc})") from exc
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def trusted_keys(earlier: Iterable[str | os.PathLike[str]] = ()) -> dict[str, bytes]:
    """The keys whose signatures on what the log signed are accepted, by key id: the configured
    signer's, and earlier log keys from PEM files (`public_key_read`)."""
    own = log_signer().public_key_der()
    return {key_id(der): der for der in [own, *map(public_key_read, earlier)]}


def signed_by_trusted(trusted: Mapping[str, bytes], data: bytes, signature: bytes) -> bool:
    """Whether `signature` over `data` verifies with one of the trusted keys."""
    return any(
        signature_valid(algorithm, key, data, signature)
        for key in trusted.values()
        for algorithm in ALGORITHMS
    )
