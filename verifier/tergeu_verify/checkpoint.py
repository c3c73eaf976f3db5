"""The signed bytes of a tree head and their signature check, standalone (the standard library
and `cryptography` only), for the server and the offline verifier alike.

A tree head is signed as a checkpoint (C2SP tlog-checkpoint): the log's origin, the tree size,
the base64 root, one line each, followed by one extension line with the moment of signing in
milliseconds since the epoch (RFC 9162 tree heads carry that time too):

    tergeu
    1234
    aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd28=
    timestamp 1764403200123

Signatures: Ed25519 over these bytes, or ECDSA P-256 with SHA-256 (DER-encoded).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

ED25519 = "ed25519"
ECDSA_P256 = "ecdsa-p256-sha256"
ALGORITHMS = (ED25519, ECDSA_P256)


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    timestamp_ms: int


def checkpoint_body(checkpoint: Checkpoint) -> bytes:
    """The exact bytes signed."""
    if not checkpoint.origin or any(c.isspace() for c in checkpoint.origin):
        raise ValueError("the origin must be non-empty and without spaces")
    root = base64.b64encode(checkpoint.root).decode()
    return (
        f"{checkpoint.origin}\n{checkpoint.size}\n{root}\ntimestamp {checkpoint.timestamp_ms}\n"
    ).encode()


def checkpoint_parse(body: bytes) -> Checkpoint:
    """A checkpoint from its bytes; ValueError if they are not exactly what
    `checkpoint_body` writes."""
    try:
        origin, size, root, stamp, end = body.decode("ascii").split("\n")
        keyword, ms = stamp.split(" ")
        parsed = Checkpoint(origin, int(size), base64.b64decode(root, validate=True), int(ms))
    except (UnicodeDecodeError, ValueError, binascii.Error) as exc:
        raise ValueError(f"not a tergeu checkpoint: {exc}") from exc
    if end or keyword != "timestamp" or checkpoint_body(parsed) != body:
        raise ValueError("not a tergeu checkpoint")
    return parsed


def key_id(public_key_der: bytes) -> str:
    """A key's identifier: SHA-256 of its SubjectPublicKeyInfo (DER), in hex."""
    return hashlib.sha256(public_key_der).hexdigest()


def signature_valid(algorithm: str, public_key_der: bytes, data: bytes, signature: bytes) -> bool:
    """Whether `signature` over `data` verifies with this key (SubjectPublicKeyInfo, DER)."""
    try:
        key = serialization.load_der_public_key(public_key_der)
    except ValueError:
        return False
    try:
        if algorithm == ED25519 and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
            return True
        if (
            algorithm == ECDSA_P256
            and isinstance(key, ec.EllipticCurvePublicKey)
            and isinstance(key.curve, ec.SECP256R1)
        ):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    return False
