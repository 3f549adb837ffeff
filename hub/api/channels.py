"""``/api/v1/channels``: which accounts hub can post to; admins connect new ones.

Credentials go in and never come out: :class:`hub.api.schemas.ChannelOut` has no field for them,
and the audit event records who connected what, not the secret.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from hub.api.blueprint import ID, ApiBlueprint, found, user_with
from hub.api.schemas import ChannelCreate, ChannelOut
from hub.auth.permissions import Permission
from hub.auth.scopes import Scope
from hub.extensions import db
from hub.models import Channel
from hub.publishing.channels import connect_channel
from hub.publishing.credentials import require_usable

blp = ApiBlueprint(
    "api_channels",
    __name__,
    # A CMS reads the channels to choose where an announcement goes; connecting one is more.
    read_scope=(Scope.announcements_read, Scope.channels),
    write_scope=Scope.channels,
    description="Connected accounts on the networks.",
)


@blp.route("/channels", methods=["GET"])
@blp.response(200, ChannelOut(many=True))
@blp.errors(403)
def list_channels() -> list[Channel]:
    """All channels, with their status (active, needs_reauth, disabled)."""
    user_with(Permission.view_channels)
    return list(db.session.scalars(select(Channel).order_by(Channel.id)))


@blp.route(f"/channels/<{ID}:channel_id>", methods=["GET"])
@blp.response(200, ChannelOut)
@blp.errors(403, 404)
def get_channel(channel_id: int) -> Channel:
    """One channel."""
    user_with(Permission.view_channels)
    return found(Channel, channel_id, _("There is no channel with this id."))


@blp.route("/channels", methods=["POST"])
@blp.arguments(ChannelCreate)
@blp.response(201, ChannelOut, headers={"Location": {"schema": {"type": "string"}}})
@blp.errors(403, 409, 413, 415, 422)
def create_channel(payload: dict[str, Any]) -> tuple[Channel, int, dict[str, str]]:
    """Connect an account (admins). `credentials` are stored encrypted and never returned.

    They are checked against what the network needs (Flickr: `api_key`, `api_secret`,
    `oauth_token`, `oauth_token_secret`; YouTube: `refresh_token`, `client_id`,
    `client_secret`; Facebook and Instagram: `access_token`; X: `access_token`, or the four
    OAuth 1.0a keys): a 422 names the missing fields under `credentials.<field>`."""
    user = user_with(Permission.manage_channels)
    # Credentials the network cannot use are refused here (422 naming the missing fields),
    # not on the channel's first post.
    require_usable(payload["network"], payload.get("credentials"))
    channel = connect_channel(user=user, **payload)
    db.session.commit()
    location = url_for("api_channels.get_channel", channel_id=channel.id, _external=True)
    return channel, 201, {"Location": location}
