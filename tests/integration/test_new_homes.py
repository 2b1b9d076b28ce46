"""New-home transactions (商品房) over HTTP and through the services, on both databases: developers,
projects, presale permits moving homes to 预售, filed prices, contracts from draft to filing and
cancellation, restrictions, and the public pages' lack of personal data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from stdnum import luhn

from anju import registry
from anju.app import create_app
from anju.core import clock
from anju.estates import fund_rules
from anju.estates.tables import estates_fund_dues
from anju.registry import Restriction, register_restriction_source
from anju.security import audit_log
from anju.transactions import developers, domain, home_prices, presale_permits, queries, sale_contracts, sale_projects
from tests import tx_builders as tb
from tests import tx_figures as txf
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, choose_world
from tests.tx_builders import auth

API = "/api/v1/transactions"


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


@pytest.fixture
def restricted() -> Iterator[set[int]]:
    """Homes put in this set are seized (查封) by a test restriction source."""
    homes: set[int] = set()

    def source(conn: Any, ids: Any, on: Any) -> dict[int, list[Restriction]]:
        return {h: [Restriction("seized", "court", "（2026）苏0102执123号")] for h in ids if h in homes}

    register_restriction_source("test_court", source)
    yield homes
    register_restriction_source("test_court", lambda conn, ids, on: {})


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def status_of(engine: Engine, home: int) -> str:
    with engine.connect() as c:
        return str(c.execute(select(registry.homes.c.status).where(registry.homes.c.id == home)).scalar_one())


# -------------------------------------------------------------------------------------- developers


def test_a_developer_is_filed_with_a_checked_credit_code_and_only_once(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    city = auth(city_engine, "city")
    bad = tb.developer_body(w.street_s1, credit_code="91110000600037341X", name="")
    r = client.post(f"{API}/developers", json=bad, headers=city)
    assert r.status_code == 422, r.text
    assert {e["field"] for e in r.json()["errors"]} >= {"credit_code", "name"}
    r = client.post(f"{API}/developers", json=tb.developer_body(w.street_s1, qualification_grade="9"), headers=city)
    assert r.status_code == 422 and "qualification_grade" in r.text
    assert count(city_engine, registry.estates) > 0 and count(city_engine, presale_permits) == 0
    r = client.post(f"{API}/developers", json=tb.developer_body(w.street_s1), headers=city)
    assert r.status_code == 201, r.text
    assert r.json()["qualification_label"] == "一级" and r.json()["district_code"] == w.district_a
    r = client.post(f"{API}/developers", json=tb.developer_body(w.street_s1), headers=city)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "credit_code"
    # a district officer files only in its own district
    r = client.post(
        f"{API}/developers",
        json=tb.developer_body(w.district_b + "001", credit_code="91320100MA0000001X"),
        headers=auth(city_engine, "district"),
    )
    assert r.status_code in (404, 422)


# ------------------------------------------------------------------------------------------ permits


def test_a_permit_moves_exactly_the_permitted_homes_to_presale_with_the_permit_as_source(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    city = auth(city_engine, "city")
    site = tb.new_site(city_engine, w.street_s1, homes=4)
    dev = client.post(f"{API}/developers", json=tb.developer_body(w.street_s1), headers=city).json()
    project = client.post(
        f"{API}/projects", json={"name": "安居府", "developer_id": dev["id"], "estate_id": site.estate}, headers=city
    ).json()
    issued = clock.today() - timedelta(days=10)
    r = client.post(
        f"{API}/permits",
        json={"project_id": project["id"], "issued_on": issued.isoformat(), "home_ids": site.homes[:2]},
        headers=city,
    )
    assert r.status_code == 201, r.text
    permit = r.json()
    assert permit["permit_no"] == domain.permit_number(issued.year, 1) and permit["homes"] == 2
    assert permit["area"] == "179.00"
    assert [status_of(city_engine, h) for h in site.homes] == ["预售", "预售", "在建", "在建"]
    with city_engine.connect() as c:
        hist = registry.home_history(c, site.homes[0], scope=registry_scope())
        before = c.execute(
            select(registry.home_versions.c.status).where(
                registry.home_versions.c.home_id == site.homes[0],
                registry.as_of_condition(registry.home_versions, issued - timedelta(days=1), None),
            )
        ).scalar_one()
    assert before == "在建"  # the register keeps the earlier status (bitemporal)
    believed = {(v["status"], v["source"], v["valid_from"], v["valid_to"]) for v in hist["current_belief"]}
    assert ("预售", permit["permit_no"], issued, None) in believed
    assert ("在建", permit["permit_no"], tb.BUILT_FROM, issued) in believed
    # the same homes cannot be permitted twice
    r = client.post(
        f"{API}/permits",
        json={"project_id": project["id"], "issued_on": issued.isoformat(), "home_ids": site.homes[:3]},
        headers=city,
    )
    assert r.status_code in (409, 422)
    assert status_of(city_engine, site.homes[2]) == "在建"


def registry_scope() -> Any:
    from anju.core.scope import SYSTEM

    return SYSTEM


def test_a_permit_refuses_homes_outside_the_estate_or_not_under_construction_naming_them(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    city = auth(city_engine, "city")
    site = tb.new_site(city_engine, w.street_s1, homes=2)
    other = tb.new_site(city_engine, w.street_s1, homes=1)
    built = tb.new_site(city_engine, w.street_s1, homes=1, status=registry.Status.completed)
    dev = client.post(f"{API}/developers", json=tb.developer_body(w.street_s1), headers=city).json()
    project = client.post(
        f"{API}/projects", json={"name": "安居府", "developer_id": dev["id"], "estate_id": site.estate}, headers=city
    ).json()
    with city_engine.connect() as c:
        codes = {
            h: c.execute(select(registry.homes.c.house_code).where(registry.homes.c.id == h)).scalar_one()
            for h in (*site.homes, *other.homes, *built.homes)
        }
    today = clock.today().isoformat()
    r = client.post(
        f"{API}/permits",
        json={"project_id": project["id"], "issued_on": today, "home_ids": [site.homes[0], other.homes[0]]},
        headers=city,
    )
    assert r.status_code == 422 and codes[other.homes[0]] in r.json()["message"], r.text
    assert "不属于本项目" in r.json()["message"]
    project2 = client.post(
        f"{API}/projects", json={"name": "现房苑", "developer_id": dev["id"], "estate_id": built.estate}, headers=city
    ).json()
    r = client.post(
        f"{API}/permits", json={"project_id": project2["id"], "issued_on": today, "home_ids": built.homes}, headers=city
    )
    assert r.status_code == 422 and codes[built.homes[0]] in r.json()["message"] and "现房" in r.json()["message"]
    r = client.post(
        f"{API}/permits",
        json={"project_id": project["id"], "issued_on": (clock.today() + timedelta(days=1)).isoformat(),
              "home_ids": site.homes},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "issued_on"
    assert count(city_engine, presale_permits) == 0
    assert {status_of(city_engine, h) for h in site.homes} == {"在建"}


# ------------------------------------------------------------------------------------------- prices


def test_prices_are_versioned_and_a_refiling_supersedes_keeping_history(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    city = auth(city_engine, "city")
    sale = tb.on_sale(client, city_engine, w.street_s1, homes=2)
    home = sale.site.homes[0]
    new_total = (tb.UNIT_FEN - 100_000) * 8950 // 100
    r = client.post(
        f"{API}/permits/{sale.permit}/prices",
        json={"lines": [{"home_id": home, "unit_price_fen": tb.UNIT_FEN - 100_000, "total_price_fen": new_total}],
              "reason": "降价"},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    hist = client.get(f"{API}/homes/{home}/prices", headers=city).json()
    assert [(p["version"], p["current"], p["total_price_fen"]) for p in hist] == [
        (2, True, new_total),
        (1, False, tb.TOTAL_FEN),
    ]
    assert hist[1]["superseded_at"] is not None and hist[0]["reason"] == "降价"
    # a total that is not unit price × area, and a home of no permit: refused, naming the row and field
    stranger = tb.new_site(city_engine, w.street_s1, homes=1).homes[0]
    r = client.post(
        f"{API}/permits/{sale.permit}/prices",
        json={"lines": [{"home_id": home, "unit_price_fen": tb.UNIT_FEN, "total_price_fen": 1000},
                        {"home_id": stranger, "unit_price_fen": tb.UNIT_FEN, "total_price_fen": tb.TOTAL_FEN}]},
        headers=city,
    )  # fmt: skip
    assert r.status_code == 422
    errs = r.json()["errors"]
    assert {(e["row"], e["field"]) for e in errs} == {(1, "total_price_fen"), (2, "home_id")}
    with city_engine.connect() as c:
        assert c.execute(select(func.count()).where(home_prices.c.home_id == home)).scalar_one() == 2


# ---------------------------------------------------------------------------------------- contracts


def test_a_contract_goes_from_draft_through_both_signatures_to_filing(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev, buyer = auth(city_engine, "agency"), auth(city_engine, "citizen")
    home = sale.site.homes[0]
    r = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev)
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["status"] == "draft" and c["area"] == "89.50" and c["unit_price_fen"] == tb.UNIT_FEN
    assert c["buyer_id_number"] != CITIZEN_ID and "*" in c["buyer_id_number"]
    # filing before both have signed is refused
    r = client.post(f"{API}/contracts/{c['id']}/filing", headers=dev)
    assert r.status_code == 409 and "status" in r.text
    r = client.post(f"{API}/contracts/{c['id']}/buyer-signature", headers=buyer)
    assert r.status_code == 200 and r.json()["status"] == "draft" and r.json()["buyer_name"] == CITIZEN_NAME
    r = client.post(f"{API}/contracts/{c['id']}/developer-signature", headers=dev)
    assert r.status_code == 200 and r.json()["status"] == "signed"
    # another buyer cannot sign or see it
    assert (
        client.post(f"{API}/contracts/{c['id']}/buyer-signature", headers=auth(city_engine, "landlord")).status_code
        == 404
    )
    r = client.post(f"{API}/contracts/{c['id']}/filing", headers=dev)
    assert r.status_code == 200, r.text
    f = r.json()
    year = clock.to_local(clock.now()).year
    assert f["status"] == "filed" and f["filing_no"] == domain.filing_number(year, c["id"])
    assert domain.valid_filing_number(f["filing_no"]) and luhn.is_valid(f["filing_no"][2:])
    mine = client.get(f"{API}/me/contracts", headers=buyer).json()
    assert [m["filing_no"] for m in mine] == [f["filing_no"]]
    with city_engine.connect() as conn:
        actions = (
            conn.execute(
                select(audit_log.c.action).where(
                    audit_log.c.entity == "sale_contract", audit_log.c.entity_id == str(c["id"])
                )
            )
            .scalars()
            .all()
        )
    assert {"transactions.draft_contract", "transactions.sign_contract", "transactions.file_contract"} <= set(actions)
    # the maintenance fund's first deposit due was written in the filing's transaction (estates follows
    # transactions.contract_filed): area × the rate in force for the building type, due the filing day
    with city_engine.connect() as conn:
        dues = conn.execute(select(estates_fund_dues).where(estates_fund_dues.c.home_id == home)).all()
    assert [(d.kind, d.reference, d.status) for d in dues] == [("initial", f"contract:{c['id']}", "due")]
    assert dues[0].amount_fen == fund_rules.deposit_fen(Decimal("89.50"), dues[0].rate_fen_per_m2) > 0
    assert dues[0].due_on == clock.to_local(clock.now()).date()


def test_a_contract_above_the_filed_price_is_refused_naming_the_home_and_the_price(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    unpriced = tb.on_sale(client, city_engine, w.street_s1, priced=False)
    dev = auth(city_engine, "agency")
    home = sale.site.homes[0]
    with city_engine.connect() as c:
        code = c.execute(select(registry.homes.c.house_code).where(registry.homes.c.id == home)).scalar_one()
    over = tb.TOTAL_FEN + 100
    r = client.post(
        f"{API}/contracts",
        json=tb.contract_body(home, total_price_fen=over, down_payment_fen=over - tb.TOTAL_FEN * 7 // 10),
        headers=dev,
    )
    assert r.status_code == 422, r.text
    msg = r.json()["message"]
    assert code in msg and "高于备案价格" in msg and "2,685,000.00" in msg and "2,685,001.00" in msg
    r = client.post(f"{API}/contracts", json=tb.contract_body(unpriced.site.homes[0]), headers=dev)
    assert r.status_code == 422 and "尚未备案价格" in r.json()["message"]
    assert count(city_engine, sale_contracts) == 0


def test_a_contract_needs_a_verified_buyer_and_terms_that_add_up(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev = auth(city_engine, "agency")
    home = sale.site.homes[0]
    from tests.rental_builders import resident_id

    r = client.post(f"{API}/contracts", json=tb.contract_body(home, buyer_id_number=resident_id(4242)), headers=dev)
    assert r.status_code == 422 and "实名认证" in r.text and r.json()["errors"][0]["field"] == "buyer_id_number"
    r = client.post(f"{API}/contracts", json=tb.contract_body(home, buyer_name="王五"), headers=dev)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "buyer_name"
    r = client.post(
        f"{API}/contracts",
        json=tb.contract_body(home, loan_fen=1, delivery_date=clock.today().isoformat()),
        headers=dev,
    )
    assert r.status_code == 422
    assert {"down_payment_fen", "delivery_date"} <= {e["field"] for e in r.json()["errors"]}
    # a citizen (no developer) cannot draft; the developer cannot sell another developer's home
    assert (
        client.post(f"{API}/contracts", json=tb.contract_body(home), headers=auth(city_engine, "citizen")).status_code
        == 403
    )
    other = tb.new_site(city_engine, w.street_s1, homes=1)
    r = client.post(f"{API}/contracts", json=tb.contract_body(other.homes[0]), headers=dev)
    assert r.status_code == 422 and "预售许可" in r.text
    assert count(city_engine, sale_contracts) == 0


def test_a_home_is_sold_once_until_the_bureau_cancels_the_filing(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev = auth(city_engine, "agency")
    home = sale.site.homes[0]
    first = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev).json()
    r = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev)
    assert r.status_code == 409 and "不能重复销售" in r.json()["message"]
    # a clerk may read but not cancel; the district officer cancels with a reason
    cancel = f"{API}/contracts/{first['id']}/cancellation"
    assert client.post(cancel, json={"reason": "买受人放弃"}, headers=auth(city_engine, "clerk")).status_code == 403
    r = client.post(cancel, json={"reason": "  "}, headers=auth(city_engine, "district"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(cancel, json={"reason": "买受人放弃"}, headers=auth(city_engine, "district"))
    assert r.status_code == 204, r.text
    assert client.post(cancel, json={"reason": "再次"}, headers=auth(city_engine, "district")).status_code == 409
    r = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev)
    assert r.status_code == 201, r.text
    with city_engine.connect() as c:
        rows = c.execute(
            select(sale_contracts.c.status, sale_contracts.c.active, sale_contracts.c.cancel_reason)
            .where(sale_contracts.c.home_id == home)
            .order_by(sale_contracts.c.id)
        ).all()
        audited = c.execute(
            select(func.count()).where(audit_log.c.action == "transactions.cancel_contract")
        ).scalar_one()
    assert [tuple(r) for r in rows] == [("cancelled", None, "买受人放弃"), ("draft", 1, None)]
    assert audited >= 1


def test_the_developer_withdraws_its_own_draft_with_a_reason_and_the_home_sells_again(
    client: TestClient, city_engine: Engine
) -> None:
    """撤回: the developer's staff withdraw their own draft (confirmed, with a reason) before both signatures;
    the home is free for a new draft; a signed contract and another developer's draft are not theirs to
    withdraw; every withdrawal is audited."""
    from stdnum.cn import uscc

    from tests.accounts import web_session

    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev, buyer = auth(city_engine, "agency"), auth(city_engine, "citizen")
    home, other_home = sale.site.homes[0], sale.site.homes[1]
    first = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev).json()
    # the buyer has signed: still a draft (not both signatures), still the developer's to withdraw
    assert client.post(f"{API}/contracts/{first['id']}/buyer-signature", headers=buyer).status_code == 200
    token, csrf = web_session(city_engine, "agency")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    assert f"/transactions/sales/contracts/{first['id']}/withdraw" in page.get("/transactions/sales").text
    url = f"/transactions/sales/contracts/{first['id']}/withdraw"
    r = page.get(url)
    assert r.status_code == 200 and "确认撤回" in r.text and CITIZEN_ID not in r.text
    # without the confirmation, or without a reason: refused on the same page, nothing written
    r = page.post(url, data={"csrf_token": csrf, "reason": "买受人放弃购买"})
    assert r.status_code == 422 and "请在确认页确认撤回" in r.text
    r = page.post(url, data={"csrf_token": csrf, "reason": "  ", "confirmed": "1"})
    assert r.status_code == 422 and "须填写撤回原因" in r.text
    assert status_of_contract(city_engine, first["id"]) == ("draft", 1)
    r = page.post(url, data={"csrf_token": csrf, "reason": "买受人放弃购买", "confirmed": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("done=withdrawn")
    assert "合同已撤回" in page.get(r.headers["location"]).text
    assert status_of_contract(city_engine, first["id"]) == ("cancelled", None)
    # twice: 409, naming the state
    r = client.post(f"{API}/contracts/{first['id']}/withdrawal", json={"reason": "再次"}, headers=dev)
    assert r.status_code == 409 and "不能撤回" in r.json()["message"]
    # the active-contract invariant lets a new draft hold the home again
    again = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev)
    assert again.status_code == 201, again.text
    # withdrawal through the API; a blank reason is refused naming the field
    second = client.post(f"{API}/contracts", json=tb.contract_body(other_home), headers=dev).json()
    r = client.post(f"{API}/contracts/{second['id']}/withdrawal", json={"reason": " "}, headers=dev)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    # a buyer or an officer cannot withdraw (the bureau cancels)
    for who in ("citizen", "district"):
        withdraw = f"{API}/contracts/{second['id']}/withdrawal"
        r = client.post(withdraw, json={"reason": "x"}, headers=auth(city_engine, who))
        assert r.status_code == 403
    # both signatures: signed, no longer the developer's to withdraw
    assert client.post(f"{API}/contracts/{again.json()['id']}/buyer-signature", headers=buyer).status_code == 200
    assert client.post(f"{API}/contracts/{again.json()['id']}/developer-signature", headers=dev).status_code == 200
    r = client.post(f"{API}/contracts/{again.json()['id']}/withdrawal", json={"reason": "x"}, headers=dev)
    assert r.status_code == 409 and "已签约" in r.json()["message"]
    assert "须由主管部门撤销" in page.get(f"/transactions/sales/contracts/{again.json()['id']}/withdraw").text
    # another developer's draft: 404, untouched
    code = "91320100MA1X2Y3Q4" + uscc.calc_check_digit("91320100MA1X2Y3Q4")
    r = client.post(
        f"{API}/developers", json=tb.developer_body(w.street_s1, credit_code=code, name="他家置业有限公司"),
        headers=auth(city_engine, "city"),
    )  # fmt: skip
    assert r.status_code == 201, r.text
    with city_engine.begin() as c:
        theirs = sale_contracts.update().where(sale_contracts.c.id == second["id"])
        c.execute(theirs.values(developer_id=r.json()["id"]))
    r = client.post(f"{API}/contracts/{second['id']}/withdrawal", json={"reason": "x"}, headers=dev)
    assert r.status_code == 404
    assert page.get(f"/transactions/sales/contracts/{second['id']}/withdraw").status_code == 404
    assert status_of_contract(city_engine, second["id"]) == ("draft", 1)
    with city_engine.connect() as c:
        row = c.execute(select(sale_contracts).where(sale_contracts.c.id == first["id"])).one()
        audited = (
            c.execute(select(audit_log.c.entity_id).where(audit_log.c.action == "transactions.withdraw_contract"))
            .scalars()
            .all()
        )
    assert row.cancel_reason == "买受人放弃购买" and row.cancelled_by and row.cancelled_at is not None
    assert audited == [str(first["id"])]  # the refused attempts wrote no audit entry


def status_of_contract(engine: Engine, contract_id: int) -> tuple[str, int | None]:
    with engine.connect() as c:
        row = c.execute(
            select(sale_contracts.c.status, sale_contracts.c.active).where(sale_contracts.c.id == contract_id)
        ).one()
    return str(row.status), row.active


def test_the_database_refuses_a_second_active_contract_for_a_home(client: TestClient, city_engine: Engine) -> None:
    """The invariant holds below the services: two active rows for one home cannot both exist."""
    from sqlalchemy.exc import IntegrityError

    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    home = sale.site.homes[0]
    first = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=auth(city_engine, "agency")).json()
    with city_engine.connect() as c:
        row = dict(c.execute(select(sale_contracts).where(sale_contracts.c.id == first["id"])).mappings().one())
    row.pop("id")
    with pytest.raises(IntegrityError), city_engine.begin() as c:
        c.execute(sale_contracts.insert().values(**row))
    row["active"] = None  # a cancelled one beside it is fine
    with city_engine.begin() as c:
        c.execute(sale_contracts.insert().values(**row | {"status": "cancelled"}))


def test_restrictions_stop_drafting_signing_and_filing_naming_the_restriction(
    client: TestClient, city_engine: Engine, restricted: set[int]
) -> None:
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev, buyer = auth(city_engine, "agency"), auth(city_engine, "citizen")
    a, b = sale.site.homes[:2]
    restricted.add(a)
    r = client.post(f"{API}/contracts", json=tb.contract_body(a), headers=dev)
    assert r.status_code == 409 and "查封" in r.json()["message"] and "苏0102执123号" in r.json()["message"]
    c = client.post(f"{API}/contracts", json=tb.contract_body(b), headers=dev).json()
    restricted.add(b)
    r = client.post(f"{API}/contracts/{c['id']}/buyer-signature", headers=buyer)
    assert r.status_code == 409 and "查封" in r.text and "不能签约" in r.text
    restricted.discard(b)
    assert client.post(f"{API}/contracts/{c['id']}/buyer-signature", headers=buyer).status_code == 200
    assert client.post(f"{API}/contracts/{c['id']}/developer-signature", headers=dev).status_code == 200
    restricted.add(b)
    r = client.post(f"{API}/contracts/{c['id']}/filing", headers=dev)
    assert r.status_code == 409 and "不能备案" in r.text
    with city_engine.connect() as conn:
        st = conn.execute(select(sale_contracts.c.status).where(sale_contracts.c.id == c["id"])).scalar_one()
    assert st == "signed"


# ------------------------------------------------------------------------------------ public pages


def test_public_pages_show_states_and_prices_and_no_personal_data(
    client: TestClient, city_engine: Engine, restricted: set[int]
) -> None:
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1, homes=4)
    restricted.add(sale.site.homes[3])  # seized: 不可售
    dev, buyer = auth(city_engine, "agency"), auth(city_engine, "citizen")
    filed = client.post(f"{API}/contracts", json=tb.contract_body(sale.site.homes[0]), headers=dev).json()
    client.post(f"{API}/contracts/{filed['id']}/buyer-signature", headers=buyer)
    client.post(f"{API}/contracts/{filed['id']}/developer-signature", headers=dev)
    filing_no = client.post(f"{API}/contracts/{filed['id']}/filing", headers=dev).json()["filing_no"]
    client.post(f"{API}/contracts", json=tb.contract_body(sale.site.homes[1]), headers=dev)
    anon = TestClient(client.app, follow_redirects=False)
    pages = [
        anon.get("/transactions/projects"),
        anon.get(f"/transactions/projects/{sale.project}"),
        anon.get(f"/transactions/buildings/{sale.site.building}"),
        anon.get(f"{API}/public/buildings/{sale.site.building}/sales"),
    ]
    for p in pages:
        assert p.status_code == 200, p.text
        for secret in (CITIZEN_NAME, CITIZEN_NAME[0] + "*", CITIZEN_ID, CITIZEN_ID[:4] + "*", "citizen", filing_no):
            assert secret not in p.text, f"{p.request.url} shows {secret}"
    assert sale.permit_no in pages[0].text and sale.permit_no in pages[1].text
    table = pages[3].json()
    want = {"available": 1, "contracted": 1, "filed": 1, "registered": 0, "unavailable": 1}
    assert table["counts"] == want
    # the list and project pages count in grouped queries: the same as the sales table's home-by-home states
    with city_engine.connect() as conn:
        project, buildings = queries.public_project(conn, sale.project)
        listed = queries.public_projects(conn, district=w.street_s1[:6], limit=100, offset=0)
    assert project["counts"] == want and [(b["id"], b["homes"], b["counts"]) for b in buildings] == [
        (sale.site.building, 4, want)
    ]
    assert [p["counts"] for p in listed.items if p["project"]["id"] == sale.project] == [want]
    cells = {c["home_id"]: c for f in table["floors"] for c in f["cells"]}
    assert cells[sale.site.homes[0]]["state_label"] == "已备案"
    assert cells[sale.site.homes[2]]["total_price_fen"] == tb.TOTAL_FEN
    assert "sale-filed" in pages[2].text and "30,000 元/m²" in pages[2].text
    # a building with no permit is not on the public pages
    assert anon.get(f"/transactions/buildings/{tb.new_site(city_engine, w.street_s1, 1).building}").status_code == 404


def test_staff_lists_mask_buyers_stay_in_scope_and_export_csv(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    dev = auth(city_engine, "agency")
    mine = tb.on_sale(client, city_engine, w.street_s1)
    theirs = tb.on_sale(client, city_engine, w.street_s2)
    a = client.post(f"{API}/contracts", json=tb.contract_body(mine.site.homes[0]), headers=dev).json()
    b = client.post(f"{API}/contracts", json=tb.contract_body(theirs.site.homes[0]), headers=dev).json()
    items = client.get(f"{API}/contracts", headers=auth(city_engine, "clerk")).json()["items"]
    assert [i["id"] for i in items] == [a["id"]]  # the clerk sees street S1 only
    items = client.get(f"{API}/contracts", headers=auth(city_engine, "district")).json()["items"]
    assert {i["id"] for i in items} == {a["id"], b["id"]}
    assert all(i["buyer_name"] == CITIZEN_NAME[0] + "**" and CITIZEN_ID not in str(i) for i in items)
    page = client.get("/transactions/staff/contracts", headers=auth(city_engine, "district"))
    assert page.status_code == 200 and CITIZEN_NAME not in page.text and CITIZEN_ID not in page.text
    r = client.get("/transactions/staff/contracts.csv", headers=auth(city_engine, "clerk"))
    assert r.status_code == 200 and r.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [int(x["id"]) for x in rows] == [a["id"]] and rows[0]["buyer_id_number"].count("*") == 10
    permits = client.get("/transactions/staff/permits", headers=auth(city_engine, "clerk"))
    assert permits.status_code == 200 and mine.permit_no in permits.text and theirs.permit_no not in permits.text


# ------------------------------------------------------------------------------ purchase eligibility


def test_purchase_limits_are_checked_at_signing_and_explained_per_rule(
    city_engine: Engine, settings_for: Any, tmp_path: Any
) -> None:
    """A policy edition limiting district A: a non-local buyer short of social-insurance months, or a
    local buyer who already owns a home in the register and holds another contract, cannot sign; the
    refusal names each failed rule; a signature that passes records the rules it was checked against."""
    from datetime import date

    from anju.registry import home_owners
    from anju.security import Keyring

    w = choose_world(city_engine)
    policy = tmp_path / "limits.toml"
    policy.write_text(
        f'[[edition]]\ncode = "test-limits"\nname = "测试限购"\neffective_from = 2020-01-01\n'
        f'limited_districts = ["{w.district_a}"]\nlocal_max_owned = 1\nnonlocal_max_owned = 0\n'
        "nonlocal_min_social_insurance_months = 24\n",
        encoding="utf-8",
    )
    app = create_app(settings_for(city_engine, transactions_purchase_limits=str(policy)))
    with TestClient(app, follow_redirects=False) as client:
        sale = tb.on_sale(client, city_engine, w.street_s1, homes=4)
        dev, buyer = auth(city_engine, "agency"), auth(city_engine, "citizen")
        h1, h2, h3, _ = sale.site.homes
        # a non-local buyer with 12 months: refused at the first signature, naming the rule
        c = client.post(
            f"{API}/contracts",
            json=tb.contract_body(h1, buyer_hukou="nonlocal", buyer_social_insurance_months=12),
            headers=dev,
        ).json()
        r = client.post(f"{API}/contracts/{c['id']}/developer-signature", headers=dev)
        assert r.status_code == 422, r.text
        assert "test-limits" in r.json()["message"] and "累计 12 个月，不足 24 个月" in r.json()["message"]
        assert r.json()["errors"][0]["field"] == "buyer"
        # declared months are bounded
        r = client.post(f"{API}/contracts", json=tb.contract_body(h2, buyer_social_insurance_months=40), headers=dev)
        assert r.status_code == 422 and "buyer_social_insurance_months" in r.text
        # a local buyer: signs h2 (owns nothing yet); the rules are recorded on the contract
        c2 = client.post(f"{API}/contracts", json=tb.contract_body(h2), headers=dev).json()
        client.post(f"{API}/contracts/{c2['id']}/buyer-signature", headers=buyer)
        r = client.post(f"{API}/contracts/{c2['id']}/developer-signature", headers=dev)
        assert r.status_code == 200 and r.json()["status"] == "signed", r.text
        assert r.json()["eligibility_policy"] == "test-limits"
        assert [(x["code"], x["passed"]) for x in r.json()["eligibility"]] == [
            ("district", True),
            ("homes_owned", True),
        ]
        # now the buyer owns a home in the register too: one registered + one contracted > 1
        kr: Keyring = app.state.security.keyring
        other_home = tb.new_site(city_engine, w.street_s2, homes=1, status=registry.Status.in_use).homes[0]
        with city_engine.begin() as conn:
            conn.execute(
                home_owners.insert().values(
                    home_id=other_home,
                    owner_kind="person",
                    owner_bidx=kr.blind_index(CITIZEN_ID, "id_number"),
                    owner_id_enc=kr.encrypt(CITIZEN_ID, "home_owners.owner_id"),
                    owner_name_enc=kr.encrypt(CITIZEN_NAME, "home_owners.owner_name"),
                    share_pct=100,
                    acquired_on=date(2020, 5, 1),
                    released_on=None,
                    recorded_at=clock.now(),
                )
            )
        c3 = client.post(f"{API}/contracts", json=tb.contract_body(h3), headers=dev).json()
        r = client.post(f"{API}/contracts/{c3['id']}/buyer-signature", headers=buyer)
        assert r.status_code == 422
        assert "已有住房 2 套（登记 1 套、已网签 1 套），超过 1 套" in r.json()["message"]
        with city_engine.connect() as conn:
            st = conn.execute(
                select(sale_contracts.c.buyer_signed_at).where(sale_contracts.c.id == c3["id"])
            ).scalar_one()
        assert st is None
    app.state.engine.dispose()


def test_public_pages_read_in_a_fixed_number_of_statements(client: TestClient, city_engine: Engine) -> None:
    """More projects, permits, homes and contracts do not add statements to the public pages (no N+1)."""
    from sqlalchemy import event

    w = choose_world(city_engine)
    app_engine = client.app.state.engine  # type: ignore[attr-defined]
    anon = TestClient(client.app, follow_redirects=False)

    def statements(url: str) -> int:
        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            seen.append(statement)

        event.listen(app_engine, "before_cursor_execute", record)
        try:
            assert anon.get(url).status_code == 200
        finally:
            event.remove(app_engine, "before_cursor_execute", record)
        return len(seen)

    first = tb.on_sale(client, city_engine, w.street_s1, homes=2)
    few = statements("/transactions/projects"), statements(f"/transactions/buildings/{first.site.building}")
    dev = auth(city_engine, "agency")
    more = tb.on_sale(client, city_engine, w.street_s2, homes=8)
    tb.on_sale(client, city_engine, w.street_s1, homes=3)
    for h in more.site.homes[:3]:
        assert client.post(f"{API}/contracts", json=tb.contract_body(h), headers=dev).status_code == 201
    many = statements("/transactions/projects"), statements(f"/transactions/buildings/{more.site.building}")
    assert many == few


def test_the_buyer_signs_on_the_page_and_an_officer_cancels_on_the_contracts_page(
    client: TestClient, city_engine: Engine
) -> None:
    from tests.accounts import web_session

    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev = auth(city_engine, "agency")
    c = client.post(f"{API}/contracts", json=tb.contract_body(sale.site.homes[0]), headers=dev).json()
    token, csrf = web_session(city_engine, "citizen")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = page.get("/transactions/me/contracts")
    assert r.status_code == 200 and CITIZEN_NAME in r.text and f"/transactions/me/contracts/{c['id']}/sign" in r.text
    # without the CSRF token the cookie-authenticated write is refused
    assert page.post(f"/transactions/me/contracts/{c['id']}/sign").status_code == 403
    r = page.post(f"/transactions/me/contracts/{c['id']}/sign", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("done=signed")
    assert "已签署" in page.get(r.headers["location"]).text
    # signing twice: the same page again, with the reason
    r = page.post(f"/transactions/me/contracts/{c['id']}/sign", data={"csrf_token": csrf})
    assert r.status_code == 409 and "已签署" in r.text
    # the officer's page: masked buyer, the cancellation form; a blank reason is refused beside the field
    token, csrf = web_session(city_engine, "district")
    staff = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = staff.get(f"/transactions/staff/contracts/{c['id']}")
    assert r.status_code == 200 and CITIZEN_NAME not in r.text and CITIZEN_ID not in r.text and "撤销备案" in r.text
    r = staff.post(f"/transactions/staff/contracts/{c['id']}/cancel", data={"csrf_token": csrf, "reason": " "})
    assert r.status_code == 422 and "须填写撤销原因" in r.text
    r = staff.post(f"/transactions/staff/contracts/{c['id']}/cancel", data={"csrf_token": csrf, "reason": "双方协商"})
    assert r.status_code == 303
    assert "已撤销" in staff.get(r.headers["location"]).text
    # a clerk reads the contract but gets no cancellation form
    token, _ = web_session(city_engine, "clerk")
    clerk = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = clerk.get(f"/transactions/staff/contracts/{c['id']}")
    assert r.status_code == 200 and "/cancel" not in r.text


def test_the_developer_drafts_signs_and_files_on_its_pages(client: TestClient, city_engine: Engine) -> None:
    from tests.accounts import web_session

    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    token, csrf = web_session(city_engine, "agency")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    r = page.get("/transactions/sales")
    assert r.status_code == 200 and "安居置业有限公司" in r.text and "起草合同" in r.text
    form = {
        "csrf_token": csrf,
        "home_id": str(sale.site.homes[0]),
        "buyer_name": CITIZEN_NAME,
        "buyer_id_number": CITIZEN_ID,
        "total_price": "2,685,000",
        "payment_method": "commercial_loan",
        "down_payment": "805,500",
        "loan": "1,879,500",
        "delivery_date": (clock.today() + timedelta(days=400)).isoformat(),
        "buyer_hukou": "local",
        "buyer_social_insurance_months": "0",
    }
    bad = form | {"total_price": "2,685,000.001", "delivery_date": "明年"}
    r = page.post("/transactions/sales/contracts", data=bad)
    assert r.status_code == 422 and "日期格式应为 YYYY-MM-DD" in r.text and "两位小数" in r.text
    assert CITIZEN_ID not in r.text and count(city_engine, sale_contracts) == 0
    over = form | {"total_price": "2,685,000.01", "down_payment": "805,500.01"}
    r = page.post("/transactions/sales/contracts", data=over)
    assert r.status_code == 422 and "高于备案价格" in r.text
    r = page.post("/transactions/sales/contracts", data=form)
    assert r.status_code == 303 and r.headers["location"].endswith("done=drafted"), r.text
    with city_engine.connect() as c:
        cid = c.execute(select(sale_contracts.c.id)).scalar_one()
    assert page.post(f"/transactions/sales/contracts/{cid}/sign", data={"csrf_token": csrf}).status_code == 303
    r = page.post(f"/transactions/sales/contracts/{cid}/file", data={"csrf_token": csrf})
    assert r.status_code == 409 and "不能备案" in r.text  # the buyer has not signed yet
    assert (
        client.post(f"{API}/contracts/{cid}/buyer-signature", headers=auth(city_engine, "citizen")).status_code == 200
    )
    r = page.post(f"/transactions/sales/contracts/{cid}/file", data={"csrf_token": csrf})
    assert r.status_code == 303
    year = clock.to_local(clock.now()).year
    assert domain.filing_number(year, cid) in page.get("/transactions/sales").text


def test_the_bureau_files_a_developer_a_project_and_a_permit_on_its_forms(
    client: TestClient, city_engine: Engine
) -> None:
    from tests.accounts import web_session

    w = choose_world(city_engine)
    site = tb.new_site(city_engine, w.street_s1, homes=2)
    token, csrf = web_session(city_engine, "district")
    page = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    assert page.get("/transactions/staff/filings").status_code == 200
    dev = {k: v for k, v in tb.developer_body(w.street_s1).items()} | {"csrf_token": csrf}
    r = page.post("/transactions/staff/developers", data=dev | {"credit_code": "91110000600037341X"})
    assert r.status_code == 422 and "credit_code" in r.text and count(city_engine, developers) == 0
    r = page.post("/transactions/staff/developers", data=dev)
    assert r.status_code == 303 and r.headers["location"].endswith("done=developer")
    with city_engine.connect() as c:
        dev_id = c.execute(select(developers.c.id)).scalar_one()
    r = page.post(
        "/transactions/staff/projects",
        data={"csrf_token": csrf, "name": "表单府", "developer_id": str(dev_id), "estate_id": "x"},
    )
    assert r.status_code == 422 and "应为编号" in r.text
    r = page.post(
        "/transactions/staff/projects",
        data={"csrf_token": csrf, "name": "表单府", "developer_id": str(dev_id), "estate_id": str(site.estate)},
    )
    assert r.status_code == 303
    with city_engine.connect() as c:
        project = c.execute(select(func.max(sale_projects.c.id))).scalar_one()
    permit = {"csrf_token": csrf, "project_id": str(project), "issued_on": clock.today().isoformat()}
    r = page.post("/transactions/staff/permits", data=permit | {"home_ids": f"{site.homes[0]}, 12a"})
    assert r.status_code == 422 and "不是编号" in r.text and status_of(city_engine, site.homes[0]) == "在建"
    r = page.post("/transactions/staff/permits", data=permit | {"building_ids": str(site.building)})
    assert r.status_code == 303
    assert {status_of(city_engine, h) for h in site.homes} == {"预售"}


def test_public_figures_count_filed_contracts_by_day_month_district_and_use(
    client: TestClient, city_engine: Engine
) -> None:
    """The public 成交 figures (issue 18): a filed contract counts on its day and month in its district
    and use; drafts do not; a cancelled filing leaves the figures; no personal data on the page."""
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev, buyer = auth(city_engine, "agency"), auth(city_engine, "citizen")
    before = client.get(f"{API}/public/figures").json()
    counted = txf.snapshot(city_engine)
    home = sale.site.homes[0]
    c = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev).json()
    assert client.get(f"{API}/public/figures").json()["daily_total"] == before["daily_total"]  # a draft: not yet
    assert client.post(f"{API}/contracts/{c['id']}/buyer-signature", headers=buyer).status_code == 200
    assert client.post(f"{API}/contracts/{c['id']}/developer-signature", headers=dev).status_code == 200
    assert client.post(f"{API}/contracts/{c['id']}/filing", headers=dev).status_code == 200
    with city_engine.connect() as conn:
        use = conn.execute(select(registry.homes.c.use).where(registry.homes.c.id == home)).scalar_one()
    after = client.get(f"{API}/public/figures").json()
    today = clock.today()
    district = w.street_s1[:6]
    # the kept figures moved exactly as a direct aggregation of the contracts did
    assert txf.assert_same_change(city_engine, counted) == {(today, "new", district, use): (1, Decimal("89.50"))}

    def row(rows: list[dict[str, Any]], period: str) -> dict[str, Any]:
        found = [
            r
            for r in rows
            if (r["market"], r["period"], r["district_code"], r["use"]) == ("new", period, district, use)
        ]
        return found[0] if found else {"contracts": 0, "area": "0"}

    for key, period in (("daily", today.isoformat()), ("monthly", today.strftime("%Y-%m"))):
        was, now = row(before[key], period), row(after[key], period)
        assert now["contracts"] == was["contracts"] + 1
        assert Decimal(now["area"]) == Decimal(was["area"]) + Decimal("89.50")
    assert after["daily_total"] == before["daily_total"] + 1
    assert after["daily_by_market"]["new"] == before["daily_by_market"]["new"] + 1
    assert after["daily_by_market"]["resale"] == before["daily_by_market"]["resale"]
    page = client.get("/transactions/figures")
    assert page.status_code == 200 and "新建商品房网签备案成交" in page.text
    assert CITIZEN_NAME not in page.text and CITIZEN_ID not in page.text and c["buyer_id_number"] not in page.text
    # the bureau cancels the filing: it leaves the figures
    city = auth(city_engine, "city")
    r = client.post(f"{API}/contracts/{c['id']}/cancellation", json={"reason": "虚假备案"}, headers=city)
    assert r.status_code == 204, r.text
    assert client.get(f"{API}/public/figures").json()["daily_total"] == before["daily_total"]
    assert txf.assert_same_change(city_engine, counted) == {}
