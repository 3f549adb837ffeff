"""Instagram figures on the schedule: an Instagram-Login channel, really published.

The pipeline publishes through the registry (so the channel's login picks graph.instagram.com,
the sandbox's ``/graph.instagram.com``), the sandbox downloads each image from hub's public
media route (served by this test's app over HTTP), and the figures are collected on the
schedule. Meta refuses insights for single posts; that must cost no other post its figures,
and a post deleted on Instagram must leave the schedule. Time is passed in, never slept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.metrics import collect
from hub.models import MetricSchedule, MetricSnapshot
from hub.publishing import pipeline
from tests.integration.metrics.conftest import CFG
from tests.support import approved_announcement, free_port, serving

IG_USER = "17841400000000077"


@pytest.fixture(scope="module")
def public_port() -> int:
    return free_port()


@pytest.fixture
def settings(sandbox_settings, public_port):  # type: ignore[no-untyped-def]
    return sandbox_settings(network_timeout=2.0, public_url=f"http://127.0.0.1:{public_port}")


@pytest.fixture
def media_route(app, public_port) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """hub's public media route, reachable by the sandbox's fetcher."""
    with serving(app, public_port):
        yield


def _pass(now):  # type: ignore[no-untyped-def]
    claims = collect.plan_pass(now, CFG)
    outcomes = [collect.collect_channel(claim, now, cfg=CFG) for claim in claims]
    db.session.expire_all()
    return outcomes


def test_refused_and_deleted_posts_cost_the_others_nothing(
    media_route, approved, make_channel, make_media, sandbox
) -> None:
    channel = make_channel(
        "instagram",
        external_id=IG_USER,
        credentials={"access_token": "IGAAsandboxBochum", "login": "instagram"},
    )
    anns = [
        approved_announcement(
            approved.editor,
            approved.approver,
            [channel.id],
            body=f"Bild {n} aus dem Rathaus",
            media_ids=[make_media().id],
        )
        for n in range(3)
    ]
    for delivery_id in pipeline.dispatch_due().publish:
        assert pipeline.run_publish(delivery_id) == "published"
    db.session.expire_all()
    seen, few, gone = (ann.deliveries[0] for ann in anns)
    sandbox.set_metrics("instagram", seen.remote_id, views=400, reach=300, likes=20, saved=6)
    sandbox.set_metrics("instagram", few.remote_id, reach=3, likes=2)  # too few viewers
    collect.default_connector(channel).graph.delete_object(gone.remote_id)
    assert {r["path"].split("/")[1] for r in sandbox.requests("instagram")} == {
        "graph.instagram.com"
    }

    published_at = max(d.published_at for d in (seen, few, gone))
    _pass(published_at)  # enrols them
    moment = published_at + timedelta(minutes=15)
    (outcome,) = _pass(moment)
    assert outcome.error is None and outcome.snapshots == 2 and outcome.missing == 1
    snaps = {s.delivery_id: s for s in db.session.scalars(select(MetricSnapshot))}
    assert (snaps[seen.id].views, snaps[seen.id].reach, snaps[seen.id].saves) == (400, 300, 6)
    # Refused insights: unknown ("–"), never 0; the media's likes still count.
    assert (snaps[few.id].views, snaps[few.id].reach, snaps[few.id].saves) == (None, None, None)
    assert snaps[few.id].likes == 2 and snaps[few.id].raw["refused"]
    assert gone.id not in snaps

    for _ in range(2):
        moment = db.session.get(MetricSchedule, gone.id).next_due_at
        _pass(moment)
    left = db.session.get(MetricSchedule, gone.id)
    assert left.next_due_at is None and left.misses == 3  # deleted: off the schedule
    assert db.session.get(MetricSchedule, few.id).next_due_at is not None  # still read
