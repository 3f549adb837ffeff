"""X: OAuth 2.0 authorization code with PKCE (S256).

Consent at ``https://x.com/i/oauth2/authorize``; tokens from ``POST
https://api.x.com/2/oauth2/token`` (the client id in the form for a public client, HTTP Basic
with the secret for a confidential one); the account from ``GET /2/users/me``. The access token
lives two hours; ``offline.access`` brings the refresh token that keeps the login alive
(:mod:`hub.publishing.tokens` renews it), so the channel stores both with the client id.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from hub.connect.base import Flow, FoundAccount, api_base, web_url
from hub.models.types import utcnow

if TYPE_CHECKING:
    from hub.config import Settings

SCOPES = (
    "tweet.read",
    "tweet.write",
    "users.read",
    "offline.access",
    "tweet.moderate.write",
    "media.write",
)
WEB = "https://x.com"
API = "https://api.x.com"


class XFlow(Flow):
    network = "x"
    title = "X"
    setting_names = ("HUB_X_CLIENT_ID",)  # HUB_X_CLIENT_SECRET: only for a confidential client

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        return self.pkce_consent(
            f"{web_url(settings, WEB)}/i/oauth2/authorize",
            {
                "response_type": "code",
                "client_id": settings.x_client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(SCOPES),
                "state": state,
            },
        )

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        client_id, secret = settings.x_client_id, settings.x_client_secret
        return self.code_for_tokens(
            f"{api_base(settings, 'x', API)}/2/oauth2/token",
            {
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": kept["verifier"],
                "client_id": client_id,
            },
            lifetime=7200,
            auth=(client_id, secret) if secret else None,
        )

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        me = self.json(
            "GET",
            f"{api_base(settings, 'x', API)}/2/users/me",
            headers={"Authorization": f"Bearer {login['access_token']}"},
            expect=("data",),
        )["data"]
        expires = utcnow() + timedelta(seconds=int(login["expires_in"]))
        credentials = {
            "access_token": login["access_token"],
            "client_id": settings.x_client_id,
            "access_token_expires_at": expires.isoformat(),
            "user_id": str(me["id"]),
            "username": me["username"],
        }
        if login.get("refresh_token"):
            credentials["refresh_token"] = login["refresh_token"]
        if settings.x_client_secret:
            credentials["client_secret"] = settings.x_client_secret
        return [
            FoundAccount(
                external_id=str(me["id"]),
                name=f"@{me['username']}",
                credentials=credentials,
                # With a refresh token the login lasts as long as it is used; without, two hours.
                expires_at=None if login.get("refresh_token") else expires,
            )
        ]
