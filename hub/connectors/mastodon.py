"""Mastodon, on any server: publish, look up, read and answer replies and mentions, read figures.

Built on Mastodon.py, the maintained Python SDK, talking to the channel's own instance
(``credentials["instance"]``, e.g. ``bochum.social``; ``social.bund.de`` for a federal office).
What matters of the real API:

- **The instance's own limits.** Every server sets its text limit (500 by default, some allow
  thousands) and its media limits; ``GET /api/v2/instance`` says them
  (``configuration.statuses.max_characters``, ``max_media_attachments``,
  ``media_attachments.description_limit``). The connector reads them once an hour per instance
  and refuses a post that would not fit before anything is uploaded; the compose form counts
  against the number the channel kept when it was connected (``max_characters``).
- **Exactly once.** ``POST /api/v1/statuses`` takes an ``Idempotency-Key`` header: the same key
  within an hour gives back the status made the first time instead of a second one. hub sends
  the delivery's key, so an attempt after an unclear answer cannot post twice; after a crash
  :meth:`MastodonConnector.find_published` looks through the account's statuses as elsewhere.
- **Media.** ``POST /api/v2/media`` answers 202 while a file (video, large image) is still being
  processed, with ``url: null``; the status may only name it once ``GET /api/v1/media/:id``
  answers 200 (206 meanwhile, 422 when processing failed). hub waits for that with a deadline
  instead of Mastodon.py's ``synchronous=True``, which swallows errors. Alt text is the
  attachment's ``description``.
- **Text comes back as HTML** (``content``): paragraphs, ``<br>``, links split into spans,
  mentions shortened to ``@name``. Comparing and showing texts goes through :func:`plain_text`.
- **Inbox.** Mentions (``GET /api/v1/notifications?types[]=mention``, after a stored
  ``since_id``) and every reply under our posts (``GET /api/v1/statuses/:id/context``). Replies
  carry the same ``Idempotency-Key``. Mastodon has no hiding of replies (a reply lives on its
  author's server): :class:`~hub.connectors.base.Unsupported`, with the reason. Only our own
  statuses can be deleted.
- **Rate limits.** 300 requests per 5 minutes per account (and 30 media uploads per 30 minutes);
  a 429 carries ``X-RateLimit-Reset`` (an ISO time), which becomes ``retry_after``.
- **Login.** An access token of the channel's account that does not expire (until revoked: 401).

**Where the instance is reached** (``access.base_url``): ``None`` means the real server,
``https://<instance>``. Otherwise ``<base_url>/<instance>``: the sandbox (``HUB_SANDBOX_URL``)
serves every instance under ``/mastodon/<instance>/``, and ``HUB_MASTODON_API_URL`` may name a
proxy that forwards ``/<instance>/...`` the same way.

Credentials: ``instance``, ``access_token``; kept after connecting: ``account_id``, ``username``,
``max_characters``, and the app's ``client_id``/``client_secret`` (for revoking).
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, ClassVar

import requests
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonIOError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

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
    parse_time,
    round_done,
    round_left,
)
from hub.connectors.http import transport_error
from hub.models import Network
from hub.publishing.rules import MASTODON_DEFAULT_MAX_TEXT, MASTODON_MENTION, RULES

#: The oldest Mastodon hub speaks to: ``/api/v2/instance`` and the v2 media upload exist.
MIN_VERSION = "4.0.0"
#: How long an instance's limits are trusted before they are read again.
INSTANCE_TTL = 3600.0
MENTIONS = "@mentions"  # the mentions' turn in a round of fetch_comments
LEADING_MENTIONS = re.compile(r"^(?:@[\w.-]+(?:@[\w.-]+\w)?\s+)+")
LABEL = "Mastodon"


def instance_host(value: str) -> str:
    """``https://bochum.social/`` -> ``bochum.social``: the instance as the channel names it."""
    host = str(value or "").strip()
    for prefix in ("https://", "http://"):
        if host.lower().startswith(prefix):
            host = host[len(prefix) :]
    return host.split("/")[0].lower()


def instance_url(instance: str, base_url: str | None) -> str:
    """Where the instance's API is: the real server, or ``<base_url>/<instance>`` (sandbox)."""
    host = instance_host(instance)
    return f"{base_url.rstrip('/')}/{host}" if base_url else f"https://{host}"


class _Text(HTMLParser):
    """Collects the text of a status's HTML, with line breaks where Mastodon put them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(content: str | None) -> str:
    """A status's ``content`` (HTML) as the text a reader sees."""
    parser = _Text()
    parser.feed(content or "")
    parser.close()
    return "".join(parser.parts).strip()


def comparable(text: str | None) -> str:
    """Text as we sent it vs. as Mastodon gives it back: mentions come back as ``@name`` without
    their server; compared NFC-normalised with whitespace folded."""
    text = MASTODON_MENTION.sub(lambda m: "@" + m.group(1), text or "")
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass(frozen=True)
class InstanceLimits:
    """What one server allows, from ``/api/v2/instance``."""

    max_characters: int = MASTODON_DEFAULT_MAX_TEXT
    max_media: int = 4
    description_limit: int = 1500
    image_size_limit: int | None = None  # bytes
    video_size_limit: int | None = None
    mime_types: frozenset[str] = frozenset()  # empty: the server did not say
    version: str = ""

    @classmethod
    def from_instance(cls, data: Mapping[str, Any]) -> InstanceLimits:
        config = data.get("configuration") or {}
        statuses = config.get("statuses") or {}
        media = config.get("media_attachments") or {}
        return cls(
            max_characters=int(statuses.get("max_characters") or MASTODON_DEFAULT_MAX_TEXT),
            max_media=int(statuses.get("max_media_attachments") or 4),
            description_limit=int(media.get("description_limit") or 1500),
            image_size_limit=media.get("image_size_limit"),
            video_size_limit=media.get("video_size_limit"),
            mime_types=frozenset(media.get("supported_mime_types") or ()),
            version=str(data.get("version") or ""),
        )


_limits: dict[str, tuple[float, InstanceLimits]] = {}
_limits_lock = threading.Lock()


@dataclass(frozen=True)
class Identity:
    id: str
    username: str
    acct: str  # username@instance
    name: str = ""


class MastodonConnector(Connector):
    network = Network.mastodon.value
    api = "mastodon"
    rules = RULES[Network.mastodon]
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
            Capability.delete_own_comment,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    no_hiding_reason = _l(
        "Mastodon cannot hide replies: a reply lives on its author's server. Answer it, or "
        "report or block the account on Mastodon itself."
    )
    # How long to wait for the instance to process an uploaded file before giving up (Transient).
    media_processing_seconds: ClassVar[float] = 300.0
    # find_published and find_reply read at most this many pages of 40 statuses.
    lookup_pages: ClassVar[int] = 5

    def __init__(self, access: ChannelAccess, *, timeout: float | None = None) -> None:
        super().__init__(access, timeout=timeout)
        self._client: Mastodon | None = None
        self._learned: dict[str, Any] = {}
        creds = access.credentials
        self._identity = (
            Identity(
                str(creds["account_id"]),
                str(creds["username"]),
                f"{creds['username']}@{self.instance}",
            )
            if creds.get("account_id") and creds.get("username")
            else None
        )

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def instance(self) -> str:
        return instance_host(self.access.credentials.get("instance") or "")

    @property
    def client(self) -> Mastodon:
        if self._client is None:
            creds = self.access.credentials
            if not creds.get("access_token") or not self.instance:
                raise AuthExpired(_("This Mastodon channel has no login yet; connect it first."))
            self._client = Mastodon(
                access_token=creds["access_token"],
                api_base_url=instance_url(self.instance, self.access.base_url),
                # hub decides when to try again (Retry-After): never sleep in a worker.
                ratelimit_method="throw",
                request_timeout=self.http_timeout,
                # With "none", Mastodon.py ignores the version given and takes the server for
                # 1.0.0 (uploads then go to the old synchronous /api/v1/media): "created" makes
                # it use MIN_VERSION, without asking the server.
                mastodon_version=MIN_VERSION,
                version_check_mode="created",
                user_agent="hub (Mastodon.py)",
            )
        return self._client

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        """Turn whatever Mastodon.py raises into hub's typed errors."""
        try:
            yield
        except MastodonRatelimitError as exc:
            reset = self._client.ratelimit_reset if self._client else None
            raise RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network=LABEL,
                ),
                detail=repr(exc),
                retry_after=max(1.0, reset - time.time()) if reset else None,
            ) from exc
        except MastodonUnauthorizedError as exc:
            raise AuthExpired(
                _("The Mastodon login of this channel was revoked; connect it again."),
                detail=repr(exc.args),
            ) from exc
        except MastodonServerError as exc:
            raise Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network=LABEL,
                    status=_status(exc),
                ),
                detail=repr(exc.args),
            ) from exc
        except MastodonNetworkError as exc:
            cause = exc.__context__
            if isinstance(cause, requests.RequestException):
                raise transport_error(cause, LABEL, self.timeout) from exc
            raise Transient(
                _("The connection to %(network)s failed; hub tries again.", network=LABEL),
                detail=repr(exc),
            ) from exc
        except MastodonAPIError as exc:
            status = _status(exc)
            if status is None:  # an answer that was no JSON (a proxy's error page)
                raise Transient(
                    _(
                        "%(network)s sent an answer hub could not read; hub tries again.",
                        network=LABEL,
                    ),
                    detail=repr(exc.args),
                ) from exc
            raise Rejected(
                _(
                    "%(network)s refused %(what)s: %(reason)s",
                    network=LABEL,
                    what=what,
                    reason=_reason(exc),
                ),
                detail=repr(exc.args),
            ) from exc
        except MastodonIOError as exc:
            raise Rejected(
                _("%(network)s refused %(what)s: %(reason)s", network=LABEL, what=what, reason=exc),
                detail=repr(exc),
            ) from exc
        except MastodonError as exc:
            raise Transient(
                _("Unexpected answer from %(network)s; hub tries again.", network=LABEL),
                detail=repr(exc),
            ) from exc

    def me(self) -> Identity:
        """The account the token belongs to (asked once per connector)."""
        if self._identity is None:
            with self.errors(_("the login check")):
                account = self.client.account_verify_credentials()
            self._identity = Identity(
                str(account["id"]),
                str(account["username"]),
                f"{account['username']}@{self.instance}",
                str(account.get("display_name") or ""),
            )
        return self._identity

    def limits(self, *, fresh: bool = False) -> InstanceLimits:
        """The instance's limits, read at most once an hour per instance (per process)."""
        key = instance_url(self.instance, self.access.base_url)
        now = time.monotonic()
        with _limits_lock:
            cached = _limits.get(key)
        if cached and cached[0] > now and not fresh:
            return cached[1]
        with self.errors(_("reading the server's limits")):
            found = InstanceLimits.from_instance(self.client.instance_v2())
        with _limits_lock:
            _limits[key] = (now + INSTANCE_TTL, found)
        return found

    # -- the contract -------------------------------------------------------------------------

    def check_connection(self) -> str:
        self._identity = None
        self._learned = {"max_characters": self.limits(fresh=True).max_characters}
        return f"@{self.me().acct}"

    def learned_settings(self) -> dict[str, Any]:
        return dict(self._learned)

    def publish(self, post: OutgoingPost) -> Published:
        limits = self.limits()
        spoiler = str(post.options.get("spoiler_text") or "").strip()
        # The instance counts the content warning into its limit, together with the text.
        used = self.rules.count(post.text) + len(spoiler)
        if used > limits.max_characters:
            raise Rejected(
                _(
                    "%(instance)s allows %(limit)s characters (text and content warning "
                    "together); this post has %(used)s.",
                    instance=self.instance,
                    limit=limits.max_characters,
                    used=used,
                )
            )
        if len(post.media) > limits.max_media:
            raise Rejected(
                _(
                    "%(instance)s takes at most %(limit)s attachments; %(used)s are attached.",
                    instance=self.instance,
                    limit=limits.max_media,
                    used=len(post.media),
                )
            )
        for media in post.media:
            self._check_file(media, limits)
        media_ids = [self.upload(media, limits) for media in post.media]
        with self.errors(_("the post")):
            status = self.client.status_post(
                post.text,
                media_ids=media_ids or None,
                visibility=post.options.get("visibility") or "public",
                spoiler_text=spoiler or None,
                sensitive=bool(spoiler),
                idempotency_key=post.idempotency_key,
            )
        return Published(str(status["id"]), status.get("url") or status.get("uri"))

    def find_published(self, post: OutgoingPost) -> Published | None:
        wanted = comparable(post.text)
        for status in self._own_statuses(post.search_since):
            if comparable(plain_text(status.get("content"))) == wanted:
                return Published(str(status["id"]), status.get("url") or status.get("uri"))
        return None

    def _check_file(self, media: MediaFile, limits: InstanceLimits) -> None:
        """Refuse, before any upload, a file the server said it does not take."""
        if limits.mime_types and media.mime_type not in limits.mime_types:
            raise Rejected(
                _(
                    "%(instance)s does not take files of the type %(type)s (%(name)s).",
                    instance=self.instance,
                    type=media.mime_type,
                    name=media.path.name,
                )
            )
        cap = limits.video_size_limit if media.kind == "video" else limits.image_size_limit
        if cap and media.size > cap:
            raise Rejected(
                _(
                    "%(instance)s takes files of at most %(limit)s MB; %(name)s has %(size)s MB.",
                    instance=self.instance,
                    limit=f"{cap / 1_000_000:.0f}",
                    name=media.path.name,
                    size=f"{media.size / 1_000_000:.1f}",
                )
            )

    def upload(self, media: MediaFile, limits: InstanceLimits) -> str:
        """One file through ``POST /api/v2/media``; returns its id once the server processed it."""
        try:
            handle = media.path.open("rb")
        except OSError as exc:
            raise missing_file(media, exc) from exc
        description = (media.alt_text or "")[: limits.description_limit] or None
        with handle, self.errors(_("the upload")):
            attachment = self.client.media_post(
                handle,
                mime_type=media.mime_type,
                description=description,
                file_name=media.path.name,
            )
        return self._wait_until_processed(attachment)

    def _wait_until_processed(self, attachment: Mapping[str, Any]) -> str:
        """A 202 upload has ``url: null`` until processed: ask ``GET /api/v1/media/:id`` (206
        meanwhile, 200 when done, 422 when it failed) with growing pauses, up to a deadline."""
        media_id = str(attachment["id"])
        deadline = time.monotonic() + self.media_processing_seconds
        pause = 0.5
        while attachment.get("url") is None:
            if time.monotonic() > deadline:
                raise Transient(
                    _(
                        "%(network)s is still processing the file; hub tries again later.",
                        network=LABEL,
                    )
                )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
            with self.errors(_("processing the file")):
                attachment = self.client.media(media_id)
        return media_id

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        """Answer as the channel, naming the author (as Mastodon's apps do, so they are told)
        and no more public than what we answer."""
        with self.errors(_("the lookup")):
            parent = self.client.status(comment_remote_id)
        acct = str((parent.get("account") or {}).get("acct") or "")
        me = self.me()
        if acct and acct != me.username and f"@{acct}" not in text:
            text = f"@{acct} {text}"
        visibility = parent.get("visibility")
        with self.errors(_("the reply")):
            status = self.client.status_post(
                text,
                in_reply_to_id=comment_remote_id,
                visibility=visibility if visibility in ("unlisted", "private", "direct") else None,
                idempotency_key=idempotency_key,
            )
        return str(status["id"])

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        wanted = comparable(text)
        me = self.me()
        with self.errors(_("the lookup")):
            context = self.client.status_context(comment_remote_id)
        for status in context.get("descendants") or []:
            if (
                str((status.get("account") or {}).get("id")) == me.id
                and str(status.get("in_reply_to_id")) == str(comment_remote_id)
                and (since is None or (parse_time(status.get("created_at")) or since) >= since)
                and _without_leading_mentions(comparable(plain_text(status.get("content"))))
                == _without_leading_mentions(wanted)
            ):
                return str(status["id"])
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        raise Unsupported(str(self.no_hiding_reason))

    def delete_comment(self, comment_remote_id: str) -> None:
        """Only our own statuses can go: nobody deletes other people's posts on Mastodon."""
        me = self.me()
        try:
            with self.errors(_("the lookup")):
                status = self.client.status(comment_remote_id)
        except Rejected as exc:
            if isinstance(exc.__cause__, MastodonNotFoundError):
                return  # already gone
            raise
        if str((status.get("account") or {}).get("id")) != me.id:
            raise Unsupported(
                _(
                    "Mastodon lets nobody delete other people's replies; report or block the "
                    "account on Mastodon itself."
                )
            )
        try:
            with self.errors(_("deleting the reply")):
                self.client.status_delete(comment_remote_id)
        except Rejected as exc:
            if not isinstance(exc.__cause__, MastodonNotFoundError):
                raise

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Mentions of the account (notifications after their ``since_id``, on incremental
        calls) and the replies under each of ``posts`` (its context: every reply at once, so
        each read is a complete listing).

        Cursor: ``{"mentions": {"since_id"} (+ "max_id", "newest" while a pass is unfinished),
        "round": ...}``.
        """
        me = self.me()
        mentions = dict(cursor.get("mentions") or {})
        wanted = [*([] if full else [MENTIONS]), *posts]
        done = round_done(cursor, full)
        todo = [key for key in wanted if key not in done] or wanted
        found: dict[str, RemoteComment] = {}
        complete: list[str] = []
        budget = self.comment_pages
        for key in todo:
            if budget <= 0:
                break
            if key == MENTIONS:
                mentions, finished, budget = self._read_mentions(mentions, budget, found, me)
            else:
                budget -= 1
                self._read_context(key, found, me)
                finished = True
                if full:
                    complete.append(key)
            if finished:
                done.add(key)
        more = any(key not in done for key in wanted)
        return CommentPage(
            items=list(found.values()),
            cursor={
                "mentions": mentions,
                "round": round_left(full, done, wanted) if more else {},
            },
            more=more,
            complete=complete,
        )

    def _read_context(self, post_id: str, found: dict[str, RemoteComment], me: Identity) -> None:
        try:
            with self.errors(_("reading replies")):
                context = self.client.status_context(post_id)
        except Rejected as exc:
            if isinstance(exc.__cause__, MastodonNotFoundError):
                return  # our post is gone: nothing hangs under it any more
            raise
        for status in context.get("descendants") or []:
            comment = self._comment(status, me, root=post_id)
            found[comment.remote_id] = comment

    def _read_mentions(
        self,
        position: Mapping[str, Any],
        budget: int,
        found: dict[str, RemoteComment],
        me: Identity,
    ) -> tuple[dict[str, Any], bool, int]:
        """Page through mentions newest first, down to ``since_id``; only when the pass ends
        does ``since_id`` move to the newest, so an interrupted pass resumes at ``max_id``."""
        since = position.get("since_id")
        max_id = position.get("max_id")
        newest = position.get("newest")
        while budget > 0:
            budget -= 1
            with self.errors(_("reading mentions")):
                page = self.client.notifications(
                    types=["mention"], since_id=since, max_id=max_id, limit=40
                )
            for notification in page or []:
                status = notification.get("status")
                if status and str(status["id"]) not in found:
                    comment = self._comment(status, me, root=None)
                    found[comment.remote_id] = comment
            ids = [str(n["id"]) for n in page or []]
            if ids:
                newest = newest or max(ids, key=int)
                max_id = min(ids, key=int)
            if len(ids) < 40:
                latest = max((i for i in (newest, since) if i), key=int, default=None)
                return ({"since_id": latest} if latest else {}), True, budget
        return {"since_id": since, "max_id": max_id, "newest": newest}, False, budget

    def _comment(
        self, status: Mapping[str, Any], me: Identity, *, root: str | None
    ) -> RemoteComment:
        account = status.get("account") or {}
        # Mastodon's apps put the @names of those answered before a reply; they address it,
        # the inbox shows the thread: the text starts after them.
        text = _without_leading_mentions(plain_text(status.get("content"))) or plain_text(
            status.get("content")
        )
        spoiler = str(status.get("spoiler_text") or "")
        parent = status.get("in_reply_to_id")
        parent = str(parent) if parent is not None else None
        return RemoteComment(
            remote_id=str(status["id"]),
            text=f"[{spoiler}]\n\n{text}" if spoiler else text,
            created_at=parse_time(status.get("created_at")) or datetime.now(UTC),
            author_name=str(account.get("display_name") or account.get("username") or ""),
            author_handle=str(account.get("acct") or "") or None,
            author_id=str(account["id"]) if account.get("id") is not None else None,
            post_remote_id=root,
            parent_remote_id=parent if parent != root else None,
            is_own=str(account.get("id")) == me.id,
            edited_at=parse_time(status.get("edited_at")),
            url=status.get("url") or status.get("uri"),
        )

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        figures: dict[str, PostMetrics] = {}
        for remote_id in dict.fromkeys(remote_ids):
            try:
                with self.errors(_("the figures")):
                    status = self.client.status(remote_id)
            except Rejected as exc:
                if isinstance(exc.__cause__, MastodonNotFoundError):
                    continue  # deleted: no figures any more
                raise
            raw = {
                key: int(status.get(key) or 0)
                for key in ("replies_count", "reblogs_count", "favourites_count", "quotes_count")
                if key in status
            }
            figures[str(remote_id)] = PostMetrics(
                likes=raw.get("favourites_count"),
                comments=raw.get("replies_count"),
                shares=raw.get("reblogs_count"),
                raw=raw,
            )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors(_("the account figures")):
            account = self.client.account_verify_credentials()
        raw = {
            key: int(account.get(key) or 0)
            for key in ("followers_count", "following_count", "statuses_count")
            if key in account
        }
        return AccountMetrics(followers=raw.get("followers_count"), raw=raw)

    # -- helpers ------------------------------------------------------------------------------

    def _own_statuses(self, since: datetime | None) -> Iterator[Mapping[str, Any]]:
        """Our statuses since ``since`` (or the latest), newest first, at most ``lookup_pages``
        pages of 40. Mastodon's ids start with a millisecond clock: Mastodon.py turns a time
        into such an id for ``since_id``."""
        me = self.me()
        max_id = None
        for _page in range(self.lookup_pages):
            with self.errors(_("the lookup")):
                page = self.client.account_statuses(
                    me.id, since_id=since, max_id=max_id, limit=40, exclude_reblogs=True
                )
            yield from page or []
            if not page or len(page) < 40:
                return
            max_id = min((str(s["id"]) for s in page), key=int)


def _status(exc: MastodonAPIError) -> int | None:
    """The HTTP status Mastodon.py put into the error's arguments, if any."""
    args = exc.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _reason(exc: MastodonAPIError) -> str:
    """The server's own words (``{"error": ...}``), else the HTTP reason."""
    args = exc.args
    if len(args) > 3 and args[3]:
        return str(args[3])
    return str(args[2]) if len(args) > 2 and args[2] else f"HTTP {_status(exc)}"


def _without_leading_mentions(text: str) -> str:
    """A reply's text without the ``@name`` (or ``@name@server``) words that address it."""
    return LEADING_MENTIONS.sub("", text, count=1)
