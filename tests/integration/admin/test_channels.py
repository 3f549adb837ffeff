"""Channels (admins only): credentials are write-only and every change is audited."""

from __future__ import annotations

from hub.extensions import db
from hub.models import AuditEvent, Channel
from tests.integration.admin.conftest import channel_fields, edit_channel, post_form

SECRET = "EAAB-very-secret-page-token-4711"


def _events(action: str) -> list[AuditEvent]:
    db.session.rollback()
    query = db.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def _channel() -> Channel:
    db.session.rollback()
    return db.session.scalars(db.select(Channel)).one()


def test_admin_connects_a_channel_and_the_secret_never_comes_back(make_user, client_for) -> None:
    admin = make_user("admin")
    client = client_for(admin)
    response = post_form(
        client,
        "/admin/channels/new/",
        {
            "name": "Stadt Bochum",
            "network": "facebook",
            "external_id": "123456",
            "status": "active",
            "new_credentials": f'{{"access_token": "{SECRET}", "app_id": "42"}}',
        },
    )
    assert response.status_code == 302, response.text[:3000]
    assert SECRET not in response.text
    channel = _channel()
    assert channel.credentials == {"access_token": SECRET, "app_id": "42"}

    pages = [
        client.get("/admin/channels/"),
        client.get(f"/admin/channels/edit/?id={channel.id}"),
        client.get("/admin/channels/new/"),
        client.get(f"/admin/channels/details/?id={channel.id}"),
        client.get("/admin/audit/"),
    ]
    for page in pages:
        assert SECRET not in page.text
        assert "app_id" not in page.text  # not even the stored keys' names
    assert "Stadt Bochum" in pages[0].text and "123456" in pages[0].text

    [created] = _events("channel.created")
    assert created.actor_id == admin.id and created.object_id == channel.id
    assert created.details == {
        "network": "facebook",
        "name": "Stadt Bochum",
        "credentials_set": True,
    }


def test_empty_credentials_keep_the_stored_ones_and_new_ones_replace(
    make_user, make_channel, client_for
) -> None:
    channel = make_channel("x", name="X Stadt", credentials={"access_token": SECRET})
    client = client_for(make_user("admin"))
    url = f"/admin/channels/edit/?id={channel.id}"
    fields = {
        "name": "X Stadt Bochum",
        "network": "x",
        "external_id": channel.external_id,
        "status": "active",
    }

    assert post_form(client, url, {**fields, "new_credentials": ""}).status_code == 302
    assert _channel().credentials == {"access_token": SECRET}
    [renamed] = _events("channel.updated")
    assert renamed.details == {"changed": ["name"], "credentials_replaced": False}

    assert (
        post_form(client, url, {**fields, "new_credentials": "bare-token-0815"}).status_code == 302
    )
    assert _channel().credentials == {"access_token": "bare-token-0815"}
    replaced = _events("channel.updated")[-1]
    assert replaced.details == {"changed": [], "credentials_replaced": True}
    assert "bare-token-0815" not in str(replaced.details)


def test_invalid_credentials_are_refused_without_echoing_them(
    english, make_user, make_channel, client_for
) -> None:
    channel = make_channel("x", credentials={"access_token": "old"})
    client = client_for(make_user("admin"))
    data = channel_fields(
        channel.name, "x", channel.external_id, '{"access_token": "half-typed-' + SECRET
    )
    response = edit_channel(client, channel, data)
    assert response.status_code == 200  # the form again, with the error
    assert "The credentials are not valid JSON." in response.text
    assert SECRET not in response.text
    assert _channel().credentials == {"access_token": "old"}


def test_switching_off_is_audited_as_disabled(make_user, make_channel, client_for) -> None:
    first, second = make_channel("x"), make_channel("facebook")
    client = client_for(make_user("admin"))
    data = channel_fields(first.name, "x", first.external_id, status="disabled")
    response = edit_channel(client, first, data)
    assert response.status_code == 302
    [disabled] = _events("channel.disabled")
    assert disabled.object_id == first.id and disabled.details == {"previous_status": "active"}
    assert _events("channel.updated") == []  # nothing else changed

    response = post_form(
        client,
        "/admin/channels/",
        {"action": "disable", "rowid": [str(second.id)]},
        post_url="/admin/channels/action/",
    )
    assert response.status_code == 302
    assert [e.object_id for e in _events("channel.disabled")] == [first.id, second.id]
    assert db.session.get(Channel, second.id).status == "disabled"


def test_a_duplicate_account_shows_words_not_sql(
    english, make_user, make_channel, client_for
) -> None:
    existing = make_channel("x", credentials={"access_token": SECRET})
    client = client_for(make_user("admin"))
    response = post_form(
        client,
        "/admin/channels/new/",
        {
            "name": "Doppelt",
            "network": "x",
            "external_id": existing.external_id,
            "status": "active",
            "new_credentials": "another-token",
        },
    )
    assert "clashes with an existing entry" in response.text
    assert "INSERT" not in response.text and "another-token" not in response.text
    db.session.rollback()
    assert db.session.query(Channel).count() == 1
