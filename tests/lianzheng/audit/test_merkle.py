"""The Merkle tree of RFC 9162, without a database: hand-computed small trees, the RFC's own
recursive definitions (written out below from §2.1.1, §2.1.3.1 and §2.1.4.1) against the
implementation's, and proofs that fail for anything but the leaf, size and root they were for."""

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from lianzheng.audit import merkle


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


# -- the RFC's definitions, literally -----------------------------------------------------------


def mth(d: list[bytes]) -> bytes:
    n = len(d)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + d[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def path(m: int, d: list[bytes]) -> list[bytes]:
    n = len(d)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


def entries(n: int) -> list[bytes]:
    return [sha(str(i).encode()) for i in range(n)]


# -- hand-computed ----------------------------------------------------------------------------


def test_the_empty_tree_and_a_single_leaf():
    assert merkle.root_of([]) == sha(b"")
    assert merkle.root_of([b"a"]) == sha(b"\x00a")


def test_three_leaves_split_two_and_one():
    a, b, c = sha(b"\x00a"), sha(b"\x00b"), sha(b"\x00c")
    expected = sha(b"\x01" + sha(b"\x01" + a + b) + c)
    assert merkle.root_of([b"a", b"b", b"c"]) == expected
    tree = merkle.Tree([b"a", b"b", b"c"])
    assert tree.root() == expected
    # leaf c's path: the left subtree (a, b); leaf a's: b, then c
    assert tree.inclusion_proof(2) == [sha(b"\x01" + a + b)]
    assert tree.inclusion_proof(0) == [b, c]
    # the tree of two is a prefix of the tree of three: proof is [c] (old root prepended)
    assert tree.consistency_proof(2, 3) == [c]
    assert merkle.verify_consistency(2, 3, sha(b"\x01" + a + b), expected, [c])


def test_the_frontier_holds_one_hash_per_set_bit_and_gives_the_root():
    frontier = merkle.Frontier()
    data = entries(13)
    for i, entry in enumerate(data, 1):
        frontier.append(entry)
        assert len(frontier.hashes) == bin(i).count("1")
        assert frontier.root() == mth(data[:i])
    again = merkle.Frontier.from_hex(frontier.size, frontier.as_hex())
    again.extend(entries(20)[13:])
    assert again.root() == mth(entries(20))


# -- against the RFC, exhaustively for small trees ---------------------------------------------


def test_roots_and_inclusion_proofs_are_the_rfcs_for_every_leaf_of_trees_up_to_33():
    for n in range(1, 34):
        d = entries(n)
        tree = merkle.Tree(d)
        root = mth(d)
        assert tree.root() == root == merkle.root_of(d)
        for m in range(n):
            proof = tree.inclusion_proof(m)
            assert proof == path(m, d)
            assert merkle.verify_inclusion(m, n, merkle.leaf_hash(d[m]), proof, root)


def test_consistency_proofs_are_the_rfcs_for_every_pair_up_to_24():
    d = entries(24)
    tree = merkle.Tree(d)
    for n in range(1, 25):
        for m in range(1, n + 1):
            proof = tree.consistency_proof(m, n)
            assert proof == subproof(m, d[:n], True)
            assert merkle.verify_consistency(m, n, mth(d[:m]), mth(d[:n]), proof)


def test_subtree_hashes_kept_for_big_trees_give_the_same_proofs():
    d = entries(700)
    tree = merkle.Tree(d)
    assert tree.root() == mth(d)
    for m in (0, 255, 256, 511, 512, 699):
        assert tree.inclusion_proof(m) == path(m, d)
    assert tree.consistency_proof(300, 700) == subproof(300, d, True)


# -- proofs that must fail ---------------------------------------------------------------------


def test_an_inclusion_proof_fails_for_another_leaf_index_size_or_root():
    d = entries(11)
    tree = merkle.Tree(d)
    root, proof, leaf = tree.root(), tree.inclusion_proof(6), merkle.leaf_hash(d[6])
    assert merkle.verify_inclusion(6, 11, leaf, proof, root)
    assert not merkle.verify_inclusion(6, 11, merkle.leaf_hash(d[5]), proof, root)
    assert not merkle.verify_inclusion(5, 11, leaf, proof, root)
    assert not merkle.verify_inclusion(6, 7, leaf, proof, root)
    assert not merkle.verify_inclusion(6, 11, leaf, proof, merkle.root_of(d[:10]))
    assert not merkle.verify_inclusion(6, 11, leaf, proof[:-1], root)
    assert not merkle.verify_inclusion(11, 11, leaf, proof, root)


def test_a_consistency_proof_fails_when_the_old_tree_was_rewritten():
    d = entries(20)
    tree = merkle.Tree(d)
    proof = tree.consistency_proof(7, 20)
    rewritten = [*d[:3], sha(b"forged"), *d[4:7]]
    assert not merkle.verify_consistency(7, 20, mth(rewritten), mth(d), proof)
    assert not merkle.verify_consistency(7, 20, mth(d[:7]), mth([*rewritten, *d[7:]]), proof)
    assert not merkle.verify_consistency(7, 20, mth(d[:7]), mth(d), proof[:-1])
    assert not merkle.verify_consistency(8, 20, mth(d[:8]), mth(d), proof)


@given(
    st.lists(st.binary(min_size=1, max_size=8), min_size=1, max_size=60),
    st.data(),
)
def test_any_tree_any_leaf_proves_and_a_changed_leaf_does_not(leaves, data):
    n = len(leaves)
    tree = merkle.Tree(leaves)
    root = tree.root()
    assert root == mth(leaves)
    m = data.draw(st.integers(0, n - 1))
    proof = tree.inclusion_proof(m)
    assert merkle.verify_inclusion(m, n, merkle.leaf_hash(leaves[m]), proof, root)
    assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(leaves[m] + b"!"), proof, root)
    old = data.draw(st.integers(1, n))
    consistency = tree.consistency_proof(old)
    assert merkle.verify_consistency(old, n, mth(leaves[:old]), root, consistency)
    changed = list(leaves)
    changed[old - 1] += b"!"
    assert not merkle.verify_consistency(old, n, mth(changed[:old]), root, consistency)


def test_the_signed_statement_is_compact_sorted_json_of_its_fields_only():
    fields = {
        "log": "lianzheng",
        "format": 1,
        "tree_size": 3,
        "head_hash": "ab",
        "root": "cd",
        "made_at": "2026-01-01T00:00:00+00:00",
        "key_id": "0123456789abcdef",
        "signature": "not signed",
    }
    assert merkle.statement(fields) == (
        b'{"format":1,"head_hash":"ab","key_id":"0123456789abcdef","log":"lianzheng",'
        b'"made_at":"2026-01-01T00:00:00+00:00","root":"cd","tree_size":3}'
    )
