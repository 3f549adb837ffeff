"""What a logged-in page may leave behind in the browser, and where the language switch may
send it (issue 12, item 9): no page of a logged-in person is kept in a cache (a shared office
PC's back button shows nothing after logout), and the switch never leaves hub."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from, login

PAGES = ("/admin/", "/admin/announcements/", "/admin/inbox/", "/admin/channels/")


@pytest.fixture
def admin_client(app, make_user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, make_user("admin", "editor", "moderator").email)
    return client


@pytest.mark.parametrize("path", PAGES)
def test_logged_in_answers_are_never_stored_by_a_cache(admin_client, path: str) -> None:
    response = admin_client.get(path)
    assert response.status_code == 200, path
    assert response.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    "path", ["/admin/hub-static/admin-actions.js", "/admin/engagement/assets/plotly.min.js"]
)
def test_hub_s_own_code_may_still_be_cached(app, make_user, path: str) -> None:
    client = app.test_client()
    login(client, make_user("admin", "manager").email)
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" not in (response.headers.get("Cache-Control") or "")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "/\t/evil.example",  # browsers drop tabs and line breaks: "//evil.example"
        "/\n/evil.example",
        "/\\evil.example",  # and read a backslash as a slash
        "https://evil.example/",
    ],
)
def test_the_language_switch_stays_on_hub(admin_client, target: str) -> None:
    page = admin_client.get("/admin/")
    response = admin_client.post(
        "/language", data={"lang": "en", "next": target, "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code in (302, 303)
    assert response.headers["Location"] in ("/admin/", "http://localhost/admin/"), target


def test_the_language_switch_goes_back_to_the_page(admin_client) -> None:
    page = admin_client.get("/admin/")
    response = admin_client.post(
        "/language",
        data={"lang": "en", "next": "/admin/inbox/?status=new", "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"].endswith("/admin/inbox/?status=new")
