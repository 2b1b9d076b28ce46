"""The providers of the plan's indicators on a small hand-built data set: assistance's supply per
programme kind (the same numbers as the assistance figures page's own test data) and transactions'
homes of the presale permits, per street, district and city, with a zero for a district without data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from anju.app import create_app
from anju.assistance.indicators import measurements as assistance_measurements
from anju.core import clock
from anju.indicators import Measurement
from anju.transactions.indicators import measurements as transactions_measurements
from tests import tx_builders as tb
from tests.accounts import choose_world
from tests.integration.test_assistance_figures import build


def _index(ms: Iterator[Measurement]) -> dict[tuple[str, str, str, int], Decimal | None]:
    out: dict[tuple[str, str, str, int], Decimal | None] = {}
    for m in ms:
        key = (m.code, m.level, m.area_code, m.year)
        assert key not in out, key
        out[key] = m.value
    return out


def test_assistance_supplies_homes_per_programme_kind(city_engine: Engine) -> None:
    data = build(city_engine)
    a = data.world.district_a
    with city_engine.connect() as c:
        got = _index(assistance_measurements(c, [2020, 2021, 2022, 2023, 2024, 2025]))

    def city(code: str) -> dict[int, Decimal | None]:
        return {y: got[(code, "city", "320100", y)] for y in (2020, 2021, 2022, 2023, 2024)}

    # as on the figures page: public rental 3 in 2021 and 1 in 2022; affordable 2 and 1 (the withdrawn
    # home does not count); resettlement 1 in 2020; talent rental homes 3 in the period
    assert city("assistance.public_rental_raised") == {2020: 0, 2021: 3, 2022: 1, 2023: 0, 2024: 0}
    assert city("assistance.affordable_rental_raised") == {2020: 0, 2021: 0, 2022: 2, 2023: 1, 2024: 0}
    assert city("assistance.assisted_homes_supplied") == {2020: 1, 2021: 3, 2022: 3, 2023: 1, 2024: 0}
    assert city("assistance.assisted_rental_homes_supplied") == {2020: 0, 2021: 3, 2022: 3, 2023: 1, 2024: 0}
    assert city("assistance.assisted_ownership_homes_supplied") == {2020: 1, 2021: 0, 2022: 0, 2023: 0, 2024: 0}
    assert city("assistance.shared_ownership_raised") == {y: 0 for y in (2020, 2021, 2022, 2023, 2024)}
    talent = sum(got[("assistance.talent_homes_raised", "city", "320100", y)] or 0 for y in range(2021, 2026))
    assert talent == 3
    assert got[("assistance.public_rental_raised", "district", a, 2021)] == 2
    assert got[("assistance.public_rental_raised", "district", a, 2022)] == 1
    assert got[("assistance.public_rental_raised", "district", data.other_district, 2021)] == 0
    streets = {k: v for k, v in got.items() if k[0] == "assistance.public_rental_raised" and k[1] == "street"}
    assert sum(v or 0 for v in streets.values()) == 4 and data.other_street not in {k[2] for k in streets}


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def test_transactions_counts_the_homes_of_the_presale_permits(city_engine: Engine, client: TestClient) -> None:
    w = choose_world(city_engine)
    tb.on_sale(client, city_engine, w.street_s1, homes=4, priced=False)
    tb.on_sale(client, city_engine, w.street_s1, homes=2, priced=False)
    issued = (clock.today() - timedelta(days=10)).year  # the builder's permits are dated ten days ago
    with city_engine.connect() as c:
        got = _index(transactions_measurements(c, [issued - 1, issued]))
    code = "transactions.new_homes_listed"
    assert got[(code, "street", w.street_s1, issued)] == 6
    assert got[(code, "city", "320100", issued)] == 6
    assert got[(code, "city", "320100", issued - 1)] == 0
    districts = {k[2]: v for k, v in got.items() if k[1] == "district" and k[3] == issued}
    assert sum(v or 0 for v in districts.values()) == 6 and 0 in districts.values()
