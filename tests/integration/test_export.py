"""Export of the 楼盘表 to CSV, .xlsx and GeoJSON: columns, row counts, filters, streaming, CLI, HTTP,
and that an export imports back without changing anything."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from anju.cli import main
from anju.core.errors import NotFound, ValidationError
from anju.registry import export, imports
from anju.registry.tables import buildings, home_versions, homes

REQUIRED = ("house_code", "address", "district_code", "street_name", "use", "area_m2", "status")


def n_homes(engine: Engine, **where: str) -> int:
    cond = [homes.c[k] == v for k, v in where.items()]
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(homes).where(*cond)).scalar_one())


def a_district(engine: Engine) -> str:
    with engine.connect() as c:
        return str(
            c.execute(
                select(homes.c.district_code).group_by(homes.c.district_code).order_by(func.count().desc()).limit(1)
            ).scalar_one()
        )


def a_street(engine: Engine) -> str:
    with engine.connect() as c:
        return str(
            c.execute(
                select(homes.c.street_code).group_by(homes.c.street_code).order_by(func.count().desc()).limit(1)
            ).scalar_one()
        )


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_has_one_row_per_home_with_the_register_values(city_engine, tmp_path):
    out = tmp_path / "homes.csv"
    n = export.export_file(city_engine, out)
    rows = read_csv(out.read_bytes())
    assert n == len(rows) == n_homes(city_engine) > 100
    assert set(REQUIRED) <= set(rows[0]) and list(rows[0]) == list(export.HOME_COLUMNS)
    with city_engine.connect() as c:
        h = c.execute(select(homes).where(homes.c.house_code == rows[7]["house_code"])).mappings().one()
    r = rows[7]
    assert (r["address"], r["use"], r["status"], r["district_code"]) == (
        h["address"],
        h["use"],
        h["status"],
        h["district_code"],
    )
    assert Decimal(r["area_m2"]) == h["construction_area"] and len(r["area_m2"].split(".")[1]) == 2
    assert r["street_name"].endswith(("街道", "镇")) and r["district_name"].endswith("区")
    assert len({x["house_code"] for x in rows}) == len(rows)


def test_filters_by_district_and_street(city_engine, tmp_path):
    district, street = a_district(city_engine), a_street(city_engine)
    out = tmp_path / "d.csv"
    assert export.export_file(city_engine, out, district_code=district) == n_homes(city_engine, district_code=district)
    assert {r["district_code"] for r in read_csv(out.read_bytes())} == {district}
    assert export.export_file(city_engine, out, street_code=street) == n_homes(city_engine, street_code=street)
    assert {r["street_code"] for r in read_csv(out.read_bytes())} == {street}
    with pytest.raises(NotFound):
        export.export_file(city_engine, out, district_code="999999")
    with pytest.raises(ValidationError):
        export.export_file(city_engine, out, district_code="320102", street_code="320105007")
    with pytest.raises(ValidationError):
        export.export_file(city_engine, tmp_path / "x.pdf")


def test_a_zone_filter_selects_the_streets_it_manages(city_engine):
    with city_engine.connect() as c:
        streets = export.streets_for(c, "320192", None)
    assert streets and all(s.startswith("320192") for s in streets)


def test_xlsx_has_the_same_rows_and_keeps_codes_as_text(city_engine, tmp_path):
    out = tmp_path / "homes.xlsx"
    street = a_street(city_engine)
    n = export.export_file(city_engine, out, street_code=street)
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert n == len(rows) - 1 == n_homes(city_engine, street_code=street)
    assert rows[0] == export.HOME_COLUMNS
    first = dict(zip(rows[0], rows[1], strict=True))
    assert isinstance(first["house_code"], str) and len(first["house_code"]) == 23
    assert isinstance(first["area_m2"], int | float) and first["status"]


def test_xlsx_continues_on_a_new_sheet(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "XLSX_SHEET_ROWS", 3)
    rows = iter([([str(i), i], None) for i in range(7)])
    out = tmp_path / "x.xlsx"
    assert export.write_xlsx(out, ("code", "n"), rows, "房屋") == 7
    wb = openpyxl.load_workbook(out, read_only=True)
    assert [len(list(ws.iter_rows())) for ws in wb.worksheets] == [4, 4, 2]
    assert wb.sheetnames == ["房屋", "房屋2", "房屋3"]


def test_geojson_homes_are_points_at_the_building_centroid(city_engine, tmp_path):
    out = tmp_path / "homes.geojson"
    street = a_street(city_engine)
    n = export.export_file(city_engine, out, street_code=street)
    fc = json.loads(out.read_text(encoding="utf-8"), parse_float=Decimal)
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == n == n_homes(city_engine, street_code=street)
    f = fc["features"][0]
    assert set(REQUIRED) <= set(f["properties"])
    with city_engine.connect() as c:
        b = c.execute(
            select(buildings.c.centroid_lon, buildings.c.centroid_lat)
            .join(homes)
            .where(homes.c.house_code == f["properties"]["house_code"])
        ).one()
        area = c.execute(
            select(homes.c.construction_area).where(homes.c.house_code == f["properties"]["house_code"])
        ).scalar_one()
    assert f["geometry"]["type"] == "Point"
    assert [float(x) for x in f["geometry"]["coordinates"]] == [b.centroid_lon, b.centroid_lat]
    assert f["properties"]["area_m2"] == area  # a JSON number, exact


def test_geojson_buildings_are_their_footprints(city_engine, tmp_path):
    out = tmp_path / "b.geojson"
    n = export.export_file(city_engine, out, "buildings")
    fc = json.loads(out.read_text(encoding="utf-8"))
    with city_engine.connect() as c:
        total = c.execute(select(func.count()).select_from(buildings)).scalar_one()
    assert n == len(fc["features"]) == total
    f = fc["features"][0]
    assert f["geometry"]["type"] == "Polygon" and len(f["geometry"]["coordinates"][0]) == 5
    assert set(export.BUILDING_COLUMNS) == set(f["properties"])


def test_rows_are_streamed_not_loaded_at_once(city_engine):
    rows = export.iter_rows(city_engine, batch=50)
    first = [next(rows) for _ in range(3)]
    assert len(first) == 3 and all(len(r) == len(export.HOME_COLUMNS) for r, _ in first)
    rows.close()  # the cursor and connection are released when a download stops early


def test_an_export_imports_back_without_changing_the_register(city_engine, tmp_path):
    out = tmp_path / "street.csv"
    n = export.export_file(city_engine, out, street_code=a_street(city_engine))
    with city_engine.connect() as c:
        versions = c.execute(select(func.count()).select_from(home_versions)).scalar_one()
    r = imports.import_file(city_engine, out.read_bytes(), out.name, source="manual")
    assert (r.status, r.rows_total, r.rows_created, r.rows_updated, r.rows_rejected) == ("loaded", n, 0, 0, 0), (
        r.summary()
    )
    again = imports.import_file(city_engine, out.read_bytes(), out.name, source="manual")
    assert again.status == "unchanged" and again.rows_unchanged == n
    with city_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(home_versions)).scalar_one() == versions


def _env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    return {"ANJU_DATABASE_URL": engine.url.render_as_string(hide_password=False), "ANJU_DATA_DIR": str(tmp_path)}


def test_cli_export_homes_and_buildings(city_engine, tmp_path):
    district = a_district(city_engine)
    for ext in ("csv", "xlsx", "geojson"):
        out = tmp_path / f"h.{ext}"
        res = CliRunner().invoke(
            main,
            ["registry", "export-homes", "--out", str(out), "--district", district],
            env=_env(city_engine, tmp_path),
        )
        assert res.exit_code == 0, res.output
        summary = json.loads(res.output.strip().splitlines()[-1])
        assert summary["rows"] == n_homes(city_engine, district_code=district) and out.stat().st_size > 0
    res = CliRunner().invoke(
        main, ["registry", "export-buildings", "--out", str(tmp_path / "b.geojson")], env=_env(city_engine, tmp_path)
    )
    assert res.exit_code == 0 and json.loads(res.output.strip().splitlines()[-1])["format"] == "geojson"
    res = CliRunner().invoke(
        main,
        ["registry", "export-homes", "--out", str(tmp_path / "h.csv"), "--street", "999999999"],
        env=_env(city_engine, tmp_path),
    )
    assert res.exit_code != 0 and "999999999" in res.output


def test_api_streams_exports(live_server, city_engine):
    street = a_street(city_engine)
    with live_server.client("city") as client:
        r = client.get("/api/v1/exports/homes", params={"format": "csv", "street_code": street})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "attachment" in r.headers["content-disposition"]
        assert len(read_csv(r.content)) == n_homes(city_engine, street_code=street)
        with client.stream("GET", "/api/v1/exports/homes", params={"format": "geojson"}) as s:
            body = b"".join(s.iter_bytes())
        assert len(json.loads(body)["features"]) == n_homes(city_engine)
        x = client.get("/api/v1/exports/homes", params={"format": "xlsx", "street_code": street})
        assert x.status_code == 200 and x.content[:2] == b"PK"
        b = client.get("/api/v1/exports/buildings", params={"format": "geojson", "street_code": street})
        assert b.status_code == 200 and json.loads(b.content)["features"][0]["geometry"]["type"] == "Polygon"
        assert client.get("/api/v1/exports/homes", params={"district_code": "999999"}).status_code == 404
        bad = client.get("/api/v1/exports/homes", params={"format": "pdf"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "format"
