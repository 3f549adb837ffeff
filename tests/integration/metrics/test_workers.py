"""The schedule end to end: real Celery beat and workers, the sandbox over HTTP.

The schedule runs 900 times faster (``HUB_METRICS_SPEEDUP``: 15 minutes become one second), and
the figures are read by a worker that serves only the ``sync`` queue, while publishing has its
own: the figures' tasks never land on ``publish``. Waits poll the database with a deadline.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from hub import create_app
from hub.auth.users import sync_roles
from hub.extensions import db
from hub.models import AccountSnapshot, ChannelDaily, DeliveryState, MetricSnapshot, MetricTotal
from tests.conftest import drop_pg_database
from tests.e2e.conftest import Stack, make_stack, wait_for_states
from tests.support import approved_announcement, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["embedded", "scaled"])
def stack(request: pytest.FixtureRequest, tmp_path, sandbox_url) -> Iterator[Stack]:  # type: ignore[no-untyped-def]
    made = make_stack(
        request.param,
        tmp_path,
        sandbox_url,
        HUB_METRICS_SPEEDUP="900",
        HUB_METRICS_INTERVAL="0.5",
    )
    yield made
    made.stop_all()
    if made.kind == "scaled":
        drop_pg_database(made.env["HUB_DATABASE_URL"].rsplit("/", 1)[1])


@pytest.fixture
def app(stack: Stack) -> Iterator[Flask]:
    """The web side of the stack in this process, to seed data and read what workers wrote."""
    made = create_app(stack.settings, {"TESTING": True})
    with made.app_context():
        sync_roles()
        db.session.commit()
        yield made
        db.session.remove()
        db.engine.dispose()


def _count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_figures_are_collected_on_the_sync_queue(
    stack, app, make_user, make_channel, sandbox
) -> None:
    editor, approver = make_user("editor"), make_user("approver")
    channel = make_channel("x")
    pid = os.getpid()
    stack._start(
        "publisher", "worker", "-Q", "publish,actions,dispatch", "-n", f"pub-{pid}@%h", "-c", "2"
    )
    stack._start("syncer", "worker", "-Q", "sync", "-n", f"sync-{pid}@%h", "-c", "2")
    stack.start_beat()
    ann = approved_announcement(
        editor, approver, [channel.id], title="Stadtfest", body="Stadtfest am Samstag"
    )
    (delivery,) = wait_for_states(ann, {DeliveryState.published}, timeout=60)
    sandbox.set_metrics("x", delivery.remote_id, impression_count=4321, like_count=21)

    wait_until(lambda: _count(MetricSnapshot) >= 3, timeout=60, what="three snapshots")
    wait_until(lambda: _count(AccountSnapshot) >= 1, timeout=60, what="the follower figure")
    total = db.session.get(MetricTotal, delivery.id)
    assert total is not None and total.views == 4321 and total.likes == 21
    assert _count(ChannelDaily) >= 1
    times = list(
        db.session.scalars(select(MetricSnapshot.collected_at).order_by(MetricSnapshot.id))
    )
    assert all(b > a for a, b in itertools.pairwise(times))  # one per grid point

    logs = {p.name: p.read_text(errors="replace") for p in stack.logs.glob("*.log")}

    # "Task <name>[<id>] received": the banner lists every task, the runs are what count.
    def received(log: str) -> list[str]:
        return [line for line in logs[log].splitlines() if "] received" in line]

    assert any("hub.sync.metrics.collect[" in line for line in received("syncer.log"))
    assert any("hub.publish[" in line for line in received("publisher.log"))
    assert not any("hub.sync." in line for line in received("publisher.log"))
