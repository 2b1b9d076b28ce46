"""The independent noise model (``anju.addresses.noisy_gov``) on a small register given as rows."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from anju.addresses import noisy_gov, parse
from anju.addresses.noisy_gov import GovHome
from anju.addresses.parser import estate_key

COLUMNS = [
    "house_code",
    "district_code",
    "district_name",
    "street_name",
    "estate_name",
    "road",
    "door_no",
    "building_no",
    "building_house_code",
    "floors_above",
    "unit_no",
    "floor_label",
    "room_no",
    "status",
]


def _homes() -> list[GovHome]:
    out = []
    estates = [
        ("320106", "鼓楼区", "宁海路街道", "清凉府二期", "宏运街", "73"),
        ("320104", "秦淮区", "夫子庙街道", "金陵花园", "中华路", "12"),
        ("320102", "玄武区", "新街口街道", "翠屏佳园", "中山路", "5"),
    ]
    for e, (dc, dn, sn, name, road, door) in enumerate(estates):
        for b in range(1, 4):
            for u in ("1", "2") if b < 3 else ("",):  # building 3 has one unit
                for f in range(1, 7):
                    for r in ("01", "02"):
                        code = f"{dc}{e}{b}{u}{f:02d}{r}"
                        out.append(
                            GovHome(code, dc, dn, sn, name, road, door, str(b), f"B{e}{b}", u, str(f), f"{f}{r}", 6)
                        )
    return out


def test_the_records_are_deterministic_and_a_share_has_no_home() -> None:
    homes = _homes()
    a = list(noisy_gov.generate(homes, 2000, seed=7))
    b = list(noisy_gov.generate(homes, 2000, seed=7))
    assert a == b
    assert a != list(noisy_gov.generate(homes, 2000, seed=8))
    no_home = [r for r in a if r.house_code is None]
    assert 0.08 < len(no_home) / len(a) < 0.14
    assert all(v.startswith("no_home:") for r in no_home for v in r.variations[:1])


def test_a_no_home_record_names_no_home_of_the_register() -> None:
    homes = _homes()
    keys = {(estate_key(h.estate), h.building, h.unit or "1", h.room) for h in homes}
    names = {estate_key(h.estate) or "" for h in homes}
    for r in noisy_gov.generate(homes, 1500, seed=3):
        if r.house_code is not None or r.variations[0] == "no_home:other_city":
            continue
        p = parse(r.address)
        assert p.ok, (r.address, p.error)
        written = estate_key(p.estate) or ""
        # the estate it names (a name may be written shortened), or an invented one
        estate = next((n for n in names if written and n.startswith(written)), written)
        assert (estate, p.building, p.unit or "1", p.room) not in keys, r.address


def test_every_listed_variation_is_drawn() -> None:
    seen = Counter(v for r in noisy_gov.generate(_homes(), 4000, seed=1) for v in r.variations)
    listed = {v for slot in (noisy_gov.REGION, noisy_gov.DISTRICT, noisy_gov.ROAD, noisy_gov.ESTATE) for v, _ in slot}
    listed |= {
        v for slot in (noisy_gov.BUILDING, noisy_gov.UNIT_ROOM, noisy_gov.TEXT, noisy_gov.NO_HOME) for v, _ in slot
    }
    assert listed - {""} - set(seen) == set()


def test_read_export_skips_demolished_homes(tmp_path: Path) -> None:
    path = tmp_path / "homes.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        w.writerow(
            ["H1", "320106", "鼓楼区", "宁海路街道", "清凉府", "宏运街", "73", "1", "B1", "6", "1", "1", "101", "使用"]
        )
        w.writerow(
            ["H2", "320106", "鼓楼区", "宁海路街道", "清凉府", "宏运街", "73", "1", "B1", "6", "1", "1", "102", "拆除"]
        )
    homes = noisy_gov.read_export(path)
    assert [h.house_code for h in homes] == ["H1"]
    with pytest.raises(ValueError, match="no homes"):
        next(noisy_gov.generate([], 1))
