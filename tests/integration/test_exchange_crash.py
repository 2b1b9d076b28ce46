"""A feed batch killed mid-way (SIGKILL) leaves nothing behind, and its re-delivery applies once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select

from anju.exchange import load_feed
from anju.exchange.tables import feed_batches, feed_dead_letters, feed_keys
from anju.security import Caller
from tests.conftest import SettingsFor
from tests.exchange_builders import PEOPLE, create_people_table, people_rows, person

ROOT = Path(__file__).resolve().parents[2]
RECORDS = [person(f"P{i}") for i in range(10)] + [person("BAD", version=0)]

CHILD = """
import sys
from dataclasses import replace
from pathlib import Path
from anju.core.db import make_engine
from anju.exchange import load_feed
from anju.security import Caller
from tests.conftest import test_settings
from tests.exchange_builders import PEOPLE, person
slow = replace(PEOPLE, handler="tests.exchange_builders:handle_people_slowly")
settings = test_settings(sys.argv[1], Path(sys.argv[2]), exchange_feed_chunk=4)
records = [person(f"P{i}") for i in range(10)] + [person("BAD", version=0)]
load_feed(make_engine(sys.argv[1]), settings, slow, records, caller=Caller.system("test"))
"""


def counts(engine: Engine) -> tuple[int, int, int, int]:
    with engine.connect() as c:
        return tuple(  # type: ignore[return-value]
            int(c.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (feed_batches, feed_keys, feed_dead_letters, people_rows)
        )


def test_a_batch_killed_mid_way_leaves_nothing_and_redelivery_applies_once(
    empty_engine: Engine, settings_for: SettingsFor, tmp_path: Path
) -> None:
    create_people_table(empty_engine)
    url = empty_engine.url.render_as_string(hide_password=False)
    flag = tmp_path / "mid-batch"
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "ANJU_TEST_SIGNAL": str(flag)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(tmp_path)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert child.poll() is None, "the loading process ended before the middle of its batch"
            assert time.monotonic() < deadline, "the loading process never reached the middle of its batch"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    # the first chunk's rows were written in the batch's transaction, which never committed
    assert counts(empty_engine) == (0, 0, 0, 0)

    settings = settings_for(empty_engine, exchange_feed_chunk=4)
    r = load_feed(empty_engine, settings, PEOPLE, RECORDS, caller=Caller.system("test"))
    assert (r.accepted, r.rejected) == (10, 1)
    assert counts(empty_engine) == (1, 10, 1, 10)
    again = load_feed(empty_engine, settings, PEOPLE, RECORDS, caller=Caller.system("test"))
    assert (again.accepted, again.duplicate, again.rejected) == (0, 10, 1)
    assert counts(empty_engine)[1:] == (10, 2, 10)
