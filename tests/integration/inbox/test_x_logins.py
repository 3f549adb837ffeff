"""Moderation on X with two-hour OAuth 2.0 tokens (issue 11, finding 1): a reply whose access
token X no longer takes renews the login once and is sent, once (the moderation actions use the
same renewal as publishing, sync, figures and login checks: hub.publishing.tokens)."""

from __future__ import annotations

from datetime import timedelta

import requests

from hub.extensions import db
from hub.inbox import actions
from hub.models import ActionState, Channel, ChannelStatus
from hub.models.types import utcnow


def test_a_reply_after_the_token_expired_renews_once_and_is_sent_once(
    citizen_comment, channel, make_user, sandbox, sandbox_url
) -> None:
    comment = citizen_comment("x")
    ch = channel("x")
    # The channel's account gets a token pair from the sandbox's token endpoint, as after
    # X's consent flow; hub believes its access token has an hour left.
    me = requests.get(
        f"{sandbox_url}/2/users/me", headers={"Authorization": "Bearer x-inbox"}, timeout=5
    ).json()["data"]
    sandbox.put_account("x", id=me["id"], token="consent-refresh")
    pair = requests.post(
        f"{sandbox_url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "consent-refresh", "client_id": "c"},
        timeout=5,
    ).json()
    ch.credentials = {
        "access_token": pair["access_token"],
        "refresh_token": pair["refresh_token"],
        "client_id": "c",
        "access_token_expires_at": (utcnow() + timedelta(hours=1)).isoformat(),
    }
    db.session.commit()
    sandbox.settings("x", age_tokens_seconds=7200)  # X says: expired
    action = actions.request_action(comment, "reply", make_user("moderator"), text="Ab 14 Uhr.")
    db.session.commit()
    seen = len(sandbox.requests("x"))

    assert actions.run_action(action.id) == ActionState.done

    calls = [(r["method"], r["path"], r["status"]) for r in sandbox.requests("x")[seen:]]
    assert [c for c in calls if c[2] == 401] != []
    assert [c for c in calls if c[1] == "/2/oauth2/token"] == [("POST", "/2/oauth2/token", 200)]
    # Refused once (nothing made), renewed, then made once.
    assert [c for c in calls if c[:2] == ("POST", "/2/tweets")] == [
        ("POST", "/2/tweets", 401),
        ("POST", "/2/tweets", 201),
    ]
    assert [c["text"] for c in sandbox.comments("x")].count("Ab 14 Uhr.") == 1
    db.session.refresh(action)
    assert action.attempts == 1
    db.session.expire_all()
    assert db.session.get(Channel, ch.id).status == ChannelStatus.active
