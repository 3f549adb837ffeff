"""Networks in the pipeline and channel logins over time (both databases, sandbox over HTTP):
YouTube's quota and upload sessions in the database, Instagram's media served from hub's
public route, refresh, expiry warnings, and "Test connection"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import (
    ChannelStatus,
    DeliveryState,
    LoginWarning,
    Notification,
    QuotaUsage,
    UploadSession,
)
from hub.models.types import utcnow
from hub.publishing import pipeline, tokens
from tests.support import approved_announcement, free_port, publish_due, serving

YT_CHANNEL = "UC" + "pipeline00000000000000"
YT_CREDS = {
    "refresh_token": "refresh-pipeline",
    "client_id": "424242424242-hub.apps.googleusercontent.com",
    "client_secret": "s",
}
IG_USER = "17841400000000042"


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(sandbox_settings, port):  # type: ignore[no-untyped-def]
    return sandbox_settings(
        public_url=f"http://127.0.0.1:{port}", network_timeout=2.0, max_attempts=3
    )


@pytest.fixture
def announce(make_user, make_media):  # type: ignore[no-untyped-def]
    editor, approver = make_user("editor"), make_user("approver")

    def make(channel, title: str, body: str, kind: str = "image"):  # type: ignore[no-untyped-def]
        media = make_media(kind)
        return approved_announcement(
            editor, approver, [channel.id], title=title, body=body, media_ids=[media.id]
        )

    return make


def test_youtube_through_the_pipeline_counts_quota_in_the_database(
    announce, make_channel, sandbox
) -> None:
    sandbox.put_account("youtube", id=YT_CHANNEL, token=YT_CREDS["refresh_token"])
    channel = make_channel("youtube", external_id=YT_CHANNEL, credentials=dict(YT_CREDS))
    ann = announce(
        channel, "Neuer Radweg", "Der Radweg an der Castroper Straße ist fertig.", "video"
    )
    assert publish_due() == ["published"]
    (delivery,) = ann.deliveries
    (video,) = sandbox.posts("youtube")
    assert delivery.remote_id == video["id"] and video["options"]["title"] == "Neuer Radweg"
    usage = {u.bucket: u.units for u in db.session.scalars(select(QuotaUsage))}
    assert usage == {"uploads": 1}  # one upload; no other call was needed
    assert {u.project for u in db.session.scalars(select(QuotaUsage))} == {"424242424242"}
    assert db.session.scalars(select(UploadSession)).all() == []  # done: forgotten


def test_youtube_quota_used_up_waits_with_the_reset_time(
    english, announce, make_channel, sandbox
) -> None:
    from hub.connectors.youtube import YouTubeConnector

    sandbox.put_account("youtube", id=YT_CHANNEL, token=YT_CREDS["refresh_token"])
    channel = make_channel("youtube", external_id=YT_CHANNEL, credentials=dict(YT_CREDS))
    quota = YouTubeConnector(pipeline.default_connector(channel).access).quota()
    db.session.add(
        QuotaUsage(
            network="youtube", project="424242424242", day=quota.day, bucket="uploads", units=100
        )
    )
    db.session.commit()
    ann = announce(channel, "Zu viel", "Heute nicht mehr.", "video")
    assert publish_due() == [DeliveryState.retry_wait]
    (delivery,) = ann.deliveries
    assert "resets on" in delivery.error_message
    assert delivery.next_attempt_at >= quota.resets_at - timedelta(seconds=5)
    assert sandbox.posts("youtube") == [] and sandbox.requests("youtube") == []


def test_instagram_fetches_from_the_public_route(
    app, announce, make_channel, sandbox, port
) -> None:
    with serving(app, port):
        channel = make_channel("instagram", external_id=IG_USER)
        ann = announce(channel, "Rathaus", "Das Rathaus im Abendlicht #bochum")
        assert publish_due() == ["published"]
    (delivery,) = ann.deliveries
    (post,) = sandbox.posts("instagram")
    asset = ann.media[0]
    assert post["id"] == delivery.remote_id
    assert post["media"][0]["sha256"] == asset.sha256
    assert post["media"][0]["alt_text"] == asset.alt_text
    assert post["media"][0]["source_url"].startswith(f"http://127.0.0.1:{port}/m/")


def test_refresh_extends_instagram_and_a_refused_refresh_makes_deliveries_wait(
    english, make_channel, make_user, sandbox
) -> None:
    make_user("admin")
    soon = utcnow() + timedelta(days=5)
    # Instagram Login: renewed on graph.instagram.com (Facebook Login would need the app).
    ig_login = {"access_token": "IGAAsandbox-token", "login": "instagram"}
    ig = make_channel("instagram", external_id=IG_USER, token_expires_at=soon, credentials=ig_login)
    yt = make_channel(
        "youtube", external_id=YT_CHANNEL, credentials={**YT_CREDS, "refresh_token": "revoked-x"}
    )
    fb = make_channel("facebook")
    counts = tokens.refresh_due()
    db.session.expire_all()
    assert counts["refreshed"] == 1 and counts["failed"] == 1
    assert ig.token_expires_at > utcnow() + timedelta(days=59)
    assert ig.credentials["access_token"] != "IGAAsandbox-token"
    assert yt.status == ChannelStatus.needs_reauth and "revoked" in yt.status_message
    assert fb.status == ChannelStatus.active  # nothing to refresh
    assert db.session.scalars(select(Notification)).all()  # admins were told


def test_an_instagram_login_hub_cannot_renew_is_skipped_not_failed(make_channel, sandbox) -> None:
    """Facebook Login without the app's id and secret: hub cannot renew it. That is no failure
    to retry every day; the channel stays active and the expiry warnings tell the admins."""
    sandbox.put_account("instagram", id=IG_USER, token="EAAfacebook-login-token")
    ig = make_channel(
        "instagram",
        external_id=IG_USER,
        token_expires_at=utcnow() + timedelta(days=5),
        credentials={"access_token": "EAAfacebook-login-token", "login": "facebook"},
    )
    counts = tokens.refresh_due()
    db.session.expire_all()
    assert counts["skipped"] == 1 and counts["failed"] == 0
    assert ig.status == ChannelStatus.active


def test_an_expired_login_marks_the_channel_and_its_posts_wait(make_channel, make_user) -> None:
    make_user("admin")
    x = make_channel("x", token_expires_at=utcnow() - timedelta(hours=1))
    assert tokens.refresh_due()["expired"] == 1
    db.session.expire_all()
    assert x.status == ChannelStatus.needs_reauth


def test_warnings_at_14_and_3_days_go_out_once_each(make_channel, make_user) -> None:
    admin = make_user("admin")
    expires = utcnow() + timedelta(days=10)
    channel = make_channel("facebook", token_expires_at=expires)
    assert tokens.warn_expiring() == 1
    assert tokens.warn_expiring() == 0  # the same warning never twice
    assert tokens.warn_expiring(now=expires - timedelta(days=2)) == 1  # the 3-day one
    warnings = db.session.scalars(select(LoginWarning).order_by(LoginWarning.threshold_days)).all()
    assert [w.threshold_days for w in warnings] == [3, 14]
    notes = db.session.scalars(select(Notification).where(Notification.user_id == admin.id)).all()
    assert len(notes) == 2 and all(channel.name in n.message for n in notes)
    assert tokens.expiring_channels() == [channel]


def test_check_connection_reports_and_reactivates(make_channel, sandbox) -> None:
    channel = make_channel("instagram", external_id=IG_USER, status=ChannelStatus.needs_reauth)
    result = tokens.check_channel(channel)
    assert result.ok and result.account and result.account.startswith("@")
    assert channel.status == ChannelStatus.active
    sandbox.add_fault("instagram", "expired_token")
    failed = tokens.check_channel(channel)
    assert not failed.ok and channel.status == ChannelStatus.needs_reauth
