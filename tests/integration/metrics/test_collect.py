"""Collecting figures through the real connectors from the sandbox, on the decaying schedule.

Time is controlled by passing ``now`` into the domain functions: the test walks the schedule
forward (15 minutes, 6 hours, 2 days, ...) without sleeping.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from hub.extensions import db
from hub.metrics import collect
from hub.models import ChannelDaily, MetricSchedule, MetricSnapshot, MetricTotal
from tests.integration.metrics.conftest import CFG


def _pass(now):  # type: ignore[no-untyped-def]
    claims = collect.plan_pass(now, CFG)
    outcomes = [collect.collect_channel(claim, now, cfg=CFG) for claim in claims]
    db.session.expire_all()
    return claims, outcomes


def test_snapshots_follow_the_schedule_and_map_each_network(published, sandbox) -> None:
    ann = published("x", "facebook")
    x, fb = sorted(ann.deliveries, key=lambda d: d.channel.network != "x")
    sandbox.set_metrics(
        "x",
        x.remote_id,
        impression_count=900,
        like_count=40,
        retweet_count=7,
        quote_count=2,
        bookmark_count=3,
    )
    sandbox.set_metrics(
        "facebook",
        fb.remote_id,
        post_media_view=1500,
        post_total_media_view_unique=1100,
        like=30,
        love=5,
        post_clicks=12,
        shares=4,
    )
    # Both went out within a moment; walk the clock from the later one.
    published_at = max(x.published_at, fb.published_at)

    # Right after publishing: enrolled, nothing due yet.
    claims, _ = _pass(published_at + timedelta(minutes=1))
    assert claims == []
    rows = {r.delivery_id: r for r in db.session.scalars(select(MetricSchedule))}
    assert rows[x.id].next_due_at == x.published_at + timedelta(minutes=15)

    # 15 minutes: one batched request per network, one snapshot per delivery.
    before = len(sandbox.requests())
    claims, outcomes = _pass(published_at + timedelta(minutes=15))
    assert sorted(len(c.delivery_ids) for c in claims) == [1, 1]
    assert sum(o.snapshots for o in outcomes) == 2
    lookups = [r for r in sandbox.requests()[before:] if r["method"] == "GET"]
    assert len(lookups) == 2
    snaps = {s.delivery_id: s for s in db.session.scalars(select(MetricSnapshot))}
    assert (snaps[x.id].views, snaps[x.id].likes, snaps[x.id].shares, snaps[x.id].saves) == (
        900,
        40,
        9,
        3,
    )
    assert snaps[x.id].reach is None and snaps[x.id].raw["impression_count"] == 900
    assert (snaps[fb.id].views, snaps[fb.id].reach, snaps[fb.id].likes) == (1500, 1100, 35)
    assert (snaps[fb.id].shares, snaps[fb.id].clicks, snaps[fb.id].comments) == (4, 12, 0)
    assert snaps[fb.id].raw["insights"]["post_media_view"] == 1500

    # Not again before the next grid point.
    assert _pass(published_at + timedelta(minutes=20))[0] == []
    rows = {r.delivery_id: r for r in db.session.scalars(select(MetricSchedule))}
    assert rows[x.id].next_due_at == x.published_at + timedelta(minutes=30)

    # A worker that was away for a day does not catch up on every missed point.
    _pass(published_at + timedelta(days=3, minutes=5))
    rows = {r.delivery_id: r for r in db.session.scalars(select(MetricSchedule))}
    assert rows[x.id].next_due_at == x.published_at + timedelta(days=4)
    assert db.session.scalar(select(func.count()).select_from(MetricSnapshot)) == 4

    # After 90 days the schedule ends.
    _pass(published_at + timedelta(days=90))
    rows = {r.delivery_id: r for r in db.session.scalars(select(MetricSchedule))}
    assert rows[x.id].next_due_at is None and rows[x.id].collected == 3
    total = db.session.get(MetricTotal, x.id)
    assert total.views == 900 and total.likes == 40
    assert db.session.scalar(select(func.count()).select_from(ChannelDaily)) >= 2


def test_rate_limit_keeps_rows_due_until_retry_after(english, published, sandbox) -> None:
    ann = published("x")
    (x,) = ann.deliveries
    due = x.published_at + timedelta(minutes=15)
    sandbox.add_fault("x", "status", status=429, retry_after=120, path="/2/tweets", method="GET")
    _, outcomes = _pass(due)
    assert outcomes[0].snapshots == 0 and "X limits" in (outcomes[0].error or "")
    row = db.session.get(MetricSchedule, x.id)
    assert row.next_due_at <= due  # still due ...
    assert row.lease_until >= due + timedelta(seconds=119)  # ... but not before Retry-After
    assert _pass(due + timedelta(seconds=60))[0] == []
    _, outcomes = _pass(due + timedelta(seconds=121))
    assert outcomes[0].snapshots == 1


def test_a_post_deleted_on_the_network_leaves_the_schedule(published, sandbox) -> None:
    ann = published("x")
    (x,) = ann.deliveries
    x_connector = collect.default_connector(x.channel)
    x_connector.client.delete_tweet(x.remote_id, user_auth=False)
    _pass(x.published_at)  # enrols it
    for _ in range(3):
        moment = db.session.get(MetricSchedule, x.id).next_due_at
        _pass(moment)
    row = db.session.get(MetricSchedule, x.id)
    assert row.next_due_at is None and row.misses == 3
    assert "no longer" in row.last_error
    assert db.session.scalar(select(func.count()).select_from(MetricSnapshot)) == 0


def test_account_figures_once_a_day(published, sandbox) -> None:
    ann = published("x")
    (x,) = ann.deliveries
    me = collect.default_connector(x.channel).me()
    sandbox.put_account("x", id=me.id, followers=35000)
    now = x.published_at
    assert collect.due_accounts(now, CFG) == [x.channel_id]
    snapshot = collect.collect_account(x.channel_id, now)
    assert snapshot is not None and snapshot.followers == 35000
    assert collect.due_accounts(now + timedelta(hours=12), CFG) == []
    assert collect.due_accounts(now + timedelta(hours=24), CFG) == [x.channel_id]
    rows = db.session.scalars(select(ChannelDaily)).all()
    assert [r.followers for r in rows if r.followers is not None] == [35000]
