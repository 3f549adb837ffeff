"""``/api/v1/metrics``: the open data (JSON and CSV), per-channel and per-announcement figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from hub.auth.scopes import Scope
from hub.auth.tokens import create_token
from hub.extensions import db
from hub.metrics import collect
from hub.models.types import utcnow
from tests.integration.metrics.conftest import CFG


def _get(client, user, path):  # type: ignore[no-untyped-def]
    token = create_token(user, "test", scopes={Scope.metrics})
    db.session.commit()
    return client.get(path, headers={"Authorization": f"Bearer {token}"})


def test_metrics_api_for_managers(client, published, sandbox, make_user) -> None:
    ann = published("x", "facebook")
    for d in ann.deliveries:
        figures = (
            {"impression_count": 500} if d.channel.network == "x" else {"post_media_view": 800}
        )
        sandbox.set_metrics(d.channel.network, d.remote_id, **figures)
    # Planned when the first reading is due (15 minutes after publishing), read now: a reading
    # stamped in the future would fall on tomorrow's date late in the evening, outside the
    # range the pages and the API show by default (up to today, in the office's zone).
    due = max(d.published_at for d in ann.deliveries) + timedelta(minutes=15)
    for claim in collect.plan_pass(due, CFG):
        collect.collect_channel(claim, utcnow(), cfg=CFG)
    manager = make_user("manager")

    daily = _get(client, manager, "/api/v1/metrics/daily")
    assert daily.status_code == 200
    body = daily.get_json()
    assert {r["network"]: r["views"] for r in body["data"]} == {"x": 500, "facebook": 800}
    assert body["meta"]["time_zone"] == "Europe/Berlin"
    assert all(r["announcement_id"] == ann.id for r in body["data"])

    as_csv = _get(client, manager, "/api/v1/metrics/daily?format=csv")
    assert as_csv.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(as_csv.data.decode())))
    assert sorted(int(r["views"]) for r in rows) == [500, 800]

    x_channel = next(d.channel_id for d in ann.deliveries if d.channel.network == "x")
    only_x = _get(client, manager, f"/api/v1/metrics/channels?channel={x_channel}").get_json()
    (channel,) = only_x["channels"]
    assert channel["network"] == "x" and channel["totals"]["views"] == 500
    assert channel["totals"]["reach"] is None  # X does not report reach: unknown, not 0
    assert channel["posts"] == 1

    one = _get(client, manager, f"/api/v1/metrics/announcements/{ann.id}").get_json()
    assert one["totals"]["views"] == 1300
    assert {d["network"] for d in one["deliveries"]} == {"x", "facebook"}

    assert _get(client, manager, "/api/v1/metrics/announcements/999999").status_code == 404
    too_long = _get(client, manager, "/api/v1/metrics/daily?start=2020-01-01&end=2026-01-01")
    assert too_long.status_code == 400


def test_metrics_api_needs_the_dashboard_permission(client, make_user) -> None:
    editor = make_user("editor")
    for path in ("/api/v1/metrics/daily", "/api/v1/metrics/channels"):
        assert _get(client, editor, path).status_code == 403
        assert client.get(path).status_code == 401


def test_metrics_routes_are_in_the_openapi_document(client) -> None:
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/metrics/daily" in paths
    assert "/api/v1/metrics/channels" in paths
    assert "/api/v1/metrics/announcements/{announcement_id}" in paths
    params = {p["name"] for p in paths["/api/v1/metrics/daily"]["get"]["parameters"]}
    assert {"start", "end", "channel", "format"} <= params
