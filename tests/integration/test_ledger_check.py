"""``anju ledger check``: a stored log is checked from its data up, and every kind of tampering is found.

Each test rewrites one row the way someone with database rights could (a leaf's data, a leaf hash, a
stored subtree, a recorded head) and asserts that the check names it; ``anju audit verify`` relies on
the same check, so an anchor rewritten to match changed audit rows is caught too.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, and_, select, text, update

from anju import ledger
from anju.app import create_app
from anju.cli import main
from anju.ledger import merkle
from anju.ledger.tables import heads, leaves, logs, nodes

from .test_ledger_store import SEED, entries
from .test_security_cli import env

PUBLIC_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
OTHER_KEY = ledger.Ed25519Signer.generate()[1].public_key_hex


def fill(engine: Engine) -> Engine:
    """The log ``fines``: 37 entries appended in uneven batches, heads signed at 10, 23 and 37."""
    signer = ledger.signer_from_seed(SEED)
    with engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(10))
        ledger.current_signed_head(c, "fines", signer)
        ledger.append(c, "fines", entries(6, 10))
        ledger.append(c, "fines", entries(7, 16))
        ledger.current_signed_head(c, "fines", signer)
        ledger.append(c, "fines", entries(14, 23))
        ledger.current_signed_head(c, "fines", signer)
    return engine


@pytest.fixture
def signed(empty_engine: Engine) -> Engine:
    return fill(empty_engine)


def check(engine: Engine, key: str | None = PUBLIC_KEY, batch: int = 8) -> ledger.LogCheck:
    with engine.connect() as c:
        return ledger.check_log(c, "fines", key, batch=batch)


def log_id(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(logs.c.id).where(logs.c.name == "fines")).scalar_one())


def kinds(report: ledger.LogCheck) -> set[tuple[str, str]]:
    return {(p.kind, p.where) for p in report.problems}


@pytest.mark.parametrize("batch", [1, 3, 8, 5000])
def test_an_intact_log_passes_in_any_batch_size(signed: Engine, batch: int):
    seen: list[int] = []
    with signed.connect() as c:
        report = ledger.check_log(c, "fines", PUBLIC_KEY, batch=batch, on_leaf=lambda i, _: seen.append(i))
    assert report.ok, report.problems
    assert seen == list(range(37))
    assert (report.leaves_checked, report.heads_checked, report.signatures_checked) == (37, 3, 3)
    assert report.nodes_checked == 37 - bin(37).count("1")  # every complete subtree of level ≥ 1
    assert report.latest_head_size == 37


def test_a_rewritten_entry_is_found(signed: Engine):
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(update(leaves).where(and_(leaves.c.log_id == lid, leaves.c.leaf_index == 12)).values(data=b"forged"))
    report = check(signed)
    assert not report.ok and ("leaf", "12") in kinds(report)
    # the tree recomputed from the data no longer matches the stored subtrees above leaf 12, nor the heads
    assert ("node", "1/6") in kinds(report) and ("head", "23") in kinds(report)


def test_a_rewritten_leaf_hash_is_found(signed: Engine):
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(
            update(leaves)
            .where(and_(leaves.c.log_id == lid, leaves.c.leaf_index == 30))
            .values(leaf_hash=merkle.leaf_hash(b"forged"))
        )
    report = check(signed)
    assert kinds(report) == {("leaf", "30")}  # data, nodes and heads still agree: only the leaf hash lies


def test_a_leaf_rewritten_with_its_hash_is_found_by_the_stored_subtrees(signed: Engine):
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(
            update(leaves)
            .where(and_(leaves.c.log_id == lid, leaves.c.leaf_index == 3))
            .values(data=b"forged", leaf_hash=merkle.leaf_hash(b"forged"))
        )
    report = check(signed)
    assert ("node", "1/1") in kinds(report) and ("head", "10") in kinds(report)
    assert not any(k == "leaf" for k, _ in kinds(report))


def test_a_rewritten_subtree_is_found(signed: Engine):
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(
            update(nodes)
            .where(and_(nodes.c.log_id == lid, nodes.c.level == 2, nodes.c.node_index == 5))
            .values(hash=b"\x00" * 32)
        )
    assert kinds(check(signed)) == {("node", "2/5")}


def test_a_missing_subtree_is_found(signed: Engine):
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(nodes.delete().where(and_(nodes.c.log_id == lid, nodes.c.level == 3, nodes.c.node_index == 0)))
    assert kinds(check(signed)) == {("node", "3/0")}


def test_a_rewritten_latest_head_fails_its_signature(signed: Engine):
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(update(heads).where(and_(heads.c.log_id == lid, heads.c.tree_size == 37)).values(tree_size=23))
    report = check(signed)
    # now a head of size 23 whose root is that of 37: wrong root, and the signature no longer matches
    assert ("signature", "23") in kinds(report) and ("head", "23") in kinds(report)


def test_an_earlier_head_with_another_root_is_found(signed: Engine):
    lid = log_id(signed)
    with signed.connect() as c:
        root_37 = c.execute(select(heads.c.root).where(heads.c.log_id == lid, heads.c.tree_size == 37)).scalar_one()
    with signed.begin() as c:
        c.execute(update(heads).where(and_(heads.c.log_id == lid, heads.c.tree_size == 10)).values(root=root_37))
    report = check(signed)
    assert ("head", "10") in kinds(report) and ("signature", "10") in kinds(report)


def test_heads_are_checked_with_the_trusted_key_only(signed: Engine):
    report = check(signed, OTHER_KEY)
    assert kinds(report) == {("signature", "37")}  # the latest head is not signed with the trusted key
    assert kinds(check(signed, None)) == {("signature", "37")}  # no key: the signature cannot be checked


def test_a_log_without_any_head_is_not_taken_on_trust(empty_engine: Engine):
    with empty_engine.begin() as c:
        ledger.create_log(c, "fines")
        ledger.append(c, "fines", entries(5))
    assert kinds(check(empty_engine)) == {("head", "-")}


def test_the_server_refuses_to_serve_a_rewritten_entry(city_engine: Engine, settings_for):
    from tests.accounts import api_token

    signed = fill(city_engine)
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(update(leaves).where(and_(leaves.c.log_id == lid, leaves.c.leaf_index == 4)).values(data=b"forged"))
    settings = settings_for(signed).model_copy(update={"ledger_signing_key": SecretStr(SEED)})
    token = api_token(signed, "auditor")
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"}) as client:
        bad = client.get("/api/v1/ledger/fines/entries/4")
        assert bad.status_code == 409 and bad.json()["error"] == "tampered"
        assert "叶子哈希不一致" in bad.json()["message"]
        assert client.get("/api/v1/ledger/fines/entries/5").status_code == 200


def test_the_check_command_exits_1_naming_the_problem(signed: Engine, tmp_path):
    e = env(signed, tmp_path, ANJU_LEDGER_SIGNING_KEY=SEED)
    ok = CliRunner().invoke(main, ["ledger", "check", "fines"], env=e)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    lid = log_id(signed)
    with signed.begin() as c:
        c.execute(update(leaves).where(and_(leaves.c.log_id == lid, leaves.c.leaf_index == 0)).values(data=b"x"))
    bad = CliRunner().invoke(main, ["ledger", "check", "fines", "--public-key", PUBLIC_KEY], env=e)
    assert bad.exit_code == 1 and "leaf 0" in bad.stderr
    assert json.loads(bad.stdout)["problem_count"] >= 1
    unknown = CliRunner().invoke(main, ["ledger", "check", "nosuch"], env=e)
    assert unknown.exit_code == 2 and "nosuch" in unknown.output


def test_audit_verify_does_not_trust_a_rewritten_anchor(city_engine: Engine, tmp_path):
    """The finding: after deleting an audit row, rewrite the anchor's data to match the rows left.
    The ranges then agree with the rows, but the anchor no longer hashes to its leaf."""
    from anju.security import anchor

    e = env(city_engine, tmp_path)
    first = CliRunner().invoke(main, ["audit", "anchor", "--grace-seconds", "0"], env=e)
    assert first.exit_code == 0, first.output
    assert CliRunner().invoke(main, ["audit", "verify"], env=e).exit_code == 0
    with city_engine.begin() as c:
        if city_engine.dialect.name == "sqlite":
            c.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            c.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        c.execute(text("DELETE FROM audit_log WHERE id = 2"))
        lid = c.execute(select(logs.c.id).where(logs.c.name == anchor.LOG)).scalar_one()
        row = c.execute(select(leaves.c.data).where(leaves.c.log_id == lid, leaves.c.leaf_index == 0)).scalar_one()
        item = json.loads(row)
        sha, n = anchor.digest(c, item["from"], item["to"])
        forged = json.dumps(item | {"sha256": sha, "rows": n}, sort_keys=True, separators=(",", ":")).encode()
        c.execute(update(leaves).where(leaves.c.log_id == lid, leaves.c.leaf_index == 0).values(data=forged))
    bad = CliRunner().invoke(main, ["audit", "verify"], env=e)
    assert bad.exit_code == 1
    assert "leaf 0" in bad.stderr and "锚点不可信" in bad.stderr
