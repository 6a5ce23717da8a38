"""The Merkle tree of RFC 9162 §2.1 (as RFC 6962's), its proofs and their verification.

Pure functions over bytes. The tree's leaves are given by a function ``mth(start, end)`` that
answers the hash of the subtree over leaves [start, end); the proofs below only ever ask for
subtrees of the RFC's tree (start aligned, at most one ragged right edge), which
``tree.py`` answers from stored hashes of complete subtrees.
"""
from __future__ import annotations

import hashlib
from typing import Callable, Iterable, Sequence

MTH = Callable[[int, int], bytes]


class ProofError(ValueError):
    """A proof asked for sizes or positions the tree does not have."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1): where the RFC splits D[n]."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """The root over a power-of-two number of leaf hashes."""
    level = list(leaf_hashes)
    while len(level) > 1:
        level = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest()
                 for i in range(0, len(level), 2)]
    return level[0]


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees (level, index) that make up the RFC subtree over [start, end),
    largest first: the binary digits of its size, from an aligned start."""
    out = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1
        while start & ((1 << level) - 1):  # the start must be aligned to the subtree
            level -= 1
        out.append((level, start >> level))
        start += 1 << level
    return out


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """The RFC subtree from its complete subtrees, largest first: each joins all that follow."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


class RootBuilder:
    """The root of a stream of leaves, in O(log n) memory: a binary counter of complete
    subtrees."""

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (level, hash), levels decreasing

    def add(self, leaf: bytes) -> None:
        self.add_hash(leaf_hash(leaf))

    def add_hash(self, h: bytes, level: int = 0) -> None:
        """A leaf's hash, or a complete subtree of 2**level leaves that follows the ones so far."""
        self.size += 1 << level
        stack = self._stack
        while stack and stack[-1][0] == level:
            h = node_hash(stack.pop()[1], h)
            level += 1
        stack.append((level, h))

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        return fold_right([h for _, h in self._stack])


def root_of(leaves: Iterable[bytes]) -> bytes:
    b = RootBuilder()
    for leaf in leaves:
        b.add(leaf)
    return b.root()


# -- proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) ------------------------------------------------
def inclusion_path(index: int, size: int, mth: MTH) -> list[bytes]:
    """PATH(m, D[n]): the siblings from the leaf up to the root."""
    if not 0 <= index < size:
        raise ProofError("leaf index out of range")
    path = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            path.append(mth(start + k, end))
            end = start + k
        else:
            path.append(mth(start, start + k))
            start += k
    return path[::-1]


def consistency_path(first: int, second: int, mth: MTH) -> list[bytes]:
    """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    if not 0 < first <= second:
        raise ProofError("sizes out of range")
    path = []
    start, end, m, whole = 0, second, first, True
    while True:
        size = end - start
        if m == size:
            if not whole:
                path.append(mth(start, end))
            break
        k = split_point(size)
        if m <= k:
            path.append(mth(start + k, end))
            end = start + k
        else:
            path.append(mth(start, start + k))
            start += k
            m -= k
            whole = False
    return path[::-1]


# -- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ------------------------------------------
def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root an inclusion proof leads to from a leaf's hash (ProofError if malformed)."""
    if not 0 <= index < size:
        raise ProofError("leaf index out of range")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("proof too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes],
                     root: bytes) -> bool:
    try:
        return root_from_inclusion(index, size, leaf, path) == root
    except ProofError:
        return False


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       path: Sequence[bytes]) -> bool:
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    path = list(path)
    if first & (first - 1) == 0:  # a power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0
