"""The Merkle tree's algorithms against RFC 9162 / RFC 6962 test vectors and against a small
independent implementation written straight from the RFC's recursive definitions."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.events import merkle

# The eight leaves of the RFC 6962 test vectors (certificate-transparency, trillian), and the
# roots of the trees over their first n leaves.
LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
INCLUSION = [  # (leaf index, tree size, path)
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (0, 1, []),
]
CONSISTENCY = [  # (first, second, path)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]


# -- an independent implementation: the RFC's definitions, recursively, over a list ---------
def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return hashlib.sha256(b"\x00" + d[0]).digest()
    k = 1
    while k * 2 < len(d):
        k *= 2
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m < k:
        return ref_path(m, d[:k]) + [ref_mth(d[k:])]
    return ref_path(m - k, d[k:]) + [ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = 1
    while k * 2 < len(d):
        k *= 2
    if m <= k:
        return ref_subproof(m, d[:k], b) + [ref_mth(d[k:])]
    return ref_subproof(m - k, d[k:], False) + [ref_mth(d[:k])]


def over(leaves: list[bytes]):
    return lambda start, end: ref_mth(leaves[start:end])


# -- vectors -------------------------------------------------------------------------------
@pytest.mark.parametrize("n", sorted(ROOTS))
def test_roots_of_the_rfc_vectors(n):
    assert merkle.root_of(LEAVES[:n]).hex() == ROOTS[n]
    assert ref_mth(LEAVES[:n]).hex() == ROOTS[n]


def test_empty_tree_root():
    assert merkle.root_of([]).hex() == \
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("index,size,path", INCLUSION)
def test_inclusion_vectors(index, size, path):
    got = merkle.inclusion_path(index, size, over(LEAVES))
    assert [p.hex() for p in got] == path
    assert merkle.verify_inclusion(index, size, merkle.leaf_hash(LEAVES[index]), got,
                                   bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize("first,second,path", CONSISTENCY)
def test_consistency_vectors(first, second, path):
    got = merkle.consistency_path(first, second, over(LEAVES))
    assert [p.hex() for p in got] == path
    assert merkle.verify_consistency(first, second, bytes.fromhex(ROOTS[first]),
                                     bytes.fromhex(ROOTS[second]), got)


# -- against the independent implementation -------------------------------------------------
def _leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))))
def test_every_inclusion_proof_is_the_rfcs_and_verifies(case):
    n, m = case
    d = _leaves(n)
    path = merkle.inclusion_path(m, n, over(d))
    assert path == ref_path(m, d)
    root = ref_mth(d)
    assert merkle.root_of(d) == root
    assert merkle.verify_inclusion(m, n, merkle.leaf_hash(d[m]), path, root)
    # any other leaf, index, or a changed path does not
    assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"other"), path, root)
    if n > 1:
        assert not merkle.verify_inclusion((m + 1) % n, n, merkle.leaf_hash(d[m]), path, root)
        bad = list(path)
        bad[0] = bytes(32)
        assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(d[m]), bad, root)
        assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(d[m]), path[:-1], root)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 70).flatmap(lambda n: st.tuples(st.integers(1, n), st.just(n))))
def test_every_consistency_proof_is_the_rfcs_and_verifies(case):
    m, n = case
    d = _leaves(n)
    path = merkle.consistency_path(m, n, over(d))
    assert path == (ref_subproof(m, d, True) if m < n else [])
    first, second = ref_mth(d[:m]), ref_mth(d)
    assert merkle.verify_consistency(m, n, first, second, path)
    # a rewritten earlier tree is not consistent with the later one
    other = list(d)
    other[m - 1] = b"rewritten"
    assert not merkle.verify_consistency(m, n, ref_mth(other[:m]), second, path)
    if m < n:
        assert not merkle.verify_consistency(m, n, first, ref_mth(other[:m] + d[m:]), path)


def test_perfect_subtrees_cover_the_range():
    assert merkle.perfect_subtrees(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.perfect_subtrees(8, 13) == [(2, 2), (0, 12)]
    assert merkle.perfect_subtrees(0, 16) == [(4, 0)]


def test_proofs_refuse_out_of_range():
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_path(5, 5, over(_leaves(5)))
    with pytest.raises(merkle.ProofError):
        merkle.consistency_path(0, 5, over(_leaves(5)))
    with pytest.raises(merkle.ProofError):
        merkle.consistency_path(6, 5, over(_leaves(5)))
