"""Leases: online signing and filing (网签备案), the contract PDF, renewal, amendment, termination,
cancellation and expiry — over HTTP and through the services, on both databases."""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import segno
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from anju import ledger
from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict
from anju.registry import tables as rt
from anju.rental import contract_pdf, domain, escrow, lease_changes, lease_filing, leases
from anju.rental.tables import (
    rental_entrustments,
    rental_home_flags,
    rental_idempotency,
    rental_lease_events,
    rental_leases,
    rental_listings,
    rental_parties,
    rental_units,
)
from anju.security import Caller, Role, Scope, audit_log, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, account_id, api_token, choose_world
from tests.conftest import TEST_DATA_KEYS, TEST_INDEX_KEY

START = clock.today() + timedelta(days=10)
END = domain.add_months(START, 12) - timedelta(days=1)
API = "/api/v1/rental"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        homes = rb.free_homes(conn, w.street_s1, 6)
        for h in homes[:5]:
            rb.own(conn, kr, h.id)
        other = rb.free_homes(conn, _street_b(conn, w.district_b), 1)[0]
        rb.own(conn, kr, other.id)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {
            "engine": city_engine,
            "settings": settings,
            "kr": kr,
            "world": w,
            "homes": homes,
            "other": other,
            "client": client,
            "tokens": {},
        }
    app.state.engine.dispose()


def _street_b(conn: Any, district: str) -> str:
    b = rt.buildings
    return str(
        conn.execute(
            select(b.c.street_code)
            .where(b.c.district_code == district, b.c.street_code.like(district + "%"))
            .order_by(b.c.street_code)
            .limit(1)
        ).scalar_one()
    )


def h(env: dict[str, Any], who: str, **extra: str) -> dict[str, str]:
    if who not in env["tokens"]:
        env["tokens"][who] = api_token(env["engine"], who)
    return {"authorization": f"Bearer {env['tokens'][who]}", **extra}


def body(home: int | None = None, **over: Any) -> dict[str, Any]:
    b: dict[str, Any] = {
        "home_id": home,
        "tenant_name": CITIZEN_NAME,
        "tenant_id_number": CITIZEN_ID,
        "start_on": START.isoformat(),
        "end_on": END.isoformat(),
        "rent_fen": 3_200_00,
        "deposit_fen": 3_200_00,
        "payment_cycle": "monthly",
        "occupants": 2,
        "extra_clauses": ["可养一只猫"],
    }
    b.update(over)
    return b


def create(env: dict[str, Any], home_id: int | None = None, who: str = "landlord", **over: Any) -> int:
    r = env["client"].post(f"{API}/me/leases", json=body(home_id, **over), headers=h(env, who))
    assert r.status_code == 201, r.text
    assert re.fullmatch(r"HT\d{8}[0-9A-F]{10}", r.json()["lease_no"])
    return int(r.json()["id"])


def signed(env: dict[str, Any], home_id: int | None = None, who: str = "landlord", **over: Any) -> int:
    lease_id = create(env, home_id, who, **over)
    c = env["client"]
    assert c.post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, who)).json()["status"] == "signing"
    assert c.post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, "citizen")).json()["status"] == "signed"
    return lease_id


def file(env: dict[str, Any], lease_id: int, key: str | None = None, who: str = "landlord") -> Any:
    extra = {"Idempotency-Key": key or f"filing-{lease_id}-{next(_keys)}"}
    return env["client"].post(f"{API}/me/leases/{lease_id}/file", headers=h(env, who, **extra))


_keys = iter(range(1, 10**6))


def count(env: dict[str, Any], table: Any) -> int:
    with env["engine"].connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def lease_row(env: dict[str, Any], lease_id: int) -> Any:
    with env["engine"].connect() as c:
        return c.execute(select(rental_leases).where(rental_leases.c.id == lease_id)).one()


def log_size(env: dict[str, Any]) -> int:
    with env["engine"].connect() as c:
        return ledger.get_log(c, "rental").size


def caller(env: dict[str, Any], username: str) -> Caller:
    aid = account_id(env["engine"], username)
    return Caller(
        aid, username, Role(username) if username in ("citizen", "landlord", "agency") else None, None, Scope.own(aid)
    )


# ------------------------------------------------------------------------------------ the whole flow


def test_draft_sign_and_file_a_lease_on_an_owned_home(env: dict[str, Any]) -> None:
    home = env["homes"][0]
    before = log_size(env)
    lease_id = signed(env, home.id)
    r = file(env, lease_id)
    assert r.status_code == 200, r.text
    out = r.json()
    assert re.fullmatch(r"BA\d{17}", out["filing_no"]) and out["status"] == "filed"
    assert out["ledger_index"] == before and log_size(env) == before + 1
    row = lease_row(env, lease_id)
    assert row.status == "filed" and row.filing_no == out["filing_no"]
    assert row.landlord_signed_at and row.tenant_signed_at and row.filed_at
    with env["engine"].connect() as c:
        entry = ledger.get_log(c, "rental")
        events = c.execute(
            select(rental_lease_events.c.kind, rental_lease_events.c.ledger_index)
            .where(rental_lease_events.c.lease_id == lease_id)
            .order_by(rental_lease_events.c.id)
        ).all()
        unit = c.execute(select(rental_units).where(rental_units.c.unit_key == f"h{home.id}")).one()
    assert entry.size == before + 1
    assert [e.kind for e in events] == ["created", "signed", "signed", "filed"]
    assert events[-1].ledger_index == before
    assert unit.filings == 1
    # the tenant sees it with masked values only; the public page shows the filing
    mine = env["client"].get(f"{API}/me/leases", headers=h(env, "citizen")).json()
    assert [i["id"] for i in mine["items"]] == [lease_id]
    detail = env["client"].get(f"{API}/me/leases/{lease_id}", headers=h(env, "citizen")).json()
    assert detail["tenant_name"] == "郑**" and detail["tenant_id_masked"] == "1101**********002X"
    assert detail["side"] == "tenant" and detail["extra_clauses"] == ["可养一只猫"]
    assert len(detail["model_clauses"]) == len(domain.MODEL_CLAUSES)
    pub = env["client"].get(f"{API}/public/filings/{out['filing_no']}").json()
    assert pub["status"] == "filed" and pub["tenant_name"] == "郑**" and pub["landlord_name"] == "王**"
    assert pub["rent_fen"] == 3_200_00 and pub["estate"]
    assert CITIZEN_ID not in str(pub) and CITIZEN_NAME not in str(pub)
    assert env["client"].get(f"{API}/public/filings/BA000").status_code == 404


def test_a_lease_on_a_listing_closes_the_listing_when_filed(env: dict[str, Any]) -> None:
    home = env["homes"][1]
    landlord = account_id(env["engine"], "landlord")
    with env["engine"].begin() as c:
        listing_id = rb.listing(
            c, home, lister_account_id=landlord, owner_bidx=env["kr"].blind_index(rb.LANDLORD_ID, "id_number")
        )
        draft_listing = rb.listing(c, env["homes"][5], status="draft", lister_account_id=landlord)
    r = env["client"].post(f"{API}/me/leases", json=body(None, listing_id=draft_listing), headers=h(env, "landlord"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "listing_id"
    r = env["client"].post(f"{API}/me/leases", json=body(None, listing_id=listing_id), headers=h(env, "agency"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "listing_id"  # not the agency's listing
    lease_id = signed(env, None, listing_id=listing_id)
    assert lease_row(env, lease_id).home_id == home.id
    assert file(env, lease_id).status_code == 200
    with env["engine"].connect() as c:
        lst = c.execute(select(rental_listings).where(rental_listings.c.id == listing_id)).one()
    assert lst.status == "leased" and lst.active is None


# ------------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"tenant_id_number": "110105194912310021"}, "tenant_id_number"),
        ({"tenant_name": "1"}, "tenant_name"),
        ({"end_on": START.isoformat()}, "end_on"),
        ({"end_on": (START - timedelta(days=3)).isoformat()}, "end_on"),
        ({"end_on": domain.add_months(START, 241).isoformat()}, "end_on"),
        ({"rent_fen": 0}, "rent_fen"),
        ({"rent_fen": -100}, "rent_fen"),
        ({"rent_fen": 10_000_000_01}, "rent_fen"),
        ({"deposit_fen": 3_200_00 * 3 + 1}, "deposit_fen"),
        ({"deposit_fen": -1}, "deposit_fen"),
        ({"occupants": 0}, "occupants"),
        ({"use": "办公"}, "use"),
        ({"extra_clauses": [" "]}, "extra_clauses.0"),
        ({"tenant_username": "landlord"}, "tenant_username"),
        ({"tenant_id_number": rb.LANDLORD_ID, "tenant_name": "王房东"}, "tenant_id_number"),
        ({"home_id": None}, "listing_id"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(env: dict[str, Any], over: dict[str, Any], field: str) -> None:
    before = (count(env, rental_leases), count(env, rental_lease_events))
    r = env["client"].post(f"{API}/me/leases", json=body(env["homes"][0].id, **over), headers=h(env, "landlord"))
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert (count(env, rental_leases), count(env, rental_lease_events)) == before


def test_every_broken_term_is_named_at_once(env: dict[str, Any]) -> None:
    r = env["client"].post(
        f"{API}/me/leases",
        json=body(env["homes"][0].id, rent_fen=-5, occupants=0, end_on=START.isoformat()),
        headers=h(env, "landlord"),
    )
    assert {e["field"] for e in r.json()["errors"]} == {"rent_fen", "occupants", "end_on"}


def test_only_an_owner_or_entrusted_agent_may_let_a_home(env: dict[str, Any]) -> None:
    c = env["client"]
    free = env["homes"][5]  # nobody owns it
    r = c.post(f"{API}/me/leases", json=body(free.id), headers=h(env, "landlord"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "home_id"
    # a flagged (seized) home cannot be let
    with env["engine"].begin() as conn:
        conn.execute(
            rental_home_flags.insert().values(
                home_id=env["homes"][4].id,
                street_code=env["homes"][4].street_code,
                kind="seized",
                source="court",
                reason="法院查封",
                since=date(2020, 1, 1),
                recorded_at=clock.now(),
            )
        )
    r = c.post(f"{API}/me/leases", json=body(env["homes"][4].id), headers=h(env, "landlord"))
    assert r.status_code == 422 and "查封" in r.json()["errors"][0]["reason"]
    # a non-residential home cannot be let as a home
    with env["engine"].connect() as conn:
        shop = conn.execute(select(rt.homes.c.id).where(rt.homes.c.use != "住宅").limit(1)).scalar()
    if shop is not None:
        r = c.post(f"{API}/me/leases", json=body(shop), headers=h(env, "landlord"))
        assert r.status_code == 422


def _agency_party(env: dict[str, Any], home: Any, status: str = "filed") -> int:
    agency = account_id(env["engine"], "agency")
    with env["engine"].begin() as conn:
        pid = rb.party(conn, env["kr"], home.street_code, code=rb.AGENCY_CODE, account_id=agency, status=status)
        conn.execute(
            rental_entrustments.insert().values(
                home_id=home.id,
                room_id=None,
                street_code=home.street_code,
                owner_bidx=env["kr"].blind_index(rb.LANDLORD_ID, "id_number"),
                agent_party_id=pid,
                valid_from=date(2020, 1, 1),
                valid_to=date(2035, 1, 1),
                created_at=clock.now(),
            )
        )
    return pid


def test_an_agency_lets_an_entrusted_home_for_its_party_and_a_suspended_party_cannot_sign(
    env: dict[str, Any],
) -> None:
    home = env["homes"][2]
    pid = _agency_party(env, home)
    lease_id = create(env, home.id, who="agency", payment_cycle="half_year", deposit_fen=3_200_00 * 2)
    row = lease_row(env, lease_id)
    assert row.landlord_kind == "party" and row.landlord_party_id == pid and row.escrow_required
    with env["engine"].begin() as conn:
        conn.execute(update(rental_parties).where(rental_parties.c.id == pid).values(status="suspended"))
    before = count(env, rental_lease_events)
    r = env["client"].post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, "agency"))
    assert r.status_code == 409 and "暂停" in r.text
    assert lease_row(env, lease_id).landlord_signed_at is None and count(env, rental_lease_events) == before
    r = env["client"].post(f"{API}/me/leases", json=body(home.id), headers=h(env, "agency"))
    assert r.status_code == 409  # a suspended party cannot draft either


def test_only_the_parties_sign_and_the_tenant_is_matched_by_real_name_id(env: dict[str, Any]) -> None:
    lease_id = create(env, env["homes"][0].id)
    c = env["client"]
    assert c.post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, "agency")).status_code == 404
    assert c.get(f"{API}/me/leases/{lease_id}", headers=h(env, "agency")).status_code == 404
    assert c.post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, "citizen")).json()["status"] == "signing"
    assert c.post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, "citizen")).status_code == 409
    assert file(env, lease_id).status_code == 409  # not signed by both yet
    assert c.post(f"{API}/me/leases/{lease_id}/sign", headers=h(env, "landlord")).json()["status"] == "signed"
    assert lease_row(env, lease_id).tenant_account_id == account_id(env["engine"], "citizen")


# ----------------------------------------------------------------------------------------- idempotency


def test_filing_is_idempotent_by_key(env: dict[str, Any]) -> None:
    a = signed(env, env["homes"][0].id)
    b = signed(env, env["homes"][1].id)
    r = env["client"].post(f"{API}/me/leases/{a}/file", headers=h(env, "landlord"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert file(env, a, key="short").status_code == 422
    first = file(env, a, key="filing-key-0001")
    size = log_size(env)
    again = file(env, a, key="filing-key-0001")
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert log_size(env) == size and count(env, rental_idempotency) == 1
    other = file(env, b, key="filing-key-0001")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert lease_row(env, b).status == "signed"
    # a replay that raced its original past the route's read-only look-up reaches the service: it
    # gets the stored answer too, and writes nothing
    with env["engine"].begin() as conn:
        raced = lease_filing.file_lease(conn, env["settings"], caller(env, "landlord"), a, "filing-key-0001")
    got = {k: raced.response[k] for k in ("id", "filing_no", "status", "ledger_index")}
    assert raced.status_code == 200 and got == {k: first.json()[k] for k in got}
    assert log_size(env) == size and count(env, rental_idempotency) == 1
    # a new key for a lease already filed: a clear conflict naming the filing
    r = file(env, a, key="filing-key-0002")
    assert r.status_code == 409 and first.json()["filing_no"] in r.json()["message"]
    # keys belong to their account: the tenant may use the same key for its own request
    assert file(env, b, key="filing-key-0001", who="citizen").status_code == 200


# ---------------------------------------------------------------------------------------- overlaps


def test_no_two_filed_leases_overlap_on_a_home_or_its_rooms(env: dict[str, Any]) -> None:
    home = env["homes"][3]
    with env["engine"].begin() as conn:
        room_ids = _rooms(conn, home.id, 2)
    a = signed(env, home.id)
    later = signed(
        env,
        home.id,
        start_on=(END + timedelta(days=1)).isoformat(),
        end_on=domain.add_months(END, 6).isoformat(),
    )
    clash = signed(
        env, home.id, start_on=(END - timedelta(days=1)).isoformat(), end_on=domain.add_months(END, 3).isoformat()
    )
    room_clash = signed(env, home.id, room_id=room_ids[0], rent_fen=1_500_00, deposit_fen=0)
    assert file(env, a).status_code == 200
    r = file(env, clash)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "start_on"
    assert file(env, room_clash).status_code == 409  # a room against the whole home
    assert file(env, later).status_code == 200  # from the day after: no overlap
    assert lease_row(env, clash).status == "signed"


def _rooms(conn: Any, home_id: int, n: int) -> list[int]:
    """``n`` living rooms of the home (added when the register has none)."""
    existing = [
        int(r.id)
        for r in conn.execute(select(rt.rooms.c.id, rt.rooms.c.name).where(rt.rooms.c.home_id == home_id))
        if not any(w in r.name for w in domain.NON_LIVING_ROOMS)
    ]
    code = conn.execute(select(rt.homes.c.house_code).where(rt.homes.c.id == home_id)).scalar_one()
    from decimal import Decimal

    for i in range(len(existing), n):
        existing.append(
            int(
                conn.execute(
                    rt.rooms.insert()
                    .values(
                        room_code=f"{code}-{90 + i}",
                        home_id=home_id,
                        name=f"卧室{i + 1}",
                        area=Decimal("12.50"),
                        status="in_use",
                        recorded_at=clock.now(),
                    )
                    .returning(rt.rooms.c.id)
                ).scalar_one()
            )
        )
    return existing[:n]


def test_rooms_of_one_home_are_let_separately_but_a_kitchen_never(env: dict[str, Any]) -> None:
    home = env["homes"][3]
    with env["engine"].begin() as conn:
        r1, r2 = _rooms(conn, home.id, 2)
        code = conn.execute(select(rt.homes.c.house_code).where(rt.homes.c.id == home.id)).scalar_one()
        kitchen = conn.execute(
            rt.rooms.insert()
            .values(
                room_code=f"{code}-99", home_id=home.id, name="厨房", area=5, status="in_use", recorded_at=clock.now()
            )
            .returning(rt.rooms.c.id)
        ).scalar_one()
    r = env["client"].post(f"{API}/me/leases", json=body(home.id, room_id=kitchen), headers=h(env, "landlord"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "room_id"
    a = signed(env, home.id, room_id=r1, rent_fen=1_500_00, deposit_fen=0)
    b = signed(env, home.id, room_id=r2, rent_fen=1_500_00, deposit_fen=0)
    whole = signed(env, home.id)
    assert file(env, a).status_code == 200 and file(env, b).status_code == 200
    assert file(env, whole).status_code == 409  # the whole home against its let rooms


def _file_in_thread(
    env: dict[str, Any], lease_id: int, who: Caller, out: list[Any], barrier: threading.Barrier
) -> None:
    barrier.wait()
    try:
        with env["engine"].begin() as conn:
            out.append(lease_filing.file_lease(conn, env["settings"], who, lease_id, f"thread-{lease_id}"))
    except Conflict as e:
        out.append(e)


def test_two_concurrent_filings_of_one_room_exactly_one_succeeds(env: dict[str, Any]) -> None:
    home = env["homes"][3]
    with env["engine"].begin() as conn:
        (room,) = _rooms(conn, home.id, 1)
    for attempt in range(3):
        start = START + timedelta(days=400 * attempt)
        kw: dict[str, Any] = {"room_id": room, "rent_fen": 1_500_00, "deposit_fen": 0, "start_on": start.isoformat(),
              "end_on": (start + timedelta(days=300)).isoformat()}  # fmt: skip
        a, b = signed(env, home.id, **kw), signed(env, home.id, **kw)
        out: list[Any] = []
        barrier = threading.Barrier(2)
        who = caller(env, "landlord")
        threads = [threading.Thread(target=_file_in_thread, args=(env, x, who, out, barrier)) for x in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        ok = [o for o in out if not isinstance(o, Exception)]
        refused = [o for o in out if isinstance(o, Conflict)]
        assert len(ok) == 1 and len(refused) == 1, out
        assert "租期重叠" in refused[0].message
        statuses = sorted(lease_row(env, x).status for x in (a, b))
        assert statuses == ["filed", "signed"]


def test_concurrent_filings_over_http_are_committed_together_and_a_room_is_filed_once(env: dict[str, Any]) -> None:
    """Filings sent at once go through the group commit (on by default): each gets its own answer,
    the two for one room exactly one filing and one 409, and the refused one writes nothing."""
    home = env["homes"][3]
    with env["engine"].begin() as conn:
        (room,) = _rooms(conn, home.id, 1)
    kw: dict[str, Any] = {"room_id": room, "rent_fen": 1_500_00, "deposit_fen": 0}
    same = [signed(env, home.id, **kw), signed(env, home.id, **kw)]
    others = [signed(env, env["homes"][i].id) for i in (0, 1, 2)]
    size, audits = log_size(env), filing_audits(env)
    got: dict[int, Any] = {}
    barrier = threading.Barrier(len(same) + len(others))

    def send(lease_id: int) -> None:
        barrier.wait()
        got[lease_id] = file(env, lease_id)

    threads = [threading.Thread(target=send, args=(x,)) for x in same + others]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(got[x].status_code for x in same) == [200, 409]
    assert all(got[x].status_code == 200 for x in others), [got[x].text for x in others]
    ok = [got[x].json() for x in same + others if got[x].status_code == 200]
    assert len({a["filing_no"] for a in ok}) == 4 and all(a["status"] == "filed" for a in ok)
    assert sorted(a["ledger_index"] for a in ok) == list(range(size, size + 4))  # one log entry each
    assert log_size(env) == size + 4
    assert sorted(lease_row(env, x).status for x in same) == ["filed", "signed"]
    assert filing_audits(env) == audits + 4  # the refused filing left no audit row either
    group = env["client"].app.state.uow.group_commit  # on by default
    assert group is not None and group.jobs >= 4


def filing_audits(env: dict[str, Any]) -> int:
    with env["engine"].connect() as c:
        q = select(func.count()).select_from(audit_log).where(audit_log.c.action == "rental.lease.file")
        return int(c.execute(q).scalar_one())


def test_a_crash_mid_filing_leaves_nothing_half_written(env: dict[str, Any], monkeypatch: Any) -> None:
    home = env["homes"][1]
    landlord = account_id(env["engine"], "landlord")
    with env["engine"].begin() as c:
        listing_id = rb.listing(c, home, lister_account_id=landlord)
    lease_id = signed(env, None, listing_id=listing_id)
    tables = (rental_units, rental_lease_events, rental_idempotency)
    before = [count(env, t) for t in tables] + [log_size(env)]

    def boom(*a: Any, **k: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger, "append", boom)
    with pytest.raises(RuntimeError), env["engine"].begin() as conn:
        lease_filing.file_lease(conn, env["settings"], caller(env, "landlord"), lease_id, "crash-key-1")
    assert [count(env, t) for t in tables] + [log_size(env)] == before
    row = lease_row(env, lease_id)
    assert row.status == "signed" and row.filing_no is None
    with env["engine"].connect() as c:
        assert (
            c.execute(select(rental_listings.c.status).where(rental_listings.c.id == listing_id)).scalar()
            == "published"
        )
    # over HTTP the same crash fails the request; the retry with the same key then succeeds
    with pytest.raises(RuntimeError):
        file(env, lease_id, key="crash-key-1")
    monkeypatch.undo()
    assert file(env, lease_id, key="crash-key-1").status_code == 200


# --------------------------------------------------------------------------- after filing: changes


def filed(env: dict[str, Any], home_id: int, **over: Any) -> tuple[int, str]:
    lease_id = signed(env, home_id, **over)
    r = file(env, lease_id)
    assert r.status_code == 200, r.text
    return lease_id, r.json()["filing_no"]


def test_renewal_continues_from_the_day_after(env: dict[str, Any]) -> None:
    old, _ = filed(env, env["homes"][0].id)
    c = env["client"]
    end = domain.add_months(END, 12)
    r = c.post(
        f"{API}/me/leases/{old}/renew",
        json={"end_on": end.isoformat(), "rent_fen": 3_300_00},
        headers=h(env, "citizen"),
    )
    assert r.status_code == 422  # renewal is drafted by the landlord side
    r = c.post(
        f"{API}/me/leases/{old}/renew",
        json={"end_on": end.isoformat(), "rent_fen": 3_300_00},
        headers=h(env, "landlord"),
    )
    assert r.status_code == 201, r.text
    new = r.json()["id"]
    row = lease_row(env, new)
    assert row.start_on == END + timedelta(days=1) and row.renews_lease_id == old and row.rent_fen == 3_300_00
    r = c.post(f"{API}/me/leases/{old}/renew", json={"end_on": end.isoformat()}, headers=h(env, "landlord"))
    assert r.status_code == 409
    for who in ("landlord", "citizen"):
        assert c.post(f"{API}/me/leases/{new}/sign", headers=h(env, who)).status_code == 200
    assert file(env, new).status_code == 200
    kinds = [e["kind"] for e in c.get(f"{API}/me/leases/{old}", headers=h(env, "landlord")).json()["events"]]
    assert kinds[-1] == "renewed"


def test_an_amendment_needs_both_parties_and_is_logged(env: dict[str, Any]) -> None:
    lease_id, _ = filed(env, env["homes"][0].id)
    c = env["client"]
    size = log_size(env)
    change = {"rent_fen": 3_000_00, "extra_clauses": ["可养一只猫", "每年检修空调一次"]}
    r = c.post(f"{API}/me/leases/{lease_id}/amend", json={"rent_fen": 10**12}, headers=h(env, "landlord"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rent_fen"
    assert (
        c.post(f"{API}/me/leases/{lease_id}/amend", json=change, headers=h(env, "landlord")).json()["result"]
        == "proposed"
    )
    assert lease_row(env, lease_id).rent_fen == 3_200_00 and log_size(env) == size
    # the same side again, or a different change from the other side, is only a (new) proposal
    other = {"rent_fen": 2_900_00}
    assert (
        c.post(f"{API}/me/leases/{lease_id}/amend", json=other, headers=h(env, "citizen")).json()["result"]
        == "proposed"
    )
    assert (
        c.post(f"{API}/me/leases/{lease_id}/amend", json=change, headers=h(env, "landlord")).json()["result"]
        == "proposed"
    )
    assert (
        c.post(f"{API}/me/leases/{lease_id}/amend", json=change, headers=h(env, "citizen")).json()["result"]
        == "amended"
    )
    row = lease_row(env, lease_id)
    assert row.rent_fen == 3_000_00 and row.amendments == 1 and log_size(env) == size + 1
    detail = c.get(f"{API}/me/leases/{lease_id}", headers=h(env, "citizen")).json()
    assert detail["extra_clauses"] == change["extra_clauses"] and detail["pending_amendment"] is None
    assert detail["events"][-1]["kind"] == "amended" and detail["events"][-1]["ledger_index"] == size


def test_early_termination_ends_the_lease_and_tells_escrow(env: dict[str, Any], monkeypatch: Any) -> None:
    ended: list[tuple[int, date, str]] = []
    monkeypatch.setattr(escrow, "on_lease_ended", lambda conn, s, lid, on, why: ended.append((lid, on, why)))
    lease_id, filing_no = filed(env, env["homes"][0].id)
    c = env["client"]
    bad = c.post(
        f"{API}/me/leases/{lease_id}/terminate",
        json={"ended_on": (END + timedelta(days=5)).isoformat(), "reason": "搬家"},
        headers=h(env, "citizen"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ended_on"
    on = START + timedelta(days=60)
    r = c.post(
        f"{API}/me/leases/{lease_id}/terminate",
        json={"ended_on": on.isoformat(), "reason": "工作调动"},
        headers=h(env, "citizen"),
    )
    assert r.status_code == 200, r.text
    row = lease_row(env, lease_id)
    assert row.status == "terminated" and row.ended_on == on and row.end_reason == "工作调动"
    assert ended == [(lease_id, on, "terminated")]
    assert c.get(f"{API}/public/filings/{filing_no}").json()["status"] == "terminated"
    # the unit is free again from the day after the termination
    after = signed(env, env["homes"][0].id, start_on=(on + timedelta(days=1)).isoformat())
    assert file(env, after).status_code == 200


def test_filing_cancellation_by_a_supervisor_in_scope_or_by_both_parties(env: dict[str, Any]) -> None:
    c = env["client"]
    a, _ = filed(env, env["homes"][0].id)
    b, _ = filed(env, env["homes"][1].id)
    assert c.post(f"{API}/leases/{a}/cancel", json={"reason": "虚假备案"}, headers=h(env, "clerk")).status_code == 403
    assert (
        c.post(f"{API}/leases/{a}/cancel", json={"reason": "虚假备案"}, headers=h(env, "landlord")).status_code == 403
    )
    r = c.post(f"{API}/leases/{a}/cancel", json={"reason": " "}, headers=h(env, "district"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    assert (
        c.post(f"{API}/leases/{a}/cancel", json={"reason": "虚假备案"}, headers=h(env, "district")).status_code == 200
    )
    assert lease_row(env, a).status == "cancelled"
    assert c.post(f"{API}/leases/{a}/cancel", json={"reason": "again"}, headers=h(env, "district")).status_code == 409
    # out of the district officer's scope: not found
    with env["engine"].begin() as conn:
        out_id = rb.filed_lease(conn, env["kr"], env["other"], start_on=START)
    assert c.post(f"{API}/leases/{out_id}/cancel", json={"reason": "x"}, headers=h(env, "district")).status_code == 404
    assert c.post(f"{API}/leases/{out_id}/cancel", json={"reason": "误备案"}, headers=h(env, "city")).status_code == 200
    # both parties
    r = c.post(f"{API}/me/leases/{b}/cancel", json={"reason": "双方协商注销"}, headers=h(env, "landlord"))
    assert r.json()["result"] == "requested" and lease_row(env, b).status == "filed"
    r = c.post(f"{API}/me/leases/{b}/cancel", json={"reason": ""}, headers=h(env, "citizen"))
    assert r.json()["result"] == "cancelled" and lease_row(env, b).status == "cancelled"


def test_expiry_job_expires_filed_leases_past_their_end(env: dict[str, Any]) -> None:
    with env["engine"].begin() as conn:
        old = rb.filed_lease(conn, env["kr"], env["homes"][5], start_on=date(2024, 1, 1), months=12)
        current = rb.filed_lease(conn, env["kr"], env["homes"][4], start_on=clock.today() - timedelta(days=30))
    size = log_size(env)
    from click.testing import CliRunner

    from anju.cli import main

    url = env["engine"].url.render_as_string(hide_password=False)
    runner = CliRunner()
    res = runner.invoke(
        main,
        ["rental", "leases", "expire"],
        env={
            "ANJU_DATABASE_URL": url,
            "ANJU_ENVIRONMENT": "test",
            "ANJU_DATA_KEYS": TEST_DATA_KEYS,
            "ANJU_INDEX_KEY": TEST_INDEX_KEY,
        },
    )
    assert res.exit_code == 0, res.output
    assert "1" in res.output
    assert lease_row(env, old).status == "expired" and lease_row(env, current).status == "filed"
    assert log_size(env) == size + 1
    with env["engine"].begin() as conn:
        assert lease_changes.expire_leases(conn, env["settings"], clock.today()) == 0


# ----------------------------------------------------------------------------------- staff, public


def test_supervisors_list_filter_and_export_leases_of_their_scope(env: dict[str, Any]) -> None:
    a, _ = filed(env, env["homes"][0].id)
    create(env, env["homes"][1].id)
    with env["engine"].begin() as conn:
        out_id = rb.filed_lease(conn, env["kr"], env["other"], start_on=START)
    c = env["client"]
    got = c.get(f"{API}/leases", params={"status": "filed"}, headers=h(env, "district")).json()
    assert [i["id"] for i in got["items"]] == [a]
    got = c.get(f"{API}/leases", headers=h(env, "city")).json()
    assert {i["id"] for i in got["items"]} >= {a, out_id} and got["total"] == 3
    got_all = got["items"]
    got = c.get(f"{API}/leases", params={"start_from": (START + timedelta(days=1)).isoformat()}, headers=h(env, "city"))
    assert got.json()["total"] == 0
    clerk = c.get(f"{API}/leases", headers=h(env, "clerk")).json()
    assert {i["street_code"] for i in clerk["items"]} == {env["world"].street_s1}
    assert c.get(f"{API}/leases/{out_id}", headers=h(env, "district")).status_code == 404
    detail = c.get(f"{API}/leases/{a}", headers=h(env, "clerk")).json()
    assert detail["tenant_id_masked"].startswith("1101*") and detail["side"] is None
    r = c.get(f"{API}/leases.csv", params={"status": "filed"}, headers=h(env, "district"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("lease_no,filing_no,status") and len(text.splitlines()) == 2
    assert CITIZEN_NAME not in text and CITIZEN_ID not in text
    # a district filter narrows the list and the CSV alike, and never widens the caller's scope
    w = env["world"]
    for path in ("/leases", "/leases.csv"):
        mine = c.get(f"{API}{path}", params={"district": w.district_a}, headers=h(env, "city"))
        theirs = c.get(f"{API}{path}", params={"district": w.district_b}, headers=h(env, "city"))
        beyond = c.get(f"{API}{path}", params={"district": w.district_b}, headers=h(env, "district"))
        if path == "/leases":
            assert {i["id"] for i in mine.json()["items"]} == {i["id"] for i in got_all} - {out_id}
            assert [i["id"] for i in theirs.json()["items"]] == [out_id]
            assert beyond.json()["total"] == 0
        else:
            assert len(mine.content.decode("utf-8-sig").splitlines()) == 1 + 2
            assert len(theirs.content.decode("utf-8-sig").splitlines()) == 1 + 1
            assert len(beyond.content.decode("utf-8-sig").splitlines()) == 1
    bad = c.get(f"{API}/leases.csv", params={"district": "32010"}, headers=h(env, "city"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "district"
    assert c.get(f"{API}/leases", headers=h(env, "citizen")).status_code == 403


# ----------------------------------------------------------------------------------------- the PDF


def _streams(pdf: bytes) -> list[bytes]:
    """Every content stream of the PDF, inflated when compressed (no PDF library needed)."""
    out = []
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", pdf, re.S):
        head, data = m.group(1), m.group(2)
        if b"FlateDecode" in head:
            if b"ASCII85Decode" in head:
                import base64

                data = base64.a85decode(data.strip().removesuffix(b"~>").removeprefix(b"<~") + b"~>", adobe=True)
            data = zlib.decompress(data)
        out.append(data)
    return out


def _drawn_matrix(stream: bytes, module: float) -> list[list[int]]:
    """Rebuild the QR symbol from the module-sized filled rectangles of a content stream."""
    cells = [
        (float(x), float(y))
        for x, y, w, hh in re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re", stream)
        if abs(float(w) - module) < 1e-6 and abs(float(hh) - module) < 1e-6
    ]
    x0, ytop = min(x for x, _ in cells), max(y for _, y in cells)
    n = round((max(x for x, _ in cells) - x0) / module) + 1
    grid = [[0] * n for _ in range(n)]
    for x, y in cells:
        grid[round((ytop - y) / module)][round((x - x0) / module)] = 1
    return grid


def test_the_contract_pdf_has_the_filing_number_and_a_qr_code_of_the_public_page(env: dict[str, Any]) -> None:
    lease_id, filing_no = filed(env, env["homes"][0].id)
    r = env["client"].get(f"{API}/me/leases/{lease_id}/contract.pdf", headers=h(env, "citizen"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = r.content
    assert pdf.startswith(b"%PDF") and b"STSong-Light" in pdf and b"UniGB-UCS2-H" in pdf
    text = b"".join(_streams(pdf))
    assert f"({filing_no})".encode() in text
    assert CITIZEN_ID.encode() not in text and b"1101**********002X" not in pdf  # masked ID is in CJK font
    # the QR code drawn is exactly segno's symbol of the public verification page
    with env["engine"].connect() as conn:
        facts = leases.get_lease(conn, env["kr"], caller(env, "citizen"), lease_id)
    url = contract_pdf.verify_url("http://testserver/", filing_no)
    assert url == f"http://testserver/rental/filings/{filing_no}"
    plain = contract_pdf.render(facts, url, compress=False)
    want = [list(row) for row in segno.make(url, error="m").matrix]
    assert _drawn_matrix(b"".join(_streams(plain)), contract_pdf.QR_MODULE) == want
    page = env["client"].get(f"/rental/filings/{filing_no}")
    assert page.status_code == 200 and filing_no in page.text and "已备案" in page.text
    assert CITIZEN_NAME not in page.text


def test_domain_rules_of_terms_and_escrow() -> None:
    lim = domain.LeaseLimits(240, 10_000_000, 3)
    ok: dict[str, Any] = {
        "start_on": date(2026, 1, 1), "end_on": date(2026, 12, 31), "rent_fen": 100_000, "deposit_fen": 300_000,
        "occupants": 1, "payment_cycle": "monthly", "use": "居住", "extra_clauses": [],
    }  # fmt: skip
    assert domain.lease_problems(lim, **ok) == []
    assert [f for f, _ in domain.lease_problems(lim, **{**ok, "deposit_fen": 300_001})] == ["deposit_fen"]
    assert [f for f, _ in domain.lease_problems(lim, **{**ok, "payment_cycle": "weekly"})] == ["payment_cycle"]
    assert domain.term_months(date(2026, 1, 31), date(2026, 2, 27)) == 1
    assert domain.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert domain.lease_needs_escrow("party", "half_year", 100, 0, 3, 1)
    assert domain.lease_needs_escrow("party", "monthly", 100, 101, 3, 1)
    assert not domain.lease_needs_escrow("party", "quarterly", 100, 100, 3, 1)
    assert not domain.lease_needs_escrow("person", "yearly", 100, 300, 3, 1)
    assert domain.periods_overlap(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 31), date(2026, 3, 1))
    assert not domain.periods_overlap(date(2026, 1, 1), date(2026, 1, 30), date(2026, 1, 31), date(2026, 3, 1))
