"""Single sign-on in a real browser: chromium presses the button on hub's login page, logs in on
the provider's page, and lands in hub, or back on hub's login page with the reason. hub, the
provider (oidc-provider under Node.js) and chromium talk over HTTP; nothing is mocked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from hub.extensions import db
from hub.models import User
from tests.browser.conftest import log_in
from tests.security.sso.conftest import IDP_PASSWORD, CityIdP
from tests.support import serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
BUTTON = "Log in with the city's account"


@pytest.fixture
def hub(app: Flask, city_idp: CityIdP) -> Iterator[str]:
    """hub served where the provider sends people back to (the client's redirect URI)."""
    port = int(city_idp.hub_url.rsplit(":", 1)[1])
    with serving(app, port) as url:
        yield url


def _roles(email: str) -> set[str]:
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == email))
    return user.role_names if user else set()


def _city_login(page: Page, hub: str, login: str, password: str = IDP_PASSWORD) -> None:
    page.goto(f"{hub}/login")
    page.get_by_role("link", name=BUTTON).click()
    expect(page.get_by_role("heading", name="City login")).to_be_visible()
    page.get_by_label("Username").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_press_officer_logs_in_with_the_citys_account_and_roles_follow_the_provider(
    english, hub: str, city_idp: CityIdP, chromium: Any
) -> None:
    city_idp.put("anna", "presse-redaktion", name="Anna Schmidt")
    context = chromium.new_context()
    page = context.new_page()

    _city_login(page, hub, "anna")

    expect(page).to_have_url(f"{hub}/admin/")
    expect(page.get_by_text("Anna Schmidt").first).to_be_visible()
    assert _roles("anna@bochum.example") == {"editor"}

    # Her groups change at the provider: her next login in hub has the new roles. She is still
    # logged in at the provider, so the button brings her straight back.
    city_idp.put("anna", "presse-freigabe", name="Anna Schmidt")
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{hub}/login")
    page.get_by_role("link", name=BUTTON).click()
    expect(page).to_have_url(f"{hub}/admin/")
    assert _roles("anna@bochum.example") == {"approver"}

    # Removed at the provider: logged out of hub, she cannot get back in.
    city_idp.remove("anna")
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name=BUTTON).click()
    expect(page.get_by_role("heading", name="City login")).to_be_visible()
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    page.goto(f"{hub}/admin/")
    expect(page).to_have_url(f"{hub}/login?next=/admin/")
    context.close()


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("no hub group", "Your city account has no role in hub."),
        ("switched off in hub", "Your hub account is switched off. Please ask an administrator."),
    ],
)
def test_a_refused_login_comes_back_with_the_reason(
    english, hub: str, city_idp: CityIdP, chromium: Any, make_user, situation: str, message: str
) -> None:
    if situation == "no hub group":
        city_idp.put("bernd", "kantine")
    else:
        user = make_user("editor", email="bernd@bochum.example")
        user.active = False
        db.session.commit()
        city_idp.put("bernd", "presse-redaktion")
    context = chromium.new_context()
    page = context.new_page()

    _city_login(page, hub, "bernd")

    expect(page).to_have_url(f"{hub}/login")
    expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible()
    page.goto(f"{hub}/admin/")
    expect(page).to_have_url(f"{hub}/login?next=/admin/")
    context.close()


def test_the_password_login_stays_for_emergencies(
    english, hub: str, city_idp: CityIdP, chromium: Any, make_user
) -> None:
    admin = make_user("admin")
    context = chromium.new_context()
    page = context.new_page()

    page.goto(f"{hub}/login")
    expect(page.get_by_role("link", name=BUTTON)).to_be_visible()
    log_in(page, hub, admin.email)

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    context.close()
