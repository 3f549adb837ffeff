"""``/metrics``: refused without the token, and with it hub's figures from real rows (issue 13)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from hub import create_app
from hub.config import Settings
from hub.extensions import db
from hub.models import Comment, CommentSync, DeliveryState
from hub.models.types import utcnow
from hub.publishing.dispatch_health import record_pass
from hub.publishing.pipeline import dispatch_due
from tests.integration.observability.conftest import METRICS_TOKEN
from tests.support import approved_announcement


def _scrape(app: Flask, token: str | None) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = app.test_client().get("/metrics", headers=headers)
    return response.status_code, response.text


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_are_refused_without_the_token(app: Flask, settings: Settings) -> None:
    assert _scrape(app, None)[0] == 401
    assert _scrape(app, "wrong-token")[0] == 401
    assert _scrape(app, METRICS_TOKEN[:-1])[0] == 401
    unset = create_app(replace(settings, metrics_token=None), {"TESTING": True})
    assert _scrape(unset, None)[0] == 404
    assert _scrape(unset, METRICS_TOKEN)[0] == 404


def test_metrics_report_the_figures_of_real_rows(app: Flask, make_user, make_channel) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    x = make_channel("x", name="Stadt X", token_expires_at=now + timedelta(days=10))
    fb = make_channel("facebook", name="Stadt FB")
    editor, approver = make_user("editor"), make_user("approver")
    published = approved_announcement(editor, approver, [x.id], when=now - timedelta(minutes=5))
    approved_announcement(editor, approver, [x.id, fb.id])
    db.session.add(CommentSync(channel_id=fb.id, last_synced_at=now - timedelta(minutes=3)))
    for number, status in enumerate(("new", "assigned", "done")):
        db.session.add(Comment(channel_id=fb.id, remote_id=f"c{number}", status=status))
    db.session.add(Comment(channel_id=fb.id, remote_id="own", status="new", is_own=True))
    db.session.commit()
    assert dispatch_due()  # queues the three deliveries (no worker here: they stay queued)
    # The first went out 90 s after it was due.
    (delivery,) = published.deliveries
    delivery.state = DeliveryState.published
    delivery.published_at = now - timedelta(minutes=5) + timedelta(seconds=90)
    db.session.commit()
    app.extensions["celery"].send_task("hub.publish", args=[0], queue="publish")

    status, text = _scrape(app, METRICS_TOKEN)
    assert status == 200
    got = _samples(text)
    assert got[("hub_deliveries", (("network", "x"), ("state", "published")))] == 1
    assert got[("hub_deliveries", (("network", "x"), ("state", "queued")))] == 1
    assert got[("hub_deliveries", (("network", "facebook"), ("state", "queued")))] == 1
    assert got[("hub_publish_lag_max_seconds", (("network", "x"),))] == 90
    assert got[("hub_publish_lag_mean_seconds", (("network", "x"),))] == 90
    fb_labels = (("channel", "Stadt FB"), ("channel_id", str(fb.id)), ("network", "facebook"))
    assert got[("hub_inbox_open_items", fb_labels)] == 2
    assert 180 <= got[("hub_comment_sync_lag_seconds", fb_labels)] < 240
    x_labels = (("channel", "Stadt X"), ("channel_id", str(x.id)), ("network", "x"))
    assert 9.9 < got[("hub_channel_login_expires_days", x_labels)] <= 10
    assert ("hub_channel_login_expires_days", fb_labels) not in got
    assert got[("hub_broker_up", ())] == 1
    assert got[("hub_queue_length", (("queue", "publish"),))] == 1  # no worker runs here
    assert got[("hub_queue_length", (("queue", "sync"),))] == 0
    assert got[("hub_due_waiting_seconds", ())] >= 0
    assert ("hub_dispatch_last_pass_timestamp_seconds", ()) in got
    record_pass(at=now - timedelta(minutes=2))
    got = _samples(_scrape(app, METRICS_TOKEN)[1])
    assert (
        got[("hub_dispatch_last_pass_timestamp_seconds", ())]
        == (now - timedelta(minutes=2)).timestamp()
    )


def test_metrics_say_when_the_broker_is_gone(app: Flask, settings: Settings) -> None:
    from tests.support import free_port

    closed = f"redis://127.0.0.1:{free_port()}/0"
    other = create_app(replace(settings, broker_url=closed, redis_url=closed), {"TESTING": True})
    status, text = _scrape(other, METRICS_TOKEN)
    assert status == 200
    got = _samples(text)
    assert got[("hub_broker_up", ())] == 0
    assert not any(name == "hub_queue_length" for name, _ in got)
    assert ("hub_deliveries", ()) not in got  # no rows, no samples: but the scrape answered
