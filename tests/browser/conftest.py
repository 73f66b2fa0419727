"""Browser tests: the app served on a real port (its own SQLite database, demo data, the worker not started),
driven by Debian's chromium through Playwright (launched by executable path; ``make test`` installs chromium when
it is missing). Every page a test visits is saved as a screenshot in ``tests/browser/screenshots/`` and checked
with axe-core (from npm, ``node_modules/axe-core``): no serious or critical violation (GB/T 37668).

Marked ``browser``: .ci/run runs them once, on SQLite (the PostgreSQL pass deselects them)."""
from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from api import create_app
from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "browser" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("SANXIANG_CHROMIUM", "/usr/bin/chromium")
#: what the machine's closed network needs (no background connections) and root needs (no sandbox)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    db_file = tmp_path_factory.mktemp("browser-db") / "browser.db"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}",
                      "SECRET_KEY": secrets.token_urlsafe(32), "CORRECTIONS_PER_HOUR": 10_000,
                      "EVIDENCE_DIR": str(tmp_path_factory.mktemp("browser-evidence"))})
    with app.app_context():
        init_db()
        deploy_dirs()
        seed_demo()
    return app


@pytest.fixture(scope="session")
def base_url(live_app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    with live_app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session", autouse=True)
def _clean_shots():
    if SHOTS.exists():
        shutil.rmtree(SHOTS)
    SHOTS.mkdir(parents=True)


class Visit:
    """One user's browser tab: log in, go to pages, and after each page a screenshot and an axe check."""

    def __init__(self, page, base_url: str, name: str) -> None:
        self.page, self.base_url, self.name, self.count = page, base_url, name, 0
        self.problems: list[str] = []

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str, **kwargs):
        resp = self.page.goto(self.url(path), **kwargs)
        self.page.wait_for_load_state("networkidle")
        return resp

    def login(self, username: str, password: str = "demo") -> None:
        self.goto("/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")
        assert "/login" not in self.page.url, self.page.content()[:500]

    def check(self, label: str) -> list[dict]:
        """Screenshot the page and run axe-core on it; returns the serious/critical violations (also kept)."""
        self.count += 1
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-")
        self.page.screenshot(path=str(SHOTS / f"{self.name}-{self.count:02d}-{slug}.png"), full_page=True)
        if not AXE.exists():
            pytest.fail(f"{AXE} is missing: run `make assets` (npm ci installs axe-core)")
        self.page.add_script_tag(path=str(AXE))
        result = self.page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        bad = [v for v in result if v["impact"] in ("serious", "critical")]
        self.problems += [f"{label}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}" for v in bad]
        return bad


@pytest.fixture
def visit(browser, base_url, request):
    """``visit(name, width=1280, height=800)`` opens a fresh context (its own cookies) for one user."""
    contexts = []
    visits: list[Visit] = []

    def open_tab(name: str, width: int = 1280, height: int = 800) -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        tab = Visit(page, base_url, f"{request.node.name}-{name}")
        visits.append(tab)
        return tab

    yield open_tab
    for context in contexts:
        context.close()
    problems = [p for v in visits for p in v.problems]
    assert not problems, "axe-core: serious or critical violations:\n" + "\n".join(problems)
