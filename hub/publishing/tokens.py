"""Channel logins over time: refresh what can be refreshed, warn before expiry, test a login.

Every network's token ages differently: Instagram's long-lived tokens last 60 days and can be
extended while still valid; Google (YouTube) access tokens last an hour but their refresh token
stays valid until revoked; X's OAuth 2 access tokens last two hours and come with a rotating
refresh token; Facebook page tokens and Flickr's OAuth 1.0a tokens do not expire. What a person
must act on is the date after which hub can no longer publish without a new login: that is
``Channel.token_expires_at`` (None: no known end).

- :func:`refresh_channel` asks the channel's connector for a fresh login (``refresh_login()``,
  where the network offers it; X is refreshed here, since its connector has no such call) and
  stores the new credentials and expiry. A refused refresh marks the channel "needs a new
  login", so its deliveries wait with a clear message instead of failing one by one.
- :func:`warn_expiring` tells every admin once when a login has 14 days left, and again at 3
  days; :func:`expiring_channels` feeds the banner and the channel list.
- :func:`check_channel` is the admin's "Test connection": one cheap authenticated call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from hub import audit
from hub.extensions import db
from hub.models import Channel, ChannelStatus, Network
from hub.models.network_state import LoginWarning
from hub.models.types import utcnow

log = logging.getLogger(__name__)

WARN_DAYS = (14, 3)
# Refresh a refreshable login when it has less than this left (the daily task runs once a day,
# so a week's margin survives a few missed runs).
REFRESH_BEFORE = timedelta(days=7)
X_TOKEN_URL = "https://api.x.com/2/oauth2/token"  # noqa: S105 (a URL)


@dataclass(frozen=True)
class LoginRefresh:
    """A fresh login: the credentials to store (merged over the old) and when it ends."""

    credentials: Mapping[str, Any]
    expires_at: datetime | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str
    account: str | None = None


def _settings() -> Any:
    return current_app.config["HUB_SETTINGS"]


def _connector(channel: Channel) -> Any:
    from hub.connectors.registry import connector_for_channel

    return connector_for_channel(channel, _settings())


# ---------------------------------------------------------------------------------------------
# Test connection


def check_channel(channel: Channel, actor: Any = None) -> CheckResult:
    """Call the network as this channel; a working login re-activates a "needs login" channel."""
    from hub.connectors.base import AuthExpired, ConnectorError, Unsupported

    try:
        name = _connector(channel).check_connection()
    except Unsupported as exc:
        return CheckResult(False, exc.message)
    except AuthExpired as exc:
        log.info("login check of channel %s: %s", channel.id, exc)
        _needs_login(channel, exc.message)
        audit.record("channel.checked", channel, actor=actor, ok=False, reason=exc.message)
        db.session.commit()
        return CheckResult(False, _("The login no longer works: %(reason)s", reason=exc.message))
    except ConnectorError as exc:
        log.info("login check of channel %s: %s", channel.id, exc)
        audit.record("channel.checked", channel, actor=actor, ok=False, reason=exc.message)
        db.session.commit()
        return CheckResult(
            False, _("The network did not answer as expected: %(reason)s", reason=exc.message)
        )
    if channel.status == ChannelStatus.needs_reauth:
        channel.status = ChannelStatus.active
        channel.status_message = None
    audit.record("channel.checked", channel, actor=actor, ok=True, account=name)
    db.session.commit()
    return CheckResult(True, _("Connected as %(name)s.", name=name), name)


def _needs_login(channel: Channel, reason: str) -> None:
    from hub.publishing.channels import flag_needs_login
    from hub.publishing.notify import notify_channel_needs_login

    if flag_needs_login(channel, reason):
        db.session.refresh(channel)
        audit.record("channel.needs_reauth", channel, reason=reason)
        notify_channel_needs_login(channel, None)


# ---------------------------------------------------------------------------------------------
# Refresh


def refresher_for(network: str) -> Callable[[Channel], LoginRefresh] | None:
    """How this network's login is refreshed, or None where it cannot (or need not) be."""
    if network == Network.x:
        return _refresh_x
    if network in (Network.instagram, Network.youtube):
        return lambda channel: _connector(channel).refresh_login()
    return None


def needs_refresh(channel: Channel, now: datetime) -> bool:
    creds = channel.credentials or {}
    if channel.network == Network.youtube:
        # Google access tokens live an hour; refreshing daily keeps the refresh token in use
        # (Google revokes refresh tokens unused for six months) and shows a revoked one early.
        return bool(creds.get("refresh_token"))
    if channel.network == Network.x:
        return bool(creds.get("refresh_token"))
    if channel.token_expires_at is None:
        return channel.network == Network.instagram
    return channel.token_expires_at - now < REFRESH_BEFORE


def refresh_channel(channel: Channel, now: datetime | None = None) -> str:
    """Refresh one channel's login if due; returns "refreshed", "skipped" or "failed"."""
    from hub.connectors.base import AuthExpired, ConnectorError

    now = now or utcnow()
    refresher = refresher_for(channel.network)
    if (
        refresher is None
        or channel.status != ChannelStatus.active
        or not needs_refresh(channel, now)
    ):
        return "skipped"
    try:
        fresh = refresher(channel)
    except AuthExpired as exc:
        log.warning("login of channel %s could not be refreshed: %s", channel.id, exc)
        _needs_login(channel, exc.message)
        db.session.commit()
        return "failed"
    except ConnectorError as exc:  # the network is down: try again tomorrow, before expiry
        log.warning("refresh of channel %s failed for now: %s", channel.id, exc)
        return "failed"
    channel.credentials = {**(channel.credentials or {}), **fresh.credentials}
    if fresh.expires_at is not None or channel.network != Network.instagram:
        channel.token_expires_at = fresh.expires_at
    audit.record(
        "channel.login_refreshed",
        channel,
        expires_at=fresh.expires_at.isoformat() if fresh.expires_at else None,
    )
    db.session.commit()
    return "refreshed"


def refresh_due(now: datetime | None = None) -> dict[str, int]:
    """The daily pass: refresh every channel whose login is due, expire the expired."""
    now = now or utcnow()
    counts: dict[str, int] = {"refreshed": 0, "skipped": 0, "failed": 0, "expired": 0}
    ids = db.session.scalars(
        select(Channel.id).where(Channel.status == ChannelStatus.active).order_by(Channel.id)
    ).all()
    for channel_id in ids:
        channel = db.session.get(Channel, channel_id)
        if channel is None:
            continue
        counts[refresh_channel(channel, now)] += 1
        if channel.token_expires_at is not None and channel.token_expires_at <= now:
            _needs_login(
                channel, _("The login expired on %(when)s.", when=_format(channel.token_expires_at))
            )
            db.session.commit()
            counts["expired"] += 1
    return counts


def _refresh_x(channel: Channel) -> LoginRefresh:
    """X OAuth 2.0: ``grant_type=refresh_token``; X answers with a new refresh token too."""
    from hub.connectors.base import AuthExpired, Transient

    creds = channel.credentials or {}
    base = _settings().api_url("x")
    url = f"{base.rstrip('/')}/2/oauth2/token" if base else X_TOKEN_URL
    data = {
        "grant_type": "refresh_token",
        "refresh_token": creds.get("refresh_token"),
        "client_id": creds.get("client_id"),
    }
    auth = (creds["client_id"], creds["client_secret"]) if creds.get("client_secret") else None
    try:
        response = requests.post(url, data=data, auth=auth, timeout=(5, 30))
    except requests.RequestException as exc:
        raise Transient(
            _("The connection to %(network)s failed.", network="X"),
            detail=repr(exc),
        ) from exc
    if response.status_code in (400, 401):
        raise AuthExpired(
            _("X refused to renew the login; connect the channel again."),
            detail=response.text[:500],
        )
    if response.status_code >= 300:
        raise Transient(
            _("%(network)s answered HTTP %(status)s.", network="X", status=response.status_code),
            detail=response.text[:500],
        )
    body = response.json()
    fresh = {"access_token": body["access_token"]}
    if body.get("refresh_token"):
        fresh["refresh_token"] = body["refresh_token"]
    expires = utcnow() + timedelta(seconds=int(body.get("expires_in") or 7200))
    fresh["access_token_expires_at"] = expires.isoformat()
    # The login itself lasts as long as the refresh token is used: no end to warn about.
    return LoginRefresh(fresh, None)


# ---------------------------------------------------------------------------------------------
# Warnings


def _format(moment: datetime) -> str:
    from hub.i18n import format_local

    return format_local(moment)


def expiring_channels(
    now: datetime | None = None, within_days: int = WARN_DAYS[0]
) -> list[Channel]:
    """Active channels whose login ends within ``within_days`` (soonest first)."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Channel)
            .where(
                Channel.status == ChannelStatus.active,
                Channel.token_expires_at.is_not(None),
                Channel.token_expires_at <= now + timedelta(days=within_days),
            )
            .order_by(Channel.token_expires_at)
        )
    )


def warn_expiring(now: datetime | None = None) -> int:
    """Notify every admin once per threshold (14 and 3 days) and expiry date; returns how many
    warnings went out."""
    from hub.publishing.notify import admins, notify

    now = now or utcnow()
    sent = 0
    for channel in expiring_channels(now):
        left = channel.token_expires_at - now  # type: ignore[operator]
        due = [d for d in WARN_DAYS if left <= timedelta(days=d)]
        if not due:
            continue
        threshold = min(due)
        exists = db.session.scalar(
            select(LoginWarning.id).where(
                LoginWarning.channel_id == channel.id,
                LoginWarning.expires_at == channel.token_expires_at,
                LoginWarning.threshold_days == threshold,
            )
        )
        if exists:
            continue
        db.session.add(
            LoginWarning(
                channel_id=channel.id,
                expires_at=channel.token_expires_at,
                threshold_days=threshold,
            )
        )
        notify(
            admins(),
            "channel_login_expiring",
            _(
                "The login of channel %(name)s (%(network)s) expires on %(when)s. Connect it "
                "again before then, or its posts will wait.",
                name=channel.name,
                network=channel.network,
                when=_format(channel.token_expires_at),  # type: ignore[arg-type]
            ),
            link=f"/admin/channels/details/?id={channel.id}",
        )
        audit.record("channel.login_expiring", channel, days=threshold)
        sent += 1
    db.session.commit()
    return sent
