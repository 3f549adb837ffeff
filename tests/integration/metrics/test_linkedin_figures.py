"""LinkedIn figures on the snapshot schedule (both databases, the sandbox over HTTP):
impressions, reach, reactions, comments, reposts and clicks per post from the share statistics,
followers per page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hub.extensions import db
from hub.metrics import collect
from hub.models import MetricSnapshot
from tests.integration.metrics.conftest import CFG


def test_a_linkedin_post_and_page_are_measured(published, make_channel, sandbox) -> None:
    channel = make_channel("linkedin", external_id="2414183", credentials={"access_token": "AQ-m"})
    sandbox.put_account("linkedin", id=channel.external_id, followers=12400, token="AQ-m")
    ann = published(channels=[channel])
    (delivery,) = ann.deliveries
    sandbox.set_metrics(
        "linkedin", delivery.remote_id, views=900, reach=700, likes=41, shares=3, clicks=12
    )
    sandbox.add_comment("linkedin", delivery.remote_id, "Danke!")
    due = delivery.published_at + timedelta(minutes=15)
    collect.plan_pass(delivery.published_at, CFG)  # enrols it
    claims = collect.plan_pass(due, CFG)
    assert [collect.collect_channel(c, due, cfg=CFG).snapshots for c in claims] == [1]
    db.session.expire_all()
    (snap,) = db.session.scalars(select(MetricSnapshot)).all()
    assert (snap.views, snap.reach, snap.likes, snap.comments, snap.shares, snap.clicks) == (
        900,
        700,
        41,
        1,
        3,
        12,
    )
    assert snap.raw["impressionCount"] == 900
    account = collect.collect_account(channel.id, due)
    assert account is not None and account.followers == 12400
