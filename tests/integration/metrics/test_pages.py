"""The dashboard pages and their exports, as managers (and nobody else) see them."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from hub.extensions import db
from hub.metrics import collect
from hub.models import Channel, Comment
from hub.models.types import utcnow
from tests.conftest import login
from tests.integration.admin.support import speed_up
from tests.integration.metrics.conftest import CFG

EVIL = '<script>alert("x")</script> Baustelle'


@pytest.fixture(autouse=True)
def _fast_admin_app(app) -> None:  # type: ignore[no-untyped-def]
    speed_up(app)


@pytest.fixture
def client_for(app):  # type: ignore[no-untyped-def]
    """A test client logged in as ``user`` (own cookies, own app context per request)."""

    def make(user):  # type: ignore[no-untyped-def]
        client = app.test_client()
        login(client, user.email)
        return client

    return make


@pytest.fixture
def with_figures(published, sandbox, make_user):  # type: ignore[no-untyped-def]
    """One announcement on X and Facebook with figures collected, and an answered comment."""
    ann = published("x", "facebook")
    ann.title = EVIL
    db.session.commit()
    for d in ann.deliveries:
        if d.channel.network == "x":
            sandbox.set_metrics("x", d.remote_id, impression_count=1200, like_count=30)
        else:
            sandbox.set_metrics("facebook", d.remote_id, post_media_view=2000, like=12)
    moderator = make_user("moderator", name="Mona Moderatorin")
    received = utcnow() - timedelta(hours=3)
    db.session.add(
        Comment(
            channel_id=ann.deliveries[0].channel_id,
            delivery_id=ann.deliveries[0].id,
            remote_id="c-1",
            author_name="Erika Bürgerin",
            text="Geheimer Kommentartext",
            remote_created_at=received,
            first_answered_at=received + timedelta(minutes=90),
            assignee_id=moderator.id,
        )
    )
    db.session.commit()
    # Planned when the first reading is due (15 minutes after publishing), read now: a reading
    # stamped in the future would fall on tomorrow's date late in the evening, outside the
    # range the pages and the API show by default (up to today, in the office's zone).
    due = max(d.published_at for d in ann.deliveries) + timedelta(minutes=15)
    for claim in collect.plan_pass(due, CFG):
        collect.collect_channel(claim, utcnow(), cfg=CFG)
    db.session.expire_all()
    return ann


def test_only_managers_and_admins_get_in(app, client, client_for, make_user) -> None:
    assert client.get("/admin/engagement/").status_code == 302  # to the login page
    editor = client_for(make_user("editor"))
    for path in (
        "/admin/engagement/",
        "/admin/engagement/export/channels.csv",
        "/admin/engagement/open-data.json",
        "/admin/engagement/announcements/1",
        "/admin/engagement/assets/plotly.min.js",
    ):
        assert editor.get(path).status_code == 403, path
    assert client_for(make_user("manager")).get("/admin/engagement/").status_code == 200
    assert client_for(make_user("admin")).get("/admin/engagement/").status_code == 200


def test_dashboard_and_announcement_pages_show_charts_and_tables(
    with_figures,
    client_for,
    make_user,
) -> None:
    manager = client_for(make_user("manager"))
    page = manager.get("/admin/engagement/?metric=views")
    assert page.status_code == 200
    html = page.text
    for key in ("trend", "channels", "followers", "inbox"):
        assert f'id="chart-{key}"' in html and f'id="chart-data-{key}"' in html
    for key in ("trend", "channels", "top", "followers", "inbox-channels", "inbox-moderators"):
        assert f'id="table-{key}"' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "3.200" in html or "3,200" in html  # 1,200 on X + 2,000 on Facebook
    assert "Mona Moderatorin" in html
    assert "cdn" not in html.lower()
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    bundle = manager.get("/admin/engagement/assets/plotly.min.js")
    assert bundle.status_code == 200 and b"plotly.js" in bundle.data[:200]

    # The announcement's own page: its networks side by side.
    page = manager.get(f"/admin/engagement/announcements/{with_figures.id}")
    assert page.status_code == 200
    for key in ("networks", "timeline", "daily"):
        assert f'id="table-{key}"' in page.text and f'id="chart-{key}"' in page.text
    assert "1.200" in page.text or "1,200" in page.text
    assert manager.get("/admin/engagement/announcements/999999").status_code == 404


def test_exports_hold_the_tables_and_open_data_no_personal_data(
    english, with_figures, client_for, make_user
) -> None:
    manager = client_for(make_user("manager"))
    response = manager.get("/admin/engagement/export/channels.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    views = {row["Channel"]: row["Views"] for row in rows}
    assert sorted(views.values()) == ["1200", "2000"]
    workbook = load_workbook(io.BytesIO(manager.get("/admin/engagement/export/all.xlsx").data))
    assert len(workbook.sheetnames) == 6
    top = manager.get("/admin/engagement/export/top.csv").data.decode("utf-8-sig")
    assert "'<script>" not in top and "<script>" in top  # text as typed, not a formula
    sheet = load_workbook(
        io.BytesIO(manager.get("/admin/engagement/export/inbox-moderators.xlsx").data)
    ).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[2][:3] == ["Mona Moderatorin", 1, 1]  # received, answered
    assert rows[2][3] == 90.0  # minutes to the first answer
    timeline = manager.get(
        f"/admin/engagement/announcements/{with_figures.id}/export/timeline.csv"
    ).data.decode("utf-8-sig")
    assert timeline.splitlines()[1].startswith("15.0,")  # 15 minutes after publication
    assert manager.get("/admin/engagement/export/nothing.csv").status_code == 404

    # Open data: figures, and no personal data.
    as_json = manager.get("/admin/engagement/open-data.json")
    body = json.loads(as_json.data)
    assert {row["network"] for row in body["data"]} == {"x", "facebook"}
    assert sum(row["views"] for row in body["data"]) == 3200
    as_csv = manager.get("/admin/engagement/open-data.csv").data.decode()
    for text in (as_json.data.decode(), as_csv):
        assert "Erika" not in text and "Geheimer" not in text and "Mona" not in text
        assert "@bochum.example" not in text and "Baustelle" not in text  # no internal title
    assert as_csv.splitlines()[0].startswith("day,announcement_id,network,account,post_url")


def test_open_data_csv_keeps_a_formula_as_text(
    english, with_figures, client_for, make_user
) -> None:
    """A channel name that looks like a formula cannot run in the spreadsheet of whoever
    downloads the city's open data; the JSON keeps the name as it is."""
    evil = '=HYPERLINK("https://evil.example","Klick")'
    channel = db.session.scalars(db.select(Channel).where(Channel.network == "x")).one()
    channel.name = evil
    db.session.commit()
    manager = client_for(make_user("manager"))
    as_csv = manager.get("/admin/engagement/open-data.csv").data.decode()
    accounts = {row["account"] for row in csv.DictReader(io.StringIO(as_csv))}
    assert "'" + evil in accounts and evil not in accounts
    as_json = json.loads(manager.get("/admin/engagement/open-data.json").data)
    assert evil in {row["account"] for row in as_json["data"]}
