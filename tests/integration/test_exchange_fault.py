"""The outbox's fault test (issue 19, "Scale and faults"): a deliverer in its own process is killed
(SIGKILL) while a round of webhooks is in flight, then started again. The consumer (a threaded HTTP
server honouring the idempotency key) ends with every event applied exactly once, in order per key;
its raw requests show the redelivery that at-least-once implies. Both databases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from anju import exchange
from anju.exchange import subscribers
from anju.exchange.tables import exchange_deliveries
from anju.security import keyring_from_settings
from tests.conftest import TEST_DATA_KEYS, TEST_INDEX_KEY
from tests.exchange_support import consumer_server

ROOT = Path(__file__).resolve().parents[2]
TOPIC = "credit.event_recorded"


def _deliverer(engine: Engine, data_dir: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "ANJU_ENVIRONMENT": "test",
        "ANJU_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ANJU_DATA_DIR": str(data_dir),
        "ANJU_DATA_KEYS": TEST_DATA_KEYS,
        "ANJU_INDEX_KEY": TEST_INDEX_KEY,
        "ANJU_EXCHANGE_CLAIM_SECONDS": "5",
        "ANJU_EXCHANGE_POLL_SECONDS": "0.1",
        "ANJU_EXCHANGE_DELIVERY_BATCH": "40",
        "ANJU_EXCHANGE_DELIVERY_CONCURRENCY": "8",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "anju", "exchange", "deliver", "--quiet", *extra],
        env=env,
        cwd=data_dir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_a_deliverer_killed_mid_delivery_loses_nothing_and_the_consumer_applies_each_event_once(
    empty_engine: Engine, settings_for: Any, tmp_path: Path
) -> None:
    kr = keyring_from_settings(settings_for(empty_engine))
    with consumer_server() as c:
        cmd = subscribers.SubscriberIn("公安居住登记", "市公安局", "webhook", c.url, "", "", (TOPIC,), False)
        with empty_engine.begin() as conn:
            _, c.secret = subscribers.create_subscriber(conn, kr, cmd)
        keys = [f"lease:{i % 23}" for i in range(400)]
        with empty_engine.begin() as conn:
            ids = exchange.emit_many(conn, [exchange.OutEvent(TOPIC, k, {"n": i}) for i, k in enumerate(keys)])
        c.hold_at = 150  # the 151st request waits: its round cannot be settled
        first = _deliverer(empty_engine, tmp_path)
        try:
            assert c.held.wait(120), first.stderr.read().decode() if first.stderr else "no output"
            first.send_signal(signal.SIGKILL)
            assert first.wait(30) == -signal.SIGKILL
        finally:
            c.release.set()
            if first.poll() is None:
                first.kill()
        # the killed deliverer's round is claimed but not settled
        with empty_engine.connect() as conn:
            d = exchange_deliveries
            claimed = conn.execute(
                select(func.count()).select_from(d).where(d.c.state == "pending", d.c.claimed_until.is_not(None))
            ).scalar_one()
        assert claimed > 0
        second = _deliverer(empty_engine, tmp_path, "--once")
        _, err = second.communicate(timeout=300)
        assert second.returncode == 0, err.decode()

    applied = [int(e["id"]) for e in c.applied]
    assert sorted(applied) == sorted(ids)  # no gap
    assert len(applied) == len(set(applied))  # no duplicate applied
    for k, got in c.by_key().items():  # per-key order
        assert got == [i for i, kk in zip(ids, keys, strict=True) if kk == k]
    raw = Counter(e for e, _ in c.raw)
    redelivered = [e for e, n in raw.items() if n > 1]
    assert redelivered, "the killed round should have been sent again (at least once)"
    assert sum(raw.values()) == len(ids) + len(redelivered)
    with empty_engine.connect() as conn:
        states: dict[str, int] = {
            s: int(n) for s, n in conn.execute(select(d.c.state, func.count()).group_by(d.c.state))
        }
    assert states == {"delivered": 400}
