"""Hostile .xlsx files: a tiny sheet that declares (and fills) the whole Excel grid, and a small file that
inflates to a lot of XML. Each is refused before it is read, with a 422 (API) or exit code 1 (CLI) that
names the limit, and nothing is written but the rejected job's record. The files are written by hand
(zipfile), as an attacker would."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju.app import create_app
from anju.cli import main
from anju.registry import imports
from anju.registry.tables import import_jobs
from tests.accounts import api_token
from tests.integration.test_import import GOOD_ROWS, HEADER, counts, xlsx_bytes

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def workbook(sheet_xml: str, strings: str | None = None, styles: str | None = None) -> bytes:
    """A minimal .xlsx around one sheet's XML (with shared strings and styles when given), deflated."""
    rels = WORKBOOK_RELS
    extra = ""
    if strings is not None:
        extra += f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    if styles is not None:
        extra += f'<Relationship Id="rId3" Type="{REL}/styles" Target="/xl/styles.xml"/>'
    rels = rels.replace("</Relationships>", extra + "</Relationships>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        if strings is not None:
            z.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN_NS}">{strings}</sst>')
        if styles is not None:
            z.writestr("xl/styles.xml", f'<styleSheet xmlns="{MAIN_NS}">{styles}</styleSheet>')
    return out.getvalue()


def sheet(rows: str, dimension: str | None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dim}'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


#: 1.x KB: the header at A1 and one cell at the grid's last corner; the dimension says so.
WHOLE_GRID = workbook(
    sheet(
        f'<row r="1">{text_cell("A1", "区划代码")}</row><row r="1048576">{text_cell("XFD1048576", "x")}</row>',
        "A1:XFD1048576",
    )
)
#: A full header and a cell at XFD2, with a dimension that lies (A1 only): caught while the rows are read.
WHOLE_GRID_HIDDEN = workbook(
    sheet(
        '<row r="1">' + "".join(text_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER)) + "</row>"
        f'<row r="2">{text_cell("XFD2", "x")}</row>',
        "A1",
    )
)


def inflating() -> bytes:
    """About 4 MB of the same row compressed to a few KB (a ratio in the hundreds): a small stand-in for
    a 10 MB file that inflates to 325 MB."""
    header = "".join(text_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER))
    row = '<row r="2"><c r="A2"><v>1</v></c></row>' * 120_000
    return workbook(sheet(f'<row r="1">{header}</row>{row}', None))


def test_the_reader_reads_what_excel_writes() -> None:
    """Shared strings (rich text without its phonetic guide), numbers, booleans, a date-formatted number,
    cells without references, a blank first row, prefixed element names."""
    strings = (
        "<si><t>小区名称</t></si><si><r><t>测试</t></r><r><t>花园</t></r><rPh><t>ceshi</t></rPh></si>"
        '<si><t xml:space="preserve"> 502 </t></si>'
    )
    styles = (
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs>'
    )
    rows = (
        '<x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c><x:c t="inlineStr"><x:is><x:t>幢号</x:t></x:is></x:c>'
        '<x:c r="D2" t="inlineStr"><x:is><x:t>X</x:t></x:is></x:c></x:row>'
        '<x:row><x:c t="s"><x:v>1</x:v></x:c><x:c><x:v>89.5</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c>'
        '<x:c s="1"><x:v>42005</x:v></x:c></x:row>'
        '<x:row r="5"><x:c r="B5" t="s"><x:v>2</x:v></x:c><x:c r="C5" s="2"><x:v>42005.5</x:v></x:c>'
        '<x:c r="D5" t="e"><x:v>#N/A</x:v></x:c></x:row>'
    )
    xml = (
        f'<x:worksheet xmlns:x="{MAIN_NS}"><x:dimension ref="A1:D5"/><x:sheetData><x:row r="1"/>{rows}'
        "</x:sheetData></x:worksheet>"
    )
    sheet_data = imports.read_sheet(workbook(xml, strings, styles), "x.xlsx")
    assert sheet_data.header == ["小区名称", "幢号", "", "X"]
    assert list(sheet_data.rows()) == [
        (3, ["测试花园", "89.5", "是", "2015-01-01"]),
        (5, ["", " 502 ", "2015-01-01T12:00:00", "#N/A"]),
    ]


def test_xml_with_a_dtd_is_refused(city_engine: Engine) -> None:
    lol = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = workbook(lol + sheet(f'<row r="1">{text_cell("A1", "&b;")}</row>', None).split("?>", 1)[1])
    r = imports.import_file(city_engine, data, "dtd.xlsx")
    assert r.status == "rejected" and "DTD" in r.errors[0].reason


def jobs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as c:
        return [dict(r) for r in c.execute(select(import_jobs).order_by(import_jobs.c.id)).mappings()]


def test_the_hand_written_files_are_what_they_claim() -> None:
    assert len(WHOLE_GRID) < 2048
    with zipfile.ZipFile(io.BytesIO(inflating())) as z:
        member = z.getinfo("xl/worksheets/sheet1.xml")
    assert member.file_size > 4_000_000 and member.file_size > 200 * member.compress_size


def test_a_sheet_declaring_the_whole_grid_is_refused_before_it_is_read(city_engine: Engine) -> None:
    before = counts(city_engine)
    r = imports.import_file(city_engine, WHOLE_GRID, "bomb.xlsx")
    assert r.status == "rejected" and r.rows_created == 0
    (err,) = r.errors
    assert "1048576 行" in err.reason and "ANJU_IMPORT_XLSX_MAX_ROWS" in err.reason and "A1:XFD1048576" in err.reason
    assert counts(city_engine) == before
    (job,) = jobs(city_engine)
    assert (job["status"], job["rows_created"], job["filename"]) == ("rejected", 0, "bomb.xlsx")


def test_a_cell_beyond_a_lying_dimension_is_refused_as_it_is_read(city_engine: Engine) -> None:
    before = counts(city_engine)
    r = imports.import_file(city_engine, WHOLE_GRID_HIDDEN, "hidden.xlsx")
    assert r.status == "rejected"
    (err,) = r.errors
    assert (err.row, err.field) == (2, "文件") and "ANJU_IMPORT_XLSX_MAX_COLUMNS" in err.reason
    assert counts(city_engine) == before


@pytest.mark.parametrize(
    ("limit", "value", "needle"),
    [
        ("max_rows", 3, "ANJU_IMPORT_XLSX_MAX_ROWS"),
        ("max_cells", 40, "ANJU_IMPORT_XLSX_MAX_CELLS"),
    ],
)
def test_rows_and_cells_are_capped(city_engine: Engine, limit: str, value: int, needle: str) -> None:
    data = xlsx_bytes([list(r) for r in GOOD_ROWS])  # openpyxl declares A1:T5: 5 rows, 100 cells
    before = counts(city_engine)
    r = imports.import_file(city_engine, data, "x.xlsx", xlsx_limits=imports.XlsxLimits(**{limit: value}))
    assert r.status == "rejected" and needle in r.errors[0].reason
    assert counts(city_engine) == before
    ok = imports.import_file(city_engine, data, "x.xlsx", xlsx_limits=imports.XlsxLimits(**{limit: value * 10}))
    assert ok.status == "loaded" and ok.rows_created == 4, ok.summary()


def test_an_inflating_file_is_refused_by_its_ratio_and_its_unzipped_size(city_engine: Engine) -> None:
    data = inflating()
    before = counts(city_engine)
    r = imports.import_file(city_engine, data, "zip.xlsx")  # default limits: ratio 100
    assert r.status == "rejected" and "ANJU_IMPORT_XLSX_MAX_RATIO" in r.errors[0].reason
    r = imports.import_file(
        city_engine, data, "zip.xlsx", xlsx_limits=imports.XlsxLimits(max_ratio=10_000, max_unzipped_bytes=1_000_000)
    )
    assert r.status == "rejected" and "ANJU_IMPORT_XLSX_MAX_UNZIPPED_BYTES" in r.errors[0].reason
    assert counts(city_engine) == before
    assert [j["status"] for j in jobs(city_engine)] == ["rejected", "rejected"]


def test_a_member_larger_than_it_declares_is_not_inflated_beyond_its_declared_size(city_engine: Engine) -> None:
    data = bytearray(inflating())
    # Rewrite the central directory's uncompressed size of the sheet to 1000 bytes: the reader must
    # stop there (and refuse the file), not trust the stream.
    name = b"xl/worksheets/sheet1.xml"
    pos = data.find(b"PK\x01\x02")  # a central directory entry: the uncompressed size at +24, the name at +46
    while data[pos + 46 : pos + 46 + len(name)] != name:
        pos = data.find(b"PK\x01\x02", pos + 4)
    data[pos + 24 : pos + 28] = (1000).to_bytes(4, "little")
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        assert z.getinfo(name.decode()).file_size == 1000
    before = counts(city_engine)
    r = imports.import_file(city_engine, bytes(data), "liar.xlsx")
    assert r.status == "rejected" and "Excel" in r.errors[0].reason
    assert counts(city_engine) == before


@pytest.fixture
def small_limits_client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine, import_xlsx_max_unzipped_bytes=1_000_000, import_xlsx_max_ratio=10_000))
    with TestClient(app, follow_redirects=False) as c:
        c.headers["authorization"] = f"Bearer {api_token(city_engine, 'city')}"
        yield c
    app.state.engine.dispose()


def test_the_api_refuses_both_files_with_422_naming_the_limit(
    small_limits_client: TestClient, city_engine: Engine
) -> None:
    before = counts(city_engine)
    for data, needle in (
        (WHOLE_GRID, "ANJU_IMPORT_XLSX_MAX_ROWS"),
        (inflating(), "ANJU_IMPORT_XLSX_MAX_UNZIPPED_BYTES"),
    ):
        r = small_limits_client.post(
            "/api/v1/imports", files={"file": ("x.xlsx", data, "application/octet-stream")}, data={"source": "survey"}
        )
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["job"]["status"] == "rejected" and needle in body["errors"][0]["reason"]
        assert needle in body["message"]
    assert counts(city_engine) == before
    assert [j["status"] for j in jobs(city_engine)] == ["rejected", "rejected"]


def test_the_cli_refuses_both_files_and_exits_1(city_engine: Engine, tmp_path: Path) -> None:
    env = {
        "ANJU_DATABASE_URL": city_engine.url.render_as_string(hide_password=False),
        "ANJU_DATA_DIR": str(tmp_path),
        "ANJU_IMPORT_XLSX_MAX_UNZIPPED_BYTES": "1000000",
        "ANJU_IMPORT_XLSX_MAX_RATIO": "10000",
    }
    before = counts(city_engine)
    for data, needle in (
        (WHOLE_GRID, "ANJU_IMPORT_XLSX_MAX_ROWS"),
        (inflating(), "ANJU_IMPORT_XLSX_MAX_UNZIPPED_BYTES"),
    ):
        f = tmp_path / "bomb.xlsx"
        f.write_bytes(data)
        res = CliRunner().invoke(main, ["registry", "import", str(f)], env=env)
        assert res.exit_code == 1, res.output
        out = json.loads(res.output.strip().splitlines()[-1])
        assert out["status"] == "rejected" and needle in out["errors"][0]["reason"]
    assert counts(city_engine) == before
    with city_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(import_jobs)).scalar_one() == 2
