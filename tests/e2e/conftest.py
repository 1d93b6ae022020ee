"""End-to-end fixtures: the app served on a free loopback port (demo loaded), Debian's Chromium via Playwright.

`live_server` has its own database (SQLite file or PostgreSQL database of this run) with the demo in it.
Screenshots of failing tests land in tests/e2e/artifacts/; what the tests import is in tests/e2e/browser.py.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from sched import create_app
from sched.extensions import db
from tests.e2e.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.factories import base_config


class LiveServer:
    def __init__(self, app) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def live_app(databases, tmp_path_factory):
    """The app of the live server: its own database, migrated, with the demo loaded, CSRF on."""
    url = databases.new("e2e")
    config = base_config(url, tmp_path_factory.mktemp("e2e-instance"))
    config.update(WTF_CSRF_ENABLED=True, BASE_URL="http://127.0.0.1")
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        from sched.i18n import zone
        from sched.models import utcnow
        from sched.services.demo import load_demo

        upgrade()
        load_demo(utcnow().astimezone(zone()).date(), solve_seconds=5)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[LiveServer]:
    with LiveServer(live_app) as server:
        yield server
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        page = item.funcargs.get("page")
        if page is not None:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', item.nodeid)}.png"), full_page=True)
    return report


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR", timezone_id="Europe/Paris")
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(15000)
    return page
