"""Threads figures on the snapshot schedule (both databases, the sandbox over HTTP): views,
likes, replies, reposts and quotes per thread, followers per profile."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.extensions import db
from hub.metrics import collect
from hub.models import MetricSnapshot
from tests.integration.metrics.conftest import CFG


def test_a_threads_post_and_profile_are_measured(published, make_channel, sandbox) -> None:
    channel = make_channel("threads", external_id="26178934500000888")
    sandbox.put_account("threads", id=channel.external_id, followers=6400)
    ann = published(channels=[channel])
    (delivery,) = ann.deliveries
    sandbox.set_metrics(
        "threads", delivery.remote_id, views=800, likes=31, reposts=4, quotes=2, replies=6
    )
    due = delivery.published_at + timedelta(minutes=15)
    collect.plan_pass(delivery.published_at, CFG)  # enrols it
    claims = collect.plan_pass(due, CFG)
    assert [collect.collect_channel(c, due, cfg=CFG).snapshots for c in claims] == [1]
    db.session.expire_all()
    (snap,) = db.session.scalars(select(MetricSnapshot)).all()
    assert (snap.views, snap.likes, snap.comments, snap.shares) == (800, 31, 6, 6)
    assert snap.raw["reposts"] == 4 and snap.raw["quotes"] == 2
    account = collect.collect_account(channel.id, due)
    assert account is not None and account.followers == 6400
