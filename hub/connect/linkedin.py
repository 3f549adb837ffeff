"""LinkedIn organization pages: LinkedIn's OAuth 2.0 authorization code flow (3-legged).

Consent at ``https://www.linkedin.com/oauth/v2/authorization`` with the city's app (client id)
and the scopes of the Community Management API; LinkedIn asks the person to sign in and allow.
``POST /oauth/v2/accessToken`` (``grant_type=authorization_code``, with the app's id and
secret in the form) answers an access token (60 days) and a refresh token (a year from now,
which renewals do not extend). The pages the person administers come from
``GET /rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED``, each named by
``GET /rest/organizations/{id}``; one person may administer several pages: hub asks which.

With ``HUB_SANDBOX_URL`` the consent page and the token endpoint are the sandbox's
(:mod:`hub.sandbox.oauth`), the token endpoint below its LinkedIn prefix, as the connector's
renewal uses it (:meth:`hub.connectors.linkedin.LinkedInConnector.refresh_login`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from hub.connect.base import Flow, FoundAccount, web_url
from hub.connectors.linkedin_wire import API_URL, TOKEN_URL, headers
from hub.models.types import utcnow

if TYPE_CHECKING:
    from hub.config import Settings

WEB = "https://www.linkedin.com"
SCOPES = ("w_organization_social", "r_organization_social", "rw_organization_admin")
ACCESS_SECONDS = 60 * 86400


class LinkedInFlow(Flow):
    network = "linkedin"
    title = "LinkedIn"
    setting_names = ("HUB_LINKEDIN_CLIENT_ID", "HUB_LINKEDIN_CLIENT_SECRET")

    def api(self, settings: Settings) -> str:
        return (settings.api_url("linkedin") or API_URL).rstrip("/")

    def token_url(self, settings: Settings) -> str:
        """www.linkedin.com's token endpoint; below the API's stand-in where one is set."""
        stand_in = settings.api_url("linkedin")
        return f"{stand_in.rstrip('/')}/oauth/v2/accessToken" if stand_in else TOKEN_URL

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": settings.linkedin_client_id,
                "redirect_uri": redirect_uri,
                "state": state,
                "scope": " ".join(SCOPES),
            }
        )
        return f"{web_url(settings, WEB)}/oauth/v2/authorization?{query}", {}

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = self.json(
            "POST",
            self.token_url(settings),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": settings.linkedin_client_id,
                "client_secret": settings.linkedin_client_secret,
            },
            expect=("access_token",),
        )
        return {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token"),
            "expires_in": int(body.get("expires_in") or ACCESS_SECONDS),
            "refresh_token_expires_in": body.get("refresh_token_expires_in"),
        }

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        api, sent = self.api(settings), headers(str(login["access_token"]))
        acls = self.json(
            "GET",
            f"{api}/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED",
            headers=sent,
            expect=("elements",),
        )
        now = utcnow()
        access_ends = now + timedelta(seconds=int(login["expires_in"]))
        credentials: dict[str, Any] = {
            "access_token": login["access_token"],
            "access_token_expires_at": access_ends.isoformat(),
            "client_id": settings.linkedin_client_id,
            "client_secret": settings.linkedin_client_secret,
        }
        ends = access_ends
        if login.get("refresh_token"):
            credentials["refresh_token"] = login["refresh_token"]
            if login.get("refresh_token_expires_in"):
                ends = now + timedelta(seconds=int(login["refresh_token_expires_in"]))
                credentials["refresh_token_expires_at"] = ends.isoformat()
        found = []
        for acl in acls["elements"]:
            urn = str(acl.get("organization") or "")
            number = urn.rsplit(":", 1)[-1]
            if not number.isdigit():
                continue
            page = self.json("GET", f"{api}/rest/organizations/{number}", headers=sent)
            name = str(page.get("localizedName") or page.get("vanityName") or number)
            found.append(FoundAccount(number, name, dict(credentials), ends))
        return found
