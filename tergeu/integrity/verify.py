"""Checking the integrity log against the journal (`manage.py verify_log`).

Every act is read once with its log entry, in the order the acts were recorded: its hash must be
the SHA-256 of its canonical bytes and the next link of its case's (or compartment's) chain, and
its leaf the hash of its hash. The leaves, in leaf order, rebuild the tree, which must have at
each signed head's size that head's root — under a valid signature by a trusted key. Then every
stored node is checked against its two children, and the sequencer's state against the tree.
An SQL edit to an act, a leaf, a node or a head shows as a problem naming the act, the leaf,
the node or the head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from tergeu_verify.checkpoint import checkpoint_body, signature_valid
from tergeu_verify.merkle import NODE_PREFIX, Frontier, node_hash

from tergeu.integrity.models import HeadTimestamp, LogEntry, LogNode, LogState, TreeHead
from tergeu.integrity.services import head_checkpoint
from tergeu.integrity.timestamps import token_problem
from tergeu.journal.canonical import GENESIS_HASH
from tergeu.journal.models import Act

# Problems kept in full; beyond them only counted (a log rewritten from leaf 0 would otherwise
# list every node).
KEEP = 1000
CHUNK = 10_000

# One act with its log entry: id, case, compartment (or None), seq, the SHA-256 of its canonical
# bytes (computed by whoever reads them: the database server on PostgreSQL), its hash and
# prev_hash (hex), leaf index (None: queued) and leaf hash (None: no entry).
ActRow = tuple[int, int, int | None, int, bytes, str, str, int | None, bytes | None]


@dataclass(frozen=True)
class LogProblem:
    """What is wrong, and where: a leaf (with its act), a node, a tree head, the state."""

    where: str
    what: str
    act_id: int | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass(frozen=True)
class HeadRef:
    """A signed tree head, as the leaf pass needs it."""

    id: int
    size: int
    root: bytes
    label: str = ""  # a head from outside the database: what it is

    def __str__(self) -> str:
        return self.label or f"tree head {self.id} (size {self.size})"


@dataclass
class Report:
    leaves: int = 0
    queued: int = 0
    heads: int = 0
    nodes: int = 0
    problems: list[LogProblem] = field(default_factory=list)
    more: int = 0  # problems beyond those kept

    def add(self, problem: LogProblem) -> None:
        if len(self.problems) < KEEP:
            self.problems.append(problem)
        else:
            self.more += 1

    @property
    def count(self) -> int:
        return len(self.problems) + self.more


def _where(index: int | None, leaf: bytes | None) -> str:
    return "journal" if leaf is None else "queued entry" if index is None else f"leaf {index}"


class LogCheck:
    """The pass over the acts: fed every act with its entry in act-id order, it checks each
    act's hash and chain and its leaf, and grows the tree's right edge in leaf order, comparing
    its root with each signed head as the tree reaches the head's size. Within a chain, act ids
    follow the chain (an act is inserted after its predecessor committed); leaves placed out of
    act-id order — concurrent appends — wait in a small buffer for their turn. Everything is in
    local variables: this loop is the verification's cost."""

    def __init__(self, heads: Sequence[HeadRef], report: Report) -> None:
        self.report = report
        self.heads = sorted(heads, key=lambda h: (h.size, h.id))
        self.frontier = Frontier()
        # case id (or (case, compartment)) → (seq, hash) of the last act of each chain seen
        self.chains: dict[int | tuple[int, int], tuple[int, str]] = {}
        self.waiting: dict[int, bytes] = {}  # leaves that came before their turn
        self._next_head = 0
        self._heads_at(0)

    def _heads_at(self, size: int) -> int:
        """Check the heads of this size; the size of the next head (-1: none)."""
        heads, i = self.heads, self._next_head
        while i < len(heads) and heads[i].size == size:
            if heads[i].root != self.frontier.root():
                self.report.add(
                    LogProblem(str(heads[i]), "root differs from the tree rebuilt from the leaves")
                )
            i += 1
        self._next_head = i
        return heads[i].size if i < len(heads) else -1

    def feed(self, rows: Iterable[ActRow]) -> None:
        sha = hashlib.sha256
        report, chains, waiting = self.report, self.chains, self.waiting
        frontier = self.frontier
        hashes = frontier.hashes
        n = frontier.size
        next_size = self.heads[self._next_head].size if self._next_head < len(self.heads) else -1
        start = (0, GENESIS_HASH)
        for act_id, case_id, part, seq, digest, act_hash, prev_hash, index, leaf in rows:
            try:
                stored = bytes.fromhex(act_hash)
            except ValueError:
                stored = b""
            if digest != stored:
                report.add(
                    LogProblem(
                        _where(index, leaf), "act's hash does not match its canonical bytes", act_id
                    )
                )
            key = case_id if part is None else (case_id, part)
            last_seq, last_hash = chains.get(key, start)
            if seq != last_seq + 1 or prev_hash != last_hash:
                report.add(
                    LogProblem(
                        _where(index, leaf),
                        f"hash chain broken: expected act {last_seq + 1} after {last_hash[:12]}…",
                        act_id,
                    )
                )
            chains[key] = (seq, act_hash)
            if leaf is None:
                report.add(LogProblem("journal", "act has no log entry", act_id))
                continue
            if sha(b"\x00" + stored).digest() != leaf:
                report.add(
                    LogProblem(_where(index, leaf), "leaf does not match the act's hash", act_id)
                )
            if index is None:
                report.queued += 1
                continue
            if index != n:
                waiting[index] = leaf
                continue
            while True:  # Frontier.append, inlined
                h, k = leaf, n
                while k & 1:
                    h = sha(NODE_PREFIX + hashes.pop() + h).digest()
                    k >>= 1
                hashes.append(h)
                n += 1
                if n == next_size:
                    frontier.size = n
                    next_size = self._heads_at(n)
                if not waiting or n not in waiting:
                    break
                leaf = waiting.pop(n)
        frontier.size = n

    def _grow(self, leaves: Iterable[bytes]) -> None:
        """Append leaves that are next in order."""
        sha = hashlib.sha256
        frontier = self.frontier
        hashes = frontier.hashes
        n = frontier.size
        next_size = self.heads[self._next_head].size if self._next_head < len(self.heads) else -1
        for leaf in leaves:
            h, k = leaf, n
            while k & 1:
                h = sha(NODE_PREFIX + hashes.pop() + h).digest()
                k >>= 1
            hashes.append(h)
            n += 1
            if n == next_size:
                frontier.size = n
                next_size = self._heads_at(n)
        frontier.size = n

    def finish(self) -> Frontier:
        """A gap in the leaf indices is reported, and the leaves after it are placed as if it
        were not there (so that the heads beyond it are still compared); heads larger than the
        log are reported."""
        if self.waiting:
            first = min(self.waiting)
            self.report.add(
                LogProblem(f"leaf {self.frontier.size}", f"missing: the next leaf is {first}")
            )
            rest = [self.waiting[i] for i in sorted(self.waiting)]
            self.waiting.clear()
            self._grow(rest)
        for head in self.heads[self._next_head :]:
            self.report.add(LogProblem(str(head), f"the log has only {self.frontier.size} leaves"))
        self.report.leaves = self.frontier.size
        return self.frontier


# --- reading the database ----------------------------------------------------------------------

# Every act with its entry, in act-id order (a merge join of two primary/unique indexes: no
# sort). The server hashes the canonical bytes (pg_catalog's own sha256, whatever the search
# path), on its own core, and sends 32 bytes instead of the whole act. Binary COPY needs each
# column's exact type: the casts fix them.
ACT_SQL = (
    "SELECT a.id::int8, a.case_id::int8, a.compartment_id::int8, a.seq::int8, "
    "pg_catalog.sha256(a.canonical), "
    "a.hash::text, a.prev_hash::text, e.leaf_index::int8, e.leaf_hash "
    "FROM journal_act a LEFT JOIN integrity_logentry e ON e.act_id = a.id ORDER BY a.id"
)
ACT_TYPES = ["int8", "int8", "int8", "int8", "bytea", "text", "text", "int8", "bytea"]


def act_rows() -> Iterator[ActRow]:
    """Every act with its log entry, in act-id order: with COPY on PostgreSQL (binary, the
    fastest way out of the database; JIT compilation off, it only costs here), in chunks
    elsewhere (hashing the canonical bytes here)."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw: Any = connection.connection
        statement = f"COPY ({ACT_SQL}) TO STDOUT (FORMAT BINARY)"
        with raw.cursor() as cursor:
            cursor.execute("SET jit = off")
            try:
                with cursor.copy(statement) as copy:
                    copy.set_types(ACT_TYPES)
                    yield from copy.rows()
            finally:
                cursor.execute("RESET jit")
        return
    acts = Act.objects.order_by("id").values_list(
        "id",
        "case_id",
        "compartment_id",
        "seq",
        "canonical",
        "hash",
        "prev_hash",
        "log_entry__leaf_index",
        "log_entry__leaf_hash",
    )
    for act_id, case_id, part, seq, canonical, act_hash, prev, index, leaf in acts.iterator(
        chunk_size=CHUNK
    ):
        yield (
            act_id,
            case_id,
            part,
            seq,
            hashlib.sha256(canonical).digest(),
            act_hash,
            prev,
            index,
            None if leaf is None else bytes(leaf),
        )


def _stored_level(level: int) -> Iterator[tuple[int, bytes]]:
    """The hashes of one level, in order: the leaves for level 0, else the stored nodes."""
    if level == 0:
        leaves = (
            LogEntry.objects.filter(leaf_index__isnull=False)
            .order_by("leaf_index")
            .values_list("leaf_index", "leaf_hash")
        )
        for index, leaf in leaves.iterator(chunk_size=CHUNK):
            assert index is not None
            yield index, bytes(leaf)
        return
    nodes = LogNode.objects.filter(level=level).order_by("position")
    for position, digest in nodes.values_list("position", "hash").iterator(chunk_size=CHUNK):
        yield position, bytes(digest)


def nodes_check(size: int, report: Report) -> None:
    """Every stored node equals the hash of its two stored children, exactly the complete
    subtrees of a tree of `size` leaves are stored, and no node lies beyond them. Level by
    level, two ordered streams at a time: memory does not grow with the log."""
    top = max(size.bit_length() - 1, 0)
    for level in range(1, top + 1):
        children = _stored_level(level - 1)
        pending: tuple[int, bytes] | None = next(children, None)
        expected = 0
        for position, digest in _stored_level(level):
            where = f"node (level {level}, position {position})"
            if position >= size >> level:
                report.add(LogProblem(where, f"beyond the tree of {size} leaves"))
                continue
            for missing in range(expected, position):
                report.add(LogProblem(f"node (level {level}, position {missing})", "missing"))
            expected = position + 1
            pair: dict[int, bytes] = {}
            while pending is not None and pending[0] <= 2 * position + 1:
                if pending[0] >= 2 * position:
                    pair[pending[0]] = pending[1]
                pending = next(children, None)
            left, right = pair.get(2 * position), pair.get(2 * position + 1)
            report.nodes += 1
            if left is None or right is None or node_hash(left, right) != digest:
                report.add(LogProblem(where, "differs from the hash of its two children"))
        for missing in range(expected, size >> level):
            report.add(LogProblem(f"node (level {level}, position {missing})", "missing"))
    for level, position in LogNode.objects.filter(level__gt=top).values_list("level", "position")[
        :KEEP
    ]:
        report.add(LogProblem(f"node (level {level}, position {position})", "beyond the tree"))


def heads_load(trusted: Mapping[str, bytes], report: Report) -> list[HeadRef]:
    """Every signed tree head, its signature checked with the trusted key it names."""
    heads: list[HeadRef] = []
    for head in TreeHead.objects.order_by("id").iterator(chunk_size=CHUNK):
        ref = HeadRef(head.pk, head.size, bytes(head.root))
        heads.append(ref)
        key = trusted.get(head.key_id)
        body = checkpoint_body(head_checkpoint(head))
        if key is None:
            report.add(
                LogProblem(str(ref), f"signed by key {head.key_id[:16]}…, not a trusted key")
            )
        elif not signature_valid(head.algorithm, key, body, bytes(head.signature)):
            report.add(LogProblem(str(ref), "signature does not verify"))
    report.heads = len(heads)
    return heads


def timestamps_check(report: Report) -> None:
    """Each RFC 3161 token is over its head's signed bytes and signed by a trusted timestamp
    authority (`token_problem`)."""
    for stamp in HeadTimestamp.objects.select_related("head").order_by("id"):
        body = checkpoint_body(head_checkpoint(stamp.head))
        problem = token_problem(bytes(stamp.token), body)
        if problem is not None:
            where = f"time-stamp {stamp.pk} of tree head {stamp.head_id}"
            report.add(LogProblem(where, problem))


def state_check(frontier: Frontier, report: Report) -> None:
    state = LogState.objects.filter(pk=1).first()
    if state is None:
        if frontier.size:
            report.add(LogProblem("log state", "missing, though the log has leaves"))
        return
    if state.size != frontier.size:
        report.add(LogProblem("log state", f"size {state.size}, the leaves {frontier.size}"))
    elif bytes(state.frontier) != frontier.packed() or bytes(state.root) != frontier.root():
        report.add(LogProblem("log state", "right edge or root differs from the leaves"))


def acts_and_tree_verify(
    trusted: Mapping[str, bytes], pinned: Sequence[HeadRef] = ()
) -> tuple[Report, Frontier]:
    """The hash chains and the Merkle tree: every act against its canonical bytes, its chain
    and its leaf, and the tree rebuilt from the leaves against every signed head (and the
    `pinned` heads kept outside the database) — in one stream, so that memory does not grow
    with the number of acts."""
    report = Report()
    heads = heads_load(trusted, report)
    check = LogCheck([*heads, *pinned], report)
    check.feed(act_rows())
    return report, check.finish()


def log_verify(trusted: Mapping[str, bytes], pinned: Sequence[HeadRef] = ()) -> Report:
    """Every check above, over the whole database. `trusted`: key id → public key (DER) of
    each key whose tree heads are accepted; `pinned`: heads from outside the database (a
    checkpoint kept with a backup, or published) the rebuilt tree must also match."""
    report, frontier = acts_and_tree_verify(trusted, pinned)
    nodes_check(frontier.size, report)
    state_check(frontier, report)
    timestamps_check(report)
    return report


def act_names(problems: Sequence[LogProblem]) -> dict[int, str]:
    """For the problems that concern an act: how the journal names it."""
    ids = {p.act_id for p in problems if p.act_id is not None}
    names: dict[int, str] = {}
    acts = Act.objects.filter(pk__in=ids).select_related("case", "compartment")
    for act in acts.only("seq", "case__register_number", "compartment__number"):
        part = f", compartment {act.compartment.number}" if act.compartment else ""
        names[act.pk] = f"case {act.case.register_number}{part}, act {act.seq}"
    return names
