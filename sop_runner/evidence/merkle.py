"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs.

Leaves are hashed as ``SHA-256(0x00 || data)``, interior nodes as ``SHA-256(0x01 || left ||
right)``, and the tree over ``n`` leaves splits at the largest power of two smaller than ``n``
(RFC 9162 §2.1.1). The empty tree's hash is ``SHA-256("")``.

:class:`CompactRange` keeps only the roots of the perfect subtrees that make up a tree of size
``n`` (at most log2(n) hashes), so appending a leaf and computing the root are cheap and a
store of a million records is hashed in one pass without holding its leaves.

The proof functions take *leaf hashes* (already ``0x00``-prefixed and hashed); the verifiers
follow the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()


class ProofError(Exception):
    """A proof that does not prove what it claims (one line saying why)."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 6962 hash of one leaf: ``SHA-256(0x00 || data)``."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 6962 hash of an interior node: ``SHA-256(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The roots of the perfect subtrees covering leaves ``[0, size)``, largest first.

    ``append`` is amortised O(1) hashes; ``root`` is O(log size).
    """

    __slots__ = ("size", "_stack")

    def __init__(self, size: int = 0, stack: Sequence[bytes] = ()) -> None:
        if len(stack) != bin(size).count("1"):
            raise ValueError(f"a compact range of size {size} has {bin(size).count('1')} hashes")
        self.size = size
        self._stack = list(stack)

    @property
    def hashes(self) -> list[bytes]:
        """The subtree roots, largest subtree first."""
        return list(self._stack)

    def append(self, lhash: bytes) -> None:
        """Add one leaf hash at index ``size``."""
        stack = self._stack
        stack.append(lhash)
        n = self.size
        while n & 1:
            right = stack.pop()
            stack[-1] = _sha256(b"\x01" + stack[-1] + right).digest()
            n >>= 1
        self.size += 1

    def extend(self, lhashes: Iterable[bytes]) -> None:
        """Add leaf hashes in order."""
        stack = self._stack
        n = self.size
        sha = _sha256
        for h in lhashes:
            stack.append(h)
            m = n
            while m & 1:
                right = stack.pop()
                stack[-1] = sha(b"\x01" + stack[-1] + right).digest()
                m >>= 1
            n += 1
        self.size = n

    def root(self) -> bytes:
        """Return the Merkle tree hash of the leaves so far (the empty hash for none)."""
        if not self._stack:
            return EMPTY_ROOT
        acc = self._stack[-1]
        for h in reversed(self._stack[:-1]):
            acc = node_hash(h, acc)
        return acc


def root_of(lhashes: Iterable[bytes]) -> bytes:
    """Return the Merkle tree hash (MTH) over these leaf hashes."""
    rng = CompactRange()
    rng.extend(lhashes)
    return rng.root()


def _mth(lhashes: Sequence[bytes], lo: int, hi: int) -> bytes:
    if hi - lo == 1:
        return lhashes[lo]
    rng = CompactRange()
    rng.extend(lhashes[lo:hi])
    return rng.root()


def inclusion_proof(index: int, lhashes: Sequence[bytes]) -> list[bytes]:
    """Return the audit path PATH(index, D[n]) of RFC 6962 §2.1.1 for the tree over ``lhashes``.

    Raise :class:`ValueError` when ``index`` is not a leaf of the tree.
    """
    n = len(lhashes)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is outside a tree of size {n}")
    path: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(_mth(lhashes, lo + k, hi))
            hi = lo + k
        else:
            path.append(_mth(lhashes, lo, lo + k))
            lo = lo + k
    path.reverse()
    return path


def consistency_proof(old_size: int, lhashes: Sequence[bytes]) -> list[bytes]:
    """Return PROOF(old_size, D[n]) of RFC 6962 §2.1.2 for the tree over ``lhashes``.

    Raise :class:`ValueError` unless ``0 <= old_size <= n``. Sizes 0 and n give an empty proof.
    """
    n = len(lhashes)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is outside 0..{n}")
    if old_size in (0, n):
        return []
    out: list[bytes] = []
    m, lo, hi, whole = old_size, 0, n, True
    while True:
        if m == hi - lo:
            if not whole:
                out.append(_mth(lhashes, lo, hi))
            break
        k = _split(hi - lo)
        if m <= k:
            out.append(_mth(lhashes, lo + k, hi))
            hi = lo + k
        else:
            out.append(_mth(lhashes, lo, lo + k))
            m -= k
            lo += k
            whole = False
    out.reverse()
    return out


def root_from_inclusion(index: int, size: int, lhash: bytes, path: Sequence[bytes]) -> bytes:
    """Return the root that ``path`` leads to from leaf ``index`` of a tree of ``size``.

    Follows RFC 9162 §2.1.3.2; raise :class:`ProofError` when the path has the wrong length.
    """
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn, r = index, size - 1, lhash
    for p in path:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
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
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(index: int, size: int, lhash: bytes, path: Sequence[bytes], root: bytes) -> None:
    """Check that leaf hash ``lhash`` is leaf ``index`` of the tree of ``size`` with ``root``.

    Raise :class:`ProofError` when it is not.
    """
    if root_from_inclusion(index, size, lhash, path) != root:
        raise ProofError(f"leaf {index} is not in the tree of size {size} with that root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, path: Sequence[bytes]
) -> None:
    """Check that the tree (new_size, new_root) only appends to (old_size, old_root).

    Follows RFC 9162 §2.1.4.2; raise :class:`ProofError` when it does not.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"the new tree (size {new_size}) is smaller than the old one (size {old_size})")
    if old_size == new_size:
        if path:
            raise ProofError("a proof between trees of equal size must be empty")
        if old_root != new_root:
            raise ProofError(f"two different roots for the same tree size {old_size}")
        return
    if old_size == 0:
        if path:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not path:
        raise ProofError("the consistency proof is empty")
    proof = list(path)
    if old_size & (old_size - 1) == 0:
        proof.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
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
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"the old tree (size {old_size}) is not a prefix of the new one: its root differs")
    if sr != new_root:
        raise ProofError(f"the proof does not lead to the new root (size {new_size})")
