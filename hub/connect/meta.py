"""Facebook pages and Instagram business accounts: Facebook Login (OAuth 2.0 authorization code).

Consent at ``https://www.facebook.com/vNN.N/dialog/oauth``, where the admin also picks the pages
the app may use. Then, on ``graph.facebook.com``: the code for a short-lived user token
(``/oauth/access_token``), that for a long-lived one (``grant_type=fb_exchange_token``, 60 days),
and ``/me/accounts`` for the granted pages with their page tokens; a page token made from a
long-lived user token does not expire. An Instagram business account is the page's
``instagram_business_account``; its channel keeps the long-lived user token with the app's id and
secret, which is how the Instagram connector renews it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask_babel import gettext as _

from hub.connect.base import ConnectFailed, Flow, FoundAccount, api_base, web_url
from hub.connectors.graph import GRAPH_VERSION
from hub.models.types import utcnow

if TYPE_CHECKING:
    from hub.config import Settings

WEB = "https://www.facebook.com"
GRAPH = "https://graph.facebook.com"
PAGE_SCOPES = (
    "pages_show_list",
    "pages_manage_posts",
    "pages_read_engagement",
    "pages_manage_engagement",
    "pages_read_user_content",
    "read_insights",
)
INSTAGRAM_SCOPES = (
    "instagram_basic",
    "instagram_content_publish",
    "instagram_manage_comments",
    "instagram_manage_insights",
    "pages_show_list",
    "pages_read_engagement",
    "business_management",
)
MAX_PAGES = 10  # pages of /me/accounts read (100 accounts each)


class FacebookLogin(Flow):
    """The steps both Meta networks share; the subclasses say what an account is."""

    setting_names = ("HUB_META_APP_ID", "HUB_META_APP_SECRET")
    scopes: tuple[str, ...] = ()

    def graph(self, settings: Settings) -> str:
        return f"{api_base(settings, 'graph', GRAPH)}/{GRAPH_VERSION}"

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        query = urlencode(
            {
                "client_id": settings.meta_app_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "response_type": "code",
                "scope": ",".join(self.scopes),
            }
        )
        return f"{web_url(settings, WEB)}/{GRAPH_VERSION}/dialog/oauth?{query}", {}

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        app = {"client_id": settings.meta_app_id, "client_secret": settings.meta_app_secret}
        url = f"{self.graph(settings)}/oauth/access_token"
        params = {**app, "redirect_uri": redirect_uri, "code": code}
        short = self.json("GET", url, params=params, expect=("access_token",))
        long = self.json(
            "GET",
            url,
            params={
                **app,
                "grant_type": "fb_exchange_token",
                "fb_exchange_token": short["access_token"],
            },
            expect=("access_token",),
        )
        return {"user_token": long["access_token"], "expires_in": long.get("expires_in")}

    def pages(
        self, settings: Settings, login: Mapping[str, Any], fields: str
    ) -> list[dict[str, Any]]:
        """Every page the login was granted (``/me/accounts``, followed through its pages)."""
        url: str | None = f"{self.graph(settings)}/me/accounts"
        params: dict[str, Any] | None = {
            "access_token": login["user_token"],
            "fields": fields,
            "limit": 100,
        }
        found: list[dict[str, Any]] = []
        for _page in range(MAX_PAGES):
            if url is None:
                break
            body = self.json("GET", url, params=params)
            found.extend(body.get("data") or [])
            url, params = (body.get("paging") or {}).get("next"), None
        return found


class FacebookFlow(FacebookLogin):
    network = "facebook"
    title = "Facebook"
    scopes = PAGE_SCOPES

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        return [
            FoundAccount(
                str(page["id"]),
                page.get("name") or str(page["id"]),
                {"access_token": page["access_token"]},
            )
            for page in self.pages(settings, login, "id,name,access_token")
            if page.get("access_token")
        ]


class InstagramFlow(FacebookLogin):
    network = "instagram"
    title = "Instagram"
    scopes = INSTAGRAM_SCOPES

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        pages = self.pages(settings, login, "id,name,instagram_business_account{id,username}")
        expires = (
            utcnow() + timedelta(seconds=int(login["expires_in"]))
            if login.get("expires_in")
            else None
        )
        found = []
        for page in pages:
            linked = page.get("instagram_business_account") or {}
            if not linked.get("id"):
                continue
            credentials = {
                "access_token": login["user_token"],
                "app_id": settings.meta_app_id,
                "app_secret": settings.meta_app_secret,
                "login": "facebook",  # Facebook Login (graph.facebook.com), not Instagram Login
            }
            name = f"@{linked['username']}" if linked.get("username") else str(linked["id"])
            found.append(FoundAccount(str(linked["id"]), name, credentials, expires))
        if pages and not found:
            raise ConnectFailed(
                _(
                    "None of the pages you granted has an Instagram business account. Link the "
                    "Instagram account to its Facebook page (in Instagram's settings), then "
                    "connect again."
                )
            )
        return found
