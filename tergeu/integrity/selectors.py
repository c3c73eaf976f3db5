"""Reading the integrity log: signed tree heads, inclusion proofs for acts and consistency
proofs between tree sizes. Proofs are computed from the stored subtree hashes: O(log n) rows,
whatever the size of the log. The caller has passed the access gate for the act."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from tergeu_verify.merkle import (
    Coordinate,
    consistency_proof,
    hashes_for,
    inclusion_proof,
    inclusion_ranges,
    range_subtrees,
)

from tergeu.errors import Conflict, InvalidInput, NotFound
from tergeu.integrity.models import LogEntry, LogNode, TreeHead
from tergeu.journal.models import Act


def stored_nodes(coordinates: Sequence[Coordinate]) -> Mapping[Coordinate, bytes]:
    """A `merkle.NodeReader` over the database: leaves from the entries, the nodes above them
    from `LogNode`; two queries at most."""
    found: dict[Coordinate, bytes] = {}
    leaves = [position for level, position in coordinates if level == 0]
    if leaves:
        rows = LogEntry.objects.filter(leaf_index__in=leaves).values_list("leaf_index", "leaf_hash")
        found.update({(0, index): bytes(digest) for index, digest in rows if index is not None})
    by_level: dict[int, list[int]] = {}
    for level, position in coordinates:
        if level:
            by_level.setdefault(level, []).append(position)
    if by_level:
        rule = Q()
        for level, positions in by_level.items():
            rule |= Q(level=level, position__in=positions)
        for level, position, digest in LogNode.objects.filter(rule).values_list(
            "level", "position", "hash"
        ):
            found[(level, position)] = bytes(digest)
    return found


def head_latest() -> TreeHead | None:
    return TreeHead.objects.order_by("-id").first()


def head_of_size(size: int) -> TreeHead:
    """The latest signed head of this size."""
    head = TreeHead.objects.filter(size=size).order_by("-id").first()
    if head is None:
        raise NotFound(
            _("No signed tree head has this size."),
            code="tree_head_not_found",
            details={"tree_size": size},
        )
    return head


@dataclass(frozen=True)
class InclusionProof:
    """Act `act` is leaf `leaf_index` of the tree `head` signs: `path` (RFC 9162 §2.1.3)
    leads from `leaf_hash` to the head's root."""

    act: Act
    leaf_index: int
    leaf_hash: bytes
    head: TreeHead
    path: list[bytes]


def act_inclusion(act: Act, *, tree_size: int | None = None) -> InclusionProof:
    """The proof that `act` is in the log, against the latest signed tree head or the one of
    `tree_size`. An act not yet placed by the sequencer, or placed after that head, is a
    conflict the client resolves by asking again later."""
    head = head_latest() if tree_size is None else head_of_size(tree_size)
    entry = LogEntry.objects.filter(act=act).only("leaf_index", "leaf_hash").first()
    index = entry.leaf_index if entry is not None else None
    if head is None or entry is None or index is None or index >= head.size:
        if tree_size is not None and index is not None:
            raise Conflict(
                _("The act was added to the log after this tree head."),
                code="act_not_in_tree_head",
                details={"leaf_index": index, "tree_size": tree_size},
            )
        raise Conflict(
            _("The act is not in a signed tree head yet; ask again in a few seconds."),
            code="act_not_integrated",
            details={"queued": entry is not None},
        )
    path = inclusion_proof(index, head.size, stored_nodes)
    return InclusionProof(act, index, bytes(entry.leaf_hash), head, path)


def acts_inclusion(acts: Sequence[Act], head: TreeHead) -> dict[int, InclusionProof]:
    """The proofs of many acts against one signed head (an export): their entries in one query,
    every node their paths need in at most two more. Acts not in that head are left out."""
    entries = LogEntry.objects.filter(act__in=acts, leaf_index__lt=head.size).values_list(
        "act_id", "leaf_index", "leaf_hash"
    )
    placed = {
        act_id: (index, bytes(digest)) for act_id, index, digest in entries if index is not None
    }
    ranges = {act_id: inclusion_ranges(index, head.size) for act_id, (index, _) in placed.items()}
    wanted = sorted({c for rs in ranges.values() for a, b in rs for c in range_subtrees(a, b)})
    nodes = stored_nodes(wanted)

    def read(coordinates: Sequence[Coordinate]) -> Mapping[Coordinate, bytes]:
        return {c: nodes[c] for c in coordinates if c in nodes}

    return {
        act.pk: InclusionProof(
            act, placed[act.pk][0], placed[act.pk][1], head, hashes_for(ranges[act.pk], read)
        )
        for act in acts
        if act.pk in placed
    }


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    path: list[bytes]


def log_consistency(*, first: int, second: int | None = None) -> ConsistencyProof:
    """The proof (RFC 9162 §2.1.4) that the tree of `first` leaves is a prefix of the tree of
    `second` (by default the latest signed head's size); both at most that size."""
    latest = head_latest()
    signed = latest.size if latest is not None else 0
    second = signed if second is None else second
    if not 0 <= first <= second <= signed:
        raise InvalidInput(
            _("Tree sizes must satisfy 0 ≤ first ≤ second ≤ the latest signed tree size."),
            code="tree_size_out_of_range",
            details={"first": first, "second": second, "latest": signed},
        )
    return ConsistencyProof(first, second, consistency_proof(first, second, stored_nodes))


@dataclass(frozen=True)
class HashStanding:
    """What the log says of an act's hash, and nothing of its case: whether it is recorded,
    whether it is placed yet, and if so its proof against the latest signed tree head."""

    recorded: bool
    proof: InclusionProof | None = None


def hash_standing(act_hash: str) -> HashStanding:
    """Where the act with this hash stands in the log (a hash nobody recorded: not recorded)."""
    act = Act.objects.filter(hash=act_hash).only("pk").first()
    if act is None:
        return HashStanding(recorded=False)
    try:
        return HashStanding(recorded=True, proof=act_inclusion(act))
    except Conflict:
        return HashStanding(recorded=True)
