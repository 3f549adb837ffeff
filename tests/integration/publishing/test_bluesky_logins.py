"""Bluesky sessions kept, not made again (issue 14): ``createSession`` is limited to 30 calls in
five minutes and 300 a day per account, so hub logs in once with the app password, stores the
session encrypted in the channel's credentials and renews it with ``refreshSession``, for every
part of hub (publishing, login check, inbox sync, figures). Both databases, the sandbox over
HTTP (which enforces the limit with the PDS's 429), the real connector and the atproto SDK.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from hub.extensions import db
from hub.models import Channel, ChannelStatus
from hub.models.types import utcnow
from hub.publishing import tokens
from tests.conftest import make_settings
from tests.support import publish_due

DID = "did:plc:bochumtestaaaaaaaaaaaaaa"
PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=2.0, max_attempts=3
    )


@pytest.fixture
def channel(make_channel, sandbox) -> Channel:  # type: ignore[no-untyped-def]
    """A Bluesky channel as an admin saves it: handle and app password, no session yet. The
    sandbox lets the account log in twice in five minutes: a third login fails the test."""
    sandbox.put_account(
        "bluesky", id=DID, username="bochum.de", name="Stadt Bochum", token=PASSWORD
    )
    sandbox.settings("bluesky", login_limit_5min=2)
    return make_channel(
        "bluesky",
        name="Stadt Bochum (@bochum.de)",
        external_id=DID,
        credentials={"handle": "bochum.de", "app_password": PASSWORD},
    )


def calls(sandbox, name: str) -> list[int]:  # type: ignore[no-untyped-def]
    return [r["status"] for r in sandbox.requests("bluesky") if r["path"].endswith(name)]


def stored(channel: Channel) -> dict:  # type: ignore[type-arg]
    db.session.expire_all()
    return dict(db.session.get(Channel, channel.id).credentials)


def _publish(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    approved(channels=[channel], body="Neue Öffnungszeiten der Bürgerbüros")
    (result,) = publish_due()
    return result


def _check(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    result = tokens.check_channel(channel)
    return "ok" if result.ok and result.account == "@bochum.de" else result.message


def _sync(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    from hub.inbox.sync import sync_now

    return sync_now(channel)


def _followers(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    from hub.metrics.collect import collect_account

    snapshot = collect_account(channel.id, utcnow())
    return "ok" if snapshot is not None and snapshot.followers is not None else "none"


def test_one_login_serves_every_part_of_hub(english, approved, channel, sandbox) -> None:
    outcomes = [
        call(approved, channel)
        for _round in range(3)
        for call in (_publish, _check, _sync, _followers)
    ]
    assert outcomes == ["published", "ok", "synced", "ok"] * 3
    assert calls(sandbox, "createSession") == [200]
    assert calls(sandbox, "refreshSession") == []
    kept = stored(channel)
    assert kept["did"] == DID and kept["access_token"] and kept["refresh_token"]
    expires = tokens.access_expires_at(db.session.get(Channel, channel.id))
    assert expires is not None and timedelta(hours=1, minutes=55) < expires - utcnow()
    # Encrypted at rest: neither the app password nor the session is readable in the table.
    raw = db.session.execute(
        text("SELECT credentials FROM channel WHERE id = :id"), {"id": channel.id}
    ).scalar_one()
    assert PASSWORD not in str(raw) and kept["refresh_token"] not in str(raw)


def test_an_expired_session_is_refreshed_not_made_again(
    english, approved, channel, sandbox
) -> None:
    assert _check(approved, channel) == "ok"
    first = stored(channel)
    # The PDS says the access JWT expired (clocks, a revoked session) before hub expected it.
    sandbox.settings("bluesky", age_tokens_seconds=3 * 3600)

    assert _publish(approved, channel) == "published"

    assert calls(sandbox, "createSession") == [200]
    assert calls(sandbox, "refreshSession") == [200]
    assert calls(sandbox, "createRecord") == [400, 200]  # ExpiredToken, then the post
    renewed = stored(channel)
    assert renewed["refresh_token"] != first["refresh_token"]
    # (The access JWT may be the same string: the PDS's have no id and count whole seconds.)


def test_the_frequent_pass_renews_a_session_about_to_expire(app, channel, sandbox) -> None:
    assert _check(None, channel) == "ok"
    row = db.session.get(Channel, channel.id)
    row.credentials = {
        **row.credentials,
        "access_token_expires_at": (utcnow() + timedelta(minutes=10)).isoformat(),
    }
    db.session.commit()

    assert tokens.refresh_due(within=timedelta(minutes=30))["refreshed"] == 1

    assert calls(sandbox, "createSession") == [200]
    assert calls(sandbox, "refreshSession") == [200]


def test_a_refused_refresh_token_logs_in_once_with_the_app_password(
    english, approved, channel, sandbox
) -> None:
    assert _check(approved, channel) == "ok"
    spent = stored(channel)["refresh_token"]
    # Someone else used the refresh token (the PDS rotates it): hub's copy is spent.
    import requests

    requests.post(
        f"{sandbox.url}/xrpc/com.atproto.server.refreshSession",
        headers={"Authorization": f"Bearer {spent}"},
        timeout=5,
    )
    sandbox.settings("bluesky", age_tokens_seconds=3 * 3600)

    assert _publish(approved, channel) == "published"

    assert calls(sandbox, "refreshSession") == [200, 400]
    assert calls(sandbox, "createSession") == [200, 200]
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).status == ChannelStatus.active


def test_a_refused_app_password_asks_for_a_new_login_once(
    english, approved, channel, sandbox
) -> None:
    row = db.session.get(Channel, channel.id)
    row.credentials = {**row.credentials, "app_password": "wrong-wrong-wrong-wrong"}
    db.session.commit()

    assert _publish(approved, channel) == "failed"

    assert calls(sandbox, "createSession") == [401]
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).status == ChannelStatus.needs_reauth
    # The passes do not knock again with an app password Bluesky refused.
    assert tokens.refresh_due()["refreshed"] == 0
    assert tokens.refresh_due(within=timedelta(minutes=30))["refreshed"] == 0
    assert calls(sandbox, "createSession") == [401]
