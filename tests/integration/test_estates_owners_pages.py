"""The owners' pages render for staff and owners, in Chinese, and work end to end: the street starts and
opens a vote on its page, the owner sees it under 我的业主事务, casts on the page and sees the receipt with
its proof; staff see participation without choices, the CSV export, and a committee with masked names;
the REST answers match (participation, 409 on a second ballot)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from anju.app import create_app
from anju.core import clock
from anju.estates import owners_orgs as orgs
from anju.estates.tables import estates_votes
from anju.security import Caller, keyring_from_settings
from tests.accounts import api_token, verified_person
from tests.integration.test_estates_owners import _estate_with_owners, _persons

SYSTEM = Caller.system("test")


@pytest.fixture
def env(people_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(people_engine)
    kr = keyring_from_settings(settings)
    with people_engine.connect() as conn:
        est = _estate_with_owners(conn)
        people = _persons(conn, kr, int(est.id), 7)
    verified_person(people_engine, settings, "pageowner", people[0]["name"], people[0]["id"], "13955500001")
    with people_engine.begin() as conn:
        aid = orgs.file_assembly(conn, SYSTEM, int(est.id), f"YZDH-P{est.id}", clock.today() - timedelta(days=500))
        members = [orgs.MemberIn(p["name"], p["id"], p["house_code"], "chair" if i == 0 else "member")
                   for i, p in enumerate(people[:5])]  # fmt: skip
        cid = orgs.form_committee(
            conn, kr, SYSTEM,
            orgs.CommitteeIn(aid, clock.today() - timedelta(days=30), clock.today() + timedelta(days=1000), members),
        )  # fmt: skip
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": people_engine, "client": client, "estate": est, "people": people, "committee": cid,
               "assembly": aid}  # fmt: skip
    app.state.engine.dispose()


def bearer(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def test_a_vote_from_the_street_page_to_the_owners_receipt(env: dict[str, Any]) -> None:
    c, eng, est = env["client"], env["engine"], env["estate"]
    city, owner = bearer(eng, "city"), bearer(eng, "pageowner")
    today = clock.today()
    r = c.get("/property/owners", headers=city)
    assert r.status_code == 200 and "业主大会与业主委员会" in r.text and f"YZDH-P{est.id}" in r.text
    people = env["people"]
    form = {"term_starts_on": today.isoformat(), "term_ends_on": (today + timedelta(days=1500)).isoformat()}
    for i, p in enumerate(people[:4]):  # four members: refused, and the typed ID numbers are not shown again
        form |= {f"m{i}_name": p["name"], f"m{i}_id": p["id"], f"m{i}_house": p["house_code"],
                 f"m{i}_position": "chair" if i == 0 else "member"}  # fmt: skip
    r = c.post(f"/property/owners/assemblies/{env['assembly']}/committee", data=form, headers=city)
    assert r.status_code == 422 and "5–11" in r.text and people[1]["id"] not in r.text
    p = people[4]
    form |= {"m4_name": p["name"], "m4_id": p["id"], "m4_house": p["house_code"], "m4_position": "vice_chair"}
    r = c.post(f"/property/owners/assemblies/{env['assembly']}/committee", data=form, headers=city)
    assert r.status_code == 303, r.text[:400]
    new = int(r.headers["location"].split("?")[0].rsplit("/", 1)[1])
    old = c.get(f"/api/v1/property/committees/{env['committee']}", headers=city).json()
    assert old["status"] == "ended" and new != env["committee"]
    r = c.get(f"/property/owners/committees/{env['committee']}", headers=city)
    assert r.status_code == 200 and "主任" in r.text and env["people"][0]["name"] not in r.text
    form = {"estate_id": str(est.id), "title": "页面表决", "matter": "use_fund", "record_date": today.isoformat(),
            "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=5)).isoformat()}  # fmt: skip
    r = c.post("/property/votes", data=form, headers=city)
    assert r.status_code == 303, r.text[:300]
    vote_url = r.headers["location"].split("?")[0]
    vid = int(vote_url.rsplit("/", 1)[1])
    r = c.post(f"{vote_url}/open", headers=city)
    assert r.status_code == 303
    r = c.get(vote_url, headers=city)
    assert r.status_code == 200 and "表决中" in r.text and "计票前不显示任何选择" in r.text
    assert "登记单位书面表决票" in r.text
    r = c.get(f"{vote_url}/paper", headers=city)
    assert r.status_code == 200 and "确认登记" in r.text and "授权" in r.text
    r = c.post(f"{vote_url}/paper", data={"credit_code": "91320102MA1X0000A", "choice": "yes"}, headers=city)
    assert r.status_code == 422 and "请勾选确认" in r.text and "统一社会信用代码" in r.text
    r = c.get("/property/mine", headers=owner)
    assert r.status_code == 200 and "页面表决" in r.text and "待投票" in r.text
    r = c.post(f"/property/mine/votes/{vid}", data={"choice": "no"}, headers=owner)
    assert r.status_code == 303
    r = c.get(f"/property/mine/votes/{vid}", headers=owner)
    assert r.status_code == 200 and "我的选票回执" in r.text and "包含证明" in r.text and "反对" in r.text
    again = c.post(f"/api/v1/property/my/votes/{vid}/ballot", json={"choice": "yes"}, headers=owner)
    assert again.status_code == 409
    v = c.get(f"/api/v1/property/votes/{vid}", headers=city).json()
    assert v["ballots"] == 1 and v["yes_owners"] is None and v["passed"] is None
    mine = c.get(f"/api/v1/property/my/votes/{vid}/ballot", headers=owner).json()
    assert mine["receipt"]["choice"] == "no" and mine["proof"]["algorithm"] == "sm3"
    csv = c.get("/property/votes/export.csv", headers=city)
    assert csv.status_code == 200 and "页面表决" in csv.content.decode("utf-8-sig")
    assert c.get(f"/api/v1/property/votes/{vid}/tally.json").status_code == 404  # not tallied yet
    r = c.post(f"{vote_url}/tally", headers=city)
    assert r.status_code == 409 and "尚未截止" in r.text
    # the end time passes: shown closed, no ballot, the close confirmed on its page, then the tally
    with eng.begin() as conn:
        conn.execute(estates_votes.update().where(estates_votes.c.id == vid).values(closes_at=clock.now()))
    r = c.get(vote_url, headers=city)
    assert r.status_code == 200 and "已截止（待结束）" in r.text and f"{vote_url}/close" in r.text
    assert c.post(f"/api/v1/property/my/votes/{vid}/ballot", json={"choice": "yes"}, headers=owner).status_code == 409
    r = c.get("/property/votes?status=closed", headers=city)
    assert r.status_code == 200 and "页面表决" in r.text
    r = c.post(f"{vote_url}/tally", headers=city)
    assert r.status_code == 409 and "请先结束表决" in r.text
    r = c.get(f"{vote_url}/close", headers=city)
    assert r.status_code == 200 and "确认结束" in r.text
    r = c.post(f"{vote_url}/close", data={}, headers=city)
    assert r.status_code == 422 and "请勾选确认" in r.text
    r = c.post(f"{vote_url}/close", data={"confirm": "yes"}, headers=city)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=close")
    r = c.get(vote_url, headers=city)
    assert "表决已于" in r.text and "计票</button>" in r.text and "已截止（待结束）" not in r.text
    assert c.post(f"/api/v1/property/votes/{vid}/close", headers=city).status_code == 409  # once
    r = c.post(f"/api/v1/property/votes/{vid}/tally", headers=city)
    assert r.status_code == 200 and r.json()["ballots"] == 1
    assert c.get("/property/votes?status=open", headers=city).status_code == 200
    estates = c.get("/api/v1/property/my/estates", headers=owner).json()
    assert any(e["committee"] and e["committee"]["id"] == new for e in estates)
