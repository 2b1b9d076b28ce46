"""API fuzzing: schemathesis generates requests from the OpenAPI description, operation by operation.

Every operation of ``/api/v1`` (and the map's ``/tiles/…`` route) is called with a bounded number of
generated requests (valid and invalid) against the app over the tiny synthetic city, each request on
every test database in turn (generated once: generating is a large part of the fuzzer's time).
Schemathesis makes one test per operation. A write operation gets a fresh copy of the city per backend.
A read-only one (``GET``) runs on one copy per backend that this worker's read-only operations share
(``SharedDb``; but those in ``OWN_DATABASE``): after every request, ``shared_violation`` checks that it
wrote nothing but audit rows (and the sign-in's touch of its session) and read neither the audit log
nor other sessions, so it reads exactly the template's data whatever ran before it — its result does
not depend on the order of the tests, and a failing operation fails the same way when run alone
(``-k safety/plans``). An operation that breaks this rule fails, naming the statement. Every
operation still gets, per backend, the state of an app of its own made by ``create_app`` (engine, unit
of work, settings, rate limiter, caches), which one described app serves its requests with (``serve``):
FastAPI builds a route's context on the first request per app, and describing the app built them all.
Each request is signed in as an account whose role holds the operation's permission (the
administrator for account management, the auditor for the audit, the verified citizen for the
applicant's housing-assistance routes, the city officer for everything else), so the fuzzer
reaches the route rather than the 403 of the policy. No response may be a 5xx, and every response
must have a documented status code and content type and match the documented schema.

The generated JSON bodies are also given lone surrogates (U+D800–U+DFFF, which have no UTF-8
encoding): about two thirds of an operation's bodies get them before every string value, or also in
every key and as a new key of every object. Hypothesis' own text never holds one, and a route that
echoed one answered 500 (the address parser did). Only JSON can carry one over HTTP: the client
percent-encodes query, path and form values as UTF-8, and the server decodes those with replacement
characters.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import hypothesis
import pytest
import schemathesis
from fastapi.exceptions import RequestValidationError
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.python.asgi import get_client
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine, event

from anju.app import create_app
from anju.security import check_policies
from tests import conftest
from tests.accounts import api_token, api_tokens

#: Generated requests per operation (plus schemathesis' explicit and coverage cases); raise it locally
#: for a deeper run, e.g. ANJU_TEST_FUZZ_EXAMPLES=300.
MAX_EXAMPLES = int(os.environ.get("ANJU_TEST_FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: The seeded account each operation is called as: one whose role holds the route's permission.
#: Permissions the city officer does not hold, and the account that reaches those routes instead (the
#: applicant's routes need a verified citizen: their own applications, the consents asked of them).
CALLER_FOR = {
    "accounts.manage": "admin", "audit.read": "auditor", "assistance.apply": "citizen", "credit.own": "citizen",
}  # fmt: skip


def _described_app() -> Any:
    """The app as described, without a database (building the description touches none)."""
    with tempfile.TemporaryDirectory() as tmp:
        return create_app(conftest.test_settings("sqlite://", Path(tmp)), migrate_schema=False)


_APP = _described_app()
#: The described app's own state (put back after the fuzzer: ``serve`` lends the app other states).
_STATE = _APP.state
POLICIES = check_policies(_APP)
_CONFIG = schemathesis.Config()
# A method a path does not declare is answered by the router before any route runs: one request per
# path and method in ``test_every_undeclared_method_is_refused_without_a_server_error`` checks it,
# instead of the coverage phase sending every unexpected method again for each operation.
_CONFIG.projects.default.phases.coverage.unexpected_methods = set()
schema = schemathesis.openapi.from_dict(_APP.openapi(), config=_CONFIG)

#: Lone surrogates, high and low, alone, doubled (two highs are no pair) and among other characters.
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff", "a\ud800b", "\ud800\ud800", "\udc00\ud800"]


def _poisoned(value: Any, surrogate: str) -> Any:
    """``value`` with ``surrogate`` before every string and key, and as a new key of every object."""
    if isinstance(value, str):
        return surrogate + value
    if isinstance(value, dict):
        return {surrogate: "x", **{surrogate + k: _poisoned(v, surrogate) for k, v in value.items()}}
    if isinstance(value, list):
        return [_poisoned(v, surrogate) for v in value]
    return value


def _poisoned_values(value: Any, surrogate: str) -> Any:
    """``value`` with ``surrogate`` before every string value (keys kept, so a valid body stays valid)."""
    if isinstance(value, str):
        return surrogate + value
    if isinstance(value, dict):
        return {k: _poisoned_values(v, surrogate) for k, v in value.items()}
    if isinstance(value, list):
        return [_poisoned_values(v, surrogate) for v in value]
    return value


def _takes_json(ctx: Any) -> bool:
    op = ctx.operation
    return op is not None and bool(op.body) and all("json" in item.media_type for item in op.body.items)


@schema.hook
def flatmap_body(ctx: Any, body: Any) -> st.SearchStrategy[Any]:
    """Two thirds of a JSON operation's generated bodies carry lone surrogates: before every string value (a
    valid body stays valid in shape, so the route itself gets them), or also in every key and as a new
    key of every object."""
    if not _takes_json(ctx) or _poisoned(body, "\ud800") == body:
        return st.just(body)
    return st.one_of(
        st.just(body),
        st.sampled_from(SURROGATES).map(lambda s: _poisoned_values(body, s)),
        st.sampled_from(SURROGATES).map(lambda s: _poisoned(body, s)),
    )


def caller_for(method: str, path: str) -> str:
    return CALLER_FOR.get(POLICIES[(method.upper(), path)], "city")


#: Tokens issued at a time for a database's caller (one transaction), each used for one request.
TOKEN_BATCH = 32

#: Read-only operations that still get databases of their own (see ``SharedDb``): they read what the
#: read-only operations sharing a database write (the audit log), or write something themselves.
OWN_DATABASE = {
    ("GET", "/api/v1/audit"), ("GET", "/api/v1/audit/export.csv"),  # read the audit log
    ("GET", "/api/v1/credit/me/report.pdf"),  # signs the credit log's head on first use (ledger_heads)
}  # fmt: skip


def shares_database(method: str, path: str) -> bool:
    """Whether the operation runs on its backend's shared read-only database rather than a fresh one."""
    return method.upper() in ("GET", "HEAD") and (method.upper(), path) not in OWN_DATABASE


@dataclass
class SharedDb:
    """A copy of the city that every read-only operation of this worker runs on (per backend), instead
    of a fresh copy each: such an operation writes only audit rows — plus the sign-in's touch of its own
    session, and the sessions of the tokens it is issued — and reads neither, which ``shared_violation``
    checks after every request. So each of these operations reads exactly the template's data whatever
    ran before it, and a failing one fails the same way when run alone."""

    url: str
    #: username → tokens issued and not yet used (API tokens live 12 hours and have no idle limit)
    tokens: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Target:
    """One backend's side of an operation: the state of an app made for it by ``create_app`` (its engine,
    unit of work, settings, rate limiter, caches …), over a fresh database or the shared one."""

    backend: str
    state: Any
    shared: bool
    #: One entry per request the app refused in request validation (its ``RequestValidationError``
    #: handler ran): the request never reached the route.
    refused: list[None] = field(default_factory=list)
    #: Every SQL statement the app executed (its engine's ``before_cursor_execute``).
    statements: list[str] = field(default_factory=list)
    #: username → tokens issued and not yet used (the shared database's own dict when ``shared``)
    tokens: dict[str, list[str]] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return cast(Engine, self.state.engine)

    def token(self, username: str) -> str:
        """A token never used before: an operation may revoke the caller's sessions (sign-out, password
        change). They are issued in batches, a transaction per ``TOKEN_BATCH`` requests; a request that
        may have ended the caller's other sessions throws the rest of the batch away (``after``)."""
        batch = self.tokens.setdefault(username, [])
        if not batch:
            batch.extend(api_tokens(self.engine, username, TOKEN_BATCH))
        return batch.pop()

    def after(self, executed: int) -> None:
        """After a request that ran the statements from index ``executed`` on: if one of them may have
        ended sessions (it changed sessions other than by the sign-in's touch, or accounts), the tokens
        issued before it are not used."""
        if any(MAY_END_SESSIONS.match(q) and not TOUCH.match(q) for q in self.statements[executed:]):
            self.tokens.clear()


class _Serving:
    """The target whose state the described app (``_APP``) serves the next request with."""

    target: Target | None = None


def serve(target: Target) -> Any:
    """The described app, serving the next request with ``target``'s state. One app serves every
    request: FastAPI builds a route's context (its dependencies, parameter and response models) on the
    first request that reaches the route's router, per app — ≈ 0.1 s for each router — and describing
    the app (``_APP.openapi()``) built them all already. Everything ``create_app`` makes per app that a
    route reads is in ``app.state`` (the routes take it from ``request.app.state``), so the request is
    served as the target's own app would serve it."""
    _Serving.target = target
    _APP.state = target.state
    return _APP


def _note_refusals(app: Any) -> None:
    """Wrap the app's handler of ``RequestValidationError`` so that each request it answers is noted in
    the served target's ``refused`` (before the app's first request, so the middleware stack is built
    with the wrapper)."""
    handler = app.exception_handlers[RequestValidationError]

    async def noted(request: Any, exc: RequestValidationError) -> Any:
        assert _Serving.target is not None
        _Serving.target.refused.append(None)
        return await handler(request, exc)

    app.exception_handlers[RequestValidationError] = noted


_note_refusals(_APP)


def _noting(statements: list[str]) -> Any:
    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    return note


#: What the sign-in runs for a bearer token (the caller's session, read by its token's hash): the same
#: statement for every request, with no generated value in it.
SIGN_IN = re.compile(
    r"\s*(BEGIN\s*$|SELECT sessions\.\w+, .*\sFROM sessions JOIN accounts ON accounts\.id = sessions\.account_id\s+"
    r"WHERE sessions\.token_hash = \S+\s*$)",
    re.S,
)

#: A write that may end sessions: revoking them, changing, disabling or removing an account.
MAY_END_SESSIONS = re.compile(r"\s*(UPDATE|DELETE FROM)\s+(sessions|accounts)\s", re.I)
#: The sign-in's touch of its own session (``last_seen_at``, once a minute), which ends nothing.
TOUCH = re.compile(r"\s*UPDATE sessions SET last_seen_at=[^,]*? WHERE sessions\.id = \S+\s*$")

#: On the shared database: what a read-only operation may run besides reads — transaction control and
#: its audit rows — and the tables written there that none of them may read (but for the sign-in's).
SHARED_MAY_RUN = re.compile(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|INSERT INTO audit_log\s)", re.I)
READ = re.compile(r"\s*SELECT\s", re.I)
SHARED_WRITTEN = re.compile(r"\b(?:FROM|JOIN)\s+\"?(audit_log|sessions)\b", re.I)


def shared_violation(statements: list[str]) -> str | None:
    """Why a read-only operation's request could make another's answers depend on the order they ran in
    on the shared database (None: it cannot): a statement other than a read, transaction control, an
    audit row or the sign-in's touch, or a read of the audit log or of sessions other than the sign-in's."""
    for q in statements:
        if SIGN_IN.match(q) or TOUCH.match(q) or SHARED_MAY_RUN.match(q):
            continue
        if not READ.match(q):
            return f"it ran {q[:200]!r}"
        if read := SHARED_WRITTEN.search(q):
            return f"it read {read.group(1)}: {q[:200]!r}"
    return None


@pytest.fixture(scope="module")
def shared_dbs(db_factories: conftest.DbFactories) -> Iterator[dict[str, SharedDb]]:
    """backend → this worker's shared database for the read-only operations (copied on first use)."""
    made: dict[str, SharedDb] = {}
    try:
        yield made
    finally:
        _APP.state, _Serving.target = _STATE, None
        for backend, db in made.items():
            db_factories(backend).drop(db.url)


@pytest.fixture
def targets(
    request: pytest.FixtureRequest, db_factories: conftest.DbFactories, shared_dbs: dict[str, SharedDb], tmp_path: Path
) -> Iterator[list[Target]]:
    """This operation's target on every test backend: an app's state over a fresh city database, or over
    the backend's shared one for a read-only operation (``SharedDb``); its examples share them. One test
    per operation runs each generated request on every backend, so the requests are generated once
    (generating is a large part of the fuzzer's time) and the backends get the same ones."""
    method, path = request.node.operation_label.split(" ", 1)  # schemathesis' item: "GET /api/v1/…"
    shared = shares_database(method, path)
    made: list[tuple[Target, str]] = []
    try:
        for backend in conftest.BACKENDS:
            factory = db_factories(backend)
            if shared:
                if backend not in shared_dbs:
                    shared_dbs[backend] = SharedDb(factory.fresh_url("city"))
                url = shared_dbs[backend].url
            else:
                url = factory.fresh_url("city")
            data_dir = tmp_path / backend
            data_dir.mkdir()
            state = create_app(conftest.test_settings(url, data_dir), migrate_schema=False).state
            target = Target(backend, state, shared)
            if shared:
                target.tokens = shared_dbs[backend].tokens
            event.listen(target.engine, "before_cursor_execute", _noting(target.statements))
            made.append((target, url))
        yield [target for target, _ in made]
    finally:
        for target, url in made:
            target.engine.dispose()
            if not target.shared:
                db_factories(target.backend).drop(url)


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same requests on every run and on every machine: a failure reproduces
    database=None,
    # One fixture (a database per backend: fresh, or the shared read-only one) serves all of an operation's examples.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
def test_api_fuzz(case: schemathesis.Case[Any], targets: list[Target]) -> None:
    username = caller_for(case.operation.method, case.operation.path)
    for target in targets:
        headers = {"authorization": f"Bearer {target.token(username)}"}
        refused, executed = len(target.refused), len(target.statements)
        try:
            # A client that is not entered: the app has no lifespan, and none is left registered.
            response = case.call(session=get_client(serve(target)), headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)
            if target.shared and (why := shared_violation(target.statements[executed:])):
                raise AssertionError(
                    f"{case.operation.label} shares its backend's database with the other read-only operations,"
                    f" but {why}; give it a database of its own (OWN_DATABASE)"
                )
        except Exception as e:
            e.add_note(f"on the {target.backend} database" + (" (shared)" if target.shared else ""))
            raise
        target.after(executed)
        sign_in_only = all(SIGN_IN.match(q) or TOUCH.match(q) for q in target.statements[executed:])
        if len(target.refused) > refused and sign_in_only:
            # Refused in request validation, before the route ran, having read nothing but the caller's
            # session: the answer is the schema's and the same on every database, so the other backends
            # are not asked again (most of the coverage phase's cases: wrong types, missing fields,
            # values out of range). A request that read anything else goes to every backend.
            break


def test_every_api_operation_is_fuzzed() -> None:
    """Nothing is left out: the fuzzed operations are exactly the API routes that declare a policy."""
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == len(list(schema.get_all_operations()))  # every operation's description loads
    fuzzed = {(op.method.upper(), op.path) for op in operations}
    assert fuzzed == {key for key in POLICIES if key[1].startswith(("/api/v1/", "/tiles/", "/oauth/"))}


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    return False


@pytest.mark.parametrize("path", ["/api/v1/addresses/parse", "/api/v1/addresses/parse/batch"])
def test_the_fuzzer_sends_lone_surrogates(path: str) -> None:
    """The strategies above do reach the operations: a generated body carries a lone surrogate."""
    strategy = schema[path]["POST"].as_strategy()
    found = hypothesis.find(
        strategy,
        lambda case: _has_surrogate(case.body),
        settings=hypothesis.settings(
            database=None, derandomize=True, max_examples=200, phases=[hypothesis.Phase.generate]
        ),
    )  # no shrinking
    assert _has_surrogate(found.body)


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_every_undeclared_method_is_refused_without_a_server_error(city_engine: Engine, tmp_path: Path) -> None:
    """Every API path called with each method it does not declare (path parameters set to 1) is refused
    with a 4xx — mostly 405 from the router — and never a 5xx (the fuzzer's coverage phase no longer
    sends these for every operation)."""
    url = city_engine.url.render_as_string(hide_password=False)  # str(url) would mask a password
    app: Any = create_app(conftest.test_settings(url, tmp_path), migrate_schema=False)
    client = get_client(app)
    headers = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    paths = _APP.openapi()["paths"]
    sent = refused = 0
    try:
        for path, ops in paths.items():
            url = re.sub(r"\{[^}]+\}", "1", path)
            for method in _METHODS:
                if method.lower() in ops:
                    continue
                r = client.request(method, url, headers=headers)
                sent += 1
                assert 400 <= r.status_code < 500, f"{method} {path}: {r.status_code} {r.text[:200]}"
                refused += r.status_code == 405
    finally:
        app.state.engine.dispose()
    assert sent > 500 and refused > sent // 2  # the paths exist and the router answers most of them
