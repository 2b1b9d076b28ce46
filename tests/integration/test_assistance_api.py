"""Housing assistance over HTTP: the applicant's API and pages, the reviewers' queue, the public notice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from stdnum.cn import ric

from anju.app import create_app
from anju.assistance import catalogue, domain
from anju.assistance.tables import application_members, applications
from anju.security import audit_log
from tests.accounts import CITIZEN_ID, api_token, choose_world, web_session

PDF = b"%PDF-1.4\n%test\n"


def rid(n: int) -> str:
    body = f"32010219880303{n:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    with city_engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def kid(n: int) -> str:
    body = f"32010220150303{n:03d}"
    return body + ric.calc_check_digit(body + "0")


def body(street: str, n: int = 1, income: str = "30000") -> dict[str, Any]:
    """The signed-in citizen (本人: name and number come from the verified account) and a minor child."""
    members = [
        {
            "relation": "本人",
            "annual_income_yuan": income,
            "assets_yuan": "1000",
            "local_hukou": True,
            "hukou_years": 10,
            "social_insurance_months": 60,
            "employed": True,
        },
        {
            "name": "李小",
            "id_number": kid(n + 500),
            "relation": "子女",
            "annual_income_yuan": income,
            "local_hukou": True,
            "hukou_years": 5,
        },
    ]
    return {"programme_code": "public_rental", "street_code": street, "members": members, "phone": "13912340000"}


def test_apply_submit_review_over_the_api(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    me = auth(city_engine, "citizen")
    progs = client.get("/api/v1/assistance/programmes").json()
    assert {p["code"] for p in progs} >= {"public_rental", "talent_subsidy"}
    assert all(e["sample"] for p in progs for e in p["editions"])
    r = client.post("/api/v1/assistance/me/applications", json=body(w.street_s1), headers=me)
    assert r.status_code == 201, r.text
    app_id, app_no = r.json()["id"], r.json()["app_no"]
    assert re.fullmatch(r"BZ\d{11}", app_no)
    r = client.post(f"/api/v1/assistance/me/applications/{app_id}/submit", headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "documents"
    r = client.post(
        f"/api/v1/assistance/me/applications/{app_id}/documents",
        data={"kind": "身份证明"},
        files={"file": ("id.png", b"\x89PNG\r\n\x1a\n" + b"0" * 10, "image/png")},
        headers=me,
    )
    assert r.status_code == 201, r.text
    r = client.post(f"/api/v1/assistance/me/applications/{app_id}/submit", headers=me)
    assert r.status_code == 200 and r.json()["outcome"] == "eligible"
    assert {x["code"] for x in r.json()["rules"]} >= {"income", "area", "credit", "hukou_years"}
    assert all(set(x) == {"code", "name", "requirement", "result", "result_label"} for x in r.json()["rules"])
    detail = client.get(f"/api/v1/assistance/me/applications/{app_id}", headers=me).json()
    assert detail["status"] == "submitted" and detail["level"] == "street"
    assert (detail["programme_name"], detail["priority_class"], detail["priority_name"]) == (
        "公共租赁住房",
        "elderly",  # the seeded citizen is 76
        "老年人家庭",
    )
    assert "*" in detail["members"][0]["id_number"] and CITIZEN_ID not in str(detail)
    # another citizen cannot see it; a reviewer of another district neither
    assert (
        client.get(f"/api/v1/assistance/me/applications/{app_id}", headers=auth(city_engine, "landlord")).status_code
        == 404
    )
    # the street clerk's queue has it; the district officer must wait for the street's approval
    clerk, district = auth(city_engine, "clerk"), auth(city_engine, "district")
    q = client.get(
        "/api/v1/assistance/applications", params={"status": "submitted", "level": "street"}, headers=clerk
    ).json()
    assert [i["app_no"] for i in q["items"]] == [app_no]
    r = client.post(f"/api/v1/assistance/applications/{app_id}/decision", json={"action": "approve"}, headers=district)
    assert r.status_code == 409
    r = client.post(
        f"/api/v1/assistance/applications/{app_id}/decision", json={"action": "approve", "version": 2}, headers=clerk
    )
    assert r.status_code == 200 and r.json()["status"] == "submitted"
    r = client.post(f"/api/v1/assistance/applications/{app_id}/decision", json={"action": "reject"}, headers=district)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(f"/api/v1/assistance/applications/{app_id}/decision", json={"action": "approve"}, headers=district)
    assert r.json()["status"] == "submitted"
    r = client.post(
        f"/api/v1/assistance/applications/{app_id}/decision",
        json={"action": "approve"},
        headers=auth(city_engine, "city"),
    )
    assert r.json()["status"] == "notice"
    notices = client.get("/api/v1/assistance/notices").json()
    assert [n["app_no"] for n in notices["items"]] == [app_no]
    assert "name" not in notices["items"][0]
    r = client.post(
        f"/api/v1/assistance/notices/{app_id}/objections", json={"text": "有房"}, headers=auth(city_engine, "landlord")
    )
    assert r.status_code == 201
    mine = client.get(f"/api/v1/assistance/me/applications/{app_id}", headers=me).json()
    assert [st["actor"] for st in mine["steps"] if st["action"] == "objection"] == ["public"]
    assert "landlord" not in str(mine)  # the objector is not named to the applicant
    with city_engine.connect() as conn:
        actions = (
            conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("assistance.%"))).scalars().all()
        )
        assert {
            "assistance.create",
            "assistance.upload",
            "assistance.submit",
            "assistance.approve",
            "assistance.object",
        } <= set(actions)
        # personal values never reach the audit or the database in clear
        details = " ".join(str(x) for x in conn.execute(select(audit_log.c.detail)).scalars())
        assert CITIZEN_ID not in details
        assert (
            conn.execute(
                select(func.count()).select_from(application_members).where(application_members.c.id_bidx == "")
            ).scalar_one()
            == 0
        )


def test_bad_api_input_is_422_naming_the_field(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    me = auth(city_engine, "citizen")
    b = body(w.street_s1)
    b["members"][0]["id_number"] = rid(10)  # 本人 is the account's verified identity, nobody else
    r = client.post("/api/v1/assistance/me/applications", json=b, headers=me)
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["members[0].id_number"]
    assert "实名认证" in r.json()["errors"][0]["reason"]
    b = body(w.street_s1)
    b["members"][1]["annual_income_yuan"] = "-5"
    r = client.post("/api/v1/assistance/me/applications", json=b, headers=me)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"members[1].annual_income_yuan"}
    b = body(w.street_s1)
    b["members"][0]["hukou_years"] = 500
    r = client.post("/api/v1/assistance/me/applications", json=b, headers=me)
    assert r.status_code == 422 and "hukou_years" in r.json()["errors"][0]["field"]
    r = client.post(
        "/api/v1/assistance/me/applications", json={**body(w.street_s1), "programme_code": "nope"}, headers=me
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "programme_code"
    with city_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(applications)).scalar_one() == 0
    # staff cannot apply, citizens cannot review
    assert (
        client.post(
            "/api/v1/assistance/me/applications", json=body(w.street_s1), headers=auth(city_engine, "clerk")
        ).status_code
        == 403
    )
    assert client.get("/api/v1/assistance/applications", headers=me).status_code == 403


def test_the_whole_flow_in_the_browser_pages(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    page = client.get("/assistance")
    assert page.status_code == 200 and "公共租赁住房" in page.text and "示例政策" in page.text
    token, csrf = web_session(city_engine, "citizen")
    client.cookies.set("anju_session", token)
    form = {
        "csrf_token": csrf,
        "programme_code": "public_rental",
        "street_code": w.street_s1,
        "housing_status": "rented",
        "m0_name": "张三",
        "m0_id": "320102198803030010",
        "m0_relation": "本人",
        "m0_income": "30000",
        "m0_hukou": "on",
        "m0_hukou_years": "10",
        "m0_si": "60",
        "m0_employed": "on",
    }
    r = client.post("/assistance/apply", data=form)
    assert r.status_code == 422 and "members[0].id_number" in r.text and "实名认证" in r.text
    assert "320102198803030010" not in r.text  # the ID is not echoed back
    page = client.get("/assistance/apply")  # the applicant's row is the verified identity, masked
    assert page.status_code == 200 and "1101**********002X" in page.text and 'name="m0_id"' not in page.text
    r = client.post("/assistance/apply", data={k: v for k, v in form.items() if k not in ("m0_name", "m0_id")})
    assert r.status_code == 303, r.text
    detail_url = r.headers["location"].split("?")[0]
    app_id = int(detail_url.rsplit("/", 1)[1])
    page = client.get(r.headers["location"])
    assert "草稿已保存" in page.text and "还没有上传材料" in page.text
    r = client.post(
        f"/assistance/me/{app_id}/documents",
        data={"csrf_token": csrf, "kind": "身份证明"},
        files={"file": ("a.pdf", b"not a pdf", "application/pdf")},
    )
    assert r.status_code == 422 and "文件内容与类型不符" in r.text
    r = client.post(
        f"/assistance/me/{app_id}/documents",
        data={"csrf_token": csrf, "kind": "身份证明"},
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 303
    r = client.post(f"/assistance/me/{app_id}/check", data={"csrf_token": csrf})
    page = client.get(r.headers["location"])
    assert "符合申请条件" in page.text and "人均年收入上限" in page.text and "✔ 符合" in page.text
    assert "核验所用数据" not in page.text and "名下住房面积" not in page.text  # no figures on the page
    assert "确认提交" in client.get(f"/assistance/me/{app_id}/confirm?action=submit").text
    r = client.post(f"/assistance/me/{app_id}/submit", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert "已提交" in client.get(r.headers["location"]).text
    # without the CSRF token a cookie-authenticated write is refused
    assert client.post(f"/assistance/me/{app_id}/withdraw", data={}).status_code == 403
    # the street clerk's pages
    token, csrf = web_session(city_engine, "clerk")
    client.cookies.set("anju_session", token)
    queue = client.get("/assistance/review")
    assert queue.status_code == 200 and "办理" in queue.text
    detail = client.get(f"/assistance/review/{app_id}")
    assert "审核通过…" in detail.text and CITIZEN_ID not in detail.text
    confirm = client.get(f"/assistance/review/{app_id}/confirm?action=return")
    version = re.search(r'name="version" value="(\d+)"', confirm.text)
    assert version
    r = client.post(
        f"/assistance/review/{app_id}/decision",
        data={"csrf_token": csrf, "action": "return", "version": version.group(1)},
    )
    assert r.status_code == 422 and "reason" in r.text
    r = client.post(
        f"/assistance/review/{app_id}/decision",
        data={"csrf_token": csrf, "action": "return", "version": version.group(1), "reason": "请补充收入证明"},
    )
    assert r.status_code == 303
    with city_engine.connect() as conn:
        assert conn.execute(select(applications.c.status).where(applications.c.id == app_id)).scalar_one() == "returned"
    assert client.get("/assistance/notices").status_code == 200


def test_an_applicant_verifies_their_decisions_in_the_log(client: TestClient, city_engine: Engine) -> None:
    from anju.ledger import verify

    w = choose_world(city_engine)
    me = auth(city_engine, "citizen")
    app_id = client.post("/api/v1/assistance/me/applications", json=body(w.street_s1, n=7), headers=me).json()["id"]
    client.post(
        f"/api/v1/assistance/me/applications/{app_id}/documents",
        data={"kind": "身份证明"},
        files={"file": ("id.pdf", PDF, "application/pdf")},
        headers=me,
    )
    assert client.post(f"/api/v1/assistance/me/applications/{app_id}/submit", headers=me).status_code == 200
    clerk = auth(city_engine, "clerk")
    r = client.post(f"/api/v1/assistance/applications/{app_id}/decision", json={"action": "approve"}, headers=clerk)
    assert r.status_code == 200
    proofs = client.get(f"/api/v1/assistance/me/applications/{app_id}/proofs", headers=me).json()
    assert proofs["log"] == "assistance" and proofs["algorithm"] == "sm3"
    assert [i["action"] for i in proofs["items"]] == ["submit", "approve"]
    head = client.get("/api/v1/ledger/assistance/head").json()
    assert (head["size"], head["root"]) == (proofs["size"], proofs["root"])
    for item in proofs["items"]:
        leaf = verify.leaf_hash(item["entry"].encode(), "sm3")
        assert leaf.hex() == item["leaf_hash"]
        assert f'"application": {app_id}' in item["entry"]
        assert '"actor": "citizen"' not in item["entry"]  # an applicant's account name stays out of the log
        path = [bytes.fromhex(h) for h in item["proof"]]
        assert (
            verify.check_inclusion(leaf, item["index"], proofs["size"], path, bytes.fromhex(proofs["root"]), "sm3")
            is None
        )
        forged = verify.leaf_hash(
            item["entry"].replace(f'"application": {app_id}', f'"application": {app_id + 1}').encode(), "sm3"
        )
        assert verify.check_inclusion(forged, item["index"], proofs["size"], path, bytes.fromhex(proofs["root"]), "sm3")
    # another applicant cannot read them
    assert (
        client.get(
            f"/api/v1/assistance/me/applications/{app_id}/proofs", headers=auth(city_engine, "landlord")
        ).status_code
        == 404
    )
    page = client.get(f"/assistance/me/{app_id}", headers=me)
    assert "下载存证证明" in page.text and "核验</button>" in page.text and "verify.py" not in page.text


def test_a_clerk_opens_a_tracking_case_from_the_application_page(client: TestClient, city_engine: Engine) -> None:
    from anju.core import clock

    w = choose_world(city_engine)
    me = auth(city_engine, "citizen")
    b = {**body(w.street_s1, n=9, income="20000"), "programme_code": "rent_subsidy"}
    app_id = client.post("/api/v1/assistance/me/applications", json=b, headers=me).json()["id"]
    client.post(
        f"/api/v1/assistance/me/applications/{app_id}/documents",
        data={"kind": "身份证明"},
        files={"file": ("id.pdf", PDF, "application/pdf")},
        headers=me,
    )
    assert client.post(f"/api/v1/assistance/me/applications/{app_id}/submit", headers=me).status_code == 200
    for who in ("clerk", "district"):
        r = client.post(
            f"/api/v1/assistance/applications/{app_id}/decision",
            json={"action": "approve"},
            headers=auth(city_engine, who),
        )
        assert r.status_code == 200
    with city_engine.begin() as conn:
        conn.execute(applications.update().where(applications.c.id == app_id).values(notice_until=clock.now()))
    assert client.post("/api/v1/assistance/notices/finalise", headers=auth(city_engine, "district")).json()[
        "approved"
    ] == [app_id]
    token, csrf = web_session(city_engine, "clerk")
    client.cookies.set("anju_session", token)
    page = client.get(f"/assistance/review/{app_id}")
    assert "动态监管：立案" in page.text
    r = client.post(
        f"/assistance/review/{app_id}/case", data={"csrf_token": csrf, "kind": "vacancy", "note": "连续 7 个月无人居住"}
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/assistance/cases/")
    assert "长期空置" in client.get(r.headers["location"]).text
    r = client.post(f"/assistance/review/{app_id}/case", data={"csrf_token": csrf, "kind": "vacancy"})
    assert r.status_code == 409 and "已有未办结" in r.text
    r = client.post(f"/assistance/review/{app_id}/case", data={"csrf_token": csrf, "kind": "burglary"})
    assert r.status_code == 422 and "kind" in r.text
