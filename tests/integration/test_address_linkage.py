"""Linking department records to register homes: outcomes, bad input, CLI, and DuckDB = Spark."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text

from anju.addresses import linkage, linking
from anju.addresses.parser import parse
from anju.addresses.tables import address_candidates, address_link_jobs, address_records
from anju.cli import main
from anju.core.errors import ValidationError
from anju.security import Caller
from tests.integration.test_security_cli import env


def _homes(engine: Engine, where: str = "1=1", limit: int = 400) -> list[tuple[str, str, str | None, str]]:
    with engine.connect() as c:
        return [
            tuple(r)
            for r in c.execute(
                text(
                    "SELECT house_code, address, unit_no, building_id FROM homes "
                    f"WHERE status IN ({', '.join(repr(v) for v in linkage.LINKABLE)}) AND {where} ORDER BY id LIMIT :n"
                ),
                {"n": limit},
            )
        ]


def _records(rows: list[tuple[str, str]]) -> list[linking.InputRecord]:
    return [linking.InputRecord(i + 2, rid, addr) for i, (rid, addr) in enumerate(rows)]


def _run(engine: Engine, rows: list[tuple[str, str]], **kw: object) -> linking.JobReport:
    return linking.run_link_job(
        engine,
        _records(rows),
        source="police",
        filename="t.csv",
        caller=Caller.system("test"),
        **kw,  # type: ignore[arg-type]
    )


def test_only_homes_that_exist_can_be_linked():
    assert "拆除" not in linkage.LINKABLE and "规划" not in linkage.LINKABLE and "注销" not in linkage.LINKABLE
    assert "使用" in linkage.LINKABLE and "现房" in linkage.LINKABLE


def test_register_addresses_link_to_their_own_home(city_engine):
    homes = _homes(city_engine)
    rows = [(f"R{i}", addr.replace("南京市", "")) for i, (_c, addr, _u, _b) in enumerate(homes)]
    report = _run(city_engine, rows, store=False)
    assert report.linked == len(homes)
    for (code, *_), r in zip(homes, report.results, strict=True):
        assert r.status == "linked"
        assert r.house_code == code
        assert r.score is not None and r.score >= 0.99
        # the explanation names every comparison with its level
        assert set(r.candidates[0].explanation) == {
            "estate",
            "road_door",
            "district",
            "street",
            "building",
            "unit",
            "room",
        }
        assert r.candidates[0].explanation["room"]["level"] == "房号相同"


def test_missing_unit_of_a_two_unit_building_goes_to_review_with_both_candidates(city_engine):
    homes = _homes(city_engine, "unit_no = '2'", 5)
    assert homes, "the test city has two-unit buildings"
    code, addr, _unit, _b = homes[0]
    ambiguous = addr.replace("2单元", "")
    report = _run(city_engine, [("A1", ambiguous)], store=False)
    r = report.results[0]
    assert r.status == "review", r.reason
    assert r.reason.startswith("close_candidates")
    codes = [c.house_code for c in r.candidates]
    assert code in codes and len(codes) >= 2


def test_a_room_that_does_not_exist_is_not_linked(city_engine):
    _code, addr, _u, _b = _homes(city_engine, "1=1", 1)[0]
    p = parse(addr)
    assert p.room
    fake = addr.replace(f"{p.room}室", "9901室")
    report = _run(city_engine, [("N1", fake)], store=False)
    assert report.results[0].status == "unlinked"
    assert report.results[0].house_code is None


def test_bad_records_get_a_reason_and_never_fail_the_batch(city_engine):
    good = _homes(city_engine, "1=1", 3)
    rows = [
        ("E1", ""),
        ("E2", "   "),
        ("E3", "hello world"),
        ("E4", "南京" * 600),
        ("E5", "\x00\x01\x02"),
        ("E6", "南京\ufffd\ufffd路"),
        *[(f"G{i}", addr) for i, (_c, addr, _u, _b) in enumerate(good)],
    ]
    report = _run(city_engine, rows)
    by_id = {r.record_id: r for r in report.results}
    assert by_id["E1"].reason.startswith("invalid: empty")
    assert by_id["E2"].reason.startswith("invalid: empty")
    assert by_id["E3"].reason.startswith("invalid: no_chinese")
    assert by_id["E4"].reason.startswith("invalid: too_long")
    assert by_id["E5"].reason.startswith("invalid: control")
    assert by_id["E6"].reason.startswith("invalid: encoding")
    assert all(by_id[f"E{i}"].status == "unlinked" for i in range(1, 7))
    assert [by_id[f"G{i}"].status for i in range(3)] == ["linked"] * 3
    assert report.errors == 6
    with city_engine.connect() as c:
        job = c.execute(select(address_link_jobs)).mappings().one()
        assert (job["records_total"], job["linked"], job["unlinked"], job["errors"]) == (9, 3, 6, 6)
        assert c.execute(select(func.count()).select_from(address_records)).scalar_one() == 9
        # NUL cannot be kept in PostgreSQL text: written as a visible escape on both databases
        e5 = c.execute(select(address_records.c.address).where(address_records.c.record_id == "E5")).scalar_one()
        assert e5 == "\\x00\x01\x02"
        audit = c.execute(text("SELECT action, entity_id FROM audit_log WHERE action = 'address.link'")).all()
        assert [tuple(a) for a in audit] == [("address.link", str(report.job_id))]


def test_review_records_keep_their_candidates(city_engine):
    code, addr, _u, _b = _homes(city_engine, "unit_no = '2'", 1)[0]
    report = _run(city_engine, [("A1", addr.replace("2单元", ""))])
    with city_engine.connect() as c:
        rec = c.execute(select(address_records).where(address_records.c.record_id == "A1")).mappings().one()
        assert rec["status"] == "review"
        assert rec["street_code"] == code[:9]
        cands = c.execute(
            select(address_candidates.c.house_code, address_candidates.c.explanation)
            .where(address_candidates.c.record_pk == rec["id"])
            .order_by(address_candidates.c.rank)
        ).all()
    assert code in [h for h, _e in cands]
    assert json.loads(cands[0][1])["unit"]["level"] == "缺失"
    assert report.review == 1


def test_input_file_encodings_and_headers():
    utf8 = "record_id,address\nP1,南京市玄武区中山路1号\n".encode()
    assert [r.address for r in linking.read_records(utf8)] == ["南京市玄武区中山路1号"]
    bom = b"\xef\xbb\xbf" + utf8
    assert linking.read_records(bom)[0].record_id == "P1"
    gbk = "record_id,address\nP1,南京市玄武区中山路1号\n".encode("gbk")
    assert linking.read_records(gbk)[0].address == "南京市玄武区中山路1号"
    with pytest.raises(ValidationError) as e:
        linking.read_records(b"id,addr\n1,x\n")
    assert e.value.errors[0].field == "input"
    with pytest.raises(ValidationError):
        linking.read_records(b"\xff\xfe\x00\x00\x81")
    dup = linking.read_records(b"record_id,address\nP1,a\nP1,b\n,c\n")
    assert dup[1].error is not None and "重复" in dup[1].error
    assert dup[2].error is not None and dup[2].record_id == "row-4"


def test_cli_link_writes_the_links_file(city_engine, tmp_path):
    homes = _homes(city_engine, "1=1", 20)
    src = tmp_path / "police.csv"
    with src.open("w", encoding="gbk", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "address"])
        for i, (_c, addr, _u, _b) in enumerate(homes):
            w.writerow([f"P{i}", addr])
        w.writerow(["BAD", "   "])
    out = tmp_path / "links.csv"
    r = CliRunner().invoke(
        main, ["address", "link", "--input", str(src), "--out", str(out)], env=env(city_engine, tmp_path)
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["records"] == 21 and summary["linked"] == 20 and summary["unlinked"] == 1
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["record_id", "house_code", "score", "status"]
    assert [x["house_code"] for x in rows[:20]] == [c for c, *_ in homes]
    assert rows[20] == {"record_id": "BAD", "house_code": "", "score": "", "status": "unlinked"}


def test_cli_parse_prints_components(tmp_path):
    r = CliRunner().invoke(main, ["address", "parse", "南京市玄武区中山路12号金陵花园十二栋2单元502室"])
    assert r.exit_code == 0
    d = json.loads(r.stdout)
    assert (d["district_code"], d["road"], d["door"], d["building"], d["unit"], d["room"]) == (
        "320102",
        "中山路",
        "12",
        "12",
        "2",
        "502",
    )
    assert d["canonical"] == "江苏省南京市玄武区中山路12号金陵花园12幢2单元502室"
    bad = CliRunner().invoke(main, ["address", "parse", "   "])
    assert bad.exit_code == 1 and json.loads(bad.stdout)["error"].startswith("empty")


def _varied(homes: list[tuple[str, str, str | None, str]]) -> list[tuple[str, str]]:
    """Records with the kinds of variation that move scores: dropped levels, shorthand, typos."""
    rows = []
    for i, (_code, addr, unit, _b) in enumerate(homes):
        p = parse(addr)
        v = i % 6
        if v == 0:
            a = addr
        elif v == 1:
            a = f"{p.estate}{p.building}-{p.unit}-{p.room}" if unit else f"{p.district}{p.estate}{p.building}-{p.room}"
        elif v == 2:
            a = addr.replace("南京市", "").replace(f"{p.road}{p.door}号", "")
        elif v == 3:
            a = addr.replace(f"{p.room}室", "9901室")  # no such home
        elif v == 4:
            a = addr.replace("单元", "").replace(f"{p.unit}{p.room}", f"{p.room}") if unit else addr
        else:
            a = f"{p.road}{p.door}号{p.building}栋{p.room}"
        rows.append((f"V{i}", a))
    return rows


def _key(o: linkage.Outcome) -> tuple[str, str | None, float | None]:
    return (o.status, o.best.house_code if o.best else None, round(o.best.match_weight, 6) if o.best else None)


def test_spark_and_duckdb_produce_the_same_links(sqlite_city_engine):
    """The same job on Splink's Spark backend (local mode) and on DuckDB: identical outcomes. The
    register is read once from the database; the comparison is between the two linkage engines, so
    the test runs once (on SQLite), not once per database backend (a Spark start costs ~30 s)."""
    city_engine = sqlite_city_engine
    homes = _homes(city_engine, "1=1", 240)
    rows = _varied(homes)
    parsed = [parse(a) for _r, a in rows]
    records = linkage.records_table(parsed)
    with city_engine.connect() as c:
        register = linkage.register_table(c)
    duck = linkage.link(records, register, linkage.DuckDBBackend())
    spark_backend = linkage.SparkBackend(partitions=2)
    try:
        spark = linkage.link(records, register, spark_backend)
    finally:
        spark_backend.spark.stop()
    assert duck.pairs_scored == spark.pairs_scored > 0
    d = [
        (o.status, o.best.house_code if o.best else None, round(o.best.match_weight, 6) if o.best else None)
        for o in duck.outcomes
    ]
    s = [
        (o.status, o.best.house_code if o.best else None, round(o.best.match_weight, 6) if o.best else None)
        for o in spark.outcomes
    ]
    assert d == s
    statuses = {o.status for o in duck.outcomes}
    assert statuses == {"linked", "review", "unlinked"}, "the sample exercises all three outcomes"


def test_stored_records_keep_no_phone_number_or_contact_name(city_engine):
    _code, addr, _u, _b = _homes(city_engine, "1=1", 1)[0]
    noisy = f"{addr}（张先生） 13912345678 电话：０２５－８３３３４４４４"
    report = _run(city_engine, [("P1", noisy)])
    assert report.results[0].status == "linked"
    with city_engine.connect() as c:
        stored, comps = c.execute(
            select(address_records.c.address, address_records.c.components).where(address_records.c.record_id == "P1")
        ).one()
    assert "13912345678" not in stored and "139****5678" in stored
    assert "83334444" not in stored and "4444" in stored
    assert "张先生" not in comps and "13912345678" not in comps
    assert "bracket_removed: （已省略）" in json.loads(comps)["notes"]


def test_the_demo_fills_the_review_queue_from_synthetic_police_records(city_engine):
    job = linking.demo_link_job(city_engine, n=300, seed=3)
    assert job.records == 300 and job.job_id is not None
    assert job.linked + job.review + job.unlinked == 300
    assert job.linked > 250  # most synthetic records have a home and are identifiable
    with city_engine.connect() as c:
        stored = c.execute(
            select(func.count()).select_from(address_records).where(address_records.c.job_id == job.job_id)
        )
        assert stored.scalar_one() == 300


def test_training_reestimates_u_from_the_register_and_m_from_labels(city_engine):
    homes = _homes(city_engine, "1=1", 300)
    truth = {f"T{i}": code for i, (code, *_r) in enumerate(homes)}
    records = _records([(f"T{i}", addr.replace("南京市", "")) for i, (_c, addr, _u, _b) in enumerate(homes)])
    before = linkage.load_model()
    model, labelled = linking.train_model(city_engine, records, truth=truth, max_pairs=2e5)
    assert labelled == 300
    room_before = {lv["label"]: lv for lv in before["comparisons"]["room"]}
    room_after = {lv["label"]: lv for lv in model["comparisons"]["room"]}
    # clean records agree with their home on the room every time: m of "same room" goes to ~1
    assert room_after["房号相同"]["m"] > 0.99
    # u is what random record × home pairs show in this register, not the shipped value
    assert room_after["房号相同"]["u"] != room_before["房号相同"]["u"]
    for levels in model["comparisons"].values():
        non_null = [lv for lv in levels if not lv.get("null")]
        assert abs(sum(lv["m"] for lv in non_null) - 1) < 1e-9
        assert abs(sum(lv["u"] for lv in non_null) - 1) < 1e-9
    assert model["description"].startswith("Trained")
