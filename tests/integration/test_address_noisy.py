"""Synthetic noisy police addresses (`anju.addresses.noisy`): determinism, ground truth, variations,
identifiability against the register, no-home records, CSV files and the CLI."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypinyin import lazy_pinyin
from sqlalchemy import Engine, select, update

from anju.addresses import estate_key, parse
from anju.addresses.gazetteer import gazetteer
from anju.addresses.noisy import EXCLUDED_STATUSES, NoisyRecord, generate, write_csv
from anju.addresses.noisy_variations import RATES, cn_digits, cn_integer, typo_names
from anju.addresses.parser import ParsedAddress
from anju.cli import main
from anju.registry import buildings, estates, homes

N = 2000
NO_HOME_KINDS = ("no_home:room", "no_home:building", "no_home:estate")
TYPOS = {"estate_homophone", "estate_similar_char"}


def records(engine: Engine, n: int = N, seed: int = 1, no_home_share: float = 0.05) -> list[NoisyRecord]:
    with engine.connect() as conn:
        return list(generate(conn, n, seed, no_home_share=no_home_share))


@dataclass
class Home:
    house_code: str
    estate_id: int
    building_no: str
    unit_no: str | None
    room_no: str
    status: str


class Register:
    """The tiny test city held in memory, to resolve parsed components to homes independently."""

    def __init__(self, engine: Engine) -> None:
        with engine.connect() as c:
            self.estates = {r.id: r for r in c.execute(select(estates))}
            self.buildings = {r.id: r for r in c.execute(select(buildings))}
            hs = c.execute(
                select(homes.c.house_code, homes.c.building_id, homes.c.unit_no, homes.c.room_no, homes.c.status)
            )
            self.homes = {
                r.house_code: Home(
                    r.house_code,
                    self.buildings[r.building_id].estate_id,
                    self.buildings[r.building_id].building_no,
                    r.unit_no,
                    r.room_no,
                    r.status,
                )
                for r in hs
            }
        self.zones = gazetteer().zones

    def estate_ids(self, p: ParsedAddress, use_name: bool = True) -> set[int]:
        """Estates consistent with the parsed district/zone, road and door, and estate name."""
        out = set()
        for e in self.estates.values():
            if p.district_code and e.district_code != p.district_code:
                continue
            if not p.district_code and p.zone and e.district_code not in self.zones[p.zone]:
                continue
            if p.road and (p.road, p.door) != (e.road, e.door_no):
                continue
            if use_name and p.estate and estate_key(p.estate) != estate_key(e.name):
                continue
            out.add(e.id)
        return out

    def matching(self, p: ParsedAddress, use_name: bool = True) -> set[str]:
        """House codes of the homes a parsed address names (any unit where it names none; a building
        of one unit has no unit number in the register, and its unit may be written 1单元)."""
        ids = self.estate_ids(p, use_name)
        return {
            h.house_code
            for h in self.homes.values()
            if h.estate_id in ids
            and h.building_no == p.building
            and h.room_no == p.room
            and (p.unit is None or h.unit_no == p.unit or (h.unit_no is None and p.unit == "1"))  # 1单元 of one
        }


@pytest.fixture
def register(city_engine: Engine) -> Register:
    return Register(city_engine)


def test_the_same_seed_gives_the_same_records_and_a_shorter_run_is_a_prefix(city_engine):
    a = records(city_engine, 600, seed=5)
    assert a == records(city_engine, 600, seed=5)
    assert records(city_engine, 150, seed=5) == a[:150]
    other = records(city_engine, 600, seed=6)
    assert sum(x.address != y.address for x, y in zip(a, other, strict=True)) > 500
    assert [r.record_id for r in a[:3]] == ["P00000001", "P00000002", "P00000003"]
    assert len({r.record_id for r in a}) == 600


def test_records_with_a_home_name_an_existing_home_of_the_register(city_engine, register):
    rs = records(city_engine)
    with_home = [r for r in rs if r.house_code is not None]
    assert len(with_home) > 0.9 * N
    for r in with_home:
        home = register.homes[r.house_code]
        assert home.status not in EXCLUDED_STATUSES
        assert not set(r.variations) & set(NO_HOME_KINDS)
    # sampled across the register, not a handful of homes
    assert len({r.house_code for r in with_home}) > 0.7 * len(with_home)
    eligible = {h.estate_id for h in register.homes.values() if h.status not in EXCLUDED_STATUSES}
    assert {register.homes[r.house_code].estate_id for r in with_home} == eligible


def test_each_variation_occurs_and_most_records_get_one_to_three(city_engine):
    rs = records(city_engine)
    seen = Counter(v for r in rs for v in r.variations)
    expected = set(RATES) | set(NO_HOME_KINDS) | {"underspecified"}
    assert expected - set(seen) == set()
    assert 0.004 < seen["underspecified"] / N < 0.02  # ≈1 % of the records with a home
    no_home = sum(r.house_code is None for r in rs)
    assert 0.03 < no_home / N < 0.07
    counts = Counter(min(len([v for v in r.variations if not v.startswith("no_home")]), 4) for r in rs)
    assert (counts[1] + counts[2] + counts[3]) / N > 0.65
    assert counts[0] / N < 0.25


def test_no_home_share_is_a_parameter(city_engine):
    assert all(r.house_code is not None for r in records(city_engine, 500, no_home_share=0.0))
    rs = records(city_engine, 500, no_home_share=1.0)
    assert sum(r.house_code is None for r in rs) > 450  # a candidate the register has is written as a home


def test_building_and_room_parse_back_to_the_truth(city_engine, register):
    """The records keep building and room: the parser reads them back for ≥ 99 % of them."""
    rs = [r for r in records(city_engine) if r.house_code and "underspecified" not in r.variations]
    failures = []
    for r in rs:
        h = register.homes[r.house_code]
        p = parse(r.address)
        if (p.building, p.room) != (h.building_no, h.room_no):
            failures.append((r.address, p.building, p.room, h.building_no, h.room_no, r.variations))
    assert len(failures) <= 0.01 * len(rs), failures[:20]


def test_a_record_with_a_home_names_that_home_alone(city_engine, register):
    """Identifiability: parsed and resolved against the register, a record names exactly its home.

    Records with a misspelt estate are resolved without the name (district, road and door must then
    suffice, or the name differs from the true one by one character and names no other estate)."""
    rs = [r for r in records(city_engine) if r.house_code and "underspecified" not in r.variations]
    keys = {estate_key(e.name) for e in register.estates.values()}
    failures: list[tuple[object, ...]] = []
    for r in rs:
        p = parse(r.address)
        if set(r.variations) & TYPOS:
            # the written name is one character off the true one and names no estate of the register
            true_key = estate_key(register.estates[register.homes[r.house_code].estate_id].name) or ""
            written = estate_key(p.estate) or ""
            if (
                len(written) != len(true_key)
                or sum(a != b for a, b in zip(written, true_key, strict=False)) != 1
                or written in keys
            ):
                failures.append((r.address, r.variations, "typo", written, true_key))
                continue
            p.estate = true_key  # with the true name, the address names the home alone
        if register.matching(p) != {r.house_code}:
            failures.append((r.address, r.variations, register.matching(p)))
    assert len(failures) <= 0.01 * len(rs), failures[:20]


def test_no_home_records_name_no_home_of_the_register(city_engine, register):
    rs = [r for r in records(city_engine, 1500, seed=3, no_home_share=0.3) if r.house_code is None]
    assert len(rs) > 300
    kinds = Counter(next(v for v in r.variations if v in NO_HOME_KINDS) for r in rs)
    assert set(kinds) == set(NO_HOME_KINDS)
    unparsed = []
    for r in rs:
        p = parse(r.address)
        if p.building is None or p.room is None:
            unparsed.append(r.address)
            continue
        assert register.matching(p) == set(), r
        kind = next(v for v in r.variations if v in NO_HOME_KINDS)
        if kind == "no_home:estate":
            # no estate of that name in the district, and no estate at that road and door either
            assert p.estate is not None
            assert not [
                e
                for e in register.estates.values()
                if e.district_code == p.district_code and estate_key(e.name) == estate_key(p.estate)
            ], r
            assert p.road is None or register.estate_ids(p, use_name=False) == set(), r
        else:
            # a real estate (named alone by what is written) ...
            (eid,) = register.estate_ids(p)
            blds = [b for b in register.buildings.values() if b.estate_id == eid and b.building_no == p.building]
            if kind == "no_home:building":
                assert blds == [], r  # ... without that building
            else:
                assert len(blds) == 1, r  # ... whose building has no such room
                assert not [
                    h
                    for h in register.homes.values()
                    if h.estate_id == eid and h.building_no == p.building and h.room_no == p.room
                ], r
    assert len(unparsed) <= 0.02 * len(rs), unparsed


def test_estates_that_share_a_name_in_a_district_keep_their_road(city_engine):
    """Two estates of one name in a district: their records never leave out the road and door."""
    with city_engine.begin() as c:
        rows = c.execute(select(estates.c.id, estates.c.name, estates.c.district_code).order_by(estates.c.id)).all()
        by_district: dict[str, list[tuple[int, str]]] = {}
        for r in rows:
            by_district.setdefault(r.district_code, []).append((r.id, r.name))
        (a, a_name), (b, _) = next(v for v in by_district.values() if len(v) >= 2)[:2]
        c.execute(update(estates).where(estates.c.id == b).values(name=a_name))
        codes = dict(c.execute(select(homes.c.house_code, homes.c.estate_id)).all())
    rs = [r for r in records(city_engine, 3000) if r.house_code and "underspecified" not in r.variations]
    twins = [r for r in rs if codes[r.house_code] in (a, b)]
    assert len(twins) > 50
    assert [r for r in twins if "drop_road" in r.variations] == []
    assert any("drop_district" in r.variations or "drop_estate" in r.variations for r in twins)
    assert any("drop_road" in r.variations for r in rs if codes[r.house_code] not in (a, b))


def test_estates_that_share_name_road_and_door_are_underspecified_even_in_full(city_engine):
    with city_engine.begin() as c:
        rows = c.execute(select(estates).order_by(estates.c.id)).all()
        first, twin = next(
            (x, y) for i, x in enumerate(rows) for y in rows[i + 1 :] if x.district_code == y.district_code
        )
        c.execute(
            update(estates)
            .where(estates.c.id == twin.id)
            .values(name=first.name, road=first.road, door_no=first.door_no)
        )
        codes = dict(c.execute(select(homes.c.house_code, homes.c.estate_id)).all())
    twins = [r for r in records(city_engine, 3000) if r.house_code and codes[r.house_code] in (first.id, twin.id)]
    assert twins
    assert all({"underspecified", "ambiguous_in_register"} <= set(r.variations) for r in twins)


def test_write_csv_round_trips(city_engine, tmp_path: Path):
    rs = records(city_engine, 300, seed=2)
    out, truth = tmp_path / "police.csv", tmp_path / "truth.csv"
    assert write_csv(iter(rs), out, truth) == 300
    with out.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["record_id", "address"]
        assert [(row["record_id"], row["address"]) for row in reader] == [(r.record_id, r.address) for r in rs]
    with truth.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["record_id", "house_code", "variations"]
        back = [
            NoisyRecord(
                row["record_id"],
                r.address,
                row["house_code"] or None,
                tuple(filter(None, row["variations"].split("|"))),
            )
            for row, r in zip(reader, rs, strict=True)
        ]
    assert back == rs
    assert write_csv([], tmp_path / "empty.csv") == 0
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").splitlines() == ["record_id,address"]


def test_cli_writes_the_files_and_prints_a_summary(city_engine, tmp_path: Path):
    out, truth = tmp_path / "p.csv", tmp_path / "t.csv"
    env = {"ANJU_DATABASE_URL": city_engine.url.render_as_string(hide_password=False), "ANJU_DATA_DIR": str(tmp_path)}
    args = ["address", "noisy", "--n", "250", "--seed", "4", "--out", str(out), "--truth", str(truth)]
    res = CliRunner().invoke(main, [*args, "--no-home-share", "0.1"], env=env)
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    with truth.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert summary["count"] == len(rows) == 250
    assert summary["no_home"] == sum(not row["house_code"] for row in rows) > 0
    assert summary["variations"] == dict(Counter(v for row in rows for v in row["variations"].split("|") if v))
    assert [r.address for r in records(city_engine, 250, seed=4, no_home_share=0.1)] == [
        row["address"] for row in csv.DictReader(out.open(encoding="utf-8", newline=""))
    ]
    bad = CliRunner().invoke(main, [*args, "--no-home-share", "1.5"], env=env)
    assert bad.exit_code == 2


def test_an_empty_register_is_an_error(empty_engine):
    with empty_engine.connect() as conn, pytest.raises(ValueError, match="no homes"):
        list(generate(conn, 10))
    with empty_engine.connect() as conn:
        assert list(generate(conn, 0)) == []


def test_chinese_numerals():
    assert [cn_integer(n) for n in (0, 3, 10, 12, 20, 105, 110, 502, 1010, 1203, 2000)] == [
        "零", "三", "十", "十二", "二十", "一百零五", "一百一十", "五百零二", "一千零一十", "一千二百零三", "二千",
    ]  # fmt: skip
    assert cn_digits("502") == "五〇二"
    assert cn_digits("1203", "零") == "一二零三"
    for n in (7, 12, 502, 1203, 3001):  # the parser reads them back
        assert parse(f"金陵花园{cn_integer(n)}幢{cn_digits(str(n))}室").building == str(n)


def test_typos_replace_one_character_by_a_homophone_or_look_alike():
    homophones = typo_names("长江花园五期", similar=False)
    assert "常江花园五期" in homophones  # 长 read cháng in 长江
    assert "樟江花园五期" not in homophones  # not zhǎng
    for t in homophones:
        diff = [(a, b) for a, b in zip(t, "长江花园五期", strict=True) if a != b]
        assert len(diff) == 1
        assert lazy_pinyin(diff[0][0]) == lazy_pinyin(diff[0][1]) or diff[0][1] == "长"
        assert "期" in t and "五" in t  # structural words and numerals stay
    assert "凤凰宛" in typo_names("凤凰苑", similar=True)
    assert typo_names("凤凰苑", similar=True, taken={"凤凰宛"}) == ("风凰苑", "凤皇苑")
