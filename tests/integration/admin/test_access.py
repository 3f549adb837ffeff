"""Who gets in: anonymous visitors go to the login page, non-admins get 403, CSRF is required."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from flask import Flask

from tests.conftest import csrf_from
from tests.integration.admin.conftest import post_form

CONVERTER = re.compile(r"<(?:(?P<conv>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# Pages that must work without a login. Everything else must refuse an anonymous visitor.
# (/readyz names failing checks, no data; /metrics refuses: 404 without its token setting.)
PUBLIC_ENDPOINTS = {
    "static",
    "security.login",
    "security.static",
    "healthz",
    "readyz",
    "public_media.serve",
}
PUBLIC_OPTIONAL = {"api-docs.openapi_json"}  # if the API module is installed
PUBLIC_PREFIXES = ("/webhooks/",)


def _dummy_url(rule: str) -> str:
    return CONVERTER.sub("1", rule)


def _is_public(endpoint: str, rule: str) -> bool:
    return (
        endpoint in PUBLIC_ENDPOINTS
        or endpoint in PUBLIC_OPTIONAL
        or rule.startswith(PUBLIC_PREFIXES)
    )


def test_every_url_refuses_an_anonymous_visitor(app: Flask) -> None:
    client = app.test_client()
    # A valid CSRF token, so that writes are refused for lack of a login, not of a token.
    token = csrf_from(client.get("/login").text)
    checked, leaks = 0, []
    for rule in app.url_map.iter_rules():
        if _is_public(rule.endpoint, rule.rule):
            continue
        url = _dummy_url(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            kwargs = {}
            if method in WRITE_METHODS:
                kwargs = {"data": {"csrf_token": token}, "headers": {"X-CSRFToken": token}}
            response = client.open(url, method=method, **kwargs)
            checked += 1
            status = response.status_code
            if status in (401, 403, 404, 405):
                continue
            if 300 <= status < 400 and urlparse(response.headers["Location"]).path == "/login":
                continue
            leaks.append(f"{method} {url} ({rule.endpoint}) -> {status}")
    assert checked > 40, "the walk found suspiciously few rules"
    assert not leaks, "served to an anonymous visitor:\n" + "\n".join(leaks)


def test_anonymous_visitor_is_sent_to_login_and_back(app: Flask) -> None:
    response = app.test_client().get("/admin/announcements/?status=draft")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert urlparse(location).path == "/login"
    assert parse_qs(urlparse(location).query)["next"] == ["/admin/announcements/?status=draft"]


def test_settings_are_for_admins_and_composing_for_editors(make_user, client_for) -> None:
    for role in ("editor", "approver", "moderator", "manager"):
        client = client_for(make_user(role))
        for url in (
            "/admin/channels/",
            "/admin/channels/new/",
            "/admin/users/",
            "/admin/users/new/",
            "/admin/audit/",
        ):
            assert client.get(url).status_code == 403, (role, url)
        # Writes too, even with a valid token.
        token = csrf_from(client.get("/admin/").text)
        response = client.post(
            "/admin/channels/new/",
            data={"csrf_token": token, "name": "Fake", "network": "x", "external_id": "1"},
        )
        assert response.status_code == 403
        # Everyone reads announcements; only editors write them.
        assert client.get("/admin/announcements/").status_code == 200
        expected = 200 if role == "editor" else 403
        assert client.get("/admin/announcements/new").status_code == expected, role

    admin = client_for(make_user("admin"))
    for url in ("/admin/channels/", "/admin/users/", "/admin/audit/"):
        assert admin.get(url).status_code == 200, url


def test_a_form_post_without_csrf_token_is_refused(make_user, make_channel, client_for) -> None:
    from hub.models import Announcement, Channel

    editor, admin = make_user("editor"), make_user("admin")
    x = make_channel("x")
    editor_client = client_for(editor)
    response = editor_client.post(
        "/admin/announcements/new",
        data={"title": "Ohne Token", "body": "Hallo", "channels": [str(x.id)]},
    )
    assert response.status_code == 400
    forged = editor_client.post(
        "/admin/announcements/new",
        data={"csrf_token": "forged", "title": "t", "body": "b", "channels": [str(x.id)]},
    )
    assert forged.status_code == 400
    assert Announcement.query.count() == 0

    admin_client = client_for(admin)
    before = Channel.query.count()
    response = admin_client.post(
        "/admin/channels/new/",
        data={"name": "Neu", "network": "x", "external_id": "abc", "status": "active"},
    )
    assert response.status_code == 400
    assert Channel.query.count() == before


def test_master_template_shows_user_logout_and_language(make_user, client_for) -> None:
    user = make_user("admin", name="Erika Admin")
    client = client_for(user)
    page = client.get("/admin/channels/").text
    assert "Erika Admin" in page
    assert 'action="/logout"' in page
    assert 'action="/language"' in page and 'name="lang" value="en"' in page
    assert 'class="hub-banners"' in page
    assert ">Erstellen<" in page  # German is the default

    response = post_form(
        client, "/admin/", {"lang": "en", "next": "/admin/channels/"}, post_url="/language"
    )
    assert response.headers["Location"] == "/admin/channels/"
    page = client.get("/admin/channels/").text
    assert ">Create<" in page and ">Erstellen<" not in page

    response = post_form(client, "/admin/", {}, post_url="/logout")
    assert response.status_code in (302, 303)
    assert client.get("/admin/").status_code == 302


def test_login_page_is_styled_and_logs_in(app: Flask, make_user) -> None:
    user = make_user("editor")
    client = app.test_client()
    page = client.get("/login?next=/admin/announcements/")
    assert "hub-login" in page.text and "bootstrap.min.css" in page.text
    response = client.post(
        "/login?next=/admin/announcements/",
        data={
            "email": user.email,
            "password": "correct horse battery",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert response.status_code == 302
    assert urlparse(response.headers["Location"]).path == "/admin/announcements/"
