"""The access log's chain. Each official's reads form a chain like a case's journal: an
entry's hash is SHA-256 over its canonical bytes, which include the hash of the entry before
it, and the chain's head (`AccessChain`) is updated in the same transaction. The database
refuses UPDATE and DELETE on the entries (migration 0004), and `verify_access_log` recomputes
every chain: an entry edited, removed or inserted, or a chain cut short, is named. A chain cut
short with its head moved back is named against the heads anchored outside the database
(`tergeu.access.anchor`).

Where a read came from is the client's address, remembered for the request by
`remember_address` (a middleware); reads from the command line have none."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from tergeu import clock
from tergeu.access.anchor import Anchor
from tergeu.access.models import AccessChain, AccessLog
from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.journal.canonical import GENESIS_HASH, canonical_bytes, utc_text

_address: ContextVar[str] = ContextVar("tergeu_client_address", default="")


def remember_address(get_response: Callable[[HttpRequest], HttpResponse]) -> Any:
    """Middleware: the client's address for the access log of this request. Behind a reverse
    proxy, the proxy must set REMOTE_ADDR (e.g. uWSGI/gunicorn's forwarded-allow-ips)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        token = _address.set(str(request.META.get("REMOTE_ADDR", ""))[:45])
        try:
            return get_response(request)
        finally:
            _address.reset(token)

    return middleware


def entry_bytes(
    *,
    official_id: int,
    seq: int,
    case_id: int | None,
    action: str,
    surface: str,
    at: datetime,
    detail: dict[str, Any],
    address: str,
    break_glass: bool,
    prev_hash: str,
) -> bytes:
    """The canonical bytes of one access-log entry (the journal's canonical form)."""
    return canonical_bytes(
        {
            "official": official_id,
            "seq": seq,
            "case": case_id,
            "action": action,
            "surface": surface,
            "at": utc_text(at),
            "detail": detail,
            "address": address,
            "break_glass": break_glass,
            "prev_hash": prev_hash,
        }
    )


def entry_hash(entry: AccessLog) -> str:
    return hashlib.sha256(
        entry_bytes(
            official_id=entry.official_id,
            seq=entry.seq,
            case_id=entry.case_id,
            action=entry.action,
            surface=entry.surface,
            at=entry.at,
            detail=entry.detail,
            address=entry.address,
            break_glass=entry.break_glass,
            prev_hash=entry.prev_hash,
        )
    ).hexdigest()


def _head(official: Official) -> AccessChain:
    """The official's chain head, locked until the transaction ends (created at the first
    read; a concurrent first read waits for it)."""
    head = AccessChain.objects.select_for_update().filter(official=official).first()
    if head is None:
        try:
            with transaction.atomic():
                AccessChain.objects.create(official=official, seq=0, hash=GENESIS_HASH)
        except IntegrityError:
            pass  # created meanwhile by the official's other request
        head = AccessChain.objects.select_for_update().get(official=official)
    return head


def access_append(
    official: Official,
    *,
    surface: str,
    action: str,
    case: Case | None = None,
    detail: dict[str, Any] | None = None,
    break_glass: bool = False,
) -> AccessLog:
    """Append one entry to the official's chain."""
    with transaction.atomic():
        head = _head(official)
        entry = AccessLog(
            official=official,
            case=case,
            surface=surface,
            action=action,
            at=clock.now(),
            detail=detail or {},
            address=_address.get(),
            break_glass=break_glass,
            seq=head.seq + 1,
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry)
        entry.save()
        head.seq, head.hash = entry.seq, entry.hash
        head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class Checked:
    chains: int
    entries: int
    problems: list[str]
    anchored: int = 0  # chain heads held by the checkpoints checked against


def _pins(anchors: Sequence[Anchor]) -> dict[int, dict[int, list[tuple[str, str]]]]:
    """official id → {anchored length: [(hash, label)]}, from every anchor."""
    pins: dict[int, dict[int, list[tuple[str, str]]]] = {}
    for anchor in anchors:
        for official_id, (length, digest) in anchor.heads.items():
            pins.setdefault(official_id, {}).setdefault(length, []).append((digest, anchor.label))
    return pins


def _unreached(official_id: int, end: int, pins: dict[int, list[tuple[str, str]]]) -> list[str]:
    """The anchored entries of a chain that ends at `end` and never reached them."""
    problems = []
    for length, held in sorted(pins.items()):
        for _digest, label in held:
            if end < length:
                problems.append(
                    f"official {official_id}: the chain ends at entry {end}, {label} anchored "
                    f"{length}: entries were removed and the head moved back"
                )
            else:
                problems.append(
                    f"official {official_id}: entry {length}, anchored by {label}, is missing"
                )
    return problems


def verify_access_log(anchors: Sequence[Anchor] = ()) -> Checked:
    """Recompute every official's chain against the stored entries and heads, reading the
    entries once, in chain order; and, for every chain head held by one of `anchors` (signed
    heads kept outside the database, `tergeu.access.anchor`), require the chain to still reach
    that entry with that hash."""
    problems: list[str] = []
    heads = {h.official_id: h for h in AccessChain.objects.all()}
    pins = _pins(anchors)
    chains = entries = 0
    current: int | None = None
    prev, seq = GENESIS_HASH, 0

    def end_of_chain(official_id: int) -> None:
        head = heads.pop(official_id, None)
        if head is None:
            problems.append(f"official {official_id}: entries without a chain head")
        elif (head.seq, head.hash) != (seq, prev):
            problems.append(
                f"official {official_id}: the chain ends at entry {seq}, its head says "
                f"{head.seq}: entries were removed or the head was changed"
            )
        problems.extend(_unreached(official_id, seq, pins.pop(official_id, {})))

    for entry in AccessLog.objects.order_by("official_id", "seq", "pk").iterator(chunk_size=5000):
        if entry.official_id != current:
            if current is not None:
                end_of_chain(current)
            current, prev, seq = entry.official_id, GENESIS_HASH, 0
            chains += 1
        entries += 1
        where = f"official {entry.official_id} entry {entry.seq} (id {entry.pk})"
        if entry.seq != seq + 1:
            problems.append(f"{where}: follows entry {seq}: a gap or a duplicate")
        if entry.prev_hash != prev:
            problems.append(f"{where}: does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            problems.append(f"{where}: its content does not match its hash")
        for digest, label in pins.get(entry.official_id, {}).pop(entry.seq, []):
            if entry.hash != digest:
                problems.append(
                    f"{where}: its hash is not the one {label} anchored: the chain was rewritten"
                )
        prev, seq = entry.hash, entry.seq
    if current is not None:
        end_of_chain(current)
    for official_id, head in heads.items():
        if head.seq:
            problems.append(
                f"official {official_id}: the head says {head.seq} entries, none are stored"
            )
    for official_id, pinned in sorted(pins.items()):
        problems.extend(_unreached(official_id, 0, pinned))
    return Checked(chains, entries, problems, sum(len(a.heads) for a in anchors))
