"""Which connector speaks for which network, and how a channel becomes a :class:`ChannelAccess`.

Connectors are named as ``"module:Class"`` and imported on first use, so a process that never
talks to YouTube never imports its SDK, and a network is added with one line in ``CONNECTORS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from hub.connectors.base import ChannelAccess, Connector, Unsupported

if TYPE_CHECKING:
    from hub.config import Settings
    from hub.models import Channel

#: What builds the connector for a channel: :func:`connector_for_channel` with the running app's
#: settings, or a test's fake.
ConnectorFactory = Callable[["Channel"], Connector]

CONNECTORS: dict[str, str] = {
    "x": "hub.connectors.x:XConnector",
    "facebook": "hub.connectors.facebook:FacebookConnector",
    "instagram": "hub.connectors.instagram:InstagramConnector",
    "youtube": "hub.connectors.youtube:YouTubeConnector",
    "flickr": "hub.connectors.flickr:FlickrConnector",
    "mastodon": "hub.connectors.mastodon:MastodonConnector",
    "manual": "hub.connectors.manual:ManualConnector",  # no API: posted by hand
    "bluesky": "hub.connectors.bluesky:BlueskyConnector",
    "linkedin": "hub.connectors.linkedin:LinkedInConnector",
    "threads": "hub.connectors.threads:ThreadsConnector",
}


def connector_class(network: str) -> type[Connector]:
    """The connector class for ``network``; :class:`Unsupported` for a network hub lacks."""
    try:
        module_name, _sep, class_name = CONNECTORS[network].partition(":")
    except KeyError:
        raise Unsupported(_("hub cannot connect to %(network)s yet.", network=network)) from None
    cls: type[Connector] = getattr(importlib.import_module(module_name), class_name)
    return cls


def connector_for(
    network: str, access: ChannelAccess, *, timeout: float | None = None
) -> Connector:
    """A connector acting as one channel (``timeout``: seconds per HTTP answer, optional)."""
    return connector_class(network)(access, timeout=timeout)


def access_for(channel: Channel, settings: Settings) -> ChannelAccess:
    """What a connector needs from a channel: its id, its (decrypted) secrets, the API's URL."""
    credentials = dict(channel.credentials or {})
    return ChannelAccess(
        external_id=channel.external_id,
        credentials=credentials,
        base_url=settings.api_url(connector_class(channel.network).api_for(credentials)),
    )


def connector_for_channel(channel: Channel, settings: Settings) -> Connector:
    """A connector acting as ``channel`` with this deployment's API URL and network timeout.

    Publishing, the inbox, figures and login checks all build their connectors here, so a
    channel talks to its network the same way whichever part of hub asks.
    """
    return connector_for(
        channel.network, access_for(channel, settings), timeout=settings.network_timeout
    )
