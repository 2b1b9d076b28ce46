"""Import of the 楼盘表: formats, validation that changes nothing, good_rows, re-import, source merging,
the CLI and the HTTP upload. Every test runs on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, update

from anju.cli import main
from anju.core import clock
from anju.core.errors import TooLarge
from anju.registry import domain, imports
from anju.registry.domain import make_house_code, parse_house_code
from anju.registry.imports import write
from anju.registry.tables import (
    building_versions,
    buildings,
    estates,
    home_source_records,
    home_versions,
    homes,
    import_jobs,
    source_rules,
)

ROOT = Path(__file__).resolve().parents[2]
HEADER = [
    "区划代码",
    "街道",
    "小区名称",
    "路名",
    "门牌号",
    "幢号",
    "结构",
    "地上层数",
    "地下层数",
    "建成年份",
    "单元",
    "楼层",
    "房号",
    "用途",
    "室",
    "厅",
    "朝向",
    "建筑面积",
    "套内面积",
    "状态",
]
ESTATE = "测试花园"


def home_row(
    building: str = "1",
    unit: str = "1",
    floor: str = "1",
    room: str = "101",
    area: str = "89.50",
    inner: str = "70.20",
    status: str = "使用",
    year: str = "2015",
    **over: str,
) -> list[str]:
    row = {
        "区划代码": "320105",
        "街道": "南苑街道",
        "小区名称": ESTATE,
        "路名": "江东中路",
        "门牌号": "18",
        "幢号": building,
        "结构": "钢筋混凝土",
        "地上层数": "6",
        "地下层数": "0",
        "建成年份": year,
        "单元": unit,
        "楼层": floor,
        "房号": room,
        "用途": "住宅",
        "室": "2",
        "厅": "1",
        "朝向": "南北",
        "建筑面积": area,
        "套内面积": inner,
        "状态": status,
    }
    row.update(over)
    return [row[h] for h in HEADER]


GOOD_ROWS = [
    home_row(),
    home_row(room="102", area="120.00", inner="99.90"),
    home_row(floor="2", room="201", area="89.50"),
    home_row(building="2", unit="2", floor="3", room="301", area="75.30", inner=""),
]


def csv_bytes(rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


REGISTER = (estates, buildings, building_versions, homes, home_versions, home_source_records)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as c:
        return {t.name: int(c.execute(select(func.count()).select_from(t)).scalar_one()) for t in REGISTER}


def imp(engine: Engine, data: bytes, name: str = "lpb.csv", **kw: object) -> imports.ImportResult:
    return imports.import_file(engine, data, name, **kw)  # type: ignore[arg-type]


def home_by_room(engine: Engine, room: str, building_no: str = "1") -> dict[str, object]:
    with engine.connect() as c:
        row = (
            c.execute(
                select(homes)
                .join(buildings, buildings.c.id == homes.c.building_id)
                .join(estates)
                .where(estates.c.name == ESTATE, buildings.c.building_no == building_no, homes.c.room_no == room)
            )
            .mappings()
            .one()
        )
    return dict(row)


# ------------------------------------------------------------------------------------------------
# happy paths
# ------------------------------------------------------------------------------------------------


def test_csv_with_chinese_headers_creates_estate_buildings_and_homes(city_engine):
    before = counts(city_engine)
    r = imp(city_engine, csv_bytes(GOOD_ROWS), source="presale")
    assert (r.status, r.rows_total, r.rows_created, r.rows_rejected) == ("loaded", 4, 4, 0), r.summary()
    after = counts(city_engine)
    assert {k: after[k] - before[k] for k in after} == {
        "estates": 1,
        "buildings": 2,
        "building_versions": 2,
        "homes": 4,
        "home_versions": 4,
        "home_source_records": 4,
    }
    h = home_by_room(city_engine, "102")
    assert h["construction_area"] == Decimal("120.00") and h["inner_area"] == Decimal("99.90")
    assert h["address"] == "南京市建邺区江东中路18号测试花园1幢1单元102室"
    assert (h["status"], h["use"], h["rooms"], h["halls"], h["orientation"]) == ("使用", "住宅", 2, 1, "南北")
    code = parse_house_code(str(h["house_code"]))
    assert (code.street_code, code.segment) == ("320105007", 2015)
    with city_engine.connect() as c:
        b = c.execute(select(buildings).where(buildings.c.id == h["building_id"])).mappings().one()
        job = c.execute(select(import_jobs).where(import_jobs.c.id == r.job_id)).mappings().one()
        first_version = c.execute(select(home_versions).where(home_versions.c.home_id == h["id"])).mappings().one()
    assert b["house_code"] == make_house_code("320105007", 2015, code.building_seq, 0)
    assert (b["floors_above"], b["structure"], b["status"], b["units"]) == (6, "钢筋混凝土", "使用", 1)
    assert b["construction_area"] == Decimal("299.00")  # 89.50 + 120.00 + 89.50
    assert (job["status"], job["source"], job["rows_created"]) == ("loaded", "presale", 4)
    assert (first_version["change_kind"], first_version["source"]) == ("import", "presale")


def test_xlsx_with_chinese_headers_and_numeric_cells(city_engine):
    rows: list[list[object]] = [
        [
            320105,
            "南苑街道",
            ESTATE,
            "江东中路",
            18,
            1,
            "砖混",
            6,
            0,
            2001,
            1,
            1,
            101,
            "住宅",
            2,
            1,
            "南",
            89.5,
            70.2,
            "使用",
        ],
        [
            320105,
            "南苑街道",
            ESTATE,
            "江东中路",
            18,
            1,
            "砖混",
            6,
            0,
            2001,
            1,
            2,
            201,
            "住宅",
            3,
            2,
            "南北",
            120,
            None,
            "使用",
        ],
    ]
    r = imp(city_engine, xlsx_bytes(rows), "楼盘表.xlsx", source="survey")
    assert (r.status, r.rows_created, r.format) == ("loaded", 2, "xlsx"), r.summary()
    h = home_by_room(city_engine, "101")
    assert h["construction_area"] == Decimal("89.50") and h["inner_area"] == Decimal("70.20")
    assert home_by_room(city_engine, "201")["construction_area"] == Decimal("120.00")


def test_gbk_encoded_csv_is_decoded(city_engine):
    data = csv_bytes(GOOD_ROWS, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    r = imp(city_engine, data)
    assert (r.status, r.rows_created, r.encoding) == ("loaded", 4, "gb18030"), r.summary()
    assert home_by_room(city_engine, "101")["address"] == "南京市建邺区江东中路18号测试花园1幢1单元101室"


def test_utf16_tab_separated_text_from_excel(city_engine):
    text = "\r\n".join("\t".join(r) for r in [HEADER, *GOOD_ROWS[:2]])
    r = imp(city_engine, text.encode("utf-16"), "unicode.txt")
    assert (r.status, r.rows_created, r.encoding) == ("loaded", 2, "utf-16"), r.summary()


def test_utf8_bom_and_english_headers_with_names_instead_of_codes(city_engine):
    header = [
        "district_name",
        "street_name",
        "estate_name",
        "road",
        "door_no",
        "building_no",
        "floors_above",
        "unit_no",
        "floor_no",
        "room_no",
        "use",
        "construction_area",
        "status",
    ]
    rows = [["建邺区", "南苑街道", ESTATE, "江东中路", "18号", "3幢", "5", "2单元", "5", "502室", "住宅", "66", "现房"]]
    r = imp(city_engine, b"\xef\xbb\xbf" + csv_bytes(rows, header))
    assert (r.status, r.rows_created, r.encoding) == ("loaded", 1, "utf-8-sig"), r.summary()
    h = home_by_room(city_engine, "502", "3")
    assert (h["unit_no"], h["floor_no"], h["status"], h["construction_area"]) == ("2", 5, "现房", Decimal("66.00"))


def test_new_home_in_an_existing_building_continues_its_house_codes(city_engine):
    with city_engine.connect() as c:
        b = c.execute(
            select(
                buildings.c.id,
                buildings.c.house_code,
                buildings.c.building_no,
                buildings.c.street_code,
                buildings.c.district_code,
                buildings.c.floors_above,
                estates.c.name,
            )
            .join(estates)
            .where(buildings.c.status == "使用")
            .order_by(buildings.c.id)
            .limit(1)
        ).one()
        top = c.execute(select(func.max(homes.c.house_code)).where(homes.c.building_id == b.id)).scalar_one()
        street = c.execute(select(estates.c.street_code).join(buildings).where(buildings.c.id == b.id)).scalar_one()
    row = [
        "",
        street,
        b.name,
        "",
        "",
        b.building_no,
        "",
        "",
        "",
        "",
        "",
        "1",
        "9901",
        "住宅",
        "",
        "",
        "",
        "30.5",
        "",
        "使用",
    ]
    before = counts(city_engine)
    r = imp(city_engine, csv_bytes([row]))
    assert (r.status, r.rows_created) == ("loaded", 1), r.summary()
    assert counts(city_engine)["buildings"] == before["buildings"]  # no new building, no new estate
    with city_engine.connect() as c:
        code = c.execute(
            select(homes.c.house_code).where(homes.c.building_id == b.id, homes.c.room_no == "9901")
        ).scalar_one()
    assert parse_house_code(code).home_seq == parse_house_code(top).home_seq + 1
    assert code[:17] == b.house_code[:17]


def test_bulk_house_codes_match_the_domain():
    rng = random.Random(5)
    for _ in range(500):
        street, seg, bseq, hseq = (
            str(rng.randint(10**8, 10**9 - 1)),
            rng.randint(0, 9999),
            rng.randint(1, 9999),
            rng.randint(1, 99_000),
        )
        gen = write.home_codes(make_house_code(street, seg, bseq, 0), hseq)
        assert [next(gen) for _ in range(3)] == [make_house_code(street, seg, bseq, hseq + k) for k in range(3)]


# ------------------------------------------------------------------------------------------------
# bad input changes nothing
# ------------------------------------------------------------------------------------------------


def _existing_code(engine: Engine, status: str = "使用") -> str:
    with engine.connect() as c:
        return str(
            c.execute(
                select(homes.c.house_code).where(homes.c.status == status).order_by(homes.c.id).limit(1)
            ).scalar_one()
        )


def _bad_check_digit(engine: Engine) -> str:
    code = _existing_code(engine)
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


CODE_HEADER = ["房屋代码", "建筑面积", "状态"]

BAD_CASES: dict[str, tuple[Callable[[Engine], bytes], str, str]] = {
    "unknown district code": (
        lambda e: csv_bytes([*GOOD_ROWS, home_row(room="999", 区划代码="999999")]),
        "区划代码",
        "未知的区划代码 999999",
    ),
    "unknown street name": (lambda e: csv_bytes([home_row(街道="不存在街道")]), "街道", "没有名为「不存在街道」的街道"),
    "street outside the district": (lambda e: csv_bytes([home_row(区划代码="320102")]), "街道", "没有名为"),
    "duplicate home rows": (lambda e: csv_bytes([*GOOD_ROWS, home_row(area="95")]), "房号", "与第 2 行是同一套房屋"),
    "duplicate house codes": (
        lambda e: csv_bytes([[_existing_code(e), "80", ""], [_existing_code(e), "81", ""]], CODE_HEADER),
        "房屋代码",
        "与第 2 行是同一套房屋",
    ),
    "bad check digit": (lambda e: csv_bytes([[_bad_check_digit(e), "80", ""]], CODE_HEADER), "房屋代码", "校验码错误"),
    "short house code": (lambda e: csv_bytes([["3201", "80", ""]], CODE_HEADER), "房屋代码", "共 23 位"),
    "unknown house code": (
        lambda e: csv_bytes([[make_house_code("320105007", 1999, 9999, 1), "80", ""]], CODE_HEADER),
        "房屋代码",
        "登记簿中没有",
    ),
    "negative area": (lambda e: csv_bytes([*GOOD_ROWS, home_row(room="999", area="-5")]), "建筑面积", "必须大于 0"),
    "absurd area": (lambda e: csv_bytes([home_row(area="250000")]), "建筑面积", "不合理"),
    "three decimals": (lambda e: csv_bytes([home_row(area="80.123")]), "建筑面积", "最多两位小数"),
    "inner above construction": (lambda e: csv_bytes([home_row(area="80", inner="90")]), "套内面积", "大于建筑面积"),
    "future year while in use": (
        lambda e: csv_bytes([home_row(year=str(clock.today().year + 1))]),
        "建成年份",
        "在未来",
    ),
    "absurd year": (lambda e: csv_bytes([home_row(year="2999")]), "建成年份", "超出范围"),
    "unknown status": (lambda e: csv_bytes([home_row(status="入住")]), "状态", "未知的状态「入住」"),
    "floor above the building": (lambda e: csv_bytes([home_row(floor="9", room="901")]), "楼层", "超出该幢范围"),
    "new home demolished": (lambda e: csv_bytes([home_row(status="拆除")]), "状态", "不能新建"),
    "missing columns": (lambda e: csv_bytes([["x", "1"]], ["小区名称", "幢号"]), "表头", "缺少必需的列"),
    "no known header": (lambda e: b"foo,bar\n1,2\n", "表头", "没有可识别的列"),
    "unterminated quote": (lambda e: csv_bytes(GOOD_ROWS) + b'320105,"unterminated', "文件", "CSV 格式错误"),
    "more cells than header": (lambda e: csv_bytes([[*home_row(), "extra"]]), "整行", "多于表头"),
    "empty file": (lambda e: b"", "文件", "空"),
    "binary garbage": (lambda e: random.Random(1).randbytes(4096), "文件", "二进制"),
    "control characters": (lambda e: b"\x01\x02\x03abc,def\x07\n", "文件", "控制字符"),
    "undecodable text": (lambda e: "小区名称,幢号\n".encode("gbk") + b"abc,\x81\x20def\n", "文件", "无法识别文件编码"),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_rejected_with_a_clear_error_and_changes_nothing(city_engine, case):
    make, column, reason = BAD_CASES[case]
    data = make(city_engine)
    before = counts(city_engine)
    r = imp(city_engine, data)
    assert r.status == "rejected", r.summary()
    assert counts(city_engine) == before
    assert any(e.field == column and reason in e.reason for e in r.errors), [e.as_dict() for e in r.errors]
    with city_engine.connect() as c:
        job = c.execute(select(import_jobs).where(import_jobs.c.id == r.job_id)).mappings().one()
    assert job["status"] == "rejected" and job["rows_created"] == 0
    assert json.loads(job["report"])["errors"]


def test_xlsx_name_with_other_content_is_refused(city_engine):
    r = imp(city_engine, b"this is not a workbook", "楼盘表.xlsx")
    assert r.status == "rejected" and "不是 Excel" in r.errors[0].reason


def test_rows_with_errors_name_row_number_and_column(city_engine):
    rows = [home_row(), home_row(room="102", area="abc"), home_row(room="103", 朝向="上")]
    before = counts(city_engine)
    r = imp(city_engine, csv_bytes(rows))
    got = {(e.row, e.field) for e in r.errors}
    assert got == {(3, "建筑面积"), (4, "朝向")}
    assert r.rows_rejected == 2 and counts(city_engine) == before


def test_identifiers_with_control_characters_are_refused_naming_row_and_column(city_engine):
    """A line break (or another control or invisible character) inside a room number, a building number,
    a name or a label would register a home nobody can find or print; the row is refused naming its
    column, and nothing is written."""
    header = [*HEADER, "名义层"]
    rows = [
        [*home_row(room="50\n2"), ""],
        [*home_row(room="503", **{"小区名称": "测试\t花园"}), ""],
        [*home_row(room="504", **{"单元": "1\u200b"}), ""],
        [*home_row(room="505", **{"路名": "江东\u2028中路"}), ""],
        [*home_row(room="506", building="1\u202e"), ""],
        [*home_row(room="507"), "5\r\nA"],
        [*home_row(room="508"), "5A"],
    ]
    before = counts(city_engine)
    r = imp(city_engine, csv_bytes(rows, header))
    assert r.status == "rejected" and counts(city_engine) == before
    assert [(e.row, e.field) for e in r.errors] == [
        (2, "房号"),
        (3, "小区名称"),
        (4, "单元"),
        (5, "路名"),
        (6, "幢号"),
        (7, "名义层"),
    ]
    assert all("不能包含控制字符或不可见字符" in e.reason for e in r.errors), r.errors
    assert "U+000A" in r.errors[0].reason
    partial = imp(city_engine, csv_bytes(rows, header), mode="good_rows")
    assert (partial.status, partial.rows_created, partial.rows_rejected) == ("partial", 1, 6)
    assert home_by_room(city_engine, "508")["floor_label"] == "5A"


def test_oversized_upload_is_refused_before_reading(city_engine):
    before = counts(city_engine)
    with pytest.raises(TooLarge):
        imp(city_engine, csv_bytes(GOOD_ROWS * 20), max_bytes=1024)
    assert counts(city_engine) == before


def test_illegal_status_transition_of_an_existing_home_is_refused(city_engine):
    code = _existing_code(city_engine, "使用")
    assert imp(city_engine, csv_bytes([[code, "", "拆除"]], CODE_HEADER), source="registration").status == "loaded"
    before = counts(city_engine)
    r = imp(city_engine, csv_bytes([[code, "", "使用"]], CODE_HEADER), source="registration")
    assert r.status == "rejected"
    assert r.errors[0].field == "状态" and "不能从「拆除」变为「使用」" in r.errors[0].reason
    assert counts(city_engine) == before
    with city_engine.connect() as c:
        assert c.execute(select(homes.c.status).where(homes.c.house_code == code)).scalar_one() == "拆除"


def test_location_columns_must_agree_with_the_house_code(city_engine):
    code = _existing_code(city_engine)
    r = imp(city_engine, csv_bytes([[code, "9999", "80"]], ["房屋代码", "房号", "建筑面积"]))
    assert r.status == "rejected" and "位置不能通过导入修改" in r.errors[0].reason


# ------------------------------------------------------------------------------------------------
# good_rows, re-import
# ------------------------------------------------------------------------------------------------


def test_good_rows_mode_loads_the_good_rows_and_returns_the_rejects(city_engine):
    rows = [*GOOD_ROWS, home_row(room="104", area="-1"), home_row(room="105", 区划代码="999999")]
    before = counts(city_engine)
    r = imp(city_engine, csv_bytes(rows), mode="good_rows")
    assert (r.status, r.rows_created, r.rows_rejected) == ("partial", 4, 2), r.summary()
    assert counts(city_engine)["homes"] == before["homes"] + 4
    assert r.rejects_header == [*HEADER, "错误原因"]
    assert [x[HEADER.index("房号")] for x in r.rejects] == ["104", "105"]
    assert "必须大于 0" in r.rejects[0][-1] and "999999" in r.rejects[1][-1]
    assert r.rejects[0][:-1] == rows[4]  # the original columns, untouched
    back = list(csv.reader(io.StringIO(r.rejects_csv().decode("utf-8-sig"))))
    assert back[0][-1] == "错误原因" and len(back) == 3
    with city_engine.connect() as c:
        job = imports.get_job(c, r.job_id)
    assert job["status"] == "partial" and job["report"]["rejects"]["total"] == 2
    assert imports.job_rejects_csv(job).decode("utf-8-sig").count("\r\n") == 3


def test_good_rows_mode_skips_a_row_the_history_engine_refuses(city_engine):
    imp(city_engine, csv_bytes(GOOD_ROWS), source="presale")
    a, b = home_by_room(city_engine, "101"), home_by_room(city_engine, "102")
    # inner area alone passes the row check but is larger than the registered construction area (89.50)
    rows = [[a["house_code"], "", "95.00"], [b["house_code"], "118.00", ""]]
    r = imp(city_engine, csv_bytes(rows, ["房屋代码", "建筑面积", "套内面积"]), source="survey", mode="good_rows")
    assert (r.status, r.rows_updated, r.rows_rejected) == ("partial", 1, 1), r.summary()
    assert r.errors[0].row == 2 and "套内面积不能大于建筑面积" in r.errors[0].reason
    assert home_by_room(city_engine, "101")["inner_area"] == Decimal("70.20")
    assert home_by_room(city_engine, "102")["construction_area"] == Decimal("118.00")


def test_reimporting_the_same_file_changes_nothing(city_engine):
    data = csv_bytes(GOOD_ROWS)
    assert imp(city_engine, data, source="presale").status == "loaded"
    before = counts(city_engine)
    again = imp(city_engine, data, source="presale")
    assert (again.status, again.rows_created, again.rows_updated, again.rows_unchanged) == ("unchanged", 0, 0, 4)
    assert counts(city_engine) == before
    # the same content as .xlsx is the same: rows are compared by their parsed values
    as_xlsx = imp(city_engine, xlsx_bytes([list(r) for r in GOOD_ROWS]), "same.xlsx", source="presale")
    assert as_xlsx.status == "unchanged" and counts(city_engine) == before


# ------------------------------------------------------------------------------------------------
# merging sources
# ------------------------------------------------------------------------------------------------


def test_two_sources_merge_by_precedence_and_report_the_conflict(city_engine):
    imp(city_engine, csv_bytes(GOOD_ROWS), source="presale")
    h = home_by_room(city_engine, "101")
    survey = csv_bytes([[h["house_code"], "90.10", "使用"]], CODE_HEADER)
    r = imp(city_engine, survey, source="survey")
    assert (r.status, r.rows_updated, r.conflicts) == ("loaded", 1, 1), r.summary()
    c = r.conflict_list[0]
    assert (c["house_code"], c["field"], c["winner"], c["value"]) == (
        h["house_code"],
        "construction_area",
        "survey",
        "90.10",
    )
    assert c["values"] == {"presale": "89.50", "survey": "90.10"}
    after = home_by_room(city_engine, "101")
    assert after["construction_area"] == Decimal("90.10") and after["version"] == 2
    with city_engine.connect() as conn:
        versions = conn.execute(
            select(home_versions.c.construction_area, home_versions.c.superseded_at, home_versions.c.source)
            .where(home_versions.c.home_id == h["id"])
            .order_by(home_versions.c.id)
        ).all()
        recs = dict(
            conn.execute(
                select(home_source_records.c.source, home_source_records.c.attrs).where(
                    home_source_records.c.home_id == h["id"]
                )
            ).all()
        )
        job = imports.get_job(conn, r.job_id)
    assert [(v[0], v[1] is not None, v[2]) for v in versions] == [
        (Decimal("89.50"), True, "presale"),
        (Decimal("90.10"), False, "survey"),
    ]
    assert json.loads(recs["survey"])["construction_area"] == "90.10"
    assert json.loads(recs["presale"])["construction_area"] == "89.50"
    assert job["conflicts"] == 1 and job["report"]["conflicts"][0]["winner"] == "survey"
    # a lower-ranked source that disagrees changes nothing, but the conflict is still reported
    rental = imp(city_engine, csv_bytes([[h["house_code"], "85.00", ""]], CODE_HEADER), source="rental")
    assert (rental.rows_updated, rental.rows_unchanged, rental.conflicts) == (0, 1, 1)
    assert home_by_room(city_engine, "101")["construction_area"] == Decimal("90.10")


def test_changing_the_source_rules_changes_the_winner(city_engine):
    with city_engine.begin() as c:  # the rules are data: presale now outranks survey for the area
        c.execute(
            update(source_rules)
            .where(source_rules.c.field == "construction_area", source_rules.c.source == "presale")
            .values(rank=-1)
        )
    imp(city_engine, csv_bytes(GOOD_ROWS), source="presale")
    h = home_by_room(city_engine, "101")
    r = imp(city_engine, csv_bytes([[h["house_code"], "90.10", ""]], CODE_HEADER), source="survey")
    assert (r.rows_updated, r.conflicts) == (0, 1)
    assert r.conflict_list[0]["winner"] == "presale"
    assert home_by_room(city_engine, "101")["construction_area"] == Decimal("89.50")
    # and back: survey first again, then a re-merge applies the rule to the records already kept
    with city_engine.begin() as c:
        c.execute(
            update(source_rules)
            .where(source_rules.c.field == "construction_area", source_rules.c.source == "presale")
            .values(rank=9)
        )
        out = imports.remerge(c)
    assert out["changed"] == 1
    assert home_by_room(city_engine, "101")["construction_area"] == Decimal("90.10")


def test_merge_values_prefers_the_lowest_rank_with_a_value():
    rules = {"status": {"registration": 0, "presale": 2}}
    winners, conflicts = imports.merge_values(
        {"presale": {"status": "预售", "rooms": 2}, "registration": {"status": "现房"}, "rental": {"rooms": 3}}, rules
    )
    assert winners["status"] == ("registration", "现房")
    assert winners["rooms"] == ("presale", 2)  # no rule for rooms: sources in their listed order
    assert {c["field"] for c in conflicts} == {"status", "rooms"}


# ------------------------------------------------------------------------------------------------
# the CLI and the HTTP upload
# ------------------------------------------------------------------------------------------------


def _env(engine: Engine, tmp_path: Path) -> dict[str, str]:
    return {"ANJU_DATABASE_URL": engine.url.render_as_string(hide_password=False), "ANJU_DATA_DIR": str(tmp_path)}


def test_cli_import_prints_a_summary_and_fails_when_rejected(city_engine, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(GOOD_ROWS))
    res = CliRunner().invoke(
        main, ["registry", "import", str(good), "--source", "survey"], env=_env(city_engine, tmp_path)
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output.strip().splitlines()[-1])
    assert (out["status"], out["rows_created"], out["source"]) == ("loaded", 4, "survey")

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([home_row(room="601", area="-3"), home_row(room="602")]))
    res = CliRunner().invoke(main, ["registry", "import", str(bad)], env=_env(city_engine, tmp_path))
    assert res.exit_code == 1
    assert json.loads(res.output.strip().splitlines()[-1])["errors"][0]["row"] == 2

    rejects = tmp_path / "rejects.csv"
    res = CliRunner().invoke(
        main,
        ["registry", "import", str(bad), "--mode", "good_rows", "--rejects", str(rejects)],
        env=_env(city_engine, tmp_path),
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["status"] == "partial"
    lines = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    assert lines[0][-1] == "错误原因" and lines[1][HEADER.index("房号")] == "601"

    res = CliRunner().invoke(main, ["registry", "import-jobs", "--limit", "2"], env=_env(city_engine, tmp_path))
    assert res.exit_code == 0 and len(res.output.strip().splitlines()) == 2


def test_api_upload_list_detail_and_rejection(live_server):
    with live_server.client("city") as client:
        page = client.get("/imports")
        assert page.status_code == 200 and "还没有导入记录" in page.text
        r = client.post(
            "/api/v1/imports",
            files={"file": ("楼盘表.csv", csv_bytes(GOOD_ROWS), "text/csv")},
            data={"source": "presale", "mode": "all_or_nothing"},
        )
        assert r.status_code == 201, r.text
        job = r.json()
        assert (job["status"], job["rows_created"], job["source"]) == ("loaded", 4, "presale")

        bad = csv_bytes([home_row(room="701", area="-1")])
        r = client.post("/api/v1/imports", files={"file": ("bad.csv", bad, "text/csv")}, data={"source": "survey"})
        assert r.status_code == 422
        body = r.json()
        assert body["errors"] == [{"field": "建筑面积", "reason": body["errors"][0]["reason"], "row": 2}]
        assert body["job"]["status"] == "rejected"
        rejected_id = body["job"]["id"]

        r = client.post("/api/v1/imports", files={"file": ("x.csv", b"a,b\n", "text/csv")}, data={"source": "nobody"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "source"
        # No job when the request itself is invalid: the documented 422 says so (the fuzzer found it required)
        r = client.post("/api/v1/imports", data={"source": "survey"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file" and "job" not in r.json()
        rejected = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["ImportRejected"]
        assert "job" not in rejected["required"]

        listing = client.get("/api/v1/imports", params={"page_size": 1}).json()
        assert listing["total"] == 2 and len(listing["items"]) == 1 and listing["items"][0]["id"] == rejected_id
        detail = client.get(f"/api/v1/imports/{rejected_id}").json()
        assert detail["errors"][0]["row"] == 2 and detail["rejects_total"] == 1
        rejects = client.get(f"/api/v1/imports/{rejected_id}/rejects.csv")
        assert rejects.status_code == 200 and "错误原因" in rejects.content.decode("utf-8-sig")
        assert client.get("/api/v1/imports/999999").status_code == 404

        page = client.get("/imports", headers={"accept": "text/html"})
        assert page.status_code == 200 and "bad.csv" in page.text and "已拒绝" in page.text
        report = client.get(f"/imports/{rejected_id}", headers={"accept": "text/html"})
        assert report.status_code == 200 and "必须大于 0" in report.text and "<td>2</td>" in report.text

        form = client.post(
            "/imports",
            files={"file": ("again.csv", csv_bytes(GOOD_ROWS), "text/csv")},
            data={"source": "presale", "mode": "good_rows"},
        )
        # the page runs the import as a background job with a progress page (test_background_jobs.py)
        assert form.status_code == 303 and form.headers["location"].startswith("/jobs/")
        deadline = time.time() + 60
        while (job := client.get("/api/v1" + form.headers["location"]).json())["open"] and time.time() < deadline:
            time.sleep(0.05)
        again = client.get(job["result_path"], headers={"accept": "text/html"})
        assert again.status_code == 200 and "无变化" in again.text

        spec = client.get("/api/v1/openapi.json").json()
        assert {"/api/v1/imports", "/api/v1/imports/{job_id}", "/api/v1/exports/homes"} <= set(spec["paths"])


@contextmanager
def serve(app: Any) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def test_api_refuses_an_oversized_upload(city_engine, settings_for):
    from anju.app import create_app

    settings = settings_for(city_engine)
    settings.upload_max_bytes = 1024
    app = create_app(settings)
    before = counts(city_engine)
    from tests.accounts import api_token

    auth = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    with serve(app) as base:
        r = httpx.post(
            base + "/api/v1/imports", files={"file": ("big.csv", csv_bytes(GOOD_ROWS * 30), "text/csv")}, headers=auth
        )
        page = httpx.post(
            base + "/imports",
            files={"file": ("big.csv", csv_bytes(GOOD_ROWS * 30), "text/csv")},
            headers={"accept": "text/html", **auth},
        )
    app.state.engine.dispose()
    assert r.status_code == 413 and r.json()["error"] == "too_large"
    assert page.status_code == 413 and "文件过大" in page.text
    assert counts(city_engine) == before


def test_import_format_doc_lists_every_column():
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    for col in imports.COLUMNS:
        assert f"`{col.field}`" in doc or col.field in doc, col.field
        assert col.label in doc, col.label
        for alias in col.aliases:
            assert alias in doc, alias
    for source in domain.IMPORT_SOURCES:
        assert f"`{source}`" in doc
