"""Writing the integrity log: queueing an act's leaf in the act's transaction (`log_enqueue`),
placing queued leaves in the tree (`log_integrate`, the sequencer), and signing tree heads
(`head_sign`, with an RFC 3161 time-stamp when an authority is configured)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from tergeu_verify.checkpoint import Checkpoint, checkpoint_body
from tergeu_verify.merkle import Frontier, leaf_hash

from tergeu import clock
from tergeu.integrity.models import HeadTimestamp, LogEntry, LogNode, LogState, TreeHead
from tergeu.integrity.signer import log_signer, signer_key_id
from tergeu.integrity.timestamps import token_problem
from tergeu.journal.models import Act

logger = logging.getLogger(__name__)

# Leaves placed per transaction: the sequencer's lock is held for one batch at a time.
BATCH = 10_000
STATE_ID = 1


def log_enqueue(*, act: Act) -> None:
    """Queue `act`'s leaf for the log, in the caller's (the act's) transaction. No lock: acts of
    different cases queue side by side, and the sequencer orders them later."""
    LogEntry.objects.create(act=act, leaf_hash=leaf_hash(bytes.fromhex(act.hash)))


@dataclass
class Integration:
    """What one run of the sequencer did."""

    added: int = 0
    size: int = 0
    heads: list[TreeHead] = field(default_factory=list)


def log_integrate(*, batch: int = BATCH, limit: int | None = None) -> Integration:
    """Place the queued leaves in the tree, in the order they were queued (by entry id), one
    batch per transaction under the sequencer's lock: contiguous leaf indices, the nodes they
    complete, the new right edge and root, and a signed tree head per batch. With nothing
    queued, a head is signed only when the latest is older than
    TERGEU_LOG_HEAD_MAX_AGE_SECONDS (or there is none). `limit`: at most this many leaves."""
    done = Integration()
    while limit is None or done.added < limit:
        take = batch if limit is None else min(batch, limit - done.added)
        with transaction.atomic():
            state = _state_locked()
            queued = list(
                LogEntry.objects.filter(leaf_index__isnull=True)
                .order_by("id")
                .values_list("id", "leaf_hash")[:take]
            )
            if queued:
                _place(state, queued)
                done.heads.append(_head_write(state))
            elif not done.heads and _head_due(state):
                done.heads.append(_head_write(state))
            done.size = state.size
        done.added += len(queued)
        if len(queued) < take:
            break
    if done.heads:
        head_timestamp(done.heads[-1])
    return done


def head_sign() -> TreeHead:
    """A tree head signed now, over every act queued until now (for an export, or a client
    that wants a fresh one)."""
    integration = log_integrate()
    if integration.heads:
        return integration.heads[-1]
    with transaction.atomic():
        head = _head_write(_state_locked())
    head_timestamp(head)
    return head


def _state_locked() -> LogState:
    """The sequencer's row, locked until commit (created on first use)."""
    state = LogState.objects.select_for_update().filter(pk=STATE_ID).first()
    if state is None:
        LogState.objects.bulk_create([LogState(pk=STATE_ID)], ignore_conflicts=True)
        state = LogState.objects.select_for_update().get(pk=STATE_ID)
    return state


def _place(state: LogState, queued: Sequence[tuple[int, Any]]) -> None:
    frontier = Frontier.unpacked(state.size, bytes(state.frontier))
    first = frontier.size
    nodes: list[LogNode] = []
    for _entry_id, leaf in queued:
        for level, position, digest in frontier.append(bytes(leaf)):
            nodes.append(LogNode(level=level, position=position, hash=digest))
    _indices_assign([(entry_id, first + i) for i, (entry_id, _leaf) in enumerate(queued)])
    LogNode.objects.bulk_create(nodes, batch_size=5000)
    state.size, state.frontier, state.root = frontier.size, frontier.packed(), frontier.root()
    state.updated_at = clock.now()
    state.save(update_fields=["size", "frontier", "root", "updated_at"])


def _indices_assign(pairs: Sequence[tuple[int, int]]) -> None:
    """Set `leaf_index` of each entry (id, index): one statement on PostgreSQL."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE integrity_logentry AS e SET leaf_index = v.leaf_index "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, leaf_index) WHERE e.id = v.id",
                [[p[0] for p in pairs], [p[1] for p in pairs]],
            )
        else:
            cursor.executemany(
                "UPDATE integrity_logentry SET leaf_index = %s WHERE id = %s",
                [(index, entry_id) for entry_id, index in pairs],
            )


def _head_due(state: LogState) -> bool:
    latest = TreeHead.objects.order_by("-id").only("size", "timestamp").first()
    if latest is None or latest.size != state.size:
        return True
    age = timedelta(seconds=settings.TERGEU_LOG_HEAD_MAX_AGE_SECONDS)
    return latest.timestamp <= clock.now() - age


def _milliseconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def head_checkpoint(head: TreeHead) -> Checkpoint:
    """The checkpoint a head's signature is over."""
    ms = int(head.timestamp.timestamp() * 1000 + 0.5)
    return Checkpoint(head.origin, head.size, bytes(head.root), ms)


def _head_write(state: LogState) -> TreeHead:
    """Sign the tree as the locked state has it, and record the head."""
    signer = log_signer()
    head = TreeHead(
        size=state.size,
        root=bytes(state.root),
        timestamp=_milliseconds(clock.now()),
        origin=settings.TERGEU_LOG_ORIGIN,
        algorithm=signer.algorithm,
        key_id=signer_key_id(signer),
    )
    head.signature = signer.sign(checkpoint_body(head_checkpoint(head)))
    head.save(force_insert=True)
    return head


# --- RFC 3161 time-stamps ---------------------------------------------------------------------


def tsa_stamper() -> Any:
    """pyHanko's RFC 3161 client for the configured authority; None when none is configured."""
    if not settings.TERGEU_TSA_URL:
        return None
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(settings.TERGEU_TSA_URL, timeout=settings.TERGEU_TSA_TIMEOUT)


def head_timestamp(head: TreeHead) -> HeadTimestamp | None:
    """Ask the timestamp authority to time-stamp `head`'s signed bytes and keep its token when
    it is valid and the authority trusted (`token_problem`). No authority configured: nothing.
    An authority that fails, or answers with a token that does not pass, is logged and the head
    stays without a token: the log does not wait for a third party."""
    stamper = tsa_stamper()
    if stamper is None:
        return None
    from pyhanko.sign.timestamps import TimestampRequestError

    body = checkpoint_body(head_checkpoint(head))
    try:
        token = asyncio.run(stamper.async_timestamp(hashlib.sha256(body).digest(), "sha256"))
    except (TimestampRequestError, OSError, TimeoutError, ValueError) as exc:
        logger.warning("tree head %s: no time-stamp from %s: %s", head.pk, stamper, exc)
        return None
    problem = token_problem(token.dump(), body)
    if problem is not None:
        logger.warning("tree head %s: time-stamp from %s refused: %s", head.pk, stamper, problem)
        return None
    info = token["content"]["encap_content_info"]["content"].parsed
    return HeadTimestamp.objects.create(
        head=head,
        authority=settings.TERGEU_TSA_URL,
        token=token.dump(),
        stamped_at=info["gen_time"].native,
    )
