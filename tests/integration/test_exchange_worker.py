"""A large batch's records checked and hashed in a worker process (anju.exchange.prepare,
``exchange_feed_workers``): the same outcome as in the loading process, chunk for chunk."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from anju.core.settings import Settings
from anju.exchange import feeding, load_feed
from anju.exchange.files import ERROR
from anju.exchange.prepare import chunks, prepared_chunks
from anju.exchange.tables import feed_dead_letters, feed_quality
from anju.security import Caller, keyring_from_settings
from tests.conftest import SettingsFor
from tests.exchange_builders import PEOPLE, create_people_table, person

CALLER = Caller.system("test")


def batch() -> list[dict[str, object]]:
    out: list[dict[str, object]] = [person(f"P{i:02d}", version=2) for i in range(12)]
    out[4] = person("P04", id_number="110105194912310021")  # bad check digit
    out[7] = {"person_no": "P07", "version": "x"}  # two fields missing, one invalid
    out[9] = {ERROR: "第 10 行：列数不对"}  # a line the reader could not read
    out.append(person("P01", version=2))  # the same key and content later in the batch: a duplicate
    out.append(person("P02", version=1, name="李四"))  # older than P02's version 2: stale
    return out


def test_a_worker_prepares_the_same_chunks_as_the_loading_process(tmp_path: Path) -> None:
    kr = keyring_from_settings(Settings(database_url="sqlite://", data_dir=tmp_path))
    here = list(prepared_chunks(chunks(batch(), 2), PEOPLE, kr, 0, 0))
    there = list(prepared_chunks(chunks(batch(), 2), PEOPLE, kr, 1, 4))  # the worker from the 3rd chunk
    assert len(here) == 7 and here == there
    assert sum(len(p.hashes) for _c, p in there) == 11  # every checked record hashed
    bad_id = there[2][1].outs[0]  # the bad ID's rejection (3rd chunk) came back from the worker as is
    assert isinstance(bad_id, list) and [(x.seq, x.field) for x in bad_id] == [(5, "id_number")]


@pytest.mark.parametrize("workers", [0, 1])
def test_a_batch_larger_than_two_chunks_is_the_same_with_or_without_the_worker(
    empty_engine: Engine, settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    create_people_table(empty_engine)
    monkeypatch.setattr(feeding, "feeds", lambda: [PEOPLE])
    settings = settings_for(
        empty_engine, exchange_feed_chunk=2, exchange_feed_workers=workers, exchange_feed_worker_from=4
    )
    r = load_feed(empty_engine, settings, PEOPLE, batch(), caller=CALLER)
    assert (r.status, r.received, r.accepted, r.rejected, r.duplicate) == ("done", 14, 9, 4, 1)
    assert [(x.seq, x.field) for x in r.rejections] == [
        (5, "id_number"), (8, "id_number"), (8, "name"), (8, "version"), (10, None), (14, "version"),
    ]  # fmt: skip
    with empty_engine.connect() as c:
        dead = c.execute(select(feed_dead_letters.c.seq).order_by(feed_dead_letters.c.seq)).scalars().all()
        quality = {
            q.field: (q.present, q.missing, q.invalid)
            for q in c.execute(select(feed_quality).where(feed_quality.c.batch_id == r.batch_id))
        }
    assert dead == [5, 8, 10, 14]
    # invalid: of the values present (a missing required value counts as missing only)
    assert quality["id_number"] == (12, 1, 1) and quality["name"] == (12, 1, 0) and quality["version"] == (13, 0, 1)
