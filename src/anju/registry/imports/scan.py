"""The scan: every row is parsed and checked on its own (no query per row) and grouped into the plans
of the estates and buildings it names. Errors are collected per row on the :class:`ImportRun`."""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

from anju.core import csvout
from anju.registry import domain
from anju.registry.imports import cells, columns
from anju.registry.imports.cells import Bad
from anju.registry.imports.run import BuildingPlan, EstatePlan, ImportRun, Row

_SUFFIX_BUILDING = re.compile(r"(幢|栋|号楼|座|#)$")
_BUILDING_NO = re.compile(r"^[0-9A-Za-z\-]{1,16}$")
_PROPERTY_UNIT = re.compile(r"^[0-9A-Z]{28}$")
_ORIENTATIONS = frozenset(domain.ORIENTATIONS)

#: (building use, structure, floors above, floors below, year built, building status, home status) as given.
BuildingCells = tuple[str, str, str, str, str, str, str | None]


def scan(run: ImportRun) -> None:
    """Read every row of the file into ``run.rows`` (good rows) and ``run.errors`` (bad ones)."""
    scanner = _Scanner(run)
    run.step("读取并检查文件", 0.05)
    for n, row_cells in run.sheet.rows():
        run.total += 1
        scanner.row(n, row_cells)
        if run.total % 2000 == 0:
            run.step(f"已读取并检查 {run.total:,} 行", run.read_fraction())


class _Scanner:
    """The caches of one scan: parsed vocabularies, interned names, building numbers already checked."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.width = len(run.sheet.header)
        # missing columns read a "" sentinel appended after the row's cells
        self.pick = itemgetter(*[run.index.get(f, self.width) for f in columns.SPEC])
        self.status_p = cells.memo(domain.parse_status, "status", "状态")
        self.use_p = cells.memo(domain.parse_use, "use", "用途")
        self.interned: dict[str, str] = {}
        self.good_bnos: set[str] = set()

    def _fit(self, n: int, row_cells: list[str]) -> bool:
        """Pad or trim the row to the header's width (plus the sentinel); False when it has extra data."""
        width = self.width
        if len(row_cells) > width:
            if any(c.strip() for c in row_cells[width:]):
                self.run.err(n, "整行", f"该行有 {len(row_cells)} 列，多于表头的 {width} 列")
                return False
            del row_cells[width:]
        elif len(row_cells) < width:
            row_cells.extend([""] * (width - len(row_cells)))
        row_cells.append("")
        return True

    def _report(self, n: int, errs: list[Bad]) -> None:
        for bad in errs:
            self.run.err(n, self.run.label(bad.field), bad.reason)

    def row(self, n: int, row_cells: list[str]) -> None:
        run = self.run
        if not self._fit(n, row_cells):
            return
        (
            raw_code,
            district_raw,
            street_raw,
            estate_name,
            road,
            door,
            bno,
            b_use,
            b_struct,
            b_above,
            b_below,
            b_year,
            b_status,
            unit_no,
            floor_raw,
            floor_label,
            floor_to_raw,
            room_no,
            use,
            rooms,
            halls,
            orientation,
            c_area,
            i_area,
            status,
            puc,
        ) = map(str.strip, self.pick(row_cells))
        errs: list[Bad] = []
        if cells.has_control(
            "".join((district_raw, street_raw, estate_name, road, door, bno, unit_no, floor_label, room_no))
        ):
            _controls(
                errs,
                district=district_raw,
                street=street_raw,
                estate_name=estate_name,
                road=road,
                door_no=door,
                building_no=bno,
                unit_no=unit_no,
                floor_label=floor_label,
                room_no=room_no,
            )
            self._report(n, errs)
            return
        if reason := csvout.formula_reason(estate_name):
            errs.append(Bad("estate_name", reason))
        house_code: str | None = None
        if raw_code:
            try:
                house_code = domain.parse_house_code(raw_code).render()
            except ValueError as e:
                errs.append(Bad("house_code", cells.house_code_reason(raw_code, e)))
        values = self._merged_values(errs, use, status, c_area, i_area, rooms, halls, orientation, floor_label, puc)
        floor_no, floor_to = _floors(errs, floor_raw, floor_to_raw)
        unit_no = unit_no.removesuffix("单元")
        if len(unit_no) > 8:
            errs.append(Bad("unit_no", "单元号最多 8 个字符"))
        room_no = room_no.removesuffix("室")
        if len(room_no) > 16:
            errs.append(Bad("room_no", "房号最多 16 个字符"))
        if bno and bno[-1] in "幢栋楼座#":  # "3幢", "3栋", "3号楼", "3座", "3#"
            bno = _SUFFIX_BUILDING.sub("", bno)
        street_code = self._locate(errs, raw_code, district_raw, street_raw, estate_name, bno, room_no, floor_raw)
        if errs:
            for bad in errs:
                run.err(n, run.label(bad.field) if bad.field in columns.SPEC else bad.field, bad.reason)
            return
        bp = None
        if not raw_code and street_code:
            estate_name = self.interned.setdefault(estate_name, estate_name)
            bp = self._place(
                n,
                street_code,
                estate_name,
                road,
                door,
                bno,
                unit_no,
                (b_use, b_struct, b_above, b_below, b_year, b_status, values[1]),
            )
            if bp is None:
                return
        run.rows.append(
            Row(
                n,
                house_code,
                street_code,
                estate_name or None,
                bno or None,
                unit_no or None,
                floor_no,
                floor_to,
                room_no or None,
                tuple(values),
                bp,
            )
        )

    def _merged_values(
        self,
        errs: list[Bad],
        use: str,
        status: str,
        c_area: str,
        i_area: str,
        rooms: str,
        halls: str,
        orientation: str,
        floor_label: str,
        puc: str,
    ) -> list[Any]:
        """The row's values of the merged fields (:data:`domain.MERGED` order; None = not given)."""
        values: list[Any] = [None] * len(domain.MERGED)
        try:
            if use:
                values[0] = self.use_p(use)
        except Bad as e:
            errs.append(e)
        try:
            if status:
                values[1] = self.status_p(status)
        except Bad as e:
            errs.append(e)
        _areas(errs, values, c_area, i_area)
        _counts(errs, values, rooms, halls)
        _descriptions(errs, values, orientation, floor_label, puc)
        return values

    def _locate(
        self,
        errs: list[Bad],
        raw_code: str,
        district_raw: str,
        street_raw: str,
        estate_name: str,
        bno: str,
        room_no: str,
        floor_raw: str,
    ) -> str | None:
        """The row's street code; a row without a house code must name its place in full.

        A (district, street) pair seen before is valid and skips the checks."""
        streets = self.run.streets
        street_code: str | None = streets.cache.get((district_raw, street_raw))
        if street_code is not None:
            return street_code  # seen before: valid
        if raw_code:
            # an update by house code: location columns are optional and only checked
            if street_raw:
                try:
                    street_code = streets.street(district_raw, street_raw)
                except Bad as e:
                    errs.append(e)
            return street_code
        try:
            street_code = streets.street(district_raw, street_raw)
        except Bad as e:
            errs.append(e)
        if not estate_name:
            errs.append(Bad("estate_name", "不能为空"))
        elif len(estate_name) > 80:
            errs.append(Bad("estate_name", "小区名称最多 80 个字符"))
        if not bno:
            errs.append(Bad("building_no", "不能为空"))
        elif bno not in self.good_bnos and not _BUILDING_NO.match(bno):
            errs.append(Bad("building_no", f"幢号「{bno}」只能由数字、字母和“-”组成，最多 16 位"))
        if not room_no:
            errs.append(Bad("room_no", "不能为空"))
        if not floor_raw:
            errs.append(Bad("floor_no", "不能为空"))
        return street_code

    def _place(
        self,
        n: int,
        street_code: str,
        estate_name: str,
        road: str,
        door: str,
        bno: str,
        unit_no: str,
        braw: BuildingCells,
    ) -> BuildingPlan | None:
        """The plan of the building the row names (created on first sight); None when the row contradicts
        what earlier rows said about its estate or building."""
        run = self.run
        ekey = (street_code, estate_name)
        ep = run.estates.get(ekey)
        if ep is None:
            ep = run.estates[ekey] = EstatePlan(ekey, n)
        door = door.removesuffix("号")
        if (road, door) != ep.last and not (
            _same(run, ep, "road", road, n, 40) and _same(run, ep, "door_no", door, n, 16)
        ):
            return None
        ep.last = (road, door)
        bkey = (street_code, estate_name, bno)
        bp = run.buildings.get(bkey)
        if bp is None:
            bp = run.buildings[bkey] = BuildingPlan(bkey, n)
            self.good_bnos.add(bno)
        if braw != bp.last:
            if not _building_attrs(run, bp, n, braw):
                return None
            bp.last = braw
        if unit_no:
            bp.units.add(unit_no)
        return bp


def _controls(errs: list[Bad], **identifiers: str) -> None:
    """Refuse identifiers (names, numbers, labels) with control or invisible characters: a line break in
    a room number makes a second, invisible home, and breaks every address and export built from it."""
    for fld, raw in identifiers.items():
        reason = cells.control_reason(raw)
        if reason:
            errs.append(Bad(fld, reason))


def _areas(errs: list[Bad], values: list[Any], c_area: str, i_area: str) -> None:
    try:
        if c_area:
            values[2] = cells.area(c_area, "construction_area")
    except Bad as e:
        errs.append(e)
    try:
        if i_area:
            values[3] = cells.area(i_area, "inner_area")
    except Bad as e:
        errs.append(e)
    if values[2] is not None and values[3] is not None and values[3] > values[2]:
        errs.append(Bad("inner_area", f"套内面积 {values[3]} 大于建筑面积 {values[2]}"))


def _counts(errs: list[Bad], values: list[Any], rooms: str, halls: str) -> None:
    try:
        if rooms:
            values[4] = cells.integer(rooms, "rooms", 0, 30)
    except Bad as e:
        errs.append(e)
    try:
        if halls:
            values[5] = cells.integer(halls, "halls", 0, 30)
    except Bad as e:
        errs.append(e)


def _descriptions(errs: list[Bad], values: list[Any], orientation: str, floor_label: str, puc: str) -> None:
    if orientation:
        if orientation in _ORIENTATIONS:
            values[6] = orientation
        else:
            errs.append(Bad("orientation", f"朝向「{orientation}」应为 {'、'.join(domain.ORIENTATIONS)} 之一"))
    if floor_label:
        if len(floor_label) > 8:
            errs.append(Bad("floor_label", "名义层最多 8 个字符"))
        values[7] = floor_label
    if puc:
        puc = puc.upper()
        if _PROPERTY_UNIT.match(puc):
            values[8] = puc
        else:
            errs.append(Bad("property_unit_code", "不动产单元代码应为 28 位数字和大写字母"))


def _floors(errs: list[Bad], floor_raw: str, floor_to_raw: str) -> tuple[int | None, int | None]:
    floor_no = floor_to = None
    if floor_raw:
        try:
            floor_no = cells.integer(floor_raw, "floor_no", -20, 200)
            if floor_no == 0:
                errs.append(Bad("floor_no", "楼层不能为 0（地下层用负数）"))
        except Bad as e:
            errs.append(e)
    if floor_to_raw:
        try:
            floor_to = cells.integer(floor_to_raw, "floor_to", -20, 200)
            if floor_no is not None and floor_to <= floor_no:
                errs.append(Bad("floor_to", "跃层的结束层必须高于起始层"))
        except Bad as e:
            errs.append(e)
    return floor_no, floor_to


def _same(run: ImportRun, ep: EstatePlan, fld: str, value: str, n: int, limit: int) -> bool:
    """Whether an estate's road or door number agrees with earlier rows (recorded on first sight)."""
    if not value:
        return True
    if reason := csvout.formula_reason(value):
        run.err(n, run.label(fld), reason)
        return False
    if len(value) > limit:
        run.err(n, run.label(fld), f"最多 {limit} 个字符")
        return False
    cur = getattr(ep, fld)
    if cur is None:
        setattr(ep, fld, (value, n))
    elif cur[0] != value:
        run.err(n, run.label(fld), f"同一小区的{columns.SPEC[fld].label}与第 {cur[1]} 行不一致（{value} ≠ {cur[0]}）")
        return False
    return True


def _building_attrs(run: ImportRun, bp: BuildingPlan, n: int, raw: BuildingCells) -> bool:
    """Record what the row says about its building; False when it contradicts an earlier row."""
    given = _given_building_attrs(run, n, raw)
    if given is None:
        return False
    ok = True
    for f, v in given.items():
        cur = bp.attrs.get(f)
        if cur is None:
            bp.attrs[f] = (v, n)
        elif cur[0] != v:
            run.err(n, run.label(f), f"同一幢楼的{columns.SPEC[f].label}与第 {cur[1]} 行不一致（{v} ≠ {cur[0]}）")
            ok = False
    year = given.get("year_built")
    if year is not None:
        for st in (given.get("building_status"), raw[6]):
            if st is None:
                continue
            try:
                domain.check_year_built(year, domain.Status(st), run.today)
            except ValueError:
                run.err(
                    n,
                    run.label("year_built"),
                    f"建成年份 {year} 在未来，但状态为「{st}」（现房、使用状态的房屋必须已建成）",
                )
                return False
    return ok


def _given_building_attrs(run: ImportRun, n: int, raw: BuildingCells) -> dict[str, Any] | None:
    """The building's attributes the row gives, parsed; None (and the error recorded) when one is bad."""
    given: dict[str, Any] = {}
    b_use, b_struct, b_above, b_below, b_year, b_status, _ = raw
    try:
        for f, v, parse in (
            ("building_use", b_use, domain.parse_use),
            ("structure", b_struct, domain.parse_structure),
            ("building_status", b_status, domain.parse_status),
        ):
            if v:
                given[f] = cells.memo(parse, run.label(f), columns.SPEC[f].label)(v)
        for f, v, lo, hi in (
            ("floors_above", b_above, 1, 200),
            ("floors_below", b_below, 0, 20),
            ("year_built", b_year, domain.YEAR_MIN, run.today.year + 10),
        ):
            if v:
                given[f] = cells.integer(v, run.label(f), lo, hi)
    except Bad as e:
        run.err(n, e.field, e.reason)
        return None
    return given
