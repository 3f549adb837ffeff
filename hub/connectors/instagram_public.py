"""Instagram without Graph API access: read-only public figures through instaloader.

For cities whose Instagram account is not (yet) a business account connected to a Facebook
app: instaloader reads what anyone can see on the public profile, the follower count and the
like and comment counts of recent posts. It is optional and off by default (no channel uses it
unless configured), and it never publishes, moderates or reads comments' texts: Instagram does
not allow that without the Graph API, and the inbox must not depend on scraping.

Limits, said plainly in the README too: Instagram rate-limits anonymous reading hard (a few
profile reads per hour from one address; then HTTP 429 or a login demand), figures can lag,
``views`` are not public, and Instagram may change its web pages at any time, which breaks
instaloader until it is updated. Errors therefore map to :class:`RateLimited` (try much later)
and :class:`Unsupported` (a login is demanded: use the Graph API instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from hub.connectors.base import AccountMetrics, PostMetrics, RateLimited, Rejected, Unsupported

# Anonymous reads are throttled by Instagram; hub asks at most this often (seconds).
MIN_INTERVAL = 6 * 3600


@dataclass(frozen=True)
class PublicProfile:
    username: str
    followers: int
    posts: dict[str, PostMetrics]


class InstagramPublicMonitor:
    """Public figures of one profile. ``recent`` posts are read (newest first)."""

    def __init__(self, username: str, *, recent: int = 12, timeout: float = 30.0) -> None:
        self.username = username.lstrip("@")
        self.recent = recent
        self.timeout = timeout

    def _loader(self) -> Any:
        import instaloader

        return instaloader.Instaloader(
            quiet=True,
            download_pictures=False,
            download_videos=False,
            download_video_thumbnails=False,
            download_geotags=False,
            download_comments=False,
            save_metadata=False,
            max_connection_attempts=1,
            request_timeout=self.timeout,
        )

    def read(self) -> PublicProfile:
        import instaloader
        from instaloader import exceptions as errors

        loader = self._loader()
        try:
            profile = instaloader.Profile.from_username(loader.context, self.username)
            posts = {
                post.shortcode: PostMetrics(
                    likes=post.likes,
                    comments=post.comments,
                    raw={"date_utc": post.date_utc.isoformat(), "is_video": post.is_video},
                )
                for post in islice(profile.get_posts(), self.recent)
            }
        except errors.ProfileNotExistsException as exc:
            raise Rejected(f"Instagram has no public profile @{self.username}.") from exc
        except errors.LoginRequiredException as exc:
            raise Unsupported(
                "Instagram demands a login to read this profile; connect it through the Graph "
                "API (business account) instead."
            ) from exc
        except (errors.TooManyRequestsException, errors.ConnectionException) as exc:
            raise RateLimited(
                "Instagram limits anonymous reading; hub tries again in a few hours.",
                detail=repr(exc),
                retry_after=MIN_INTERVAL,
            ) from exc
        return PublicProfile(self.username, int(profile.followers), posts)

    def fetch_account_metrics(self) -> AccountMetrics:
        profile = self.read()
        return AccountMetrics(followers=profile.followers, raw={"source": "instaloader"})

    def fetch_post_metrics(self, shortcodes: Sequence[str]) -> dict[str, PostMetrics]:
        found = self.read().posts
        return {code: found[code] for code in shortcodes if code in found}
