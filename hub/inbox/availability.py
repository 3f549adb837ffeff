"""Which moderation actions a comment allows, and in words why the others are unavailable.

Decided from the connector class (``Connector.comment_actions``) and the comment's state, with
no network call, so the inbox shows "not possible on Flickr" instead of a failing button, and
the API refuses such a request with the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from hub.connectors.base import Capability, Connector, Unsupported
from hub.models import ActionKind, Comment
from hub.publishing.labels import NETWORK

# Networks whose comment sync also brings mentions under other people's posts.
MENTION_NETWORKS = frozenset({"x", "mastodon", "bluesky"})


@dataclass(frozen=True)
class Availability:
    """``None`` for an action that can be done; otherwise the reason it cannot."""

    reply: str | None
    hide: str | None
    unhide: str | None
    delete: str | None

    def reason(self, kind: str) -> str | None:
        return {
            ActionKind.reply: self.reply,
            ActionKind.hide: self.hide,
            ActionKind.unhide: self.unhide,
            ActionKind.delete: self.delete,
        }[ActionKind(kind)]

    def allows(self, kind: str) -> bool:
        return self.reason(kind) is None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "reply": self.reply,
            "hide": self.hide,
            "unhide": self.unhide,
            "delete": self.delete,
        }


def _connector_class(network: str) -> type[Connector] | None:
    from hub.connectors.registry import connector_class

    try:
        return connector_class(network)
    except (Unsupported, ImportError):
        return None


def on_our_post(comment: Comment) -> bool:
    """Under a post the channel made: one of our deliveries, or on a network that only ever
    shows us comments under the channel's own posts (pages, media, videos, photos)."""
    return comment.delivery_id is not None or comment.channel.network not in MENTION_NETWORKS


def availability(comment: Comment) -> Availability:
    channel = comment.channel
    network = NETWORK.get(channel.network, channel.network)
    cls = _connector_class(channel.network)
    if cls is None:
        reason = _("hub cannot connect to %(network)s yet.", network=network)
        return Availability(reason, reason, reason, reason)
    if comment.deleted_on_network:
        reason = _("The comment was deleted on %(network)s.", network=network)
        return Availability(reason, reason, reason, reason)
    if not channel.is_usable:
        reason = _("The channel %(name)s needs a new login first.", name=channel.name)
        return Availability(reason, reason, reason, reason)
    own = comment.is_own
    ours = on_our_post(comment)
    allowed = cls.comment_actions(own=own, on_our_post=ours)

    reply = None
    if Capability.reply not in allowed:
        reply = _("Replying from hub is not possible on %(network)s.", network=network)

    hide_reason = None
    if Capability.hide_comment not in allowed:
        if Capability.hide_comment not in cls.capabilities:
            hide_reason = (
                str(cls.no_hiding_reason)
                if cls.no_hiding_reason
                else _("Hiding comments is not possible on %(network)s.", network=network)
            )
        elif own:
            hide_reason = _("Our own replies cannot be hidden; delete them instead.")
        else:
            hide_reason = _(
                "Only comments under our own posts can be hidden on %(network)s.",
                network=network,
            )
    if hide_reason is None and comment.remote_parent_id and not cls.hides_answers:
        hide_reason = _(
            "On %(network)s only replies directly under our post can be hidden; hiding one "
            "hides the answers to it too.",
            network=network,
        )
    hide = hide_reason or (_("The comment is hidden already.") if comment.hidden else None)
    unhide = hide_reason or (None if comment.hidden else _("The comment is not hidden."))

    delete = None
    if Capability.delete_comment not in allowed:
        if Capability.delete_own_comment in cls.capabilities and cls.no_deleting_reason:
            delete = str(cls.no_deleting_reason)
        elif Capability.delete_own_comment in cls.capabilities and not cls.supports_hiding():
            delete = _(
                "%(network)s does not let anyone delete other people's comments.",
                network=network,
            )
        elif Capability.delete_own_comment in cls.capabilities:
            delete = _(
                "%(network)s does not let anyone delete other people's comments; hide it instead.",
                network=network,
            )
        else:
            delete = _("Deleting comments is not possible on %(network)s.", network=network)
    return Availability(reply, hide, unhide, delete)
