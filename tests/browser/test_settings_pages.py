"""The admin's settings pages work under the Content Security Policy (no inline handlers)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hub.extensions import db
from hub.models import Channel
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_admin_pages_are_csp_clean_and_list_actions_work(
    english, live_server: str, chromium: Any, make_user, make_channel
) -> None:
    base = live_server
    admin = make_user("admin", "editor")
    keep, switch_off = make_channel("x", name="Bleibt"), make_channel("facebook", name="Geht")
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{base}/login")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    expect(page).to_have_url(f"{base}/admin/")
    for path in ("/admin/users/", "/admin/users/new/", "/admin/audit/", "/admin/announcements/new"):
        page.goto(base + path)
        expect(page.locator("nav.navbar")).to_be_visible()

    # "With selected" -> "Switch off" runs without an inline onclick.
    page.goto(f"{base}/admin/channels/")
    page.locator(f'input.action-checkbox[value="{switch_off.id}"]').check()
    page.get_by_role("button", name="With selected").or_(
        page.get_by_role("link", name="With selected")
    ).click()
    page.locator('[data-hub-action="disable"]').click()
    expect(page.locator(".alert-success")).to_contain_text("1 channel(s) switched off.")
    db.session.rollback()
    assert db.session.get(Channel, switch_off.id).status == "disabled"
    assert db.session.get(Channel, keep.id).status == "active"
    assert problems == []
    context.close()
