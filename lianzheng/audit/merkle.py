"""A Merkle tree over the hash chain, as RFC 9162 (Certificate Transparency 2.0) defines it, and
what a checkpoint signs.

The tree's leaves are the chain's entries in sequence order: leaf ``i`` is the raw 32 bytes of
the ``chain_hash`` of the row numbered ``i + 1``. Hashing follows §2.1.1 (SHA-256, 0x00 before a
leaf, 0x01 before two children); inclusion proofs §2.1.3 and consistency proofs §2.1.4, both
made and verified here. A signed root pins every row up to the tree's size: rows rewritten and
their hashes recomputed give other leaves, hence another root.

Pure Python, no Django: the offline verifier (``offline_verify``) carries this file inside a
case's evidence package, so it must stay importable with the standard library alone.
"""

from __future__ import annotations

import hashlib
import json

LEAF = b"\x00"
NODE = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(LEAF + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1), where §2.1.1 splits a tree."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(entries) -> bytes:
    """MTH(D[n]) of §2.1.1 over the entries (raw bytes), by the frontier: linear time."""
    frontier = Frontier()
    for entry in entries:
        frontier.append(entry)
    return frontier.root()


class Frontier:
    """The compact range of a tree: the roots of its perfect subtrees, largest first (one per
    set bit of its size). Enough to append leaves and compute the root without the leaves
    before, which is how a checkpoint extends the one before it in time proportional to the
    rows added since."""

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes=()):
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != bin(size).count("1"):
            raise ValueError("a frontier holds one hash per set bit of its tree's size")

    def append(self, entry: bytes) -> None:
        self.append_leaf(hashlib.sha256(LEAF + entry).digest())

    def append_leaf(self, h: bytes) -> None:
        size, hashes = self.size, self.hashes
        while size & 1:
            h = hashlib.sha256(NODE + hashes.pop() + h).digest()
            size >>= 1
        hashes.append(h)
        self.size += 1

    def extend(self, entries) -> None:
        sha, leaf, node = hashlib.sha256, LEAF, NODE
        hashes, size = self.hashes, self.size
        for entry in entries:
            h = sha(leaf + entry).digest()
            s = size
            while s & 1:
                h = sha(node + hashes.pop() + h).digest()
                s >>= 1
            hashes.append(h)
            size += 1
        self.size = size

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        h = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            h = node_hash(left, h)
        return h

    def copy(self) -> Frontier:
        return Frontier(self.size, self.hashes)

    def as_hex(self) -> list[str]:
        return [h.hex() for h in self.hashes]

    @classmethod
    def from_hex(cls, size: int, hashes) -> Frontier:
        return cls(size, [bytes.fromhex(h) for h in hashes])


class Tree:
    """A tree over entries held in memory (``entries[i]``: raw bytes of leaf i), for making
    proofs. Subtree hashes of 256 leaves and more are kept once computed, so many proofs in one
    tree cost little more than the first."""

    CACHE_FROM = 256

    def __init__(self, entries):
        self.entries = entries
        self.size = len(entries)
        self._cache: dict[tuple[int, int], bytes] = {}

    def subtree(self, start: int, size: int) -> bytes:
        """MTH(D[start:start+size])."""
        if size == 1:
            return leaf_hash(self.entries[start])
        if size == 0:
            return EMPTY_ROOT
        key = (start, size)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if size < self.CACHE_FROM:
            return root_of(self.entries[start : start + size])
        k = _split(size)
        h = node_hash(self.subtree(start, k), self.subtree(start + k, size - k))
        self._cache[key] = h
        return h

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(m, D[n]) of §2.1.3.1 for leaf ``index`` in the tree of the first ``size``."""
        n = self.size if size is None else size
        if not 0 <= index < n <= self.size:
            raise ValueError("leaf index outside the tree")
        path: list[bytes] = []
        start = 0
        while n > 1:
            k = _split(n)
            if index < k:
                path.append(self.subtree(start + k, n - k))
                n = k
            else:
                path.append(self.subtree(start, k))
                start, index, n = start + k, index - k, n - k
        path.reverse()
        return path

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        """PROOF(m, D[n]) of §2.1.4.1: the tree of the first ``old`` entries is a prefix of
        the tree of the first ``new``."""
        n = self.size if new is None else new
        if not 0 < old <= n <= self.size:
            raise ValueError("sizes outside the tree")
        return self._subproof(old, 0, n, True)

    def _subproof(self, m: int, start: int, n: int, whole: bool) -> list[bytes]:
        if m == n:
            return [] if whole else [self.subtree(start, n)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, start, k, whole), self.subtree(start + k, n - k)]
        return [*self._subproof(m - k, start + k, n - k, False), self.subtree(start, k)]


def verify_inclusion(index: int, size: int, leaf: bytes, proof, root: bytes) -> bool:
    """§2.1.3.2: does ``proof`` show the leaf hash ``leaf`` at ``index`` in the tree of
    ``size`` with ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof) -> bool:
    """§2.1.4.2: does ``proof`` show the tree of ``old`` with ``old_root`` to be a prefix of
    the tree of ``new`` with ``new_root``?"""
    proof = list(proof)
    if not 0 < old <= new:
        return False
    if old == new:
        return not proof and old_root == new_root
    if old & (old - 1) == 0:  # a power of two: the old root is the first node of the path
        proof = [old_root, *proof]
    if not proof:
        return False
    fn, sn = old - 1, new - 1
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
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# -- what a checkpoint signs --------------------------------------------------------------------

STATEMENT_FIELDS = ("log", "tree_size", "head_hash", "root", "made_at", "key_id", "format")


def statement(fields: dict) -> bytes:
    """The exact bytes a checkpoint's Ed25519 signature covers: its fields as compact JSON with
    sorted keys. Anyone can rebuild them from the exported JSON."""
    body = {name: fields[name] for name in STATEMENT_FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def key_id(public_key: bytes) -> str:
    """A public key's short name: the first 16 hex digits of the SHA-256 of its raw 32 bytes."""
    return hashlib.sha256(public_key).hexdigest()[:16]
