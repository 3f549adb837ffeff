"""X (formerly Twitter): publish, look up, read and answer replies, hide them, read figures (v2).

Built on tweepy's v2 ``Client``, the maintained Python SDK, with three additions it lacks:

- **A configurable host.** tweepy builds every URL from a hard-coded ``https://api.twitter.com``.
  Rather than copy its ``request`` method, the client gets a ``requests.Session`` that rewrites
  that prefix to ``access.base_url`` (the sandbox, or a proxy) and applies a (connect, read)
  timeout to every call, so a hung network raises instead of blocking a worker forever.
  OAuth 1.0a signatures are computed after the rewrite, over the URL actually called.
- **Media upload.** tweepy has no v2 media endpoints; images and videos go through
  ``POST /2/media/upload/initialize``, ``/{id}/append`` (chunks), ``/{id}/finalize`` (and
  ``GET /2/media/upload?command=STATUS`` while X processes a video), alt text through
  ``POST /2/media/metadata``, all on the same session and authentication as tweepy's calls.
- **Replies and mentions for the inbox.** Recent search by ``conversation_id`` after a stored
  ``since_id`` per post, and the account's mentions after their own; an interrupted pass keeps
  its ``next_token``, so nothing is skipped. An edited reply keeps its first id
  (``edit_history_tweet_ids[0]``); times missing from an answer are read from the ids. Recent
  search refuses a ``since_id`` older than seven days (HTTP 400): a post quiet for a week is
  read from ``start_time`` instead (the ``since_id``'s own time, at most seven days back).
- **Typed errors.** tweepy's exceptions and requests' timeouts become hub's
  :class:`~hub.connectors.base.Transient`, :class:`~hub.connectors.base.RateLimited`,
  :class:`~hub.connectors.base.AuthExpired` and :class:`~hub.connectors.base.Rejected`. A 429
  at one of X's 24-hour posting caps (``x-user-limit-24hour-*``, ``x-app-limit-24hour-*``)
  waits until that cap resets, not the 15-minute window's reset.

Logins: an OAuth 2.0 access token lasts two hours; :mod:`hub.publishing.tokens` renews it
(``refresh_token``, which X replaces at every use) ahead of its expiry and once on a 401.

Credentials (``access.credentials``): an OAuth 2.0 user token (``access_token``, optionally
``refresh_token``), or OAuth 1.0a (``consumer_key``, ``consumer_secret``, ``access_token``,
``access_token_secret``). ``user_id`` and ``username`` may be stored too; otherwise they are read
once per connector from ``GET /2/users/me``, so the account that posts and the account whose
timeline is searched are always the one the token belongs to.
"""

from __future__ import annotations

import html
import itertools
import re
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

import requests
import tweepy
from flask_babel import gettext as _
from tweepy.auth import OAuth1UserHandler

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    ChannelAccess,
    CommentPage,
    Connector,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    RateLimited,
    Rejected,
    RemoteComment,
    Transient,
    Unsupported,
    missing_file,
    round_done,
    round_left,
)
from hub.connectors.http import answer_detail, retry_after_seconds, transport_error
from hub.models import Network
from hub.publishing.rules import RULES

API_HOST = "https://api.twitter.com"
URL_RE = re.compile(r"https?://\S+")
# X's own words for a token that no longer works, when it answers 403 instead of 401.
AUTH_WORDS = ("revoked", "expired", "invalid or expired token", "unauthorized")
MEDIA_CATEGORIES = {"image": "tweet_image", "gif": "tweet_gif", "video": "tweet_video"}
SNOWFLAKE_EPOCH_MS = 1288834974657
# Fields the inbox reads of a reply or mention, and of its author.
COMMENT_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "edit_history_tweet_ids",
]
COMMENT_USER_FIELDS = ["username", "name"]
# Recent search reaches back seven days; a full listing of an older post is not complete.
SEARCH_WINDOW = timedelta(days=7) - timedelta(hours=6)
# X refuses a search ``since_id`` (or ``start_time``) older than seven days with a 400. A stored
# ``since_id`` older than this is not sent; the search starts at ``start_time`` instead, no
# earlier than the window's start plus a margin for the clocks of hub and X.
SEARCH_REACH = timedelta(days=7) - timedelta(minutes=10)
MENTIONS = "@mentions"  # the mentions' turn in a round of fetch_comments


def snowflake_time(tweet_id: str) -> datetime | None:
    """When a tweet was made, read from its id (X's ids start with a millisecond clock)."""
    try:
        ms = (int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS
    except ValueError:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC) if ms > SNOWFLAKE_EPOCH_MS else None


def x_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def comparable(text: str) -> str:
    """Text as X gives it back vs. as we sent it: links become t.co links and a media link is
    appended, ``&<>`` come back HTML-escaped. Compare without links, whitespace-normalised."""
    text = unicodedata.normalize("NFC", html.unescape(text or ""))
    return " ".join(URL_RE.sub(" ", text).split())


class RoutedSession(requests.Session):
    """Sends tweepy's ``api.twitter.com`` calls to ``base_url``; every call gets a timeout."""

    def __init__(self, base_url: str | None, timeout: tuple[float, float]) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/") if base_url else None
        self.default_timeout = timeout

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:  # type: ignore[override]
        if self.base_url and isinstance(url, str) and url.startswith(API_HOST):
            url = self.base_url + url[len(API_HOST) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


def raise_for_x(response: requests.Response) -> None:
    """tweepy's mapping of HTTP statuses to its exceptions, for the calls tweepy lacks."""
    status = response.status_code
    if status == 400:
        raise tweepy.BadRequest(response)
    if status == 401:
        raise tweepy.Unauthorized(response)
    if status == 403:
        raise tweepy.Forbidden(response)
    if status == 404:
        raise tweepy.NotFound(response)
    if status == 429:
        reset = response.headers.get("x-rate-limit-reset")
        raise tweepy.TooManyRequests(response, reset_time=int(reset) if reset else None)
    if status >= 500:
        raise tweepy.TwitterServerError(response)
    if not 200 <= status < 300:
        raise tweepy.HTTPException(response)


class XClient(tweepy.Client):
    """tweepy's v2 client on a :class:`RoutedSession`, plus raw calls for media upload."""

    def __init__(self, *, base_url: str | None, timeout: tuple[float, float], **auth: Any) -> None:
        super().__init__(**auth, return_type=dict, wait_on_rate_limit=False)
        self.session = RoutedSession(base_url, timeout)

    def raw_request(
        self,
        method: str,
        route: str,
        *,
        user_auth: bool,
        params: Mapping[str, str] | None = None,
        json: Mapping[str, Any] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        headers = {"User-Agent": self.user_agent}
        auth = None
        if user_auth:
            auth = OAuth1UserHandler(
                self.consumer_key, self.consumer_secret, self.access_token, self.access_token_secret
            ).apply_auth()
        else:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        with self.session.request(
            method,
            API_HOST + route,
            params=params,
            json=json,
            data=data,
            files=files,
            headers=headers,
            auth=auth,
        ) as response:
            raise_for_x(response)
            return response.json() if response.content else {}


@dataclass(frozen=True)
class Identity:
    id: str
    username: str
    name: str = ""


class XConnector(Connector):
    network = Network.x.value
    api = "x"
    rules = RULES[Network.x]
    capabilities = frozenset(
        {
            Capability.publish_text,
            Capability.publish_link,
            Capability.publish_image,
            Capability.publish_images,
            Capability.publish_video,
            Capability.alt_text,
            Capability.find_published,
            Capability.fetch_comments,
            Capability.reply,
            Capability.hide_comment,
            Capability.delete_own_comment,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    # X takes media segments of up to 5 MB; 4 MiB leaves room for the multipart envelope.
    media_chunk_bytes: ClassVar[int] = 4 * 1024 * 1024
    # How long to wait for X to process an uploaded video before giving up (Transient).
    video_processing_seconds: ClassVar[float] = 300.0
    # find_published reads at most this many pages of 100 tweets.
    lookup_pages: ClassVar[int] = 5

    def __init__(self, access: ChannelAccess, *, timeout: float | None = None) -> None:
        super().__init__(access, timeout=timeout)
        creds = access.credentials
        self.oauth1 = bool(creds.get("consumer_key") and creds.get("access_token_secret"))
        self._client: XClient | None = None
        self._identity = (
            Identity(str(creds["user_id"]), str(creds["username"]))
            if creds.get("user_id") and creds.get("username")
            else None
        )

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def client(self) -> XClient:
        if self._client is None:
            creds = self.access.credentials
            if not creds.get("access_token"):
                raise AuthExpired(_("This X channel has no login yet; connect it first."))
            auth: dict[str, Any] = (
                {
                    "consumer_key": creds.get("consumer_key"),
                    "consumer_secret": creds.get("consumer_secret"),
                    "access_token": creds["access_token"],
                    "access_token_secret": creds.get("access_token_secret"),
                }
                if self.oauth1
                else {"bearer_token": creds["access_token"]}
            )
            self._client = XClient(base_url=self.access.base_url, timeout=self.http_timeout, **auth)
        return self._client

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn whatever tweepy or requests raise into hub's typed errors."""
        try:
            yield
        except tweepy.TooManyRequests as exc:
            cap = daily_cap(exc.response)
            if cap is not None:
                raise RateLimited(
                    _(
                        "X's limit of %(limit)s posts in 24 hours for this account is used up.",
                        limit=cap.limit,
                    )
                    if cap.scope == "user"
                    else _(
                        "X's limit of %(limit)s posts in 24 hours for hub's X app is used up.",
                        limit=cap.limit,
                    ),
                    detail=answer_detail(exc.response),
                    retry_after=max(1.0, cap.reset - time.time()),
                ) from exc
            raise RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network="X",
                ),
                detail=answer_detail(exc.response),
                retry_after=_retry_after(exc.response),
            ) from exc
        except tweepy.TwitterServerError as exc:
            raise Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network="X",
                    status=exc.response.status_code,
                ),
                detail=answer_detail(exc.response),
            ) from exc
        except tweepy.HTTPException as exc:
            reason = (
                "; ".join(str(m) for m in exc.api_messages) or f"HTTP {exc.response.status_code}"
            )
            detail = answer_detail(exc.response)
            if isinstance(exc, tweepy.Unauthorized) or (
                isinstance(exc, tweepy.Forbidden) and any(w in reason.lower() for w in AUTH_WORDS)
            ):
                raise AuthExpired(
                    _("The X login of this channel has expired or was revoked; connect it again."),
                    detail=detail,
                ) from exc
            raise Rejected(
                _(
                    "%(network)s refused %(what)s: %(reason)s",
                    network="X",
                    what=what,
                    reason=reason,
                ),
                detail=detail,
            ) from exc
        except requests.JSONDecodeError as exc:
            raise Transient(
                _(
                    "%(network)s sent an answer hub could not read; hub tries again.",
                    network="X",
                ),
                detail=repr(exc),
            ) from exc
        except requests.RequestException as exc:
            raise transport_error(exc, "X", self.timeout) from exc

    def me(self) -> Identity:
        """The account the token belongs to (asked once per connector)."""
        if self._identity is None:
            with self.errors(_("the login check")):
                data = self.client.get_me(user_auth=self.oauth1)["data"]
            self._identity = Identity(str(data["id"]), data["username"], data.get("name", ""))
        return self._identity

    def status_url(self, tweet_id: str) -> str:
        return f"https://x.com/{self.me().username}/status/{tweet_id}"

    # -- the contract -------------------------------------------------------------------------

    def check_connection(self) -> str:
        self._identity = None
        return f"@{self.me().username}"

    def publish(self, post: OutgoingPost) -> Published:
        # Who we are first: after the tweet exists, nothing may fail any more.
        me = self.me()
        media_ids = [self.upload(media) for media in post.media]
        kwargs: dict[str, Any] = {"user_auth": self.oauth1}
        if post.text:
            kwargs["text"] = post.text
        if media_ids:
            kwargs["media_ids"] = media_ids
        if post.options.get("reply_settings"):
            kwargs["reply_settings"] = post.options["reply_settings"]
        with self.errors(_("the post")):
            data = self.client.create_tweet(**kwargs)["data"]
        tweet_id = str(data["id"])
        return Published(tweet_id, f"https://x.com/{me.username}/status/{tweet_id}")

    def find_published(self, post: OutgoingPost) -> Published | None:
        wanted = comparable(post.text)
        for tweet in self._own_tweets(post.search_since, ["created_at"]):
            if comparable(tweet["text"]) == wanted:
                return Published(tweet["id"], self.status_url(tweet["id"]))
        return None

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        # X has no idempotency key; a retry after an unclear answer must use find_reply first.
        with self.errors(_("the reply")):
            data = self.client.create_tweet(
                text=text, in_reply_to_tweet_id=comment_remote_id, user_auth=self.oauth1
            )["data"]
        return str(data["id"])

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        wanted = comparable(text)
        for tweet in self._own_tweets(since, ["referenced_tweets"]):
            replied = {
                ref["id"]
                for ref in tweet.get("referenced_tweets") or []
                if ref.get("type") == "replied_to"
            }
            if comment_remote_id in replied and comparable(tweet["text"]) == wanted:
                return str(tweet["id"])
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        with self.errors(_("hiding the reply") if hidden else _("showing the reply")):
            if hidden:
                self.client.hide_reply(comment_remote_id, user_auth=self.oauth1)
            else:
                self.client.unhide_reply(comment_remote_id, user_auth=self.oauth1)

    def delete_comment(self, comment_remote_id: str) -> None:
        """Only our own replies can go: X lets nobody delete other people's posts."""
        me = self.me()
        with self.errors(_("the lookup")):
            found = self.client.get_tweet(
                comment_remote_id, tweet_fields=["author_id"], user_auth=self.oauth1
            )
        tweet = found.get("data")
        if tweet is None:
            return  # already gone
        if str(tweet.get("author_id")) != me.id:
            raise Unsupported(
                _("X does not let anyone delete other people's replies; hide the reply instead.")
            )
        with self.errors(_("deleting the reply")):
            self.client.delete_tweet(comment_remote_id, user_auth=self.oauth1)

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Replies under our posts (recent search by ``conversation_id``, after ``since_id``)
        and, on incremental calls, mentions of the account (after their own ``since_id``).

        Cursor: ``{"posts": {post id: position}, "mentions": position}``, a position being
        ``{"since_id"}`` plus, while a pass is unfinished, ``{"next_token", "newest"}``.
        """
        me = self.me()
        positions = {str(k): dict(v) for k, v in (cursor.get("posts") or {}).items()}
        mentions = dict(cursor.get("mentions") or {})
        # What an unfinished round (more=True) of the same kind has read already: the rest
        # goes first now.
        wanted = [*([] if full else [MENTIONS]), *posts]
        done = round_done(cursor, full)
        todo = [key for key in wanted if key not in done] or wanted
        found: dict[str, RemoteComment] = {}
        complete: list[str] = []
        budget = [self.comment_pages]
        for key in todo:
            if budget[0] <= 0:
                break
            if key == MENTIONS:
                mentions, finished = self._read_pass(
                    partial(self.client.get_users_mentions, me.id),
                    mentions,
                    budget,
                    found,
                    me,
                    page_param="pagination_token",
                )
            else:
                fresh = full and not positions.get(key, {}).get("next_token")
                positions[key], finished = self._read_pass(
                    partial(self.client.search_recent_tweets, f"conversation_id:{key}"),
                    {} if fresh else positions.get(key, {}),
                    budget,
                    found,
                    me,
                    page_param="next_token",
                    skip=key,
                    keep_since=positions.get(key, {}).get("since_id"),
                    window=True,
                )
                made = snowflake_time(key)
                recent = made is not None and datetime.now(UTC) - made < SEARCH_WINDOW
                if fresh and finished and recent:
                    complete.append(key)
            if finished:
                done.add(key)
        more = any(key not in done for key in wanted)
        return CommentPage(
            items=list(found.values()),
            cursor={
                "posts": positions,
                "mentions": mentions,
                "round": round_left(full, done, wanted) if more else {},
            },
            more=more,
            complete=complete,
        )

    def _read_pass(
        self,
        call: Any,
        position: Mapping[str, Any],
        budget: list[int],
        found: dict[str, RemoteComment],
        me: Identity,
        *,
        page_param: str,
        skip: str | None = None,
        keep_since: str | None = None,
        window: bool = False,
    ) -> tuple[dict[str, Any], bool]:
        """Page through one listing newest first until it ends or ``budget`` is spent.

        A pass reads everything after ``since_id``; only when it ends does ``since_id`` move to
        the newest tweet it saw, so an interrupted pass resumes with ``next_token`` and skips
        nothing. Returns the new position and whether the pass ended.

        ``window``: the listing is recent search, which refuses a ``since_id`` older than seven
        days. A post quiet for a week keeps such a ``since_id``; the pass then reads from
        ``start_time`` (the ``since_id``'s own time, but not before the window) instead, and
        keeps that time while it pages, so its ``next_token`` stays valid.
        """
        since = position.get("since_id")
        token = position.get("next_token")
        newest = position.get("newest")
        start = position.get("start_time")
        if window and since and not start:
            start = _search_start(since)
        if window and start and x_time(start) < datetime.now(UTC) - SEARCH_REACH:
            # A pass interrupted for days: its start left the window, so it begins anew.
            start, token, newest = _search_start(since or "0"), None, None
        while budget[0] > 0:
            budget[0] -= 1
            args: dict[str, Any] = {
                "max_results": 100,
                "tweet_fields": COMMENT_FIELDS,
                "expansions": ["author_id"],
                "user_fields": COMMENT_USER_FIELDS,
                "user_auth": self.oauth1,
            }
            if start:
                args["start_time"] = start
            elif since:
                args["since_id"] = since
            if token:
                args[page_param] = token
            with self.errors(_("reading replies")):
                page = call(**args)
            users = {
                str(u["id"]): u
                for u in (page.get("includes") or {}).get("users") or []
                if "id" in u
            }
            for tweet in page.get("data") or []:
                if str(tweet.get("id")) == skip:
                    continue  # the post that started the conversation
                comment = self._comment(tweet, users, me)
                found[comment.remote_id] = comment
            meta = page.get("meta") or {}
            newest = newest or meta.get("newest_id")
            token = meta.get("next_token")
            if not token:
                ids = [i for i in (newest, since, keep_since) if i]
                latest = max(ids, key=int) if ids else None
                return ({"since_id": latest} if latest else {}), True
        unfinished = {"since_id": since, "next_token": token, "newest": newest}
        if start:
            unfinished["start_time"] = start
        return unfinished, False

    def _comment(
        self, tweet: Mapping[str, Any], users: Mapping[str, Mapping[str, Any]], me: Identity
    ) -> RemoteComment:
        tweet_id = str(tweet["id"])
        history = [str(i) for i in tweet.get("edit_history_tweet_ids") or [tweet_id]]
        first = history[0]
        author_id = str(tweet["author_id"]) if tweet.get("author_id") else None
        author = users.get(author_id or "") or {}
        conversation = str(tweet["conversation_id"]) if tweet.get("conversation_id") else None
        replied = next(
            (
                str(ref["id"])
                for ref in tweet.get("referenced_tweets") or []
                if ref.get("type") == "replied_to"
            ),
            None,
        )
        this_version = x_time(tweet.get("created_at")) or snowflake_time(tweet_id)
        created = (snowflake_time(first) if len(history) > 1 else this_version) or datetime.now(UTC)
        username = author.get("username")
        return RemoteComment(
            remote_id=first,
            text=html.unescape(tweet.get("text") or ""),
            created_at=created,
            author_name=str(author.get("name") or username or ""),
            author_handle=str(username) if username else None,
            author_id=author_id,
            post_remote_id=conversation,
            parent_remote_id=replied if replied and replied != conversation else None,
            is_own=author_id == me.id,
            edited_at=this_version if len(history) > 1 else None,
            url=f"https://x.com/{username or 'i/web'}/status/{tweet_id}",
        )

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        figures: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        for start in range(0, len(ids), 100):  # X looks up at most 100 tweets per call
            with self.errors(_("the figures")):
                found = self.client.get_tweets(
                    ids[start : start + 100], tweet_fields=["public_metrics"], user_auth=self.oauth1
                )
            for tweet in found.get("data") or []:
                m = tweet.get("public_metrics") or {}
                shares = (
                    m.get("retweet_count", 0) + m.get("quote_count", 0)
                    if "retweet_count" in m or "quote_count" in m
                    else None
                )
                figures[str(tweet["id"])] = PostMetrics(
                    views=m.get("impression_count"),
                    likes=m.get("like_count"),
                    comments=m.get("reply_count"),
                    shares=shares,
                    saves=m.get("bookmark_count"),
                    raw=m,
                )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors(_("the account figures")):
            data = self.client.get_me(user_fields=["public_metrics"], user_auth=self.oauth1)["data"]
        metrics = data.get("public_metrics") or {}
        return AccountMetrics(followers=metrics.get("followers_count"), raw=metrics)

    # -- helpers ------------------------------------------------------------------------------

    def _own_tweets(self, since: datetime | None, fields: list[str]) -> Iterator[dict[str, Any]]:
        """Our tweets since ``since`` (or the latest), newest first, at most ``lookup_pages``
        pages of 100."""
        me = self.me()
        token = None
        for _page in range(self.lookup_pages):
            with self.errors(_("the lookup")):
                page = self.client.get_users_tweets(
                    me.id,
                    start_time=since,
                    max_results=100,
                    tweet_fields=fields,
                    exclude=["retweets"],
                    pagination_token=token,
                    user_auth=self.oauth1,
                )
            yield from page.get("data") or []
            token = (page.get("meta") or {}).get("next_token")
            if not token:
                return

    def upload(self, media: MediaFile) -> str:
        """One file through X's chunked upload; returns the media id for the tweet."""
        kind = "gif" if media.mime_type == "image/gif" else media.kind
        try:
            size = media.path.stat().st_size
            handle = media.path.open("rb")
        except OSError as exc:
            raise missing_file(media, exc) from exc
        with handle, self.errors(_("the upload")):
            started = self.client.raw_request(
                "POST",
                "/2/media/upload/initialize",
                json={
                    "media_type": media.mime_type,
                    "total_bytes": size,
                    "media_category": MEDIA_CATEGORIES.get(kind, "tweet_image"),
                },
                user_auth=self.oauth1,
            )
            media_id = str(started["data"]["id"])
            for index in itertools.count():
                chunk = handle.read(self.media_chunk_bytes)
                if not chunk:
                    break
                self.client.raw_request(
                    "POST",
                    f"/2/media/upload/{media_id}/append",
                    data={"segment_index": str(index)},
                    files={"media": (media.path.name, chunk, "application/octet-stream")},
                    user_auth=self.oauth1,
                )
            finished = self.client.raw_request(
                "POST", f"/2/media/upload/{media_id}/finalize", user_auth=self.oauth1
            )
            self._wait_until_processed(media_id, finished["data"].get("processing_info"))
            if media.alt_text:
                self.client.raw_request(
                    "POST",
                    "/2/media/metadata",
                    json={
                        "id": media_id,
                        "metadata": {"alt_text": {"text": media.alt_text[:1000]}},
                    },
                    user_auth=self.oauth1,
                )
        return media_id

    def _wait_until_processed(self, media_id: str, info: Mapping[str, Any] | None) -> None:
        """Videos: X processes them after finalize; poll STATUS as often as X says."""
        deadline = time.monotonic() + self.video_processing_seconds
        while info and info.get("state") in ("pending", "in_progress"):
            if time.monotonic() > deadline:
                raise Transient(_("X is still processing the video; hub tries again later."))
            time.sleep(min(max(float(info.get("check_after_secs", 1)), 0.2), 30.0))
            status = self.client.raw_request(
                "GET",
                "/2/media/upload",
                params={"command": "STATUS", "media_id": media_id},
                user_auth=self.oauth1,
            )
            info = status["data"].get("processing_info")
        if info and info.get("state") == "failed":
            error = info.get("error") or {}
            raise Rejected(
                _(
                    "X could not process the video: %(reason)s",
                    reason=error.get("message") or _("unknown reason"),
                ),
                detail=repr(info),
            )


@dataclass(frozen=True)
class DailyCap:
    """One of X's 24-hour caps on posting that an answer says is used up."""

    scope: str  # "user" (the account) or "app" (hub's X app, all its accounts together)
    limit: int
    reset: int  # epoch seconds


def daily_cap(response: requests.Response) -> DailyCap | None:
    """The used-up 24-hour cap a 429 names (``x-user-limit-24hour-*``, ``x-app-limit-24hour-*``
    on ``POST /2/tweets``), the one that resets last if both are; None for other 429s, which
    the 15-minute ``x-rate-limit-*`` headers describe."""
    used_up = []
    for scope in ("user", "app"):
        prefix = f"x-{scope}-limit-24hour-"
        remaining = response.headers.get(prefix + "remaining")
        reset = response.headers.get(prefix + "reset")
        if remaining == "0" and reset and reset.isdigit():
            limit = response.headers.get(prefix + "limit") or ""
            used_up.append(DailyCap(scope, int(limit) if limit.isdigit() else 0, int(reset)))
    return max(used_up, key=lambda cap: cap.reset, default=None)


def _search_start(since_id: str) -> str | None:
    """``start_time`` for recent search in place of ``since_id``, or None while ``since_id``
    is young enough for X to take it (X refuses one older than seven days, HTTP 400)."""
    made = snowflake_time(since_id)
    reach = datetime.now(UTC) - SEARCH_REACH
    if made is not None and made > reach:
        return None
    moment = max(made or reach, reach)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after(response: requests.Response) -> float | None:
    """Seconds until X takes requests again: a used-up 24-hour cap's reset, else Retry-After,
    else ``x-rate-limit-reset``."""
    cap = daily_cap(response)
    if cap is not None:
        return max(1.0, cap.reset - time.time())
    seconds = retry_after_seconds(response.headers.get("retry-after"))
    if seconds is not None:
        return seconds
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        return max(1.0, int(reset) - time.time())
    return None
