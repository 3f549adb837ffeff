""" "Test connection" for one channel from its row in the channel list (admins only, POST with
CSRF): the same check as the bulk action (``hub.publishing.tokens.check_channel``), against the
sandbox over HTTP, shown to the admin and audited as ``channel.checked``."""

from __future__ import annotations

import html
import re

import pytest

from hub.extensions import db
from hub.models import AuditEvent, Channel, ChannelStatus
from tests.conftest import csrf_from, make_settings
from tests.integration.admin.conftest import post_form

IG_USER = "17841400000000042"
LIST = "/admin/channels/"
TEST = "/admin/channels/test-connection/"


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=2.0)


@pytest.fixture
def admin(make_user):  # type: ignore[no-untyped-def]
    """An admin who reads hub in English (the messages below are the msgids)."""
    user = make_user("admin")
    user.locale = "en"
    db.session.commit()
    return user


def _events() -> list[AuditEvent]:
    db.session.rollback()
    query = db.select(AuditEvent).where(AuditEvent.action == "channel.checked")
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def _channel(channel_id: int) -> Channel:
    db.session.rollback()
    channel = db.session.get(Channel, channel_id)
    assert channel is not None
    return channel


def _alerts(page: str) -> list[str]:
    """The flashed messages on a page, as "category: text"."""
    found = re.findall(r'<div class="alert alert-(\w+)([^"]*)"[^>]*>(.*?)</div>', page, re.S)
    texts = [
        (kind, html.unescape(re.sub(r"<[^>]+>", "", text)))
        for kind, classes, text in found
        if "hub-banner" not in classes  # the standing banners (a login to renew, ...)
    ]
    return [f"{kind}: {' '.join(text.replace('×', '').split())}" for kind, text in texts]


def test_every_row_has_a_test_button_that_posts_with_the_csrf_token(
    admin, make_channel, client_for
) -> None:
    first = make_channel("instagram", name="Stadt Bochum Instagram", external_id=IG_USER)
    second = make_channel("x", name="Stadt Bochum X")
    page = client_for(admin).get(LIST).text
    forms = re.findall(rf'<form[^>]*action="{TEST}"[^>]*>(.*?)</form>', page, re.S)
    assert len(forms) == 2
    ids = sorted(int(re.search(r'name="id" value="(\d+)"', f).group(1)) for f in forms)
    assert ids == sorted([first.id, second.id])
    for form in forms:
        assert re.search(r'name="csrf_token" value="[^"]+"', form)
        assert ">Test connection</button>" in form
    assert 'method="POST"' in page.split(TEST)[0].rsplit("<form", 1)[1]


def test_a_working_login_shows_the_account_and_is_audited(
    admin, make_channel, client_for, sandbox
) -> None:
    channel = make_channel(
        "instagram",
        name="Stadt Bochum Instagram",
        external_id=IG_USER,
        status=ChannelStatus.needs_reauth,
        status_message="The login was refused.",
    )
    client = client_for(admin)
    response = post_form(client, LIST, {"id": channel.id, "url": LIST}, post_url=TEST)
    assert response.status_code == 302 and response.headers["Location"].endswith(LIST)

    (alert,) = _alerts(client.get(LIST).text)
    assert alert.startswith("success: Stadt Bochum Instagram: Connected as @"), alert
    account = alert.split("Connected as ", 1)[1].rstrip(".")
    assert [r["method"] for r in sandbox.requests("instagram")] == ["GET"]  # one call, read-only

    (event,) = _events()
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "channel", channel.id)
    assert event.details == {"ok": True, "account": account}
    reloaded = _channel(channel.id)
    assert reloaded.status == ChannelStatus.active and reloaded.status_message is None


def test_a_refused_login_shows_the_reason_and_is_audited(
    admin, make_channel, client_for, sandbox
) -> None:
    channel = make_channel("instagram", name="Stadt Bochum Instagram", external_id=IG_USER)
    sandbox.add_fault("instagram", "expired_token")
    client = client_for(admin)
    assert post_form(client, LIST, {"id": channel.id}, post_url=TEST).status_code == 302

    (alert,) = _alerts(client.get(LIST).text)
    assert alert.startswith("danger: Stadt Bochum Instagram: The login no longer works: "), alert
    (event,) = _events()
    assert event.actor_id == admin.id and event.details["ok"] is False
    assert event.details["reason"] and event.details["reason"] in alert
    assert _channel(channel.id).status == ChannelStatus.needs_reauth


def test_the_row_button_and_the_bulk_action_audit_alike(
    admin, make_channel, client_for, sandbox
) -> None:
    channel = make_channel("instagram", name="Stadt Bochum Instagram", external_id=IG_USER)
    client = client_for(admin)
    assert post_form(client, LIST, {"id": channel.id}, post_url=TEST).status_code == 302
    bulk = {"action": "test_connection", "rowid": str(channel.id), "url": LIST}
    assert post_form(client, LIST, bulk, post_url="/admin/channels/action/").status_code == 302

    row, action = _events()
    assert (row.actor_id, row.object_id, row.details) == (
        action.actor_id,
        action.object_id,
        action.details,
    )


@pytest.mark.parametrize("role", ["editor", "approver", "moderator", "manager"])
def test_only_admins_may_test(role, make_user, make_channel, client_for, sandbox) -> None:
    channel = make_channel("instagram", external_id=IG_USER)
    client = client_for(make_user(role))
    token = csrf_from(client.get("/admin/").text)
    response = client.post(TEST, data={"id": channel.id, "csrf_token": token})
    assert response.status_code == 403
    assert _events() == [] and sandbox.requests("instagram") == []


def test_anonymous_visitors_are_sent_to_the_login(app, make_channel, sandbox) -> None:
    channel = make_channel("instagram", external_id=IG_USER)
    app.config["WTF_CSRF_ENABLED"] = False  # past the CSRF check: the access check must hold
    response = app.test_client().post(TEST, data={"id": channel.id})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _events() == [] and sandbox.requests("instagram") == []


def test_without_the_csrf_token_nothing_happens(admin, make_channel, client_for, sandbox) -> None:
    channel = make_channel("instagram", external_id=IG_USER)
    client = client_for(admin)
    assert client.post(TEST, data={"id": channel.id}).status_code == 400
    assert client.get(f"{TEST}?id={channel.id}").status_code == 405  # no test by a link
    assert _events() == [] and sandbox.requests("instagram") == []


def test_unknown_channel_and_foreign_return_address(admin, client_for, sandbox) -> None:
    client = client_for(admin)
    data = {"id": 999_999, "url": "https://evil.example/phish"}
    response = post_form(client, LIST, data, post_url=TEST)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(LIST)  # never off-site
    assert _alerts(client.get(LIST).text) == ["danger: This channel no longer exists."]
    assert _events() == []
