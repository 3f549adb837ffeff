"""Instagram (business or creator account): images, Reels and carousels through the Graph API.

Built on python-facebook-api (``pyfacebook.GraphAPI``) through the Graph base it shares with
Facebook Pages (:mod:`hub.connectors.graph`: the client, its session hook and Graph's error
codes); the messages here name Instagram, and Instagram's own errors (the publishing limit,
media it could not fetch) are added to Graph's. Instagram takes no uploads: it fetches every
file from a public URL, which hub serves under ``HUB_PUBLIC_URL`` for a day
(:mod:`hub.public_media`). Publishing is two steps:

1. a **container** per post: ``POST /{ig-user-id}/media`` with ``image_url`` + ``alt_text``,
   or ``media_type=REELS`` + ``video_url``, or, for a carousel, one ``is_carousel_item``
   container per image and then ``media_type=CAROUSEL`` + ``children``; Instagram downloads and
   processes the media, and the container's ``status_code`` goes from ``IN_PROGRESS`` to
   ``FINISHED`` (or ``ERROR``/``EXPIRED``, whose reason the editor sees);
2. ``POST /{ig-user-id}/media_publish`` with ``creation_id``.

Before that, ``content_publishing_limit`` is read: Instagram allows a fixed number of API posts
per rolling 24 hours, and hub refuses with a clear message rather than fail at the last step.
The container id is stored per delivery (:mod:`hub.publishing.network_state`): an attempt after
a timeout or a crash publishes the container already made instead of making a second one, and
``find_published`` also recognises a container that was published when its answer was lost.

Two logins, two hosts (Meta's "Instagram API with Facebook Login" and "... with Instagram
Login"), named in the credentials as ``login``:

- ``"facebook"`` (the default, and what every channel made before had): a token from Facebook
  Login (``EAA...``) on ``graph.facebook.com`` (``HUB_GRAPH_API_URL``); renewed by
  ``fb_exchange_token``, which needs the app's ``app_id`` and ``app_secret`` in the credentials;
- ``"instagram"``: a token from Instagram Login (``IGAA...``) on ``graph.instagram.com``
  (``HUB_INSTAGRAM_API_URL``), where publishing, comments and insights have the same paths;
  renewed by ``GET /refresh_access_token?grant_type=ig_refresh_token`` on that host
  (unversioned). graph.facebook.com refuses such a token ("Invalid OAuth access token").

Credentials: ``access_token`` (long-lived, 60 days), ``login``, and for Facebook Login
optionally ``app_id``/``app_secret``. ``external_id`` is the IG user id (``178414...``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pyfacebook import BasicDisplayAPI, GraphAPI

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    CommentPage,
    ConnectorError,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    Rejected,
    RemoteComment,
    Transient,
    Unsupported,
    comparable,
)
from hub.connectors.containers import ContainerPublishing, has_video
from hub.connectors.graph import (
    graph_error,
    is_gone,
    plain_reason,
    refused_metric_names,
)
from hub.connectors.listing import read_listings
from hub.models import Network
from hub.publishing.rules import RULES
from hub.publishing.tokens import LoginRefresh

log = logging.getLogger(__name__)
MIN_REEL_SECONDS = 3.0
# Instagram's publishing limit and "already published" / "not ready" errors.
LIMIT_SUBCODES = frozenset({2207042})
NOT_READY_SUBCODES = frozenset({2207027})
MEDIA_SUBCODES = frozenset({2207026, 2207052, 2207003, 2207004, 2207005, 2207009})
COMMENT_FIELDS = "id,text,timestamp,username,from,hidden,parent_id"
METRICS = ("views", "reach", "likes", "comments", "shares", "saved")
INSTAGRAM_URL = "https://graph.instagram.com/"  # Instagram Login's host
LOGINS = ("facebook", "instagram")


def login_of(credentials: Mapping[str, Any]) -> str:
    """``"instagram"`` (Instagram Login) or ``"facebook"`` (Facebook Login, the default)."""
    kind = str(credentials.get("login") or "facebook").strip().lower()
    return kind if kind in LOGINS else "facebook"


class InstagramConnector(ContainerPublishing):
    network = Network.instagram.value
    label = "Instagram"
    no_login = _l("This Instagram account has no login yet; connect it first.")
    login_expired = _l(
        "The Instagram login of this account has expired or was revoked; connect it again."
    )
    reply_edge = "replies"
    publish_edge = "media_publish"
    limit_edge = "content_publishing_limit"
    published_already = _l("Instagram published this post already; hub looks it up.")
    rules = RULES[Network.instagram]
    capabilities = frozenset(
        {
            Capability.publish_image,
            Capability.publish_images,
            Capability.publish_video,
            Capability.alt_text,
            Capability.find_published,
            Capability.fetch_comments,
            Capability.reply,
            Capability.hide_comment,
            Capability.delete_comment,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    # Processing a long Reel takes Instagram minutes: the lease must outlast the polling.
    lease_seconds: ClassVar[int] = 1800
    lookup_posts: ClassVar[int] = 100
    #: Insight metric names Instagram refused as unknown or retired (Meta retired impressions,
    #: plays and video_views in 2025), learned at run time and kept for the process.
    retired_metrics: ClassVar[set[str]] = set()

    @classmethod
    def api_for(cls, credentials: Mapping[str, Any]) -> str:
        return "instagram" if login_of(credentials) == "instagram" else cls.api

    @property
    def login(self) -> str:
        return login_of(self.access.credentials)

    @property
    def real_url(self) -> str:  # type: ignore[override]
        return INSTAGRAM_URL if self.login == "instagram" else super().real_url

    def client_class(self) -> type[GraphAPI]:
        # graph.instagram.com's client: its token endpoints, no appsecret_proof.
        return BasicDisplayAPI if self.login == "instagram" else GraphAPI

    # -- Instagram's own errors ---------------------------------------------------------------

    def error_for(
        self,
        error: Mapping[str, Any],
        status: int | None,
        headers: Mapping[str, str],
        what: str,
        detail: str,
    ) -> ConnectorError:
        """Graph's verdict, with Instagram's publishing limit (checked before rate limits and
        passing faults) and media it could not fetch (before any other refusal)."""
        verdict = super().error_for(error, status, headers, what, detail)
        if isinstance(verdict, AuthExpired):
            return verdict
        if error.get("error_subcode") in LIMIT_SUBCODES:
            return Rejected(
                _(
                    "Instagram allows only a limited number of posts per 24 hours and this "
                    "account has reached it. Publish again later (the limit counts the last 24 "
                    "hours)."
                ),
                detail=detail,
            )
        if isinstance(verdict, Transient):
            return verdict
        if error.get("error_subcode") in MEDIA_SUBCODES or error.get("code") == 9004:
            return Rejected(
                _(
                    "Instagram could not fetch or read the media: %(reason)s. Check that hub's "
                    "public address (HUB_PUBLIC_URL) is reachable from the internet.",
                    reason=plain_reason(error),
                ),
                detail=detail,
            )
        return verdict

    def _from_status(self, response: requests.Response, what: str, detail: str) -> ConnectorError:
        # Instagram has always taken a bare 429 (no Graph error body) as a passing fault, where
        # Facebook takes it as a rate limit; kept so.
        if response.status_code == 429:
            return Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network=self.label,
                    status=response.status_code,
                ),
                detail=detail,
            )
        return super()._from_status(response, what, detail)

    # -- logins -------------------------------------------------------------------------------

    def check_connection(self) -> str:
        with self.errors(_("the login check")):
            user = self.graph.get_object(self.user_id, fields="id,username")
        return f"@{user.get('username') or user['id']}"

    def refresh_login(self) -> LoginRefresh:
        """Extend the long-lived token by another 60 days (only while it is still valid):
        Instagram Login on graph.instagram.com (``ig_refresh_token``), Facebook Login by
        ``fb_exchange_token`` with the app's id and secret."""
        creds = self.access.credentials
        if self.login == "facebook" and not (creds.get("app_id") and creds.get("app_secret")):
            raise Unsupported(
                _(
                    "This Instagram account is connected through Facebook Login; hub can renew "
                    "that login only with the app's app_id and app_secret in the channel's "
                    "credentials. Add them, or connect the account again before the login "
                    "expires."
                )
            )
        with self.errors(_("the login renewal")):
            if self.login == "instagram":
                # BasicDisplayAPI's: GET graph.instagram.com/refresh_access_token, unversioned
                answer = self.graph.refresh_access_token(creds["access_token"])  # type: ignore[attr-defined]
            else:
                answer = self.graph.get(
                    "oauth/access_token",
                    {
                        "grant_type": "fb_exchange_token",
                        "client_id": creds["app_id"],
                        "client_secret": creds["app_secret"],
                        "fb_exchange_token": creds["access_token"],
                    },
                )
        expires_in = answer.get("expires_in")
        expires = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
        return LoginRefresh({"access_token": answer["access_token"]}, expires)

    # -- publishing ---------------------------------------------------------------------------

    def check_post(self, post: OutgoingPost) -> None:
        if not post.media:
            raise Rejected(_("Instagram needs an image or a video."))
        kinds = {m.kind for m in post.media}
        if len(kinds) > 1:
            raise Rejected(_("Instagram cannot mix images and a video in one post."))
        if "video" in kinds and len(post.media) > 1:
            raise Rejected(_("Instagram takes only one video per post."))
        if len(post.media) > self.rules.max_images:
            raise Rejected(
                _(
                    "Instagram takes at most %(count)s images per post.",
                    count=self.rules.max_images,
                )
            )
        for media in post.media:
            if media.kind == "image" and not (media.alt_text or "").strip():
                raise Rejected(
                    _(
                        "The image %(name)s has no alt text; hub publishes no image without a "
                        "description for blind readers.",
                        name=media.path.name,
                    )
                )
            seconds = media.duration_seconds
            limit = self.rules.max_video_seconds
            if media.kind == "video" and seconds is not None:
                if limit is not None and seconds > limit:
                    raise Rejected(
                        _(
                            "Instagram takes Reels of at most %(limit)s minutes; this video is "
                            "%(minutes)s min %(seconds)s s long.",
                            limit=int(limit // 60),
                            minutes=int(seconds // 60),
                            seconds=int(seconds % 60),
                        )
                    )
                if seconds < MIN_REEL_SECONDS:
                    raise Rejected(
                        _(
                            "Instagram takes Reels of at least %(seconds)s seconds.",
                            seconds=f"{MIN_REEL_SECONDS:g}",
                        )
                    )

    def limit_reached(self, total: object, detail: str) -> Rejected:
        return Rejected(
            _(
                "Instagram allows %(total)s posts per 24 hours for this account, and they "
                "are used up. Publish again later (the limit counts the last 24 hours).",
                total=total,
            ),
            detail=detail,
        )

    def processing_failed(self, status: str, reason: str, detail: str) -> Rejected:
        explanation = reason.removeprefix("Error:").strip() or status.lower()
        return Rejected(
            _("Instagram could not process the media: %(reason)s", reason=explanation),
            detail=detail,
        )

    def processing_too_slow(self, minutes: str, detail: str) -> Rejected:
        return Rejected(
            _(
                "Instagram did not finish processing the media within %(minutes)s "
                "minutes. Nothing was published; check the file (format, length) and "
                "retry.",
                minutes=minutes,
            ),
            detail=detail,
        )

    def make_container(self, post: OutgoingPost) -> str:
        if len(post.media) == 1:
            media = post.media[0]
            return self._container(self._media_fields(media) | {"caption": post.text})
        children = [
            self._container(self._media_fields(m) | {"is_carousel_item": "true"})
            for m in post.media
        ]
        for child in children:
            self.wait_until_finished(child, post.idempotency_key, video=has_video(post.media))
        return self._container(
            {"media_type": "CAROUSEL", "children": ",".join(children), "caption": post.text}
        )

    def _media_fields(self, media: MediaFile) -> dict[str, str]:
        if media.kind == "video":
            return {
                "media_type": "REELS",
                "video_url": self.public_url(media),
                "share_to_feed": "true",
            }
        fields = {"image_url": self.public_url(media)}
        if media.alt_text:
            fields["alt_text"] = media.alt_text
        return fields

    def _container(self, data: dict[str, str]) -> str:
        with self.errors(_("the media")):
            return str(self.graph.post_object(self.user_id, "media", data=data)["id"])

    def container_status(self, container_id: str) -> tuple[str, str]:
        with self.errors(_("the media status")):
            found = self.graph.get_object(container_id, fields="status_code,status")
        return str(found.get("status_code") or ""), str(found.get("status") or "")

    def find_published(self, post: OutgoingPost) -> Published | None:
        wanted = comparable(post.text)
        args: dict[str, Any] = {"fields": "id,caption,timestamp,permalink", "limit": 50}
        if post.search_since is not None:
            args["since"] = int(post.search_since.timestamp())
        with self.errors(_("the lookup")):
            found = self.graph.get_connection(self.user_id, "media", **args)
        for item in found.get("data") or []:
            if comparable(item.get("caption", "")) == wanted:
                self.sessions.drop(self.network, post.idempotency_key)
                return Published(str(item["id"]), item.get("permalink"))
        return None

    # -- comments (the inbox) -----------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Comments and replies under ``posts`` (our media ids), newer than each post's position
        in ``cursor``. Instagram offers no "since" on comments, so each media's comments are
        read and filtered (:func:`hub.connectors.listing.read_listings`)."""
        fields = f"{COMMENT_FIELDS},replies{{{COMMENT_FIELDS}}}"

        def read_page(
            media_id: str, after: str | None
        ) -> tuple[list[RemoteComment], str | None, bool]:
            args: dict[str, Any] = {"fields": fields, "limit": 50}
            if after:
                args["after"] = after
            with self.errors(_("the comments")):
                page = self.graph.get_connection(media_id, "comments", **args)
            found = []
            for data in page.get("data") or []:
                top = self._comment(data, media_id, None)
                found.append(top)
                found.extend(
                    self._comment(r, media_id, top.remote_id)
                    for r in (data.get("replies") or {}).get("data") or []
                )
            paging = page.get("paging") or {}
            return found, (paging.get("cursors") or {}).get("after"), bool(paging.get("next"))

        return read_listings(
            cursor, posts, full=full, budget=self.comment_pages, read_page=read_page
        )

    def _comment(self, data: Mapping[str, Any], media_id: str, parent: str | None) -> RemoteComment:
        author = data.get("from") or {}
        return RemoteComment(
            remote_id=str(data["id"]),
            text=str(data.get("text") or ""),
            created_at=_parse_time(data.get("timestamp")) or datetime.now(UTC),
            author_name=str(author.get("username") or data.get("username") or ""),
            author_handle=data.get("username"),
            author_id=author.get("id"),
            post_remote_id=media_id,
            parent_remote_id=parent,
            is_own=author.get("id") == self.user_id,
            hidden=bool(data.get("hidden")),
        )

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        wanted = comparable(text)
        with self.errors(_("the lookup")):
            found = self.graph.get_connection(
                comment_remote_id, "replies", fields=COMMENT_FIELDS, limit=100
            )
        for data in found.get("data") or []:
            made = _parse_time(data.get("timestamp"))
            if since is not None and made is not None and made < since:
                continue
            if (data.get("from") or {}).get("id") == self.user_id and comparable(
                data.get("text", "")
            ) == wanted:
                return str(data["id"])
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        with self.errors(_("hiding the comment") if hidden else _("showing the comment")):
            self.graph.post_object(comment_remote_id, data={"hide": "true" if hidden else "false"})

    def already_gone(self, refusal: Rejected) -> bool:
        return "does not exist" in (refusal.detail or "")

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Insights per media (Instagram has no batch). What Instagram refuses for one media
        costs only that media its figures:

        - a retired metric name refuses every request: the refused names are found (each asked
          alone), remembered for the process and left out; their figures stay unknown;
        - "(#10) Not enough viewers", "not supported for this media product type" (a story),
          or any other refusal of that media's insights: its insight figures stay unknown (None,
          shown as "–", never 0); likes and comments come from the media's own fields;
        - a media that no longer exists (code 100, subcode 33) is left out, so the figures'
          schedule lets it go after its misses.

        A refusal that concerns the whole account (permissions) is raised as before."""
        figures: dict[str, PostMetrics] = {}
        for media_id in dict.fromkeys(remote_ids):
            found = self._media_figures(media_id)
            if found is not None:
                figures[media_id] = found
        return figures

    def _media_figures(self, media_id: str) -> PostMetrics | None:
        reason = ""
        for _attempt in range(2):
            names = [m for m in METRICS if m not in self.retired_metrics]
            if not names:
                break
            try:
                with self.errors(_("the figures")):
                    found = self.graph.get_connection(media_id, "insights", metric=",".join(names))
            except Rejected as exc:
                if is_gone(exc):
                    return None
                if refused_metric_names(exc) and self._learn_retired(media_id, names):
                    continue
                if _account_wide(exc):
                    raise
                reason = plain_reason(graph_error(exc)) if graph_error(exc) else exc.message
                break
            values = {
                str(item.get("name")): _insight_value(item) for item in found.get("data") or []
            }
            refused = sorted(self.retired_metrics & set(METRICS))
            return PostMetrics(
                views=values.get("views"),
                reach=values.get("reach"),
                likes=values.get("likes"),
                comments=values.get("comments"),
                shares=values.get("shares"),
                saves=values.get("saved"),
                raw={**values, **({"refused_metrics": refused} if refused else {})},
            )
        return self._without_insights(media_id, reason or "no insight metric left")

    def _without_insights(self, media_id: str, reason: str) -> PostMetrics | None:
        """A media whose insights Instagram refuses: its likes and comments (fields every
        media has), the rest unknown; None if it no longer exists."""
        try:
            with self.errors(_("the figures")):
                media = self.graph.get_object(media_id, fields="like_count,comments_count")
        except Rejected as exc:
            if is_gone(exc):
                return None
            media = {}
        return PostMetrics(
            likes=_number(media.get("like_count")),
            comments=_number(media.get("comments_count")),
            raw={"refused": reason, **{k: v for k, v in media.items() if k != "id"}},
        )

    def _learn_retired(self, media_id: str, names: Sequence[str]) -> bool:
        """Ask for each metric name alone and remember the names Instagram refuses as unknown
        or retired; True if any was found."""
        refused = []
        for name in names:
            try:
                with self.errors(_("the figures")):
                    self.graph.get_connection(media_id, "insights", metric=name)
            except Rejected as exc:
                if refused_metric_names(exc):
                    refused.append(name)
        if refused:
            log.warning("Instagram refuses the media metrics %s; hub no longer asks", refused)
            self.retired_metrics.update(refused)
        return bool(refused)

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors(_("the account figures")):
            user = self.graph.get_object(self.user_id, fields="followers_count,media_count")
        return AccountMetrics(followers=user.get("followers_count"), raw=user)


def _number(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _insight_value(item: Mapping[str, Any]) -> int | None:
    """A lifetime insight's value: ``values[0].value``, or ``total_value.value`` where Meta
    sends the newer shape."""
    values = item.get("values") or []
    value = values[0].get("value") if values else (item.get("total_value") or {}).get("value")
    return _number(value)


def _account_wide(refusal: Rejected) -> bool:
    """A refusal of the account's rights (a missing permission), not of one media."""
    error = graph_error(refusal)
    code = error.get("code")
    message = str(error.get("message") or "").lower()
    return isinstance(code, int) and (
        200 <= code <= 299 or (code == 10 and "permission" in message)
    )


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"  # Graph writes +0000
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
