"""What the browser tests share: one server over the tiny city on SQLite and one headless Chromium per
module, a signed-in or anonymous tab that records every console error and failed request, step
screenshots, and the accessibility check (axe-core, vendored under ``tests/vendor/axe-core``).

Screenshots go to ``$ANJU_SCREENSHOTS/<test>/NN-<step>.png`` (``.ci/run`` points it at
``test-artifacts/screens`` in the clone, kept as CI artefacts), else to pytest's temporary directory.
The browser tests run on SQLite only: what they check is the pages, not the database's dialect, and
the page-level tests of each context already run on both databases.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import DbFactories, LiveServer, serving, test_settings
from tests.integration.test_map_browser import CHROMIUM_ARGS, chromium

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.10.3"
AXE_SHA256 = "880970c081707360e64f34cea25ff91892f5bc95675b0776925b9709dd8a68bb"
#: The impacts that fail the check (axe's scale: minor, moderate, serious, critical).
FAILING_IMPACTS = ("serious", "critical")


@dataclass
class Site:
    """The module's running server, its database and its settings."""

    server: LiveServer
    engine: Engine
    settings: Any
    app: Any

    @property
    def base_url(self) -> str:
        return self.server.base_url


@contextmanager
def site(db_factories: DbFactories, tmp: Path) -> Iterator[Site]:
    """A fresh copy of the tiny city on SQLite, served for the module."""
    from anju.app import create_app
    from anju.core.db import make_engine

    factory = db_factories("sqlite")
    url = factory.fresh_url("city")
    engine = make_engine(url)
    settings = test_settings(url, tmp)
    try:
        app = create_app(settings)
        with serving(app, engine) as server:
            yield Site(server, engine, settings, app)
    finally:
        engine.dispose()
        factory.drop(url)


@contextmanager
def chromium_browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshots_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("ANJU_SCREENSHOTS")
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    path = Path(root) / name if root else tmp_path_factory.mktemp("screens") / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class Tab:
    """One browser tab of one person: ``go``/``shot`` and the problems seen so far (``errors``)."""

    page: Any
    base_url: str
    shots: Path
    who: str = "anonymous"
    seen: list[str] = field(default_factory=list)
    downloads: list[str] = field(default_factory=list)
    refusals: set[int] = field(default_factory=set)
    taken: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Console errors, page errors and failed requests. Not errors: a download's request (it ends
        early) and the browser's note on a status the test provoked on purpose (``refused``)."""
        expected = {f"request failed: {url}" for url in self.downloads} | {
            f"console error: Failed to load resource: the server responded with a status of {code} "
            for code in self.refusals
        }
        return [e for e in self.seen if not any(e.startswith(x) for x in expected)]

    def refused(self, status: int) -> None:
        """The test sends something the server must refuse with ``status`` (a form with an error)."""
        self.refusals.add(status)

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
        return response

    def shot(self, step: str) -> Path:
        """A full-page screenshot named after the person and the step, numbered in the test's order."""
        path = self.shots / f"{len(list(self.shots.glob('*.png'))) + 1:02d}-{self.who}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path

    def text(self, selector: str = "main") -> str:
        return str(self.page.inner_text(selector))

    def submit(self, button_text: str) -> None:
        """Click the submit button labelled ``button_text`` and wait for the next page."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button_text).first.click()

    def follow(self, link_text: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=link_text).first.click()


def open_tab(browser: Any, site: Site, shots: Path, token: str | None = None, who: str = "anonymous") -> Tab:
    """A new tab (its own context: cookies are not shared) of ``who``, signed in with the web session ``token``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    if token:
        context.add_cookies([{"name": "anju_session", "value": token, "url": site.base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    tab = Tab(page, site.base_url, shots, who)
    page.on("console", lambda m: tab.seen.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: tab.seen.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: tab.seen.append(f"request failed: {r.url}"))
    page.on("download", lambda d: tab.downloads.append(d.url))
    return tab


def axe_source() -> str:
    """The vendored axe-core, checked against its recorded digest."""
    data = AXE.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, f"{AXE} is not axe-core {AXE_VERSION} as vendored"
    return data.decode("utf-8")


#: What a sampled page's check leaves out: a long table's rows after the fifth repeat the markup and the
#: colours of the first five, and checking the contrast of every cell is most of axe's time on a list.
REPEATED_ROWS = ("tbody > tr:nth-child(n+6)",)


def axe_violations(page: Any, source: str, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Run axe-core in the page (injected through the DevTools protocol, which the page's CSP does not
    govern) and return its violations whose impact fails the check; ``exclude``: CSS selectors of the
    parts not checked (e.g. :data:`REPEATED_ROWS`)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)  # a script text, evaluated as is
    found = page.evaluate(
        """async (exclude) => {
             const where = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
             const r = await axe.run(where, {resultTypes: ['violations']});
             return r.violations.map((v) => ({
               id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
             }));
           }""",
        list(exclude),
    )
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(f"  [{v['impact']}] {v['id']}: {v['help']} — {', '.join(v['targets'])}" for v in violations)
