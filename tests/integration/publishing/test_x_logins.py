"""X logins over time (issue 11, finding 1): two-hour OAuth 2.0 access tokens and rotating
refresh tokens, kept alive in one place for every part of hub (both databases, the sandbox's
token endpoint over HTTP, the real connector and tweepy).

- renewed ahead of expiry, before a connector is built (publishing, inbox, figures, login check);
- renewed once on a 401, and the refused call made once more;
- two workers never both spend the rotating refresh token (the channel's row is locked);
- a refresh answer without a refresh token never erases the stored one;
- a refresh that failed for now (network down, 5xx) never asks for a new login, and is retried;
- a 15-minute pass renews what expires within 30 minutes; the daily pass stays.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import requests
import responses
from sqlalchemy import select

from hub.extensions import db
from hub.models import AuditEvent, Channel, ChannelStatus, DeliveryState
from hub.models.types import utcnow
from hub.publishing import tokens
from tests.conftest import make_settings
from tests.support import publish_due

USER_ID = "1500000000000000042"
CLIENT_ID = "aHViLXNhbmRib3gtY2xpZW50"


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(
        tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=2.0, max_attempts=3
    )


@pytest.fixture
def x_channel(make_channel, sandbox, sandbox_url):  # type: ignore[no-untyped-def]
    """An X channel with a token pair the sandbox issued, as after the consent flow; ``hub_expiry``:
    when hub believes the access token expires (from ``expires_in``)."""
    counter = iter(range(1, 100))

    def make(hub_expiry: timedelta = timedelta(hours=2), **extra: object) -> Channel:
        n = next(counter)
        consent = f"refresh-from-consent-{n}"
        sandbox.put_account("x", id=USER_ID, username="stadt_bochum", token=consent)
        pair = requests.post(
            f"{sandbox_url}/2/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": consent, "client_id": CLIENT_ID},
            timeout=5,
        ).json()
        credentials = {
            "access_token": pair["access_token"],
            "refresh_token": pair["refresh_token"],
            "client_id": CLIENT_ID,
            "access_token_expires_at": (utcnow() + hub_expiry).isoformat(),
            **extra,
        }
        return make_channel(
            "x", name=f"Stadt Bochum {n} (x)", external_id=USER_ID + str(n), credentials=credentials
        )

    return make


def x_calls(sandbox) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return [(r["method"], r["path"], r["status"]) for r in sandbox.requests("x")]


def token_calls(sandbox) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return [c for c in x_calls(sandbox) if c[1] == "/2/oauth2/token"]


def stored(channel: Channel) -> dict:  # type: ignore[type-arg]
    db.session.expire_all()
    return dict(db.session.get(Channel, channel.id).credentials)


def test_a_token_about_to_expire_is_renewed_before_publishing(approved, x_channel, sandbox) -> None:
    channel = x_channel(hub_expiry=timedelta(minutes=1))
    before = stored(channel)
    sandbox.settings("x", age_tokens_seconds=7200)  # on X, its two hours are over
    sandbox_seen = len(sandbox.requests("x"))
    ann = approved(channels=[channel], body="Heute Bürgersprechstunde im Rathaus")

    assert publish_due() == ["published"]

    (delivery,) = ann.deliveries
    assert delivery.attempts == 1
    calls = x_calls(sandbox)[sandbox_seen:]
    assert calls[0] == ("POST", "/2/oauth2/token", 200)  # first the renewal, then the post
    assert ("POST", "/2/tweets", 201) in calls
    assert not [c for c in calls if c[2] == 401]
    after = stored(channel)
    assert after["access_token"] != before["access_token"]
    assert after["refresh_token"] != before["refresh_token"]  # X rotates refresh tokens
    expires = datetime.fromisoformat(after["access_token_expires_at"])
    assert timedelta(hours=1, minutes=55) < expires - utcnow() <= timedelta(hours=2)


def _publish(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    approved(channels=[channel], body="Neue Öffnungszeiten der Bürgerbüros")
    (result,) = publish_due()
    return result


def _check(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    result = tokens.check_channel(channel)
    return "ok" if result.ok and result.account == "@stadt_bochum" else result.message


def _sync(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    from hub.inbox.sync import sync_now

    return sync_now(channel)


def _followers(approved, channel: Channel) -> str:  # type: ignore[no-untyped-def]
    from hub.metrics.collect import collect_account

    snapshot = collect_account(channel.id, utcnow())
    return "ok" if snapshot is not None and snapshot.followers is not None else "none"


@pytest.mark.parametrize(
    ("call", "outcome"),
    [(_publish, "published"), (_check, "ok"), (_sync, "synced"), (_followers, "ok")],
    ids=["publish", "login-check", "inbox-sync", "figures"],
)
def test_a_401_renews_the_login_once_and_repeats_the_call(
    english, approved, x_channel, sandbox, call, outcome
) -> None:
    # hub believes the token has an hour left; X says it expired (revoked early, clocks).
    channel = x_channel(hub_expiry=timedelta(hours=1))
    sandbox.settings("x", age_tokens_seconds=7200)
    seen = len(sandbox.requests("x"))

    assert call(approved, channel) == outcome

    calls = x_calls(sandbox)[seen:]
    refused = [i for i, c in enumerate(calls) if c[2] == 401]
    renewed = [i for i, c in enumerate(calls) if c[1] == "/2/oauth2/token"]
    assert len(refused) == 1 and len(renewed) == 1 and refused[0] < renewed[0]
    assert calls[renewed[0]][2] == 200
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).status == ChannelStatus.active


def test_a_refused_renewal_asks_for_a_new_login_once(english, approved, x_channel, sandbox) -> None:
    channel = x_channel(hub_expiry=timedelta(hours=1))
    spent = stored(channel)["refresh_token"]
    # Someone else used the refresh token (X rotates it): hub's copy is spent.
    requests.post(
        f"{sandbox.url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": spent, "client_id": CLIENT_ID},
        timeout=5,
    )
    sandbox.settings("x", age_tokens_seconds=7200)
    seen = len(token_calls(sandbox))

    assert _publish(approved, channel) == DeliveryState.failed

    assert [c[2] for c in token_calls(sandbox)[seen:]] == [400]
    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert channel.status == ChannelStatus.needs_reauth
    assert "connect the channel again" in channel.status_message
    assert stored(channel)["refresh_token"] == spent  # nothing stored from a refusal
    # The passes do not knock again with a refresh token X refused.
    assert tokens.refresh_due()["refreshed"] == 0
    assert tokens.refresh_due(within=timedelta(minutes=30))["refreshed"] == 0
    assert [c[2] for c in token_calls(sandbox)[seen:]] == [400]


def test_two_workers_spend_the_rotating_refresh_token_once(app, x_channel, sandbox) -> None:
    channel = x_channel(hub_expiry=timedelta(minutes=-1))  # expired: both want to renew
    channel_id = channel.id
    # X takes its time answering: both workers are inside the renewal at once.
    sandbox.add_fault("x", "latency", seconds=0.5, count=2, path="/2/oauth2/token")
    seen = len(token_calls(sandbox))
    start = threading.Barrier(2)
    used: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                mine = db.session.get(Channel, channel_id)
                start.wait(timeout=10)
                connector = tokens.connector_with_fresh_login(mine)
                used.append(connector.access.credentials["access_token"])
                db.session.remove()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and not any(t.is_alive() for t in threads)

    assert [c[2] for c in token_calls(sandbox)[seen:]] == [200]  # one renewal, never a 400
    after = stored(channel)
    assert used == [after["access_token"], after["access_token"]]
    db.session.expire_all()
    assert db.session.get(Channel, channel_id).status == ChannelStatus.active


def test_an_answer_without_refresh_token_never_erases_the_stored_one(
    tmp_path, database_url, make_channel
) -> None:
    from flask import current_app

    # The real X token endpoint (no sandbox URL): its answer recorded in X's documented shape,
    # here without a refresh token, as X sends when it does not rotate it.
    current_app.config["HUB_SETTINGS"] = make_settings(tmp_path, database_url)
    channel = make_channel(
        "x",
        credentials={
            "access_token": "old-access",
            "refresh_token": "keep-me",
            "client_id": CLIENT_ID,
            "access_token_expires_at": utcnow().isoformat(),
        },
    )
    with responses.RequestsMock() as rsps:
        rsps.post(
            tokens.X_TOKEN_URL,
            json={
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": "new-access",
                "scope": "tweet.read tweet.write users.read offline.access",
                "refresh_token": "",
            },
        )
        assert tokens.refresh_channel(channel) == "refreshed"
    after = stored(channel)
    assert after["access_token"] == "new-access"
    assert after["refresh_token"] == "keep-me"


def test_a_transient_refresh_failure_never_asks_for_a_new_login(
    approved, x_channel, sandbox
) -> None:
    channel = x_channel(hub_expiry=timedelta(minutes=-1))
    sandbox.settings("x", age_tokens_seconds=7200)
    sandbox.add_fault("x", "status", status=503, count=3, path="/2/oauth2/token")

    # The pass fails for now: the channel stays active, nothing is lost.
    assert tokens.refresh_due(within=timedelta(minutes=30))["failed"] == 1
    # A post meanwhile: the renewal fails again, the post waits instead of failing.
    assert _publish(approved, channel) == DeliveryState.retry_wait
    db.session.expire_all()
    assert db.session.get(Channel, channel.id).status == ChannelStatus.active

    sandbox.clear_faults()  # X is back: the next pass renews, the post goes out
    assert tokens.refresh_due(within=timedelta(minutes=30))["refreshed"] == 1
    delivery = db.session.scalars(select(Channel).where(Channel.id == channel.id)).one()
    assert delivery.status == ChannelStatus.active
    from hub.models import Delivery

    (waiting,) = db.session.scalars(select(Delivery)).all()
    assert publish_due(now=waiting.next_attempt_at + timedelta(seconds=1)) == ["published"]


def test_a_channel_waiting_for_a_login_with_a_working_refresh_token_recovers(
    x_channel, sandbox
) -> None:
    # Left behind by the old daily-only refresh: "needs a new login" after a 401, although its
    # refresh token was never refused.
    channel = x_channel(hub_expiry=timedelta(minutes=-1))
    channel.status = ChannelStatus.needs_reauth
    channel.status_message = "The X login of this channel has expired or was revoked."
    db.session.commit()

    assert tokens.refresh_due(within=timedelta(minutes=30))["refreshed"] == 1

    db.session.expire_all()
    channel = db.session.get(Channel, channel.id)
    assert channel.status == ChannelStatus.active and channel.status_message is None
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "channel.login_refreshed")
    ).all()
    assert event.details["recovered"] is True


def test_the_short_pass_renews_only_what_expires_soon_and_runs_every_15_minutes(
    settings, x_channel, sandbox
) -> None:
    from hub.scheduler.app import make_celery

    soon = x_channel(hub_expiry=timedelta(minutes=20))
    later = x_channel(hub_expiry=timedelta(minutes=90))
    before = {c.id: stored(c)["access_token"] for c in (soon, later)}

    counts = tokens.refresh_due(within=timedelta(minutes=30))

    assert counts["refreshed"] == 1
    assert stored(soon)["access_token"] != before[soon.id]
    assert stored(later)["access_token"] == before[later.id]
    schedule = make_celery(settings, set_as_current=False).conf.beat_schedule
    short = next(e for e in schedule.values() if e["task"] == "hub.sync.refresh_short_logins")
    assert short["schedule"] == timedelta(minutes=15)
    assert any(e["task"] == "hub.sync.refresh_logins" for e in schedule.values())  # daily stays
