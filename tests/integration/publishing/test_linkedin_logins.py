"""LinkedIn logins over time (both databases, the sandbox over HTTP): the 60-day access token is
renewed with the refresh token a week before it ends, not every day; the login's end is the
refresh token's (a year from the consent), which the expiry warnings name; a refused renewal
makes the channel wait for a new login."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.connectors.base import parse_time
from hub.extensions import db
from hub.models import ChannelStatus
from hub.models.types import utcnow
from hub.publishing import tokens

ORG = "2414183"


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(network_timeout=3.0)


def login(access_days: float, refresh_days: float = 200, refresh: str = "AQ-refresh") -> dict:
    now = utcnow()
    return {
        "access_token": "AQ-old",
        "access_token_expires_at": (now + timedelta(days=access_days)).isoformat(),
        "refresh_token": refresh,
        "refresh_token_expires_at": (now + timedelta(days=refresh_days)).isoformat(),
        "client_id": "app",
        "client_secret": "secret",
    }


def test_the_access_token_is_renewed_a_week_ahead(make_channel, sandbox) -> None:
    sandbox.put_account("linkedin", id=ORG, name="Stadt Bochum", token="AQ-refresh")
    channel = make_channel(
        "linkedin",
        external_id=ORG,
        token_expires_at=utcnow() + timedelta(days=200),
        credentials=login(access_days=5),
    )
    assert tokens.refresh_due()["refreshed"] == 1
    db.session.expire_all()
    creds = channel.credentials
    assert creds["access_token"] != "AQ-old" and creds["refresh_token"] == "AQ-refresh"
    access_ends = parse_time(creds["access_token_expires_at"])
    assert access_ends > utcnow() + timedelta(days=59)
    # What a person must act on is the refresh token's end, not the access token's.
    assert channel.token_expires_at > access_ends
    asked = [r for r in sandbox.requests("linkedin") if r["path"].endswith("/oauth/v2/accessToken")]
    assert len(asked) == 1
    assert tokens.refresh_due()["refreshed"] == 0  # fresh for 60 days: not renewed daily
    assert tokens.check_channel(channel).ok


def test_a_fresh_access_token_is_left_alone(make_channel, sandbox) -> None:
    make_channel("linkedin", external_id=ORG, credentials=login(access_days=40))
    assert tokens.refresh_due()["refreshed"] == 0
    assert not [r for r in sandbox.requests("linkedin") if "oauth" in r["path"]]


def test_a_refused_renewal_makes_the_channel_wait(
    english, make_channel, make_user, sandbox
) -> None:
    make_user("admin")
    channel = make_channel(
        "linkedin",
        external_id=ORG,
        token_expires_at=utcnow() + timedelta(days=2),
        credentials=login(access_days=2, refresh_days=2, refresh="AQ-revoked"),
    )
    assert tokens.warn_expiring() == 1  # the 3-day warning, for the refresh token's end
    assert tokens.refresh_due()["failed"] == 1
    db.session.expire_all()
    assert channel.status == ChannelStatus.needs_reauth
    assert "LinkedIn" in (channel.status_message or "")
