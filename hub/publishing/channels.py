"""Connecting channels: the accounts hub posts to. Credentials go in and never come out.

Also the one way a channel is flagged as waiting for a new login (:func:`flag_needs_login`),
whichever part of hub saw the network refuse its login: publishing, the inbox or the daily
login refresh.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from hub.audit import record_new
from hub.extensions import db
from hub.models import Channel, ChannelStatus, User
from hub.publishing.errors import Conflict, ValidationFailed


def connect_channel(
    *,
    network: str,
    name: str,
    external_id: str,
    credentials: dict[str, Any] | None,
    user: User,
) -> Channel:
    """Add a channel and audit it (never the secret); the caller commits."""
    problems: dict[str, list[str]] = {}
    if not name.strip():
        problems["name"] = [_("Please give the channel a name.")]
    if not external_id.strip():
        problems["external_id"] = [_("Please give the account's id on the network.")]
    if problems:
        raise ValidationFailed(problems)
    exists = db.session.scalar(
        select(Channel.id).where(
            Channel.network == network, Channel.external_id == external_id.strip()
        )
    )
    if exists is not None:
        raise Conflict(_("This account is already connected (channel %(id)s).", id=exists))
    channel = Channel(
        network=network,
        name=name.strip(),
        external_id=external_id.strip(),
        credentials=credentials,
        status=ChannelStatus.active,
    )
    record_new(
        "channel.connected",
        channel,
        actor=user,
        network=network,
        name=channel.name,
        with_credentials=bool(credentials),
    )
    return channel


def flag_needs_login(channel: Channel, reason: str) -> bool:
    """Flag ``channel`` as waiting for a new login, with ``reason`` shown on it; True if this call
    did. Only an active channel is flagged, in one conditional update, so of several workers
    seeing the same expired login exactly one gets True (and audits or notifies); a disabled
    channel stays disabled. The caller commits."""
    changed = db.session.execute(
        update(Channel)
        .where(Channel.id == channel.id, Channel.status == ChannelStatus.active)
        .values(status=ChannelStatus.needs_reauth, status_message=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(changed)
