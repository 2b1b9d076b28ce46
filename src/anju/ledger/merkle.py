"""Merkle trees of RFC 6962 / RFC 9162 as pure functions: hashes, roots, proofs. No database.

- leaf hash ``H(0x00 ‖ data)``, node hash ``H(0x01 ‖ left ‖ right)`` (RFC 6962 §2.1);
- the tree hash MTH splits ``n`` leaves at ``k``, the largest power of two smaller than ``n``;
  MTH of the empty tree is ``H("")``;
- inclusion proofs are RFC 9162 §2.1.3.1 ``PATH``, consistency proofs §2.1.4.1 ``PROOF``/``SUBPROOF``,
  both listed bottom-up;
- verification is RFC 9162 §2.1.3.2 / §2.1.4.2, implemented once in the stand-alone
  :mod:`anju.ledger.verify` and re-exported here.

``H`` is SHA-256 (interoperable with Certificate Transparency tooling) or SM3 (GB/T 32905).

The second half of the module plans the same proofs over stored subtrees: every range a proof needs
is cut into complete, aligned subtrees ``(level, index)`` — at most two per level — so a database
answers a proof with O(log n) point look-ups (see :mod:`anju.ledger.services`).
"""

from __future__ import annotations

from collections.abc import Sequence

from anju.ledger.verify import (
    ALGORITHMS as _HASHES,
)
from anju.ledger.verify import (
    DIGEST_SIZE,
    check_consistency,
    check_inclusion,
    hasher,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

#: Names of the hash algorithms a log may use.
ALGORITHMS: tuple[str, ...] = tuple(_HASHES)

__all__ = [
    "ALGORITHMS",
    "DIGEST_SIZE",
    "check_consistency",
    "check_inclusion",
    "consistency_proof",
    "consistency_ranges",
    "empty_root",
    "extend",
    "fold",
    "hasher",
    "inclusion_proof",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "root",
    "split",
    "subtrees",
    "verify_consistency",
    "verify_inclusion",
]


def split(n: int) -> int:
    """The RFC's k: the largest power of two smaller than ``n`` (n ≥ 2)."""
    if n < 2:
        raise ValueError("split needs n ≥ 2")
    return 1 << ((n - 1).bit_length() - 1)


def empty_root(algorithm: str = "sha256") -> bytes:
    """MTH({}) = H(""), the hash of the empty string."""
    return hasher(algorithm)(b"")


def root(leaf_hashes: Sequence[bytes], algorithm: str = "sha256") -> bytes:
    """MTH of the leaves whose hashes are given.

    Computed level by level, an unpaired last node moving up unchanged: this builds exactly the
    RFC's tree (its left subtrees are the complete ones), in O(n) hashes without recursion.
    """
    if not leaf_hashes:
        return empty_root(algorithm)
    h = hasher(algorithm)
    level = list(leaf_hashes)
    while len(level) > 1:
        nxt = [h(b"\x01" + level[i] + level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def _check_size(leaf_hashes: Sequence[bytes], size: int) -> None:
    if size < 0 or size > len(leaf_hashes):
        raise ValueError(f"树的大小 {size} 超出叶子数 {len(leaf_hashes)}")


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int, size: int, algorithm: str = "sha256") -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(index, D[0:size]), bottom-up."""
    _check_size(leaf_hashes, size)
    if not 0 <= index < size:
        raise ValueError(f"叶子序号 {index} 必须小于树的大小 {size}")

    def path(m: int, d: Sequence[bytes]) -> list[bytes]:
        n = len(d)
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return [*path(m, d[:k]), root(d[k:], algorithm)]
        return [*path(m - k, d[k:]), root(d[:k], algorithm)]

    return path(index, leaf_hashes[:size])


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, size: int, algorithm: str = "sha256") -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(old_size, D[0:size]) = SUBPROOF(old_size, D[0:size], true), bottom-up.

    Empty when ``old_size`` is 0 or equal to ``size``.
    """
    _check_size(leaf_hashes, size)
    if not 0 <= old_size <= size:
        raise ValueError(f"旧树的大小 {old_size} 不能大于新树的大小 {size}")
    if old_size == 0:
        return []

    def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [root(d, algorithm)]
        k = split(n)
        if m <= k:
            return [*subproof(m, d[:k], b), root(d[k:], algorithm)]
        return [*subproof(m - k, d[k:], False), root(d[:k], algorithm)]

    return subproof(old_size, leaf_hashes[:size], True)


# ---------------------------------------------------------------------------------------------
# Proofs over stored subtrees


def subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` whose leaves are ``[lo, hi)``, left to right.

    A subtree at ``level`` with ``index`` covers leaves ``[index·2^level, (index+1)·2^level)``.
    Every range the RFC's recursion visits starts at a multiple of its largest power of two, so it
    is cut by the binary digits of its length, largest first; MTH of the range is then the
    right fold (:func:`fold`) of the pieces' hashes.
    """
    if lo >= hi:
        raise ValueError("empty range")
    out: list[tuple[int, int]] = []
    start, n = lo, hi - lo
    for level in range(n.bit_length() - 1, -1, -1):
        if n >> level & 1:
            if start % (1 << level):
                raise ValueError(f"range [{lo}, {hi}) is not aligned")
            out.append((level, start >> level))
            start += 1 << level
    return out


def fold(hashes: Sequence[bytes], algorithm: str = "sha256") -> bytes:
    """Hash of a range from its pieces' hashes (left to right): node(p1, node(p2, … node(pk-1, pk)))."""
    h = hasher(algorithm)
    acc = hashes[-1]
    for p in reversed(hashes[:-1]):
        acc = h(b"\x01" + p + acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges ``[lo, hi)`` whose tree hashes form PATH(index, D[0:size]), bottom-up."""
    if not 0 <= index < size:
        raise ValueError("index must be smaller than size")
    out: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split(hi - lo)
        if index < lo + k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
    out.reverse()
    return out


def consistency_ranges(old_size: int, size: int) -> list[tuple[int, int]]:
    """Leaf ranges ``[lo, hi)`` whose tree hashes form PROOF(old_size, D[0:size]), bottom-up."""
    if not 0 <= old_size <= size:
        raise ValueError("old_size must not exceed size")
    if old_size in (0, size):
        return []
    out: list[tuple[int, int]] = []
    lo, hi, m, b = 0, size, old_size, True
    while m != hi - lo:
        k = split(hi - lo)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo += k
            m -= k
            b = False
    if not b:
        out.append((lo, hi))
    out.reverse()
    return out


def extend(
    frontier: Sequence[bytes], size: int, new_leaf_hashes: Sequence[bytes], algorithm: str = "sha256"
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """Appends leaves to a tree known only by its right frontier.

    ``frontier`` holds the hashes of ``subtrees(0, size)`` (one per binary digit of ``size``, largest
    first). Returns the new frontier and every complete subtree of level ≥ 1 that the new leaves
    complete, as ``(level, index, hash)`` — what a store needs to answer any later proof.
    """
    levels = [lvl for lvl, _ in subtrees(0, size)] if size else []
    if len(levels) != len(frontier):
        raise ValueError("frontier does not match the tree size")
    h = hasher(algorithm)
    stack = list(zip(levels, frontier, strict=True))
    nodes: list[tuple[int, int, bytes]] = []
    n = size
    for leaf in new_leaf_hashes:
        level, acc = 0, leaf
        n += 1
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            acc = h(b"\x01" + left + acc)
            level += 1
            nodes.append((level, (n >> level) - 1, acc))
        stack.append((level, acc))
    return [x for _, x in stack], nodes
