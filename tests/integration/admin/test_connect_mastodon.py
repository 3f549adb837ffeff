"""Connecting a Mastodon channel: the admin names the server, hub registers its app there
(``POST /api/v1/apps``), the consent page on that server, the code for a token with PKCE; the
channel keeps the server's own text limit and works ("Test connection")."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from hub.publishing.tokens import check_channel
from tests.integration.admin.test_connect import PUBLIC, TIMEOUT, _channels, _flashed, _local


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(public_url=PUBLIC, network_timeout=5.0)


@pytest.fixture
def admin_client(english, make_user, client_for):  # type: ignore[no-untyped-def]
    return client_for(make_user("admin"))


def _continue_url(page: str) -> str:
    (url,) = re.findall(r'href="([^"]+)" data-connect-continue', page)
    return url.replace("&amp;", "&")


def test_the_admin_names_the_server_and_the_channel_works(admin_client, sandbox) -> None:
    sandbox.settings("mastodon", instance_limits={"social.bund.de": 5000})
    asked = admin_client.get("/admin/connect/mastodon/start")
    assert asked.status_code == 200 and 'name="instance"' in asked.text
    page = admin_client.get("/admin/connect/mastodon/start?instance=https://Social.Bund.de/")
    assert page.status_code == 200, page.text[:500]
    consent = _continue_url(page.text)
    assert "/mastodon/social.bund.de/oauth/authorize?" in consent
    query = parse_qs(urlsplit(consent).query)
    assert query["redirect_uri"] == [f"{PUBLIC}/admin/connect/mastodon/callback"]
    assert query["code_challenge_method"] == ["S256"] and query["scope"] == ["read write"]

    shown = requests.get(consent, timeout=TIMEOUT)
    (allow,) = re.findall(r'id="authorize" href="([^"]+)"', shown.text)
    back = requests.get(allow.replace("&amp;", "&"), allow_redirects=False, timeout=TIMEOUT)
    stored = admin_client.get(_local(back.headers["Location"]))
    assert stored.status_code == 302
    assert "is connected as a new channel" in _flashed(admin_client.get("/admin/channels/").text)
    (channel,) = _channels()
    assert channel.network == "mastodon" and channel.external_id == "stadt@social.bund.de"
    creds = channel.credentials
    assert creds["instance"] == "social.bund.de" and creds["max_characters"] == 5000
    assert creds["client_id"] and creds["client_secret"] and creds["access_token"]
    assert channel.token_expires_at is None  # Mastodon's tokens do not expire
    assert check_channel(channel).ok


def test_deny_and_a_wrong_server_connect_nothing(admin_client, sandbox) -> None:
    page = admin_client.get("/admin/connect/mastodon/start?instance=bochum.social")
    consent = _continue_url(page.text)
    shown = requests.get(consent, timeout=TIMEOUT)
    (deny,) = re.findall(r'id="deny" href="([^"]+)"', shown.text)
    back = requests.get(deny.replace("&amp;", "&"), allow_redirects=False, timeout=TIMEOUT)
    admin_client.get(_local(back.headers["Location"]))
    assert "You cancelled the login at Mastodon" in _flashed(
        admin_client.get("/admin/channels/").text
    )
    bad = admin_client.get("/admin/connect/mastodon/start?instance=not a server")
    assert bad.status_code == 302
    assert "for example bochum.social" in _flashed(admin_client.get("/admin/channels/").text)
    assert _channels() == []
