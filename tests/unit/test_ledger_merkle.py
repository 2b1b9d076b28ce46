"""Merkle trees of RFC 6962 / RFC 9162: known answers, properties, tampering, the stand-alone verifier."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.ledger import merkle
from anju.ledger import verify as standalone

# The RFC 6962 reference data used by certificate-transparency, trillian and transparency-dev/merkle
# (testonly/constants.go): eight leaves, the roots of their first 1..8, and proofs among them.
LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 2): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"],
    (1, 2): ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    (1, 5): [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}
HASHES = [merkle.leaf_hash(d) for d in LEAVES]


def test_hashing_rules_match_rfc6962_vectors():
    assert merkle.empty_root().hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.leaf_hash(b"").hex() == ROOTS[0] == hashlib.sha256(b"\x00").hexdigest()
    assert merkle.leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert (
        merkle.node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_sm3_is_the_national_standard_hash():
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert merkle.leaf_hash(b"abc", "sm3") == hashlib.new("sm3", b"\x00abc").digest()
    assert merkle.root([], "sm3") == hashlib.new("sm3", b"").digest()


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_of_the_reference_leaves(size):
    assert merkle.root(HASHES[:size]).hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_inclusion_proofs_of_the_reference_leaves(index, size):
    proof = merkle.inclusion_proof(HASHES, index, size)
    assert [h.hex() for h in proof] == INCLUSION[index, size]
    assert merkle.verify_inclusion(HASHES[index], index, size, proof, bytes.fromhex(ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "size"), sorted(CONSISTENCY))
def test_consistency_proofs_of_the_reference_leaves(old, size):
    proof = merkle.consistency_proof(HASHES, old, size)
    assert [h.hex() for h in proof] == CONSISTENCY[old, size]
    assert merkle.verify_consistency(old, size, bytes.fromhex(ROOTS[old - 1]), bytes.fromhex(ROOTS[size - 1]), proof)


def test_every_proof_among_the_reference_leaves_verifies_and_only_for_its_own_position():
    for size in range(1, 9):
        root = merkle.root(HASHES[:size])
        for i in range(size):
            proof = merkle.inclusion_proof(HASHES, i, size)
            assert merkle.verify_inclusion(HASHES[i], i, size, proof, root)
            for j in range(size):
                if j != i:
                    assert not merkle.verify_inclusion(HASHES[i], j, size, proof, root)
        for old in range(0, size + 1):
            proof = merkle.consistency_proof(HASHES, old, size)
            assert merkle.verify_consistency(old, size, merkle.root(HASHES[:old]), root, proof)


def test_single_leaf_and_empty_edge_cases():
    h = merkle.leaf_hash(b"data")
    assert merkle.verify_inclusion(h, 0, 1, [], h)
    assert not merkle.verify_inclusion(h, 0, 1, [], b"")  # wrong hash size
    assert not merkle.verify_inclusion(b"", 0, 1, [], h)
    for index, size in [(0, 0), (1, 0), (2, 1), (1, 1)]:
        assert not merkle.verify_inclusion(h, index, size, [], merkle.empty_root())
    empty = merkle.empty_root()
    assert merkle.verify_consistency(0, 0, empty, empty, [])
    assert merkle.verify_consistency(0, 5, empty, merkle.root(HASHES[:5]), [])
    assert not merkle.verify_consistency(0, 5, empty, merkle.root(HASHES[:5]), [HASHES[0]])
    assert not merkle.verify_consistency(3, 3, merkle.root(HASHES[:3]), merkle.root(HASHES[:4]), [])
    assert not merkle.verify_consistency(5, 3, merkle.root(HASHES[:5]), merkle.root(HASHES[:3]), [])
    # RFC 9162 §2.1.4.2 step 1: an empty proof between different sizes fails
    assert not merkle.verify_consistency(3, 5, merkle.root(HASHES[:3]), merkle.root(HASHES[:5]), [])


def test_malformed_proofs_are_invalid_not_errors():
    root = merkle.root(HASHES)
    proof = merkle.inclusion_proof(HASHES, 3, 8)
    assert not merkle.verify_inclusion(HASHES[3], 3, 8, [*proof[:-1], proof[-1][:31]], root)
    assert not merkle.verify_inclusion(HASHES[3], 3, 8, [*proof, b""], root)
    assert not merkle.verify_inclusion(HASHES[3], 3, 8, proof, root, "md5")
    assert not merkle.verify_inclusion(HASHES[3], -1, 8, proof, root)
    assert not merkle.verify_inclusion(HASHES[3], 3, 8, [None], root)  # type: ignore[list-item]
    assert not merkle.verify_consistency(2, 8, merkle.root(HASHES[:2]), root, ["zz"])  # type: ignore[list-item]


def test_proof_planning_matches_the_rfc_recursion():
    """The stored-subtree plan gives the same hashes as PATH and PROOF, for every position up to 40."""
    hashes = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(40)]

    def range_hash(lo: int, hi: int) -> bytes:
        return merkle.fold([merkle.root(hashes[i << lvl : (i + 1) << lvl]) for lvl, i in merkle.subtrees(lo, hi)])

    for size in range(1, 41):
        for i in range(size):
            planned = [range_hash(lo, hi) for lo, hi in merkle.inclusion_ranges(i, size)]
            assert planned == merkle.inclusion_proof(hashes, i, size)
        for old in range(size + 1):
            planned = [range_hash(lo, hi) for lo, hi in merkle.consistency_ranges(old, size)]
            assert planned == merkle.consistency_proof(hashes, old, size)


def test_extending_the_frontier_stores_every_complete_subtree_once():
    hashes = [merkle.leaf_hash(bytes([i])) for i in range(37)]
    frontier: list[bytes] = []
    nodes: dict[tuple[int, int], bytes] = {}
    size = 0
    for chunk in (1, 2, 5, 8, 3, 18):
        frontier, new = merkle.extend(frontier, size, hashes[size : size + chunk])
        for level, index, h in new:
            assert (level, index) not in nodes
            nodes[level, index] = h
        size += chunk
        assert merkle.fold(frontier) == merkle.root(hashes[:size])
    assert size == 37
    assert len(nodes) == 37 - bin(37).count("1")
    for (level, index), h in nodes.items():
        assert h == merkle.root(hashes[index << level : (index + 1) << level])


# ---- properties, on both algorithms --------------------------------------------------------

ALGS = st.sampled_from(["sha256", "sm3"])


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[str, list[bytes], int, int]:
    alg = draw(ALGS)
    size = draw(st.integers(1, 70))
    index = draw(st.integers(0, size - 1))
    extra = draw(st.integers(0, 5))
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big"), alg) for i in range(size + extra)]
    return alg, hashes, index, size


def _tamperings(proof: list[bytes], other: bytes) -> list[list[bytes]]:
    out = []
    for i in range(len(proof)):
        for bit in (0, 7):
            p = list(proof)
            p[i] = bytes([p[i][0] ^ (1 << bit)]) + p[i][1:]
            out.append(p)
    if proof:
        out.append(proof[:-1])
        out.append(proof[1:])
        out.append([*proof[:1], other, *proof[1:]])
    out.append([*proof, other])
    out.append([other, *proof])
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree_and_index())
def test_inclusion_proofs_verify_and_any_change_breaks_them(case):
    alg, hashes, index, size = case
    root = merkle.root(hashes[:size], alg)
    proof = merkle.inclusion_proof(hashes, index, size, alg)
    leaf = hashes[index]
    assert merkle.verify_inclusion(leaf, index, size, proof, root, alg)
    other = merkle.leaf_hash(b"other", alg)
    for bad in _tamperings(proof, other):
        assert not merkle.verify_inclusion(leaf, index, size, bad, root, alg)
    assert not merkle.verify_inclusion(other, index, size, proof, root, alg)
    assert not merkle.verify_inclusion(leaf, index, size, proof, other, alg)
    for wrong in {index - 1, index + 1, index ^ 2, size} - {index}:
        assert not merkle.verify_inclusion(leaf, wrong, size, proof, root, alg)
    # Not size + 1: a path does not always pin the size (leaf 0 of 3 and of 4 hash alike); the signed
    # tree head binds size and root together.
    for wrong_size in {size * 2, size // 2} - {size}:
        assert not merkle.verify_inclusion(leaf, index, wrong_size, proof, root, alg)
    flip = "sm3" if alg == "sha256" else "sha256"
    if size > 1:
        assert not merkle.verify_inclusion(leaf, index, size, proof, root, flip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ALGS, st.integers(1, 70), st.data())
def test_consistency_proofs_verify_and_any_change_breaks_them(alg, size, data):
    old = data.draw(st.integers(1, size))
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big"), alg) for i in range(size)]
    old_root, root = merkle.root(hashes[:old], alg), merkle.root(hashes, alg)
    proof = merkle.consistency_proof(hashes, old, size, alg)
    assert merkle.verify_consistency(old, size, old_root, root, proof, alg)
    other = merkle.leaf_hash(b"other", alg)
    for bad in _tamperings(proof, other):
        assert not merkle.verify_consistency(old, size, old_root, root, bad, alg)
    assert not merkle.verify_consistency(old, size, other, root, proof, alg)
    assert not merkle.verify_consistency(old, size, old_root, other, proof, alg)
    for wrong_old in {old - 1, old + 1} - {0, old}:
        if wrong_old <= size:
            assert not merkle.verify_consistency(wrong_old, size, old_root, root, proof, alg)
    for wrong_size in {size // 2, size * 2} - {size}:
        if wrong_size >= old:
            assert not merkle.verify_consistency(old, wrong_size, old_root, root, proof, alg)


# ---- the stand-alone verifier --------------------------------------------------------------


def test_standalone_verifier_imports_nothing_from_anju(tmp_path: Path):
    """A copy of verify.py, run in isolated mode from an empty folder, verifies real proofs."""
    copy = tmp_path / "verify.py"
    shutil.copyfile(standalone.__file__, copy)
    source = copy.read_text(encoding="utf-8")
    imported = [ln.split()[1].split(".")[0] for ln in source.splitlines() if ln.startswith(("import ", "from "))]
    assert "anju" not in imported
    proof = merkle.inclusion_proof(HASHES, 5, 8)
    args = [
        sys.executable, "-I", str(copy), "inclusion", "--leaf-hash", HASHES[5].hex(), "--index", "5",
        "--size", "8", "--root", ROOTS[7], "--proof", ",".join(h.hex() for h in proof),
    ]  # fmt: skip
    ok = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "有效" in ok.stdout
    tampered = [*args[:-1], args[-1].replace("b", "c", 1)]
    bad = subprocess.run(tampered, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "无效" in bad.stdout
    cons = merkle.consistency_proof(HASHES, 6, 8)
    args = [
        sys.executable, "-I", str(copy), "consistency", "--old-size", "6", "--size", "8", "--old-root", ROOTS[5],
        "--root", ROOTS[7], "--proof", ",".join(h.hex() for h in cons),
    ]  # fmt: skip
    assert subprocess.run(args, cwd=tmp_path, capture_output=True, check=False).returncode == 0
    malformed = subprocess.run([*args[:-1], "xyz"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert malformed.returncode == 2
    assert "--proof" in malformed.stderr
