"""Storing what a sign-in found: a new channel, or a new login for the channel already there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub import audit
from hub.connect.base import FoundAccount
from hub.extensions import db
from hub.models import Channel, ChannelStatus, User
from hub.publishing.channels import connect_channel

# Settings an admin put into a channel's credentials that are not part of its login (YouTube's
# raised quotas): a new login keeps them. Everything else is replaced, so no key of an old login
# (an OAuth 1.0a secret, a refresh token) outlives it.
KEPT_SETTINGS = ("daily_uploads", "daily_units", "project")


def connected_ids(network: str) -> set[str]:
    """The accounts of this network that are channels already."""
    query = select(Channel.external_id).where(Channel.network == network)
    return set(db.session.scalars(query))


def store_login(network: str, found: FoundAccount, user: User) -> tuple[Channel, bool]:
    """Connect ``found`` as a channel, or give the existing channel of the same account its new
    login and make it active again (the way to mend "needs a new login"); commits. True when the
    channel is new."""
    credentials: dict[str, Any] = dict(found.credentials)
    channel = db.session.scalar(
        select(Channel).where(Channel.network == network, Channel.external_id == found.external_id)
    )
    if channel is None:
        channel = connect_channel(
            network=network,
            name=found.name,
            external_id=found.external_id,
            credentials=credentials,
            user=user,
        )
        channel.token_expires_at = found.expires_at
        db.session.commit()  # audited as "channel.connected" by connect_channel
        return channel, True
    old = channel.credentials or {}
    channel.credentials = {**{k: old[k] for k in KEPT_SETTINGS if k in old}, **credentials}
    channel.token_expires_at = found.expires_at
    previous = channel.status
    channel.status = ChannelStatus.active
    channel.status_message = None
    audit.record(
        "channel.reconnected",
        channel,
        actor=user,
        account=found.name,
        previous_status=previous,
        credentials_replaced=True,
    )
    db.session.commit()
    return channel, False
