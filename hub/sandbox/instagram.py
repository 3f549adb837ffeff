"""Instagram business accounts on the sandbox's Graph API: containers, publishing, comments.

Instagram fetches media itself, so the sandbox does too: creating a container starts a download
of ``image_url``/``video_url`` in the background (the URL hub serves under ``HUB_PUBLIC_URL``);
the container is ``IN_PROGRESS`` until the bytes are in and checked, then ``FINISHED``, or
``ERROR`` with Instagram's reason (download failed, not an image, not a video, a Reel shorter
than 3 s or longer than 15 min). The downloaded size and sha256 show in ``/_sandbox/posts``.

Endpoints (any ``vNN.N``; IG user ids start with ``178414`` as Instagram's do):

- ``GET /{ig-user-id}`` (``username``, ``name``, ``followers_count``, ``media_count``);
- ``POST /{ig-user-id}/media``: ``image_url`` (+ ``alt_text``, ``is_carousel_item``),
  ``media_type=REELS`` + ``video_url``, ``media_type=CAROUSEL`` + ``children``; ``caption``;
- ``GET /{container-id}?fields=status_code,status``;
- ``POST /{ig-user-id}/media_publish`` (``creation_id``): counts against
  ``GET /{ig-user-id}/content_publishing_limit`` (100 per 24 hours, code 9/2207042 beyond);
- ``GET /{ig-user-id}/media`` (newest first, ``since``, ``limit``, ``after``/``before``),
  ``GET /{ig-media-id}`` (``caption``, ``permalink``, ``timestamp``, ``like_count``,
  ``media_url``, ``children``, ...), ``GET /{ig-media-id}/children``, ``DELETE /{ig-media-id}``;
- ``GET /{ig-media-id}/insights?metric=views,reach,likes,comments,shares,saved`` (lifetime,
  ``values`` and ``total_value``), refused as Instagram refuses: the whole request for a
  retired name (``impressions``, ``plays``, ``video_views``: "no longer supported") or an
  unknown one ("metric[0] must be one of"); a story's for a name its product type lacks ("does
  not support the likes metric for this media product type"); any media's while its reach, where
  one is set, is below ``MIN_VIEWERS`` ("(#10) Not enough viewers for the media to show
  insights"); a deleted media's with "does not exist" (code 100, subcode 33);
- ``GET /{ig-user-id}/insights?metric=reach&period=day[&metric_type=total_value][&breakdown=
  media_product_type,follow_type]``: the account's figures, summed from its media's;
- comments: ``GET /{ig-media-id}/comments``, ``GET /{comment-id}/replies``,
  ``POST /{comment-id}/replies`` (``message``), ``POST /{comment-id}?hide=true|false``,
  ``DELETE /{comment-id}``;
- logins: with Instagram Login, on graph.instagram.com (the prefix ``/graph.instagram.com``,
  unversioned) ``GET /refresh_access_token?grant_type=ig_refresh_token`` and ``GET
  /access_token?grant_type=ig_exchange_token`` (short-lived to long-lived); with Facebook Login,
  on graph.facebook.com, ``GET /vNN.N/oauth/access_token?grant_type=fb_exchange_token``: a new
  token (``IGAA...`` or ``EAA...``) for the same account, ``expires_in`` 60 days. Each host
  refuses the other's tokens and token endpoints (see :mod:`hub.sandbox.graph`).

Faults for processing, which is no HTTP request: a fault on network ``instagram`` with method
``PROCESS`` is taken when a container starts processing. ``kind=timeout`` keeps it
``IN_PROGRESS`` (for ``seconds``); ``kind=status`` ends it in ``ERROR`` (``error.message``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import secrets
from datetime import timedelta
from typing import Any

from hub.sandbox.core import Account, FaultKind, Media, Post, utcnow
from hub.sandbox.fetching import FetchedContainers, download
from hub.sandbox.graph import (
    GraphCall,
    GraphError,
    GraphProduct,
    Handler,
    graph_time,
    offset_page,
    parse_graph_time,
    pick,
)

NETWORK = "instagram"
USER_PREFIX = "178414"
PUBLISH_LIMIT = 100
TOKEN_DAYS = 60
MAX_REEL_SECONDS = 15 * 60
MIN_REEL_SECONDS = 3
MAX_CAROUSEL = 10
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
USER_FIELDS = ("id",)
MEDIA_FIELDS = ("id",)
INSIGHT_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
# Retired in 2025 in favour of "views": asking for one refuses the whole request.
RETIRED_METRICS = ("impressions", "plays", "video_views", "clips_replays_count")
# What a story's insights offer; any other name is refused for its media product type.
STORY_METRICS = ("views", "reach", "shares", "total_interactions", "replies", "navigation")
# Below this many viewers Instagram shows no insights of a media (privacy).
MIN_VIEWERS = 5
CDN = "https://scontent.cdninstagram.sandbox.invalid"
# An account's insights (GET /{ig-user-id}/insights) and their titles.
USER_METRICS = {
    "reach": "Accounts reached",
    "views": "Views",
    "accounts_engaged": "Accounts engaged",
    "total_interactions": "Total interactions",
    "likes": "Likes",
    "comments": "Comments",
    "shares": "Shares",
    "saves": "Saves",
    "replies": "Replies",
    "follower_count": "Follower count",
}
RETIRED_USER_METRICS = ("impressions", "profile_views", "website_clicks", "email_contacts")
METRIC_DESCRIPTIONS = {
    "views": "The number of times your content was played or displayed.",
    "reach": "The number of unique accounts that have seen the media object.",
    "likes": "The number of likes on the media object.",
    "comments": "The number of comments on the media object.",
    "shares": "The number of shares of the media object.",
    "saved": "The number of saves of the media object.",
    "total_interactions": "Likes, saves, comments and shares on the media object.",
    "replies": "The number of replies to the story.",
    "navigation": "The number of navigation actions taken on the story.",
}


class InstagramAccounts(FetchedContainers, GraphProduct):
    network = NETWORK
    edges = frozenset(
        {"media", "media_publish", "content_publishing_limit", "comments", "replies", "insights"}
    )

    @property
    def _containers(self) -> dict[str, dict[str, Any]]:
        return self.state.bucket("instagram.containers")

    def owns(self, object_id: str) -> bool:
        return (
            object_id in self._objects
            or object_id.startswith(USER_PREFIX)
            or object_id in ("refresh_access_token", "access_token")
        )

    def usage_owner(self, call: GraphCall) -> str | None:
        return call.object_id if call.object_id.startswith(USER_PREFIX) else None

    def kind_of(self, object_id: str) -> str | None:
        with self.state.lock:
            kind = self._objects.get(object_id)
            if kind is None and object_id.startswith(USER_PREFIX) and object_id.isdigit():
                self.state.account(NETWORK, object_id, username=f"stadt_{object_id[-4:]}")
                self._objects[object_id] = kind = "user"
            return kind

    def handle(self, call: GraphCall) -> dict[str, Any]:
        on_instagram = call.host == "instagram"
        if call.object_id in ("refresh_access_token", "access_token"):
            if not on_instagram or call.version or call.edge:
                raise self.not_found(call)  # graph.facebook.com has no such object
            return self._refresh_token(call)
        return super().handle(call)

    def routes(self) -> dict[tuple[str, str | None, str], Handler]:
        return {
            ("user", None, "GET"): self._user,
            ("user", "media", "POST"): self._create_container,
            ("user", "media", "GET"): self._list_media,
            ("user", "media_publish", "POST"): self._publish,
            ("user", "content_publishing_limit", "GET"): self._publishing_limit,
            ("container", None, "GET"): self._container,
            ("media", None, "GET"): self._media,
            ("media", None, "DELETE"): self.delete,
            ("media", "comments", "GET"): self._comments,
            ("media", "insights", "GET"): self._insights,
            ("media", "children", "GET"): self._media_children,
            ("user", "insights", "GET"): self._user_insights,
            ("comment", None, "GET"): self._comment,
            ("comment", None, "POST"): self._hide,
            ("comment", None, "DELETE"): self.delete,
            ("comment", "replies", "GET"): self._replies,
            ("comment", "replies", "POST"): self._reply,
        }

    # -- logins -------------------------------------------------------------------------------

    def _refresh_token(self, call: GraphCall) -> dict[str, Any]:
        grant = call.params.get("grant_type")
        wanted = {"refresh_access_token": "ig_refresh_token", "access_token": "ig_exchange_token"}
        if grant != wanted[call.object_id]:
            raise GraphError(100, "(#100) Unsupported grant_type")
        if grant == "ig_exchange_token" and not call.params.get("client_secret"):
            raise GraphError(101, "Error validating application. Invalid application ID.")
        old = call.token
        new = "IGAA" + secrets.token_urlsafe(32)
        with self.state.lock:
            bound = self.state.tokens.get((NETWORK, old))
            if bound:
                self.state.tokens[(NETWORK, new)] = bound
        return {
            "access_token": new,
            "token_type": "bearer",
            "expires_in": TOKEN_DAYS * 86400,
        }

    # -- the account --------------------------------------------------------------------------

    def _user(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        values = {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "followers_count": user.followers,
            "media_count": len(self._posts_of(user.id)),
            "biography": f"Das offizielle Konto von {user.name}.",
            "profile_picture_url": f"{CDN}/{user.id}_profile.jpg",
        }
        return pick(values, call.fields(USER_FIELDS))

    def _user_insights(self, call: GraphCall) -> dict[str, Any]:
        """``GET /{ig-user-id}/insights``: the account's figures (``metric``, ``period``,
        ``metric_type=total_value`` with an optional ``breakdown``), summed from its media's;
        the names Meta retired are refused as they are for media."""
        user = self.state.account(NETWORK, call.object_id)
        wanted = [m for m in call.params.get("metric", "").split(",") if m]
        if not wanted:
            raise GraphError(100, "(#100) The parameter metric is required")
        for metric in wanted:
            if metric in RETIRED_USER_METRICS:
                raise GraphError(
                    100,
                    f"(#100) Starting from version v22.0 and above, the {metric} metric is no "
                    "longer supported. Please use the views metric instead.",
                )
            if metric not in USER_METRICS:
                raise GraphError(
                    100,
                    "(#100) metric[0] must be one of the following values: "
                    + ", ".join(USER_METRICS),
                )
        period = call.params.get("period") or "day"
        posts = self._posts_of(user.id)
        keys = [k for k in (call.params.get("breakdown") or "").split(",") if k]
        now = utcnow()
        data = []
        for metric in wanted:
            total = sum(int(p.metrics.get(metric, 0)) for p in posts)
            item: dict[str, Any] = {
                "name": metric,
                "period": period,
                "title": USER_METRICS[metric],
                "description": METRIC_DESCRIPTIONS.get(metric, USER_METRICS[metric]),
            }
            if call.params.get("metric_type") == "total_value":
                item["total_value"] = {"value": total}
                if keys:
                    item["total_value"]["breakdowns"] = [
                        {"dimension_keys": keys, "results": self._breakdown(posts, metric, keys)}
                    ]
            else:
                item["values"] = [{"value": total, "end_time": graph_time(now)}]
            item["id"] = f"{user.id}/insights/{metric}/{period}"
            data.append(item)
        day = 86400
        moment = int(now.timestamp())
        return {
            "data": data,
            "paging": {
                "previous": call.next_url(since=str(moment - 2 * day), until=str(moment - day)),
                "next": call.next_url(since=str(moment + day), until=str(moment + 2 * day)),
            },
        }

    def _breakdown(self, posts: list[Post], metric: str, keys: list[str]) -> list[dict[str, Any]]:
        """The figure by product type (and a follower/non-follower split, 3:2)."""
        product = {"REELS": "REEL", "CAROUSEL": "CAROUSEL_CONTAINER", "STORIES": "STORY"}
        by_type: dict[str, int] = {}
        for post in posts:
            kind = product.get(post.options.get("media_type", ""), "POST")
            by_type[kind] = by_type.get(kind, 0) + int(post.metrics.get(metric, 0))
        results = []
        for kind, value in sorted(by_type.items()):
            splits = (
                [("FOLLOWER", value - value * 2 // 5), ("NON_FOLLOWER", value * 2 // 5)]
                if "follow_type" in keys
                else [(None, value)]
            )
            for follow, part in splits:
                dims = {"media_product_type": kind, "follow_type": follow}
                results.append(
                    {"dimension_values": [dims.get(k) or "" for k in keys], "value": part}
                )
        return results

    def _posts_of(self, user_id: str) -> list[Post]:
        posts = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.account_id == user_id and not p.is_comment and not p.deleted
        ]
        return sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)

    # -- containers ---------------------------------------------------------------------------

    def _new_id(self, kind: str) -> str:
        object_id = "1790" + self.state.number(13)
        self._objects[object_id] = kind
        return object_id

    def _create_container(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        media_type = (call.params.get("media_type") or "IMAGE").upper()
        caption = call.params.get("caption", "")
        if len(caption) > 2200:
            raise GraphError(100, "(#100) The caption is too long (2200 characters at most).")
        if caption.count("#") > 30:
            raise GraphError(100, "(#100) The caption has more than 30 hashtags.")
        container: dict[str, Any] = {
            "user": user.id,
            "type": media_type,
            "caption": caption,
            "alt_text": call.params.get("alt_text"),
            "carousel_item": call.flag("is_carousel_item", False),
            "status": "IN_PROGRESS",
            "error": None,
            "created": utcnow(),
            "media": None,
        }
        if media_type == "CAROUSEL":
            children = [c for c in call.params.get("children", "").split(",") if c]
            if not 2 <= len(children) <= MAX_CAROUSEL:
                raise GraphError(100, "(#100) A carousel needs 2 to 10 children.")
            for child in children:
                item = self._containers.get(child)
                if item is None or item["user"] != user.id or not item["carousel_item"]:
                    raise GraphError(100, f"(#100) Invalid child container: {child}")
            container["children"] = children
        elif media_type in ("IMAGE", "REELS", "VIDEO", "STORIES"):
            url = call.params.get("image_url") if media_type in ("IMAGE", "STORIES") else None
            container["image"] = media_type == "IMAGE" or bool(url)
            url = url or call.params.get("video_url")
            if not url:
                raise GraphError(
                    9004,
                    "The media could not be fetched from this URI: the URI is missing.",
                    subcode=2207052,
                )
            container["url"] = url
        else:
            raise GraphError(100, f"(#100) Unsupported media_type {media_type}")
        with self.state.lock:
            container_id = self._new_id("container")
            self._containers[container_id] = container
        self._process(container_id, container)
        return {"id": container_id}

    def _process(self, container_id: str, container: dict[str, Any]) -> None:
        fault = self.state.take_fault(NETWORK, "PROCESS", f"/{container_id}")
        if fault is not None and fault.kind == FaultKind.status:
            message = (fault.error or {}).get("message") or "The media could not be processed."
            self.settle(container, "ERROR", str(message))
            return
        if container["type"] == "CAROUSEL":
            states = {self._containers[c]["status"] for c in container["children"]}
            if states - {"FINISHED"}:
                self.settle(container, "ERROR", "A carousel item is not finished.")
            else:
                self.settle(container, "FINISHED")
            return
        self.fetch_later(self._fetch, container, fault, "sandbox-ig-fetch")

    def _fetch(self, container: dict[str, Any]) -> None:
        """Download the media as Instagram's fetcher would, then check what arrived."""
        got = download(container["url"])
        if got.status != 200:
            self.settle(
                container,
                "ERROR",
                f"Media download has failed: {got.failure}"
                if got.status is None
                else f"Media download has failed: the URI answered HTTP {got.status}.",
            )
            return
        mime, head, size = got.mime, got.head, got.size
        checked = "IMAGE" if container.get("image") else container["type"]
        error = self._check(checked, mime, head, size)
        media = Media(
            network=NETWORK,
            id="m" + secrets.token_hex(8),
            account_id=container["user"],
            mime_type=mime,
            kind="image" if container.get("image") else "video",
            size=size,
            sha256=got.sha256,
            alt_text=container["alt_text"],
            ready=error is None,
            source_url=container["url"].split("?")[0],
        )
        with self.state.lock:
            container["media"] = media
        self.settle(container, "ERROR" if error else "FINISHED", error)

    def _check(self, media_type: str, mime: str, head: bytes, size: int) -> str | None:
        if media_type == "IMAGE":
            if not head.startswith(IMAGE_MAGIC):
                return "Only photo or video can be accepted as media type (JPEG or PNG)."
            return None
        if head[4:8] != b"ftyp":
            return "The video file is corrupted or not in a supported format (MP4, MOV)."
        if len(head) == size:  # the whole file is at hand: read its duration
            from mutagen.mp4 import MP4

            try:
                seconds = float(MP4(io.BytesIO(head)).info.length or 0)
            except Exception:
                return "The video file is corrupted or not in a supported format (MP4, MOV)."
            if media_type == "REELS" and not MIN_REEL_SECONDS <= seconds <= MAX_REEL_SECONDS:
                return (
                    f"The video is {seconds:.0f} seconds long; Reels must be between "
                    f"{MIN_REEL_SECONDS} seconds and {MAX_REEL_SECONDS // 60} minutes."
                )
        return None

    def _container(self, call: GraphCall) -> dict[str, Any]:
        with self.state.lock:
            container = self._containers[call.object_id]
            if container["status"] == "IN_PROGRESS" and utcnow() - container["created"] > timedelta(
                hours=24
            ):
                container["status"] = "EXPIRED"
            values = {
                "id": call.object_id,
                "status_code": container["status"],
                "status": (
                    f"Error: {container['error']}"
                    if container["error"]
                    else {"FINISHED": "Finished: Media has been uploaded and it is ready."}.get(
                        container["status"], container["status"].title().replace("_", " ")
                    )
                ),
                "media_type": container["type"],
            }
        return pick(values, call.fields(("status_code",)))

    # -- publishing ---------------------------------------------------------------------------

    def _published_within_day(self, user_id: str) -> int:
        since = utcnow() - timedelta(hours=24)
        return sum(1 for p in self._posts_of(user_id) if p.created_at >= since)

    def _publishing_limit(self, call: GraphCall) -> dict[str, Any]:
        usage = self._published_within_day(call.object_id)
        return {
            "data": [
                {
                    "quota_usage": usage,
                    "config": {"quota_total": PUBLISH_LIMIT, "quota_duration": 86400},
                }
            ]
        }

    def _publish(self, call: GraphCall) -> dict[str, Any]:
        user = self.state.account(NETWORK, call.object_id)
        creation_id = call.params.get("creation_id", "")
        with self.state.lock:
            container = self._containers.get(creation_id)
            if container is None or container["user"] != user.id or container["carousel_item"]:
                raise GraphError(100, f"(#100) Invalid creation_id: {creation_id}")
            if container["status"] == "PUBLISHED":
                raise GraphError(
                    9007,
                    "The media has already been published.",
                    subcode=2207027,
                    user_title="Media already published",
                )
            if container["status"] != "FINISHED":
                raise GraphError(
                    9007,
                    "Media ID is not available",
                    subcode=2207027,
                    user_title="Media not ready",
                    user_msg="The media is not ready for publishing, please wait for a moment",
                )
            if self._published_within_day(user.id) >= PUBLISH_LIMIT:
                raise GraphError(
                    9,
                    "Application request limit reached",
                    subcode=2207042,
                    user_title="Publishing limit reached",
                    user_msg="You reached the maximum number of posts that is allowed to be "
                    "published in 24 hours.",
                )
            children = [self._containers[c] for c in container.get("children", [])]
            media = [c["media"] for c in children] if children else [container["media"]]
            media_id = self._new_id("media")
            shortcode = base64.urlsafe_b64encode(secrets.token_bytes(8)).decode().rstrip("=")
            for item in media:
                if item is not None:
                    self.state.add_media(item)
            self.state.add_post(
                Post(
                    network=NETWORK,
                    id=media_id,
                    account_id=user.id,
                    text=container["caption"],
                    url=f"https://www.instagram.com/p/{shortcode}/",
                    media=[m for m in media if m is not None],
                    options={"media_type": container["type"], "container": creation_id},
                )
            )
            container["status"] = "PUBLISHED"
        return {"id": media_id}

    # -- media --------------------------------------------------------------------------------

    @staticmethod
    def _shortcode(media_id: str) -> str:
        digest = hashlib.sha256(media_id.encode()).digest()
        return base64.urlsafe_b64encode(digest[:8]).decode().rstrip("=")

    def _media_type(self, post: Post) -> str:
        kind = post.options.get("media_type", "")
        if kind == "CAROUSEL":
            return "CAROUSEL_ALBUM"
        if kind == "IMAGE" or (kind == "STORIES" and post.media and post.media[0].kind == "image"):
            return "IMAGE"
        return "VIDEO"

    def _file_json(self, media: Media, post: Post) -> dict[str, Any]:
        """One file of a media as Instagram shows it (a carousel's child)."""
        code = self._shortcode(media.id)
        video = media.kind == "video"
        return {
            "id": media.id,
            "media_type": "VIDEO" if video else "IMAGE",
            "media_url": f"{CDN}/{media.id}.{'mp4' if video else 'jpg'}",
            "permalink": f"https://www.instagram.com/p/{code}/",
            "shortcode": code,
            "timestamp": graph_time(post.created_at),
            **({"thumbnail_url": f"{CDN}/{media.id}_thumb.jpg"} if video else {}),
        }

    def _media_json(self, post: Post, fields: list[str]) -> dict[str, Any]:
        user = self.state.account(NETWORK, post.account_id)
        media_type = self._media_type(post)
        first = self._file_json(post.media[0], post) if post.media else {}
        values = {
            "id": post.id,
            "caption": post.text or None,
            "media_type": media_type,
            "media_url": first.get("media_url"),
            "thumbnail_url": first.get("thumbnail_url") if media_type == "VIDEO" else None,
            "shortcode": (post.url or "").rstrip("/").rsplit("/", 1)[-1] or None,
            "children": {"data": [self._file_json(m, post) for m in post.media]}
            if media_type == "CAROUSEL_ALBUM"
            else None,
            "media_product_type": {"REELS": "REELS", "STORIES": "STORY"}.get(
                post.options.get("media_type", ""), "FEED"
            ),
            "permalink": post.url,
            "timestamp": graph_time(post.created_at),
            "username": user.username,
            "like_count": post.metrics.get("likes", 0),
            "comments_count": len(
                [c for c in self.state.posts_of(NETWORK) if c.root_id == post.id and not c.deleted]
            ),
            "alt_text": post.media[0].alt_text if post.media else None,
        }
        return pick(values, fields)

    def _media(self, call: GraphCall) -> dict[str, Any]:
        return self._media_json(self.existing(call), call.fields(MEDIA_FIELDS))

    def _media_children(self, call: GraphCall) -> dict[str, Any]:
        post = self.existing(call)
        files = post.media if self._media_type(post) == "CAROUSEL_ALBUM" else []
        fields = call.fields(("id",))
        return {"data": [pick(self._file_json(m, post), fields) for m in files]}

    def _list_media(self, call: GraphCall) -> dict[str, Any]:
        since = call.params.get("since")
        start = parse_graph_time(since, "since") if since else None
        posts = [
            p for p in self._posts_of(call.object_id) if start is None or p.created_at >= start
        ]
        fields = call.fields(MEDIA_FIELDS)
        return offset_page(
            call, posts, lambda p: self._media_json(p, fields), default_limit=25, before=True
        )

    def _insights(self, call: GraphCall) -> dict[str, Any]:
        """A media's insights, refused as Instagram refuses them: the whole request for one
        retired or unknown name; a story's for names its product type lacks; any media's while
        it has fewer than ``MIN_VIEWERS`` viewers (its reach, where one is set)."""
        post = self.existing(call)
        wanted = [m for m in call.params.get("metric", "").split(",") if m]
        if not wanted:
            raise GraphError(100, "(#100) The parameter metric is required")
        for index, metric in enumerate(wanted):
            if metric in RETIRED_METRICS:
                raise GraphError(
                    100,
                    f"(#100) Starting from version v22.0 and above, the {metric} metric is no "
                    "longer supported. Please use the views metric instead.",
                )
            if metric not in INSIGHT_METRICS and metric not in STORY_METRICS:
                raise GraphError(
                    100,
                    f"(#100) metric[{index}] must be one of the following values: "
                    + ", ".join(INSIGHT_METRICS),
                )
        if post.options.get("media_type") == "STORIES":
            for metric in wanted:
                if metric not in STORY_METRICS:
                    raise GraphError(
                        100,
                        f"(#100) The Media Insights API does not support the {metric} metric "
                        "for this media product type.",
                    )
        reach = post.metrics.get("reach")
        if reach is not None and reach < MIN_VIEWERS:
            raise GraphError(10, "(#10) Not enough viewers for the media to show insights")
        comments = len(
            [c for c in self.state.posts_of(NETWORK) if c.root_id == post.id and not c.deleted]
        )
        values = {**post.metrics, "comments": post.metrics.get("comments", comments)}
        return {
            "data": [
                {
                    "name": metric,
                    "period": "lifetime",
                    "values": [{"value": int(values.get(metric, 0))}],
                    "title": metric.replace("_", " ").title(),
                    "description": METRIC_DESCRIPTIONS.get(metric, ""),
                    "total_value": {"value": int(values.get(metric, 0))},
                    "id": f"{post.id}/insights/{metric}/lifetime",
                }
                for metric in wanted
            ]
        }

    # -- comments -----------------------------------------------------------------------------

    def _comment_json(self, comment: Post, fields: list[str]) -> dict[str, Any]:
        author = self.state.account(NETWORK, comment.account_id)
        values: dict[str, Any] = {
            "id": comment.id,
            "text": comment.text,
            "timestamp": graph_time(comment.created_at),
            "username": author.username,
            "from": {"id": author.id, "username": author.username},
            "hidden": comment.hidden,
            "like_count": comment.metrics.get("likes", 0),
            "media": {"id": comment.root_id},
            "parent_id": comment.parent_id if comment.parent_id != comment.root_id else None,
        }
        if "replies" in fields:
            replies = self._children(comment.id)
            values["replies"] = {
                "data": [
                    self._comment_json(r, ["text", "timestamp", "username", "from", "hidden"])
                    for r in replies
                ]
            }
        return pick(values, fields)

    def _children(self, parent_id: str) -> list[Post]:
        found = [
            p for p in self.state.posts_of(NETWORK) if p.parent_id == parent_id and not p.deleted
        ]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def _listing(self, call: GraphCall, items: list[Post]) -> dict[str, Any]:
        fields = call.fields(("text", "timestamp"))
        # The last page of a comment listing comes without paging, as Instagram sends it.
        return offset_page(
            call, items, lambda c: self._comment_json(c, fields), default_limit=50, bare_last=True
        )

    def _comments(self, call: GraphCall) -> dict[str, Any]:
        # Newest first, as Instagram lists them.
        return self._listing(call, list(reversed(self._children(call.object_id))))

    def _replies(self, call: GraphCall) -> dict[str, Any]:
        return self._listing(call, self._children(call.object_id))

    def _comment(self, call: GraphCall) -> dict[str, Any]:
        return self._comment_json(self.existing(call), call.fields(("text", "timestamp")))

    def _reply(self, call: GraphCall) -> dict[str, Any]:
        parent = self.existing(call)
        message = call.params.get("message", "").strip()
        if not message:
            raise GraphError(100, "(#100) The parameter message is required")
        media = self.state.post(NETWORK, parent.root_id or "")
        owner = media.account_id if media else parent.account_id
        return {"id": self._add(parent, message, owner).id}

    def _hide(self, call: GraphCall) -> dict[str, Any]:
        if "hide" not in call.params:
            raise GraphError(100, "(#100) The parameter hide is required")
        with self.state.lock:
            self.existing(call).hidden = call.flag("hide", False)
        return {"success": True}

    def _add(self, parent: Post, text: str, author_id: str) -> Post:
        """A comment on a media (parent is the media) or a reply (parent is a comment: replies
        on Instagram are one level deep, so a reply to a reply joins the top comment)."""
        top = parent
        if parent.is_comment and parent.parent_id != parent.root_id:
            top = self.state.post(NETWORK, parent.parent_id or "") or parent
        with self.state.lock:
            comment_id = self._new_id("comment")
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=comment_id,
                account_id=author_id,
                text=text,
                url=f"{(self.state.post(NETWORK, top.root_id or top.id) or top).url}"
                f"c/{comment_id}/",
                parent_id=top.id,
                root_id=top.root_id or top.id,
            )
        )

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        return self._add(post, text, author.id)
