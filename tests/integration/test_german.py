"""German is what people see unless they choose English: hub's catalog (hub/translations/de,
found from the Babel locale de_DE), Flask-Security's (de_DE), German dates and numbers, and what
the networks' connectors say when a network refuses or fails (the networks are the sandbox)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_decimal, get_locale, gettext

from hub.connectors.base import ChannelAccess, ConnectorError, Rejected
from hub.connectors.facebook import FacebookConnector
from hub.i18n import format_local
from hub.models import ChannelStatus, DeliveryState
from tests.conftest import csrf_from, login, make_settings
from tests.integration.admin.support import speed_up
from tests.support import publish_due

ANNOUNCEMENTS = "/admin/announcements/"


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    """The office's settings as shipped (German by default), its networks in the sandbox."""
    return make_settings(
        tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=1.5, max_attempts=3
    )


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


# ---------------------------------------------------------------------------------------------
# What the networks' connectors say: German in a worker (an app context without a request)


def test_a_refused_post_is_explained_in_german(approved, sandbox) -> None:
    ann = approved("facebook")
    sandbox.add_fault("facebook", "status", status=400, count=1, method="POST")
    assert publish_due() == ["failed"]
    (delivery,) = ann.deliveries
    # hub's sentence in German; the network's own reason as the network sent it.
    assert delivery.error_message == "Facebook hat den Beitrag abgelehnt: Invalid parameter"


def test_a_passing_fault_is_explained_in_german(approved, sandbox) -> None:
    ann = approved("x")
    sandbox.add_fault("x", "status", status=503, count=1, method="POST")
    assert publish_due() == ["retry_wait"]
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.retry_wait
    assert delivery.error_message == (
        "Versuch 1 ist fehlgeschlagen (X hatte ein vorübergehendes Problem (HTTP 503); hub "
        "versucht es erneut.); hub versucht es automatisch erneut."
    )
    for english in ("temporary problem", "tries again", "refused"):
        assert english not in delivery.error_message, english


def test_an_expired_page_login_is_explained_in_german(approved, sandbox) -> None:
    ann = approved("facebook")
    sandbox.add_fault("facebook", "expired_token")
    assert publish_due() == ["failed"]
    (delivery,) = ann.deliveries
    assert delivery.channel.status == ChannelStatus.needs_reauth
    assert delivery.channel.status_message == (
        "Die Facebook-Anmeldung dieser Seite ist abgelaufen oder wurde widerrufen; bitte neu "
        "verbinden."
    )
    assert "ist abgelaufen oder wurde widerrufen" in delivery.error_message


def test_connector_messages_speak_the_language_of_the_code_that_raises(sandbox_url) -> None:
    """Said when raised: German in a worker, the chosen language in a request, English outside
    any app context (a connector test, a bench script), where nothing may crash either."""

    def refusal() -> str:
        connector = FacebookConnector(ChannelAccess("1", {"access_token": "t"}, sandbox_url))
        error = {"code": 100, "message": "(#100) Invalid parameter"}
        # As the connector names what it asked for: translated where it chooses it.
        refused = connector.error_for(error, 400, {}, gettext("the post"), "detail")
        assert isinstance(refused, Rejected)
        return refused.message

    def missing_login() -> str:
        try:
            FacebookConnector(ChannelAccess("1", {}, sandbox_url)).graph  # noqa: B018
        except ConnectorError as exc:
            return exc.message
        raise AssertionError("no login, no error")

    assert refusal() == "Facebook hat den Beitrag abgelehnt: Invalid parameter"
    assert (
        missing_login() == "Diese Facebook-Seite hat noch keine Anmeldung; bitte zuerst verbinden."
    )
    with force_locale("en"):  # an English office, or a request of someone who chose English
        assert missing_login() == "This Facebook page has no login yet; connect it first."
        assert refusal() == "Facebook refused the post: Invalid parameter"
    with ThreadPoolExecutor(1) as outside:  # a thread of its own has no app context
        assert outside.submit(missing_login).result() == (
            "This Facebook page has no login yet; connect it first."
        )
        assert outside.submit(refusal).result() == "Facebook refused the post: Invalid parameter"
