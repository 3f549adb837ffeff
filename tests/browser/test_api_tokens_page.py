"""Settings → API tokens in a real browser: create a token for a person (shown once), then
revoke it; the page works under the Content Security Policy and is reachable from the menu."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from hub.auth.tokens import user_for_token
from hub.extensions import db
from hub.models import ApiToken
from tests.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_admin_creates_and_revokes_a_token(
    english, live_server: str, chromium: Any, make_user
) -> None:
    base = live_server
    admin = make_user("admin")
    person = make_user("editor", email="redaktion@bochum.example")
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, base, admin.email)
    # The menu opens by Bootstrap's script: wait until the page's scripts have run (on a busy
    # machine the click could come first, and the menu would stay shut).
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Settings", exact=True).click()
    tokens = page.get_by_role("link", name="API tokens")
    expect(tokens).to_be_visible()
    tokens.click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    page.get_by_label("Person").select_option(value=str(person.id))
    page.get_by_label("What is it for?").fill("CMS")
    page.get_by_label("Valid for (days)").fill("30")
    page.get_by_role("checkbox", name="announcements:write", exact=False).check()
    page.get_by_role("button", name="Create token").click()

    shown = page.locator("#new-token")
    expect(shown).to_be_visible()
    plain = shown.input_value()
    assert plain.startswith("hub_")
    db.session.rollback()
    assert user_for_token(plain).email == "redaktion@bochum.example"
    token = db.session.scalars(db.select(ApiToken).where(ApiToken.name == "CMS")).one()
    db.session.rollback()  # end the test's transaction before the server writes

    row = page.locator(f'tr[data-token-id="{token.id}"]')
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator(".alert-success")).to_contain_text("revoked")
    expect(page.locator(f'tr[data-token-id="{token.id}"]')).to_contain_text("Revoked")
    expect(page.locator("#new-token")).to_have_count(0)
    db.session.rollback()
    assert user_for_token(plain) is None
    assert problems == []
    context.close()
