"""The synthetic Nanjing: deterministic, plausible, valid codes, refuses to overwrite."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from sqlalchemy import func, select

from anju.core.errors import Conflict
from anju.registry import buildings, domain, estates, home_versions, homes
from anju.synth import generate
from tests.conftest import TEST_SCALE, TEST_SEED, TEST_TODAY


def fingerprint(engine) -> str:
    h = hashlib.sha256()
    with engine.connect() as c:
        for row in c.execute(
            select(homes.c.house_code, homes.c.address, homes.c.construction_area, homes.c.status).order_by(
                homes.c.house_code
            )
        ):
            h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def test_same_seed_gives_the_same_city(empty_engine, city_engine):
    generate(empty_engine, TEST_SCALE, TEST_SEED, batch=997, today=TEST_TODAY)
    assert fingerprint(empty_engine) == fingerprint(city_engine)


def test_another_seed_gives_another_city(empty_engine, city_engine):
    generate(empty_engine, TEST_SCALE, TEST_SEED + 1, today=TEST_TODAY)
    assert fingerprint(empty_engine) != fingerprint(city_engine)


def test_every_house_code_is_valid_and_unique(city_engine):
    with city_engine.connect() as c:
        codes = [r[0] for r in c.execute(select(homes.c.house_code))]
        bcodes = [r[0] for r in c.execute(select(buildings.c.house_code))]
    assert len(set(codes)) == len(codes) and len(set(bcodes)) == len(bcodes)
    assert all(domain.is_valid_house_code(x) for x in codes + bcodes)
    assert all(domain.parse_house_code(x).is_building for x in bcodes)


def test_the_city_is_plausible(city_engine):
    with city_engine.connect() as c:
        n_est = c.execute(select(func.count()).select_from(estates)).scalar_one()
        n_bld = c.execute(select(func.count()).select_from(buildings)).scalar_one()
        n_home = c.execute(select(func.count()).select_from(homes)).scalar_one()
        statuses = Counter(r[0] for r in c.execute(select(homes.c.status)))
        per_district = Counter(r[0] for r in c.execute(select(estates.c.district_code)))
        years = [r[0] for r in c.execute(select(buildings.c.year_built))]
        open_versions = c.execute(
            select(func.count()).select_from(home_versions).where(home_versions.c.valid_to.is_(None))
        ).scalar_one()
    assert n_est == 15  # 15,000 × 0.001
    assert 8 < n_bld / n_est < 40 and 6 < n_home / n_bld < 30
    assert statuses["使用"] / n_home > 0.6
    assert per_district.most_common(1)[0][0] == "320115"  # 江宁, the most populous district
    assert min(years) < 2000 < max(years)
    assert open_versions == n_home  # exactly one open version per home


def test_synth_refuses_a_database_that_already_has_a_register(city_engine):
    with pytest.raises(Conflict):
        generate(city_engine, TEST_SCALE, TEST_SEED, today=TEST_TODAY)


def test_scale_must_be_sensible(empty_engine):
    with pytest.raises(ValueError, match="scale"):
        generate(empty_engine, 0, 1)
