"""The access log's chain heads anchored outside the database. The heads (`AccessChain`) live
in the database beside the entries, so someone with the owner's rights could remove the last
entries of a chain and move its head back, and the shorter chain would still be consistent.
`log_checkpoint` therefore writes the heads as they stand into a text file signed by the log's
signer (the key that signs the tree heads), kept with a backup or elsewhere;
`verify_access_log --checkpoint` then requires every chain to still reach its anchored length
with the anchored hash there.

The signed text, one header line and one line per non-empty chain, sorted by official:

    tergeu-access-heads/v1 2026-11-29T10:00:00.123456Z
    7 1520 5d41402abc4b2a76b9719d911017c592aa0f6d0a9e8e1a2f4c6b8d0e2f4a6c8e
    12 3 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae

(official id, the chain's length, the hash of its last entry in lowercase hex). The header
cannot be read as a tree head's checkpoint, nor a checkpoint as this, so the one key signs
both without one standing for the other."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tergeu import clock
from tergeu.access.models import AccessChain
from tergeu.integrity.signer import log_signer, signed_by_trusted
from tergeu.journal.canonical import utc_text

FORMAT = "tergeu-access-heads/v1"
BODY = "access-heads.txt"
SIGNATURE = "access-heads.sig"
_LINE = re.compile(r"([1-9][0-9]*) ([1-9][0-9]*) ([0-9a-f]{64})")


@dataclass(frozen=True)
class Anchor:
    """Chain heads as a signed file held them: official id → (length, hash of the last
    entry). `label` names the file in problems."""

    at: datetime
    heads: Mapping[int, tuple[int, str]]
    label: str = ""


def heads_body(anchor: Anchor) -> bytes:
    """The exact bytes signed."""
    lines = [f"{FORMAT} {utc_text(anchor.at)}"]
    lines += [f"{o} {length} {h}" for o, (length, h) in sorted(anchor.heads.items())]
    return "".join(f"{line}\n" for line in lines).encode("ascii")


def heads_parse(body: bytes) -> Anchor:
    """The anchor from its bytes; ValueError if they are not exactly what `heads_body`
    writes."""
    try:
        header, *lines, end = body.decode("ascii").split("\n")
        name, at = header.split(" ")
        heads: dict[int, tuple[int, str]] = {}
        for line in lines:
            match = _LINE.fullmatch(line)
            if match is None:
                raise ValueError(f"not a chain head: {line!r}")
            heads[int(match[1])] = (int(match[2]), match[3])
        anchor = Anchor(datetime.fromisoformat(at), heads)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"not the access log's heads: {exc}") from exc
    if end or name != FORMAT or heads_body(anchor) != body:
        raise ValueError("not the access log's heads")
    return anchor


def heads_anchor(folder: Path) -> Anchor:
    """Write every non-empty chain's head, as the database holds it now, and its signature
    into `folder` (access-heads.txt, access-heads.sig)."""
    rows = AccessChain.objects.filter(seq__gt=0).values_list("official_id", "seq", "hash")
    anchor = Anchor(clock.now(), {o: (seq, digest) for o, seq, digest in rows})
    body = heads_body(anchor)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / BODY).write_bytes(body)
    (folder / SIGNATURE).write_bytes(log_signer().sign(body))
    return anchor


def anchor_read(folder: Path, trusted: Mapping[str, bytes]) -> Anchor:
    """The heads anchored in `folder`, their signature verified with one of the trusted keys
    (`tergeu.integrity.signer.trusted_keys`); ValueError saying what is missing or wrong."""
    try:
        body = (folder / BODY).read_bytes()
        signature = (folder / SIGNATURE).read_bytes()
    except OSError as exc:
        raise ValueError(
            f"{folder}: no access-log heads ({BODY} and {SIGNATURE}, as log_checkpoint "
            f"writes them): {exc.strerror}: {exc.filename}"
        ) from exc
    if not signed_by_trusted(trusted, body, signature):
        raise ValueError(
            f"{folder}: the signature of {BODY} does not verify with a trusted key: the heads "
            "were altered or signed by another key"
        )
    try:
        anchor = heads_parse(body)
    except ValueError as exc:
        raise ValueError(f"{folder}: {exc}") from exc
    return Anchor(anchor.at, anchor.heads, f"the checkpoint in {folder} ({utc_text(anchor.at)})")
