"""Browser tests: the app served from a thread, Debian's chromium driven by Playwright (sync).

Only the SQLite database is used here: the browser tests check the pages and their script;
both databases are covered by the integration tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.integration.admin.support import speed_up

if TYPE_CHECKING:
    from playwright.sync_api import Page


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app on a free local port, served by a threaded werkzeug server; yields its URL."""
    speed_up(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def log_in(page: Page, base: str, email: str) -> None:
    """Sign in on hub's login page (the user's password is the tests' ``PASSWORD``)."""
    from playwright.sync_api import expect

    page.goto(f"{base}/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(page).to_have_url(f"{base}/admin/")
