"""The data catalogue and open data over HTTP (both databases): the DCAT document's structure and
vocabulary, who sees which dataset (anonymous, a street clerk, the city officer), the pages, and the
open-data downloads with small cells suppressed."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from anju import divisions, registry
from anju.app import create_app
from anju.core import clock
from anju.exchange import completed_months, months_back
from anju.exchange.catalogue import NAMESPACES, datasets
from anju.rental.tables import rental_leases
from anju.security import Security
from tests import rental_builders as rb
from tests.accounts import api_token, choose_world, web_session

API = "/api/v1/exchange/catalogue"
W3C = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "csvw": "http://www.w3.org/ns/csvw#",
}


def _client(engine: Engine, settings_for: Any) -> TestClient:
    return TestClient(create_app(settings_for(engine)))


def _keys(node: Any, prefixes: set[str]) -> list[str]:
    """Keys that are neither JSON-LD keywords nor compact IRIs of a declared prefix."""
    bad: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if not (k.startswith("@") or k.partition(":")[0] in prefixes):
                bad.append(k)
            bad += _keys(v, prefixes)
    elif isinstance(node, list):
        for v in node:
            bad += _keys(v, prefixes)
    return bad


#: The terms the catalogue may use, as the DCAT 3, DCMI Terms, CSVW, FOAF and SKOS vocabularies define
#: them (so a misspelt term, e.g. ``dcat:downloadUrl``, fails).
TERMS = {
    "dcat": {"Catalog", "Dataset", "Distribution", "dataset", "distribution", "keyword", "downloadURL", "mediaType"},
    "dct": {
        "title",
        "description",
        "publisher",
        "identifier",
        "accrualPeriodicity",
        "accessRights",
        "language",
        "format",
    },
    "csvw": {"tableSchema", "column", "Column", "Schema", "name", "title", "datatype"},
    "foaf": {"Organization", "name"},
    "skos": {"prefLabel"},
    "xsd": {"string", "integer", "decimal", "date", "dateTime", "boolean"},
}


def _terms(node: Any) -> set[str]:
    """Every compact IRI used as a key, a type or an ``@id`` value."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "@context":
                continue
            if not k.startswith("@"):
                out.add(k)
            if k in ("@type", "@id") and isinstance(v, str) and not v.startswith("http"):
                out.add(v)
            out |= _terms(v)
    elif isinstance(node, list):
        for v in node:
            out |= _terms(v)
    return out


def _ids(doc: dict[str, Any]) -> set[str]:
    return {d["dct:identifier"] for d in doc["dcat:dataset"]}


def test_the_anonymous_catalogue_is_a_dcat_catalog_of_the_public_datasets(
    city_engine: Engine, settings_for: Any
) -> None:
    client = _client(city_engine, settings_for)
    r = client.get(API)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    ctx = doc["@context"]
    assert {p: ctx[p] for p in W3C} == W3C and ctx == NAMESPACES
    assert doc["@type"] == "dcat:Catalog"
    assert _keys(doc, set(ctx)) == []
    unknown = {t for t in _terms(doc) if t.partition(":")[2] not in TERMS.get(t.partition(":")[0], set())}
    assert unknown == set()
    public = {d.id for d in datasets() if d.public}
    assert _ids(doc) == public
    assert {"rental.leases_by_month", "transactions.new_home_filings", "assistance.households"} <= public
    assert "rental.leases" not in _ids(doc) and "assistance.applications" not in _ids(doc)
    for node in doc["dcat:dataset"]:
        assert node["@type"] == "dcat:Dataset"
        assert node["dct:accessRights"]["@id"].endswith("/access-right/PUBLIC")
        assert node["dct:title"]["@language"] == "zh-CN" and node["dct:title"]["@value"]
        assert node["dct:accrualPeriodicity"]["@id"].startswith(
            "http://publications.europa.eu/resource/authority/frequency/"
        )
        cols = node["csvw:tableSchema"]["csvw:column"]
        assert cols and all(c["@type"] == "csvw:Column" and c["csvw:datatype"]["@id"].startswith("xsd:") for c in cols)
    leases = next(n for n in doc["dcat:dataset"] if n["dct:identifier"] == "rental.leases_by_month")
    urls = sorted(d["dcat:downloadURL"]["@id"] for d in leases["dcat:distribution"])
    assert urls[0].endswith("/open-data/rental.leases_by_month.csv") and urls[1].endswith(".json")
    assert {d["dcat:mediaType"]["@id"].rsplit("/", 2)[-2:][1] for d in leases["dcat:distribution"]} == {"csv", "json"}


def test_staff_see_their_datasets_and_exchange_readers_see_everything(city_engine: Engine, settings_for: Any) -> None:
    client = _client(city_engine, settings_for)
    every = {d.id for d in datasets()}
    city = client.get(API, headers={"Authorization": f"Bearer {api_token(city_engine, 'city')}"}).json()
    assert _ids(city) == every
    leases = next(n for n in city["dcat:dataset"] if n["dct:identifier"] == "rental.leases")
    assert leases["dct:accessRights"]["@id"].endswith("/NON_PUBLIC")
    assert "dcat:distribution" not in leases  # only open data is downloadable
    personal = [
        c
        for c in leases["csvw:tableSchema"]["csvw:column"]
        if "个人信息" in c.get("dct:description", {}).get("@value", "")
    ]
    assert {c["csvw:name"] for c in personal} == {"landlord_name", "tenant_name", "tenant_id"}
    # a street clerk (no exchange.read) sees the public datasets and those offered to the role
    clerk = _ids(client.get(API, headers={"Authorization": f"Bearer {api_token(city_engine, 'clerk')}"}).json())
    assert "registry.homes" in clerk and "rental.leases" in clerk
    assert "funds.journals" not in clerk and "credit.events" not in clerk
    # a citizen sees what the public sees
    citizen = _ids(client.get(API, headers={"Authorization": f"Bearer {api_token(city_engine, 'citizen')}"}).json())
    assert citizen == {d.id for d in datasets() if d.public}


def test_the_catalogue_page_searches_and_hides_what_the_caller_may_not_see(
    city_engine: Engine, settings_for: Any
) -> None:
    client = _client(city_engine, settings_for)
    page = client.get("/catalogue")
    assert page.status_code == 200 and "数据目录" in page.text
    assert "rental.leases_by_month" in page.text and "rental.leases<" not in page.text
    assert client.get("/catalogue/rental.leases").status_code == 404
    assert client.get("/catalogue/rental.leases_by_month").status_code == 200
    found = client.get("/catalogue", params={"q": "存量房"}).text
    assert "transactions.resale_filings" in found and "rental.leases_by_month" not in found
    opened = client.get("/catalogue", params={"open": "true"}).text
    assert "rental.listings<" not in opened and "registry.homes_by_street" in opened
    token, _ = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    staff = client.get("/catalogue", params={"sensitivity": "敏感"}).text
    assert "rental.leases<" in staff and "assistance.applications<" in staff and "rental.listings<" not in staff
    one = client.get("/catalogue/rental.leases").text
    assert "tenant_id" in one and "个人信息" in one


def _plant(engine: Engine, settings_for: Any) -> dict[str, Any]:
    """Filed leases in the last two completed months ("last" the earlier, "this" the later): district A
    30 and 25, district B 40 and 3; and 5 in district B in the current month, which is not published."""
    w = choose_world(engine)
    kr = Security(settings_for(engine)).keyring
    last, this = completed_months(clock.today(), 2)
    current = months_back(clock.today(), 1)[0]
    with engine.begin() as conn:
        homes_a = rb.free_homes(conn, w.street_s1, 10)
        b_street = conn.execute(
            registry.homes.select().where(registry.homes.c.district_code == w.district_b).limit(1)
        ).first()
        assert b_street is not None
        homes_b = rb.free_homes(conn, b_street.street_code, 10)
        plan = [
            (homes_a, last, 30),
            (homes_a, this, 25),
            (homes_b, last, 40),
            (homes_b, this, 3),
            (homes_b, current, 5),
        ]
        for homes, month, n in plan:
            ids = [rb.filed_lease(conn, kr, homes[i % len(homes)], start_on=month.first) for i in range(n)]
            at = max(month.start + timedelta(days=1), min(month.end, clock.now()) - timedelta(hours=1))
            conn.execute(update(rental_leases).where(rental_leases.c.id.in_(ids)).values(filed_at=at))
        names = divisions.names(conn, {w.district_a, w.district_b})
    return {"a": names[w.district_a], "b": names[w.district_b], "last": last.label, "this": this.label}


def test_open_data_withholds_small_cells_and_what_would_reveal_them(city_engine: Engine, settings_for: Any) -> None:
    p = _plant(city_engine, settings_for)
    client = _client(city_engine, settings_for)
    r = client.get("/open-data/rental.leases_by_month.json")
    assert r.status_code == 200
    body = r.json()
    assert body["k"] == 10 and "小于 10 的数字已隐去" in body["note"]
    assert [f["name"] for f in body["fields"]] == ["district", "month", "leases"]
    fig = {(row["district"], row["month"]): row for row in body["rows"]}
    # the small cell, and the one of its month that would let one compute it from the month's total;
    # each month on its own: the other month publishes everything
    assert fig[(p["b"], p["this"])]["leases"] is None and fig[(p["b"], p["this"])]["suppressed"] is True
    withheld = {k for k, row in fig.items() if row["suppressed"]}
    assert withheld == {(p["a"], p["this"]), (p["b"], p["this"])}
    assert fig[(p["a"], p["last"])]["leases"] == 30 and fig[(p["b"], p["last"])]["leases"] == 40
    # the months' totals are published and true; no total over the months, no current month
    assert fig[("合计", p["this"])]["leases"] == 28 and fig[("合计", p["last"])]["leases"] == 70
    assert not any(k[1] == "合计" for k in fig) and not any(k[1] > p["this"] for k in fig)
    assert all(row["leases"] is None or row["leases"] == 0 or row["leases"] >= 10 for row in body["rows"])
    # CSV: the same figures, Chinese labels, withheld left empty and flagged
    c = client.get("/open-data/rental.leases_by_month.csv")
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    assert c.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert rows[0] == ["区", "月份", "备案合同数", "是否隐去"]
    by = {(x[0], x[1]): x for x in rows[1:]}
    assert by[(p["b"], p["this"])][2:] == ["", "是"] and by[("合计", p["last"])][2:] == ["70", "否"]
    assert "李租客" not in c.content.decode("utf-8-sig") and "王房东" not in c.text


def test_every_open_dataset_downloads_and_unknown_ones_are_404(city_engine: Engine, settings_for: Any) -> None:
    client = _client(city_engine, settings_for)
    page = client.get("/open-data")
    assert page.status_code == 200 and "小于 10 的数字不公布" in page.text
    for d in datasets():
        if d.open_data:
            assert d.id in page.text
            r = client.get(f"/open-data/{d.id}.json")
            assert r.status_code == 200, d.id
            assert all(
                x[d.fields[-1].name] is None or x[d.fields[-1].name] == 0 or x[d.fields[-1].name] >= 10
                for x in r.json()["rows"]
            )
            assert client.get(f"/open-data/{d.id}.csv").status_code == 200
    # the register's homes by street: the small city has homes, so the table is not empty
    homes = client.get("/open-data/registry.homes_by_street.json").json()["rows"]
    assert homes and any(x["homes"] for x in homes)
    assert client.get("/open-data/rental.leases.csv").status_code == 404  # not open data
    assert client.get("/open-data/nothing.here.json").status_code == 404


def test_assistance_households_count_approved_and_allocated_by_district_and_programme(
    city_engine: Engine, settings_for: Any
) -> None:
    from anju.assistance import catalogue as programmes
    from anju.assistance import domain as adomain
    from tests import assistance_builders as ab

    w = choose_world(city_engine)
    kr = Security(settings_for(city_engine)).keyring
    with city_engine.begin() as conn:
        programmes.load_programmes(conn, adomain.load_policies(adomain.sample_policy_path("320100")))
        b_street = (
            conn.execute(registry.homes.select().where(registry.homes.c.district_code == w.district_b).limit(1))
            .one()
            .street_code
        )
        for _ in range(11):
            ab.approved(conn, kr, w.street_s1)
        ab.approved(conn, kr, w.street_s1, status="allocated")
        ab.approved(conn, kr, w.street_s1, status="rejected")  # not counted
        for _ in range(2):
            ab.approved(conn, kr, b_street)
        names = divisions.names(conn, {w.district_a, w.district_b})
        label = programmes.programme_labels(conn)["public_rental"]["name"]
    body = _client(city_engine, settings_for).get("/open-data/assistance.households.json").json()
    fig = {(r["district"], r["programme"]): r["households"] for r in body["rows"]}
    assert fig[(names[w.district_b], label)] is None  # 2 households: withheld
    assert fig[("合计", "合计")] == 14 and fig[("合计", label)] == 14
    assert fig[(names[w.district_a], label)] is None  # 12 = 14 - 2 would reveal district B's 2


def test_assistance_households_count_a_household_with_two_applications_once(
    city_engine: Engine, settings_for: Any
) -> None:
    from anju.assistance import catalogue as programmes
    from anju.assistance import domain as adomain
    from anju.assistance.datasets import households
    from anju.assistance.tables import application_members as m
    from tests import assistance_builders as ab

    w = choose_world(city_engine)
    kr = Security(settings_for(city_engine)).keyring
    with city_engine.begin() as conn:
        programmes.load_programmes(conn, adomain.load_policies(adomain.sample_policy_path("320100")))
        base = sum(n for _, n in households(conn, clock.today()))
        first = ab.approved(conn, kr, w.street_s1)
        second = ab.approved(conn, kr, w.street_s1, status="allocated")
        ab.approved(conn, kr, w.street_s1)
        applicant = conn.execute(select(m.c.id_bidx).where(m.c.application_id == first, m.c.seq == 0)).scalar_one()
        conn.execute(update(m).where(m.c.application_id == second, m.c.seq == 0).values(id_bidx=applicant))
        rows = households(conn, clock.today())
    assert sum(n for _, n in rows) - base == 2  # three applications, two households


def test_the_catalogues_identifiers_use_the_configured_base_url(city_engine: Engine, settings_for: Any) -> None:
    base = "https://data.example.gov.cn"
    client = TestClient(create_app(settings_for(city_engine, exchange_catalogue_base_url=base + "/")))
    doc = client.get(API).json()
    assert doc["@id"] == f"{base}/api/v1/exchange/catalogue"
    assert all(d["@id"].startswith(f"{base}/catalogue#") for d in doc["dcat:dataset"])
    default = _client(city_engine, settings_for).get(API).json()
    assert default["@id"] == "http://testserver/api/v1/exchange/catalogue"  # the request's base URL
