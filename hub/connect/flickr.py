"""Flickr: OAuth 1.0a (requests-oauthlib's ``OAuth1Session``), with ``perms=delete``.

A request token first (``/services/oauth/request_token``, signed with the app's key and secret
and naming the callback), then the admin authorizes it at ``/services/oauth/authorize``, and the
callback's ``oauth_verifier`` buys the access token (``/services/oauth/access_token``), whose
answer names the account (``user_nsid``, ``username``). Flickr's tokens do not expire. OAuth
1.0a has no ``state``: hub puts its own in the callback address, and the request token must be
the one this session asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask_babel import gettext as _
from oauthlib.oauth1 import OAuth1Error
from requests import RequestException
from requests_oauthlib import OAuth1Session

from hub.connect.base import (
    TIMEOUT,
    Cancelled,
    ConnectFailed,
    Flow,
    FoundAccount,
    api_base,
    web_url,
)

if TYPE_CHECKING:
    from hub.config import Settings

WEB = "https://www.flickr.com"


class FlickrFlow(Flow):
    network = "flickr"
    title = "Flickr"
    setting_names = ("HUB_FLICKR_API_KEY", "HUB_FLICKR_API_SECRET")

    def _fetch(self, session: OAuth1Session, url: str, *, access: bool) -> dict[str, Any]:
        """One signed token request; what Flickr refuses is told, its answer logged
        (requests-oauthlib raises ``ValueError`` subclasses for a refusal or a missing token)."""
        try:
            if access:
                return dict(session.fetch_access_token(url, timeout=TIMEOUT))
            return dict(session.fetch_request_token(url, timeout=TIMEOUT))
        except (RequestException, OAuth1Error, ValueError) as exc:
            raise ConnectFailed(
                _(
                    "%(network)s did not accept the login. Please connect again; if it fails "
                    "again, the log has the details.",
                    network=self.title,
                ),
                detail=f"{url}: {exc!r}",
            ) from exc

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        session = OAuth1Session(
            settings.flickr_api_key,
            client_secret=settings.flickr_api_secret,
            callback_uri=f"{redirect_uri}?{urlencode({'state': state})}",
        )
        url = f"{api_base(settings, 'flickr', WEB)}/services/oauth/request_token"
        token = self._fetch(session, url, access=False)
        query = urlencode({"oauth_token": token["oauth_token"], "perms": "delete"})
        consent = f"{web_url(settings, WEB)}/services/oauth/authorize?{query}"
        return consent, {"token": token["oauth_token"], "secret": token["oauth_token_secret"]}

    def callback_code(self, args: Mapping[str, str], kept: Mapping[str, Any]) -> str:
        """The callback's ``oauth_verifier``, for the request token this session asked for."""
        if not args.get("oauth_verifier"):
            raise Cancelled(
                _(
                    "You cancelled the login at %(network)s; nothing was connected.",
                    network=self.title,
                )
            )
        if args.get("oauth_token") != kept["token"]:
            raise ConnectFailed(
                _("This login was not started here; please connect again."),
                detail="Flickr's oauth_token differs from the request token of this session",
            )
        return args["oauth_verifier"]

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        session = OAuth1Session(
            settings.flickr_api_key,
            client_secret=settings.flickr_api_secret,
            resource_owner_key=kept["token"],
            resource_owner_secret=kept["secret"],
            verifier=code,
        )
        url = f"{api_base(settings, 'flickr', WEB)}/services/oauth/access_token"
        return self._fetch(session, url, access=True)

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        credentials = {
            "api_key": settings.flickr_api_key,
            "api_secret": settings.flickr_api_secret,
            "oauth_token": login["oauth_token"],
            "oauth_token_secret": login["oauth_token_secret"],
        }
        name = login.get("username") or login.get("fullname") or login["user_nsid"]
        return [FoundAccount(str(login["user_nsid"]), str(name), credentials)]
