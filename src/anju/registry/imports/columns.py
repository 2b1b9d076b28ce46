"""The import layout: the columns a 楼盘表 file may have, their accepted names, and the mapping of a
file's header onto them (see ``docs/import-format.md``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from anju.core.sheet import FileRejected, SheetData


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the import layout: the field, its canonical Chinese header and the accepted names."""

    field: str
    label: str
    aliases: tuple[str, ...]
    needed: str  # when it must be filled (documentation)
    description: str


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "house_code",
        "房屋代码",
        ("house_code", "房屋编码"),
        "可选",
        "已登记房屋的 23 位房屋代码。填写后该行更新这套房屋，位置列可以不填",
    ),
    ColumnSpec(
        "district",
        "区划代码",
        ("district_code", "district", "district_name", "区县代码", "区划", "区县", "区", "行政区", "所在区", "区名称"),
        "新房屋（街道填代码时可省）",
        "区（县）或功能区的 6 位代码或名称，如 320105 或 建邺区",
    ),
    ColumnSpec(
        "street",
        "街道",
        ("street_code", "street", "street_name", "街道代码", "街道名称", "乡镇街道", "街道（镇）", "镇街"),
        "新房屋",
        "街道（镇）的 9 位代码或名称，如 320105007 或 南苑街道",
    ),
    ColumnSpec(
        "estate_name",
        "小区名称",
        ("estate_name", "estate", "小区", "楼盘名称", "项目名称"),
        "新房屋",
        "小区或楼盘名称；同一街道内按名称找到已登记的小区，找不到就新建",
    ),
    ColumnSpec("road", "路名", ("road", "道路", "街路巷"), "新小区", "小区门牌所在的道路"),
    ColumnSpec("door_no", "门牌号", ("door_no", "door_number", "门牌"), "新小区", "小区的门牌号，如 18"),
    ColumnSpec(
        "building_no",
        "幢号",
        ("building_no", "building", "楼号", "栋号", "楼幢号"),
        "新房屋",
        "楼幢编号，如 3 或 A2；“3幢”“3栋”“3号楼”均可",
    ),
    ColumnSpec("building_use", "楼幢用途", ("building_use",), "可选", "楼幢的用途，缺省同房屋用途"),
    ColumnSpec(
        "structure",
        "结构",
        ("structure", "建筑结构", "房屋结构"),
        "可选",
        "钢结构、钢筋混凝土、砖混、砖木、其他；缺省为其他",
    ),
    ColumnSpec("floors_above", "地上层数", ("floors_above", "总层数"), "新楼幢", "1–200"),
    ColumnSpec("floors_below", "地下层数", ("floors_below",), "可选", "0–20，缺省 0"),
    ColumnSpec(
        "year_built",
        "建成年份",
        ("year_built", "竣工年份", "建成年代", "建成年度"),
        "可选",
        "四位年份；现房、使用状态的楼幢不能晚于今年",
    ),
    ColumnSpec("building_status", "楼幢状态", ("building_status",), "可选", "缺省同房屋状态"),
    ColumnSpec("unit_no", "单元", ("unit_no", "unit", "单元号"), "可选", "单元号，如 2；“2单元”亦可"),
    ColumnSpec(
        "floor_no", "楼层", ("floor_no", "floor", "所在层", "实际层"), "新房屋", "实际楼层，地下层为负数，不能为 0"
    ),
    ColumnSpec("floor_label", "名义层", ("floor_label",), "可选", "名义楼层，缺省同实际楼层"),
    ColumnSpec("floor_to", "跃层至", ("floor_to", "结束层"), "可选", "跃层房屋的最高一层"),
    ColumnSpec("room_no", "房号", ("room_no", "room", "室号"), "新房屋", "房号，如 502；“502室”亦可"),
    ColumnSpec(
        "use",
        "用途",
        ("use", "home_use", "房屋用途", "规划用途"),
        "可选",
        "住宅、商业、办公、工业、仓储、商住、公共服务、车库、其他；新房屋缺省为住宅",
    ),
    ColumnSpec("rooms", "室", ("rooms", "居室", "室数"), "可选", "0–30"),
    ColumnSpec("halls", "厅", ("halls", "厅数"), "可选", "0–30"),
    ColumnSpec("orientation", "朝向", ("orientation",), "可选", "南、北、东、西、南北、东南、西南、东北、西北、东西"),
    ColumnSpec(
        "construction_area",
        "建筑面积",
        ("construction_area", "area_m2", "area"),
        "新房屋",
        "平方米，大于 0，不超过 100000，最多两位小数",
    ),
    ColumnSpec(
        "inner_area", "套内面积", ("inner_area", "inner_area_m2", "套内建筑面积"), "可选", "平方米，不能大于建筑面积"
    ),
    ColumnSpec(
        "status",
        "状态",
        ("status", "home_status", "房屋状态"),
        "新房屋（或填楼幢状态）",
        "规划、在建、停建、预售、现房、使用；注销、拆除只能由已有房屋变更而来",
    ),
    ColumnSpec(
        "property_unit_code",
        "不动产单元代码",
        ("property_unit_code", "不动产单元号"),
        "可选",
        "GB/T 37346 不动产单元代码，28 位数字和大写字母",
    ),
)
SPEC = {c.field: c for c in COLUMNS}
LOCATION = ("district", "street", "estate_name", "building_no", "floor_no", "room_no")


def norm_header(h: str) -> str:
    h = h.replace("\ufeff", "").strip()
    h = re.sub(r"[（(][^)）]*[)）]$", "", h)  # "建筑面积（㎡）" → "建筑面积"
    h = re.sub(r"[\s\-]+", "_", h.strip())
    return h.lower()


ALIASES: dict[str, tuple[str, int]] = {}
for _c in COLUMNS:
    for _prio, _name in enumerate((_c.label, *_c.aliases)):
        ALIASES.setdefault(norm_header(_name), (_c.field, _prio))


@dataclass
class Header:
    """A file's header mapped onto the layout: field → column index, field → the file's own header text,
    and notes about ignored columns."""

    index: dict[str, int]
    labels: dict[str, str]
    notes: list[str] = field(default_factory=list)


def map_header(sheet: SheetData) -> Header:
    """Map the header cells onto fields (first-listed name wins a tie); reject a header without the
    columns an import needs."""
    chosen: dict[str, tuple[int, int]] = {}  # field → (priority, index)
    unknown: list[str] = []
    notes: list[str] = []
    for i, raw in enumerate(sheet.header):
        h = norm_header(raw)
        if not h:
            continue
        hit = ALIASES.get(h)
        if hit is None:
            unknown.append(raw.strip())
            continue
        f, prio = hit
        if f in chosen:
            keep, drop = (chosen[f], (prio, i)) if chosen[f][0] <= prio else ((prio, i), chosen[f])
            chosen[f] = keep
            notes.append(
                f"列「{sheet.header[drop[1]].strip()}」与「{sheet.header[keep[1]].strip()}」是同一字段，已忽略前者"
            )
        else:
            chosen[f] = (prio, i)
    if unknown:
        notes.append("未识别的列（已忽略）：" + "、".join(unknown[:30]))
    index = {f: i for f, (_, i) in chosen.items()}
    _check_required(sheet, index)
    return Header(index, {f: sheet.header[i].strip() for f, i in index.items()}, notes)


def _check_required(sheet: SheetData, index: dict[str, int]) -> None:
    has_code = "house_code" in index
    missing = [f for f in ("street", "estate_name", "building_no", "floor_no", "room_no") if f not in index]
    if not index:
        hint = (
            "；文件按 GB18030 解码，如果原文件是 Big5 等其他编码，请另存为 UTF-8" if sheet.encoding == "gb18030" else ""
        )
        raise FileRejected(f"表头中没有可识别的列{hint}（见导入格式说明）", 1, "表头")
    if not has_code and missing:
        names = "、".join(SPEC[f].label for f in missing)
        raise FileRejected(f"缺少必需的列：{names}（或提供「房屋代码」列以更新已登记的房屋）", 1, "表头")
    if not has_code and "construction_area" not in index:
        raise FileRejected("缺少必需的列：建筑面积", 1, "表头")
