"""Connecting a channel with the network's own sign-in instead of pasted tokens.

An admin presses "Connect Facebook page" (or Instagram, X, YouTube, Flickr), agrees on the
network's consent page, and hub stores the login from the callback in the channel's encrypted
credentials: OAuth 2.0 authorization code for Facebook Login, with PKCE for X and Google, OAuth
1.0a for Flickr. Where one login holds several accounts (a Facebook user's pages), the admin
picks one. Connecting an account that already is a channel renews that channel's login.

- :mod:`hub.connect.base`: the flow's steps, the accounts found, the errors;
- one module per sign-in: :mod:`~hub.connect.meta` (Facebook pages and Instagram),
  :mod:`~hub.connect.x`, :mod:`~hub.connect.google` (YouTube), :mod:`~hub.connect.flickr`,
  :mod:`~hub.connect.threads`, :mod:`~hub.connect.linkedin`;
- :mod:`hub.connect.pending`: what is kept in the admin's session meanwhile;
- :mod:`hub.connect.operations`: the channel stored, audited.

The city's apps come from configuration (``HUB_META_APP_ID`` ...); a network whose app is not
configured offers no button. The views are in :mod:`hub.admin.connect`.
"""

from __future__ import annotations

from hub.connect.base import Cancelled, ConnectFailed, Flow, FoundAccount
from hub.connect.flickr import FlickrFlow
from hub.connect.google import YouTubeFlow
from hub.connect.linkedin import LinkedInFlow
from hub.connect.mastodon import MastodonFlow
from hub.connect.meta import FacebookFlow, InstagramFlow
from hub.connect.threads import ThreadsFlow
from hub.connect.x import XFlow

FLOWS: dict[str, Flow] = {
    flow.network: flow
    for flow in (
        FacebookFlow(),
        InstagramFlow(),
        XFlow(),
        YouTubeFlow(),
        FlickrFlow(),
        LinkedInFlow(),
        MastodonFlow(),
        ThreadsFlow(),
    )
}

__all__ = ["FLOWS", "Cancelled", "ConnectFailed", "Flow", "FoundAccount"]
