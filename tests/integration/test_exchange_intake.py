"""Receiving a feed's batch (anju.exchange.load_feed): checks, idempotent re-delivery, order, the
dead-letter list, replay and discard, quality and timeliness, and the whole batch as one transaction."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from anju.core.db import UnitOfWork
from anju.core.errors import Conflict
from anju.core.settings import Settings
from anju.exchange import (
    discard,
    feed_metrics,
    feeding,
    get_batch,
    get_dead_letter,
    list_dead_letters,
    load_feed,
    quality_trend,
    read_records,
    replay,
)
from anju.exchange.tables import feed_batches, feed_dead_letters, feed_keys, feed_quality
from anju.security import Caller, keyring_from_settings
from tests.conftest import SettingsFor
from tests.exchange_builders import CALLS, PEOPLE, create_people_table, people_rows, person

NOW = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
CALLER = Caller.system("test")


@pytest.fixture
def env(empty_engine: Engine, settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, Settings]:
    create_people_table(empty_engine)
    monkeypatch.setattr(feeding, "feeds", lambda: [PEOPLE])
    return empty_engine, settings_for(empty_engine, exchange_feed_chunk=3)


def rows(engine: Engine) -> list[tuple[str, str, int]]:
    with engine.connect() as c:
        return [
            tuple(r)
            for r in c.execute(
                select(people_rows.c.person_no, people_rows.c.name, people_rows.c.version).order_by(people_rows.c.id)
            )
        ]


def count(engine: Engine, table) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def test_good_records_are_applied_and_bad_ones_dead_lettered_alone(env) -> None:
    engine, settings = env
    batch: list[dict[str, object]] = [
        person("P1"),
        person("P2", id_number="110105194912310021"),  # bad check digit
        person("P3", name="拒绝"),  # the handler refuses it
        {"person_no": "P4", "version": "x"},  # two fields missing, one invalid
        person("P5", as_of="2026-02-28"),
    ]
    r = load_feed(engine, settings, PEOPLE, batch, caller=CALLER, channel="api", now=NOW)
    assert (r.status, r.received, r.accepted, r.rejected, r.duplicate) == ("done", 5, 2, 3, 0)
    assert rows(engine) == [("P1", "张三", 1), ("P5", "张三", 1)]
    assert [(x.seq, x.field) for x in r.rejections] == [
        (2, "id_number"), (3, "name"), (4, "id_number"), (4, "name"), (4, "version"),
    ]  # fmt: skip
    assert count(engine, feed_keys) == 2
    kr = keyring_from_settings(settings)
    with engine.connect() as c:
        stored = c.execute(select(feed_dead_letters).order_by(feed_dead_letters.c.seq)).all()
        assert [(d.seq, d.status) for d in stored] == [(2, "open"), (3, "open"), (4, "open")]
        assert "110105194912310021" not in stored[0].record and "张三" not in stored[0].record  # personal: encrypted
        letters = list_dead_letters(c, kr, batch_id=r.batch_id, offset=0, limit=10)
        assert letters.total == 3
        shown = {x["name"]: x["value"] for x in letters.items[0]["fields"]}
        assert shown["id_number"] == "1101**********0021" and shown["name"] != "张三"
        assert letters.items[0]["rejections"] == [
            {"field": "id_number", "reason": "身份证号：居民身份证号码校验位不正确"}
        ]
        quality = {q.field: (q.present, q.missing, q.invalid) for q in c.execute(select(feed_quality))}
        assert quality["name"] == (4, 1, 0) and quality["version"] == (5, 0, 1) and quality["as_of"] == (1, 4, 0)
        assert quality["id_number"] == (4, 1, 1)  # invalid counts the values present only (P4's is missing)
        b = get_batch(c, r.batch_id)
        assert (b["channel"], b["lag_seconds"]) == ("api", 34 * 3600)  # 2026-02-28 00:00 → 2026-03-01 10:00
        m = feed_metrics(c)[0]
        assert (m["received"], m["accepted"], m["rejected"], m["open_dead_letters"]) == (5, 2, 3, 3)
        trend = quality_trend(c, "test.people", 7, NOW.date())
        assert [(t["received"], t["completeness"]) for t in trend] == [(5, round(19 / 25, 4))]


def test_redelivery_is_idempotent_and_old_versions_are_stale(env) -> None:
    engine, settings = env
    load_feed(engine, settings, PEOPLE, [person("P1", 2), person("P2")], caller=CALLER)
    again = load_feed(
        engine, settings, PEOPLE, [person("P1", 2), person("P2"), person("P1", 1, name="李四")], caller=CALLER
    )
    assert (again.accepted, again.duplicate, again.rejected) == (0, 2, 1)
    assert again.rejections[0].reason == "版本：早于已接收的同一记录（过时）"
    assert rows(engine) == [("P1", "张三", 2), ("P2", "张三", 1)]


def test_records_of_one_key_are_applied_in_version_order_within_a_batch(env) -> None:
    engine, settings = env
    r = load_feed(engine, settings, PEOPLE, [person("P1", 3, name="王五"), person("P1", 2, name="李四")], caller=CALLER)
    assert (r.accepted, r.rejected) == (2, 0)
    assert rows(engine) == [("P1", "李四", 2), ("P1", "王五", 3)]
    # a later chunk's older version is stale (chunk = 3 records)
    r = load_feed(engine, settings, PEOPLE, [person("P9"), person("P8"), person("P7"), person("P1", 1)], caller=CALLER)
    assert (r.accepted, r.rejected) == (3, 1)


def test_a_failing_handler_applies_nothing_and_records_a_failed_batch(env) -> None:
    engine, settings = env
    CALLS.clear()
    bad = replace(PEOPLE, handler="tests.exchange_builders:handle_people_then_fail")
    with pytest.raises(RuntimeError):
        load_feed(engine, settings, bad, [person(f"P{i}") for i in range(7)], caller=CALLER)
    assert CALLS == [3, 3]
    assert rows(engine) == [] and count(engine, feed_keys) == 0 and count(engine, feed_dead_letters) == 0
    with engine.connect() as c:
        assert [(b.status, b.error) for b in c.execute(select(feed_batches))] == [("failed", "处理失败：RuntimeError")]


def test_a_fixed_dead_letter_replays_and_a_still_bad_one_shows_new_reasons(env) -> None:
    engine, settings = env
    first = load_feed(
        engine, settings, PEOPLE,
        [person("P1", id_number="110105194912310021"), person("P2", version=0), person("P3", name="拒绝")],
        caller=CALLER,
    )  # fmt: skip
    kr = keyring_from_settings(settings)
    with engine.connect() as c:
        ids = [d["id"] for d in list_dead_letters(c, kr, batch_id=first.batch_id, offset=0, limit=10).items]
    fixed = replay(
        engine, settings, CALLER, letter_ids=ids[:2],
        fixes={ids[0]: {"id_number": "11010519491231002X"}, ids[1]: {"version": "abc"}},
    )  # fmt: skip
    assert (fixed.replayed, fixed.still_open) == (1, 1)
    assert rows(engine) == [("P1", "张三", 1)]
    with engine.connect() as c:
        one, two = get_dead_letter(c, kr, ids[0]), get_dead_letter(c, kr, ids[1])
        assert (one["status"], one["replay_batch_id"]) == ("replayed", fixed.batch.batch_id)
        assert two["status"] == "open" and two["rejections"] == [{"field": "version", "reason": "版本：应为整数"}]
        assert get_batch(c, fixed.batch.batch_id)["channel"] == "replay"
    # the cause is fixed elsewhere: a bulk replay of the batch's open dead letters
    monkey = replay(
        engine, settings, CALLER, batch_id=first.batch_id, fixes={ids[1]: {"version": "2"}, ids[2]: {"name": "赵六"}}
    )
    assert (monkey.replayed, monkey.still_open) == (2, 0)
    with pytest.raises(Conflict):
        replay(engine, settings, CALLER, batch_id=first.batch_id)


def test_a_dead_letter_can_be_discarded_once_with_a_reason(env) -> None:
    engine, settings = env
    r = load_feed(engine, settings, PEOPLE, [person("P1", version=0)], caller=CALLER)
    kr = keyring_from_settings(settings)
    with engine.connect() as c:
        (letter,) = list_dead_letters(c, kr, batch_id=r.batch_id, offset=0, limit=10).items
    uow = UnitOfWork(engine, group_commit=False)
    discard(uow, CALLER, letter["id"], "部门已撤回该记录")
    with pytest.raises(Conflict):
        discard(uow, CALLER, letter["id"], "再次")
    with engine.connect() as c:
        got = get_dead_letter(c, kr, letter["id"])
    assert (got["status"], got["note"]) == ("discarded", "部门已撤回该记录")


def test_files_are_read_with_chinese_or_field_name_headers(env, tmp_path: Path) -> None:
    engine, settings = env
    csv = tmp_path / "people.csv"
    csv.write_text(
        "\ufeff人员编号,身份证号,姓名,版本\nP1,11010519491231002X,张三,1\n\nP2,11010519491231002X,李四,1\n",
        encoding="utf-8",
    )
    jl = tmp_path / "people.jsonl"
    jl.write_text(json.dumps(person("P3"), ensure_ascii=False) + "\n[1]\n{oops\n", encoding="utf-8")
    a = load_feed(engine, settings, PEOPLE, read_records(csv, PEOPLE), caller=CALLER, filename=csv.name)
    b = load_feed(engine, settings, PEOPLE, read_records(jl, PEOPLE), caller=CALLER, filename=jl.name)
    assert (a.accepted, a.rejected, b.accepted, b.rejected) == (2, 0, 1, 2)
    assert [x.reason for x in b.rejections] == [
        "每条记录应为一个 JSON 对象",
        "第 3 行不是有效的 JSON：Expecting property name enclosed in double quotes",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text("人员编号,姓名\nP1,张三\n", encoding="utf-8")
    c = load_feed(engine, settings, PEOPLE, read_records(bad, PEOPLE), caller=CALLER, filename=bad.name)
    assert (c.status, c.error) == ("failed", "表头缺少必填字段：身份证号、版本")
    assert rows(engine)[-1] == ("P3", "张三", 1) and len(rows(engine)) == 3
