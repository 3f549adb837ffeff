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
  login", so its deliveries wait with a clear message instead of failing one by one; a refresh
  that failed for now (network down, 5xx) marks nothing and is tried again at the next pass.
- Short-lived access tokens (X: two hours, with a refresh token that X replaces at every use)
  are kept alive here for every part of hub: :func:`connector_with_fresh_login` renews one that
  expires within minutes before a connector is built (publishing, inbox sync, moderation,
  figures, login checks), :class:`FreshLogin` renews once when the network answers 401 and
  repeats the refused call once (a refused login means the request did nothing), and
  :func:`refresh_due` with ``within`` (every 15 minutes) renews what expires in the next half
  hour. Every renewal locks the channel's row and reads it again first, so two workers never
  both spend a rotating refresh token; a refresh answer without a refresh token keeps the
  stored one.
- :func:`warn_expiring` tells every admin once when a login has 14 days left, and again at 3
  days; :func:`expiring_channels` feeds the banner and the channel list.
- :func:`check_channel` is the admin's "Test connection": one cheap authenticated call.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from hub import audit
from hub.extensions import db
from hub.models import Channel, ChannelStatus, Network
from hub.models.network_state import LoginWarning
from hub.models.types import utcnow

if TYPE_CHECKING:
    from hub.config import Settings
    from hub.connectors.base import Connector

log = logging.getLogger(__name__)
T = TypeVar("T")

WARN_DAYS = (14, 3)
# Refresh a refreshable login when it has less than this left (the daily task runs once a day,
# so a week's margin survives a few missed runs).
REFRESH_BEFORE = timedelta(days=7)
# A short-lived access token with less than this left is renewed before a connector is built.
RENEW_AHEAD = timedelta(minutes=5)
# The frequent pass (every 15 minutes) renews access tokens that expire within this time.
SHORT_PASS_WITHIN = timedelta(minutes=30)
# Set in the credentials when the network refused the refresh token itself (a fingerprint of
# it): renewing with it again cannot help; a new login brings a new refresh token.
REFUSED = "refused_refresh_token"
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
# Connectors with a fresh login: the one way publishing, the inbox, figures and login checks
# get a connector


def connector_with_fresh_login(channel: Channel, settings: Settings | None = None) -> Connector:
    """The channel's connector, its short-lived access token renewed first if it expires within
    :data:`RENEW_AHEAD`. A renewal that fails is logged, not raised: the call then meets the
    network's 401, and :class:`FreshLogin` says why in the caller's own error handling."""
    from hub.connectors.base import ConnectorError
    from hub.connectors.registry import connector_for_channel

    # No access token at all (a Bluesky channel before its first session): renew now, too.
    unknown = not (channel.credentials or {}).get("access_token")
    if _short_lived(channel) and _expires_within(channel, utcnow(), RENEW_AHEAD, unknown=unknown):
        try:
            _renew(
                channel,
                lambda c: _expires_within(
                    c, utcnow(), RENEW_AHEAD, unknown=not (c.credentials or {}).get("access_token")
                ),
            )
        except ConnectorError as exc:
            log.warning("login of channel %s not renewed ahead of expiry: %s", channel.id, exc)
    return connector_for_channel(channel, settings or _settings())


class FreshLogin:
    """One piece of work's connector for a channel, with its login kept fresh.

    ``connector`` is built by ``factory`` (default: :func:`connector_with_fresh_login`);
    :meth:`call` runs ``fn(connector)``, and when the network refuses the login
    (:class:`~hub.connectors.base.AuthExpired`, a 401) of a channel whose login hub renews
    itself, renews it once (unless another worker already did) and runs ``fn`` once more on a
    new connector. That is safe: a refused login means the refused request did nothing. A
    renewal the network refuses raises its :class:`AuthExpired`; one that failed for now raises
    :class:`~hub.connectors.base.Transient`, so the work waits and the channel keeps its login.
    """

    def __init__(self, channel: Channel, factory: Callable[[Channel], Connector] | None = None):
        self.channel = channel
        self.factory = factory or connector_with_fresh_login
        self.connector = self.factory(channel)
        self.renewed = False

    def call(self, fn: Callable[[Connector], T]) -> T:
        from hub.connectors.base import AuthExpired

        try:
            return fn(self.connector)
        except AuthExpired:
            refused = _access_token(self.connector)
            if self.renewed or refused is None or not _short_lived(self.channel):
                raise
            self.renewed = True
            log.info("channel %s: login refused, renewing it once", self.channel.id)

            def still_refused(channel: Channel) -> bool:
                return (channel.credentials or {}).get("access_token") == refused

            if not _renew(self.channel, still_refused) and still_refused(self.channel):
                raise  # nothing to renew with: the network's refusal stands
            self.connector = self.factory(self.channel)
        return fn(self.connector)


def _access_token(connector: Any) -> str | None:
    access = getattr(connector, "access", None)
    token = (getattr(access, "credentials", None) or {}).get("access_token")
    return str(token) if token else None


def _short_lived(channel: Channel) -> bool:
    """Does hub renew this channel's access token itself (X's two-hour tokens)?"""
    kind = login_kind(channel.network)
    return kind is not None and kind.short_lived and _renewable(channel)


def _renewable(channel: Channel) -> bool:
    """A refresh token the network has not refused, on a channel not switched off."""
    creds = channel.credentials or {}
    token = _renewal_secret(creds)
    return (
        bool(token)
        and creds.get(REFUSED) != _fingerprint(token)
        and channel.status != ChannelStatus.disabled
    )


def _renewal_secret(creds: Mapping[str, Any]) -> Any:
    """What a refused renewal is remembered by: Bluesky's app password where there is one (a
    Bluesky renewal is refused only when the app password is: a refused refresh token falls
    back to it, so a new app password is tried again), else the refresh token."""
    return creds.get("app_password") or creds.get("refresh_token")


def _fingerprint(token: Any) -> str:
    """Which refresh token was refused, without keeping it twice: a new one (a new login,
    however its credentials were stored) is tried again."""
    return hashlib.sha256(str(token).encode()).hexdigest()[:16]


def access_expires_at(channel: Channel) -> datetime | None:
    """When the stored access token expires (``access_token_expires_at``, from ``expires_in``)."""
    from hub.connectors.base import parse_time

    return parse_time((channel.credentials or {}).get("access_token_expires_at"))


def _expires_within(
    channel: Channel, now: datetime, within: timedelta, *, unknown: bool = False
) -> bool:
    expires = access_expires_at(channel)
    return unknown if expires is None else expires - now < within


def _lock(channel: Channel) -> None:
    """Lock the channel's row until the next commit and read it afresh: a worker that waited
    for the lock sees what the one before it stored. PostgreSQL: ``SELECT ... FOR UPDATE``.
    SQLite: a write to the row (a conditional ``UPDATE`` that changes nothing), which holds
    SQLite's single write lock until the commit; the transaction before is ended first, so the
    write waits for the lock (busy timeout) instead of failing on an old snapshot."""
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.refresh(channel, with_for_update=True)
        return
    db.session.execute(
        update(Channel)
        .where(Channel.id == channel.id)
        .values(updated_at=Channel.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(channel)


def _renew(channel: Channel, still_due: Callable[[Channel], bool]) -> bool:
    """Renew the channel's login under its row lock if ``still_due`` after reading it again;
    True if renewed here. A refresh token the network refuses is noted (:data:`REFUSED`) and
    its :class:`AuthExpired` raised; any other failure releases the lock and is raised. Commits.
    """
    from hub.connectors.base import AuthExpired

    kind = login_kind(channel.network)
    if kind is None:
        return False
    _lock(channel)
    try:
        if not still_due(channel) or not (
            _renewable(channel)
            or (not kind.short_lived and channel.status != ChannelStatus.disabled)
        ):
            db.session.commit()
            return False
        fresh = kind.refresh(channel)
    except AuthExpired:
        creds = channel.credentials or {}
        if _renewal_secret(creds):
            channel.credentials = {**creds, REFUSED: _fingerprint(_renewal_secret(creds))}
        db.session.commit()
        raise
    except BaseException:
        db.session.rollback()
        raise
    _store(channel, fresh)
    return True


def _store(channel: Channel, fresh: LoginRefresh) -> None:
    """Keep a fresh login (never an empty token over a stored one); a channel that waited for
    a login is active again. Commits (which releases the row's lock)."""
    kept = {k: v for k, v in fresh.credentials.items() if v not in (None, "")}
    merged = {**(channel.credentials or {}), **kept}
    merged.pop(REFUSED, None)
    channel.credentials = merged
    if fresh.expires_at is not None or channel.network != Network.instagram:
        channel.token_expires_at = fresh.expires_at
    recovered = channel.status == ChannelStatus.needs_reauth
    if recovered:
        channel.status = ChannelStatus.active
        channel.status_message = None
    kind = login_kind(channel.network)
    if recovered or kind is None or not kind.short_lived:
        # X's two-hour tokens are renewed a dozen times a day: the log says so, the audit log
        # keeps what a person may ask about (a renewed long-lived login, a channel back).
        audit.record(
            "channel.login_refreshed",
            channel,
            expires_at=fresh.expires_at.isoformat() if fresh.expires_at else None,
            recovered=recovered,
        )
    log.info("login of channel %s renewed", channel.id)
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# Test connection


def check_channel(channel: Channel, actor: Any = None) -> CheckResult:
    """Call the network as this channel; a working login re-activates a "needs login" channel."""
    from hub.connectors.base import AuthExpired, ConnectorError, Unsupported

    try:
        name, learned = FreshLogin(channel).call(
            lambda connector: (connector.check_connection(), connector.learned_settings())
        )
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
    if any((channel.credentials or {}).get(k) != v for k, v in learned.items()):
        channel.credentials = {**(channel.credentials or {}), **learned}
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


@dataclass(frozen=True)
class LoginKind:
    """How hub keeps one network's login alive. ``refresh`` renews it; ``short_lived``: hub
    renews the access token itself, ahead of its expiry and on a 401 (X's two-hour tokens), not
    only in the daily pass."""

    refresh: Callable[[Channel], LoginRefresh]
    short_lived: bool = False


def login_kind(network: str) -> LoginKind | None:
    """How this network's login is renewed, or None where it cannot (or need not) be. Google's
    access tokens (YouTube) are renewed in memory by google-auth on every call; Instagram's
    long-lived tokens are extended by the daily pass."""
    if network == Network.x:
        return LoginKind(_refresh_x, short_lived=True)
    if network == Network.bluesky:
        # Access JWTs live two hours; the session is kept and renewed, never logged in anew
        # per call (createSession: 30 in five minutes, 300 a day).
        return LoginKind(lambda channel: _connector(channel).refresh_login(), short_lived=True)
    if network in (Network.instagram, Network.youtube, Network.threads):
        return LoginKind(lambda channel: _connector(channel).refresh_login())
    if network == Network.linkedin:
        # A 60-day access token renewed with a refresh token that lasts a year from the consent.
        return LoginKind(lambda channel: _connector(channel).refresh_login())
    return None


def needs_refresh(channel: Channel, now: datetime) -> bool:
    creds = channel.credentials or {}
    if channel.network == Network.youtube:
        # Google access tokens live an hour; refreshing daily keeps the refresh token in use
        # (Google revokes refresh tokens unused for six months) and shows a revoked one early.
        return bool(creds.get("refresh_token"))
    if channel.network == Network.x:
        return bool(creds.get("refresh_token"))
    if channel.network == Network.bluesky:
        return bool(_renewal_secret(creds))
    if channel.network == Network.linkedin:
        # token_expires_at is the refresh token's end; the access token is renewed a week ahead.
        return bool(creds.get("refresh_token")) and _expires_within(
            channel, now, REFRESH_BEFORE, unknown=True
        )
    if channel.token_expires_at is None:
        return channel.network in (Network.instagram, Network.threads)
    return channel.token_expires_at - now < REFRESH_BEFORE


def _may_try(channel: Channel) -> bool:
    """Active channels; and a channel waiting for a new login that still holds a refresh token
    the network never refused (left so by a 401 before hub renewed on 401s): it recovers."""
    if channel.status == ChannelStatus.active:
        return True
    return channel.status == ChannelStatus.needs_reauth and _renewable(channel)


def refresh_channel(
    channel: Channel, now: datetime | None = None, *, within: timedelta | None = None
) -> str:
    """Refresh one channel's login if due; returns "refreshed", "skipped" or "failed".

    ``within``: the frequent pass, for short-lived access tokens only: renew one that expires
    within this time (or whose expiry hub does not know). Without: the daily pass."""
    from hub.connectors.base import AuthExpired, ConnectorError, Unsupported

    now = now or utcnow()
    kind = login_kind(channel.network)
    if kind is None or not _may_try(channel):
        return "skipped"
    if within is not None:
        if not _short_lived(channel):
            return "skipped"

        def due(c: Channel) -> bool:
            return _expires_within(c, now, within, unknown=True)
    else:

        def due(c: Channel) -> bool:
            return needs_refresh(c, now)

    if not due(channel):
        return "skipped"
    try:
        renewed = _renew(channel, due)
    except AuthExpired as exc:
        log.warning("login of channel %s could not be refreshed: %s", channel.id, exc)
        _needs_login(channel, exc.message)
        db.session.commit()
        return "failed"
    except Unsupported as exc:
        # This login cannot be renewed by hub (an Instagram channel on Facebook Login without
        # the app's id and secret): nothing failed; the expiry warnings tell the admins.
        log.info("login of channel %s is not renewable here: %s", channel.id, exc)
        return "skipped"
    except ConnectorError as exc:  # the network is down: the next pass tries again
        log.warning("refresh of channel %s failed for now: %s", channel.id, exc)
        return "failed"
    return "refreshed" if renewed else "skipped"


def refresh_due(now: datetime | None = None, *, within: timedelta | None = None) -> dict[str, int]:
    """A pass over the channels: refresh every login that is due; the daily pass (no
    ``within``) also expires the expired. ``within``: the frequent pass for short-lived access
    tokens (see :func:`refresh_channel`)."""
    now = now or utcnow()
    counts: dict[str, int] = {"refreshed": 0, "skipped": 0, "failed": 0, "expired": 0}
    ids = db.session.scalars(
        select(Channel.id)
        .where(
            or_(
                Channel.status == ChannelStatus.active,
                Channel.status == ChannelStatus.needs_reauth,
            )
        )
        .order_by(Channel.id)
    ).all()
    for channel_id in ids:
        channel = db.session.get(Channel, channel_id)
        if channel is None:
            continue
        counts[refresh_channel(channel, now, within=within)] += 1
        if (
            within is None
            and channel.status == ChannelStatus.active
            and channel.token_expires_at is not None
            and channel.token_expires_at <= now
        ):
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
