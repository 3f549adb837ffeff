"""Connecting a Threads profile by Threads' own sign-in: consent at threads.net (the sandbox),
the code for a short-lived token, that for a long-lived one (60 days), the profile named; the
stored channel works ("Test connection") and is renewed by the daily pass."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from hub.models import ChannelStatus
from hub.models.types import utcnow
from hub.publishing.tokens import check_channel
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

USER = "26178934512300001"


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(
        public_url=PUBLIC,
        network_timeout=5.0,
        threads_app_id="th-app",
        threads_app_secret="th-secret",
    )


@pytest.fixture
def admin_client(english, make_user, client_for):  # type: ignore[no-untyped-def]
    return client_for(make_user("admin"))


def test_a_threads_profile_connects_for_sixty_days(admin_client, sandbox) -> None:
    sandbox.put_account("threads", id=USER, username="stadt.bochum", name="Stadt Bochum")
    page = admin_client.get("/admin/channels/").text
    assert 'href="/admin/connect/threads/start" data-network="threads">Connect Threads' in page
    consent_url = _start(admin_client, "threads")
    assert consent_url.startswith(f"{sandbox.url}/oauth/authorize?")
    query = parse_qs(urlsplit(consent_url).query)
    assert query["client_id"] == ["th-app"]
    assert query["redirect_uri"] == [f"{PUBLIC}/admin/connect/threads/callback"]
    assert "threads_manage_replies" in query["scope"][0].split(",")

    answer = admin_client.get(_local(_consent(consent_url)))
    assert "Threads: Stadt Bochum (@stadt.bochum) is connected as a new channel." in _flashed(
        _follow(admin_client, answer)
    )
    [channel] = _channels()
    assert (channel.network, channel.external_id) == ("threads", USER)
    assert set(channel.credentials) == {"access_token"}
    assert channel.token_expires_at > utcnow() + timedelta(days=59)
    assert channel.status == ChannelStatus.active
    result = check_channel(channel)
    assert result.ok and result.account == "@stadt.bochum"
    [event] = _events("channel.connected")
    assert event.details["network"] == "threads" and "access_token" not in str(event.details)
    grants = [r["path"] for r in sandbox.requests() if "access_token" in r["path"]]
    assert grants == ["/graph.threads.net/oauth/access_token", "/graph.threads.net/access_token"]


def test_cancelling_at_threads_connects_nothing(admin_client, sandbox) -> None:
    answer = admin_client.get(_local(_consent(_start(admin_client, "threads"), "cancel")))
    assert "You cancelled the login at Threads" in _flashed(_follow(admin_client, answer))
    assert _channels() == []
