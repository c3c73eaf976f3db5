"""The Merkle tree of RFC 9162 §2.1, over SHA-256: tree hashes, inclusion and consistency
proofs (generated from stored subtree hashes and verified by the iterative algorithms of
§2.1.3.2 and §2.1.4.2), and the compact right edge of a growing tree (`Frontier`).

Standalone on purpose: it imports nothing but `hashlib`, so the offline verifier can ship it
as it is. Hashes are 32-byte `bytes`; a leaf hash is `leaf_hash(data)`.

Subtrees are named by coordinates `(level, index)`: the complete subtree of 2**level leaves
that starts at leaf `index * 2**level`. Level 0 is a leaf hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
# MTH({}) = SHA-256 of the empty string (§2.1.1).
EMPTY_ROOT = hashlib.sha256(b"").digest()

Coordinate = tuple[int, int]
# Given coordinates of complete subtrees, their hashes (a storage lookup, or an in-memory tree).
NodeReader = Callable[[Sequence[Coordinate]], Mapping[Coordinate, bytes]]


def leaf_hash(data: bytes) -> bytes:
    """HASH(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """HASH(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every complete subtree hash of a tree of these leaf hashes, by level: `levels[l][i]` is
    the subtree (l, i). A level's odd last node is not carried up: it is not complete."""
    levels = [list(leaves)]
    sha = hashlib.sha256
    while len(levels[-1]) > 1:
        below = levels[-1]
        levels.append(
            [
                sha(NODE_PREFIX + a + b).digest()
                for a, b in zip(below[0::2], below[1::2], strict=False)
            ]
        )
    return levels


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes, level by level: an odd last node moves up unchanged, which in a
    left-balanced tree gives exactly the recursive definition of §2.1.1."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    sha = hashlib.sha256
    while len(level) > 1:
        paired = [
            sha(NODE_PREFIX + a + b).digest()
            for a, b in zip(level[0::2], level[1::2], strict=False)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


# --- ranges and the complete subtrees they consist of ----------------------------------------


def range_subtrees(start: int, end: int) -> list[Coordinate]:
    """The complete subtrees, left to right, whose leaves are [start, end), where `start` is a
    multiple of the largest power of two not above `end - start` (every range a proof names is
    so aligned). Their hashes right-folded give MTH(D[start:end])."""
    found: list[Coordinate] = []
    size = end - start
    while size:
        level = size.bit_length() - 1
        found.append((level, start >> level))
        start += 1 << level
        size -= 1 << level
    return found


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its complete subtrees (largest first): a right fold."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """PATH(index, D[size]) of §2.1.3.1 as leaf ranges, in proof order (leaf's sibling first)."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """PROOF(first, D[second]) of §2.1.4.1 as leaf ranges, in proof order; empty when
    first is 0 or equals second."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, second, first, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def hashes_for(ranges: Sequence[tuple[int, int]], read: NodeReader) -> list[bytes]:
    """The hash of each range, reading the complete subtrees they consist of in one call."""
    parts = [range_subtrees(a, b) for a, b in ranges]
    wanted = sorted({c for p in parts for c in p})
    found = read(wanted)
    missing = [c for c in wanted if c not in found]
    if missing:
        raise LookupError(f"subtrees not stored: {missing[:5]}")
    return [fold([found[c] for c in p]) for p in parts]


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    """The audit path of leaf `index` in the tree of `size` leaves."""
    return hashes_for(inclusion_ranges(index, size), read)


def consistency_proof(first: int, second: int, read: NodeReader) -> list[bytes]:
    """The proof that the tree of `first` leaves is a prefix of the tree of `second`."""
    return hashes_for(consistency_ranges(first, second), read)


def tree_root(size: int, read: NodeReader) -> bytes:
    """MTH of the first `size` leaves, from stored complete subtrees."""
    return hashes_for([(0, size)], read)[0] if size else EMPTY_ROOT


def memory_reader(levels: Sequence[Sequence[bytes]]) -> NodeReader:
    """A NodeReader over `tree_levels(...)`."""

    def read(coordinates: Sequence[Coordinate]) -> Mapping[Coordinate, bytes]:
        return {
            (lv, i): levels[lv][i]
            for lv, i in coordinates
            if lv < len(levels) and i < len(levels[lv])
        }

    return read


# --- verification (the iterative algorithms of RFC 9162) ---------------------------------------


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """§2.1.3.2: the root that `path` proves `leaf` (a leaf hash) to be at `index` of, in a
    tree of `size`; None when the path cannot be a proof for that position."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether `path` proves leaf hash `leaf` at `index` of the tree of `size` with this root."""
    return root_from_inclusion(index, size, leaf, path) == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """§2.1.4.2: whether `path` proves the tree (first, first_root) a prefix of the tree
    (second, second_root). Equal sizes need an empty path and equal roots; any tree extends
    the empty one."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    if not path:
        return False
    proof = list(path)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        proof.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# --- the right edge of a growing tree ------------------------------------------------------------


class Frontier:
    """The complete subtrees along the right edge of a tree of `size` leaves — one per set bit
    of `size`, largest first. Enough to append leaves and to compute the root without reading
    any earlier leaf: O(log n) space, amortised one node hash per leaf appended."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} edge subtrees")

    def coordinates(self) -> list[Coordinate]:
        """Where each edge subtree sits in the tree."""
        return range_subtrees(0, self.size)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; the complete subtrees of level ≥ 1 it completes, as (level,
        index, hash), lowest first."""
        made: list[tuple[int, int, bytes]] = []
        h, n, level = leaf, self.size, 0
        hashes = self.hashes
        while n & 1:
            h = node_hash(hashes.pop(), h)
            n >>= 1
            level += 1
            made.append((level, n, h))
        hashes.append(h)
        self.size += 1
        return made

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Append many leaf hashes, keeping none of the nodes they complete."""
        hashes = self.hashes
        sha = hashlib.sha256
        n = self.size
        for h in leaves:
            k = n
            while k & 1:
                h = sha(NODE_PREFIX + hashes.pop() + h).digest()
                k >>= 1
            hashes.append(h)
            n += 1
        self.size = n

    def root(self) -> bytes:
        return fold(self.hashes)

    def packed(self) -> bytes:
        """The edge hashes concatenated, for storage."""
        return b"".join(self.hashes)

    @classmethod
    def unpacked(cls, size: int, data: bytes) -> Frontier:
        return cls(size, [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)])
