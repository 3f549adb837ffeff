"""Mastodon figures on the snapshot schedule (both databases, the sandbox over HTTP): replies,
boosts and favourites per status (Mastodon counts no views), followers per account."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.extensions import db
from hub.metrics import collect
from hub.models import MetricSnapshot
from tests.integration.metrics.conftest import CFG

ACCOUNT = "110000000000000888"


def test_a_mastodon_status_and_account_are_measured(published, make_channel, sandbox) -> None:
    sandbox.put_account(
        "mastodon", id=ACCOUNT, username="stadt", token="masto-figures", followers=2750
    )
    channel = make_channel(
        "mastodon",
        external_id="stadt@bochum.social",
        credentials={"instance": "bochum.social", "access_token": "masto-figures"},
    )
    ann = published(channels=[channel])
    (delivery,) = ann.deliveries
    sandbox.set_metrics("mastodon", delivery.remote_id, likes=31, shares=4)
    sandbox.add_comment("mastodon", delivery.remote_id, "Danke für die Info!")
    due = delivery.published_at + timedelta(minutes=15)
    collect.plan_pass(delivery.published_at, CFG)  # enrols it
    claims = collect.plan_pass(due, CFG)
    assert [collect.collect_channel(c, due, cfg=CFG).snapshots for c in claims] == [1]
    db.session.expire_all()
    (snap,) = db.session.scalars(select(MetricSnapshot)).all()
    assert (snap.views, snap.likes, snap.comments, snap.shares) == (None, 31, 1, 4)
    assert snap.raw["favourites_count"] == 31 and snap.raw["reblogs_count"] == 4
    account = collect.collect_account(channel.id, due)
    assert account is not None and account.followers == 2750
