"""Connecting a channel by the network's sign-in (``hub.connect``, ``hub.admin.connect``): the
admin's requests go through the Flask test client, the browser's part (the consent page, its
redirect back) goes to the sandbox over HTTP, as a browser would. A stored channel is proven to
work by "Test connection" (``check_channel``) against the same sandbox."""

from __future__ import annotations

import html
import logging
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from hub.extensions import db
from hub.models import AuditEvent, Channel, ChannelStatus
from hub.models.types import utcnow
from hub.publishing.tokens import check_channel
from tests.conftest import csrf_from

PUBLIC = "http://hub.bochum.example"
APPS = {
    "meta_app_id": "4242",
    "meta_app_secret": "meta-secret",
    "x_client_id": "x-client",
    "google_client_id": "123-bochum.apps.googleusercontent.com",
    "google_client_secret": "google-secret",
    "flickr_api_key": "flickr-key",
    "flickr_api_secret": "flickr-secret",
}
TIMEOUT = (2.0, 10.0)
X_USER = "1500000000000000001"


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(public_url=PUBLIC, network_timeout=5.0, **APPS)


@pytest.fixture
def admin_client(english, make_user, client_for):  # type: ignore[no-untyped-def]
    return client_for(make_user("admin"))


def _channels() -> list[Channel]:
    db.session.rollback()
    return list(db.session.scalars(db.select(Channel).order_by(Channel.id)))


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    query = db.select(AuditEvent).where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def _flashed(page: str) -> str:
    """The flashed messages on a page, as "category: text" (not the standing banners)."""
    found = re.findall(r'<div class="alert alert-(\w+)([^"]*)"[^>]*>(.*?)</div>', page, re.S)
    return " | ".join(
        f"{kind}: {' '.join(html.unescape(re.sub(r'<[^>]+>', '', text)).replace('×', '').split())}"
        for kind, classes, text in found
        if "hub-banner" not in classes
    )


def _local(url: str) -> str:
    """The callback the network sends the browser to, as a path on the test client."""
    assert url.startswith(PUBLIC + "/admin/connect/"), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _consent(url: str, decision: str = "allow", accounts: list[str] | None = None) -> str:
    """The admin on the network's consent page: read it, answer it; where the browser goes."""
    page = requests.get(url, timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:500]
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    form = {k: html.unescape(v) for k, v in form.items()}
    offered = re.findall(r'name="account" value="([^"]+)"', page.text)
    answer = requests.post(
        url,
        data={**form, "decision": decision, "account": offered if accounts is None else accounts},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def _start(client, network: str) -> str:  # type: ignore[no-untyped-def]
    started = client.get(f"/admin/connect/{network}/start")
    assert started.status_code == 302, started.text[:500]
    return started.headers["Location"]


def connect(client, network: str, **consent) -> object:  # type: ignore[no-untyped-def]
    """Press "Connect ...", agree at the network, come back: hub's answer to the callback."""
    back = _consent(_start(client, network), **consent)
    return client.get(_local(back))


def _follow(client, response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 302, response.text[:500]
    return client.get(response.headers["Location"]).text


def test_the_channel_list_offers_a_button_per_configured_network(admin_client) -> None:
    page = admin_client.get("/admin/channels/").text
    for network, label in (
        ("facebook", "Connect Facebook page"),
        ("instagram", "Connect Instagram account"),
        ("x", "Connect X account"),
        ("youtube", "Connect YouTube channel"),
        ("flickr", "Connect Flickr account"),
    ):
        assert f'href="/admin/connect/{network}/start" data-network="{network}">{label}</a>' in page
    assert 'href="/admin/connect/x/start"' in admin_client.get("/admin/connect/").text


def test_x_with_pkce_stores_a_working_channel(admin_client, sandbox) -> None:
    sandbox.put_account("x", id=X_USER, username="stadt_bochum", name="Stadt Bochum")
    consent_url = _start(admin_client, "x")
    assert consent_url.startswith(f"{sandbox.url}/i/oauth2/authorize?")
    query = parse_qs(urlsplit(consent_url).query)
    assert query["redirect_uri"] == [f"{PUBLIC}/admin/connect/x/callback"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert "tweet.write" in query["scope"][0].split() and "offline.access" in query["scope"][0]

    answer = admin_client.get(_local(_consent(consent_url)))
    assert "X: @stadt_bochum is connected as a new channel." in _flashed(
        _follow(admin_client, answer)
    )

    [channel] = _channels()
    assert (channel.network, channel.external_id, channel.name) == ("x", X_USER, "@stadt_bochum")
    creds = channel.credentials
    assert creds["client_id"] == "x-client" and creds["refresh_token"] and creds["access_token"]
    assert channel.status == ChannelStatus.active and channel.token_expires_at is None
    result = check_channel(channel)
    assert result.ok, result.message
    assert result.account == "@stadt_bochum"
    [event] = _events("channel.connected")
    assert event.object_id == channel.id and event.details["network"] == "x"
    assert "access_token" not in str(event.details)


def test_facebook_page_picker_connects_the_chosen_page(admin_client, sandbox) -> None:
    sandbox.put_account("facebook", id="104729318356812", name="Stadt Bochum")
    sandbox.put_account("facebook", id="104729318356999", name="Bochum Kultur")
    answer = connect(admin_client, "facebook")
    assert answer.headers["Location"].endswith("/admin/connect/facebook/choose")
    picker = admin_client.get("/admin/connect/facebook/choose").text
    assert picker.count('type="radio" name="account"') == 2
    assert "Stadt Bochum" in picker and "Bochum Kultur" in picker

    # The choice is a POST with the CSRF token; without it nothing happens.
    refused = admin_client.post(
        "/admin/connect/facebook/choose", data={"account": "104729318356999"}
    )
    assert refused.status_code == 400
    assert _channels() == []
    chosen = admin_client.post(
        "/admin/connect/facebook/choose",
        data={"account": "104729318356999", "csrf_token": csrf_from(picker)},
    )
    assert "Facebook: Bochum Kultur is connected as a new channel." in _flashed(
        _follow(admin_client, chosen)
    )
    [channel] = _channels()
    assert (channel.external_id, channel.name) == ("104729318356999", "Bochum Kultur")
    assert set(channel.credentials) == {"access_token"}
    assert channel.token_expires_at is None  # a page token from a long-lived login
    result = check_channel(channel)
    assert result.ok and result.account == "Bochum Kultur", result.message
    # The choice is used up.
    again = admin_client.get("/admin/connect/facebook/choose")
    assert "This choice has expired" in _flashed(_follow(admin_client, again))


def test_instagram_connects_the_page_s_business_account(admin_client, sandbox) -> None:
    sandbox.put_account("facebook", id="104729318356812", name="Stadt Bochum")
    answer = connect(admin_client, "instagram")
    assert "is connected as a new channel" in _flashed(_follow(admin_client, answer))
    [channel] = _channels()
    assert channel.network == "instagram" and channel.external_id.startswith("178414")
    creds = channel.credentials
    assert (creds["app_id"], creds["app_secret"]) == ("4242", "meta-secret")
    assert creds["login"] == "facebook" and creds["access_token"].startswith("EAA")
    left = channel.token_expires_at - utcnow()
    assert timedelta(days=59) < left <= timedelta(days=60)
    result = check_channel(channel)
    assert result.ok and result.account == channel.name, result.message


def test_youtube_stores_the_refresh_token_and_client(admin_client, sandbox) -> None:
    sandbox.put_account("youtube", id="UCbochum0000000000000001", name="Stadt Bochum")
    consent_url = _start(admin_client, "youtube")
    for part in ("access_type=offline", "prompt=consent", "code_challenge_method=S256"):
        assert part in consent_url
    answer = admin_client.get(_local(_consent(consent_url)))
    assert "YouTube: Stadt Bochum is connected" in _flashed(_follow(admin_client, answer))
    [channel] = _channels()
    assert channel.external_id == "UCbochum0000000000000001"
    creds = channel.credentials
    assert creds["refresh_token"].startswith("1//")
    assert (creds["client_id"], creds["client_secret"]) == (
        APPS["google_client_id"],
        APPS["google_client_secret"],
    )
    result = check_channel(channel)
    assert result.ok, result.message


def test_flickr_oauth1_stores_the_four_keys(admin_client, sandbox) -> None:
    sandbox.put_account("flickr", id="12345678@N02", username="stadtbochum", name="Stadt Bochum")
    consent_url = _start(admin_client, "flickr")
    assert consent_url.startswith(f"{sandbox.url}/services/oauth/authorize?")
    assert "perms=delete" in consent_url
    answer = admin_client.get(_local(_consent(consent_url)))
    assert "Flickr: stadtbochum is connected" in _flashed(_follow(admin_client, answer))
    [channel] = _channels()
    assert channel.external_id == "12345678@N02"
    assert set(channel.credentials) == {
        "api_key",
        "api_secret",
        "oauth_token",
        "oauth_token_secret",
    }
    result = check_channel(channel)
    assert result.ok and result.account == "stadtbochum", result.message


def test_a_callback_with_a_foreign_state_is_refused(
    admin_client, client_for, make_user, sandbox
) -> None:
    back = _consent(_start(admin_client, "x"))
    forged = re.sub(r"state=[^&]+", "state=forged", back)
    refused = admin_client.get(_local(forged))
    assert refused.status_code == 400
    assert "does not belong to a login started here" in refused.text
    # The real state in another admin's browser (a login planted on someone else) is refused too.
    other = client_for(make_user("admin"))
    assert other.get(_local(back)).status_code == 400
    assert _channels() == []


def test_cancel_on_the_consent_page_stores_nothing(admin_client, sandbox) -> None:
    for network in ("x", "facebook", "youtube", "flickr"):
        answer = connect(admin_client, network, decision="cancel")
        message = _flashed(_follow(admin_client, answer))
        assert "You cancelled the login at" in message, (network, message)
    assert _channels() == []


def test_a_failed_code_exchange_is_explained_and_logged(admin_client, sandbox, caplog) -> None:
    sandbox.add_fault("x", "status", status=503, path="/2/oauth2/token")
    with caplog.at_level(logging.WARNING, logger="hub.admin.connect"):
        answer = connect(admin_client, "x")
    message = _flashed(_follow(admin_client, answer))
    assert "X did not accept the login (HTTP 503)" in message
    assert any("/2/oauth2/token" in r.getMessage() for r in caplog.records)
    assert _channels() == []


def test_reconnecting_renews_the_login_and_activates_the_channel(
    admin_client, make_channel, sandbox
) -> None:
    sandbox.put_account("x", id=X_USER, username="stadt_bochum", name="Stadt Bochum")
    old = make_channel(
        "x",
        name="Pressestelle auf X",
        external_id=X_USER,
        credentials={"consumer_key": "old", "access_token": "old", "access_token_secret": "old"},
        status=ChannelStatus.needs_reauth,
        status_message="The login expired.",
    )
    answer = connect(admin_client, "x")
    assert "the channel Pressestelle auf X has a new login and is active again" in _flashed(
        _follow(admin_client, answer)
    )
    [channel] = _channels()
    assert channel.id == old.id and channel.name == "Pressestelle auf X"
    assert channel.status == ChannelStatus.active and channel.status_message is None
    assert "consumer_key" not in channel.credentials  # nothing of the old login is left
    assert channel.credentials["access_token"] != "old"
    [event] = _events("channel.reconnected")
    assert event.object_id == old.id and event.details["previous_status"] == "needs_reauth"
    assert check_channel(channel).ok


def test_only_admins_may_connect(english, make_user, client_for, sandbox) -> None:
    editor = client_for(make_user("editor", "approver", "moderator", "manager"))
    for path in (
        "/admin/connect/x/start",
        "/admin/connect/x/callback?code=c&state=s",
        "/admin/connect/facebook/choose",
    ):
        assert editor.get(path).status_code == 403, path
    token = csrf_from(editor.get("/admin/").text)
    posted = editor.post(
        "/admin/connect/facebook/choose", data={"account": "1", "csrf_token": token}
    )
    assert posted.status_code == 403
    assert editor.get("/admin/channels/").status_code == 403
    signed_in = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=TIMEOUT).json()
    assert [r for r in signed_in if "oauth" in r["path"]] == []


def test_a_network_without_app_settings_says_what_to_set(app, admin_client, sandbox) -> None:
    from dataclasses import replace

    app.config["HUB_SETTINGS"] = replace(app.config["HUB_SETTINGS"], x_client_id=None)
    page = admin_client.get("/admin/channels/").text
    assert 'href="/admin/connect/x/start"' not in page
    assert "X: to connect with its login, set HUB_X_CLIENT_ID." in page
    started = admin_client.get("/admin/connect/x/start")
    assert "set HUB_X_CLIENT_ID" in _flashed(_follow(admin_client, started))
