"""``anju ledger …`` through click's runner: roots, proofs that round-trip, tampering, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from anju.cli import main
from anju.ledger import Ed25519Signer, TreeHead, merkle
from anju.ledger.heads import sign

from .test_ledger_merkle import LEAVES, ROOTS

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(main, ["ledger", *args])
    return r.exit_code, r.output


@pytest.fixture
def leaves(tmp_path: Path) -> Path:
    p = tmp_path / "leaves.txt"
    p.write_text("\n".join(d.hex() for d in LEAVES) + "\n", encoding="utf-8")  # first line is the empty leaf
    return p


def test_root_of_the_reference_leaves(leaves: Path, tmp_path: Path):
    code, out = run("root", "--algorithm", "sha256", "--leaves", str(leaves))
    assert (code, out.strip()) == (0, ROOTS[7])
    no_newline = tmp_path / "n.txt"
    no_newline.write_text("\n".join(d.hex() for d in LEAVES[:3]), encoding="utf-8")
    assert run("root", "--leaves", str(no_newline))[1].strip() == ROOTS[2]
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert run("root", "--leaves", str(empty))[1].strip() == merkle.empty_root().hex()
    one_empty_leaf = tmp_path / "one.txt"
    one_empty_leaf.write_text("\n", encoding="utf-8")
    assert run("root", "--leaves", str(one_empty_leaf))[1].strip() == ROOTS[0]


def test_sm3_root(leaves: Path):
    hashes = [merkle.leaf_hash(d, "sm3") for d in LEAVES]
    code, out = run("root", "--algorithm", "sm3", "--leaves", str(leaves))
    assert (code, out.strip()) == (0, merkle.root(hashes, "sm3").hex())
    assert out.strip() != ROOTS[7]


def test_malformed_leaf_file_names_the_option_and_line(tmp_path: Path):
    bad = tmp_path / "bad.txt"
    bad.write_text("00\nxyz\n", encoding="utf-8")
    code, out = run("root", "--leaves", str(bad))
    assert code == 2
    assert "--leaves" in out
    assert "第 2 行" in out


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_inclusion_proof_round_trips_and_tampering_is_caught(leaves: Path, algorithm: str):
    code, out = run("prove-inclusion", "--algorithm", algorithm, "--leaves", str(leaves), "--index", "5", "--size", "8")
    assert code == 0
    p = json.loads(out)
    assert (p["index"], p["size"], len(p["proof"])) == (5, 8, 3)
    if algorithm == "sha256":
        assert p["root"] == ROOTS[7]
        assert p["proof"][0] == "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
    args = ["verify-inclusion", "--algorithm", algorithm, "--leaf-hash", p["leaf_hash"], "--index", "5",
            "--size", "8", "--root", p["root"]]  # fmt: skip
    code, out = run(*args, "--proof", ",".join(p["proof"]))
    assert code == 0, out
    assert "有效" in out
    tampered = list(p["proof"])
    tampered[1] = ("0" if tampered[1][0] != "0" else "1") + tampered[1][1:]
    code, out = run(*args, "--proof", ",".join(tampered))
    assert code == 1
    assert "无效" in out and "根哈希" in out
    code, out = run(*args, "--proof", ",".join(p["proof"][:2]))
    assert code == 1
    assert "过短" in out


@pytest.mark.parametrize("algorithm", ["sha256", "sm3"])
def test_consistency_proof_round_trips_and_tampering_is_caught(leaves: Path, algorithm: str):
    code, out = run("prove-consistency", "--algorithm", algorithm, "--leaves", str(leaves), "--old-size", "6",
                    "--size", "8")  # fmt: skip
    assert code == 0
    p = json.loads(out)
    assert (p["old_size"], p["size"]) == (6, 8)
    if algorithm == "sha256":
        assert (p["old_root"], p["root"]) == (ROOTS[5], ROOTS[7])
    args = ["verify-consistency", "--algorithm", algorithm, "--old-size", "6", "--size", "8",
            "--old-root", p["old_root"], "--root", p["root"]]  # fmt: skip
    code, out = run(*args, "--proof", ",".join(p["proof"]))
    assert code == 0, out
    code, out = run(*args, "--proof", ",".join(reversed(p["proof"])))
    assert code == 1
    assert "无效" in out


def test_empty_proof_is_a_valid_empty_proof():
    code, out = run("verify-inclusion", "--leaf-hash", ROOTS[0], "--index", "0", "--size", "1", "--root", ROOTS[0],
                    "--proof", "")  # fmt: skip
    assert code == 0, out
    code, out = run("verify-consistency", "--old-size", "4", "--size", "4", "--old-root", ROOTS[3], "--root", ROOTS[3],
                    "--proof", "")  # fmt: skip
    assert code == 0, out
    code, out = run("verify-consistency", "--old-size", "3", "--size", "4", "--old-root", ROOTS[2], "--root", ROOTS[3],
                    "--proof", "")  # fmt: skip
    assert code == 1
    assert "证明为空" in out


@pytest.mark.parametrize(
    ("option", "value"),
    [("--leaf-hash", "zz"), ("--root", "abcd"), ("--proof", "00,gg")],
)
def test_malformed_hex_exits_2_naming_the_option(option: str, value: str):
    args = {"--leaf-hash": ROOTS[0], "--root": ROOTS[0], "--proof": ""}
    args[option] = value
    flat = [x for k, v in args.items() for x in (k, v)]
    code, out = run("verify-inclusion", "--index", "0", "--size", "1", *flat)
    assert code == 2
    assert option in out


def test_out_of_range_proof_requests_are_usage_errors(leaves: Path):
    code, out = run("prove-inclusion", "--leaves", str(leaves), "--index", "8", "--size", "8")
    assert code == 2 and "--index" in out
    code, out = run("prove-inclusion", "--leaves", str(leaves), "--index", "0", "--size", "9")
    assert code == 2 and "--size" in out
    code, out = run("prove-consistency", "--leaves", str(leaves), "--old-size", "5", "--size", "4")
    assert code == 2 and "--old-size" in out


def test_keygen_and_verify_head(tmp_path: Path):
    from datetime import UTC, datetime

    r = runner.invoke(main, ["ledger", "keygen"])
    assert r.exit_code == 0
    keys = json.loads(r.stdout)
    assert "ANJU_LEDGER_SIGNING_KEY" in r.stderr
    signer = Ed25519Signer.from_seed_hex(keys["signing_key"])
    assert signer.public_key_hex == keys["public_key"]
    head = TreeHead("credit", "sha256", 8, ROOTS[7], datetime(2026, 6, 30, 8, 0, tzinfo=UTC))
    f = tmp_path / "head.json"
    f.write_text(json.dumps(sign(head, signer).as_dict()), encoding="utf-8")
    code, out = run("verify-head", "--head", str(f), "--public-key", keys["public_key"])
    assert code == 0, out
    forged = sign(head, signer).as_dict() | {"size": 9}
    f.write_text(json.dumps(forged), encoding="utf-8")
    code, out = run("verify-head", "--head", str(f), "--public-key", keys["public_key"])
    assert code == 1
    assert "签名无效" in out
    other = Ed25519Signer.generate()[1]
    f.write_text(json.dumps(sign(head, signer).as_dict()), encoding="utf-8")
    assert run("verify-head", "--head", str(f), "--public-key", other.public_key_hex)[0] == 1
    assert run("verify-head", "--head", str(f), "--public-key", "nothex")[0] == 2
