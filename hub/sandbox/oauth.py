"""Signing in on the sandbox: each network's consent page and the grant that turns it into tokens.

hub connects a channel the way the networks want it (``hub.connect``): it sends the admin to the
network's consent page and exchanges what comes back for tokens. The sandbox serves those pages
and endpoints with the networks' paths, parameters and answer shapes, so the whole flow runs
here, in the browser and in tests:

- **X** (OAuth 2.0 with PKCE): ``GET /i/oauth2/authorize`` (``response_type=code``,
  ``client_id``, ``redirect_uri``, ``scope``, ``state``, ``code_challenge``,
  ``code_challenge_method=S256|plain``), then ``POST /2/oauth2/token``
  (``grant_type=authorization_code``, ``code``, ``redirect_uri``, ``code_verifier``; the client
  id in the form or, for a confidential client, HTTP Basic). A code lives 30 seconds, as on X.
- **Facebook Login** (pages, Instagram): ``GET /vNN.N/dialog/oauth`` (the page asks which pages
  to grant), ``GET /vNN.N/oauth/access_token`` with ``code`` (a short-lived user token) or with
  ``grant_type=fb_exchange_token`` (a long-lived one, 60 days), ``GET /vNN.N/me`` and
  ``GET /vNN.N/me/accounts`` (the granted pages with their page tokens, which do not expire;
  ``fields=...,instagram_business_account{id,username}`` names each page's Instagram account).
- **Google** (YouTube, PKCE): ``GET /o/oauth2/v2/auth`` (the channel chooser), then
  ``POST /oauth2/v4/token`` (``grant_type=authorization_code``, ``client_id``, ``client_secret``,
  ``code_verifier``); a refresh token comes with ``access_type=offline``.
- **Flickr** (OAuth 1.0a): ``/services/oauth/request_token`` (with ``oauth_callback``),
  ``GET /services/oauth/authorize?oauth_token=...&perms=delete``,
  ``/services/oauth/access_token`` (with ``oauth_verifier``); answers are form-encoded, as
  Flickr's are, the last one with ``user_nsid`` and ``username``.

- **LinkedIn** (OAuth 2.0, 3-legged): ``GET /oauth/v2/authorization`` (``response_type=code``,
  ``client_id``, ``redirect_uri``, ``scope``, ``state``; the person picks the page they
  administer), then ``POST /api.linkedin.com/oauth/v2/accessToken`` (``authorization_code``,
  the app's id and secret in the form): an access token of 60 days and a refresh token of a
  year; its ``refresh_token`` grant is :mod:`hub.sandbox.linkedin`'s. A code lives 30 minutes.

Every code and request token is single-use and bound to the client and ``redirect_uri`` it was
issued for; a PKCE verifier must hash to the challenge. "Cancel" on a consent page sends the
browser back with ``error=access_denied`` (Flickr: without ``oauth_verifier``). The tokens issued
are bound to the chosen account, so the network APIs of the sandbox act as that account.

The sandbox has no register of apps: any client id is accepted, and a secret is required where
the network requires one, not checked against anything.

One token endpoint per network: the refresh grants (X's ``refresh_token``, Google's
``refresh_token``, Graph's ``fb_exchange_token`` for tokens not issued here) stay with each
network's own module; this one passes such requests on unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from werkzeug.wrappers import Request, Response

from hub.sandbox.core import Account, NetworkApi, Post, SandboxState, json_response
from hub.sandbox.graph import GraphError
from hub.sandbox.x import XApi

X_AUTHORIZE = "/i/oauth2/authorize"
X_TOKEN = "/2/oauth2/token"  # noqa: S105 (a path)
GOOGLE_AUTHORIZE = "/o/oauth2/v2/auth"
GOOGLE_TOKEN = "/oauth2/v4/token"  # noqa: S105 (a path; YouTube's refresh grant shares it)
FLICKR_REQUEST = "/services/oauth/request_token"
FLICKR_AUTHORIZE = "/services/oauth/authorize"
FLICKR_ACCESS = "/services/oauth/access_token"
THREADS_AUTHORIZE = "/oauth/authorize"  # threads.net's consent page
THREADS_TOKEN = "/graph.threads.net/oauth/access_token"  # noqa: S105 (a path)
LINKEDIN_AUTHORIZE = "/oauth/v2/authorization"  # www.linkedin.com's consent page
# www.linkedin.com/oauth/v2/accessToken, below the LinkedIn prefix (the refresh grant is
# hub.sandbox.linkedin's)
LINKEDIN_TOKEN = "/api.linkedin.com/oauth/v2/accessToken"  # noqa: S105 (a path)
GRAPH_PATH = re.compile(r"^/(v\d+\.\d+)/(dialog/oauth|oauth/access_token|me|me/accounts)/?$")

CODE_SECONDS = {
    "x": 30,
    "facebook": 600,
    "youtube": 600,
    "flickr": 600,
    "threads": 600,
    "linkedin": 1800,
}
GOOGLE_TOKEN_SECONDS = 3599
META_SHORT_SECONDS = 2 * 3600
META_LONG_SECONDS = 60 * 86400
IG_PREFIX = "178414"  # Instagram user ids start so (hub.sandbox.instagram)
PAGE_TASKS = ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"]
PAGE_FIELDS = ("access_token", "category", "category_list", "name", "id", "tasks")

# Who signs in on each network when the sandbox has no account of the city there yet.
DEFAULT_ACCOUNTS: dict[str, Sequence[tuple[str, str]]] = {
    "linkedin": [("stadt-bochum", "Stadt Bochum")],
    "x": [("stadt_bochum", "Stadt Bochum")],
    "facebook": [("stadtbochum", "Stadt Bochum"), ("bochumkultur", "Bochum Kultur")],
    "youtube": [("@stadtbochum", "Stadt Bochum")],
    "flickr": [("stadtbochum", "Stadt Bochum")],
    "threads": [("stadt.bochum", "Stadt Bochum")],
}
NETWORK_NAMES = {
    "linkedin": "LinkedIn",
    "x": "X",
    "facebook": "Facebook",
    "youtube": "Google",
    "flickr": "Flickr",
    "threads": "Threads",
}


@dataclass
class Grant:
    """What the person allowed on a consent page, until the app redeems it (once)."""

    network: str
    client_id: str
    redirect_uri: str
    scope: str
    account_ids: list[str]
    challenge: str | None = None
    challenge_method: str = "plain"
    offline: bool = False
    issued: float = field(default_factory=time.monotonic)
    used: bool = False

    def expired(self) -> bool:
        return time.monotonic() - self.issued > CODE_SECONDS[self.network]


@dataclass
class FacebookUser:
    """A Facebook user token issued here: who logged in, which pages they granted."""

    user_id: str
    page_ids: list[str]
    long_lived: bool


class OAuthError(Exception):
    """An error answer of a token endpoint: status and body (JSON, or form-encoded)."""

    def __init__(self, status: int, body: Mapping[str, Any] | str) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body

    def response(self) -> Response:
        if isinstance(self.body, str):
            return Response(self.body, self.status, content_type="text/plain; charset=utf-8")
        return json_response(dict(self.body), self.status)


class ConsentError(Exception):
    """A consent page that cannot be shown (bad client, bad redirect): an error page, no
    redirect, as the networks do when they cannot trust ``redirect_uri``."""


def x_refused(description: str) -> OAuthError:
    """X's token endpoint refusing a grant."""
    return OAuthError(400, {"error": "invalid_request", "error_description": description})


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def with_query(url: str, params: Mapping[str, str], fragment: str = "") -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query), *params.items()])
    base = parts._replace(query=query, fragment="").geturl()
    return f"{base}{fragment}"


def redirect(url: str) -> Response:
    return Response("", 302, headers={"Location": url})


def oauth1_params(request: Request) -> dict[str, str]:
    """The ``oauth_*`` parameters of an OAuth 1.0a request: header, query and form."""
    params = {k: v for k, v in request.values.items() if k.startswith("oauth_")}
    header = request.headers.get("Authorization", "")
    if header.startswith("OAuth "):
        for key, value in re.findall(r'(\w+)="([^"]*)"', header):
            params[key] = unquote(value)
    return params


class OAuthPages(NetworkApi):
    """The networks' sign-in (see the module docstring). It serves no network's API, so it
    names no network of its own: the control endpoints never look for posts here."""

    networks: tuple[str, ...] = ()

    def __init__(self, state: SandboxState, apis: Sequence[NetworkApi]) -> None:
        super().__init__(state)
        self.apis = list(apis)

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return (
            path
            in (
                X_AUTHORIZE,
                X_TOKEN,
                GOOGLE_AUTHORIZE,
                GOOGLE_TOKEN,
                FLICKR_REQUEST,
                FLICKR_AUTHORIZE,
                FLICKR_ACCESS,
                THREADS_AUTHORIZE,
                THREADS_TOKEN,
                LINKEDIN_AUTHORIZE,
                LINKEDIN_TOKEN,
            )
            or GRAPH_PATH.match(path) is not None
        )

    def network_of(self, request: Request) -> str:
        path = request.path
        if path in (X_AUTHORIZE, X_TOKEN):
            return "x"
        if path in (GOOGLE_AUTHORIZE, GOOGLE_TOKEN):
            return "youtube"
        if path.startswith("/services/"):
            return "flickr"
        if path in (THREADS_AUTHORIZE, THREADS_TOKEN):
            return "threads"
        if path in (LINKEDIN_AUTHORIZE, LINKEDIN_TOKEN):
            return "linkedin"
        return "facebook"

    def token_of(self, request: Request) -> str | None:
        """What the request carries instead of an access token: the client id of a consent
        page or a grant, the request token of Flickr, a user token for ``/me``."""
        if not self._ours(request):
            delegate = self._delegate(request)
            return delegate.token_of(request) if delegate else None
        path = request.path
        if path.startswith("/services/"):
            params = oauth1_params(request)
            return params.get("oauth_consumer_key") or params.get("oauth_token")
        if path in (X_TOKEN, GOOGLE_TOKEN, THREADS_TOKEN, LINKEDIN_TOKEN):
            return self._client(request)[0]
        graph = GRAPH_PATH.match(path)
        if graph and graph.group(2) in ("me", "me/accounts"):
            return self._graph_token(request)
        if graph and graph.group(2) == "oauth/access_token" and "code" not in request.values:
            return request.values.get("fb_exchange_token")
        return request.values.get("client_id") or None

    def handle(self, request: Request, network: str, token: str) -> Response:
        if not self._ours(request):
            delegate = self._delegate(request)
            if delegate is None:
                return json_response({"error": f"the sandbox does not serve {request.path}"}, 404)
            return delegate.handle(request, network, token)
        try:
            return self._route(request)
        except ConsentError as error:
            return self._page(
                "Something went wrong", f"<p>{html.escape(str(error))}</p>", network, status=400
            )
        except OAuthError as error:
            return error.response()
        except GraphError as error:
            return json_response(error.body(), error.status)

    def error_response(self, network: str, status: int, **options: Any) -> Response:
        return self._owner(network).error_response(network, status, **options)

    def expired_response(self, network: str) -> Response:
        return self._owner(network).expired_response(network)

    def missing_token_response(self, network: str) -> Response:
        if network == "flickr":
            return OAuthError(400, "oauth_problem=parameter_absent").response()
        if network == "facebook":
            return json_response(GraphError(101, "Missing client_id parameter.").body(), 400)
        return json_response(
            {"error": "invalid_request", "error_description": "Missing client_id."}, 400
        )

    def add_comment(self, post: Post, text: str, author: Account) -> Post:  # pragma: no cover
        raise NotImplementedError("signing in has no posts")

    # -- whose request is it ------------------------------------------------------------------

    def _ours(self, request: Request) -> bool:
        """Grants issued here; refreshes go to the network's own module."""
        path = request.path
        if path in (X_TOKEN, GOOGLE_TOKEN, LINKEDIN_TOKEN):
            return request.form.get("grant_type") == "authorization_code"
        graph = GRAPH_PATH.match(path)
        if graph is None or graph.group(2) == "dialog/oauth":
            return True
        if graph.group(2) == "oauth/access_token":
            return (
                "code" in request.values
                or (request.values.get("fb_exchange_token") or "") in self._users
            )
        return (self._graph_token(request) or "") in self._users

    def _delegate(self, request: Request) -> NetworkApi | None:
        return next((a for a in self.apis if a.claims(request.path)), None)

    def _owner(self, network: str) -> NetworkApi:
        return next(a for a in self.apis if network in a.networks)

    @staticmethod
    def _graph_token(request: Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith(("Bearer ", "OAuth ")):
            return auth.split(" ", 1)[1].strip() or None
        return request.values.get("access_token") or None

    @staticmethod
    def _client(request: Request) -> tuple[str | None, str | None]:
        """Client id and secret: HTTP Basic (a confidential client) or the form."""
        auth = request.authorization
        if auth is not None and auth.type == "basic" and auth.username:
            return auth.username, auth.password
        return request.form.get("client_id") or None, request.form.get("client_secret") or None

    # -- state --------------------------------------------------------------------------------

    @property
    def _grants(self) -> dict[str, Grant]:
        return self.state.bucket("oauth.grants")

    @property
    def _users(self) -> dict[str, FacebookUser]:
        return self.state.bucket("oauth.facebook_users")

    @property
    def _request_tokens(self) -> dict[str, dict[str, Any]]:
        return self.state.bucket("oauth.flickr_request_tokens")

    def owned_accounts(self, network: str) -> list[Account]:
        """The city's accounts on a network that one can sign in as (never a citizen's); made
        up from :data:`DEFAULT_ACCOUNTS` when the sandbox has none yet."""
        shape = {
            "x": lambda i: i.isdigit(),
            "facebook": lambda i: i.isdigit() and not i.startswith(IG_PREFIX),
            "youtube": lambda i: i.startswith("UC"),
            "flickr": lambda i: "@N" in i,
            "threads": lambda i: i.isdigit(),
            "linkedin": lambda i: i.isdigit(),
        }[network]
        with self.state.lock:
            found = [
                a
                for a in self.state.accounts.values()
                if a.network == network and not a.is_citizen and shape(a.id)
            ]
            if not found:
                for username, name in DEFAULT_ACCOUNTS[network]:
                    account = Account(network, self._new_id(network), username, name)
                    found.append(self.state.put_account(account))
            return sorted(found, key=lambda a: (a.name, a.id))

    def _new_id(self, network: str) -> str:
        if network == "x":
            return self.state.snowflake()
        if network == "youtube":
            return "UC" + secrets.token_urlsafe(16)[:22].replace("_", "A").replace("-", "B")
        if network == "flickr":
            return f"{secrets.randbelow(9 * 10**8) + 10**8}@N0{secrets.randbelow(9) + 1}"
        return self.state.number(15)

    def instagram_of(self, page: Account) -> Account:
        """The Instagram business account linked to a page (made on first use)."""
        links: dict[str, str] = self.state.bucket("oauth.instagram_of")
        with self.state.lock:
            if page.id not in links:
                ig_id = IG_PREFIX + str(secrets.randbelow(10**11)).zfill(11)
                username = re.sub(r"[^a-z0-9_.]", "", page.name.lower().replace(" ", "_"))
                account = Account("instagram", ig_id, username or f"ig_{page.id[-6:]}", page.name)
                self.state.put_account(account)
                links[page.id] = ig_id
            return self.state.account("instagram", links[page.id])

    def _bind(self, network: str, token: str, account_id: str) -> None:
        with self.state.lock:
            self.state.tokens[(network, token)] = account_id

    # -- routing ------------------------------------------------------------------------------

    def _route(self, request: Request) -> Response:
        path = request.path
        if path == X_AUTHORIZE:
            return self._consent(request, "x")
        if path == GOOGLE_AUTHORIZE:
            return self._consent(request, "youtube")
        if path == X_TOKEN:
            return self._x_token(request)
        if path == GOOGLE_TOKEN:
            return self._google_token(request)
        if path == FLICKR_REQUEST:
            return self._flickr_request_token(request)
        if path == FLICKR_AUTHORIZE:
            return self._flickr_authorize(request)
        if path == FLICKR_ACCESS:
            return self._flickr_access_token(request)
        if path == THREADS_AUTHORIZE:
            return self._consent(request, "threads")
        if path == THREADS_TOKEN:
            return self._threads_token(request)
        if path == LINKEDIN_AUTHORIZE:
            return self._consent(request, "linkedin")
        if path == LINKEDIN_TOKEN:
            return self._linkedin_token(request)
        graph = GRAPH_PATH.match(path)
        assert graph is not None  # claims() saw to it
        what = graph.group(2)
        if what == "dialog/oauth":
            return self._consent(request, "facebook")
        if what == "oauth/access_token":
            return json_response(self._graph_token_grant(request))
        if what == "me":
            user = self._users[self._graph_token(request) or ""]
            return json_response({"name": "Pressestelle Stadt Bochum", "id": user.user_id})
        return json_response(self._graph_accounts(request))

    # -- consent pages (X, Facebook, Google) --------------------------------------------------

    def _consent(self, request: Request, network: str) -> Response:
        params = {k: v for k, v in request.values.items() if k not in ("decision", "account")}
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if not client_id:
            raise ConsentError("The app is missing (client_id).")
        if not redirect_uri.startswith(("http://", "https://")):
            raise ConsentError("The app's redirect_uri is missing or not a web address.")
        if params.get("response_type", "code") != "code":
            raise ConsentError("Only response_type=code is supported.")
        challenge = params.get("code_challenge")
        method = params.get("code_challenge_method", "plain")
        if network == "x" and not challenge:
            raise ConsentError("X requires PKCE: code_challenge is missing.")
        if challenge and method not in ("S256", "plain"):
            raise ConsentError("code_challenge_method must be S256 or plain.")
        if network != "facebook" and not params.get("scope"):
            raise ConsentError("The app asks for no scope.")
        accounts = self.owned_accounts(network)
        if request.method == "GET":
            return self._consent_page(network, params, accounts)

        state = {"state": params["state"]} if params.get("state") else {}
        fragment = "#_=_" if network == "facebook" else ""  # Facebook appends it, really
        if request.form.get("decision") != "allow":
            denied = {"error": "access_denied"}
            if network == "facebook":
                denied.update(
                    error_code="200",
                    error_description="Permissions error",
                    error_reason="user_denied",
                )
            return redirect(with_query(redirect_uri, {**denied, **state}, fragment))
        known = {a.id for a in accounts}
        chosen = [i for i in request.form.getlist("account") if i in known]
        if not chosen:
            return self._consent_page(
                network, params, accounts, problem="Choose at least one account to continue."
            )
        code = secrets.token_urlsafe(32)
        with self.state.lock:
            self._grants[code] = Grant(
                network=network,
                client_id=client_id,
                redirect_uri=redirect_uri,
                scope=params.get("scope", ""),
                account_ids=chosen,
                challenge=challenge,
                challenge_method=method if challenge else "plain",
                offline=params.get("access_type") == "offline",
            )
        return redirect(with_query(redirect_uri, {"code": code, **state}, fragment))

    def _consent_page(
        self,
        network: str,
        params: Mapping[str, str],
        accounts: Sequence[Account],
        problem: str | None = None,
    ) -> Response:
        app = html.escape(params.get("client_id", ""))
        scopes = [s for s in re.split(r"[ ,]+", params.get("scope", "")) if s]
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        several = network == "facebook"
        kind = "checkbox" if several else "radio"
        legend = (
            "Which Pages may the app use?" if several else "Which account do you continue with?"
        )
        choices = "".join(
            f'<div><input type="{kind}" name="account" value="{html.escape(a.id)}" '
            f'id="account-{html.escape(a.id)}"{" checked" if several or i == 0 else ""}> '
            f'<label for="account-{html.escape(a.id)}">{html.escape(a.name)} '
            f"({html.escape(self._handle(a))})</label></div>"
            for i, a in enumerate(accounts)
        )
        items = "".join(f"<li><code>{html.escape(s)}</code></li>" for s in scopes)
        alert = f'<p role="alert" class="problem">{html.escape(problem)}</p>' if problem else ""
        body = f"""
<p>The app <strong id="app-name">{app}</strong> asks for access to your account.</p>
{alert}
<form method="post">
{hidden}
<fieldset><legend>{legend}</legend>{choices}</fieldset>
<h2>It will be able to</h2>
<ul id="scopes">{items or "<li>see your public profile</li>"}</ul>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>"""
        return self._page(f"Sign in to {NETWORK_NAMES[network]}", body, network)

    @staticmethod
    def _handle(account: Account) -> str:
        if account.network == "x":
            return f"@{account.username}"
        return account.username if account.network != "facebook" else f"Page {account.id}"

    @staticmethod
    def _page(title: str, body: str, network: str, status: int = 200) -> Response:
        page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{html.escape(title)} · hub sandbox</title>
<style>body{{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}}
button{{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}}
fieldset{{margin:1rem 0}}.problem{{color:#a00}}</style></head>
<body><main><h1>{html.escape(title)}</h1>
<p><small>hub sandbox: this page stands in for {NETWORK_NAMES[network]}'s own.</small></p>
{body}</main></body></html>"""
        return Response(page, status, content_type="text/html; charset=utf-8")

    def _redeem(self, network: str, code: str, client_id: str | None, redirect_uri: str) -> Grant:
        """The grant behind a code, used up; None-safe checks happen in the callers' words."""
        with self.state.lock:
            grant = self._grants.get(code)
            if grant is None or grant.network != network or grant.used or grant.expired():
                raise KeyError(code)
            if grant.client_id != client_id or grant.redirect_uri != redirect_uri:
                raise ValueError(code)
            grant.used = True
            return grant

    # -- Threads ------------------------------------------------------------------------------

    def _threads_token(self, request: Request) -> Response:
        """``POST graph.threads.net/oauth/access_token`` (``grant_type=authorization_code``,
        the app's ``client_id`` and ``client_secret``): a short-lived token (an hour) for the
        chosen profile and its ``user_id`` (a number, as Threads sends it); the long-lived one
        comes from ``th_exchange_token`` (:mod:`hub.sandbox.threads`)."""
        client_id, secret = self._client(request)
        form = request.form
        if form.get("grant_type") != "authorization_code":
            raise GraphError(100, "(#100) Unsupported grant_type")
        if not secret:
            raise GraphError(101, "Error validating application. Invalid application ID.")
        try:
            grant = self._redeem(
                "threads", form.get("code", ""), client_id, form.get("redirect_uri", "")
            )
        except (KeyError, ValueError):
            raise GraphError(100, "Invalid authorization code") from None
        token = "THQV" + secrets.token_urlsafe(32)
        self._bind("threads", token, grant.account_ids[0])
        return json_response({"access_token": token, "user_id": int(grant.account_ids[0])})

    # -- LinkedIn -----------------------------------------------------------------------------

    def _linkedin_token(self, request: Request) -> Response:
        """``POST www.linkedin.com/oauth/v2/accessToken`` (``grant_type=authorization_code``,
        ``code``, ``redirect_uri``, the app's ``client_id`` and ``client_secret`` in the form):
        an access token of 60 days and a refresh token of a year, both acting for the page
        chosen; renewals go to :mod:`hub.sandbox.linkedin`, which knows the refresh token."""
        client_id, secret = self._client(request)
        form = request.form
        if not secret:
            raise OAuthError(
                401,
                {"error": "invalid_client", "error_description": "Client authentication failed"},
            )
        try:
            grant = self._redeem(
                "linkedin", form.get("code", ""), client_id, form.get("redirect_uri", "")
            )
        except (KeyError, ValueError):
            raise OAuthError(
                400,
                {
                    "error": "invalid_request",
                    "error_description": "Unable to retrieve access token: appid/redirect uri/"
                    "code verifier does not match authorization code. Or authorization code "
                    "expired.",
                },
            ) from None
        access, refresh = "AQ" + secrets.token_urlsafe(40), "AQR" + secrets.token_urlsafe(40)
        self._bind("linkedin", access, grant.account_ids[0])
        self._bind("linkedin", refresh, grant.account_ids[0])
        return json_response(
            {
                "access_token": access,
                "expires_in": 5184000,
                "refresh_token": refresh,
                "refresh_token_expires_in": 31536000,
                "scope": grant.scope.replace(" ", ","),
            }
        )

    # -- X ------------------------------------------------------------------------------------

    def _x_token(self, request: Request) -> Response:
        """The ``authorization_code`` grant; the tokens are X's own (:meth:`XApi.issue_tokens`:
        two hours, with a rotating refresh token), so the refresh grant knows them."""
        client_id, _secret = self._client(request)
        form = request.form
        with self.state.lock:
            grant = self._grants.get(form.get("code", ""))
            if grant is not None and not self._verified(grant, form.get("code_verifier", "")):
                raise x_refused("Value passed for the code verifier did not match the challenge.")
            try:
                grant = self._redeem("x", form.get("code", ""), client_id, form.get("redirect_uri"))
            except KeyError:
                raise x_refused("Value passed for the authorization code was invalid.") from None
            except ValueError:
                raise x_refused(
                    "Value passed for the client or redirect uri did not match the request."
                ) from None
        x_api = next(a for a in self.apis if isinstance(a, XApi))
        body = x_api.issue_tokens(grant.account_ids[0])
        body["scope"] = grant.scope
        if "offline.access" not in grant.scope.split():
            del body["refresh_token"]  # X gives one only with offline.access
        return json_response(body)

    @staticmethod
    def _verified(grant: Grant, verifier: str) -> bool:
        """Does the PKCE verifier hash to the grant's challenge (True without PKCE)?"""
        if not grant.challenge:
            return True
        if not verifier:
            return False
        made = s256(verifier) if grant.challenge_method == "S256" else verifier
        return secrets.compare_digest(made, grant.challenge or "")

    # -- Google -------------------------------------------------------------------------------

    def _google_token(self, request: Request) -> Response:
        client_id, secret = self._client(request)
        form = request.form
        if not secret:
            raise OAuthError(401, {"error": "invalid_client", "error_description": "Unauthorized"})
        with self.state.lock:
            grant = self._grants.get(form.get("code", ""))
            if grant is not None and grant.challenge:
                verifier = form.get("code_verifier", "")
                if not verifier:
                    raise OAuthError(
                        400,
                        {"error": "invalid_grant", "error_description": "Missing code verifier."},
                    )
                if not self._verified(grant, verifier):
                    raise OAuthError(
                        400,
                        {"error": "invalid_grant", "error_description": "Invalid code verifier."},
                    )
            try:
                grant = self._redeem(
                    "youtube", form.get("code", ""), client_id, form.get("redirect_uri", "")
                )
            except KeyError:
                raise OAuthError(
                    400, {"error": "invalid_grant", "error_description": "Bad Request"}
                ) from None
            except ValueError:
                raise OAuthError(
                    400, {"error": "redirect_uri_mismatch", "error_description": "Bad Request"}
                ) from None
        channel_id = grant.account_ids[0]
        access = "ya29.sandbox-" + secrets.token_urlsafe(24)
        self._bind("youtube", access, channel_id)
        body: dict[str, Any] = {
            "access_token": access,
            "expires_in": GOOGLE_TOKEN_SECONDS,
            "scope": grant.scope,
            "token_type": "Bearer",
        }
        if grant.offline:
            body["refresh_token"] = refresh = "1//sandbox-" + secrets.token_urlsafe(40)
            self._bind("youtube", refresh, channel_id)
        return json_response(body)

    # -- Facebook Login -----------------------------------------------------------------------

    def _graph_token_grant(self, request: Request) -> dict[str, Any]:
        values = request.values
        if not values.get("client_id"):
            raise GraphError(101, "Missing client_id parameter.")
        if not values.get("client_secret"):
            raise GraphError(1, "Missing client_secret parameter.")
        if "code" not in values:
            old = self._users[values.get("fb_exchange_token") or ""]
            return self._user_token(old.user_id, old.page_ids, long_lived=True)
        try:
            grant = self._redeem(
                "facebook", values["code"], values["client_id"], values.get("redirect_uri", "")
            )
        except KeyError:
            raise GraphError(
                100, "This authorization code has been used or has expired.", subcode=36009
            ) from None
        except ValueError:
            raise GraphError(
                100,
                "Error validating verification code. Please make sure your redirect_uri is "
                "identical to the one you used in the OAuth dialog request",
                subcode=36008,
            ) from None
        user_id = self.state.bucket("oauth.facebook_user_id").setdefault(
            "id", self.state.number(16)
        )
        return self._user_token(user_id, grant.account_ids, long_lived=False)

    def _user_token(self, user_id: str, page_ids: list[str], *, long_lived: bool) -> dict[str, Any]:
        token = "EAAsbx" + secrets.token_urlsafe(48)
        with self.state.lock:
            self._users[token] = FacebookUser(user_id, list(page_ids), long_lived)
        seconds = META_LONG_SECONDS if long_lived else META_SHORT_SECONDS
        return {"access_token": token, "token_type": "bearer", "expires_in": seconds}

    def _graph_accounts(self, request: Request) -> dict[str, Any]:
        user = self._users[self._graph_token(request) or ""]
        fields = request.values.get("fields") or ",".join(PAGE_FIELDS)
        wanted = {f.split("{")[0].strip() for f in re.split(r",(?![^{]*})", fields)}
        ig_fields = re.search(r"instagram_business_account\{([^}]*)\}", fields)
        data = []
        for page_id in user.page_ids:
            page = self.state.account("facebook", page_id)
            token = "EAAsbxP" + secrets.token_urlsafe(48)  # a page token: it does not expire
            self._bind("facebook", token, page.id)
            values: dict[str, Any] = {
                "access_token": token,
                "category": "Government organization",
                "category_list": [{"id": "2235", "name": "Government organization"}],
                "name": page.name,
                "id": page.id,
                "tasks": PAGE_TASKS,
            }
            if "instagram_business_account" in wanted:
                ig = self.instagram_of(page)
                self._bind("instagram", token, ig.id)
                linked = {"id": ig.id, "username": ig.username, "name": ig.name}
                asked = [f.strip() for f in ig_fields.group(1).split(",")] if ig_fields else []
                values["instagram_business_account"] = {
                    k: v for k, v in linked.items() if k == "id" or k in asked
                }
            data.append({k: v for k, v in values.items() if k in wanted or k == "id"})
        cursor = base64.b64encode(b"0").decode()
        return {"data": data, "paging": {"cursors": {"before": cursor, "after": cursor}}}

    # -- Flickr (OAuth 1.0a) ------------------------------------------------------------------

    def _flickr_request_token(self, request: Request) -> Response:
        params = oauth1_params(request)
        absent = [
            name
            for name in ("oauth_consumer_key", "oauth_signature", "oauth_callback")
            if not params.get(name)
        ]
        if absent:
            raise OAuthError(
                400,
                urlencode(
                    {
                        "oauth_problem": "parameter_absent",
                        "oauth_parameters_absent": "&".join(absent),
                    }
                ),
            )
        token = f"{secrets.randbelow(10**17):017d}-{secrets.token_hex(8)}"
        secret = secrets.token_hex(8)
        with self.state.lock:
            self._request_tokens[token] = {
                "consumer_key": params["oauth_consumer_key"],
                "secret": secret,
                "callback": params["oauth_callback"],
                "verifier": None,
                "account_id": None,
                "perms": None,
                "issued": time.monotonic(),
                "used": False,
            }
        body = urlencode(
            {"oauth_callback_confirmed": "true", "oauth_token": token, "oauth_token_secret": secret}
        )
        return Response(body, 200, content_type="text/plain; charset=utf-8")

    def _flickr_authorize(self, request: Request) -> Response:
        token = request.values.get("oauth_token", "")
        with self.state.lock:
            pending = self._request_tokens.get(token)
        if pending is None or pending["used"]:
            raise ConsentError("This request token is unknown or was used already.")
        perms = request.values.get("perms", "read")
        accounts = self.owned_accounts("flickr")
        if request.method == "GET":
            params = {"oauth_token": token, "perms": perms}
            fake = {"client_id": pending["consumer_key"], "scope": perms, **params}
            page = self._consent_page("flickr", fake, accounts)
            return page
        if request.form.get("decision") != "allow":
            return redirect(
                with_query(
                    pending["callback"], {"oauth_token": token, "oauth_problem": "user_refused"}
                )
            )
        chosen = request.form.get("account")
        if chosen not in {a.id for a in accounts}:
            raise ConsentError("Choose the account to continue with.")
        verifier = secrets.token_hex(8)
        with self.state.lock:
            pending.update(verifier=verifier, account_id=chosen, perms=perms)
        return redirect(
            with_query(pending["callback"], {"oauth_token": token, "oauth_verifier": verifier})
        )

    def _flickr_access_token(self, request: Request) -> Response:
        params = oauth1_params(request)
        token = params.get("oauth_token", "")
        with self.state.lock:
            pending = self._request_tokens.get(token)
            if (
                pending is None
                or pending["used"]
                or pending["verifier"] is None
                or time.monotonic() - pending["issued"] > CODE_SECONDS["flickr"]
                or pending["consumer_key"] != params.get("oauth_consumer_key")
            ):
                raise OAuthError(401, "oauth_problem=token_rejected")
            if not secrets.compare_digest(pending["verifier"], params.get("oauth_verifier", "")):
                raise OAuthError(401, "oauth_problem=verifier_invalid")
            pending["used"] = True
        account = self.state.account("flickr", pending["account_id"])
        access = f"{secrets.randbelow(10**17):017d}-{secrets.token_hex(8)}"
        self._bind("flickr", access, account.id)
        body = urlencode(
            {
                "fullname": account.name,
                "oauth_token": access,
                "oauth_token_secret": secrets.token_hex(8),
                "user_nsid": account.id,
                "username": account.username,
            }
        )
        return Response(body, 200, content_type="text/plain; charset=utf-8")


def with_sign_in(apis: Sequence[NetworkApi]) -> list[NetworkApi]:
    """The networks' APIs with their sign-in in front (it passes refresh grants on to them)."""
    return [OAuthPages(apis[0].state, apis), *apis]
