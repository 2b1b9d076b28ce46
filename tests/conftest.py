"""Test databases: every test gets its own, on SQLite and (when configured) on PostgreSQL.

``ANJU_TEST_POSTGRES_URL`` (e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``) enables the
PostgreSQL leg; ``.ci/run`` always sets it. Templates are built once per session and copied per test
(a file copy on SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL), so tests are isolated and fast.
"""

from __future__ import annotations

import os
import queue
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from anju.core import migrate
from anju.core.db import make_engine
from anju.core.settings import Settings

PG_URL = os.environ.get("ANJU_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if PG_URL else [])
#: A fixed "today" for the small synthetic city used by tests, so figures are reproducible.
TEST_TODAY = date(2026, 6, 30)
TEST_SCALE = 0.001
TEST_SEED = 7
#: Fixed keys for tests only (never used outside the test suite).
TEST_DATA_KEYS = "1:000102030405060708090a0b0c0d0e0f"
TEST_INDEX_KEY = "f0e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff"
TEST_PASSWORD = "Test-Passw0rd!"


def test_settings(url: str, data_dir: Path, **over: object) -> Settings:
    """Settings of a test app: fixed keys, cheap argon2, generous rate limits (a test lowers them)."""
    values: dict[str, object] = {
        "database_url": url,
        "data_dir": data_dir,
        "environment": "test",
        "data_keys": TEST_DATA_KEYS,
        "index_key": TEST_INDEX_KEY,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8192,
        "argon2_parallelism": 1,
        "rate_limit_login": "10000/minute",
        "rate_limit_public": "100000/minute",
        "session_cache_seconds": 0,  # tests change sessions behind the app's back; test_security turns it on
        "ledger_signing_key": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    }
    values.update(over)
    return Settings(**values)  # type: ignore[arg-type]


def _pg_admin() -> Engine:
    return create_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")


def _pg_url(db: str) -> str:
    """A test database's URL. Its sessions commit without waiting for the WAL's flush to disk
    (``synchronous_commit = off``: a crash may lose the last commits, never consistency) — the tests'
    databases are thrown away, and most of a test's time on PostgreSQL was its commits' flushes."""
    url = make_url(PG_URL).set(drivername="postgresql+psycopg", database=db)
    return url.update_query_dict({"options": "-c synchronous_commit=off"}).render_as_string(hide_password=False)


class DbFactory:
    """Per-test databases copied from templates built once per session (and per xdist worker).

    On PostgreSQL a copy is ``CREATE DATABASE … TEMPLATE … STRATEGY = FILE_COPY`` (from 15 on): the
    default ``WAL_LOG`` strategy writes every page of the template to the WAL and measured 90–440 ms
    per copy of the 23 MB city here, ``FILE_COPY`` 65–80 ms. Dropping a test's database is handed to
    a background thread, so the next test does not wait for it (``close`` waits for them all). From the
    second copy of a kind on, the next copy of that kind is made ahead in the background while the test
    runs, so a test takes a database already made instead of waiting for the copy.
    """

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.templates: dict[str, str] = {}
        self.created: list[str] = []
        self._lock = threading.Lock()
        self._drops: queue.Queue[str | None] = queue.Queue()
        self._dropper: threading.Thread | None = None
        self._strategy: str | None = None
        #: PostgreSQL: kind → the copy being made for the next test of that kind (see ``fresh_url``)
        self._next: dict[str, Future[str]] = {}
        self._asked: dict[str, int] = {}
        self._pool: ThreadPoolExecutor | None = None

    def _build(self, kind: str, url: str) -> None:
        engine = make_engine(url)
        migrate.upgrade(engine)
        if kind in ("city", "people", "market"):
            from anju.security import keyring_from_settings
            from anju.synth import generate, generate_people

            generate(engine, TEST_SCALE, TEST_SEED, batch=2000, today=TEST_TODAY)
            if kind in ("people", "market"):
                # owners, assisted homes and the assistance history (≈0.6 s), with the tests' keys
                keyring = keyring_from_settings(test_settings(url, self.tmp))
                generate_people(engine, keyring, TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY, batch=2000)
            if kind == "market":
                # the market history from 2016-01 with its ground truth (``market_truth``)
                from anju.synth import generate_market

                generate_market(
                    engine, keyring, TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY, batch=2000,
                    truth_dir=self.market_truth,
                )  # fmt: skip
            from tests.accounts import seed_accounts

            seed_accounts(engine, test_settings(url, self.tmp))
        engine.dispose()  # closing the last connection checkpoints SQLite's WAL into the file we copy

    def _extend(self, kind: str, url: str) -> None:
        """Complete a copy of the market template as the ``estates`` template: the credit files and the
        estate management of issue 22 on top of the market history (the accounts are the copy's)."""
        assert kind == "estates"
        from anju.security import keyring_from_settings
        from anju.synth import generate_credit, generate_estates

        engine = make_engine(url)
        keyring = keyring_from_settings(test_settings(url, self.tmp))
        generate_credit(engine, keyring, TEST_SEED, today=TEST_TODAY)
        generate_estates(engine, keyring, TEST_SEED, scale=TEST_SCALE, today=TEST_TODAY)
        engine.dispose()

    @property
    def market_truth(self) -> Path:
        """The ground truth (``index.csv``, ``coefficients.json``) of the ``market`` template's history."""
        return self.tmp / "market-truth"

    def template(self, kind: str) -> str:
        if kind not in self.templates:
            # the estates template starts as a copy of the market template (the market history is the
            # same), so the city, its people and the market are generated once per worker, not twice
            base = self.template("market") if kind == "estates" else None
            if self.backend == "sqlite":
                path = self.tmp / f"tpl_{kind}.db"
                if base is not None:
                    shutil.copyfile(base, path)
                    self._extend(kind, f"sqlite:///{path}")
                else:
                    self._build(kind, f"sqlite:///{path}")
                self.templates[kind] = str(path)
            else:
                name = f"anju_tpl_{kind}_{os.getpid()}"
                admin = _pg_admin()
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                    c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{base}"' if base else "")))
                admin.dispose()
                if base is not None:
                    self._extend(kind, _pg_url(name))
                else:
                    self._build(kind, _pg_url(name))
                self.templates[kind] = name
                self.created.append(name)
        return self.templates[kind]

    def fresh_url(self, kind: str) -> str:
        tpl = self.template(kind)
        if self.backend == "sqlite":
            path = self.tmp / f"t_{uuid.uuid4().hex}.db"
            shutil.copyfile(tpl, path)
            return f"sqlite:///{path}"
        made = self._next.pop(kind, None)
        name = made.result() if made is not None else self._copy(tpl)
        self._asked[kind] = self._asked.get(kind, 0) + 1
        if self._asked[kind] >= 2:
            # a kind asked for more than once will be asked for again: its next copy is made now, in the
            # background, while this test runs (a copy waits on PostgreSQL's disk: a checkpoint and the
            # files' flush; measured 0.1–0.9 s under the suite's load, which the test no longer waits for)
            self._next[kind] = self._copier().submit(self._copy, tpl)
        return _pg_url(name)

    def _copier(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-db-copier")
        return self._pool

    def _copy(self, tpl: str) -> str:
        name = f"anju_t_{uuid.uuid4().hex[:16]}"
        with self._lock:
            self.created.append(name)  # before it exists: ``close`` drops it even if the copy fails late
        admin = _pg_admin()
        with admin.connect() as c:
            if self._strategy is None:
                version = int(c.execute(text("SHOW server_version_num")).scalar_one())
                self._strategy = "STRATEGY = FILE_COPY" if version >= 150000 else ""
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tpl}" {self._strategy}'))
        admin.dispose()
        return name

    def drop(self, url: str) -> None:
        """Drop a test's database (PostgreSQL: in the background; SQLite files go with the tmp dir)."""
        if self.backend == "postgres":
            name = make_url(url).database
            assert name is not None
            if self._dropper is None:
                self._dropper = threading.Thread(target=self._drop_loop, name="test-db-dropper", daemon=True)
                self._dropper.start()
            self._drops.put(name)

    def _drop_loop(self) -> None:
        admin = _pg_admin()
        try:
            while (name := self._drops.get()) is not None:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                with self._lock:
                    if name in self.created:
                        self.created.remove(name)
        finally:
            admin.dispose()

    def close(self) -> None:
        if self._pool is not None:  # the copies made ahead and never used are dropped below
            self._pool.shutdown(wait=True)
        if self._dropper is not None:
            self._drops.put(None)
            self._dropper.join()
        if not self.created:  # nothing left to drop (and no PostgreSQL when the run has none)
            return
        admin = _pg_admin()
        for name in list(self.created):
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class DbFactories(Protocol):
    """The ``db_factories`` fixture: the session's database factory of a backend (made on first use)."""

    def __call__(self, backend: str) -> DbFactory: ...


@pytest.fixture(scope="session")
def db_factories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DbFactories]:
    """One factory (and one set of templates) per backend for the session, shared by the tests that are
    parametrised by backend and by those that use every backend at once (the fuzzer)."""
    made: dict[str, DbFactory] = {}

    def get(backend: str) -> DbFactory:
        if backend not in made:
            made[backend] = DbFactory(backend, tmp_path_factory.mktemp(f"db_{backend}"))
        return made[backend]

    yield get
    for f in made.values():
        f.close()


@pytest.fixture(scope="session")
def db_factory(backend: str, db_factories: DbFactories) -> DbFactory:
    return db_factories(backend)


def _engine_fixture(db_factory: DbFactory, kind: str) -> Iterator[Engine]:
    url = db_factory.fresh_url(kind)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    db_factory.drop(url)


@pytest.fixture
def empty_engine(db_factory: DbFactory) -> Iterator[Engine]:
    """A migrated database with nothing in it."""
    yield from _engine_fixture(db_factory, "empty")


@pytest.fixture
def city_engine(db_factory: DbFactory) -> Iterator[Engine]:
    """A migrated database holding a tiny synthetic Nanjing (scale 0.001, seed 7)."""
    yield from _engine_fixture(db_factory, "city")


@pytest.fixture
def sqlite_city_engine(db_factories: DbFactories) -> Iterator[Engine]:
    """The tiny synthetic Nanjing on SQLite, whichever backend the run parametrises: for a test whose
    subject never touches the database's dialect (it reads the register once, then compares two
    engines outside the database), so that it runs once instead of once per backend."""
    yield from _engine_fixture(db_factories("sqlite"), "city")


@pytest.fixture
def people_engine(db_factory: DbFactory) -> Iterator[Engine]:
    """The tiny synthetic Nanjing with its owners and housing-assistance history (``synth.generate_people``)."""
    yield from _engine_fixture(db_factory, "people")


@pytest.fixture
def estates_engine(db_factory: DbFactory) -> Iterator[Engine]:
    """The market template plus credit files and the synthetic estate management (issue 22): companies,
    projects, committees, votes, maintenance-fund accounts with their history (``synth.generate_estates``)."""
    yield from _engine_fixture(db_factory, "estates")


class SettingsFor(Protocol):
    """The ``settings_for`` fixture: settings of a test app over ``engine``, with ``over`` overriding fields."""

    def __call__(self, engine: Engine, **over: object) -> Settings: ...


@pytest.fixture
def settings_for(tmp_path: Path) -> SettingsFor:
    def make(engine: Engine, **over: object) -> Settings:
        return test_settings(engine.url.render_as_string(hide_password=False), tmp_path, **over)

    return make


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The app served on a loopback port (``base_url``) over ``engine``."""

    def __init__(self, base_url: str, engine: Engine) -> None:
        self.base_url = base_url
        self.engine = engine

    def token(self, username: str = "city") -> str:
        from tests.accounts import api_token

        return api_token(self.engine, username)

    def client(self, username: str | None = "city", prefix: str = "", **kw: Any) -> httpx.Client:
        """An HTTP client signed in (bearer token) as one of the seeded accounts; None: anonymous.
        ``kw`` goes to :class:`httpx.Client` as is."""
        headers = {"authorization": f"Bearer {self.token(username)}"} if username else {}
        return httpx.Client(base_url=self.base_url + prefix, headers=headers, timeout=60, **kw)


@contextmanager
def serving(app: Any, engine: Engine) -> Iterator[LiveServer]:
    """Serve ``app`` with uvicorn on a loopback port (a thread of this process) while the block runs."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started:
        if time.time() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine)
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.engine.dispose()


@pytest.fixture
def live_server(city_engine: Engine, settings_for: SettingsFor) -> Iterator[LiveServer]:
    """The real app served by uvicorn on a loopback port, over the tiny synthetic city."""
    from anju.app import create_app

    with serving(create_app(settings_for(city_engine)), city_engine) as server:
        yield server
