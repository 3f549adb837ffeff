"""What every network's sign-in has in common: the flow's steps, the accounts it finds, its errors.

A :class:`Flow` is one network's way of turning an admin's consent into a channel login:

1. :meth:`Flow.start` builds the consent page's address (and may call the network first, as
   Flickr's OAuth 1.0a does for its request token); what the callback will need (a PKCE verifier,
   a request token) is returned to be kept in the admin's session;
2. :meth:`Flow.exchange` takes the callback's query (:meth:`Flow.callback_code`) and turns the
   code into tokens (:meth:`Flow.redeem`: the *login*);
3. :meth:`Flow.accounts` lists what that login may act as (pages, a user, a channel), each with
   the credentials a channel of it stores.

Browser-facing pages (consent) live on the network's web host, token endpoints on its API host;
with ``HUB_SANDBOX_URL`` both are the sandbox, so the demo and the tests run the real flow.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

import requests
from flask_babel import gettext as _

from hub.redact import redact

if TYPE_CHECKING:
    from hub.config import Settings

TIMEOUT = (5.0, 30.0)  # connect, read: the admin waits for these answers


@dataclass(frozen=True)
class FoundAccount:
    """An account the login may act as, and what a channel of it stores."""

    external_id: str
    name: str
    credentials: Mapping[str, Any] = field(repr=False)
    expires_at: datetime | None = None  # when the login ends (None: no known end)


class ConnectFailed(Exception):
    """The flow could not finish: ``message`` for the admin, ``detail`` for the log."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = redact(detail)  # may quote a token exchange (hub.redact)


class Cancelled(ConnectFailed):
    """The admin pressed "Cancel" on the network's consent page."""


class Flow:
    """One network's sign-in. Subclasses set the class attributes and the three steps."""

    network: ClassVar[str]  # the channel's network
    title: ClassVar[str]  # the network's name as people know it
    #: the settings (environment variables) the city's app needs for this flow
    setting_names: ClassVar[tuple[str, ...]]

    def configured(self, settings: Settings) -> bool:
        return all(self.app(settings))

    def app(self, settings: Settings) -> tuple[str | None, ...]:
        """The app's credentials, in the order of :attr:`setting_names` (each the setting of that
        environment variable: ``HUB_X_CLIENT_ID`` is ``settings.x_client_id``)."""
        return tuple(
            getattr(settings, name.removeprefix("HUB_").lower()) for name in self.setting_names
        )

    #: what the admin must say before the sign-in starts (Mastodon: which server), read from
    #: the start request's query; empty for networks with one home.
    asks: ClassVar[tuple[str, ...]] = ()

    def start(
        self, settings: Settings, redirect_uri: str, state: str
    ) -> tuple[str, dict[str, Any]]:
        """The consent page's URL, and what the callback needs kept until then."""
        raise NotImplementedError

    def start_with(
        self, settings: Settings, redirect_uri: str, state: str, given: Mapping[str, str]
    ) -> tuple[str, dict[str, Any]]:
        """:meth:`start` with what the admin gave (:attr:`asks`)."""
        return self.start(settings, redirect_uri, state)

    def exchange(
        self,
        settings: Settings,
        redirect_uri: str,
        args: Mapping[str, str],
        kept: Mapping[str, Any],
    ) -> dict[str, Any]:
        """The login (tokens) from the callback's query; raises :class:`Cancelled` or
        :class:`ConnectFailed`."""
        return self.redeem(settings, redirect_uri, self.callback_code(args, kept), kept)

    def redeem(
        self, settings: Settings, redirect_uri: str, code: str, kept: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The callback's code (OAuth 1.0a: its verifier) for the login."""
        raise NotImplementedError

    def accounts(self, settings: Settings, login: Mapping[str, Any]) -> list[FoundAccount]:
        """What the login may act as (often one account; Facebook: every granted page)."""
        raise NotImplementedError

    # -- shared by the OAuth 2.0 flows --------------------------------------------------------

    def callback_code(self, args: Mapping[str, str], kept: Mapping[str, Any]) -> str:
        """The callback's authorization code, or the consent page's refusal: ``access_denied`` is
        the admin's "Cancel"."""
        error = args.get("error")
        if not error:
            if not args.get("code"):
                raise ConnectFailed(
                    _("%(network)s sent no authorization code back.", network=self.title),
                    detail=f"callback query: {sorted(args)}",
                )
            return args["code"]
        if error == "access_denied":
            raise Cancelled(
                _(
                    "You cancelled the login at %(network)s; nothing was connected.",
                    network=self.title,
                )
            )
        raise ConnectFailed(
            _("%(network)s refused the login: %(reason)s", network=self.title, reason=error),
            detail=str(args.get("error_description") or args.get("error_reason") or ""),
        )

    def call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request to the network; any failure is a :class:`ConnectFailed` for the admin,
        and the network's answer goes to the log (never the request: it carries our secret)."""
        where = f"{method} {url.split('?')[0]}"
        try:
            response = requests.request(method, url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise ConnectFailed(
                _("%(network)s could not be reached; try again in a moment.", network=self.title),
                detail=f"{where}: {type(exc).__name__}",  # its text repeats the query
            ) from exc
        if response.status_code >= 400:
            raise ConnectFailed(
                _(
                    "%(network)s did not accept the login (HTTP %(status)s). Please connect "
                    "again; if it fails again, the log has the details.",
                    network=self.title,
                    status=response.status_code,
                ),
                detail=f"{where}: {response.text[:1000]}",
            )
        return response

    def json(
        self, method: str, url: str, *, expect: tuple[str, ...] = (), **kwargs: Any
    ) -> dict[str, Any]:
        """The network's JSON answer, an object with at least the ``expect``-ed keys."""
        response = self.call(method, url, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or any(key not in body for key in expect):
            raise ConnectFailed(
                _("%(network)s answered in a way hub does not understand.", network=self.title),
                detail=f"{method} {url.split('?')[0]}: {response.text[:1000]}",
            )
        return body

    def pkce_consent(self, page: str, query: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The consent page's URL with the query and a PKCE challenge (S256), and the verifier
        the callback needs kept."""
        verifier, challenge = pkce_pair()
        query = {**query, "code_challenge": challenge, "code_challenge_method": "S256"}
        return f"{page}?{urlencode(query)}", {"verifier": verifier}

    def code_for_tokens(
        self, token_url: str, form: Mapping[str, Any], lifetime: int, **kwargs: Any
    ) -> dict[str, Any]:
        """The login from the token endpoint's answer to ``grant_type=authorization_code``: the
        access token, the refresh token (if any) and the access token's lifetime in seconds
        (``lifetime`` where the answer names none)."""
        body = self.json(
            "POST",
            token_url,
            data={"grant_type": "authorization_code", **form},
            expect=("access_token",),
            **kwargs,
        )
        return {
            "access_token": body["access_token"],
            "refresh_token": body.get("refresh_token"),
            "expires_in": int(body.get("expires_in") or lifetime),
        }


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (RFC 7636: 43-128 characters) and its S256 challenge."""
    verifier = secrets.token_urlsafe(64)  # 86 characters
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def web_url(settings: Settings, real: str) -> str:
    """The network's web host (consent pages), or the sandbox."""
    return settings.sandbox_url.rstrip("/") if settings.sandbox_url else real


def api_base(settings: Settings, api: str, real: str) -> str:
    """The network's API host (token endpoints, "who am I"), or its configured stand-in."""
    return (settings.api_url(api) or real).rstrip("/")
