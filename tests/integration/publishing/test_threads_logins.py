"""Threads logins over time (both databases, the sandbox over HTTP): the long-lived token is
renewed for another 60 days before it ends, a token Threads refuses makes the channel wait for
a new login, and the expiry warnings name the channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import ChannelStatus, Notification
from hub.models.types import utcnow
from hub.publishing import tokens

USER = "26178934500000999"


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(network_timeout=2.0)


def test_the_daily_pass_renews_a_threads_login_for_sixty_days(make_channel, sandbox) -> None:
    sandbox.put_account("threads", id=USER, token="THQV-old")
    channel = make_channel(
        "threads",
        external_id=USER,
        token_expires_at=utcnow() + timedelta(days=5),
        credentials={"access_token": "THQV-old"},
    )
    assert tokens.refresh_due()["refreshed"] == 1
    db.session.expire_all()
    assert channel.token_expires_at > utcnow() + timedelta(days=59)
    assert channel.credentials["access_token"].startswith("THQV")
    assert channel.credentials["access_token"] != "THQV-old"
    asked = [r for r in sandbox.requests("threads") if r["path"].endswith("refresh_access_token")]
    assert len(asked) == 1 and "grant_type=th_refresh_token" in asked[0]["query"]
    # Renewed logins are not renewed again the next day.
    assert tokens.refresh_due()["refreshed"] == 0


def test_a_login_of_unknown_age_is_renewed_to_learn_its_end(make_channel, sandbox) -> None:
    channel = make_channel("threads", external_id=USER, credentials={"access_token": "THQV-x"})
    assert channel.token_expires_at is None
    assert tokens.refresh_due()["refreshed"] == 1
    db.session.expire_all()
    assert channel.token_expires_at is not None


def test_a_refused_renewal_makes_the_channel_wait_and_tells_the_admins(
    english, make_channel, make_user, sandbox
) -> None:
    make_user("admin")
    channel = make_channel(
        "threads",
        external_id=USER,
        token_expires_at=utcnow() + timedelta(days=2),
        credentials={"access_token": "THQV-revoked"},
    )
    assert tokens.warn_expiring() == 1  # the 3-day warning
    sandbox.add_fault("threads", "expired_token")
    assert tokens.refresh_due()["failed"] == 1
    db.session.expire_all()
    assert channel.status == ChannelStatus.needs_reauth
    assert "Threads login" in (channel.status_message or "")
    messages = [n.message for n in db.session.scalars(select(Notification))]
    assert any(channel.name in m for m in messages)
