"""A manager opens the dashboard and an announcement's page in chromium: the charts are drawn
(plotly.js served by hub, no CDN), each beside its table, under the strict CSP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from hub.extensions import db
from hub.metrics.history import seed_history
from hub.models import Channel
from hub.models.types import utcnow
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_dashboard_and_announcement_page_draw_charts_beside_tables(
    live_server: str, chromium: Any, make_user, make_channel
) -> None:
    manager = make_user("manager", name="Lars Leitung")
    for network in ("facebook", "x", "instagram"):
        make_channel(network)
    seed_history(utcnow() - timedelta(minutes=5), make_user("editor"), make_user("moderator"))
    assert db.session.query(Channel).count() == 3

    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))

    page.goto(f"{live_server}/login")
    page.fill("#email", manager.email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.goto(f"{live_server}/admin/engagement/")
    for key in ("trend", "channels", "followers", "inbox"):
        chart = page.locator(f"#chart-{key}")
        expect(chart).to_have_attribute("data-rendered", "true", timeout=20_000)
        expect(chart.locator("svg.main-svg").first).to_be_visible()
    for key in ("trend", "channels", "top", "followers", "inbox-channels", "inbox-moderators"):
        expect(page.locator(f"#table-{key} caption")).to_be_visible()
    assert page.locator("#table-top tbody tr").count() >= 3
    assert page.locator("#chart-trend").get_attribute("role") == "img"

    # Only the channels ticked: the tables follow.
    page.locator("#filters input[name=channel]").first.check()
    page.click("#apply-filters")
    expect(page.locator("#table-channels tbody tr")).to_have_count(1)

    page.locator("#table-top tbody a").first.click()
    expect(page.locator("h1")).to_be_visible()
    for key in ("networks", "timeline", "daily"):
        expect(page.locator(f"#chart-{key}")).to_have_attribute(
            "data-rendered", "true", timeout=20_000
        )
        expect(page.locator(f"#table-{key}")).to_be_visible()
    assert page.locator("#table-networks thead th").count() >= 3  # networks side by side

    assert all(url.startswith(live_server) for url in requests), "a request left hub (CDN?)"
    assert problems == []
    context.close()
