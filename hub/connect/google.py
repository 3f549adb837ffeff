"""YouTube: Google OAuth 2.0 authorization code with PKCE, for a refresh token.

Consent at ``https://accounts.google.com/o/oauth2/v2/auth`` with ``access_type=offline`` and
``prompt=consent`` (so Google gives a refresh token even to a second login); tokens from ``POST
https://oauth2.googleapis.com/token``; the channel from ``channels.list(mine=true)``. The
channel stores what the YouTube connector's google-auth credentials need: the refresh token, the
OAuth client (id and secret) and the current access token.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import TYPE_CHECKING, Any

from hub.connect.base import Flow, FoundAccount, web_url
from hub.models.types import utcnow

if TYPE_CHECKING:
    from hub.config import Settings

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.force-ssl",
    "https://www.googleapis.com/auth/youtube.readonly",
)
WEB = "https://accounts.google.com"


class YouTubeFlow(Flow):
    network = "youtube"
    title = "YouTube"
    setting_names = ("HUB_GOOGLE_CLIENT_ID", "HUB_GOOGLE_CLIENT_SECRET")

    @staticmethod
    def urls(settings: Settings) -> tuple[str, str]:
        """The token endpoint and the API root, as the YouTube connector reaches them."""
        from hub.connectors.youtube import API_ROOT, SANDBOX_TOKEN_PATH, TOKEN_URI

        base = settings.api_url("youtube")
        if base:
            return base.rstrip("/") + SANDBOX_TOKEN_PATH, base.rstrip("/")
        return TOKEN_URI, API_ROOT.rstrip("/")

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        return self.pkce_consent(
            f"{web_url(settings, WEB)}/o/oauth2/v2/auth",
            {
                "client_id": settings.google_client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "scope": " ".join(SCOPES),
                "access_type": "offline",
                "prompt": "consent",
                "include_granted_scopes": "true",
                "state": state,
            },
        )

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        token_url, _root = self.urls(settings)
        form = {
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret,
            "code_verifier": kept["verifier"],
        }
        return self.code_for_tokens(token_url, form, lifetime=3599)

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        _token_url, root = self.urls(settings)
        found = self.json(
            "GET",
            f"{root}/youtube/v3/channels",
            params={"part": "snippet", "mine": "true", "maxResults": 50},
            headers={"Authorization": f"Bearer {login['access_token']}"},
        )
        expires = utcnow() + timedelta(seconds=int(login["expires_in"]))
        credentials = {
            "refresh_token": login.get("refresh_token"),
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret,
            "access_token": login["access_token"],
            "access_token_expires_at": expires.astimezone(UTC).isoformat(),
        }
        return [
            FoundAccount(
                str(item["id"]),
                str((item.get("snippet") or {}).get("title") or item["id"]),
                {k: v for k, v in credentials.items() if v},
            )
            for item in found.get("items") or []
        ]
