"""Export of the 楼盘表 to CSV, Excel (.xlsx) and GeoJSON, streamed in bounded memory.

Rows come from one query read through a server-side cursor (``stream_results`` / ``yield_per``), so a
city of four million homes is never held in memory: CSV and GeoJSON are produced chunk by chunk,
Excel through openpyxl's write-only mode (rows go to a temporary file as they come; a sheet holds at
most 1,000,000 rows, further rows continue on the next sheet).

Homes are exported one row (or GeoJSON point feature, at the centroid of the building's footprint) per
home; buildings one row (or polygon feature with the footprint) per building. The home columns are
names the importer accepts, so an export can be edited and imported back.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, Select, select

from anju import divisions
from anju.core import csvout
from anju.core.errors import NotFound, ValidationError
from anju.core.scope import SYSTEM, OutOfScope, Scope
from anju.registry.tables import buildings, estates, homes

FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
XLSX_SHEET_ROWS = 1_000_000
_CSV_FLUSH_ROWS = 1000


@dataclass(frozen=True)
class Layer:
    """What is exported: its columns, its query and how a row becomes a GeoJSON geometry."""

    name: str
    sheet: str
    columns: tuple[str, ...]
    query: Callable[[list[str] | None], Select[Any]]
    geometry: Callable[[Sequence[Any]], str | None]


HOME_COLUMNS: tuple[str, ...] = (
    "house_code",
    "address",
    "district_code",
    "district_name",
    "street_code",
    "street_name",
    "estate_name",
    "road",
    "door_no",
    "building_no",
    "building_house_code",
    "structure",
    "floors_above",
    "floors_below",
    "year_built",
    "building_status",
    "unit_no",
    "floor_no",
    "floor_label",
    "floor_to",
    "room_no",
    "use",
    "rooms",
    "halls",
    "orientation",
    "area_m2",
    "inner_area_m2",
    "status",
    "property_unit_code",
    "valid_from",
    "version",
)
BUILDING_COLUMNS: tuple[str, ...] = (
    "house_code",
    "address",
    "district_code",
    "district_name",
    "street_code",
    "street_name",
    "estate_name",
    "building_no",
    "use",
    "structure",
    "floors_above",
    "floors_below",
    "units",
    "year_built",
    "status",
    "area_m2",
    "centroid_lon",
    "centroid_lat",
    "valid_from",
    "version",
)
# Positions of the columns the query does not give directly (names filled from the divisions).
_DISTRICT_NAME, _STREET_NAME = 3, 5


def _home_query(streets: list[str] | None) -> Select[Any]:
    q = (
        select(
            homes.c.house_code,
            homes.c.address,
            homes.c.district_code,
            homes.c.district_code,
            homes.c.street_code,
            homes.c.street_code,
            estates.c.name,
            estates.c.road,
            estates.c.door_no,
            buildings.c.building_no,
            buildings.c.house_code,
            buildings.c.structure,
            buildings.c.floors_above,
            buildings.c.floors_below,
            buildings.c.year_built,
            buildings.c.status,
            homes.c.unit_no,
            homes.c.floor_no,
            homes.c.floor_label,
            homes.c.floor_to,
            homes.c.room_no,
            homes.c.use,
            homes.c.rooms,
            homes.c.halls,
            homes.c.orientation,
            homes.c.construction_area,
            homes.c.inner_area,
            homes.c.status,
            homes.c.property_unit_code,
            homes.c.valid_from,
            homes.c.version,
            buildings.c.centroid_lon,
            buildings.c.centroid_lat,
        )
        .join(buildings, buildings.c.id == homes.c.building_id)
        .join(estates, estates.c.id == homes.c.estate_id)
        .order_by(homes.c.id)
    )
    return q.where(homes.c.street_code.in_(streets)) if streets is not None else q


def _building_query(streets: list[str] | None) -> Select[Any]:
    q = (
        select(
            buildings.c.house_code,
            buildings.c.address,
            buildings.c.district_code,
            buildings.c.district_code,
            buildings.c.street_code,
            buildings.c.street_code,
            estates.c.name,
            buildings.c.building_no,
            buildings.c.use,
            buildings.c.structure,
            buildings.c.floors_above,
            buildings.c.floors_below,
            buildings.c.units,
            buildings.c.year_built,
            buildings.c.status,
            buildings.c.construction_area,
            buildings.c.centroid_lon,
            buildings.c.centroid_lat,
            buildings.c.valid_from,
            buildings.c.version,
            buildings.c.footprint,
        )
        .join(estates, estates.c.id == buildings.c.estate_id)
        .order_by(buildings.c.id)
    )
    return q.where(buildings.c.street_code.in_(streets)) if streets is not None else q


def _point(row: Sequence[Any]) -> str | None:
    lon, lat = row[-2], row[-1]
    if lon is None or lat is None:
        return None
    return f'{{"type":"Point","coordinates":[{lon!r},{lat!r}]}}'


def _footprint(row: Sequence[Any]) -> str | None:
    fp = row[-1]
    return str(fp) if fp else None


LAYERS: dict[str, Layer] = {
    "homes": Layer("homes", "房屋", HOME_COLUMNS, _home_query, _point),
    "buildings": Layer("buildings", "楼幢", BUILDING_COLUMNS, _building_query, _footprint),
}


# ------------------------------------------------------------------------------------------------
# filters and rows
# ------------------------------------------------------------------------------------------------


def format_of(path: str | Path) -> str:
    ext = Path(path).suffix.lower().lstrip(".")
    if ext == "json":
        ext = "geojson"
    if ext not in FORMATS:
        raise ValidationError.of("format", f"不支持的导出格式「{ext or path}」，应为 csv、xlsx 或 geojson")
    return ext


def streets_for(
    conn: Connection, district_code: str | None, street_code: str | None, scope: Scope = SYSTEM
) -> list[str] | None:
    """The streets a district/street filter selects within the caller's scope (None: the whole city).

    Unknown codes, and codes outside the scope, are refused as not found."""
    selected = _streets_for(conn, district_code, street_code)
    if scope.streets is None:
        return selected
    if selected is None:
        return sorted(scope.streets)
    if not set(selected) <= scope.streets:
        raise OutOfScope(f"没有街道 {street_code}" if street_code else f"没有区（县）或功能区 {district_code}")
    return selected


def _streets_for(conn: Connection, district_code: str | None, street_code: str | None) -> list[str] | None:
    if street_code:
        if not divisions.exists(conn, street_code) or divisions.get(conn, street_code).level != "street":
            raise NotFound(f"没有街道 {street_code}")
        if district_code:
            s = divisions.get(conn, street_code)
            zone = conn.execute(
                select(divisions.divisions_table.c.managing_code).where(divisions.divisions_table.c.code == street_code)
            ).scalar_one_or_none()
            if district_code not in (s.parent_code, zone):
                raise ValidationError.of("street_code", f"街道 {street_code} 不属于 {district_code}")
        return [street_code]
    if district_code:
        if not divisions.exists(conn, district_code) or divisions.get(conn, district_code).level not in (
            "district",
            "zone",
        ):
            raise NotFound(f"没有区（县）或功能区 {district_code}")
        streets_of = divisions.children(conn, district_code, "street", limit=10_000).items
        return [street.code for street in streets_of]
    return None


def check_filters(engine: Engine, district_code: str | None, street_code: str | None, scope: Scope = SYSTEM) -> None:
    """Refuse unknown filters before a streamed response starts (errors cannot be sent mid-stream)."""
    with engine.connect() as conn:
        streets_for(conn, district_code, street_code, scope)


def _names(conn: Connection) -> dict[str, str]:
    rows = conn.execute(
        select(divisions.divisions_table.c.code, divisions.divisions_table.c.name).where(
            divisions.divisions_table.c.level.in_(("district", "zone", "street"))
        )
    )
    return {r[0]: r[1] for r in rows}


def iter_rows(
    engine: Engine,
    layer: str = "homes",
    *,
    district_code: str | None = None,
    street_code: str | None = None,
    batch: int = 2000,
    scope: Scope = SYSTEM,
) -> Generator[tuple[list[Any], str | None], None, None]:
    """(row in the layer's column order, GeoJSON geometry text) for every record, streamed."""
    lay = LAYERS[layer]
    width = len(lay.columns)
    with engine.connect() as conn:
        streets = streets_for(conn, district_code, street_code, scope)
        names = _names(conn)
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(lay.query(streets))
        for row in result:
            out = list(row[:width])
            out[_DISTRICT_NAME] = names.get(out[_DISTRICT_NAME], "")
            out[_STREET_NAME] = names.get(out[_STREET_NAME], "")
            yield out, lay.geometry(row)


# ------------------------------------------------------------------------------------------------
# writers: each yields bytes chunks
# ------------------------------------------------------------------------------------------------


def _text(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, date | datetime):
        return v.isoformat()
    return v  # Decimal prints exactly ("89.50"), never through a float


def csv_chunks(columns: Sequence[str], rows: Iterator[tuple[list[Any], str | None]]) -> Iterator[bytes]:
    """UTF-8 with BOM (so that Excel shows Chinese correctly), CRLF line ends."""
    buf = io.StringIO()
    w = csvout.writer(buf)
    w.writerow(columns)
    yield b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")
    buf.seek(0)
    buf.truncate()
    for n, (row, _) in enumerate(rows, start=1):
        w.writerow([_text(v) for v in row])
        if n % _CSV_FLUSH_ROWS == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode("utf-8")


def _json_value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, Decimal):
        return str(v)  # a JSON number written from the exact decimal
    if isinstance(v, date | datetime):
        return json.dumps(v.isoformat())
    return json.dumps(v, ensure_ascii=False)


def geojson_chunks(columns: Sequence[str], rows: Iterator[tuple[list[Any], str | None]]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection (RFC 7946, WGS-84), one feature per row; null geometry when unknown."""
    keys = [json.dumps(c) + ":" for c in columns]
    yield b'{"type":"FeatureCollection","features":[\n'
    parts: list[str] = []
    first = True
    for row, geom in rows:
        props = ",".join(k + _json_value(v) for k, v in zip(keys, row, strict=True))
        parts.append(
            ("" if first else ",\n") + f'{{"type":"Feature","geometry":{geom or "null"},"properties":{{{props}}}}}'
        )
        first = False
        if len(parts) >= _CSV_FLUSH_ROWS:
            yield "".join(parts).encode("utf-8")
            parts.clear()
    parts.append("\n]}\n")
    yield "".join(parts).encode("utf-8")


def write_xlsx(
    out: BinaryIO | str | Path,
    columns: Sequence[str],
    rows: Iterator[tuple[list[Any], str | None]],
    sheet_title: str = "楼盘表",
) -> int:
    """Write an .xlsx in openpyxl's write-only mode (bounded memory). Returns the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    ws = None
    written = 0
    for row, _ in rows:
        if ws is None or written % XLSX_SHEET_ROWS == 0:
            ws = wb.create_sheet(sheet_title if not written else f"{sheet_title}{written // XLSX_SHEET_ROWS + 1}")
            ws.append(list(columns))
        cells = []
        for v in row:
            if isinstance(v, str):
                c = WriteOnlyCell(ws, value=v)
                c.data_type = "s"  # keep codes such as house codes as text, never numbers
                cells.append(c)
            else:
                cells.append(v)
        ws.append(cells)
        written += 1
    if ws is None:
        ws = wb.create_sheet(sheet_title)
        ws.append(list(columns))
    wb.save(out)
    return written


def xlsx_chunks(
    columns: Sequence[str], rows: Iterator[tuple[list[Any], str | None]], sheet_title: str, chunk: int = 1 << 16
) -> Iterator[bytes]:
    """The .xlsx is built in a temporary file (a zip cannot be streamed while written) and sent in chunks."""
    fd, path = tempfile.mkstemp(prefix="anju-export-", suffix=".xlsx")
    os.close(fd)
    try:
        write_xlsx(path, columns, rows, sheet_title)
        with open(path, "rb") as f:
            while block := f.read(chunk):
                yield block
    finally:
        os.unlink(path)


def stream(
    engine: Engine,
    fmt: str,
    layer: str = "homes",
    *,
    district_code: str | None = None,
    street_code: str | None = None,
    batch: int = 2000,
    scope: Scope = SYSTEM,
) -> Iterator[bytes]:
    """The export as bytes chunks, for a streamed HTTP response or a file."""
    if fmt not in FORMATS:
        raise ValidationError.of("format", f"不支持的导出格式「{fmt}」，应为 csv、xlsx 或 geojson")
    lay = LAYERS[layer]
    rows = iter_rows(engine, layer, district_code=district_code, street_code=street_code, batch=batch, scope=scope)
    if fmt == "csv":
        return csv_chunks(lay.columns, rows)
    if fmt == "geojson":
        return geojson_chunks(lay.columns, rows)
    return xlsx_chunks(lay.columns, rows, lay.sheet)


def export_file(
    engine: Engine,
    path: str | Path,
    layer: str = "homes",
    *,
    district_code: str | None = None,
    street_code: str | None = None,
    batch: int = 2000,
) -> int:
    """Write the export to ``path`` (format from the extension: .csv, .xlsx, .geojson). Returns rows written."""
    fmt = format_of(path)
    check_filters(engine, district_code, street_code)
    lay = LAYERS[layer]
    count = 0

    def counted() -> Iterator[tuple[list[Any], str | None]]:
        nonlocal count
        for item in iter_rows(engine, layer, district_code=district_code, street_code=street_code, batch=batch):
            count += 1
            yield item

    if fmt == "xlsx":
        return write_xlsx(path, lay.columns, counted(), lay.sheet)
    chunks = csv_chunks(lay.columns, counted()) if fmt == "csv" else geojson_chunks(lay.columns, counted())
    with open(path, "wb") as f:
        for block in chunks:
            f.write(block)
    return count


def filename_for(layer: str, fmt: str, district_code: str | None, street_code: str | None) -> str:
    where = street_code or district_code or "all"
    return f"{layer}-{where}.{fmt}"


__all__ = [
    "BUILDING_COLUMNS",
    "FORMATS",
    "HOME_COLUMNS",
    "LAYERS",
    "check_filters",
    "export_file",
    "filename_for",
    "format_of",
    "iter_rows",
    "stream",
    "streets_for",
    "write_xlsx",
]
