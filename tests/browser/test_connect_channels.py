"""Connecting channels in a real browser: the admin presses "Connect ...", agrees on the
sandbox's consent page, picks a page where the login holds several, and finds the channel in
the list. Nothing is mocked: hub, the sandbox and chromium talk over HTTP."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from playwright.sync_api import expect

from hub.extensions import db
from hub.models import Channel
from tests.browser.conftest import log_in
from tests.conftest import make_settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

APPS = {
    "meta_app_id": "4242",
    "meta_app_secret": "meta-secret",
    "x_client_id": "x-client",
    "google_client_id": "google-client.apps.googleusercontent.com",
    "google_client_secret": "google-secret",
    "flickr_api_key": "flickr-key",
    "flickr_api_secret": "flickr-secret",
}


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, sandbox_url=sandbox_url, **APPS)


@pytest.fixture
def hub_url(app, live_server: str) -> str:
    """The app as the networks must reach it: its callbacks go to the live server."""
    app.config["HUB_SETTINGS"] = replace(app.config["HUB_SETTINGS"], public_url=live_server)
    return live_server


def _channels() -> list[tuple[str, str, str]]:
    db.session.rollback()
    rows = db.session.scalars(db.select(Channel).order_by(Channel.id))
    return [(c.network, c.external_id, c.name) for c in rows]


def test_admin_connects_a_facebook_page_and_an_x_account(
    english, hub_url: str, chromium: Any, make_user, sandbox
) -> None:
    sandbox.put_account("facebook", id="104729318356812", name="Stadt Bochum")
    sandbox.put_account("facebook", id="104729318356999", name="Bochum Kultur")
    sandbox.put_account("x", id="1500000000000000001", username="stadt_bochum", name="Bochum")
    admin = make_user("admin")
    context = chromium.new_context()
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, hub_url, admin.email)

    # Facebook: the consent page (the sandbox's), then hub's page picker.
    page.goto(f"{hub_url}/admin/channels/")
    page.get_by_role("link", name="Connect Facebook page").click()
    expect(page.get_by_role("heading", name="Sign in to Facebook")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#app-name")).to_have_text("4242")
    expect(page.locator("#scopes")).to_contain_text("pages_manage_posts")
    expect(page.get_by_label("Stadt Bochum (Page 104729318356812)")).to_be_checked()
    expect(page.get_by_label("Bochum Kultur (Page 104729318356999)")).to_be_checked()
    page.get_by_role("button", name="Allow").click()

    # Facebook appends "#_=_" to its redirect; the browser keeps it through hub's redirect.
    expect(page).to_have_url(re.compile(rf"{hub_url}/admin/connect/facebook/choose(#_=_)?$"))
    expect(page.get_by_role("heading", name="Connect Facebook page")).to_be_visible()
    expect(page.get_by_role("radio")).to_have_count(2)
    page.get_by_label("Bochum Kultur").check()
    page.get_by_role("button", name="Connect").click()

    expect(page).to_have_url(f"{hub_url}/admin/channels/")
    expect(page.locator(".alert-success")).to_contain_text(
        "Facebook: Bochum Kultur is connected as a new channel."
    )
    expect(page.locator("table.model-list")).to_contain_text("104729318356999")
    assert _channels() == [("facebook", "104729318356999", "Bochum Kultur")]

    # X: OAuth 2.0 with PKCE; one account, so no picker.
    page.get_by_role("link", name="Connect X account").click()
    expect(page.get_by_role("heading", name="Sign in to X")).to_be_visible()
    expect(page.locator("#scopes")).to_contain_text("offline.access")
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(f"{hub_url}/admin/channels/")
    expect(page.locator(".alert-success")).to_contain_text(
        "X: @stadt_bochum is connected as a new channel."
    )
    expect(page.locator("table.model-list")).to_contain_text("@stadt_bochum")
    assert ("x", "1500000000000000001", "@stadt_bochum") in _channels()

    # "Cancel" at the network: back in hub with a message, nothing more stored.
    page.get_by_role("link", name="Connect X account").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(".alert-warning")).to_contain_text("You cancelled the login at X")
    assert len(_channels()) == 2
    assert problems == []
    context.close()


@pytest.mark.parametrize(
    ("button", "network", "account", "external_id", "connected"),
    [
        (
            "Connect Instagram account",
            "Facebook",
            {"network": "facebook", "id": "104729318356812", "name": "Stadt Bochum"},
            "178414",
            "Instagram: ",
        ),
        (
            "Connect YouTube channel",
            "Google",
            {"network": "youtube", "id": "UCbochum0000000000000001", "name": "Stadt Bochum"},
            "UCbochum0000000000000001",
            "YouTube: Stadt Bochum is connected as a new channel.",
        ),
        (
            "Connect Flickr account",
            "Flickr",
            {"network": "flickr", "id": "12345678@N02", "username": "stadtbochum"},
            "12345678@N02",
            "Flickr: stadtbochum is connected as a new channel.",
        ),
    ],
)
def test_admin_connects_instagram_youtube_and_flickr(
    english,
    hub_url: str,
    chromium: Any,
    make_user,
    sandbox,
    button: str,
    network: str,
    account: dict[str, str],
    external_id: str,
    connected: str,
) -> None:
    """The three other sign-ins, each through its consent page in the browser."""
    sandbox.put_account(**account)
    admin = make_user("admin")
    context = chromium.new_context()
    page = context.new_page()
    log_in(page, hub_url, admin.email)

    page.goto(f"{hub_url}/admin/channels/")
    page.get_by_role("link", name=button).click()
    expect(page.get_by_role("heading", name=re.compile(f"Sign in to {network}"))).to_be_visible()
    page.get_by_role("button", name="Allow").click()

    # Facebook (Instagram's sign-in) appends "#_=_" to its redirect; the browser keeps it.
    expect(page).to_have_url(re.compile(rf"{hub_url}/admin/channels/(#_=_)?$"))
    expect(page.locator(".alert-success")).to_contain_text(connected)
    [(_network, stored_id, _name)] = _channels()
    assert stored_id.startswith(external_id)
    expect(page.locator("table.model-list")).to_contain_text(stored_id)
    context.close()
