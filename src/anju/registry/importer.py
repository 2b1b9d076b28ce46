"""Import of the 楼盘表 from CSV and Excel files, and the merge of several sources into one record.

One row of a file describes one home. A file comes from one *source* (预售 presale, 测绘 survey,
登记 registration, 租赁 rental, or manual entry). What each source said about a home is kept in
``home_source_records``; the register's value of each field is the value of the source with the lowest
rank in ``source_rules`` (data, not code). Differences between sources are *conflicts* and are reported.

The pipeline of :func:`import_file`:

1. read: size limit, format sniffing (CSV in UTF-8 / GB18030 / UTF-16, or .xlsx through calamine),
   header mapping (English or Chinese names, see :data:`COLUMNS` and ``docs/import-format.md``);
2. scan: every row is parsed and checked on its own (no query per row), then resolved against the
   register with a few bulk queries (divisions, estates, buildings, homes, source records);
3. write, in one transaction: new estates, buildings and homes through the bulk path
   (:func:`anju.core.dialect.bulk_insert` with ids from :func:`anju.core.dialect.next_ids`), changed
   homes through :func:`anju.registry.services.change_home` so that their history is kept.

``all_or_nothing`` (the default) changes nothing when any row is bad; ``good_rows`` loads the good rows
and returns the rejected ones with the reason. Every attempt is recorded in ``import_jobs``.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select, update

from anju.core import clock, dialect
from anju.core.errors import AnjuError, ErrorReport, FieldError, NotFound, TooLarge, ValidationError
from anju.core.scope import SYSTEM
from anju.divisions import divisions_table as divisions
from anju.registry import domain as d
from anju.registry import services as svc
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

#: Sources a file can come from, with their Chinese names (the ``source`` of an import).
SOURCES: dict[str, str] = {
    "presale": "预售",
    "survey": "测绘",
    "registration": "登记",
    "rental": "租赁",
    "manual": "手工",
}
MODES: dict[str, str] = {"all_or_nothing": "全部或全不", "good_rows": "只导入正确的行"}
JOB_STATUS: dict[str, str] = {
    "loaded": "已导入", "partial": "部分导入", "unchanged": "无变化", "rejected": "已拒绝", "running": "进行中",
}
#: Errors, conflicts and rejected rows listed in a job's stored report (the counts are always exact).
REPORT_CAP = 1000
REJECTS_CAP = 5000
REJECT_REASON_HEADER = "错误原因"
#: Fields whose register value is merged from the sources (the fields ``source_rules`` may name).
MERGED = ("use", "status", "construction_area", "inner_area", "rooms", "halls", "orientation", "floor_label",
          "property_unit_code")
AREA_FIELDS = frozenset({"construction_area", "inner_area"})
_CHUNK = 5000
_LIVE_EXCLUDED = (d.Status.retired.value, d.Status.demolished.value)


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the import layout: the field, its canonical Chinese header and the accepted names."""

    field: str
    label: str
    aliases: tuple[str, ...]
    needed: str  # when it must be filled (documentation)
    description: str


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("house_code", "房屋代码", ("house_code", "房屋编码"), "可选",
               "已登记房屋的 23 位房屋代码。填写后该行更新这套房屋，位置列可以不填"),
    ColumnSpec("district", "区划代码", ("district_code", "district", "district_name", "区县代码", "区划",
                                     "区县", "区", "行政区", "所在区", "区名称"), "新房屋（街道填代码时可省）",
               "区（县）或功能区的 6 位代码或名称，如 320105 或 建邺区"),
    ColumnSpec("street", "街道", ("street_code", "street", "street_name", "街道代码", "街道名称", "乡镇街道",
                                "街道（镇）", "镇街"), "新房屋",
               "街道（镇）的 9 位代码或名称，如 320105007 或 南苑街道"),
    ColumnSpec("estate_name", "小区名称", ("estate_name", "estate", "小区", "楼盘名称", "项目名称"), "新房屋",
               "小区或楼盘名称；同一街道内按名称找到已登记的小区，找不到就新建"),
    ColumnSpec("road", "路名", ("road", "道路", "街路巷"), "新小区", "小区门牌所在的道路"),
    ColumnSpec("door_no", "门牌号", ("door_no", "door_number", "门牌"), "新小区", "小区的门牌号，如 18"),
    ColumnSpec("building_no", "幢号", ("building_no", "building", "楼号", "栋号", "楼幢号"), "新房屋",
               "楼幢编号，如 3 或 A2；“3幢”“3栋”“3号楼”均可"),
    ColumnSpec("building_use", "楼幢用途", ("building_use",), "可选", "楼幢的用途，缺省同房屋用途"),
    ColumnSpec("structure", "结构", ("structure", "建筑结构", "房屋结构"), "可选",
               "钢结构、钢筋混凝土、砖混、砖木、其他；缺省为其他"),
    ColumnSpec("floors_above", "地上层数", ("floors_above", "总层数"), "新楼幢", "1–200"),
    ColumnSpec("floors_below", "地下层数", ("floors_below",), "可选", "0–20，缺省 0"),
    ColumnSpec("year_built", "建成年份", ("year_built", "竣工年份", "建成年代", "建成年度"), "可选",
               "四位年份；现房、使用状态的楼幢不能晚于今年"),
    ColumnSpec("building_status", "楼幢状态", ("building_status",), "可选", "缺省同房屋状态"),
    ColumnSpec("unit_no", "单元", ("unit_no", "unit", "单元号"), "可选", "单元号，如 2；“2单元”亦可"),
    ColumnSpec("floor_no", "楼层", ("floor_no", "floor", "所在层", "实际层"), "新房屋",
               "实际楼层，地下层为负数，不能为 0"),
    ColumnSpec("floor_label", "名义层", ("floor_label",), "可选", "名义楼层，缺省同实际楼层"),
    ColumnSpec("floor_to", "跃层至", ("floor_to", "结束层"), "可选", "跃层房屋的最高一层"),
    ColumnSpec("room_no", "房号", ("room_no", "room", "室号"), "新房屋", "房号，如 502；“502室”亦可"),
    ColumnSpec("use", "用途", ("use", "home_use", "房屋用途", "规划用途"), "可选",
               "住宅、商业、办公、工业、仓储、商住、公共服务、车库、其他；新房屋缺省为住宅"),
    ColumnSpec("rooms", "室", ("rooms", "居室", "室数"), "可选", "0–30"),
    ColumnSpec("halls", "厅", ("halls", "厅数"), "可选", "0–30"),
    ColumnSpec("orientation", "朝向", ("orientation",), "可选", "南、北、东、西、南北、东南、西南、东北、西北、东西"),
    ColumnSpec("construction_area", "建筑面积", ("construction_area", "area_m2", "area"), "新房屋",
               "平方米，大于 0，不超过 100000，最多两位小数"),
    ColumnSpec("inner_area", "套内面积", ("inner_area", "inner_area_m2", "套内建筑面积"), "可选",
               "平方米，不能大于建筑面积"),
    ColumnSpec("status", "状态", ("status", "home_status", "房屋状态"), "新房屋（或填楼幢状态）",
               "规划、在建、停建、预售、现房、使用；注销、拆除只能由已有房屋变更而来"),
    ColumnSpec("property_unit_code", "不动产单元代码", ("property_unit_code", "不动产单元号"), "可选",
               "GB/T 37346 不动产单元代码，28 位数字和大写字母"),
)
_SPEC = {c.field: c for c in COLUMNS}
LOCATION = ("district", "street", "estate_name", "building_no", "floor_no", "room_no")


def _norm_header(h: str) -> str:
    h = h.replace("\ufeff", "").strip()
    h = re.sub(r"[（(][^)）]*[)）]$", "", h)  # "建筑面积（㎡）" → "建筑面积"
    h = re.sub(r"[\s\-]+", "_", h.strip())
    return h.lower()


_ALIASES: dict[str, tuple[str, int]] = {}
for _c in COLUMNS:
    for _prio, _name in enumerate((_c.label, *_c.aliases)):
        _ALIASES.setdefault(_norm_header(_name), (_c.field, _prio))


# ------------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did. ``errors`` and ``rejects`` are complete; the stored report is capped."""

    job_id: int
    status: str
    source: str
    mode: str
    filename: str
    sha256: str
    rows_total: int = 0
    rows_created: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    conflicts: int = 0
    errors: list[FieldError] = field(default_factory=list)
    conflict_list: list[dict[str, Any]] = field(default_factory=list)
    rejects_header: list[str] = field(default_factory=list)
    rejects: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"

    def summary(self, errors_cap: int = 50) -> dict[str, Any]:
        return {
            "job_id": self.job_id, "status": self.status, "source": self.source, "mode": self.mode,
            "filename": self.filename, "sha256": self.sha256, "format": self.format, "encoding": self.encoding,
            "rows_total": self.rows_total, "rows_created": self.rows_created, "rows_updated": self.rows_updated,
            "rows_unchanged": self.rows_unchanged, "rows_rejected": self.rows_rejected,
            "conflicts": self.conflicts, "errors": [e.as_dict() for e in self.errors[:errors_cap]],
            "errors_total": len(self.errors), "notes": self.notes,
        }

    def rejects_csv(self) -> bytes:
        """The rejected rows with their original columns and a 错误原因 column (UTF-8 with BOM)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.rejects_header)
        w.writerows(self.rejects)
        return buf.getvalue().encode("utf-8-sig")


class _FileRejected(Exception):
    def __init__(self, reason: str, row: int | None = None, column: str = "文件") -> None:
        super().__init__(reason)
        self.error = FieldError(column, reason, row)


class _Rollback(Exception):
    """Raised inside the write transaction to undo everything (all-or-nothing)."""


# ------------------------------------------------------------------------------------------------
# reading files
# ------------------------------------------------------------------------------------------------


@dataclass
class SheetData:
    """An opened file: its format, encoding, header, and a way to iterate its rows (more than once)."""

    format: str  # csv | xlsx
    encoding: str | None
    header: list[str]
    _rows: Callable[[], Iterator[tuple[int, list[str]]]]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as text); the header is row 1, blank rows are skipped."""
        yield from self._rows()


def decode_csv(data: bytes) -> tuple[str, str]:
    """Decode a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise _FileRejected(f"文件以 UTF-8 标记开头，但第 {e.start} 字节起不是有效的 UTF-8 内容") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise _FileRejected("文件以 UTF-16 标记开头，但内容不是有效的 UTF-16 文本") from None
    if b"\x00" in data[:65536]:
        raise _FileRejected("文件含有二进制内容，不是文本格式的 CSV；请上传 CSV 或 .xlsx 文件")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise _FileRejected(
            "无法识别文件编码：支持 UTF-8（可带 BOM）、GBK/GB18030 和带 BOM 的 UTF-16；请另存为 UTF-8 后重新上传"
        ) from None
    # Mis-decoded bytes land in the private-use area; a genuine GBK file never does.
    if any("\ue000" <= ch <= "\uf8ff" for ch in text):
        raise _FileRejected("文件编码不受支持（不是 UTF-8 也不是 GBK/GB18030）；请另存为 UTF-8 后重新上传")
    return text, "gb18030"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _csv_sheet(data: bytes) -> SheetData:
    text, encoding = decode_csv(data)
    bad = _CONTROL.search(text)
    if bad:
        raise _FileRejected(f"文件含有控制字符（位置 {bad.start()}），不是有效的 CSV 文本；可能是二进制文件")
    first = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    if not first.count(delimiter):
        delimiter = ","

    def reader() -> Iterator[list[str]]:
        try:
            yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        except csv.Error as e:
            raise _FileRejected(f"CSV 格式错误：{e}") from None

    it = reader()
    header = next(it, None)
    if header is None or not any(h.strip() for h in header):
        raise _FileRejected("文件是空的或没有表头行", 1)

    def rows() -> Iterator[tuple[int, list[str]]]:
        r = reader()
        next(r, None)
        for n, cells in enumerate(r, start=2):
            if "".join(cells).strip():
                yield n, cells

    return SheetData("csv", encoding, header, rows)


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v)


def _xlsx_sheet(data: bytes) -> SheetData:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = wb.get_sheet_by_index(0)
        rows_iter = sheet.iter_rows()
        first = next(rows_iter, None)
    except (CalamineError, ValueError, OSError) as e:
        raise _FileRejected(f"不是有效的 Excel (.xlsx) 文件：{e}") from None
    if first is None or not any(_cell_text(c).strip() for c in first):
        raise _FileRejected("工作表是空的或没有表头行（读取第一个工作表）", 1)
    header = [_cell_text(c) for c in first]

    def rows() -> Iterator[tuple[int, list[str]]]:
        it = wb.get_sheet_by_index(0).iter_rows()
        next(it, None)
        for n, cells in enumerate(it, start=2):
            texts = [_cell_text(c) for c in cells]
            if "".join(texts).strip():
                yield n, texts

    return SheetData("xlsx", None, header, rows)


def read_sheet(data: bytes, filename: str) -> SheetData:
    """Sniff the format from the content (the file name only breaks ties) and open the first sheet."""
    name = filename.lower()
    if not data.strip():
        raise _FileRejected("文件是空的")
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_sheet(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _FileRejected("不支持旧版 Excel (.xls) 文件；请在 Excel 中另存为 .xlsx 或 CSV")
    if name.endswith((".xlsx", ".xlsm")):
        raise _FileRejected("文件扩展名是 .xlsx，但内容不是 Excel 文件")
    if data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")):
        raise _FileRejected("文件是二进制文件（PDF、图片或压缩包），不是 CSV 或 .xlsx")
    return _csv_sheet(data)


# ------------------------------------------------------------------------------------------------
# row parsing (no database)
# ------------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, fld: str, reason: str) -> None:
        super().__init__(reason)
        self.field = fld
        self.reason = reason


def _memo(parse: Any, label: str, kind: str) -> Any:
    cache: dict[str, str] = {}

    def get(raw: str) -> str:
        v = cache.get(raw)
        if v is None:
            try:
                v = parse(raw).value
            except ValueError:
                raise _Bad(label, f"未知的{kind}「{raw}」") from None
            cache[raw] = v
        return v

    return get


_STATUS_HELP = "、".join(s.value for s in d.Status)
_USE_HELP = "、".join(u.value for u in d.Use)
_STRUCT_HELP = "、".join(s.value for s in d.Structure)


_INTS: dict[str, int] = {str(i): i for i in range(-20, 201)}


def _house_code_reason(raw: str, e: ValueError) -> str:
    msg = str(e)
    if msg.startswith("house code check character"):
        m = re.search(r"is (\S+), expected (\S+)", msg)
        reason = f"校验码错误（为 {m.group(1)}，应为 {m.group(2)}）" if m else "校验码错误"
    else:
        reason = "应为 22 位数字加 1 位校验码（0–9 或 X），共 23 位"
    hint = "；Excel 把它存成了数字，请把该列设为文本格式" if "e+" in raw.lower() else ""
    return f"「{raw}」不是有效的房屋代码：{reason}{hint}"


def _int(raw: str, fld: str, lo: int, hi: int) -> int:
    i = _INTS.get(raw)
    if i is not None and lo <= i <= hi:
        return i
    try:
        v = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise _Bad(fld, f"「{raw}」不是整数") from None
    if not v.is_finite() or v != v.to_integral_value():
        raise _Bad(fld, f"「{raw}」不是整数")
    i = int(v)
    if not lo <= i <= hi:
        raise _Bad(fld, f"{i} 超出范围 {lo}–{hi}")
    return i


_AREA_FAST = re.compile(r"^[1-9]\d{0,4}(?:\.\d{1,2})?$")
_TWO = Decimal("0.01")


def _area(raw: str, fld: str) -> Decimal:
    if _AREA_FAST.match(raw):  # the common case: 1–99999.99 with at most two places
        return Decimal(raw).quantize(_TWO)
    try:
        return d.parse_area(raw, field=fld)
    except ValueError:
        pass
    try:
        v = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise _Bad(fld, f"「{raw}」不是数字") from None
    if not v.is_finite():
        raise _Bad(fld, f"「{raw}」不是有限的数字")
    if v <= 0:
        raise _Bad(fld, f"面积必须大于 0 ㎡，实际为 {raw}")
    if v > d.AREA_MAX:
        raise _Bad(fld, f"面积 {raw} ㎡ 不合理（超过 {d.AREA_MAX} ㎡）")
    raise _Bad(fld, f"面积最多两位小数，实际为 {raw}")


_SUFFIX_BUILDING = re.compile(r"(幢|栋|号楼|座|#)$")
_BUILDING_NO = re.compile(r"^[0-9A-Za-z\-]{1,16}$")
_PROPERTY_UNIT = re.compile(r"^[0-9A-Z]{28}$")


@dataclass(slots=True)
class _Row:
    n: int
    house_code: str | None
    street_code: str | None
    estate_name: str | None
    building_no: str | None
    unit_no: str | None
    floor_no: int | None
    floor_to: int | None
    room_no: str | None
    values: tuple[Any, ...]  # the MERGED fields as given (None = not given)
    bp: _BuildingPlan | None  # the building of a row located by estate and building number
    home_id: int | None = None
    new: bool = False


@dataclass
class _BuildingPlan:
    key: tuple[str, str, str]
    first_row: int
    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)  # field → (value, row that gave it)
    units: set[str] = field(default_factory=set)
    id: int | None = None
    existing: dict[str, Any] | None = None
    area: Decimal = Decimal(0)
    good_rows: int = 0
    first_good: _Row | None = None
    last: tuple[Any, ...] = ()


@dataclass
class _EstatePlan:
    key: tuple[str, str]
    first_row: int
    road: tuple[str, int] | None = None
    door_no: tuple[str, int] | None = None
    id: int | None = None
    existing: dict[str, Any] | None = None
    good_rows: int = 0
    last: tuple[str, str] = ("", "")


class _Divisions:
    """The city's districts, zones and streets, held in memory (a few hundred rows)."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(
            select(divisions.c.code, divisions.c.name, divisions.c.level, divisions.c.parent_code,
                   divisions.c.managing_code).where(divisions.c.level.in_(("city", "district", "zone", "street")))
        ).all()
        self.rows = {r[0]: r for r in rows}
        self.district_by_name = {r[1]: r[0] for r in rows if r[2] in ("district", "zone")}
        self.street_by_name: dict[str, list[str]] = {}
        for r in rows:
            if r[2] == "street":
                self.street_by_name.setdefault(r[1], []).append(r[0])
        self.cache: dict[tuple[str, str], str] = {}

    def name(self, code: str) -> str:
        r = self.rows.get(code)
        return str(r[1]) if r else ""

    def street(self, district_raw: str, street_raw: str) -> str:
        """The street code a row's district and street cells name (codes or names); cached."""
        key = (district_raw, street_raw)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        dl, sl = "district", "street"
        district: str | None = None
        if district_raw:
            if district_raw.isdigit():
                r = self.rows.get(district_raw)
                if r is None or r[2] not in ("district", "zone"):
                    raise _Bad(dl, f"未知的区划代码 {district_raw}")
                district = district_raw
            else:
                district = self.district_by_name.get(district_raw)
                if district is None:
                    raise _Bad(dl, f"未知的区（县）名称「{district_raw}」")
        if not street_raw:
            raise _Bad(sl, "不能为空")
        if street_raw.isdigit():
            r = self.rows.get(street_raw)
            if r is None or r[2] != "street":
                raise _Bad(sl, f"未知的街道代码 {street_raw}")
            code = street_raw
        else:
            codes = self.street_by_name.get(street_raw, [])
            if district:
                codes = [c for c in codes if district in (self.rows[c][3], self.rows[c][4])]
            if not codes:
                where = f"{self.name(district)}内" if district else ""
                raise _Bad(sl, f"{where}没有名为「{street_raw}」的街道")
            if len(codes) > 1:
                raise _Bad(sl, f"街道名称「{street_raw}」不唯一，请填写区或街道代码")
            code = codes[0]
        if district is None:
            if not street_raw.isdigit():
                raise _Bad(dl, "不能为空（或在街道列填写 9 位街道代码）")
        elif district not in (self.rows[code][3], self.rows[code][4]):
            raise _Bad(sl, f"街道 {street_raw} 不属于 {self.name(district)}（{district}）")
        self.cache[key] = code
        return code


# ------------------------------------------------------------------------------------------------
# the import
# ------------------------------------------------------------------------------------------------


def _typed(fld: str, v: Any) -> Any:
    """A merged value from a source record's JSON as the register holds it (areas are strings there)."""
    return Decimal(v) if fld in AREA_FIELDS and v is not None else v


_KEYS = tuple(f'"{f}":' for f in MERGED)


_HEAD = (0, 1, 4, 5, 6)  # use, status, rooms, halls, orientation: few distinct combinations in a file


def _attrs_json(row: _Row, heads: dict[tuple[Any, ...], str]) -> tuple[str, str]:
    """What the row says, as canonical JSON (fixed key order), and its SHA-256: the row hash.

    ``heads`` caches the JSON of the repetitive fields for the length of one import."""
    v = row.values
    key = (v[0], v[1], v[4], v[5], v[6])
    head = heads.get(key)
    if head is None:
        head = heads[key] = ",".join(
            _KEYS[i] + (encode_basestring(v[i]) if type(v[i]) is str else str(v[i])) for i in _HEAD if v[i] is not None
        )
    parts = [head] if head else []
    if v[7] is not None:
        parts.append('"floor_label":' + encode_basestring(v[7]))
    if v[8] is not None:
        parts.append(f'"property_unit_code":"{v[8]}"')  # 28 digits and capitals (checked)
    if v[2] is not None:
        parts.append(f'"construction_area":"{v[2]}"')  # exact decimals as strings: never floats
    if v[3] is not None:
        parts.append(f'"inner_area":"{v[3]}"')
    if row.floor_no is not None:
        parts.append(f'"floor_no":{row.floor_no}')
    if row.floor_to is not None:
        parts.append(f'"floor_to":{row.floor_to}')
    text = "{" + ",".join(parts) + "}"
    return text, hashlib.sha256(text.encode()).hexdigest()


def load_rules(conn: Connection) -> dict[str, dict[str, int]]:
    """field → source → rank, from the ``source_rules`` table."""
    out: dict[str, dict[str, int]] = {}
    for f, s, r in conn.execute(select(source_rules.c.field, source_rules.c.source, source_rules.c.rank)):
        out.setdefault(f, {})[s] = int(r)
    return out


_SOURCE_ORDER = {s: i for i, s in enumerate(SOURCES)}


def merge_values(records: dict[str, dict[str, Any]], rules: dict[str, dict[str, int]]
                 ) -> tuple[dict[str, tuple[str, Any]], list[dict[str, Any]]]:
    """The winning (source, value) per merged field and the conflicting fields.

    The source with the lowest rank that has a value wins; sources the rules do not name for a field
    come after those they name, in the order of :data:`SOURCES`.
    """
    winners: dict[str, tuple[str, Any]] = {}
    conflicts: list[dict[str, Any]] = []
    for f in MERGED:
        said = {s: a[f] for s, a in records.items() if a.get(f) is not None}
        if not said:
            continue
        ranks = rules.get(f, {})
        best = min(said, key=lambda s: (ranks.get(s, 1_000_000), _SOURCE_ORDER.get(s, 99), s))
        winners[f] = (best, said[best])
        if len({json.dumps(v) for v in said.values()}) > 1:
            conflicts.append({"field": f, "values": said, "winner": best, "value": said[best]})
    return winners, conflicts


class _Importer:
    def __init__(self, conn: Connection, sheet: SheetData, source: str, mode: str, job_id: int, today: date,
                 now: datetime, batch_rows: int) -> None:
        self.conn = conn
        self.sheet = sheet
        self.source = source
        self.mode = mode
        self.job_id = job_id
        self.today = today
        self.now = now
        self.batch_rows = batch_rows
        self.report = ErrorReport()
        self.errors = self.report.errors
        self.bad_rows: set[int] = set()
        self.notes: list[str] = []
        self.rows: list[_Row] = []
        self.total = 0
        self.estates: dict[tuple[str, str], _EstatePlan] = {}
        self.buildings: dict[tuple[str, str, str], _BuildingPlan] = {}
        self.created = self.updated = self.unchanged = 0
        self.records_written = 0
        self.conflicts: list[dict[str, Any]] = []
        self.conflict_count = 0
        self.heads: dict[tuple[Any, ...], str] = {}
        self.divs = _Divisions(conn)
        self._map_header()

    # -- helpers ---------------------------------------------------------------------------------
    def err(self, row: int | None, fld: str, reason: str) -> None:
        self.report.add(row, fld, reason)
        if row is not None:
            self.bad_rows.add(row)

    def label(self, fld: str) -> str:
        return self.labels.get(fld, _SPEC[fld].label)

    def _map_header(self) -> None:
        chosen: dict[str, tuple[int, int]] = {}  # field → (priority, index)
        unknown: list[str] = []
        for i, raw in enumerate(self.sheet.header):
            h = _norm_header(raw)
            if not h:
                continue
            hit = _ALIASES.get(h)
            if hit is None:
                unknown.append(raw.strip())
                continue
            f, prio = hit
            if f in chosen:
                keep, drop = (chosen[f], (prio, i)) if chosen[f][0] <= prio else ((prio, i), chosen[f])
                chosen[f] = keep
                self.notes.append(f"列「{self.sheet.header[drop[1]].strip()}」与「{self.sheet.header[keep[1]].strip()}」"
                                  f"是同一字段，已忽略前者")
            else:
                chosen[f] = (prio, i)
        if unknown:
            self.notes.append("未识别的列（已忽略）：" + "、".join(unknown[:30]))
        self.index = {f: i for f, (_, i) in chosen.items()}
        self.labels = {f: self.sheet.header[i].strip() for f, i in self.index.items()}
        has_code = "house_code" in self.index
        missing = [f for f in ("street", "estate_name", "building_no", "floor_no", "room_no") if f not in self.index]
        if not chosen:
            hint = "；文件按 GB18030 解码，如果原文件是 Big5 等其他编码，请另存为 UTF-8" if \
                self.sheet.encoding == "gb18030" else ""
            raise _FileRejected(f"表头中没有可识别的列{hint}（见导入格式说明）", 1, "表头")
        if not has_code and missing:
            names = "、".join(_SPEC[f].label for f in missing)
            raise _FileRejected(f"缺少必需的列：{names}（或提供「房屋代码」列以更新已登记的房屋）", 1, "表头")
        if not has_code and "construction_area" not in self.index:
            raise _FileRejected("缺少必需的列：建筑面积", 1, "表头")

    # -- scan --------------------------------------------------------------------------------------
    def scan(self) -> None:
        width = len(self.sheet.header)
        fields = tuple(_SPEC)
        pick = itemgetter(*[self.index.get(f, width) for f in fields])  # missing columns read a "" sentinel
        status_p = _memo(d.parse_status, "status", "状态")
        use_p = _memo(d.parse_use, "use", "用途")
        interned: dict[str, str] = {}
        street_cache = self.divs.cache
        good_bnos: set[str] = set()
        orientations = frozenset(d.ORIENTATIONS)
        for n, cells in self.sheet.rows():
            self.total += 1
            if len(cells) > width:
                if any(c.strip() for c in cells[width:]):
                    self.err(n, "整行", f"该行有 {len(cells)} 列，多于表头的 {width} 列")
                    continue
                del cells[width:]
            elif len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            cells.append("")
            (raw_code, district_raw, street_raw, estate_name, road, door, bno, b_use, b_struct, b_above, b_below,
             b_year, b_status, unit_no, floor_raw, floor_label, floor_to_raw, room_no, use, rooms, halls,
             orientation, c_area, i_area, status, puc) = map(str.strip, pick(cells))
            errs: list[_Bad] = []
            house_code: str | None = None
            if raw_code:
                try:
                    house_code = d.parse_house_code(raw_code).render()
                except ValueError as e:
                    errs.append(_Bad("house_code", _house_code_reason(raw_code, e)))
            values: list[Any] = [None] * len(MERGED)
            try:
                if use:
                    values[0] = use_p(use)
            except _Bad as e:
                errs.append(e)
            try:
                if status:
                    values[1] = status_p(status)
            except _Bad as e:
                errs.append(e)
            try:
                if c_area:
                    values[2] = _area(c_area, "construction_area")
            except _Bad as e:
                errs.append(e)
            try:
                if i_area:
                    values[3] = _area(i_area, "inner_area")
            except _Bad as e:
                errs.append(e)
            if values[2] is not None and values[3] is not None and values[3] > values[2]:
                errs.append(_Bad("inner_area", f"套内面积 {values[3]} 大于建筑面积 {values[2]}"))
            try:
                if rooms:
                    values[4] = _int(rooms, "rooms", 0, 30)
            except _Bad as e:
                errs.append(e)
            try:
                if halls:
                    values[5] = _int(halls, "halls", 0, 30)
            except _Bad as e:
                errs.append(e)
            if orientation:
                if orientation in orientations:
                    values[6] = orientation
                else:
                    errs.append(_Bad("orientation", f"朝向「{orientation}」应为 {'、'.join(d.ORIENTATIONS)} 之一"))
            if floor_label:
                if len(floor_label) > 8:
                    errs.append(_Bad("floor_label", "名义层最多 8 个字符"))
                values[7] = floor_label
            if puc:
                puc = puc.upper()
                if _PROPERTY_UNIT.match(puc):
                    values[8] = puc
                else:
                    errs.append(_Bad("property_unit_code", "不动产单元代码应为 28 位数字和大写字母"))
            floor_no = floor_to = None
            if floor_raw:
                try:
                    floor_no = _int(floor_raw, "floor_no", -20, 200)
                    if floor_no == 0:
                        errs.append(_Bad("floor_no", "楼层不能为 0（地下层用负数）"))
                except _Bad as e:
                    errs.append(e)
            if floor_to_raw:
                try:
                    floor_to = _int(floor_to_raw, "floor_to", -20, 200)
                    if floor_no is not None and floor_to <= floor_no:
                        errs.append(_Bad("floor_to", "跃层的结束层必须高于起始层"))
                except _Bad as e:
                    errs.append(e)
            unit_no = unit_no.removesuffix("单元")
            if len(unit_no) > 8:
                errs.append(_Bad("unit_no", "单元号最多 8 个字符"))
            room_no = room_no.removesuffix("室")
            if len(room_no) > 16:
                errs.append(_Bad("room_no", "房号最多 16 个字符"))
            if bno and bno[-1] in "幢栋楼座#":  # "3幢", "3栋", "3号楼", "3座", "3#"
                bno = _SUFFIX_BUILDING.sub("", bno)
            street_code: str | None = street_cache.get((district_raw, street_raw))
            if street_code is not None:
                pass  # seen before: valid
            elif raw_code:
                # an update by house code: location columns are optional and only checked
                if street_raw:
                    try:
                        street_code = self.divs.street(district_raw, street_raw)
                    except _Bad as e:
                        errs.append(e)
            else:
                try:
                    street_code = self.divs.street(district_raw, street_raw)
                except _Bad as e:
                    errs.append(e)
                if not estate_name:
                    errs.append(_Bad("estate_name", "不能为空"))
                elif len(estate_name) > 80:
                    errs.append(_Bad("estate_name", "小区名称最多 80 个字符"))
                if not bno:
                    errs.append(_Bad("building_no", "不能为空"))
                elif bno not in good_bnos and not _BUILDING_NO.match(bno):
                    errs.append(_Bad("building_no", f"幢号「{bno}」只能由数字、字母和“-”组成，最多 16 位"))
                if not room_no:
                    errs.append(_Bad("room_no", "不能为空"))
                if not floor_raw:
                    errs.append(_Bad("floor_no", "不能为空"))
            if errs:
                for bad in errs:
                    self.err(n, self.label(bad.field) if bad.field in _SPEC else bad.field, bad.reason)
                continue
            bp = None
            if not raw_code and street_code:
                estate_name = interned.setdefault(estate_name, estate_name)
                ekey = (street_code, estate_name)
                ep = self.estates.get(ekey)
                if ep is None:
                    ep = self.estates[ekey] = _EstatePlan(ekey, n)
                door = door.removesuffix("号")
                if (road, door) != ep.last and not (self._same(ep, "road", road, n, 40)
                                                     and self._same(ep, "door_no", door, n, 16)):
                    continue
                ep.last = (road, door)
                bkey = (street_code, estate_name, bno)
                bp = self.buildings.get(bkey)
                if bp is None:
                    bp = self.buildings[bkey] = _BuildingPlan(bkey, n)
                    good_bnos.add(bno)
                braw = (b_use, b_struct, b_above, b_below, b_year, b_status, values[1])
                if braw != bp.last:
                    if not self._building_attrs(bp, n, braw):
                        continue
                    bp.last = braw
                if unit_no:
                    bp.units.add(unit_no)
            self.rows.append(_Row(n, house_code, street_code, estate_name or None, bno or None, unit_no or None,
                                  floor_no, floor_to, room_no or None, tuple(values), bp))

    def _same(self, ep: _EstatePlan, fld: str, value: str, n: int, limit: int) -> bool:
        if not value:
            return True
        if len(value) > limit:
            self.err(n, self.label(fld), f"最多 {limit} 个字符")
            return False
        cur = getattr(ep, fld)
        if cur is None:
            setattr(ep, fld, (value, n))
        elif cur[0] != value:
            self.err(n, self.label(fld), f"同一小区的{_SPEC[fld].label}与第 {cur[1]} 行不一致（{value} ≠ {cur[0]}）")
            return False
        return True

    def _building_attrs(self, bp: _BuildingPlan, n: int, raw: tuple[str, str, str, str, str, str, str | None]
                        ) -> bool:
        given: dict[str, Any] = {}
        b_use, b_struct, b_above, b_below, b_year, b_status, home_status = raw
        try:
            for f, v, parse in (("building_use", b_use, d.parse_use), ("structure", b_struct, d.parse_structure),
                                ("building_status", b_status, d.parse_status)):
                if v:
                    given[f] = _memo(parse, self.label(f), _SPEC[f].label)(v)
            for f, v, lo, hi in (("floors_above", b_above, 1, 200), ("floors_below", b_below, 0, 20),
                                 ("year_built", b_year, d.YEAR_MIN, self.today.year + 10)):
                if v:
                    given[f] = _int(v, self.label(f), lo, hi)
        except _Bad as e:
            self.err(n, e.field, e.reason)
            return False
        ok = True
        for f, v in given.items():
            cur = bp.attrs.get(f)
            if cur is None:
                bp.attrs[f] = (v, n)
            elif cur[0] != v:
                self.err(n, self.label(f), f"同一幢楼的{_SPEC[f].label}与第 {cur[1]} 行不一致（{v} ≠ {cur[0]}）")
                ok = False
        year = given.get("year_built")
        if year is not None:
            for st in (given.get("building_status"), home_status):
                if st is None:
                    continue
                try:
                    d.check_year_built(year, d.Status(st), self.today)
                except ValueError:
                    self.err(n, self.label("year_built"),
                             f"建成年份 {year} 在未来，但状态为「{st}」（现房、使用状态的房屋必须已建成）")
                    return False
        return ok

    # -- resolution against the register ------------------------------------------------------------
    def resolve(self) -> None:
        conn = self.conn
        street_codes = sorted({k[0] for k in self.estates})
        found_estates: dict[tuple[str, str], dict[str, Any]] = {}
        for part in _chunks(street_codes):
            for r in conn.execute(
                select(estates.c.id, estates.c.street_code, estates.c.name, estates.c.address,
                       estates.c.district_code).where(estates.c.street_code.in_(part)).order_by(estates.c.id)
            ).mappings():
                found_estates.setdefault((r["street_code"], r["name"]), dict(r))
        for ekey, ep in self.estates.items():
            ep.existing = found_estates.get(ekey)
            ep.id = ep.existing["id"] if ep.existing else None
        estate_ids = {ep.id: ek for ek, ep in self.estates.items() if ep.id is not None}
        bcols = (buildings.c.id, buildings.c.estate_id, buildings.c.building_no, buildings.c.house_code,
                 buildings.c.floors_above, buildings.c.floors_below, buildings.c.status, buildings.c.address,
                 buildings.c.street_code, buildings.c.district_code)
        for part in _chunks(sorted(estate_ids)):
            for r in conn.execute(select(*bcols).where(buildings.c.estate_id.in_(part))).mappings():
                skey, ename = estate_ids[r["estate_id"]]
                bp = self.buildings.get((skey, ename, r["building_no"]))
                if bp is not None and bp.existing is None:
                    bp.existing = dict(r)
                    bp.id = r["id"]
        by_bid = {bp.id: bp for bp in self.buildings.values() if bp.id is not None}
        hcols = [homes.c.id, homes.c.house_code, homes.c.building_id, homes.c.unit_no, homes.c.room_no,
                 homes.c.floor_no, homes.c.street_code, homes.c.estate_id, homes.c.status]
        by_location: dict[tuple[int, str | None, str], tuple[int, int]] = {}
        for part in _chunks(sorted(by_bid)):
            for h in conn.execute(select(*hcols).where(homes.c.building_id.in_(part),
                                                       homes.c.status.not_in(_LIVE_EXCLUDED))):
                by_location.setdefault((int(h.building_id), h.unit_no, h.room_no), (int(h.id), int(h.floor_no)))
        codes = sorted({r.house_code for r in self.rows if r.house_code})
        by_code: dict[str, dict[str, Any]] = {}
        for part in _chunks(codes):
            q = (select(*hcols, buildings.c.building_no, estates.c.name.label("estate_name"))
                 .join(buildings, buildings.c.id == homes.c.building_id)
                 .join(estates, estates.c.id == homes.c.estate_id).where(homes.c.house_code.in_(part)))
            for r in conn.execute(q).mappings():
                by_code[r["house_code"]] = dict(r)
        seen: dict[Any, int] = {}
        for row in self.rows:
            bp = row.bp
            if row.house_code:
                known = by_code.get(row.house_code)
                if known is None:
                    self.err(row.n, self.label("house_code"), f"登记簿中没有房屋代码为 {row.house_code} 的房屋")
                    continue
                mismatch = self._location_mismatch(row, known)
                if mismatch:
                    self.err(row.n, mismatch[0], mismatch[1])
                    continue
                row.home_id = int(known["id"])
                key: Any = ("home", row.home_id)
            else:
                assert bp is not None and row.room_no is not None
                hit = by_location.get((bp.id, row.unit_no, row.room_no)) if bp.id is not None else None
                if hit is not None:
                    if row.floor_no is not None and row.floor_no != hit[1]:
                        self.err(row.n, self.label("floor_no"),
                                 f"该房屋在登记簿中位于 {hit[1]} 层，文件为 {row.floor_no} 层；位置不能通过导入修改")
                        continue
                    row.home_id = hit[0]
                    key = ("home", hit[0])
                else:
                    row.new = True
                    key = ("new", bp.key, row.unit_no, row.room_no)
            first = seen.setdefault(key, row.n)
            if first != row.n:
                what = "房屋代码" if row.house_code else "幢号、单元、房号"
                self.err(row.n, self.label("house_code") if row.house_code else self.label("room_no"),
                         f"与第 {first} 行是同一套房屋（{what}相同），文件中每套房屋只能出现一次")
        self._check_new()

    def _location_mismatch(self, row: _Row, h: dict[str, Any]) -> tuple[str, str] | None:
        checks = (
            ("street", row.street_code, h["street_code"]), ("estate_name", row.estate_name, h["estate_name"]),
            ("building_no", row.building_no, h["building_no"]), ("unit_no", row.unit_no, h["unit_no"]),
            ("room_no", row.room_no, h["room_no"]), ("floor_no", row.floor_no, h["floor_no"]),
        )
        for f, mine, theirs in checks:
            if mine is not None and (f != "unit_no" or row.room_no is not None) and mine != theirs:
                return (self.label(f), f"与房屋代码 {row.house_code} 所指房屋不符（登记簿为「{theirs or ''}」，"
                                       f"文件为「{mine}」）；位置不能通过导入修改")
        return None

    def _check_new(self) -> None:
        """Checks of new homes that need their building: floors, statuses, units."""
        for row in self.rows:
            if not row.new or row.n in self.bad_rows:
                continue
            bp = row.bp
            assert bp is not None
            status = row.values[1]
            if bp.existing is not None:
                above, below = int(bp.existing["floors_above"]), int(bp.existing["floors_below"])
                status = status or bp.existing["status"]
            else:
                fa = bp.attrs.get("floors_above")
                if fa is None:
                    self.err(row.n, self.label("floors_above"), f"新楼幢 {row.building_no} 幢需要填写地上层数")
                    continue
                above, below = int(fa[0]), int(bp.attrs.get("floors_below", (0, 0))[0])
                status = status or (bp.attrs["building_status"][0] if "building_status" in bp.attrs else None)
                ep = self.estates[bp.key[:2]]
                if ep.existing is None and (ep.road is None or ep.door_no is None):
                    self.err(row.n, self.label("road") if ep.road is None else self.label("door_no"),
                             f"新小区「{row.estate_name}」需要填写路名和门牌号")
                    continue
            assert row.floor_no is not None
            if row.floor_no > above or row.floor_no < -below:
                self.err(row.n, self.label("floor_no"),
                         f"楼层 {row.floor_no} 超出该幢范围（地下 {below} 层，地上 {above} 层）")
                continue
            if row.floor_to is not None and row.floor_to > above:
                self.err(row.n, self.label("floor_to"), f"跃层的结束层 {row.floor_to} 超过地上层数 {above}")
                continue
            if status is None:
                self.err(row.n, self.label("status"), "新房屋需要填写状态（或楼幢状态）")
                continue
            if d.Status(status) in d.TERMINAL:
                self.err(row.n, self.label("status"), f"不能新建状态为「{status}」的房屋")
                continue
            if row.values[2] is None:
                self.err(row.n, self.label("construction_area"), "新房屋需要填写建筑面积")
                continue
        for bp in self.buildings.values():
            if bp.existing is None and len(bp.units) > 50:
                self.err(bp.first_row, self.label("unit_no"), f"楼幢 {bp.key[2]} 幢有 {len(bp.units)} 个单元，超过 50")
            bst = bp.attrs.get("building_status")
            if bp.existing is None and bst is not None and d.Status(bst[0]) in d.TERMINAL:
                self.err(bst[1], self.label("building_status"), f"不能新建状态为「{bst[0]}」的楼幢")

    # -- writes --------------------------------------------------------------------------------------
    def write(self) -> None:
        good_new = [r for r in self.rows if r.new and r.n not in self.bad_rows]
        for r in good_new:
            bp = r.bp
            assert bp is not None
            if bp.first_good is None:
                bp.first_good = r
            bp.good_rows += 1
            bp.area += r.values[2]
            self.estates[bp.key[:2]].good_rows += 1
        self._write_estates()
        self._write_buildings()
        self._write_new_homes(good_new)
        self._write_updates([r for r in self.rows if r.home_id is not None and r.n not in self.bad_rows])

    def _write_estates(self) -> None:
        new = [ep for ep in self.estates.values() if ep.existing is None and ep.good_rows]
        if not new:
            return
        city = next((r for r in self.divs.rows.values() if r[2] == "city"), None)
        city_name = str(city[1]) if city else ""
        streets = sorted({ep.key[0] for ep in new})
        seq: dict[str, int] = {}
        for part in _chunks(streets):
            q = select(estates.c.street_code, func.count(), func.max(estates.c.estate_code)).where(
                estates.c.street_code.in_(part)).group_by(estates.c.street_code)
            for s, n, _ in self.conn.execute(q):
                seq[s] = int(n)
            q2 = (select(estates.c.street_code, func.max(estates.c.estate_code))
                  .where(estates.c.street_code.in_(part), func.length(estates.c.estate_code) == 14)
                  .group_by(estates.c.street_code))
            for s, top in self.conn.execute(q2):
                seq[s] = max(seq.get(s, 0), int(top[10:]))
        first = dialect.next_ids(self.conn, estates, len(new))
        rows = []
        for i, ep in enumerate(new):
            street, name = ep.key
            district = self.divs.rows[street][3]
            seq[street] = seq.get(street, 0) + 1
            assert ep.road is not None and ep.door_no is not None
            addr = svc.estate_address(city_name, self.divs.name(district), ep.road[0], ep.door_no[0])
            if len(addr) > 160:
                raise _Fatal(ep.first_row, self.label("road"), "小区地址过长（超过 160 个字符）")
            ep.id = first + i
            ep.existing = {"id": ep.id, "street_code": street, "name": name, "address": addr, "district_code": district}
            rows.append((ep.id, f"{street}E{seq[street]:04d}", name, "小区", district, street, None, ep.road[0],
                         ep.door_no[0], addr, None, None, None, None, self.now))
        dialect.bulk_insert(self.conn, estates, ("id", "estate_code", "name", "kind", "district_code", "street_code",
                                                 "community_code", "road", "door_no", "address", "developer",
                                                 "year_built", "centroid_lon", "centroid_lat", "recorded_at"), rows)

    def _write_buildings(self) -> None:
        new = [bp for bp in self.buildings.values() if bp.existing is None and bp.good_rows]
        if not new:
            return
        segments = sorted({(bp.key[0], self._segment(bp)) for bp in new})
        top: dict[tuple[str, int], int] = {}
        prefixes = sorted({f"{s}{g:04d}" for s, g in segments})
        for part in _chunks(sorted({s for s, _ in segments})):
            pre = func.substr(buildings.c.house_code, 1, 13)
            for p, mx in self.conn.execute(select(pre, func.max(buildings.c.house_code))
                                           .where(buildings.c.street_code.in_(part)).group_by(pre)):
                if p in prefixes:
                    top[(p[:9], int(p[9:13]))] = int(mx[13:17])
        first = dialect.next_ids(self.conn, buildings, len(new))
        names = {s: self.divs.name(s) for s, _ in segments}
        brows, vrows = [], []
        for i, bp in enumerate(new):
            street, ename, bno = bp.key
            ep = self.estates[(street, ename)]
            assert ep.existing is not None
            segment = self._segment(bp)
            seq = top.get((street, segment), 0) + 1
            if seq > 9999:
                raise _Fatal(bp.first_row, self.label("building_no"), f"街道 {street} 在 {segment} 年段的幢序号已用尽")
            top[(street, segment)] = seq
            code = d.make_house_code(street, segment, seq, 0)
            a = {f: v for f, (v, _) in bp.attrs.items()}
            first_home = bp.first_good
            assert first_home is not None
            status = a.get("building_status") or first_home.values[1]
            use = a.get("building_use") or first_home.values[0] or d.Use.residential.value
            addr = svc.building_address(ep.existing["address"], ename, bno)
            if len(addr) > 160:
                raise _Fatal(bp.first_row, self.label("building_no"), "楼幢地址过长（超过 160 个字符）")
            bp.id = first + i
            attrs = (bno, f"{bno}幢", use, a.get("structure", d.Structure.other.value), a["floors_above"],
                     a.get("floors_below", 0), max(1, len(bp.units)), a.get("year_built"), status, bp.area, addr,
                     None, None, None)
            bp.existing = {"id": bp.id, "house_code": code, "status": status, "address": addr,
                           "street_code": street, "district_code": ep.existing["district_code"],
                           "estate_id": ep.existing["id"], "next_seq": 1}
            brows.append((bp.id, code, ep.existing["id"], ep.existing["district_code"], street, *attrs,
                          addr + names[street], self.today, self.now, 1))
            vrows.append((bp.id, street, *attrs, self.today, None, self.now, None, "import",
                          self._reason(), self.source))
        dialect.bulk_insert(self.conn, buildings, ("id", "house_code", "estate_id", "district_code", "street_code",
                                                   *svc.BUILDING_ATTRS, "search_text", "valid_from", "recorded_at",
                                                   "version"), brows)
        dialect.bulk_insert(self.conn, building_versions, ("building_id", "street_code", *svc.BUILDING_ATTRS,
                                                           "valid_from", "valid_to", "recorded_at", "superseded_at",
                                                           "change_kind", "reason", "source"), vrows)

    def _segment(self, bp: _BuildingPlan) -> int:
        y = bp.attrs.get("year_built")
        return int(y[0]) if y else self.today.year

    def _reason(self) -> str:
        return f"导入作业 #{self.job_id}（{SOURCES[self.source]}）"

    def _write_new_homes(self, rows: list[_Row]) -> None:
        if not rows:
            return
        # next home sequence of existing buildings: one grouped query
        existing = sorted({r.bp.id for r in rows if r.bp and r.bp.id and "next_seq" not in (r.bp.existing or {})})
        nxt: dict[int, int] = {}
        for part in _chunks(existing):
            for bid, top in self.conn.execute(select(homes.c.building_id, func.max(homes.c.house_code))
                                              .where(homes.c.building_id.in_(part)).group_by(homes.c.building_id)):
                nxt[int(bid)] = int(top[17:22]) + 1
        first = dialect.next_ids(self.conn, homes, len(rows))
        first_v = dialect.next_ids(self.conn, home_versions, len(rows))
        first_s = dialect.next_ids(self.conn, home_source_records, len(rows))
        hcols = ("id", "house_code", "building_id", "estate_id", "district_code", "street_code", *svc.HOME_ATTRS,
                 "valid_from", "recorded_at", "version")
        vcols = ("id", "home_id", "building_id", "street_code", *svc.HOME_ATTRS, "valid_from", "valid_to",
                 "recorded_at", "superseded_at", "change_kind", "reason", "source")
        scols = ("id", "home_id", "source", "attrs", "row_hash", "import_job_id", "recorded_at")
        codes: dict[int, Iterator[str]] = {}
        for start in range(0, len(rows), self.batch_rows):
            batch = rows[start:start + self.batch_rows]
            vb: list[tuple[Any, ...]] = []
            sb: list[tuple[Any, ...]] = []
            # The homes are built while they are copied (on PostgreSQL the server works on them
            # meanwhile); their versions and source records are collected on the way and copied next.
            home_rows = self._home_rows(batch, start, first, first_v, first_s, nxt, codes, vb, sb)
            dialect.bulk_insert(self.conn, homes, hcols, home_rows)
            dialect.bulk_insert(self.conn, home_versions, vcols, vb)
            dialect.bulk_insert(self.conn, home_source_records, scols, sb)
        self.created += len(rows)
        self.records_written += len(rows)

    def _home_rows(self, batch: list[_Row], start: int, first: int, first_v: int, first_s: int,
                   nxt: dict[int, int], codes: dict[int, Iterator[str]], vb: list[tuple[Any, ...]],
                   sb: list[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        """Yield the rows of a batch of new homes; collect their first versions and source records."""
        today, now, source, job, reason = self.today, self.now, self.source, self.job_id, self._reason()
        heads = self.heads
        last: _BuildingPlan | None = None
        gen: Iterator[str] = iter(())
        for i, r in enumerate(batch, start=start):
            bp = r.bp
            assert bp is not None
            if bp is not last:  # rows of one building come together: look its facts up once
                last = bp
                b = bp.existing
                assert b is not None and bp.id is not None
                bid, street, estate_id, district = bp.id, b["street_code"], b["estate_id"], b["district_code"]
                baddr, bstatus = b["address"], b["status"]
                if bid not in codes:
                    codes[bid] = _home_codes(b["house_code"], b.get("next_seq") or nxt.get(bid, 1))
                gen = codes[bid]
            code = next(gen, None)
            if code is None:
                raise _Fatal(r.n, self.label("room_no"), "该幢的房屋序号已用尽（最多 99999 套）")
            v = r.values
            addr = d.home_address(baddr, r.unit_no, r.room_no or "")
            if len(addr) > 200:
                raise _Fatal(r.n, self.label("room_no"), "房屋地址过长（超过 200 个字符）")
            attrs = (r.unit_no, r.floor_no, v[7] or str(r.floor_no), r.floor_to, r.room_no, v[0] or "住宅", v[4],
                     v[5], v[6], v[2], v[3], v[1] or bstatus, addr, v[8])
            hid = first + i
            vb.append((first_v + i, hid, bid, street, *attrs, today, None, now, None, "import", reason, source))
            text, digest = _attrs_json(r, heads)
            sb.append((first_s + i, hid, source, text, digest, job, now))
            yield (hid, code, bid, estate_id, district, street, *attrs, today, now, 1)

    def _write_updates(self, rows: list[_Row]) -> None:
        if not rows:
            return
        conn = self.conn
        ids = [r.home_id for r in rows if r.home_id is not None]
        mine: dict[int, tuple[int, str]] = {}
        hsr = home_source_records
        for part in _chunks(ids):
            for rid, hid, digest in conn.execute(select(hsr.c.id, hsr.c.home_id, hsr.c.row_hash)
                                                 .where(hsr.c.home_id.in_(part), hsr.c.source == self.source)):
                mine[int(hid)] = (int(rid), digest)
        todo: list[tuple[_Row, str, str]] = []
        for r in rows:
            text, digest = _attrs_json(r, self.heads)
            prev = mine.get(r.home_id)  # type: ignore[arg-type]
            if prev is not None and prev[1] == digest:
                self.unchanged += 1
            else:
                todo.append((r, text, digest))
        if not todo:
            return
        rules = load_rules(conn)
        for part in _chunks(todo):
            pids = [r.home_id for r, _, _ in part]
            others: dict[int, dict[str, dict[str, Any]]] = {}
            for hid, src, attrs in conn.execute(select(hsr.c.home_id, hsr.c.source, hsr.c.attrs)
                                                .where(hsr.c.home_id.in_(pids), hsr.c.source != self.source)):
                others.setdefault(int(hid), {})[src] = json.loads(attrs)
            current = {int(h["id"]): h for h in conn.execute(select(homes).where(homes.c.id.in_(pids))).mappings()}
            inserts: list[tuple[Any, ...]] = []
            updates: list[dict[str, Any]] = []
            for r, text, digest in part:
                assert r.home_id is not None
                prev = mine.get(r.home_id)
                if self._update_one(r, text, others.get(r.home_id, {}), current[r.home_id], rules):
                    if prev is None:
                        inserts.append((r.home_id, self.source, text, digest, self.job_id, self.now))
                    else:
                        updates.append({"rid": prev[0], "attrs": text, "row_hash": digest})
            if inserts:
                dialect.bulk_insert(conn, hsr, ("home_id", "source", "attrs", "row_hash", "import_job_id",
                                                "recorded_at"), inserts)
            if updates:
                conn.execute(update(hsr).where(hsr.c.id == bindparam("rid"))
                             .values(attrs=bindparam("attrs"), row_hash=bindparam("row_hash"),
                                     import_job_id=self.job_id, recorded_at=self.now), updates)
            self.records_written += len(inserts) + len(updates)

    def _update_one(self, r: _Row, text: str, others: dict[str, dict[str, Any]], cur: Any,
                    rules: dict[str, dict[str, int]]) -> bool:
        """Merge the row with what the other sources said and change the home if its merged value
        moved. Returns False (and records the error) when the row cannot be applied."""
        assert r.home_id is not None
        mine = json.loads(text)
        winners, conflicts = merge_values({**others, self.source: mine}, rules)
        patch: dict[str, Any] = {}
        for f, (_, v) in winners.items():
            tv = _typed(f, v)
            if tv != cur[f]:
                patch[f] = tv
        if "status" in patch and not d.can_transition(d.Status(cur["status"]), d.Status(patch["status"])):
            self.err(r.n, self.label("status"),
                     f"状态不能从「{cur['status']}」变为「{patch['status']}」（房屋 {cur['house_code']}）")
            return False
        if "floor_to" in mine and mine["floor_to"] != cur["floor_to"] and len(self.notes) < 100:
            self.notes.append(f"第 {r.n} 行：跃层信息不能通过导入修改已登记的房屋，已忽略")
        changed = False
        if patch:
            try:
                with self.conn.begin_nested():
                    changed = svc.change_home(
                        self.conn, r.home_id,
                        svc.Change(patch, self.today, None, "import", self._reason(), self.source),
                        scope=SYSTEM, now=self.now, today=self.today)
            except AnjuError as e:
                for fe in e.errors or [FieldError("整行", e.message)]:
                    self.err(r.n, self.label(fe.field) if fe.field in _SPEC else fe.field, fe.reason)
                return False
        if changed:
            self.updated += 1
        else:
            self.unchanged += 1
        for c in conflicts:
            self.conflict_count += 1
            if len(self.conflicts) < REPORT_CAP:
                self.conflicts.append({"row": r.n, "home_id": r.home_id, "house_code": cur["house_code"], **c})
        return True


class _Fatal(Exception):
    def __init__(self, row: int, fld: str, reason: str) -> None:
        super().__init__(reason)
        self.error = FieldError(fld, reason, row)


def _home_codes(building_code: str, first_seq: int) -> Iterator[str]:
    """House codes of a building's homes from ``first_seq`` on (the prefix's checksum is computed once)."""
    prefix = building_code[:17]
    base = d.prefix_checksum(prefix)
    for seq in range(first_seq, 100_000):
        yield f"{prefix}{seq:05d}{d.fast_check(base, seq)}"


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ------------------------------------------------------------------------------------------------
# entry points
# ------------------------------------------------------------------------------------------------


def _check_options(source: str, mode: str) -> None:
    if source not in SOURCES:
        raise ValidationError.of("source", f"未知的来源「{source}」，应为 {'、'.join(SOURCES)} 之一")
    if mode not in MODES:
        raise ValidationError.of("mode", f"未知的导入方式「{mode}」，应为 {'、'.join(MODES)} 之一")


def import_file(engine: Engine, data: bytes, filename: str, *, source: str = "manual",
                mode: str = "all_or_nothing", max_bytes: int = 50 * 1024 * 1024, batch_rows: int = 5000,
                today: date | None = None, now: datetime | None = None) -> ImportResult:
    """Import one 楼盘表 file from ``source``; one transaction; the attempt is recorded in ``import_jobs``."""
    _check_options(source, mode)
    if len(data) > max_bytes:
        raise TooLarge(f"文件大小 {len(data)} 字节，超过上限 {max_bytes} 字节",
                       [FieldError("file", f"文件不能超过 {max_bytes // (1024 * 1024) or 1} MB")])
    today = today or clock.today()
    now = now or clock.now()
    filename = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    result = ImportResult(0, "running", source, mode, filename, hashlib.sha256(data).hexdigest())
    try:
        sheet = read_sheet(data, filename)
    except _FileRejected as e:
        result.errors = [e.error]
        return _record_rejected(engine, result, now)
    result.format, result.encoding = sheet.format, sheet.encoding
    try:
        with engine.begin() as conn:
            result.job_id = _insert_job(conn, result, now)
            imp = _Importer(conn, sheet, source, mode, result.job_id, today, now, batch_rows)
            imp.scan()
            imp.resolve()
            if imp.errors and mode == "all_or_nothing":
                _collect(result, imp)
                raise _Rollback
            imp.write()
            _collect(result, imp)
            if imp.errors and mode == "all_or_nothing":
                raise _Rollback
            good = imp.created + imp.updated + imp.unchanged
            if imp.errors:
                result.status = "partial" if good else "rejected"
            elif imp.created or imp.updated or imp.records_written:
                result.status = "loaded"
            else:
                result.status = "unchanged"
            _rejects(result, sheet, imp.errors)
            _finish_job(conn, result, now, imp.notes)
    except _FileRejected as e:
        result.errors = [e.error]
        return _record_rejected(engine, result, now)
    except _Fatal as e:
        result.errors = [*result.errors, e.error]
        result.rows_created = result.rows_updated = result.rows_unchanged = 0
        return _record_rejected(engine, result, now, sheet)
    except _Rollback:
        result.rows_created = result.rows_updated = result.rows_unchanged = 0
        return _record_rejected(engine, result, now, sheet)
    return result


def _collect(result: ImportResult, imp: _Importer) -> None:
    imp.errors.sort(key=lambda e: (e.row or 0))
    result.errors = imp.errors
    result.rows_total = imp.total
    result.rows_created, result.rows_updated, result.rows_unchanged = imp.created, imp.updated, imp.unchanged
    result.rows_rejected = len(imp.bad_rows)
    result.conflicts = imp.conflict_count
    result.conflict_list = imp.conflicts
    result.notes = imp.notes[:100]


def _rejects(result: ImportResult, sheet: SheetData | None, errors: list[FieldError]) -> None:
    if sheet is None or not errors:
        return
    reasons: dict[int, list[str]] = {}
    for e in errors:
        if e.row is not None:
            reasons.setdefault(e.row, []).append(f"{e.field}：{e.reason}")
    if not reasons:
        return
    result.rejects_header = [*sheet.header, REJECT_REASON_HEADER]
    width = len(sheet.header)
    try:
        for n, cells in sheet.rows():
            if n in reasons:
                original = (cells + [""] * width)[:width]
                result.rejects.append([*original, "；".join(reasons[n])])
    except _FileRejected:
        pass


def _report(result: ImportResult, notes: list[str]) -> str:
    return json.dumps({
        "format": result.format, "encoding": result.encoding,
        "errors": [e.as_dict() for e in result.errors[:REPORT_CAP]], "errors_total": len(result.errors),
        "conflicts": result.conflict_list[:REPORT_CAP], "conflicts_total": result.conflicts,
        "notes": notes[:100],
        "rejects": {"header": result.rejects_header, "rows": result.rejects[:REJECTS_CAP],
                    "total": len(result.rejects)},
    }, ensure_ascii=False, default=str)


def _job_values(result: ImportResult) -> dict[str, Any]:
    return {
        "source": result.source, "filename": result.filename, "sha256": result.sha256, "mode": result.mode,
        "status": result.status, "rows_total": result.rows_total, "rows_created": result.rows_created,
        "rows_updated": result.rows_updated, "rows_unchanged": result.rows_unchanged,
        "rows_rejected": result.rows_rejected, "conflicts": result.conflicts,
    }


def _insert_job(conn: Connection, result: ImportResult, now: datetime) -> int:
    res = conn.execute(import_jobs.insert().values(**_job_values(result), report="{}", created_at=now,
                                                   finished_at=None))
    assert res.inserted_primary_key is not None
    return int(res.inserted_primary_key[0])


def _finish_job(conn: Connection, result: ImportResult, now: datetime, notes: list[str]) -> None:
    conn.execute(update(import_jobs).where(import_jobs.c.id == result.job_id).values(
        **_job_values(result), report=_report(result, notes), finished_at=clock.now()))


def _record_rejected(engine: Engine, result: ImportResult, now: datetime,
                     sheet: SheetData | None = None) -> ImportResult:
    result.status = "rejected"
    result.rows_created = result.rows_updated = result.rows_unchanged = 0
    result.conflicts = 0
    result.conflict_list = []
    if not result.rows_rejected:
        data_rows = {e.row for e in result.errors if e.row is not None and e.row > 1}  # row 1 is the header
        result.rows_rejected = len(data_rows) or result.rows_total
    _rejects(result, sheet, result.errors)
    with engine.begin() as conn:
        result.job_id = _insert_job(conn, result, now)
        _finish_job(conn, result, now, result.notes)
    return result


# ------------------------------------------------------------------------------------------------
# re-merge after a change of the rules, and reads of jobs
# ------------------------------------------------------------------------------------------------


def remerge(conn: Connection, *, today: date | None = None, now: datetime | None = None,
            home_ids: Iterable[int] | None = None) -> dict[str, int]:
    """Recompute the register's value of every merged field from the source records (after the rules
    changed); changed homes go through :func:`services.change_home` so their history is kept."""
    today = today or clock.today()
    now = now or clock.now()
    rules = load_rules(conn)
    hsr = home_source_records
    q = select(hsr.c.home_id).distinct().order_by(hsr.c.home_id)
    if home_ids is not None:
        q = q.where(hsr.c.home_id.in_(list(home_ids)))
    ids = [int(r[0]) for r in conn.execute(q)]
    changed = conflicts = 0
    for part in _chunks(ids, 1000):
        recs: dict[int, dict[str, dict[str, Any]]] = {}
        for hid, src, attrs in conn.execute(select(hsr.c.home_id, hsr.c.source, hsr.c.attrs)
                                            .where(hsr.c.home_id.in_(part))):
            recs.setdefault(int(hid), {})[src] = json.loads(attrs)
        current = {int(h["id"]): h for h in conn.execute(select(homes).where(homes.c.id.in_(part))).mappings()}
        for hid in part:
            winners, cs = merge_values(recs.get(hid, {}), rules)
            conflicts += len(cs)
            cur = current[hid]
            patch = {f: _typed(f, v) for f, (_, v) in winners.items() if _typed(f, v) != cur[f]}
            if patch and svc.change_home(conn, hid, svc.Change(patch, today, None, "update", "来源优先级调整后重新合并",
                                                               "merge"), scope=SYSTEM, now=now, today=today):
                changed += 1
    return {"homes": len(ids), "changed": changed, "conflicts": conflicts}


JOB_COLS = [c for c in import_jobs.c if c.name != "report"]


def list_jobs(conn: Connection, *, offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    total = conn.execute(select(func.count()).select_from(import_jobs)).scalar_one()
    rows = conn.execute(select(*JOB_COLS).order_by(import_jobs.c.id.desc()).offset(offset).limit(limit)).mappings()
    return [dict(r) for r in rows], int(total)


def get_job(conn: Connection, job_id: int) -> dict[str, Any]:
    row = conn.execute(select(import_jobs).where(import_jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise NotFound(f"没有编号为 {job_id} 的导入作业")
    out = dict(row)
    try:
        out["report"] = json.loads(row["report"] or "{}")
    except ValueError:
        out["report"] = {}
    return out


def job_rejects_csv(job: dict[str, Any]) -> bytes:
    """The rejected rows kept in a job's report, as CSV (UTF-8 with BOM)."""
    rej = job["report"].get("rejects") or {}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(rej.get("header") or [REJECT_REASON_HEADER])
    w.writerows(rej.get("rows") or [])
    return buf.getvalue().encode("utf-8-sig")


__all__ = [
    "COLUMNS", "MODES", "SOURCES", "ImportResult", "decode_csv", "get_job", "import_file", "job_rejects_csv",
    "list_jobs", "load_rules", "merge_values", "read_sheet", "remerge",
]
