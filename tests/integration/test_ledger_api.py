"""The ledger's read-only HTTP API: heads, proofs and entries that a client can verify offline."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from anju import ledger
from anju.app import create_app
from anju.ledger import merkle, verify

from .test_ledger_store import SEED, entries

PUBLIC_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


@pytest.fixture
def filled(city_engine: Engine) -> Engine:
    with city_engine.begin() as c:
        ledger.create_log(c, "escrow")
        ledger.create_log(c, "deposits", "sm3")
        ledger.append(c, "escrow", entries(20))
        ledger.append(c, "escrow", [b"\xff\xfe not utf-8"])
    return city_engine


@pytest.fixture
def client(filled: Engine, settings_for) -> Iterator[TestClient]:
    from tests.accounts import api_token

    settings = settings_for(filled).model_copy(update={"ledger_signing_key": SecretStr(SEED)})
    # Heads and proofs are public; entries need ledger.read (the auditor has it).
    with TestClient(create_app(settings), headers={"authorization": f"Bearer {api_token(filled, 'auditor')}"}) as c:
        yield c


def test_logs_are_listed_with_their_sizes(client: TestClient):
    body = client.get("/api/v1/ledger/logs").json()
    assert [(i["name"], i["algorithm"], i["size"]) for i in body["items"]] == [
        ("assistance", "sm3", 0),  # created by migration 0006
        ("credit", "sm3", 0),  # created by migration 0006
        ("deposits", "sm3", 0),
        ("escrow", "sha256", 21),
        ("estates", "sm3", 0),  # created by migration 0035
        ("exchange", "sm3", 0),  # created by migration 0028
        ("funds", "sm3", 0),  # created by migration 0019
        ("maintenance_fund", "sm3", 0),  # created by migration 0035
        ("rental", "sm3", 0),  # created by migration 0007
    ]
    assert body["total"] == 9


def test_a_client_verifies_entry_inclusion_against_the_signed_head(client: TestClient):
    head = client.get("/api/v1/ledger/escrow/head").json()
    assert head["size"] == 21 and head["public_key"] == PUBLIC_KEY
    assert verify.verify_head(head, PUBLIC_KEY)
    assert client.get("/api/v1/ledger/escrow/head").json() == head  # unchanged log: the same head
    e = client.get("/api/v1/ledger/escrow/entries/7").json()
    assert e["text"] == "租赁合同备案 #7"
    assert e["leaf_hash"] == merkle.leaf_hash(bytes.fromhex(e["data"])).hex()
    p = client.get("/api/v1/ledger/escrow/proofs/inclusion", params={"index": 7, "size": head["size"]}).json()
    assert p["root"] == head["root"] and p["leaf_hash"] == e["leaf_hash"]
    proof = [bytes.fromhex(h) for h in p["proof"]]
    assert verify.verify_inclusion(bytes.fromhex(e["leaf_hash"]), 7, head["size"], proof, bytes.fromhex(head["root"]))
    assert client.get("/api/v1/ledger/escrow/entries/20").json()["text"] is None


def test_consistency_between_two_published_heads(client: TestClient, filled: Engine):
    old = client.get("/api/v1/ledger/escrow/head").json()
    with filled.begin() as c:
        ledger.append(c, "escrow", entries(11, 100))
    new = client.get("/api/v1/ledger/escrow/head").json()
    assert (old["size"], new["size"]) == (21, 32)
    p = client.get("/api/v1/ledger/escrow/proofs/consistency", params={"old_size": 21, "size": 32}).json()
    assert (p["old_root"], p["root"]) == (old["root"], new["root"])
    assert verify.verify_consistency(
        21, 32, bytes.fromhex(old["root"]), bytes.fromhex(new["root"]), [bytes.fromhex(h) for h in p["proof"]]
    )
    default = client.get("/api/v1/ledger/escrow/proofs/consistency", params={"old_size": 21}).json()
    assert default == p  # size defaults to the current size


def test_bad_requests_name_the_field(client: TestClient):
    cases = [
        ("/api/v1/ledger/escrow/proofs/inclusion", {"index": 21}, 422, "index"),
        ("/api/v1/ledger/escrow/proofs/inclusion", {"index": 0, "size": 22}, 422, "size"),
        ("/api/v1/ledger/escrow/proofs/inclusion", {"index": -1}, 422, "index"),
        ("/api/v1/ledger/escrow/proofs/consistency", {"old_size": 5, "size": 4}, 422, "old_size"),
        ("/api/v1/ledger/nope/proofs/inclusion", {"index": 0}, 404, None),
        ("/api/v1/ledger/escrow/entries/21", {}, 404, None),
        ("/api/v1/ledger/Bad-Name/head", {}, 422, "log"),
    ]
    for path, params, status, field in cases:
        r = client.get(path, params=params)
        assert r.status_code == status, (path, params, r.text)
        if field:
            assert r.json()["errors"][0]["field"] == field


def test_no_signing_key_is_a_clear_server_error(filled: Engine, settings_for):
    with TestClient(create_app(settings_for(filled, ledger_signing_key=None))) as c:
        r = c.get("/api/v1/ledger/escrow/head")
        assert r.status_code == 503
        assert "ANJU_LEDGER_SIGNING_KEY" in r.json()["message"]
        assert c.get("/api/v1/ledger/escrow/proofs/inclusion", params={"index": 0}).status_code == 200


def test_the_public_page_publishes_the_key_that_verifies_the_heads(client: TestClient, filled: Engine, settings_for):
    page = client.get("/ledger", headers={"authorization": "", "accept": "text/html"})
    assert page.status_code == 200
    assert f'id="public-key">{PUBLIC_KEY}<' in page.text  # the key the heads are signed with
    assert client.get("/api/v1/ledger/escrow/head").json()["public_key"] == PUBLIC_KEY
    assert 'id="tech"' in page.text and '<td>SHA-256</td><td class="num">21</td>' in page.text
    assert "住房租赁：合同备案与租金监管资金流水" in page.text and "verify.py" not in page.text
    with TestClient(create_app(settings_for(filled, ledger_signing_key=None))) as c:
        assert "尚未配置日志签名密钥" in c.get("/ledger").text


def test_the_ledger_api_has_no_write_route(client: TestClient):
    spec = client.get("/api/v1/openapi.json").json()
    ledger_ops = {m for p, ops in spec["paths"].items() if p.startswith("/api/v1/ledger") for m in ops}
    assert ledger_ops == {"get"}


def test_reading_an_unchanged_head_writes_nothing(client: TestClient, filled: Engine):
    from sqlalchemy import func, select

    from anju.security import audit_log

    client.get("/api/v1/ledger/escrow/head")
    with filled.connect() as c:
        before = c.execute(select(func.count()).select_from(audit_log)).scalar_one()
    for _ in range(3):
        assert client.get("/api/v1/ledger/escrow/head").status_code == 200
    with filled.connect() as c:
        after = c.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert after == before
