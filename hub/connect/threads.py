"""Threads profiles: Threads' own OAuth 2.0 authorization code flow.

Consent at ``https://threads.net/oauth/authorize`` with the Threads app's id (Meta shows it as
"Threads app ID", apart from the Meta app's) and the scopes hub uses. Then, on
``graph.threads.net``: ``POST /oauth/access_token`` turns the code into a short-lived token
(an hour) and the profile's ``user_id``; ``GET /access_token?grant_type=th_exchange_token``
(with the app's secret) into a long-lived one of 60 days, which the daily pass renews
(:meth:`hub.connectors.threads.ThreadsConnector.refresh_login`); ``GET /v1.0/me`` names the
profile.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from hub.connect.base import Flow, FoundAccount, api_base, web_url
from hub.connectors.threads import THREADS_URL
from hub.models.types import utcnow

if TYPE_CHECKING:
    from hub.config import Settings

WEB = "https://threads.net"
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_read_replies",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_delete",
)


class ThreadsFlow(Flow):
    network = "threads"
    title = "Threads"
    setting_names = ("HUB_THREADS_APP_ID", "HUB_THREADS_APP_SECRET")

    def host(self, settings: Settings) -> str:
        return api_base(settings, "threads", THREADS_URL)

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        query = urlencode(
            {
                "client_id": settings.threads_app_id,
                "redirect_uri": redirect_uri,
                "scope": ",".join(SCOPES),  # Threads takes only a comma-separated list
                "response_type": "code",
                "state": state,
            }
        )
        return f"{web_url(settings, WEB)}/oauth/authorize?{query}", {}

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        short = self.json(
            "POST",
            f"{self.host(settings)}/oauth/access_token",
            data={
                "client_id": settings.threads_app_id,
                "client_secret": settings.threads_app_secret,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri,
                "code": code,
            },
            expect=("access_token", "user_id"),
        )
        long = self.json(
            "GET",
            f"{self.host(settings)}/access_token",
            params={
                "grant_type": "th_exchange_token",
                "client_secret": settings.threads_app_secret,
                "access_token": short["access_token"],
            },
            expect=("access_token",),
        )
        return {
            "access_token": long["access_token"],
            "user_id": str(short["user_id"]),
            "expires_in": long.get("expires_in"),
        }

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        me = self.json(
            "GET",
            f"{self.host(settings)}/v1.0/me",
            params={"fields": "id,username,name", "access_token": login["access_token"]},
            expect=("id",),
        )
        expires = (
            utcnow() + timedelta(seconds=int(login["expires_in"]))
            if login.get("expires_in")
            else None
        )
        name = (
            f"{me.get('name') or me['id']} (@{me['username']})" if me.get("username") else me["id"]
        )
        return [
            FoundAccount(
                str(me.get("id") or login["user_id"]),
                str(name),
                {"access_token": login["access_token"]},
                expires,
            )
        ]
