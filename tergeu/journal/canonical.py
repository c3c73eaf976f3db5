"""The canonical bytes of an act (docs/canonical-form.md): what is hashed and, later, signed.

JSON with keys sorted by code point, no insignificant whitespace, UTF-8 without escaping, and only
strings, integers, booleans, null, arrays and objects (no floats: their text is not unique).
Datetimes are UTC in ISO 8601 with microseconds and a "Z".
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
FORMAT_VERSION = 1


def _check(value: Any, path: str) -> None:
    if isinstance(value, bool | int | str) or value is None:
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: object keys must be strings")
            _check(item, f"{path}.{key}")
        return
    raise TypeError(f"{path}: {type(value).__name__} has no canonical form")


def utc_text(moment: datetime) -> str:
    # strftime's %Y does not pad years below 1000 on every platform; the format is spelled out.
    m = moment.astimezone(UTC)
    return (
        f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
        f".{m.microsecond:06d}Z"
    )


def canonical_bytes(value: dict[str, Any]) -> bytes:
    _check(value, "$")
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def act_document(
    *,
    register_number: str,
    seq: int,
    kind: str,
    payload: dict[str, Any],
    actor_id: int,
    actor_role: str,
    performed_at: datetime,
    recorded_at: datetime,
    prev_hash: str,
    compartment: int | None = None,
) -> bytes:
    """The canonical bytes of one act. An act of a covert compartment names the compartment's
    number: its `seq` and `prev_hash` are the compartment's chain, not the case's."""
    where = {} if compartment is None else {"compartment": compartment}
    return canonical_bytes(
        {
            **where,
            "v": FORMAT_VERSION,
            "case": register_number,
            "seq": seq,
            "kind": kind,
            "payload": payload,
            "actor": actor_id,
            "actor_role": actor_role,
            "performed_at": utc_text(performed_at),
            "recorded_at": utc_text(recorded_at),
            "prev_hash": prev_hash,
        }
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
