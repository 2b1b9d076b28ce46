"""The feed mechanism's review fixes: keys stored as keyed hashes (no identity number in clear),
replays that race a discard or another replay, copies of a refused record, the registry's batch
state, unreadable API lines and dead letters, the validity count's base, and rows without a key."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, select, update
from stdnum.cn import ric

from anju.assistance.department_feeds import HUKOU
from anju.cli import main
from anju.core.db import UnitOfWork
from anju.core.errors import Conflict
from anju.core.settings import Settings
from anju.exchange import (
    BatchContext,
    discard,
    feeding,
    get_dead_letter,
    json_array,
    list_dead_letters,
    load_feed,
    read_bytes,
    read_records,
    rehash_feed_keys,
    replay,
    stored_key,
)
from anju.exchange import dead_letters as dl
from anju.exchange.http.api_feeds import _parse_body
from anju.exchange.tables import feed_batches, feed_dead_letters, feed_keys, feed_quality
from anju.registry.feeds.definitions import REGISTRATIONS
from anju.registry.feeds.owners import RegistrationWriter
from anju.security import Caller, keyring_from_settings
from anju.security.tables import audit_log
from tests.conftest import TEST_DATA_KEYS, TEST_INDEX_KEY, SettingsFor
from tests.exchange_builders import PEOPLE, create_people_table, people_rows, person

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
CALLER = Caller.system("test")


def _valid(body: str) -> str:
    return body[:17] + ric.calc_check_digit(body[:17] + "0")


@pytest.fixture
def env(empty_engine: Engine, settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch) -> tuple[Engine, Settings]:
    create_people_table(empty_engine)
    monkeypatch.setattr(feeding, "feeds", lambda: [PEOPLE])
    return empty_engine, settings_for(empty_engine, exchange_feed_chunk=3)


def people(engine: Engine) -> list[tuple[str, str, int]]:
    with engine.connect() as c:
        t = people_rows.c
        return [tuple(r) for r in c.execute(select(t.person_no, t.name, t.version).order_by(t.id))]


def letter_ids(engine: Engine, settings: Settings, batch_id: int) -> list[int]:
    kr = keyring_from_settings(settings)
    with engine.connect() as c:
        return [d["id"] for d in list_dead_letters(c, kr, batch_id=batch_id, offset=0, limit=50).items]


def test_no_feed_key_or_other_row_of_the_mechanism_holds_an_identity_number(
    city_engine: Engine, settings_for: SettingsFor
) -> None:
    settings = settings_for(city_engine)
    idn, other = _valid("320102198506060024"), _valid("320102198607070031")

    def hukou(n: str, as_of: str = "2026-10-31") -> dict[str, object]:
        return {"id_number": n, "name": "张三", "division_code": "320102", "registered_since": "2010-05-01",
                "status": "在册", "as_of": as_of}  # fmt: skip

    batch = [hukou(idn), hukou(other, as_of="2026-12-30")]  # the second: as-of after today → refused
    r = load_feed(city_engine, settings, HUKOU, batch, caller=CALLER, now=NOW)
    assert (r.accepted, r.rejected) == (1, 1)
    kr = keyring_from_settings(settings)
    with city_engine.connect() as c:
        (key,) = c.execute(select(feed_keys.c.key)).scalars()
        assert key == stored_key(kr, "assistance.hukou", idn) and idn not in key
        for t in (feed_keys, feed_batches, feed_quality, feed_dead_letters, audit_log):
            text = " ".join(str(tuple(row)) for row in c.execute(select(t)))
            assert idn not in text and other not in text, t.name
    again = load_feed(city_engine, settings, HUKOU, [hukou(idn)], caller=CALLER, now=NOW)
    assert (again.accepted, again.duplicate) == (0, 1)  # looked up by the same hash


def test_keys_stored_in_clear_before_are_rehashed_once(env) -> None:
    engine, settings = env
    kr = keyring_from_settings(settings)
    assert load_feed(engine, settings, PEOPLE, [person("P1"), person("p1")], caller=CALLER).accepted == 2
    with engine.begin() as c:  # as an older version stored them
        c.execute(update(feed_keys).where(feed_keys.c.key == stored_key(kr, "test.people", "P1")).values(key="P1"))
        c.execute(update(feed_keys).where(feed_keys.c.key == stored_key(kr, "test.people", "p1")).values(key="p1"))
    cli_env = {
        "ANJU_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ANJU_DATA_DIR": str(settings.data_dir),
        "ANJU_DATA_KEYS": TEST_DATA_KEYS,
        "ANJU_INDEX_KEY": TEST_INDEX_KEY,
    }
    res = CliRunner().invoke(main, ["exchange", "rehash-feed-keys"], env=cli_env)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1]) == {"rehashed": 2}
    assert rehash_feed_keys(engine, kr, CALLER) == 0  # once only
    again = load_feed(engine, settings, PEOPLE, [person("P1"), person("p1")], caller=CALLER)
    assert (again.accepted, again.duplicate) == (0, 2)  # and two keys differing by case stay two


def test_a_letter_discarded_between_the_replays_read_and_its_batch_is_not_applied(
    env, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, settings = env
    first = load_feed(engine, settings, PEOPLE, [person("P1", version=0)], caller=CALLER)
    (lid,) = letter_ids(engine, settings, first.batch_id)
    real = feeding.load_feed

    def racing(*a: Any, **k: Any) -> Any:
        discard(UnitOfWork(engine, group_commit=False), CALLER, lid, "部门已撤回")
        return real(*a, **k)

    monkeypatch.setattr(dl, "load_feed", racing)
    with pytest.raises(Conflict):
        replay(engine, settings, CALLER, letter_ids=[lid], fixes={lid: {"version": "1"}})
    assert people(engine) == []
    with engine.connect() as c:
        got = get_dead_letter(c, keyring_from_settings(settings), lid)
    assert (got["status"], got["replay_batch_id"], got["note"]) == ("discarded", None, "部门已撤回")


def test_two_replays_of_one_letter_apply_it_once(env, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, settings = env
    first = load_feed(engine, settings, PEOPLE, [person("P1", version=0)], caller=CALLER)
    (lid,) = letter_ids(engine, settings, first.batch_id)
    real = feeding.load_feed
    inner: list[int] = []

    def racing(*a: Any, **k: Any) -> Any:
        if not inner:
            inner.append(0)
            inner[0] = replay(engine, settings, CALLER, letter_ids=[lid], fixes={lid: {"version": "1"}}).batch.batch_id
        return real(*a, **k)

    monkeypatch.setattr(dl, "load_feed", racing)
    with pytest.raises(Conflict):
        replay(engine, settings, CALLER, letter_ids=[lid], fixes={lid: {"version": "1"}})
    assert people(engine) == [("P1", "张三", 1)]
    with engine.connect() as c:
        got = get_dead_letter(c, keyring_from_settings(settings), lid)
        statuses = [s for (s,) in c.execute(select(feed_batches.c.status).where(feed_batches.c.channel == "replay"))]
    assert (got["status"], got["replay_batch_id"]) == ("replayed", inner[0])
    assert sorted(statuses) == ["done", "failed"]


def test_a_copy_of_a_refused_record_is_refused_alike_not_a_duplicate(env) -> None:
    engine, settings = env
    r = load_feed(
        engine, settings, PEOPLE, [person("P1", name="拒绝"), person("P1", name="拒绝"), person("P2"), person("P2")],
        caller=CALLER,
    )  # fmt: skip
    assert (r.accepted, r.rejected, r.duplicate) == (1, 2, 1)
    assert [(x.seq, x.reason) for x in r.rejections] == [(1, "姓名：业务规则拒绝"), (2, "姓名：业务规则拒绝")]
    ids = letter_ids(engine, settings, r.batch_id)
    assert len(ids) == 2
    # replayed as they are, both are refused again: neither letter is marked replayed
    again = replay(engine, settings, CALLER, letter_ids=ids)
    assert (again.replayed, again.still_open, again.batch.duplicate) == (0, 2, 0)
    with engine.connect() as c:
        assert {s for (s,) in c.execute(select(feed_dead_letters.c.status))} == {"open"}
    assert people(engine) == [("P2", "张三", 1)]


def test_a_failed_registry_batch_leaves_no_state_behind(
    city_engine: Engine, settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(city_engine)

    def boom(self: RegistrationWriter, good: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(RegistrationWriter, "chunk", boom)
    record = {"record_id": "R1", "kind": "首次登记", "certificate_no": "C1", "house_code": "X",
              "registered_on": "2026-01-05", "owners": [{"owner_id": _valid("320102198506060024"),
                                                         "owner_name": "张三"}]}  # fmt: skip
    with pytest.raises(RuntimeError):
        load_feed(city_engine, settings, REGISTRATIONS, [record], caller=CALLER, now=NOW)
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, BatchContext)]


def test_a_bad_ndjson_line_delivered_through_the_api_keeps_its_reason(env) -> None:
    engine, settings = env
    body = (json.dumps(person("P1"), ensure_ascii=False) + "\n{oops\n").encode()
    body += json.dumps(person("P2", name="张\u2028三"), ensure_ascii=False).encode()  # U+2028 inside a string
    items = list(json_array(_parse_body(body, "application/x-ndjson"), PEOPLE))
    assert len(items) == 3 and str(items[1]["_error"]).startswith("第 2 行不是有效的 JSON")
    r = load_feed(engine, settings, PEOPLE, items, caller=CALLER, channel="api")
    assert (r.accepted, r.rejected) == (2, 1) and r.rejections[0].reason.startswith("第 2 行不是有效的 JSON")


def test_an_unreadable_line_can_be_replayed_with_its_fields_given(env, tmp_path) -> None:
    engine, settings = env
    jl = tmp_path / "people.jsonl"
    jl.write_text("{oops\n", encoding="utf-8")
    first = load_feed(engine, settings, PEOPLE, read_records(jl, PEOPLE), caller=CALLER)
    (lid,) = letter_ids(engine, settings, first.batch_id)
    given = {k: str(v) for k, v in person("P1").items()} | {"_error": "", "_line": "9", "unknown": "x"}
    r = replay(engine, settings, CALLER, letter_ids=[lid], fixes={lid: given})
    assert (r.replayed, r.still_open) == (1, 0)
    assert people(engine) == [("P1", "张三", 1)]


def test_rows_without_their_key_are_never_merged_into_one_record() -> None:
    head = "业务号,登记类型,不动产权证号,房屋代码,登记日期,证件号码,权利人名称\n"
    rows = ",首次登记,C1,H1,2026-01-05,A,甲\n,首次登记,C2,H2,2026-01-05,B,乙\nR3,首次登记,C3,H3,2026-01-05,C,丙\n"
    rows += "R3,首次登记,C3,H3,2026-01-05,D,丁\n"
    got = list(read_bytes((head + rows).encode(), "r.csv", REGISTRATIONS))
    assert [len(r["owners"]) if isinstance(r["owners"], list) else 0 for r in got] == [1, 1, 2]
