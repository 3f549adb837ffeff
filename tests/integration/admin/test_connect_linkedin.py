"""Connecting a LinkedIn page by LinkedIn's sign-in: consent at www.linkedin.com (the
sandbox) with the Community Management scopes, the code for an access token (60 days) and a
refresh token (a year), the pages the person administers; the stored channel works ("Test
connection"), renews its access token, and its "Login expires" is the refresh token's end."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from hub.connectors.base import parse_time
from hub.models import ChannelStatus
from hub.models.types import utcnow
from hub.publishing import tokens
from tests.integration.admin.test_connect import (
    PUBLIC,
    _channels,
    _consent,
    _events,
    _flashed,
    _follow,
    _local,
    _start,
)

ORG = "2414183"


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(
        public_url=PUBLIC,
        network_timeout=5.0,
        linkedin_client_id="li-app",
        linkedin_client_secret="li-secret",
    )


@pytest.fixture
def admin_client(english, make_user, client_for):  # type: ignore[no-untyped-def]
    return client_for(make_user("admin"))


def test_a_linkedin_page_connects_with_its_refresh_token(admin_client, sandbox) -> None:
    sandbox.put_account("linkedin", id=ORG, username="stadt-bochum", name="Stadt Bochum")
    page = admin_client.get("/admin/channels/").text
    assert 'href="/admin/connect/linkedin/start" data-network="linkedin">Connect LinkedIn' in page
    consent_url = _start(admin_client, "linkedin")
    parts = urlsplit(consent_url)
    assert parts.path == "/oauth/v2/authorization"
    query = parse_qs(parts.query)
    assert query["redirect_uri"] == [f"{PUBLIC}/admin/connect/linkedin/callback"]
    assert set(query["scope"][0].split()) == {
        "w_organization_social",
        "r_organization_social",
        "rw_organization_admin",
    }
    answer = admin_client.get(_local(_consent(consent_url, accounts=[ORG])))
    assert "LinkedIn: Stadt Bochum is connected as a new channel." in _flashed(
        _follow(admin_client, answer)
    )
    [channel] = _channels()
    assert (channel.network, channel.external_id, channel.status) == (
        "linkedin",
        ORG,
        ChannelStatus.active,
    )
    creds = channel.credentials
    assert {"access_token", "refresh_token", "client_id", "client_secret"} <= set(creds)
    assert channel.token_expires_at > utcnow() + timedelta(days=360)  # the refresh token's year
    assert parse_time(creds["access_token_expires_at"]) < utcnow() + timedelta(days=61)
    assert tokens.check_channel(channel).account == "Stadt Bochum"
    [event] = _events("channel.connected")
    assert event.details["network"] == "linkedin" and "access_token" not in str(event.details)

    # 55 days on, the daily pass renews the access token with the stored refresh token.
    channel.credentials = {
        **creds,
        "access_token_expires_at": (utcnow() + timedelta(days=5)).isoformat(),
    }
    assert tokens.refresh_due()["refreshed"] == 1
    assert channel.credentials["access_token"] != creds["access_token"]
    assert tokens.check_channel(channel).ok


def test_cancelling_at_linkedin_connects_nothing(admin_client, sandbox) -> None:
    answer = admin_client.get(_local(_consent(_start(admin_client, "linkedin"), "cancel")))
    assert "You cancelled the login at LinkedIn" in _flashed(_follow(admin_client, answer))
    assert _channels() == []
