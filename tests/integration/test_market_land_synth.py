"""The synthetic land history (built with the market history): one residential transfer per project,
12–30 months before its first permit, in its district and street, bought by its developer, floor
prices a share of the model's price level; rental, commercial and industrial parcels; every record
passes the feed's checks; deterministic by seed."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from anju.core.db import make_engine
from anju.exchange import check_record
from anju.market import LAND_TRANSFERS, check_land_transfer
from anju.market.land_feed import as_feed_record, places
from anju.market.tables import market_land_transfers
from anju.security import keyring_from_settings
from anju.synth import generate_market
from anju.synth.market.land import RESIDENTIAL_SHARE
from anju.synth.market.model import ALPHA, DISTRICT_LEVEL, PriceModel, month_index
from anju.transactions import developers, presale_permits, sale_projects
from tests import conftest
from tests.conftest import TEST_SCALE, TEST_SEED, TEST_TODAY

T = market_land_transfers


def build(db_factory: conftest.DbFactory, tmp: Path) -> tuple[Engine, str]:
    url = db_factory.fresh_url("people")
    engine = make_engine(url)
    kr = keyring_from_settings(conftest.test_settings(url, tmp))
    generate_market(engine, kr, TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY, batch=2000)
    return engine, url


@pytest.fixture(scope="module")
def land(db_factory: conftest.DbFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine, url = build(db_factory, tmp_path_factory.mktemp("land"))
    yield engine
    engine.dispose()
    db_factory.drop(url)


def test_every_project_has_its_land_before_its_first_permit(land: Engine) -> None:
    p, d, r = sale_projects.c, developers.c, presale_permits.c
    model = PriceModel(TEST_SEED, month_index(TEST_TODAY) + 1)
    with land.connect() as c:
        projects = c.execute(
            select(p.id, p.name, p.district_code, p.street_code, d.name, func.min(r.issued_on))
            .select_from(
                sale_projects.join(developers, d.id == p.developer_id).join(presale_permits, r.project_id == p.id)
            )
            .group_by(p.id, p.name, p.district_code, p.street_code, d.name)
        ).all()
        rows = c.execute(select(T).where(T.c.land_use == "residential")).all()
    assert projects and len(rows) == len(projects)
    by_name = {x.parcel_name: x for x in rows}
    for _pid, name, district, street, dev, first in projects:
        x = by_name[f"{name.removesuffix('（合成）')}地块（合成）"]
        assert (x.district_code, x.street_code, x.buyer, x.source) == (district, street, dev, "synthetic")
        months = (first.year - x.transferred_on.year) * 12 + first.month - x.transferred_on.month
        assert 11 <= months <= 31, months
        assert x.record_id.startswith(f"SYN{TEST_SEED}-L") and dev.endswith("（合成）")
        level = math.exp(
            ALPHA + DISTRICT_LEVEL[district] + model.index_at(district, month_index(x.transferred_on)) + 0.05
        )
        share = x.floor_price_fen / 100 / level
        assert 0.6 * RESIDENTIAL_SHARE < share < 1.6 * RESIDENTIAL_SHARE, share


def test_rental_commercial_and_industrial_parcels_are_there(land: Engine) -> None:
    with land.connect() as c:
        uses: dict[str, int] = dict(c.execute(select(T.c.land_use, func.count()).group_by(T.c.land_use)).all())
        rental = c.execute(select(T).where(T.c.land_use == "rental")).all()
    assert uses["rental"] >= 2 and uses["commercial"] >= 2 and uses["industrial"] >= 2
    assert all(x.rental_housing == 1 and x.transferred_on >= date(2019, 1, 1) for x in rental)


def test_every_synthetic_record_passes_the_feeds_checks(land: Engine) -> None:
    with land.connect() as c:
        rows = c.execute(select(T)).all()
        where = places(c)
    for i, row in enumerate(rows, start=1):
        checked = check_record(LAND_TRANSFERS, as_feed_record(row), i)
        assert not isinstance(checked, list), (row.record_id, checked)
        assert check_land_transfer(checked.values, where, TEST_TODAY) is None, row.record_id
        assert "（合成）" in row.parcel_name and "（合成）" in row.buyer
        assert Decimal(row.premium_rate) >= 0 and row.price_fen >= row.starting_price_fen


def test_the_land_history_is_deterministic_by_seed(
    land: Engine, db_factory: conftest.DbFactory, tmp_path: Path
) -> None:
    other, url = build(db_factory, tmp_path)
    try:
        cols = [c for c in T.c if c.name not in ("id", "created_at")]
        with land.connect() as a, other.connect() as b:
            assert (
                a.execute(select(*cols).order_by(T.c.record_id)).all()
                == b.execute(select(*cols).order_by(T.c.record_id)).all()
            )
    finally:
        other.dispose()
        db_factory.drop(url)
