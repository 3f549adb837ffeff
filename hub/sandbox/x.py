"""X API v2 as the sandbox speaks it: the endpoints hub's X connector (tweepy) uses.

Shapes follow X's published API and the real payloads recorded in ``tests/fixtures/x``:
``{"data": ...}`` on success (201 for a new tweet), ``{"errors": [...]}`` for partial lookups,
problem details (``title``, ``detail``, ``type``, ``status``) for failures, and the per-user
``x-rate-limit-limit/remaining/reset`` headers on every answer.

What X does to a tweet, the sandbox does too, so the connector is tested against it: links come
back as ``t.co`` links, ``&``, ``<`` and ``>`` come back HTML-escaped, a tweet with media gets
its media link appended, and a second tweet with the same text is refused as duplicate content.

Tokens: any non-empty bearer token (OAuth 2 user context) or OAuth 1.0a ``oauth_token`` is
accepted. A token seen for the first time is bound to a new account; an OAuth 1.0a token
``<digits>-...`` is bound to the user id ``<digits>``, as on X. ``/_sandbox/accounts`` can bind a
token to a named account beforehand.

What X does over time, the sandbox does too:

- ``POST /2/oauth2/token`` with ``grant_type=refresh_token`` answers as X does: a new access
  token that lives two hours (``expires_in: 7200``) *and a new refresh token*; the refresh token
  used is spent, and a second use of it is refused (400 ``invalid_request``). A refresh token the
  sandbox has never seen is taken once (the one a city got from X's consent page). An access
  token issued here answers 401 (X's problem body) once its two hours are over; tokens the
  sandbox never issued (tests, the demo) stay valid.
- Recent search reaches back seven days: a ``since_id`` or ``start_time`` older than that is
  refused with X's 400 and its words.
- ``POST /2/tweets`` counts against 24-hour caps per user and per app, reported on every answer
  in ``x-user-limit-24hour-limit/-remaining/-reset`` and ``x-app-limit-24hour-*``; past the cap
  it answers 429 with those headers (the 15-minute ``x-rate-limit-*`` still show requests left).

Switches (``/_sandbox/settings/x``): ``daily_post_limit`` (per user, default 2,400),
``app_daily_post_limit`` (default 10,000), ``access_token_seconds`` (default 7200), and the
action ``age_tokens_seconds``: every access token issued so far is that much older now (a test
lets two hours pass in a moment).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any

from twitter_text import parse_tweet
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from hub.sandbox import engagement
from hub.sandbox.core import (
    SNOWFLAKE_EPOCH_MS,
    Account,
    Media,
    NetworkApi,
    Post,
    SandboxState,
    json_response,
    utcnow,
)

NETWORK = "x"
WINDOW_SECONDS = 15 * 60
# Requests per 15 minutes per user, as X documents them for the endpoints hub uses.
RATE_LIMITS = {
    "me": 75,
    "user": 900,
    "timeline": 900,
    "mentions": 450,
    "create": 200,
    "lookup": 900,
    "get": 900,
    "delete": 50,
    "hide": 50,
    "search": 450,
    "upload": 500,
    "status": 500,
    "initialize": 500,
    "append": 500,
    "finalize": 500,
    "metadata": 500,
}
REPLY_SETTINGS = ("following", "mentionedUsers", "subscribers", "verified")
MAX_MEDIA_BYTES = {"image": 5 * 1024 * 1024, "gif": 15 * 1024 * 1024, "video": 512 * 1024 * 1024}
MEDIA_KEY_PREFIX = {"image": "3", "gif": "16", "video": "7"}
URL_RE = re.compile(r"https?://\S+")
DUPLICATE_WINDOW = timedelta(hours=24)
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOKEN_PATH = "/2/oauth2/token"  # noqa: S105 (a path)
SCOPES = "tweet.read tweet.write users.read offline.access tweet.moderate.write"
SEARCH_WINDOW = timedelta(days=7)  # how far back recent search reaches
DAY_SECONDS = 24 * 3600
SETTINGS_BUCKET = "x.settings"
OAUTH_BUCKET = "x.oauth"
CAPS_BUCKET = "x.caps"
# X's caps depend on the API plan; these defaults (an account's 2,400 posts a day, the 10,000
# per app that X documents) never stop the demo or a benchmark. Tests set them low.
DEFAULT_SETTINGS: dict[str, int] = {
    "daily_post_limit": 2400,
    "app_daily_post_limit": 10_000,
    "access_token_seconds": 7200,
}


class XError(Exception):
    """An error answer: HTTP status and X's body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def problem(status: int, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    """X's problem-details body (RFC 7807) for a plain HTTP failure."""
    title = {404: "Not Found Error"}.get(status) or HTTPStatus(status).phrase
    return {
        "title": title,
        "detail": detail or title,
        "type": "about:blank",
        "status": status,
        **extra,
    }


def invalid(message: str, **parameters: Any) -> XError:
    """400 as X sends it for a bad parameter."""
    return XError(
        400,
        {
            "errors": [
                {"parameters": {k: [str(v)] for k, v in parameters.items()}, "message": message}
            ],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": INVALID_REQUEST,
        },
    )


def not_found_item(value: str, parameter: str, resource: str = "tweet") -> dict[str, Any]:
    """One entry of ``errors`` for an id a lookup could not find (the call itself is 200)."""
    return {
        "value": value,
        "detail": f"Could not find {resource} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource,
        "parameter": parameter,
        "resource_id": value,
        "type": NOT_FOUND,
    }


def snowflake_ms(tweet_id: str) -> int | None:
    """Milliseconds since 1970 in which an X id was made (its top bits are X's clock)."""
    try:
        return (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    except ValueError:
        return None


def minute(moment: datetime) -> str:
    """A time as X writes it in its error messages: ``2022-03-22T04:35Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(
            f"Invalid '{name}':'{value}'. '{name}' must be a valid date.", **{name: value}
        ) from None
    if moment.tzinfo is None:
        raise invalid(f"'{name}' must carry a time zone (e.g. Z).", **{name: value})
    return moment


def tco(url: str) -> str:
    """The t.co link X would make for a URL (stable per URL)."""
    code = base64.b32encode(hashlib.sha256(url.encode()).digest()).decode().lower()[:10]
    return f"https://t.co/{code}"


def shown_id(post: Post) -> str:
    """The id X shows for a tweet: the newest version's, once it was edited."""
    return str(post.options.get("version_id") or post.id)


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    """An OAuth 2.0 error as X's token endpoint sends it."""
    return json_response({"error": error, "error_description": description}, status)


def _fields(request: Request, name: str) -> set[str]:
    return {f for f in (request.args.get(name) or "").split(",") if f}


def _page_token(tweet_id: str) -> str:
    return base64.urlsafe_b64encode(tweet_id.encode()).decode().rstrip("=")


def _page_after(token: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
    except ValueError:
        raise invalid("The pagination token is invalid.", pagination_token=token) from None


class XApi(NetworkApi):
    networks = (NETWORK,)

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.url_map = Map(
            [
                Rule("/2/users/me", endpoint="me", methods=["GET"]),
                Rule("/2/users/<user_id>", endpoint="user", methods=["GET"]),
                Rule("/2/users/<user_id>/tweets", endpoint="timeline", methods=["GET"]),
                Rule("/2/users/<user_id>/mentions", endpoint="mentions", methods=["GET"]),
                Rule("/2/tweets", endpoint="create", methods=["POST"]),
                Rule("/2/tweets", endpoint="lookup", methods=["GET"]),
                Rule("/2/tweets/search/recent", endpoint="search", methods=["GET"]),
                Rule("/2/tweets/<tweet_id>", endpoint="get", methods=["GET"]),
                Rule("/2/tweets/<tweet_id>", endpoint="delete", methods=["DELETE"]),
                Rule("/2/tweets/<tweet_id>/hidden", endpoint="hide", methods=["PUT"]),
                Rule("/2/media/upload", endpoint="upload", methods=["POST"]),
                Rule("/2/media/upload", endpoint="status", methods=["GET"]),
                Rule("/2/media/upload/initialize", endpoint="initialize", methods=["POST"]),
                Rule("/2/media/upload/<media_id>/append", endpoint="append", methods=["POST"]),
                Rule("/2/media/upload/<media_id>/finalize", endpoint="finalize", methods=["POST"]),
                Rule("/2/media/metadata", endpoint="metadata", methods=["POST"]),
            ],
            strict_slashes=False,
        )
        self.endpoints: dict[str, Callable[..., Response]] = {
            name: getattr(self, f"_{name}") for name in RATE_LIMITS
        }

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return path == "/2" or path.startswith("/2/")

    def network_of(self, request: Request) -> str:
        return NETWORK

    def token_of(self, request: Request) -> str | None:
        if request.path.rstrip("/") == TOKEN_PATH:
            return "oauth2"  # the token endpoint reads its grant from the form
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :].strip() or None
        if auth.startswith("OAuth "):
            match = re.search(r'oauth_token="([^"]*)"', auth)
            return match.group(1) if match and match.group(1) else None
        return None

    def handle(self, request: Request, network: str, token: str) -> Response:
        if request.path.rstrip("/") == TOKEN_PATH:
            return self._oauth_token(request)
        if self._token_expired(token):
            return self.expired_response(network)
        endpoint = self._endpoint(request)
        account = self._account(request, token)
        try:
            if endpoint is None:
                raise XError(
                    404, problem(404, f"No such endpoint: {request.method} {request.path}")
                )
            name, args = endpoint
            response = self.endpoints[name](request, account, **args)
        except XError as error:
            response = json_response(error.body, error.status)
        self._rate_headers(response, endpoint[0] if endpoint else "-", account)
        return response

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        if status == 400:
            body = invalid("One or more parameters to your request was invalid.").body
        else:
            body = problem(status)
        body.update(overrides or {})
        response = json_response(body, status)
        endpoint = self._endpoint(request) if request is not None else None
        name = endpoint[0] if endpoint else "-"
        if status == 429:
            wait = retry_after if retry_after is not None else 60.0
            response.headers["x-rate-limit-limit"] = str(RATE_LIMITS.get(name, 900))
            response.headers["x-rate-limit-remaining"] = "0"
            response.headers["x-rate-limit-reset"] = str(math.ceil(time.time() + wait))
        return response

    def expired_response(self, network: str) -> Response:
        return json_response(problem(401, "Unauthorized"), 401)

    def edit_comment(self, post: Post, text: str) -> Post:
        """The author edits a reply: as on X, the new version gets a new id, listed in
        ``edit_history_tweet_ids`` after the first one."""
        with self.state.lock:
            version = self.state.snowflake()
            history = list(post.options.get("edit_history") or [post.id])
            post.options.update(
                edit_history=[*history, version],
                version_id=version,
                edited_at=utcnow().isoformat(),
            )
            post.text = text
        return post

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        tweet_id = self.state.snowflake()
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=tweet_id,
                account_id=author.id,
                text=text,
                url=f"https://x.com/{author.username}/status/{tweet_id}",
                parent_id=post.id,
                root_id=post.root_id or post.id,
            )
        )

    # -- plumbing -----------------------------------------------------------------------------

    def _endpoint(self, request: Request) -> tuple[str, dict[str, Any]] | None:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            name, args = adapter.match()
        except (NotFound, MethodNotAllowed):
            return None
        return str(name), args

    def _account(self, request: Request, token: str) -> Account:
        if request.headers.get("Authorization", "").startswith("OAuth "):
            user_id = token.partition("-")[0]
            if user_id.isdigit():
                return self.state.account_for_token(NETWORK, token, account_id=user_id)
        return self.state.account_for_token(NETWORK, token)

    def _rate_headers(self, response: Response, endpoint: str, account: Account) -> None:
        if "x-rate-limit-limit" in response.headers:
            return
        limit = RATE_LIMITS.get(endpoint, 900)
        window = int(time.time() // WINDOW_SECONDS * WINDOW_SECONDS)
        counts = self.state.bucket("x.rate")
        with self.state.lock:
            key = (account.id, endpoint, window)
            counts[key] = used = counts.get(key, 0) + 1
        response.headers["x-rate-limit-limit"] = str(limit)
        response.headers["x-rate-limit-remaining"] = str(max(limit - used, 0))
        response.headers["x-rate-limit-reset"] = str(window + WINDOW_SECONDS)

    def _json_body(self, request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise XError(400, problem(400, "The request body must be a JSON object."))
        return body

    # -- switches, logins and caps ------------------------------------------------------------

    def settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The sandbox's X switches (see the module's doc); ``values`` changes some."""
        unknown = set(values) - set(DEFAULT_SETTINGS) - {"age_tokens_seconds"}
        if unknown:
            raise ValueError(f"unknown X settings: {sorted(unknown)}")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of at least 0")
        with self.state.lock:
            current = self.state.bucket(SETTINGS_BUCKET)
            if not current:
                current.update(DEFAULT_SETTINGS)
            current.update({k: v for k, v in values.items() if k in DEFAULT_SETTINGS})
            age = values.get("age_tokens_seconds")
            if age:
                for issued in self.state.bucket(OAUTH_BUCKET).values():
                    if "expires_at" in issued:
                        issued["expires_at"] -= age
            return dict(current)

    def _setting(self, name: str) -> int:
        with self.state.lock:
            return int(self.state.bucket(SETTINGS_BUCKET).get(name, DEFAULT_SETTINGS[name]))

    def issue_tokens(self, account_id: str) -> dict[str, Any]:
        """A new access token (two hours) and refresh token for the account, in the shape of
        X's token answer. The consent flow's ``authorization_code`` grant can use it too."""
        lifetime = self._setting("access_token_seconds")
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.state.lock:
            issued = self.state.bucket(OAUTH_BUCKET)
            issued[("access", access)] = {
                "account": account_id,
                "expires_at": time.time() + lifetime,
            }
            issued[("refresh", refresh)] = {"account": account_id, "spent": False}
            self.state.tokens[(NETWORK, access)] = account_id
        return {
            "token_type": "bearer",
            "expires_in": lifetime,
            "access_token": access,
            "scope": SCOPES,
            "refresh_token": refresh,
        }

    def _token_expired(self, token: str) -> bool:
        """True for an access token the sandbox issued whose lifetime is over."""
        with self.state.lock:
            issued = self.state.bucket(OAUTH_BUCKET).get(("access", token))
            return issued is not None and issued["expires_at"] <= time.time()

    def _oauth_token(self, request: Request) -> Response:
        """``POST /2/oauth2/token``: X's OAuth 2.0 token endpoint (refresh grant)."""
        grant = request.form.get("grant_type")
        if grant != "refresh_token":
            return _oauth_error(
                "unsupported_grant_type", f"Value passed for grant_type [{grant}] is invalid."
            )
        refresh = request.form.get("refresh_token") or ""
        if not refresh:
            return _oauth_error("invalid_request", "Missing required parameter [refresh_token].")
        with self.state.lock:
            issued = self.state.bucket(OAUTH_BUCKET)
            known = issued.get(("refresh", refresh))
            if known is None:
                # Seen for the first time: the refresh token X's consent page gave the city.
                account_id = self.state.account_for_token(NETWORK, refresh).id
                known = issued[("refresh", refresh)] = {"account": account_id, "spent": False}
            if known["spent"]:
                return _oauth_error("invalid_request", "Value passed for the token was invalid.")
            known["spent"] = True
            return json_response(self.issue_tokens(known["account"]))

    def _caps(self, account: Account) -> dict[str, tuple[int, int, int]]:
        """The 24-hour post caps as (limit, used, reset) for the user and for the app. A window
        starts with its first post and ends 24 hours later, as X reports it."""
        now = time.time()
        limits = {
            "user": self._setting("daily_post_limit"),
            "app": self._setting("app_daily_post_limit"),
        }
        caps = {}
        with self.state.lock:
            windows = self.state.bucket(CAPS_BUCKET)
            for scope, key in (("user", account.id), ("app", "*")):
                window = windows.get((scope, key))
                if window is None or window["reset"] <= now:
                    window = windows[(scope, key)] = {
                        "used": 0,
                        "reset": math.ceil(now) + DAY_SECONDS,
                    }
                caps[scope] = (limits[scope], window["used"], window["reset"])
        return caps

    def _count_post(self, account: Account) -> None:
        with self.state.lock:
            windows = self.state.bucket(CAPS_BUCKET)
            for key in (("user", account.id), ("app", "*")):
                windows[key]["used"] += 1

    def _cap_headers(self, response: Response, account: Account) -> None:
        for scope, (limit, used, reset) in self._caps(account).items():
            response.headers[f"x-{scope}-limit-24hour-limit"] = str(limit)
            response.headers[f"x-{scope}-limit-24hour-remaining"] = str(max(limit - used, 0))
            response.headers[f"x-{scope}-limit-24hour-reset"] = str(reset)

    # -- how X shows things -------------------------------------------------------------------

    def display_text(self, post: Post) -> str:
        text = URL_RE.sub(lambda m: tco(m.group(0)), post.text)
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if post.media:
            text = f"{text} {tco('media:' + post.id)}".strip()
        return text

    def tweet_json(self, post: Post, fields: set[str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "edit_history_tweet_ids": list(post.options.get("edit_history") or [post.id]),
            "id": shown_id(post),
            "text": self.display_text(post),
        }
        if "created_at" in fields:
            edited = post.options.get("edited_at")
            data["created_at"] = iso(datetime.fromisoformat(edited) if edited else post.created_at)
        if "author_id" in fields:
            data["author_id"] = post.account_id
        if "conversation_id" in fields:
            data["conversation_id"] = post.root_id or post.id
        if "reply_settings" in fields:
            data["reply_settings"] = post.options.get("reply_settings", "everyone")
        if post.parent_id and "referenced_tweets" in fields:
            data["referenced_tweets"] = [{"type": "replied_to", "id": post.parent_id}]
        if post.parent_id and "in_reply_to_user_id" in fields:
            parent = self.state.post(NETWORK, post.parent_id)
            if parent is not None:
                data["in_reply_to_user_id"] = parent.account_id
        if post.media and "attachments" in fields:
            data["attachments"] = {"media_keys": [m.extra["media_key"] for m in post.media]}
        if "public_metrics" in fields:
            data["public_metrics"] = self.public_metrics(post)
        if "entities" in fields:
            urls = []
            for match in URL_RE.finditer(post.text):
                url = match.group(0)
                urls.append(
                    {
                        "start": match.start(),
                        "end": match.end(),
                        "url": tco(url),
                        "expanded_url": url,
                        "display_url": url.split("://", 1)[1][:30],
                    }
                )
            if urls:
                data["entities"] = {"urls": urls}
        return data

    def public_metrics(self, post: Post) -> dict[str, int]:
        with self.state.lock:
            replies = sum(
                1
                for p in self.state.posts.values()
                if p.network == NETWORK and p.parent_id == post.id and not p.deleted
            )
        grown = engagement.figures(self.state, post)
        metrics = {
            "retweet_count": grown["shares"] - grown["shares"] // 4,
            "reply_count": replies,
            "like_count": grown["likes"],
            "quote_count": grown["shares"] // 4,
            "bookmark_count": grown["saves"],
            "impression_count": grown["views"],
        }
        metrics.update(post.metrics)
        return metrics

    def metrics_wire(self, post: Post) -> dict[str, Any]:
        """What ``GET /2/tweets?ids=...&tweet.fields=public_metrics`` says about the post."""
        return {"public_metrics": self.public_metrics(post)}

    def user_json(self, account: Account, fields: set[str]) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": account.id,
            "name": account.name,
            "username": account.username,
        }
        if "public_metrics" in fields:
            with self.state.lock:
                tweets = sum(
                    1
                    for p in self.state.posts.values()
                    if p.network == NETWORK and p.account_id == account.id and not p.deleted
                )
            data["public_metrics"] = {
                "followers_count": account.followers,
                "following_count": 0,
                "tweet_count": tweets,
                "listed_count": 0,
                "like_count": 0,
            }
        return data

    def _listing(self, request: Request, tweets: list[Post], *, default_max: int = 10) -> Response:
        """A timeline-like answer: filters, newest first, paginated, with ``meta``."""
        args = request.args
        try:
            max_results = int(args.get("max_results", default_max))
        except ValueError:
            raise invalid("max_results must be a number", max_results=args["max_results"]) from None
        if not 5 <= max_results <= 100:
            raise invalid(
                f"The `max_results` query parameter value [{max_results}] is not between 5 and 100",
                max_results=max_results,
            )
        start = parse_time(args.get("start_time"), "start_time")
        end = parse_time(args.get("end_time"), "end_time")
        since_id, until_id = args.get("since_id"), args.get("until_id")
        exclude = set((args.get("exclude") or "").split(","))
        token = args.get("pagination_token") or args.get("next_token")
        after = _page_after(token) if token else None
        selected = []
        for post in sorted(tweets, key=lambda p: int(shown_id(p)), reverse=True):
            number = int(shown_id(post))
            if (
                post.deleted
                or (start and post.created_at < start)
                or (end and post.created_at >= end)
            ):
                continue
            if (since_id and number <= int(since_id)) or (until_id and number >= int(until_id)):
                continue
            if "replies" in exclude and post.parent_id:
                continue
            if after is not None and number >= after:
                continue
            selected.append(post)
        page = selected[:max_results]
        fields = _fields(request, "tweet.fields")
        meta: dict[str, Any] = {"result_count": len(page)}
        body: dict[str, Any] = {}
        if page:
            body["data"] = [self.tweet_json(p, fields) for p in page]
            if "author_id" in _fields(request, "expansions"):
                user_fields = _fields(request, "user.fields")
                authors = {p.account_id: None for p in page}
                body["includes"] = {
                    "users": [
                        self.user_json(self.state.account(NETWORK, a), user_fields) for a in authors
                    ]
                }
            meta.update(newest_id=shown_id(page[0]), oldest_id=shown_id(page[-1]))
            if len(selected) > len(page):
                meta["next_token"] = _page_token(shown_id(page[-1]))
        body["meta"] = meta
        return json_response(body)

    def _own_tweets(self, account_id: str) -> list[Post]:
        return [p for p in self.state.posts_of(NETWORK) if p.account_id == account_id]

    # -- users --------------------------------------------------------------------------------

    def _me(self, request: Request, account: Account) -> Response:
        return json_response({"data": self.user_json(account, _fields(request, "user.fields"))})

    def _user(self, request: Request, account: Account, user_id: str) -> Response:
        user = self.state.account(NETWORK, user_id)
        return json_response({"data": self.user_json(user, _fields(request, "user.fields"))})

    def _timeline(self, request: Request, account: Account, user_id: str) -> Response:
        self.state.account(NETWORK, user_id)
        return self._listing(request, self._own_tweets(user_id))

    def _mentions(self, request: Request, account: Account, user_id: str) -> Response:
        user = self.state.account(NETWORK, user_id)
        mine = {p.id for p in self._own_tweets(user_id)}
        handle = f"@{user.username}".lower()
        tweets = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.account_id != user_id and (p.parent_id in mine or handle in p.text.lower())
        ]
        return self._listing(request, tweets)

    # -- tweets -------------------------------------------------------------------------------

    def _create(self, request: Request, account: Account) -> Response:
        caps = self._caps(account)
        if any(used >= limit for limit, used, _reset in caps.values()):
            response = json_response(problem(429), 429)
            self._cap_headers(response, account)
            return response
        self._count_post(account)
        try:
            response = self._create_tweet(request, account)
        except XError as error:
            response = json_response(error.body, error.status)
        self._cap_headers(response, account)
        return response

    def _create_tweet(self, request: Request, account: Account) -> Response:
        body = self._json_body(request)
        text = body.get("text") or ""
        media_ids = [str(m) for m in (body.get("media") or {}).get("media_ids") or []]
        if not isinstance(text, str):
            raise invalid("text must be a string", text=text)
        if not text and not media_ids:
            raise invalid("Tweet needs text or media.", text="")
        if text and parse_tweet(text).weightedLength > 280:
            raise XError(403, problem(403, "Your Tweet text is too long."))
        if len(media_ids) > 4:
            raise invalid("A Tweet can have at most 4 media.", media_ids=",".join(media_ids))
        reply_settings = body.get("reply_settings")
        if reply_settings is not None and reply_settings not in REPLY_SETTINGS:
            raise invalid(
                f"The `reply_settings` value [{reply_settings}] is not one of "
                f"[{','.join(REPLY_SETTINGS)}]",
                reply_settings=reply_settings,
            )
        with self.state.lock:
            media = []
            for media_id in media_ids:
                item = self.state.get_media(NETWORK, media_id)
                if item is None or item.account_id != account.id or not item.ready:
                    raise invalid("Your media IDs are invalid.", media_ids=media_id)
                media.append(item)
            parent = None
            reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
            if reply_to is not None:
                parent = self.state.post(NETWORK, str(reply_to))
                if parent is None or parent.deleted:
                    raise XError(
                        403,
                        problem(
                            403,
                            "You attempted to reply to a Tweet that is deleted or not visible "
                            "to you.",
                        ),
                    )
            if text.strip() and self._is_duplicate(account.id, text):
                raise XError(403, problem(403, DUPLICATE))
            tweet_id = self.state.snowflake()
            post = self.state.add_post(
                Post(
                    network=NETWORK,
                    id=tweet_id,
                    account_id=account.id,
                    text=text,
                    url=f"https://x.com/{account.username}/status/{tweet_id}",
                    media=media,
                    parent_id=parent.id if parent else None,
                    root_id=(parent.root_id or parent.id) if parent else None,
                    options={"reply_settings": reply_settings} if reply_settings else {},
                )
            )
        data = {"edit_history_tweet_ids": [post.id], "id": post.id, "text": self.display_text(post)}
        return json_response({"data": data}, 201)

    def _is_duplicate(self, account_id: str, text: str) -> bool:
        since = utcnow() - DUPLICATE_WINDOW
        return any(
            p.text.strip() == text.strip() and p.created_at >= since and not p.deleted
            for p in self._own_tweets(account_id)
        )

    def _lookup(self, request: Request, account: Account) -> Response:
        ids = [i for i in (request.args.get("ids") or "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            raise invalid("ids must list 1 to 100 tweet ids.", ids=request.args.get("ids", ""))
        fields = _fields(request, "tweet.fields")
        found, errors = [], []
        for tweet_id in ids:
            post = self.state.post(NETWORK, tweet_id)
            if post is None or post.deleted:
                errors.append(not_found_item(tweet_id, "ids"))
            else:
                found.append(self.tweet_json(post, fields))
        body: dict[str, Any] = {}
        if found:
            body["data"] = found
        if errors:
            body["errors"] = errors
        return json_response(body)

    def _get(self, request: Request, account: Account, tweet_id: str) -> Response:
        post = self.state.post(NETWORK, tweet_id)
        if post is None or post.deleted:
            return json_response({"errors": [not_found_item(tweet_id, "id")]})
        return json_response({"data": self.tweet_json(post, _fields(request, "tweet.fields"))})

    def _delete(self, request: Request, account: Account, tweet_id: str) -> Response:
        with self.state.lock:
            post = self.state.post(NETWORK, tweet_id)
            if post is None or post.deleted:
                raise XError(404, problem(404, f"Could not find tweet with id: [{tweet_id}]."))
            if post.account_id != account.id:
                raise XError(403, problem(403, "You are not allowed to delete this Tweet."))
            post.deleted = True
        return json_response({"data": {"deleted": True}})

    def _hide(self, request: Request, account: Account, tweet_id: str) -> Response:
        body = self._json_body(request)
        hidden = body.get("hidden")
        if not isinstance(hidden, bool):
            raise invalid("hidden must be true or false", hidden=hidden)
        with self.state.lock:
            post = self.state.post(NETWORK, tweet_id)
            if post is None or post.deleted:
                raise XError(404, problem(404, f"Could not find tweet with id: [{tweet_id}]."))
            root = self.state.post(NETWORK, post.root_id) if post.root_id else None
            if root is None or root.account_id != account.id or post.account_id == account.id:
                raise XError(
                    403,
                    problem(
                        403, "You can only hide or unhide replies to conversations you started."
                    ),
                )
            post.hidden = hidden
        return json_response({"data": {"hidden": hidden}})

    def _search(self, request: Request, account: Account) -> Response:
        query = (request.args.get("query") or "").strip()
        if not query:
            raise invalid("query is required", query="")
        tests: list[Callable[[Post], bool]] = []
        for term in re.findall(r'"[^"]*"|\S+', query):
            key, _, value = term.partition(":")
            if key == "conversation_id" and value:
                tests.append(lambda p, v=value: (p.root_id or p.id) == v)
            elif key == "in_reply_to_tweet_id" and value:
                tests.append(lambda p, v=value: p.parent_id == v)
            elif key in ("from", "to") and value:
                user = next(
                    (
                        a
                        for a in self.state.accounts.values()
                        if a.network == NETWORK and a.username.lower() == value.lower()
                    ),
                    None,
                )
                user_id = user.id if user else None
                if key == "from":
                    tests.append(lambda p, u=user_id: p.account_id == u)
                else:
                    tests.append(lambda p, u=user_id: self._replied_to_user(p, u))
            elif term.startswith("-is:") or term.startswith("is:"):
                continue
            else:
                word = term.strip('"').lower()
                tests.append(lambda p, w=word: w in p.text.lower())
        week_ago = utcnow() - SEARCH_WINDOW
        self._within_search_window(request, week_ago)
        tweets = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.created_at >= week_ago and all(test(p) for test in tests)
        ]
        return self._listing(request, tweets)

    def _within_search_window(self, request: Request, week_ago: datetime) -> None:
        """Recent search refuses to reach back further than seven days, in X's words."""
        since_id = request.args.get("since_id")
        made = snowflake_ms(since_id) if since_id else None
        if since_id and (made is None or made < week_ago.timestamp() * 1000):
            larger = (math.ceil(week_ago.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22
            raise invalid(
                f"'since_id' must be a tweet id created after {minute(week_ago)}. Please use a "
                f"'since_id' that is larger than {larger}",
                since_id=since_id,
            )
        start = parse_time(request.args.get("start_time"), "start_time")
        if start is not None and start < week_ago:
            raise invalid(
                f"Invalid 'start_time':'{minute(start)}'. 'start_time' must be on or after "
                f"{minute(week_ago)}",
                start_time=request.args["start_time"],
            )

    def _replied_to_user(self, post: Post, user_id: str | None) -> bool:
        parent = self.state.post(NETWORK, post.parent_id) if post.parent_id else None
        return parent is not None and parent.account_id == user_id

    # -- media --------------------------------------------------------------------------------

    def _new_upload(
        self, account: Account, media_type: str, total_bytes: int | None, category: str
    ) -> Media:
        if not media_type or "/" not in media_type:
            raise invalid("media_type is required", media_type=media_type)
        kind = "gif" if media_type == "image/gif" else media_type.split("/")[0]
        if kind not in MAX_MEDIA_BYTES:
            raise invalid(f"media_type {media_type} is not supported", media_type=media_type)
        if total_bytes is not None and not 0 < total_bytes <= MAX_MEDIA_BYTES[kind]:
            raise invalid(
                f"total_bytes must be between 1 and {MAX_MEDIA_BYTES[kind]}",
                total_bytes=total_bytes,
            )
        media_id = self.state.snowflake()
        return self.state.add_media(
            Media(
                network=NETWORK,
                id=media_id,
                account_id=account.id,
                mime_type=media_type,
                kind="video" if kind == "video" else "image",
                declared_size=total_bytes,
                extra={"media_key": f"{MEDIA_KEY_PREFIX[kind]}_{media_id}", "category": category},
            )
        )

    def _owned_media(self, account: Account, media_id: str) -> Media:
        media = self.state.get_media(NETWORK, media_id)
        if media is None or media.account_id != account.id:
            raise invalid(f"Media id {media_id} is not valid.", media_id=media_id)
        return media

    def _media_json(self, media: Media) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": media.id,
            "media_key": media.extra["media_key"],
            "expires_after_secs": 86400,
        }
        if media.size is not None:
            data["size"] = media.size
        if "processing" in media.extra:
            data["processing_info"] = dict(media.extra["processing"])
        return data

    def _initialize(self, request: Request, account: Account) -> Response:
        body = request.get_json(silent=True)
        params = body if isinstance(body, dict) else request.form
        try:
            total = int(params.get("total_bytes") or 0)
        except (TypeError, ValueError):
            raise invalid(
                "total_bytes must be a number", total_bytes=params.get("total_bytes")
            ) from None
        media = self._new_upload(
            account,
            str(params.get("media_type") or ""),
            total,
            str(params.get("media_category") or "tweet_image"),
        )
        return json_response({"data": self._media_json(media)})

    def _append(self, request: Request, account: Account, media_id: str) -> Response:
        media = self._owned_media(account, media_id)
        try:
            index = int(request.form.get("segment_index", ""))
        except ValueError:
            raise invalid("segment_index is required (0-999)", segment_index="") from None
        if not 0 <= index <= 999:
            raise invalid("segment_index must be between 0 and 999", segment_index=index)
        upload = request.files.get("media")
        if upload is not None:
            chunk = upload.read()
        elif request.form.get("media_data"):
            chunk = base64.b64decode(request.form["media_data"])
        else:
            raise invalid("media is required", media="")
        with self.state.lock:
            if media.ready or "processing" in media.extra:
                raise invalid("This upload is already finalized.", media_id=media_id)
            media.segments[index] = chunk
        return json_response({"data": {"expires_at": int(time.time()) + 86400}})

    def _finalize(self, request: Request, account: Account, media_id: str) -> Response:
        media = self._owned_media(account, media_id)
        with self.state.lock:
            if not media.segments and media.sha256 is None:
                raise invalid("No segments were uploaded.", media_id=media_id)
            if media.sha256 is None:
                media.assemble()
            if media.declared_size is not None and media.size != media.declared_size:
                raise invalid(
                    "Segments do not add up to provided total file size.", media_id=media_id
                )
            self._received(media)
        return json_response({"data": self._media_json(media)})

    def _received(self, media: Media) -> None:
        """Every byte is in: an image is ready now; a video is processed first, asynchronously
        as on X (the client polls STATUS). Call with the state's lock held."""
        if media.kind == "video":
            media.extra["processing"] = {"state": "pending", "check_after_secs": 1}
        else:
            media.ready = True

    def _status(self, request: Request, account: Account) -> Response:
        if (request.args.get("command") or "STATUS").upper() != "STATUS":
            raise invalid("command must be STATUS", command=request.args.get("command"))
        media = self._owned_media(account, request.args.get("media_id") or "")
        with self.state.lock:
            processing = media.extra.get("processing")
            if processing and processing["state"] in ("pending", "in_progress"):
                processing.update(state="succeeded", progress_percent=100)
                processing.pop("check_after_secs", None)
                media.ready = True
        return json_response({"data": self._media_json(media)})

    def _upload(self, request: Request, account: Account) -> Response:
        """One-shot upload (multipart ``media``); also the older ``command=INIT|APPEND|...``."""
        command = (request.form.get("command") or "").upper()
        if command == "INIT":
            return self._initialize(request, account)
        if command in ("APPEND", "FINALIZE"):
            media_id = request.form.get("media_id") or ""
            handler = self._append if command == "APPEND" else self._finalize
            return handler(request, account, media_id)
        upload = request.files.get("media")
        if upload is None:
            raise invalid("media is required", media="")
        data = upload.read()
        media_type = request.form.get("media_type") or upload.mimetype or "image/jpeg"
        media = self._new_upload(
            account, media_type, len(data), request.form.get("media_category") or "tweet_image"
        )
        with self.state.lock:
            media.segments[0] = data
            media.assemble()
            self._received(media)
        return json_response({"data": self._media_json(media)})

    def _metadata(self, request: Request, account: Account) -> Response:
        body = self._json_body(request)
        media = self._owned_media(account, str(body.get("id") or ""))
        alt = ((body.get("metadata") or {}).get("alt_text") or {}).get("text")
        if alt is not None:
            if not isinstance(alt, str) or len(alt) > 1000:
                raise invalid("alt_text.text must be at most 1000 characters", alt_text="...")
            with self.state.lock:
                media.alt_text = alt
        return json_response(
            {
                "data": {
                    "id": media.id,
                    "associated_metadata": {"alt_text": {"text": media.alt_text}},
                }
            }
        )
