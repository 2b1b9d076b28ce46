"""End to end, on both databases (needs the grading engine: ``anju.credit.amend_event`` and the grade
recomputed by ``record_event``): an agency sanctioned through the rental context — an inspection records
serious violations, which become credit events, grade it down and put it on the black list — is refused
at its next listing publication; once each event is repaired (信用修复) it is accepted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju import credit
from anju.app import create_app
from anju.core import clock
from anju.credit.tables import credit_events, credit_grades, credit_list_entries
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import account_id, api_token, choose_world

BASE = "/api/v1/rental/me/listings"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "kr": keyring_from_settings(settings)}
    app.state.engine.dispose()


def test_a_sanctioned_agency_is_refused_at_its_next_listing_until_its_record_is_repaired(env: dict[str, Any]) -> None:
    client, eng, kr = env["client"], env["engine"], env["kr"]
    w = choose_world(eng)
    agency = {"authorization": f"Bearer {api_token(eng, 'agency')}"}
    district = {"authorization": f"Bearer {api_token(eng, 'district')}"}
    with eng.begin() as c:
        pid = rb.party(c, kr, w.street_s1, kind="agency", code=rb.AGENCY_CODE, account_id=account_id(eng, "agency"))
        homes = rb.free_homes(c, w.street_s1, 2)
        first, second = (
            rb.listing(c, h, status="verified", lister_account_id=account_id(eng, "agency"), party_id=pid)
            for h in homes
        )
    assert client.post(f"{BASE}/{first}/publish", headers=agency).status_code == 200  # clean: published
    # supervision: an inspection of the agency finds serious violations (credit events of the agency)
    serious = [
        {"kind": "rental.escrow_breach", "description": "租金未进入监管账户"},
        {"kind": "rental.escrow_breach", "description": "押金未进入监管账户"},
        {"kind": "rental.deposit_overcharge", "description": "押金超过规定", "severity": "serious"},
        {"kind": "rental.false_listing", "description": "虚假房源", "severity": "serious"},
    ]
    r = client.post(
        "/api/v1/rental/inspections",
        json={"target_kind": "party", "party_id": pid, "findings": "专项检查", "violations": serious},
        headers=district,
    )
    assert r.status_code == 201, r.text
    bidx = kr.blind_index(rb.AGENCY_CODE, "credit_code")
    with eng.connect() as c:
        events = list(c.execute(select(credit_events.c.id).where(credit_events.c.subject_bidx == bidx)).scalars())
        assert len(events) == len(serious)
        black = c.execute(
            select(credit_list_entries.c.id).where(
                credit_list_entries.c.subject_bidx == bidx,
                credit_list_entries.c.list == "black",
                credit_list_entries.c.active == 1,
            )
        ).first()
        grade = c.execute(select(credit_grades.c.grade).where(credit_grades.c.subject_bidx == bidx)).scalar()
        assert black is not None or grade == "D", "the grading engine grades the agency D or black-lists it"
    r = client.post(f"{BASE}/{second}/publish", headers=agency)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "lister_credit", r.text
    assert "测试住房租赁有限公司" in r.text
    # 信用修复: each event stops counting from today; the grade and the lists are recomputed
    with eng.begin() as c:
        for n, event_id in enumerate(events, start=1):
            credit.amend_event(
                c,
                event_id,
                "repair",
                effective_on=clock.today(),
                reason="已整改到位",
                reference=f"XF{n:06d}",
                by="district",
            )
    r = client.post(f"{BASE}/{second}/publish", headers=agency)
    assert r.status_code == 200, r.text
