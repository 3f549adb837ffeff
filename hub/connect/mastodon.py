"""Mastodon: the admin names the server, hub registers itself there and signs in with OAuth 2.0.

Every Mastodon server is its own authority, so there is no city app to configure: hub registers
an app on the server the admin names (``POST /api/v1/apps`` with hub's callback address and the
scopes ``read write``), sends the admin to that server's consent page (``/oauth/authorize``,
with PKCE, which Mastodon takes since 4.3 and older servers ignore), exchanges the code at
``/oauth/token`` with the app's id and secret, and reads the account
(``/api/v1/accounts/verify_credentials``) and the server's text limit (``/api/v2/instance``).
The access token does not expire; the channel keeps the app's id and secret with it (to revoke
the token one day). With ``HUB_SANDBOX_URL``, the server is the sandbox's ``/mastodon/<server>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask_babel import gettext as _

from hub import crypto
from hub.connect.base import ConnectFailed, Flow, FoundAccount
from hub.connectors.mastodon import instance_host, instance_url

if TYPE_CHECKING:
    from hub.config import Settings

SCOPES = "read write"
HOST = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


class MastodonFlow(Flow):
    network = "mastodon"
    title = "Mastodon"
    setting_names = ()  # hub registers itself on each server: nothing to configure
    asks = ("instance",)

    def start_with(
        self, settings: Settings, redirect_uri: str, state: str, given: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        host = instance_host(given.get("instance") or "")
        if not HOST.match(host):
            raise ConnectFailed(
                _("Please give the server's address, for example bochum.social."),
                detail=f"instance: {given.get('instance')!r}",
            )
        base = self.base(settings, host)
        app = self.json(
            "POST",
            f"{base}/api/v1/apps",
            data={
                "client_name": f"hub ({urlsplit(settings.public_url).hostname})",
                "redirect_uris": redirect_uri,
                "scopes": SCOPES,
                "website": settings.public_url,
            },
            expect=("client_id", "client_secret"),
        )
        url, kept = self.pkce_consent(
            f"{base}/oauth/authorize",
            {
                "response_type": "code",
                "client_id": app["client_id"],
                "redirect_uri": redirect_uri,
                "scope": SCOPES,
                "state": state,
                "lang": "de",
            },
        )
        # The session cookie is signed, not secret: the app's secret travels encrypted.
        kept["app"] = crypto.encrypt_json(
            {"instance": host, "client_id": app["client_id"], "secret": app["client_secret"]}
        )
        return url, kept

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        app = crypto.decrypt_json(kept["app"])
        body = self.json(
            "POST",
            f"{self.base(settings, app['instance'])}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": app["client_id"],
                "client_secret": app["secret"],
                "redirect_uri": redirect_uri,
                "code_verifier": kept["verifier"],
                "scope": SCOPES,
            },
            expect=("access_token",),
        )
        return {
            "access_token": body["access_token"],
            "instance": app["instance"],
            "client_id": app["client_id"],
            "client_secret": app["secret"],
        }

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        host = login["instance"]
        base = self.base(settings, host)
        me = self.json(
            "GET",
            f"{base}/api/v1/accounts/verify_credentials",
            headers={"Authorization": f"Bearer {login['access_token']}"},
            expect=("id", "username"),
        )
        server = self.json("GET", f"{base}/api/v2/instance", expect=("configuration",))
        limit = ((server.get("configuration") or {}).get("statuses") or {}).get("max_characters")
        handle = f"{me['username']}@{host}"
        credentials = {
            "instance": host,
            "access_token": login["access_token"],
            "account_id": str(me["id"]),
            "username": me["username"],
            "client_id": login["client_id"],
            "client_secret": login["client_secret"],
        }
        if isinstance(limit, int) and limit > 0:
            credentials["max_characters"] = limit
        name = me.get("display_name") or me["username"]
        return [
            FoundAccount(external_id=handle, name=f"{name} (@{handle})", credentials=credentials)
        ]

    @staticmethod
    def base(settings: Settings, host: str) -> str:
        """The server's address: ``https://<server>``, or the sandbox's stand-in for it."""
        return instance_url(host, settings.api_url("mastodon"))
