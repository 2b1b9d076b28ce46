"""The registration centre's feeds (不动产登记; 查封/抵押/行政限制) into the register through the
exchange's one intake, on both databases: loading, validation (a bad record rejected alone into the
dead-letter list, the rest loaded; a record depending on a rejected one rejected too), idempotent
re-delivery, bitemporal ownership with late corrections, audit, and the approvals that now follow
them (listing verification, lease filing)."""

from __future__ import annotations

import csv
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju.app import create_app
from anju.cli import main
from anju.core import clock
from anju.exchange.tables import feed_batches, feed_dead_letters
from anju.registry import (
    home_owners,
    home_restrictions,
    owned_area,
    owners_on,
    registrations,
    restriction_records,
    restrictions_in_force,
)
from anju.registry.feeds import load_registrations, load_restrictions
from anju.rental import domain as rental_domain
from anju.security import (
    Caller,
    NewAccount,
    Role,
    Security,
    add_synthetic_people,
    audit_log,
    create_account,
    keyring_from_settings,
    provider_for,
    seed_verified,
)
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, PASSWORD, api_token, choose_world

REG_HEADER = [
    "record_id", "kind", "corrects", "certificate_no", "house_code", "registered_on",
    "owner_kind", "owner_id", "owner_name", "share_pct",
]  # fmt: skip
RES_HEADER = ["record_id", "event", "document_no", "lifts", "house_code", "authority", "starts_on", "ends_on"]
A_ID, A_NAME = rb.resident_id(7001), "甲业主"
B_ID, B_NAME = rb.resident_id(7002), "乙业主"
C_ID, C_NAME = rb.resident_id(7003), "丙业主"
ORG = rb.credit_code(7004)
BUYER_ID, BUYER_NAME, BUYER_PHONE = rb.resident_id(7005), "陈买家", "13800000077"
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(city_engine: Engine, settings_for: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        with city_engine.begin() as conn:
            homes = rb.free_homes(conn, choose_world(city_engine).street_s1, 4)
        yield {
            "engine": city_engine,
            "settings": settings,
            "kr": keyring_from_settings(settings),
            "homes": homes,
            "client": client,
            "dir": tmp_path,
        }
    app.state.engine.dispose()


def reg(
    record_id: str, kind: str, code: str, on: date, owners: list[tuple[str, str, str, int]], **over: str
) -> list[list[str]]:
    """The CSV rows of one registration record (one row per owner)."""
    first = [record_id, kind, over.get("corrects", ""), over.get("cert", f"苏(2026)南京市不动产权第{record_id}号"),
             code, on.isoformat()]  # fmt: skip
    return [[*first, k, idn, name, str(share)] for k, idn, name, share in owners]


def write_csv(env: dict[str, Any], name: str, header: list[str], rows: list[list[str]]) -> Path:
    path: Path = env["dir"] / name
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def load(env: dict[str, Any], path: Path, now: datetime | None = None) -> Any:
    return load_registrations(env["engine"], path, env["kr"], now=now)


def bidx(env: dict[str, Any], idn: str, kind: str = "id_number") -> str:
    return str(env["kr"].blind_index(idn, kind))


def owners(env: dict[str, Any], home_id: int, on: date, known_at: datetime | None = None) -> dict[str, int]:
    with env["engine"].connect() as c:
        return {o["owner_bidx"]: o["share_pct"] for o in owners_on(c, home_id, on, known_at)}


def count(env: dict[str, Any], table: Any, *where: Any) -> int:
    with env["engine"].connect() as c:
        return int(c.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


# ------------------------------------------------------------------------------------ registrations


def test_first_registration_then_transfer_set_the_owners_by_date_with_one_audit_row_per_load(
    env: dict[str, Any],
) -> None:
    home = env["homes"][0]
    rows = [
        *reg("R1", "first", home.house_code, date(2018, 3, 1), [("person", A_ID, A_NAME, 100)]),
        *reg("R2", "transfer", home.house_code, date(2023, 5, 10),
             [("person", B_ID, B_NAME, 60), ("org", ORG, "南京测试置业有限公司", 40)]),
    ]  # fmt: skip
    audits = count(env, audit_log, audit_log.c.action == "exchange.feed_batch")
    result = load(env, write_csv(env, "reg.csv", REG_HEADER, rows))
    assert result.status == "loaded", result.summary()
    assert (result.records_total, result.records_new, result.records_unchanged) == (2, 2, 0)
    assert owners(env, home.id, date(2017, 1, 1)) == {}
    assert owners(env, home.id, date(2020, 1, 1)) == {bidx(env, A_ID): 100}
    assert owners(env, home.id, date(2023, 5, 10)) == {bidx(env, B_ID): 60, bidx(env, ORG, "credit_code"): 40}
    with env["engine"].connect() as c:
        # the assistance check's reader follows: A owned one home in 2020 and none after the transfer
        assert owned_area(c, [bidx(env, A_ID)], date(2020, 1, 1))[bidx(env, A_ID)][0] == 1
        assert owned_area(c, [bidx(env, A_ID)], date(2024, 1, 1)) == {}
        blob = c.execute(select(home_owners.c.owner_id_enc).where(home_owners.c.home_id == home.id)).scalars().first()
        assert isinstance(blob, bytes) and A_ID.encode() not in blob and B_ID.encode() not in blob
        batch = c.execute(select(feed_batches).where(feed_batches.c.id == result.load_id)).one()
    assert (batch.dataset, batch.status, batch.accepted) == ("registry.registrations", "done", 2)
    assert batch.filename == "reg.csv"
    assert count(env, audit_log, audit_log.c.action == "exchange.feed_batch") == audits + 1


def test_a_bad_record_is_rejected_alone_into_the_dead_letters_and_a_correction_of_it_too(
    env: dict[str, Any],
) -> None:
    home, other = env["homes"][0], env["homes"][1]
    bad_id = A_ID[:-1] + ("0" if A_ID[-1] != "0" else "1")
    rows = [
        *reg("R1", "first", home.house_code, date(2018, 3, 1), [("person", B_ID, B_NAME, 100)]),  # line 2: good
        *reg("R2", "first", other.house_code, date(2018, 3, 1), [("person", bad_id, A_NAME, 100)]),  # line 3
        *reg("R3", "first", "32010200120050012999X", date(2018, 3, 1), [("person", C_ID, C_NAME, 100)]),  # line 4
        *reg("R4", "transfer", home.house_code, date(2030, 1, 1),
             [("person", C_ID, C_NAME, 50), ("person", A_ID, A_NAME, 40)]),  # line 5, 6: future date, shares 90
        *reg("R5", "correction", other.house_code, date(2018, 3, 1), [("person", A_ID, A_NAME, 100)],
             corrects="R2"),  # line 7: corrects the rejected R2
    ]  # fmt: skip
    before = (count(env, home_owners), count(env, registrations))
    result = load(env, write_csv(env, "bad.csv", REG_HEADER, rows))
    assert result.status == "loaded"
    found = {(e.row, e.field) for e in result.errors}
    assert (3, "owners[0].owner_id") in found
    assert (4, "house_code") in found
    assert (5, "registered_on") in found and (5, "share_pct") in found
    assert (7, "corrects") in found
    assert all(e.reason for e in result.errors)
    assert "校验位" in next(e.reason for e in result.errors if e.row == 3)
    assert result.records_rejected == 4 and result.records_new == 1
    assert count(env, registrations) == before[1] + 1  # the good record R1 alone is written
    assert owners(env, home.id, date(2020, 1, 1)) == {bidx(env, B_ID): 100}
    with env["engine"].connect() as c:
        letters = c.execute(
            select(feed_dead_letters).where(feed_dead_letters.c.batch_id == result.load_id).order_by("seq")
        ).all()
        audit = c.execute(select(audit_log).where(audit_log.c.action == "exchange.feed_batch")).all()
    assert [d.seq for d in letters] == [2, 3, 4, 5] and {d.status for d in letters} == {"open"}
    assert all(bad_id not in d.record and bad_id not in d.rejections for d in letters)  # owners: encrypted
    assert audit[-1].outcome == "ok"


def test_re_delivery_changes_nothing_and_a_changed_record_under_the_same_id_is_refused(env: dict[str, Any]) -> None:
    home = env["homes"][0]
    rows = reg("R1", "first", home.house_code, date(2018, 3, 1), [("person", A_ID, A_NAME, 100)])
    path = write_csv(env, "once.csv", REG_HEADER, rows)
    assert load(env, path).records_new == 1
    state = (count(env, home_owners), count(env, registrations))
    again = load(env, path)
    assert again.status == "unchanged" and (again.records_new, again.records_unchanged) == (0, 1)
    assert (count(env, home_owners), count(env, registrations)) == state
    changed = reg("R1", "first", home.house_code, date(2018, 3, 2), [("person", A_ID, A_NAME, 100)])
    refused = load(env, write_csv(env, "changed.csv", REG_HEADER, changed))
    assert refused.status == "rejected" and [e.field for e in refused.errors] == ["record_id"]
    assert (count(env, home_owners), count(env, registrations)) == state


def test_a_late_correction_supersedes_and_the_register_answers_as_known_before_and_after(
    env: dict[str, Any],
) -> None:
    home = env["homes"][0]
    rows = [
        *reg("R1", "first", home.house_code, date(2018, 3, 1), [("person", A_ID, A_NAME, 100)]),
        *reg("R2", "transfer", home.house_code, date(2023, 5, 10), [("person", B_ID, B_NAME, 100)]),
    ]
    assert load(env, write_csv(env, "r.csv", REG_HEADER, rows), now=T0).status == "loaded"
    rows_before = count(env, home_owners, home_owners.c.home_id == home.id)
    # the centre corrects R2: the transfer was on 1 February, to C (not B)
    fix = reg("R3", "correction", home.house_code, date(2023, 2, 1), [("person", C_ID, C_NAME, 100)], corrects="R2")
    result = load(env, write_csv(env, "fix.csv", REG_HEADER, fix), now=T1)
    assert result.status == "loaded", result.summary()
    a, b, c = bidx(env, A_ID), bidx(env, B_ID), bidx(env, C_ID)
    between = T0 + timedelta(days=1)
    # as believed now
    assert owners(env, home.id, date(2023, 3, 1)) == {c: 100}
    assert owners(env, home.id, date(2024, 1, 1)) == {c: 100}
    assert owners(env, home.id, date(2020, 1, 1)) == {a: 100}
    # as the register knew it before the correction
    assert owners(env, home.id, date(2023, 3, 1), known_at=between) == {a: 100}
    assert owners(env, home.id, date(2024, 1, 1), known_at=between) == {b: 100}
    # nothing was overwritten: the old rows are still there, superseded
    assert count(env, home_owners, home_owners.c.home_id == home.id) > rows_before
    assert count(env, home_owners, home_owners.c.home_id == home.id, home_owners.c.superseded_at.is_not(None)) == 2
    with env["engine"].connect() as conn:
        r2 = conn.execute(select(registrations).where(registrations.c.record_id == "R2")).one()
    assert r2.superseded_at is not None and r2.registered_on == date(2023, 5, 10)
    # a second correction of R2 (already corrected) is refused, naming the field
    again = reg("R4", "correction", home.house_code, date(2023, 2, 2), [("person", C_ID, C_NAME, 100)], corrects="R2")
    refused = load(env, write_csv(env, "fix2.csv", REG_HEADER, again))
    assert refused.status == "rejected" and refused.errors[0].field == "corrects"


def test_a_transfer_closes_the_rows_of_other_writers_and_a_correction_reopens_them(env: dict[str, Any]) -> None:
    home = env["homes"][0]
    with env["engine"].begin() as conn:
        seller = rb.own(conn, env["kr"], home.id)  # the synthetic city's kind of row, since 2015-06-01
    rows = reg("T1", "transfer", home.house_code, date(2024, 6, 1), [("person", B_ID, B_NAME, 100)])
    assert load(env, write_csv(env, "t.csv", REG_HEADER, rows), now=T0).status == "loaded"
    assert owners(env, home.id, date(2024, 5, 31)) == {seller: 100}
    assert owners(env, home.id, date(2024, 6, 1)) == {bidx(env, B_ID): 100}
    fix = reg("T2", "correction", home.house_code, date(2025, 6, 1), [("person", B_ID, B_NAME, 100)], corrects="T1")
    assert load(env, write_csv(env, "t2.csv", REG_HEADER, fix), now=T1).status == "loaded"
    assert owners(env, home.id, date(2024, 12, 1)) == {seller: 100}
    assert owners(env, home.id, date(2024, 12, 1), known_at=T0 + timedelta(days=1)) == {bidx(env, B_ID): 100}
    assert owners(env, home.id, date(2025, 6, 1)) == {bidx(env, B_ID): 100}


def test_json_lines_and_xlsx_files_load_like_csv(env: dict[str, Any]) -> None:
    h1, h2 = env["homes"][0], env["homes"][1]
    record = {
        "record_id": "J1", "kind": "首次登记", "certificate_no": "苏(2026)南京市不动产权第J1号",
        "house_code": h1.house_code, "registered_on": "2019-01-02",
        "owners": [{"owner_kind": "个人", "owner_id": A_ID, "owner_name": A_NAME, "share_pct": 50},
                   {"owner_kind": "个人", "owner_id": B_ID, "owner_name": B_NAME, "share_pct": 50}],
    }  # fmt: skip
    path = env["dir"] / "r.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n\n{not json\n", encoding="utf-8")
    partly = load(env, path)  # the good record loads; the line that is not JSON is a dead letter
    assert partly.status == "loaded" and [(e.row, e.field) for e in partly.errors] == [(3, "record")]
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert load(env, path).status == "unchanged"
    assert owners(env, h1.id, date(2020, 1, 1)) == {bidx(env, A_ID): 50, bidx(env, B_ID): 50}
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(
        [
            "业务号",
            "登记类型",
            "不动产权证号",
            "房屋代码",
            "登记日期",
            "权利人类型",
            "证件号码",
            "权利人名称",
            "共有份额",
        ]
    )
    ws.append(
        [
            "X1",
            "首次登记",
            "苏(2026)南京市不动产权第X1号",
            h2.house_code,
            "2019-01-02",
            "单位",
            ORG,
            "南京测试置业有限公司",
            "100",
        ]
    )
    xlsx = env["dir"] / "r.xlsx"
    wb.save(xlsx)
    assert load(env, xlsx).status == "loaded"
    assert owners(env, h2.id, date(2020, 1, 1)) == {bidx(env, ORG, "credit_code"): 100}


# ------------------------------------------------------------------------------------ restrictions


def restrict(env: dict[str, Any], name: str, rows: list[list[str]]) -> Any:
    return load_restrictions(env["engine"], write_csv(env, name, RES_HEADER, rows), env["kr"])


def listing_verify(env: dict[str, Any], home: Any, who: str) -> Any:
    c, me = env["client"], {"authorization": f"Bearer {api_token(env['engine'], who)}"}
    body = {
        "house_code": home.house_code, "title": "南北通透两居室", "description": "近地铁",
        "area": str(home.construction_area), "bedrooms": 2, "living_rooms": 1, "floor": home.floor_no,
        "rent_fen": 3_500_00, "deposit_fen": 3_500_00, "photos": 5,
    }  # fmt: skip
    r = c.post("/api/v1/rental/me/listings", json=body, headers=me)
    assert r.status_code == 201, r.text
    return c.post(f"/api/v1/rental/me/listings/{r.json()['id']}/verify", headers=me)


def file_lease(env: dict[str, Any], home: Any) -> Any:
    start = clock.today() + timedelta(days=10)
    body = {
        "home_id": home.id, "tenant_name": CITIZEN_NAME, "tenant_id_number": CITIZEN_ID,
        "start_on": start.isoformat(), "end_on": (rental_domain.add_months(start, 12) - timedelta(days=1)).isoformat(),
        "rent_fen": 3_200_00, "deposit_fen": 3_200_00, "payment_cycle": "monthly", "occupants": 2,
    }  # fmt: skip
    me = {"authorization": f"Bearer {api_token(env['engine'], 'landlord')}"}
    return env["client"].post("/api/v1/rental/me/leases", json=body, headers=me)


def failed(r: Any) -> set[str]:
    return {e["field"] for e in r.json().get("errors", [])}


def test_a_seizure_stops_listing_verification_and_lease_filing_and_its_release_lifts_it(env: dict[str, Any]) -> None:
    seized, mortgaged = env["homes"][0], env["homes"][1]
    with env["engine"].begin() as conn:
        rb.own(conn, env["kr"], seized.id)
        rb.own(conn, env["kr"], mortgaged.id)
    since = (clock.today() - timedelta(days=30)).isoformat()
    result = restrict(env, "seize.csv", [
        ["S1", "查封", "(2026)苏0102执123号", "", seized.house_code, "南京市玄武区人民法院", since, ""],
        ["M1", "抵押", "苏(2026)南京市不动产证明第M1号", "", mortgaged.house_code, "南京银行", since, ""],
    ])  # fmt: skip
    assert result.status == "loaded", result.summary()
    today = clock.today()
    with env["engine"].connect() as c:
        found = home_restrictions(c, [seized.id, mortgaged.id], today)
        assert [r.kind for r in found[seized.id]] == ["seized"] and "执123号" in found[seized.id][0].reason
        assert mortgaged.id not in found  # a mortgage does not bar letting
        assert [r["kind"] for r in restrictions_in_force(c, [mortgaged.id], today)] == ["mortgage"]
        assert home_restrictions(c, [seized.id], today - timedelta(days=31)) == {}  # before it began
    r = listing_verify(env, seized, "landlord")
    assert r.status_code == 422 and "home_unrestricted" in failed(r)
    assert listing_verify(env, mortgaged, "landlord").json()["status"] == "verified"
    r = file_lease(env, seized)
    assert r.status_code == 422 and "查封" in r.json()["errors"][0]["reason"]
    # the court releases the seizure
    released = restrict(env, "release.csv", [
        ["S2", "解封", "(2026)苏0102执123号之一", "S1", seized.house_code, "玄武区法院", today.isoformat(), ""],
    ])  # fmt: skip
    assert released.status == "loaded", released.summary()
    with env["engine"].connect() as c:
        assert home_restrictions(c, [seized.id], today) == {}
        assert seized.id in home_restrictions(c, [seized.id], today - timedelta(days=1))  # history kept
    assert file_lease(env, seized).status_code == 201
    # a release of what is already released, or of a record that does not exist, is refused and writes nothing
    n = count(env, restriction_records)
    bad = restrict(env, "bad.csv", [
        ["S3", "解封", "X", "S1", seized.house_code, "南京市玄武区人民法院", today.isoformat(), ""],
        ["S4", "解封", "X", "NOPE", seized.house_code, "南京市玄武区人民法院", today.isoformat(), ""],
        ["S5", "查封", "X", "", seized.house_code, "南京市玄武区人民法院", today.isoformat(), today.isoformat()],
    ])  # fmt: skip
    assert bad.status == "rejected"
    assert {(e.row, e.field) for e in bad.errors} == {(2, "lifts"), (3, "lifts"), (4, "ends_on")}
    assert count(env, restriction_records) == n


# ------------------------------------------------------------------------------------ end to end


def test_after_a_transfer_the_sellers_new_listing_fails_its_ownership_rule_and_the_buyers_passes(
    env: dict[str, Any],
) -> None:
    home = env["homes"][0]
    sec = Security(env["settings"])
    with env["engine"].begin() as conn:
        rb.own(conn, env["kr"], home.id)  # the seeded landlord (王房东) owns it
        made = create_account(
            conn, sec, NewAccount("buyer", PASSWORD, Role.landlord, BUYER_NAME, id_number=BUYER_ID, phone=BUYER_PHONE),
            Caller.system("test"),
        )  # fmt: skip
        add_synthetic_people(conn, sec.keyring, [(BUYER_ID, BUYER_NAME, BUYER_PHONE)])
        seed_verified(conn, sec, made.account_id, provider_for(sec))
    # before the transfer the seller's listing passes and the buyer's does not
    first = listing_verify(env, home, "landlord")
    assert first.json()["status"] == "verified", first.text
    env["client"].post(
        f"/api/v1/rental/me/listings/{first.json()['id']}/withdraw",
        headers={"authorization": f"Bearer {api_token(env['engine'], 'landlord')}"},
    )
    transfer = reg("E1", "transfer", home.house_code, clock.today() - timedelta(days=1),
                   [("person", BUYER_ID, BUYER_NAME, 100)])  # fmt: skip
    assert load(env, write_csv(env, "sale.csv", REG_HEADER, transfer)).status == "loaded"
    seller = listing_verify(env, home, "landlord")
    assert seller.status_code == 422 and "lister_entitled" in failed(seller)
    buyer = listing_verify(env, home, "buyer")
    assert buyer.status_code == 200 and buyer.json()["status"] == "verified", buyer.text


def test_of_two_records_of_one_day_the_later_wins_and_correcting_it_brings_the_earlier_back(
    env: dict[str, Any],
) -> None:
    home = env["homes"][0]
    day = date(2021, 4, 1)
    rows = [
        *reg("D1", "first", home.house_code, day, [("person", A_ID, A_NAME, 100)]),
        *reg("D2", "transfer", home.house_code, day, [("person", B_ID, B_NAME, 100)]),
    ]
    assert load(env, write_csv(env, "d.csv", REG_HEADER, rows)).status == "loaded"
    assert owners(env, home.id, day) == {bidx(env, B_ID): 100}
    fix = reg("D3", "correction", home.house_code, date(2022, 4, 1), [("person", B_ID, B_NAME, 100)], corrects="D2")
    assert load(env, write_csv(env, "d3.csv", REG_HEADER, fix)).status == "loaded"
    assert owners(env, home.id, date(2021, 12, 1)) == {bidx(env, A_ID): 100}
    assert owners(env, home.id, date(2022, 4, 1)) == {bidx(env, B_ID): 100}


def test_the_command_line_loads_prints_a_summary_and_exits_1_on_a_rejected_file(env: dict[str, Any]) -> None:
    home = env["homes"][0]
    cli_env = {
        "ANJU_DATABASE_URL": env["engine"].url.render_as_string(hide_password=False),
        "ANJU_DATA_DIR": str(env["dir"]),
    }
    good = write_csv(env, "cli.csv", REG_HEADER, reg("C1", "first", home.house_code, date(2019, 1, 1),
                                                     [("person", A_ID, A_NAME, 100)]))  # fmt: skip
    res = CliRunner().invoke(main, ["registry", "load-registrations", str(good)], env=cli_env)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert (out["status"], out["records_new"], out["format"]) == ("loaded", 1, "csv")
    assert count(env, registrations, registrations.c.record_id == "C1") == 1
    bad = write_csv(env, "cli_bad.csv", RES_HEADER, [["X1", "查封", "D", "", "nope", "法院", "2024-01-01", ""]])
    res = CliRunner().invoke(main, ["registry", "load-restrictions", str(bad)], env=cli_env)
    assert res.exit_code == 1
    out = json.loads(res.output.strip().splitlines()[-1])
    assert out["status"] == "rejected" and [(e["field"], e["row"]) for e in out["errors"]] == [("house_code", 2)]
    assert count(env, restriction_records) == 0


def test_concurrent_loads_touching_one_home_run_one_after_the_other(env: dict[str, Any]) -> None:
    home = env["homes"][0]
    first = write_csv(env, "c0.csv", REG_HEADER, reg("K0", "first", home.house_code, date(2015, 1, 1),
                                                     [("person", A_ID, A_NAME, 100)]))  # fmt: skip
    assert load(env, first).status == "loaded"
    files = [
        write_csv(env, "c1.csv", REG_HEADER, reg("K1", "transfer", home.house_code, date(2020, 1, 1),
                                                 [("person", B_ID, B_NAME, 100)])),
        write_csv(env, "c2.csv", REG_HEADER, reg("K2", "transfer", home.house_code, date(2022, 1, 1),
                                                 [("person", C_ID, C_NAME, 100)])),
    ]  # fmt: skip
    results: list[Any] = []
    threads = [threading.Thread(target=lambda p=p: results.append(load(env, p))) for p in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == ["loaded", "loaded"]
    assert owners(env, home.id, date(2016, 1, 1)) == {bidx(env, A_ID): 100}
    assert owners(env, home.id, date(2021, 1, 1)) == {bidx(env, B_ID): 100}
    assert owners(env, home.id, date(2023, 1, 1)) == {bidx(env, C_ID): 100}
    believed = count(env, home_owners, home_owners.c.home_id == home.id, home_owners.c.superseded_at.is_(None))
    assert believed == 3  # A until 2020, B until 2022, C since: nothing doubled
