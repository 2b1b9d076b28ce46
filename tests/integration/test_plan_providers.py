"""The providers of the plan's indicators on a small hand-built data set: assistance's supply per
programme kind (the same numbers as the assistance figures page's own test data) and transactions'
homes of the presale permits, per street, district and city, with a zero for a district without data;
estates' coverage of new estates, now only (past years missing, with the reason); rental's homes first
entrusted to an enterprise."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from anju import registry
from anju.app import create_app
from anju.assistance.indicators import measurements as assistance_measurements
from anju.core import clock
from anju.estates import services_projects as sp
from anju.estates.indicators import measurements as estates_measurements
from anju.indicators import Measurement
from anju.rental.indicators import measurements as rental_measurements
from anju.rental.tables import rental_entrustments
from anju.security import keyring_from_settings
from anju.transactions.indicators import measurements as transactions_measurements
from tests import rental_builders as rb
from tests import tx_builders as tb
from tests.accounts import choose_world
from tests.integration.test_assistance_figures import build
from tests.integration.test_estates_services import SYSTEM, _codes, _file, _project, _residential_estates


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


def test_estates_gives_the_coverage_of_new_estates_now_and_says_why_not_for_past_years(
    city_engine: Engine, settings_for: Any
) -> None:
    kr = keyring_from_settings(settings_for(city_engine))
    estates = _residential_estates(city_engine)
    e = registry.estates
    with city_engine.connect() as c:
        district_of = {int(i): str(d) for i, d in c.execute(select(e.c.id, e.c.district_code))}
    by_district: dict[str, list[Any]] = {}
    for x in estates:
        by_district.setdefault(str(district_of[x.id]), []).append(x)
    district, pair = next((d, xs[:2]) for d, xs in by_district.items() if len(xs) >= 2)
    served, unserved = pair
    with city_engine.begin() as c:  # exactly two new estates in the city, one of them served
        c.execute(update(e).where(e.c.year_built >= 2021).values(year_built=2000))
        c.execute(update(e).where(e.c.id.in_([x.id for x in pair])).values(year_built=2022))
    company = _file(city_engine, kr, _codes(1)[0], served.street_code)
    with city_engine.begin() as c:
        sp.create_project(c, SYSTEM, _project(served.id, company))
    year = clock.today().year
    with city_engine.connect() as c:
        got = {(m.level, m.area_code, m.year): (m.value, m.missing) for m in estates_measurements(c, [year - 1, year])}
    if served.street_code == unserved.street_code:
        assert got[("street", served.street_code, year)] == (Decimal("50.0"), None)
    else:
        assert got[("street", served.street_code, year)] == (Decimal("100.0"), None)
        assert got[("street", unserved.street_code, year)] == (Decimal("0.0"), None)
    assert got[("district", district, year)] == (Decimal("50.0"), None)
    assert got[("city", "320100", year)] == (Decimal("50.0"), None)
    others = [v for (level, code, y), v in got.items() if level == "district" and code != district and y == year]
    assert all(v == (None, "该地区没有新建住宅小区") for v in others)
    value, why = got[("city", "320100", year - 1)]
    assert value is None and why is not None and "往年未回溯" in why


def test_rental_counts_homes_first_entrusted_to_an_enterprise(city_engine: Engine, settings_for: Any) -> None:
    kr = keyring_from_settings(settings_for(city_engine))
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        enterprise = rb.party(c, kr, w.street_s1)
        agency = rb.party(c, kr, w.street_s1, kind="agency")
        homes = [h.id for h in rb.free_homes(c, w.street_s1, 4)]

        def entrust(home: int, party: int, since: date) -> None:
            c.execute(
                rental_entrustments.insert().values(
                    home_id=home, street_code=w.street_s1, owner_bidx="x", agent_party_id=party,
                    valid_from=since, valid_to=since + timedelta(days=365), created_at=clock.now(),
                )
            )  # fmt: skip

        entrust(homes[0], enterprise, date(2022, 3, 1))
        entrust(homes[0], enterprise, date(2023, 3, 1))  # renewed: the home counts once, in 2022
        entrust(homes[1], enterprise, date(2023, 6, 1))
        entrust(homes[2], enterprise, date(2023, 7, 1))
        entrust(homes[3], agency, date(2023, 1, 1))  # an agency's: not market rental supply
    with city_engine.connect() as c:
        got = _index(rental_measurements(c, [2022, 2023]))
    code = "rental.market_rental_homes_added"
    assert got[(code, "street", w.street_s1, 2022)] == 1 and got[(code, "street", w.street_s1, 2023)] == 2
    assert got[(code, "city", "320100", 2022)] == 1 and got[(code, "city", "320100", 2023)] == 2
    assert got[(code, "district", w.district_a, 2023)] == 2
    assert got[(code, "district", w.district_b, 2023)] == 0
