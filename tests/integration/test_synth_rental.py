"""The synthetic rental market: counts in proportion, the rental invariants (no overlapping filed
leases on a unit, one active listing per unit, leased homes residential and in use), valid and
protected identifiers, determinism by seed, and refusal of a second run."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from stdnum.cn import ric, uscc

from anju.core.errors import Conflict
from anju.registry import homes
from anju.rental.tables import (
    rental_entrustments,
    rental_leases,
    rental_listings,
    rental_parties,
    rental_practitioners,
    rental_units,
)
from anju.security import Keyring, keyring_from_settings
from anju.synth.rental import generate_rental
from tests import conftest
from tests.conftest import TEST_SCALE, TEST_SEED, TEST_TODAY

TABLES = (rental_parties, rental_practitioners, rental_entrustments, rental_listings, rental_units, rental_leases)


def keyring(engine: Engine, tmp_path: Path) -> Keyring:
    return keyring_from_settings(conftest.test_settings(engine.url.render_as_string(hide_password=False), tmp_path))


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one()) for t in TABLES}


@pytest.fixture
def rental_engine(people_engine: Engine, tmp_path: Path) -> Engine:
    generate_rental(people_engine, keyring(people_engine, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
    return people_engine


def test_counts_are_in_proportion_to_the_scale(rental_engine):
    with rental_engine.connect() as c:
        filed = c.execute(select(func.count()).where(rental_leases.c.status == "filed")).scalar_one()
        kinds = dict(c.execute(select(rental_parties.c.kind, func.count()).group_by(rental_parties.c.kind)).all())
        statuses = {s for (s,) in c.execute(select(rental_parties.c.status).distinct())}
        history = c.execute(
            select(func.count()).where(rental_leases.c.status.in_(("terminated", "expired")))
        ).scalar_one()
        listing_statuses = {s for (s,) in c.execute(select(rental_listings.c.status).distinct())}
        units = c.execute(select(func.count()).select_from(rental_units)).scalar_one()
        leased_units = c.execute(select(func.count(rental_leases.c.unit_key.distinct()))).scalar_one()
    assert 700 <= filed <= 1300  # ≈1M at scale 1.0
    assert kinds["enterprise"] >= 3 and kinds["agency"] >= 3
    assert {"filed", "suspended", "revoked"} <= statuses
    assert history > 0
    assert {"published", "verified", "withdrawn", "leased", "pending_review"} <= listing_statuses
    assert units == leased_units


def test_no_two_filed_leases_overlap_on_a_unit_nor_whole_and_room_on_one_home(rental_engine):
    with rental_engine.connect() as c:
        rows = c.execute(
            select(
                rental_leases.c.unit_key, rental_leases.c.home_id, rental_leases.c.room_id,
                rental_leases.c.start_on, rental_leases.c.end_on, rental_leases.c.ended_on,
                rental_leases.c.status,
            ).order_by(rental_leases.c.unit_key, rental_leases.c.start_on)
        ).all()  # fmt: skip
    by_unit: dict[str, list[Any]] = defaultdict(list)
    modes: dict[int, set[bool]] = defaultdict(set)
    for r in rows:
        by_unit[r.unit_key].append(r)
        modes[r.home_id].add(r.room_id is None)
        assert r.start_on < r.end_on
    for leases in by_unit.values():
        for a, b in pairwise(leases):
            assert (a.ended_on or a.end_on) < b.start_on
        assert sum(1 for x in leases if x.status == "filed") <= 1
        assert all(x.end_on >= TEST_TODAY for x in leases if x.status == "filed")
    assert all(len(m) == 1 for m in modes.values())
    assert any(r.room_id is not None for r in rows)


def test_one_active_listing_per_unit_and_leased_homes_are_residential_in_use(rental_engine):
    with rental_engine.connect() as c:
        dup = c.execute(
            select(rental_listings.c.unit_key)
            .where(rental_listings.c.active == 1)
            .group_by(rental_listings.c.unit_key)
            .having(func.count() > 1)
        ).all()
        bad = c.execute(
            select(func.count())
            .select_from(rental_leases.join(homes, homes.c.id == rental_leases.c.home_id))
            .where((homes.c.use != "住宅") | (homes.c.status != "使用"))
        ).scalar_one()
        active_statuses = {
            s for (s,) in c.execute(select(rental_listings.c.status).where(rental_listings.c.active == 1).distinct())
        }
        no_geo = c.execute(select(func.count()).where(rental_listings.c.lon.is_(None))).scalar_one()
    assert dup == []
    assert bad == 0
    assert active_statuses <= {"published", "verified", "pending_review"}
    assert no_geo == 0


def test_escrow_and_deposit_rules_hold(rental_engine):
    months = {"monthly": 1, "quarterly": 3, "half_year": 6, "yearly": 12}
    with rental_engine.connect() as c:
        rows = c.execute(
            select(rental_leases.c.landlord_kind, rental_leases.c.payment_cycle, rental_leases.c.deposit_fen,
                   rental_leases.c.rent_fen, rental_leases.c.escrow_required)
        ).all()  # fmt: skip
    assert any(r.escrow_required for r in rows)
    for kind, cycle, deposit, rent, escrow in rows:
        assert 0 <= deposit <= 3 * rent
        expect = kind == "party" and (months[cycle] > 3 or deposit > rent)
        assert escrow == expect
        if kind == "person":
            assert cycle in ("monthly", "quarterly")


def test_identifiers_are_valid_and_no_personal_value_is_in_clear(rental_engine, tmp_path):
    kr = keyring(rental_engine, tmp_path)
    with rental_engine.connect() as c:
        codes = [code for (code,) in c.execute(select(rental_parties.c.credit_code))]
        leases = c.execute(
            select(rental_leases.c.tenant_id_enc, rental_leases.c.tenant_bidx, rental_leases.c.tenant_name_enc).limit(
                50
            )
        ).all()
        parties = c.execute(select(rental_parties.c.legal_rep_id_enc, rental_parties.c.legal_rep_id_bidx)).all()
        prac = c.execute(select(rental_practitioners.c.id_enc, rental_practitioners.c.id_bidx)).all()
        nos = c.execute(select(func.count(rental_leases.c.filing_no.distinct()), func.count())).one()
    assert all(uscc.is_valid(x) for x in codes)
    assert nos[0] == nos[1]
    for enc, bidx, name_enc in leases:
        idn = kr.decrypt(enc, "rental_leases.tenant_id")
        assert ric.is_valid(idn) and kr.blind_index(idn, "id_number") == bidx
        assert idn.encode() not in enc
        assert kr.decrypt(name_enc, "rental_leases.tenant_name")
    for enc, bidx in [*parties, *prac]:
        assert kr.blind_index(kr.decrypt(enc, _col(enc, kr)), "id_number") == bidx


def _col(enc: bytes, kr: Keyring) -> str:
    for col in ("rental_parties.legal_rep_id", "rental_practitioners.id"):
        try:
            kr.decrypt(enc, col)
            return col
        except Exception:
            continue
    raise AssertionError("undecryptable")


def test_refuses_a_second_run(rental_engine, tmp_path):
    before = counts(rental_engine)
    with pytest.raises(Conflict):
        generate_rental(rental_engine, keyring(rental_engine, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
    assert counts(rental_engine) == before


def first_rows(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as c:
        leases = c.execute(
            select(rental_leases.c.unit_key, rental_leases.c.start_on, rental_leases.c.rent_fen,
                   rental_leases.c.tenant_bidx, rental_leases.c.filing_no).order_by(rental_leases.c.id).limit(200)
        ).all()  # fmt: skip
        listings = c.execute(
            select(rental_listings.c.unit_key, rental_listings.c.status, rental_listings.c.verify_code)
            .order_by(rental_listings.c.id)
            .limit(200)
        ).all()
    return [tuple(r) for r in leases] + [tuple(r) for r in listings]


def test_same_seed_gives_the_same_market(rental_engine, db_factory, tmp_path):
    url = db_factory.fresh_url("people")
    from anju.core.db import make_engine

    other = make_engine(url)
    try:
        generate_rental(other, keyring(other, tmp_path), TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
        assert counts(other) == counts(rental_engine)
        assert first_rows(other) == first_rows(rental_engine)
    finally:
        other.dispose()
        db_factory.drop(url)


def test_the_demo_accounts_join_the_market(rental_engine, tmp_path, settings_for, monkeypatch):
    from datetime import UTC, datetime

    from fastapi.testclient import TestClient

    from anju.app import create_app
    from anju.core import clock
    from anju.synth.demo_market import attach_demo_accounts
    from tests.accounts import CITIZEN_ID, CITIZEN_NAME, api_token

    specs = [
        {"username": "citizen", "name": CITIZEN_NAME, "id_number": CITIZEN_ID},
        {"username": "landlord", "name": "王房东", "id_number": "320102199003070025"},
        {"username": "agency", "name": "冯经纪", "org_code": "91110000600037341L"},
    ]
    done = attach_demo_accounts(rental_engine, keyring(rental_engine, tmp_path), specs)
    assert set(done) == {"citizen_lease", "agency_party", "landlord_homes"} and done["landlord_homes"] == 3
    from anju.synth.demo_market import demo_credit_events

    # each demo account gets a synthetic credit record of its own (once)
    kr = keyring(rental_engine, tmp_path)
    assert demo_credit_events(rental_engine, kr, specs) == 3 and demo_credit_events(rental_engine, kr, specs) == 0
    api = "/api/v1/rental"
    # the market was generated on TEST_TODAY: look at it on that day (verification codes expire)
    monkeypatch.setattr(clock, "today", lambda: TEST_TODAY)
    monkeypatch.setattr(
        clock, "now", lambda: datetime(TEST_TODAY.year, TEST_TODAY.month, TEST_TODAY.day, 4, tzinfo=UTC)
    )
    with TestClient(create_app(settings_for(rental_engine))) as c:

        def get(who: str, path: str) -> Any:
            r = c.get(api + path, headers={"authorization": f"Bearer {api_token(rental_engine, who)}"})
            assert r.status_code == 200, r.text
            return r.json()

        leases = get("citizen", "/me/leases")["items"]
        assert [x["id"] for x in leases] == [done["citizen_lease"]] and leases[0]["status"] == "filed"
        party = get("agency", "/me/party")
        assert party["id"] == done["agency_party"] and party["status"] == "filed"
        mine = get("landlord", "/me/listings")["items"]
        assert len(mine) == 3 and {x["status"] for x in mine} == {"published"}
        for who in ("citizen", "landlord", "agency"):
            r = c.get("/api/v1/credit/me", headers={"authorization": f"Bearer {api_token(rental_engine, who)}"})
            assert r.status_code == 200 and r.json()["events"]["total"] == 1, (who, r.text)


def test_every_encrypted_field_reads_back_through_the_services(rental_engine, tmp_path):
    """The synthetic rows are encrypted under the same contexts the services decrypt them with."""
    from anju.core.scope import Scope
    from anju.rental import leases, parties
    from anju.security import Caller

    kr = keyring(rental_engine, tmp_path)
    everyone = Caller.system("test")
    with rental_engine.connect() as c:
        listed = parties.list_parties(c, kr, parties.PartyFilter(), scope=Scope.whole_city(), limit=10**6, offset=0)
        assert listed.total == len(listed.items) > 0 and all("*" in p["legal_rep_id"] for p in listed.items)
        seen = 0
        for p in listed.items:
            pracs = parties.list_practitioners(c, kr, p["id"], status=None, limit=1000, offset=0)
            seen += pracs.total
            assert all("*" in x["id_number"] and x["name"] for x in pracs.items)
        assert seen > 0
        lease_page = leases.list_leases(c, kr, everyone, leases.LeaseFilter(), limit=200, offset=0)
        assert lease_page.total > 0 and all(r["tenant_name"] and r["landlord_name"] for r in lease_page.items)


def test_every_synthetic_number_passes_the_public_checkers(rental_engine):
    """Synthetic data in the live formats (issue 25, 2): every listing's verification code opens its
    public check, and listing, contract and filing numbers and the homes' house codes pass the same
    checks live numbers do."""
    from anju.registry.domain import is_valid_house_code
    from anju.rental import domain
    from anju.rental.listing_queries import check_code

    with rental_engine.connect() as c:
        listings = c.execute(select(rental_listings.c.listing_no, rental_listings.c.verify_code)).all()
        leases = c.execute(select(rental_leases.c.lease_no, rental_leases.c.filing_no)).all()
        house_codes = [hc for (hc,) in c.execute(select(homes.c.house_code).limit(5000))]
        codes = [code for _, code in listings if code is not None]
        assert codes and leases and house_codes
        bad_codes = [code for code in codes if domain.normalise_verify_code(code) != code]
        assert bad_codes == [], bad_codes[:5]
        for code in codes[:50]:  # the public check page's own query answers each
            assert check_code(c, code, 3650)["code"] == code
    assert [n for n, _ in listings if not domain.LISTING_NO_RE.match(n)] == []
    assert [n for n, _ in leases if not domain.LEASE_NO_RE.match(n)] == []
    assert [f for _, f in leases if f is not None and not domain.FILING_NO_RE.match(f)] == []
    assert [hc for hc in house_codes if not is_valid_house_code(hc)] == []
