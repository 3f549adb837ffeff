"""The public Instagram monitor end to end on both databases: the beat's task reads the profile
with the real instaloader (``responses`` plays www.instagram.com, see
``tests/connectors/test_instagram_public.py``) and the figures land where the dashboard reads
them: followers in ``account_snapshot`` and ``channel_daily``, likes and comments of our own
posts in ``metric_snapshot`` and the rollups. Time is passed in; nothing sleeps.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from hub.extensions import db
from hub.metrics import instagram_public, queries, rollups
from hub.metrics.days import local_day, office_zone
from hub.metrics.selection import Selection
from hub.models import (
    AccountSnapshot,
    ChannelDaily,
    Delivery,
    DeliveryState,
    MetricSnapshot,
    MetricTotal,
)
from hub.models.types import utcnow
from hub.publishing import pipeline
from hub.scheduler import instagram_public as task_module
from hub.scheduler.app import make_celery
from tests.conftest import make_settings
from tests.connectors.test_instagram_public import (  # noqa: F401  (a fixture: instagram)
    FakeInstagram,
    instagram_fixture,
    stadt_bochum,
)
from tests.integration.admin.support import speed_up
from tests.support import approved_announcement

REEL, PHOTO, NOT_OURS = "DJx7mQ2tA_k", "DJvR-1aNqZ0", "DJs0Ufzt9Lw"
IG_USER = "17841400000000042"


@pytest.fixture
def settings(tmp_path, database_url):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path,
        database_url,
        instagram_public_profile="stadtbochum",
        extra={"instagram_public_polite": False},  # no random pause between requests
    )


@pytest.fixture
def published(app, make_user, make_media):  # type: ignore[no-untyped-def]
    """An Instagram delivery as the pipeline leaves it once published: the Graph API's media
    id as remote id, the permalink as url (publishing itself is tested elsewhere)."""
    speed_up(app)  # the editor and approver need argon2 hashes, not expensive ones
    editor, approver = make_user("editor"), make_user("approver")

    def make(channel, permalink: str, remote_id: str) -> Delivery:  # type: ignore[no-untyped-def]
        ann = approved_announcement(
            editor,
            approver,
            [channel.id],
            title="Rathaus",
            body="Das Rathaus im Abendlicht #bochum",
            media_ids=[make_media().id],
        )
        pipeline.dispatch_due()  # creates the delivery; it is not sent: we say how it ended
        db.session.expire_all()
        (delivery,) = ann.deliveries
        delivery.state = DeliveryState.published
        delivery.published_at = utcnow() - timedelta(days=2)
        delivery.remote_id = remote_id
        delivery.url = permalink
        db.session.commit()
        return delivery

    return make


def run_task() -> int:
    """The beat's task body, in this app (the worker's wrapper would build its own app)."""
    result = task_module.read.run()
    db.session.expire_all()
    return result


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_followers_and_our_posts_land_where_the_dashboard_reads_them(
    instagram: FakeInstagram, make_channel, published
) -> None:
    instagram.add(stadt_bochum(48_213))
    channel = make_channel("instagram", name="Stadt Bochum", external_id=IG_USER)
    reel = published(channel, f"https://www.instagram.com/reel/{REEL}/", "17902345678901234")
    photo = published(channel, f"https://www.instagram.com/p/{PHOTO}/", "17898765432109876")

    assert run_task() == 3  # followers + two posts

    (account,) = db.session.scalars(select(AccountSnapshot)).all()
    assert (account.channel_id, account.followers) == (channel.id, 48_213)
    assert account.raw["source"] == "instaloader"
    snapshots = {s.delivery_id: s for s in db.session.scalars(select(MetricSnapshot))}
    assert set(snapshots) == {reel.id, photo.id}  # the third public post is not ours
    assert (snapshots[reel.id].likes, snapshots[reel.id].comments) == (1204, 87)
    assert (snapshots[photo.id].likes, snapshots[photo.id].comments) == (356, 12)
    assert snapshots[reel.id].views is None and snapshots[reel.id].reach is None
    totals = {t.delivery_id: t for t in db.session.scalars(select(MetricTotal))}
    assert (totals[photo.id].likes, totals[photo.id].comments) == (356, 12)

    # The dashboard's own query sees the followers and the gains of the day.
    zone = office_zone()
    today = local_day(account.collected_at, zone)
    overview = queries.overview(Selection(today, today))
    assert overview.followers[channel.id] == {today: 48_213}
    assert overview.gained[channel.id][today]["likes"] == 1204 + 356
    assert overview.gained[channel.id][today]["comments"] == 87 + 12

    # A day later the counts have grown: a second snapshot, the day's gain is the difference.
    instagram.profiles["stadtbochum"].followers = 48_250
    instagram.profiles["stadtbochum"].posts[1]["like_count"] = 400
    outcome = instagram_public.read_and_store(
        account.collected_at + timedelta(days=1),
        instagram_public.monitor_for(current_app.config["HUB_SETTINGS"]),
    )
    assert outcome.error is None and sorted(outcome.matched) == sorted([REEL, PHOTO])
    assert outcome.skipped == [NOT_OURS]
    tomorrow = today + timedelta(days=1)
    row = db.session.get(ChannelDaily, (channel.id, tomorrow))
    assert row is not None and row.followers == 48_250 and row.likes == 400 - 356


def test_the_permalink_or_the_remote_id_identifies_our_post(
    instagram: FakeInstagram, make_channel, published
) -> None:
    instagram.add(stadt_bochum())
    channel = make_channel("instagram", external_id=IG_USER)
    # No permalink stored (the Graph API did not answer in time), but the id is Instagram's pk.
    by_id = published(channel, None, "3670321775561048692")
    run_task()
    (snapshot,) = db.session.scalars(select(MetricSnapshot)).all()
    assert snapshot.delivery_id == by_id.id and snapshot.likes == 356


def test_figures_from_the_graph_api_are_not_overwritten(
    instagram: FakeInstagram, make_channel, published
) -> None:
    instagram.add(stadt_bochum())
    channel = make_channel("instagram", external_id=IG_USER)
    photo = published(channel, f"https://www.instagram.com/p/{PHOTO}/", "17898765432109876")
    earlier = MetricSnapshot(
        delivery_id=photo.id, collected_at=utcnow() - timedelta(hours=1), views=5000, likes=300
    )
    db.session.add(earlier)
    db.session.flush()
    rollups.apply_snapshots(db.session, [(photo, earlier)], office_zone())
    db.session.commit()

    run_task()
    assert count(MetricSnapshot) == 1  # only the Graph API's
    assert db.session.get(MetricTotal, photo.id).views == 5000
    assert count(AccountSnapshot) == 1  # the followers still count


def test_private_profile_stores_the_followers_only(
    english, instagram: FakeInstagram, make_channel, published, caplog
) -> None:
    instagram.add(stadt_bochum(9_120, private=True))
    channel = make_channel("instagram", external_id=IG_USER)
    published(channel, f"https://www.instagram.com/p/{PHOTO}/", "17898765432109876")
    with caplog.at_level(logging.WARNING, logger="hub.metrics.instagram_public"):
        assert run_task() == 1
    assert [a.followers for a in db.session.scalars(select(AccountSnapshot))] == [9_120]
    assert count(MetricSnapshot) == 0
    assert "@stadtbochum is private" in caplog.text
    assert instagram.post_queries == 0


def test_unknown_profile_stores_nothing_and_says_why(
    english, instagram: FakeInstagram, make_channel, caplog
) -> None:
    make_channel("instagram", external_id=IG_USER)  # the profile is not set up on Instagram
    with caplog.at_level(logging.WARNING, logger="hub.metrics.instagram_public"):
        assert run_task() == 0
    assert count(AccountSnapshot) == 0 and count(MetricSnapshot) == 0
    assert "Instagram shows no profile @stadtbochum" in caplog.text


def test_rate_limited_read_stores_nothing_and_leaves_the_database_usable(
    english, instagram: FakeInstagram, make_channel, caplog
) -> None:
    instagram.add(stadt_bochum())
    instagram.page_status = 429
    channel = make_channel("instagram", external_id=IG_USER)
    with caplog.at_level(logging.WARNING, logger="hub.metrics.instagram_public"):
        assert run_task() == 0
    assert "too many requests" in caplog.text
    assert count(AccountSnapshot) == 0
    assert len(instagram.requests) == 1  # gave up at once, no retries hammering Instagram
    # The session is clean: other sync work in the same worker goes on.
    channel.name = "Stadt Bochum (Instagram)"
    db.session.commit()

    instagram.page_status = None  # the next scheduled read works again
    assert run_task() == 1  # the followers (no post of ours among the public ones)
    assert [a.followers for a in db.session.scalars(select(AccountSnapshot))] == [48_213]


def test_without_an_instagram_channel_nothing_is_read_or_created(
    instagram: FakeInstagram, make_channel, caplog
) -> None:
    instagram.add(stadt_bochum())
    make_channel("x")
    with caplog.at_level(logging.WARNING, logger="hub.metrics.instagram_public"):
        assert run_task() == 0
    assert instagram.requests == []  # none of Instagram's few anonymous reads spent
    assert count(AccountSnapshot) == 0
    assert "No Instagram channel is set up" in caplog.text


def test_of_several_instagram_channels_the_one_named_after_the_profile_gets_the_followers(
    instagram: FakeInstagram, make_channel
) -> None:
    instagram.add(stadt_bochum())
    make_channel("instagram", name="Kulturbüro Bochum (@kultur.bochum)")
    city = make_channel("instagram", name="Stadt Bochum (@stadtbochum)")
    run_task()
    assert [a.channel_id for a in db.session.scalars(select(AccountSnapshot))] == [city.id]


def test_the_read_is_scheduled_on_the_sync_queue_only_when_switched_on(tmp_path) -> None:
    off = make_settings(tmp_path / "off", "sqlite://")
    assert "instagram-public" not in make_celery(off, set_as_current=False).conf.beat_schedule

    on = make_settings(
        tmp_path / "on",
        "sqlite://",
        instagram_public_profile="stadtbochum",
        instagram_public_interval=600.0,  # too often: hub reads at most hourly
    )
    celery = make_celery(on, set_as_current=False)
    entry = celery.conf.beat_schedule["instagram-public"]
    assert entry["task"] == task_module.TASK and entry["schedule"] == 3600.0
    assert task_module.TASK in celery.tasks
    assert celery.amqp.router.route({}, task_module.TASK)["queue"].name == "sync"

    daily = make_settings(tmp_path / "daily", "sqlite://", instagram_public_profile="stadtbochum")
    assert daily.instagram_public_interval == 86400.0
    assert (
        make_celery(daily, set_as_current=False).conf.beat_schedule["instagram-public"]["schedule"]
        == 86400.0
    )
