"""German is what people see unless they choose English: hub's catalog (hub/translations/de,
found from the Babel locale de_DE), Flask-Security's (de_DE) and German dates and numbers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import format_decimal, get_locale

from hub.i18n import format_local
from tests.conftest import csrf_from, login
from tests.integration.admin.support import speed_up

ANNOUNCEMENTS = "/admin/announcements/"


@pytest.fixture(autouse=True)
def _fast_admin_app(app: Flask) -> None:
    speed_up(app)  # a request context of its own per request, cheap password hashing


@pytest.fixture
def editor(app: Flask, make_user) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, make_user("editor").email)
    return client


def switch_language(client: FlaskClient, lang: str) -> str:
    page = client.get(ANNOUNCEMENTS)
    response = client.post(
        "/language",
        data={"lang": lang, "next": ANNOUNCEMENTS, "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(ANNOUNCEMENTS)
    return client.get(ANNOUNCEMENTS).text


def test_the_login_page_is_german(client: FlaskClient) -> None:
    page = client.get("/login").text
    assert 'lang="de"' in page
    assert "hub · Anmelden" in page  # hub's catalog
    assert ">Passwort</label>" in page  # Flask-Security's own de_DE catalog
    assert "Log in" not in page and ">Password</label>" not in page


def test_an_editor_sees_the_announcements_in_german(editor: FlaskClient) -> None:
    page = editor.get(ANNOUNCEMENTS)
    assert page.status_code == 200
    text = page.text
    for german in ("Meldungen", "Meldung schreiben", "Noch keine Meldungen.", "Entwurf"):
        assert german in text, german
    assert "Übersicht" in text and "Abmelden" in text  # menu and account bar
    for english in ("Write an announcement", "No announcements yet.", "Log out"):
        assert english not in text, english


def test_english_after_switching_and_german_again(editor: FlaskClient) -> None:
    english = switch_language(editor, "en")
    assert "Write an announcement" in english and "No announcements yet." in english
    assert "Meldung schreiben" not in english
    german = switch_language(editor, "de")
    assert "Meldung schreiben" in german and "Write an announcement" not in german


def test_dates_and_numbers_are_german(app: Flask) -> None:
    with app.test_request_context("/admin/"):
        assert str(get_locale()) == "de_DE"
        assert format_decimal(1234567.5) == "1.234.567,5"
        # 12:00 UTC is 13:00 in Berlin in January.
        assert format_local(datetime(2026, 1, 2, 12, 0, tzinfo=UTC)) == "02.01.2026, 13:00:00"
