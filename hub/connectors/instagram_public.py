"""Instagram without Graph API access: read-only public figures through instaloader.

For cities whose Instagram account is not (yet) a business account connected to a Facebook
app: instaloader reads what any visitor can see on the public profile, the follower count and
the like and comment counts of recent posts. It is optional and off by default
(``HUB_INSTAGRAM_PUBLIC_PROFILE``), and it is a *reader*, not a :class:`~hub.connectors.base.
Connector`: it has no ``publish``, no comment calls and no place in
:data:`hub.connectors.registry.CONNECTORS`, so neither the publishing pipeline nor the inbox can
ever reach it. Instagram does not allow publishing or moderating without the Graph API, and hub
must not depend on scraping for either.

It never logs in: an anonymous instaloader context reads public pages only, and hub stores no
Instagram password anywhere.

Limits, said plainly in the README too: Instagram rate-limits anonymous reading hard (HTTP 429,
or a redirect to its login page), figures can lag, views are not public, and Instagram changes
its web pages at any time, which breaks instaloader until it is updated. Every such failure
becomes one of the connector errors hub already understands: :class:`Rejected` (no such
profile), :class:`RateLimited` (throttled or blocked: try at the next read) or
:class:`Transient` (unreachable, or an answer instaloader could not read).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import gettext as _

from hub.connectors.base import ConnectorError, PostMetrics, RateLimited, Rejected, Transient

if TYPE_CHECKING:
    import instaloader

log = logging.getLogger(__name__)

# Never ask Instagram more often than this (seconds), whatever HUB_INSTAGRAM_PUBLIC_INTERVAL says:
# anonymous reads beyond a few per hour and address end in 429s or a login wall.
MIN_INTERVAL = 3600
# After a refusal hub suggests waiting this long before the next read (seconds).
BACKOFF = 6 * 3600
# Instagram's post addresses: /p/<shortcode>/ for photos and carousels, /reel/ and /tv/ for video.
SHORTCODE_IN_URL = re.compile(r"instagram\.com/(?:[A-Za-z0-9._]+/)?(?:p|reel|reels|tv)/([\w-]+)")


@dataclass(frozen=True)
class PublicPost:
    """One public post as an anonymous visitor sees it."""

    shortcode: str
    media_id: str  # Instagram's internal id ("pk"); not the Graph API's media id
    taken_at: datetime  # aware UTC
    metrics: PostMetrics


@dataclass(frozen=True)
class PublicProfile:
    """What one read found. ``posts_error`` says why ``posts`` is empty or incomplete."""

    username: str
    user_id: str
    followers: int | None
    is_private: bool
    posts: dict[str, PublicPost] = field(default_factory=dict)
    posts_error: str | None = None


def shortcode_from_url(url: str | None) -> str | None:
    """The shortcode in an Instagram post address (a Graph API ``permalink``), if any."""
    found = SHORTCODE_IN_URL.search(url or "")
    return found.group(1) if found else None


class MustWait(Exception):
    """instaloader's rate accounting wants a longer pause than a sync task may spend."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"instaloader would wait {seconds:.0f} s")
        self.seconds = seconds


def _rate_controller(max_wait: float) -> Any:
    """instaloader's own :class:`RateController` (its per-query sliding windows, its 429 backoff),
    except that a pause longer than ``max_wait`` raises :class:`MustWait` instead of blocking a
    ``sync`` worker for up to half an hour: the next scheduled read comes anyway."""
    import instaloader

    class BoundedRateController(instaloader.RateController):  # type: ignore[misc]
        def sleep(self, secs: float) -> None:
            if secs > max_wait:
                raise MustWait(secs)
            time.sleep(secs)

    return BoundedRateController


def _context_class() -> Any:
    """An instaloader context whose chatter goes to our log instead of stdout/stderr."""
    import instaloader

    class LoggingContext(instaloader.InstaloaderContext):  # type: ignore[misc]
        def log(self, *msg: Any, sep: str = "", end: str = "\n", flush: bool = False) -> None:
            log.debug("instaloader: %s", sep.join(str(m) for m in msg).strip())

        def error(self, msg: str, repeat_at_end: bool = True) -> None:
            log.info("instaloader: %s", msg)

    return LoggingContext


class InstagramPublicMonitor:
    """Public figures of one profile: followers and the ``recent`` newest posts' counts.

    ``polite``: instaloader's short random pause before each request (its default, and what
    keeps a read from looking like a burst); tests turn it off. ``max_wait``: the longest pause
    instaloader's rate accounting may take before the read gives up as rate limited.
    """

    #: Read-only by construction: this class offers no publishing or moderation at all.
    read_only: ClassVar[bool] = True

    def __init__(
        self,
        username: str,
        *,
        recent: int = 12,
        timeout: float = 30.0,
        polite: bool = True,
        max_wait: float = 60.0,
    ) -> None:
        self.username = username.strip().lstrip("@").lower()
        self.recent = max(0, recent)
        self.timeout = timeout
        self.polite = polite
        self.max_wait = max_wait

    def _context(self) -> instaloader.InstaloaderContext:
        return _context_class()(
            sleep=self.polite,
            quiet=True,
            # One attempt per request: a retry after a 429 would sleep for minutes inside
            # instaloader; hub tries again at the next scheduled read instead.
            max_connection_attempts=1,
            request_timeout=self.timeout,
            rate_controller=lambda context: _rate_controller(self.max_wait)(context),
            # Anonymous: the iPhone API needs a login, and hub never logs in.
            iphone_support=False,
        )

    def read(self) -> PublicProfile:
        """Read the profile, then its recent posts. Raise a connector error when the profile
        itself cannot be read; a failure among the posts keeps what was read before it and says
        why in ``posts_error``."""
        import instaloader

        context = self._context()
        try:
            try:
                profile = instaloader.Profile.from_username(context, self.username)
                followers = profile.followers
                is_private = bool(profile.is_private)
                user_id = str(profile.userid)
            except Exception as exc:
                raise self._error(exc) from exc
            if is_private:
                return PublicProfile(
                    self.username,
                    user_id,
                    _count(followers),
                    True,
                    posts_error=_(
                        "The Instagram profile %(name)s is private: only its follower count is "
                        "public, its posts are not.",
                        name=f"@{self.username}",
                    ),
                )
            posts: dict[str, PublicPost] = {}
            posts_error = None
            try:
                if self.recent:
                    for post in profile.get_posts():
                        posts[post.shortcode] = _public_post(post)
                        if len(posts) >= self.recent:
                            break
            except Exception as exc:
                error = self._error(exc)
                log.info("public posts of @%s: %s", self.username, error)
                posts_error = error.message
            return PublicProfile(
                self.username, user_id, _count(followers), False, posts, posts_error
            )
        finally:
            context.close()

    def _error(self, exc: BaseException) -> ConnectorError:
        """instaloader's exceptions (and a few of requests') as hub's connector errors."""
        from instaloader import exceptions as errors

        name = f"@{self.username}"
        detail = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, errors.ProfileNotExistsException):
            return Rejected(_("Instagram shows no profile %(name)s.", name=name), detail=detail)
        if isinstance(exc, MustWait):
            return RateLimited(
                _(
                    "hub has read Instagram too often recently; the next scheduled read tries "
                    "again."
                ),
                detail=detail,
                retry_after=max(exc.seconds, MIN_INTERVAL),
            )
        if _is_429(exc):
            return RateLimited(
                _(
                    "Instagram limits anonymous reading and refused this one (too many "
                    "requests); the next scheduled read tries again."
                ),
                detail=detail,
                retry_after=BACKOFF,
            )
        if isinstance(exc, errors.LoginRequiredException):
            return RateLimited(
                _(
                    "Instagram asked for a login before showing %(name)s to an anonymous visitor "
                    "(it does so to addresses that read often); hub never logs in and tries "
                    "again at the next scheduled read.",
                    name=name,
                ),
                detail=detail,
                retry_after=BACKOFF,
            )
        if isinstance(exc, errors.ConnectionException | _requests_error()):
            return Transient(
                _("Instagram could not be reached for %(name)s.", name=name), detail=detail
            )
        # BadResponseException, a KeyError in instaloader's parsing, AbortDownloadException
        # (not an InstaloaderException) ...: Instagram changed its pages.
        return Transient(
            _(
                "Instagram's page for %(name)s could not be read; instaloader may need an update.",
                name=name,
            ),
            detail=detail,
        )


def _public_post(post: Any) -> PublicPost:
    likes, comments = _count(post.likes), _count(post.comments)
    taken_at = post.date_utc.replace(tzinfo=UTC)
    return PublicPost(
        shortcode=post.shortcode,
        media_id=str(post.mediaid),
        taken_at=taken_at,
        metrics=PostMetrics(
            likes=likes,
            comments=comments,
            raw={
                "source": "instaloader",
                "shortcode": post.shortcode,
                "taken_at": taken_at.isoformat(),
                "is_video": bool(post.is_video),
                "likes": likes,
                "comments": comments,
            },
        ),
    )


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def _is_429(exc: BaseException) -> bool:
    """instaloader reports a 429 as ``TooManyRequestsException`` (its JSON calls, sometimes
    wrapped in a ``ConnectionException``) or as a ``ConnectionException`` whose message starts
    with the status (its page loads)."""
    from instaloader import exceptions as errors

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, errors.TooManyRequestsException) or re.search(r"(^|: )429 ", str(seen)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _requests_error() -> type[Exception]:
    import requests

    return requests.RequestException


__all__ = [
    "BACKOFF",
    "MIN_INTERVAL",
    "InstagramPublicMonitor",
    "PublicPost",
    "PublicProfile",
    "shortcode_from_url",
]
