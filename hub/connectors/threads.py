"""Threads (Meta): text, images, videos and carousels through the Threads API.

Threads has no maintained SDK of its own, but its API is the Graph API's twin on another host
(``graph.threads.net/v1.0``): the same ``/{id}/{edge}`` paths, form fields, ``fields`` lists,
cursor paging and Graph-style error bodies. So it is spoken through python-facebook-api's thin
``ThreadsGraphAPI`` (plain ``requests``, the host and its ``th_refresh_token`` renewal), and
the client, session hook and error vocabulary of :mod:`hub.connectors.graph` are reused as they
are; what is Threads' own is here.

Publishing is two steps, as on Instagram, and Threads fetches every file from a public URL
(hub serves them under ``HUB_PUBLIC_URL``, :mod:`hub.public_media`):

1. a **container**: ``POST /{user}/threads`` with ``media_type`` ``TEXT`` (``text``),
   ``IMAGE`` (``image_url``) or ``VIDEO`` (``video_url``), each with ``alt_text``; a carousel
   is one ``is_carousel_item`` container per file and then ``media_type=CAROUSEL`` +
   ``children`` (2 to 20). A container's ``status`` goes from ``IN_PROGRESS`` to ``FINISHED``
   (or ``ERROR`` with an ``error_message`` such as ``FAILED_DOWNLOADING_VIDEO``, or
   ``EXPIRED`` after 24 hours);
2. ``POST /{user}/threads_publish`` with ``creation_id``.

Exactly once: ``threads_publishing_limit`` (250 posts per 24 hours) is read first; the
container id is kept per delivery (:mod:`hub.publishing.network_state`), so an attempt after a
timeout or a crash publishes the container already made (a ``PUBLISHED`` one is looked up,
never made again), and :meth:`ThreadsConnector.find_published` looks through the profile's
threads since the first attempt.

The inbox: replies under our threads (``/{id}/conversation``, every depth, oldest first),
answered by a reply container (``reply_to_id``) that is published like a post; top-level
replies are hidden with ``POST /{reply}/manage_reply`` (``hide``); only our own posts and
replies can be deleted (``DELETE /{id}``). Figures: ``/{id}/insights`` (views, likes, replies,
reposts, quotes) and ``/{user}/threads_insights?metric=followers_count``.

Credentials: ``access_token``, a long-lived token of 60 days, renewed while valid by
``GET /refresh_access_token?grant_type=th_refresh_token`` (unversioned). ``external_id`` is the
Threads user id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pyfacebook import GraphAPI, ThreadsGraphAPI

from hub.connectors.base import (
    AccountMetrics,
    Capability,
    CommentPage,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    Rejected,
    RemoteComment,
    Transient,
    comparable,
    parse_time,
)
from hub.connectors.containers import AlreadyPublished, ContainerPublishing, has_video
from hub.connectors.graph import is_gone
from hub.connectors.listing import read_listings
from hub.models import Network
from hub.publishing.network_state import StoredUpload
from hub.publishing.rules import RULES
from hub.publishing.tokens import LoginRefresh

THREADS_URL = "https://graph.threads.net/"
REPLY_FIELDS = (
    "id,text,timestamp,username,permalink,root_post,replied_to,hide_status,is_reply_owned_by_me"
)
POST_FIELDS = "id,text,timestamp,permalink,media_type"
METRICS = ("views", "likes", "replies", "reposts", "quotes")
# hide_status values under which a reply is not shown to the public.
HIDDEN = frozenset({"HIDDEN", "COVERED", "BLOCKED", "RESTRICTED"})
# What a published post's media_type is, per kind of container.
MEDIA_TYPES = {"TEXT": "TEXT_POST", "IMAGE": "IMAGE", "VIDEO": "VIDEO", "CAROUSEL": "CAROUSEL"}


class ThreadsConnector(ContainerPublishing):
    network = Network.threads.value
    api = "threads"
    label = "Threads"
    no_login = _l("This Threads profile has no login yet; connect it first.")
    login_expired = _l(
        "The Threads login of this profile has expired or was revoked; connect it again."
    )
    reply_edge = "threads"  # a reply is a container on the profile (reply_to_id)
    publish_edge = "threads_publish"
    limit_edge = "threads_publishing_limit"
    published_already = _l("Threads published this post already; hub looks it up.")
    rules = RULES[Network.threads]
    graph_version: ClassVar[str] = "v1.0"
    real_url: ClassVar[str] = THREADS_URL
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
    # manage_reply takes only replies directly under the post.
    hides_answers: ClassVar[bool] = False
    # Threads processes a video for minutes: the lease must outlast the polling.
    lease_seconds: ClassVar[int] = 1800
    video_processing_seconds: ClassVar[float] = 600.0

    def client_class(self) -> type[GraphAPI]:
        return ThreadsGraphAPI

    # -- login --------------------------------------------------------------------------------

    def check_connection(self) -> str:
        with self.errors(_("the login check")):
            user = self.graph.get_object(self.user_id, fields="id,username")
        return f"@{user.get('username') or user['id']}"

    def refresh_login(self) -> LoginRefresh:
        """Another 60 days for the long-lived token (only while it is valid and a day old):
        ``GET graph.threads.net/refresh_access_token?grant_type=th_refresh_token``."""
        with self.errors(_("the login renewal")):
            answer = self.graph.refresh_access_token(self.access.credentials["access_token"])  # type: ignore[attr-defined]
        expires_in = answer.get("expires_in")
        expires = datetime.now(UTC) + timedelta(seconds=int(expires_in)) if expires_in else None
        return LoginRefresh({"access_token": answer["access_token"]}, expires)

    # -- publishing ---------------------------------------------------------------------------

    def check_post(self, post: OutgoingPost) -> None:
        if not post.media and not post.text.strip():
            raise Rejected(_("Threads needs a text, an image or a video."))
        limit = self.rules.max_media or 20
        if len(post.media) > limit:
            raise Rejected(
                _("Threads takes at most %(count)s images and videos per post.", count=limit)
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
            seconds, most = media.duration_seconds, self.rules.max_video_seconds
            if media.kind == "video" and seconds and most and seconds > most:
                raise Rejected(
                    _(
                        "Threads takes videos of at most %(minutes)s minutes; this video is "
                        "%(used)s seconds long.",
                        minutes=int(most // 60),
                        used=int(seconds),
                    )
                )

    def limit_reached(self, total: object, detail: str) -> Rejected:
        return Rejected(
            _(
                "Threads allows %(total)s posts per 24 hours for this profile, and they are "
                "used up. Publish again later (the limit counts the last 24 hours).",
                total=total,
            ),
            detail=detail,
        )

    def processing_failed(self, status: str, reason: str, detail: str) -> Rejected:
        return Rejected(
            _(
                "Threads could not process the media: %(reason)s. Check that hub's public "
                "address (HUB_PUBLIC_URL) is reachable from the internet and the file meets "
                "Threads' specifications.",
                reason=reason or status.lower(),
            ),
            detail=detail,
        )

    def processing_too_slow(self, minutes: str, detail: str) -> Rejected:
        return Rejected(
            _(
                "Threads did not finish processing the media within %(minutes)s minutes. "
                "Nothing was published; check the file and retry.",
                minutes=minutes,
            ),
            detail=detail,
        )

    def make_container(self, post: OutgoingPost) -> str:
        fields: dict[str, str] = {}
        reply_control = post.options.get("reply_control")
        if reply_control:
            fields["reply_control"] = str(reply_control)
        if not post.media:
            return self._container({**fields, "media_type": "TEXT", "text": post.text})
        if len(post.media) == 1:
            return self._container(
                {**fields, **self._media_fields(post.media[0]), "text": post.text}
            )
        children = [
            self._container({**self._media_fields(m), "is_carousel_item": "true"})
            for m in post.media
        ]
        for child in children:
            self.wait_until_finished(child, post.idempotency_key, video=has_video(post.media))
        return self._container(
            {**fields, "media_type": "CAROUSEL", "children": ",".join(children), "text": post.text}
        )

    def _media_fields(self, media: MediaFile) -> dict[str, str]:
        url = self.public_url(media)
        fields = (
            {"media_type": "VIDEO", "video_url": url}
            if media.kind == "video"
            else {"media_type": "IMAGE", "image_url": url}
        )
        if (media.alt_text or "").strip():
            fields["alt_text"] = media.alt_text or ""
        return fields

    def _container(self, data: dict[str, str]) -> str:
        with self.errors(_("the post")):
            return str(self.graph.post_object(self.user_id, "threads", data=data)["id"])

    def container_status(self, container_id: str) -> tuple[str, str]:
        with self.errors(_("the media status")):
            found = self.graph.get_object(container_id, fields="status,error_message")
        return str(found.get("status") or ""), str(found.get("error_message") or "")

    def find_published(self, post: OutgoingPost) -> Published | None:
        """Our thread with this text made since the first attempt. A thread without text is
        recognised by its kind (image, video, carousel) instead."""
        wanted = comparable(post.text)
        kind = _published_type(post.media)
        args: dict[str, Any] = {"fields": POST_FIELDS, "limit": 50}
        if post.search_since is not None:
            args["since"] = int(post.search_since.timestamp())
        with self.errors(_("the lookup")):
            found = self.graph.get_connection(self.user_id, "threads", **args)
        for item in found.get("data") or []:
            if comparable(item.get("text")) != wanted:
                continue
            if not wanted and item.get("media_type") not in (kind, "CAROUSEL_ALBUM"):
                continue
            self.sessions.drop(self.network, post.idempotency_key)
            return Published(str(item["id"]), item.get("permalink"))
        return None

    # -- the inbox ----------------------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Replies at every depth under ``posts`` (``/{id}/conversation``, oldest first), newer
        than each post's position in ``cursor``; Threads has no "since" on replies, so each
        listing is read and filtered (:func:`hub.connectors.listing.read_listings`)."""

        def read_page(
            post_id: str, after: str | None
        ) -> tuple[list[RemoteComment], str | None, bool]:
            args: dict[str, Any] = {"fields": REPLY_FIELDS, "reverse": "false", "limit": 50}
            if after:
                args["after"] = after
            with self.errors(_("the replies")):
                page = self.graph.get_connection(post_id, "conversation", **args)
            paging = page.get("paging") or {}
            found = [self._reply(data, post_id) for data in page.get("data") or []]
            return found, (paging.get("cursors") or {}).get("after"), bool(paging.get("next"))

        return read_listings(
            cursor, posts, full=full, budget=self.comment_pages, read_page=read_page
        )

    def _reply(self, data: Mapping[str, Any], post_id: str) -> RemoteComment:
        parent = str((data.get("replied_to") or {}).get("id") or "") or None
        root = str((data.get("root_post") or {}).get("id") or "") or post_id
        username = data.get("username")
        own = bool(data.get("is_reply_owned_by_me")) or (
            bool(username) and username == self.access.credentials.get("username")
        )
        return RemoteComment(
            remote_id=str(data["id"]),
            text=str(data.get("text") or ""),
            created_at=parse_time(data.get("timestamp")) or datetime.now(UTC),
            author_name=str(username or ""),
            author_handle=username,
            post_remote_id=root,
            parent_remote_id=None if parent == root else parent,
            is_own=own,
            hidden=str(data.get("hide_status") or "NOT_HUSHED") in HIDDEN,
            url=data.get("permalink"),
        )

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        """A reply is a thread of its own: a TEXT container with ``reply_to_id``, published.
        The container is kept under the request's key, so a second attempt publishes it
        instead of making another."""
        key = f"reply-{idempotency_key}"
        stored = self.sessions.get(self.network, key)
        try:
            container_id = self.reusable(stored, key) if stored else None
        except AlreadyPublished:
            raise Transient(_("Threads published this reply already; hub looks it up.")) from None
        if container_id is None:
            container_id = self._container(
                {"media_type": "TEXT", "text": text, "reply_to_id": comment_remote_id}
            )
            self.sessions.put(self.network, key, StoredUpload(container_id))
        return self.publish_container(container_id, key, video=False)

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        wanted = comparable(text)
        with self.errors(_("the lookup")):
            found = self.graph.get_connection(
                comment_remote_id, "replies", fields=REPLY_FIELDS, reverse="true", limit=100
            )
        for data in found.get("data") or []:
            made = parse_time(data.get("timestamp"))
            if since is not None and made is not None and made < since:
                continue
            if data.get("is_reply_owned_by_me") and comparable(data.get("text")) == wanted:
                return str(data["id"])
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        """``POST /{reply}/manage_reply``: only a top-level reply can be hidden (its answers
        go with it); Threads refuses a deeper one, and says so."""
        with self.errors(_("hiding the reply") if hidden else _("showing the reply")):
            self.graph.post_object(
                comment_remote_id, "manage_reply", data={"hide": "true" if hidden else "false"}
            )

    def already_gone(self, refusal: Rejected) -> bool:
        return is_gone(refusal)

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Insights per thread (Threads has no batch). A thread that no longer exists is left
        out, so the figures' schedule lets it go."""
        figures: dict[str, PostMetrics] = {}
        for media_id in dict.fromkeys(remote_ids):
            try:
                with self.errors(_("the figures")):
                    found = self.graph.get_connection(
                        media_id, "insights", metric=",".join(METRICS)
                    )
            except Rejected as exc:
                if is_gone(exc):
                    continue
                raise
            values = {str(i.get("name")): _value(i) for i in found.get("data") or []}
            reposts, quotes = values.get("reposts"), values.get("quotes")
            figures[media_id] = PostMetrics(
                views=values.get("views"),
                likes=values.get("likes"),
                comments=values.get("replies"),
                # A repost and a quote both pass the thread on.
                shares=None
                if reposts is None and quotes is None
                else (reposts or 0) + (quotes or 0),
                raw=values,
            )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors(_("the account figures")):
            found = self.graph.get_connection(
                self.user_id, "threads_insights", metric="followers_count"
            )
        values = {str(i.get("name")): _value(i) for i in found.get("data") or []}
        return AccountMetrics(followers=values.get("followers_count"), raw=values)


def _published_type(media: Sequence[MediaFile]) -> str:
    if not media:
        return MEDIA_TYPES["TEXT"]
    if len(media) > 1:
        return "CAROUSEL_ALBUM"
    return MEDIA_TYPES["VIDEO" if media[0].kind == "video" else "IMAGE"]


def _value(item: Mapping[str, Any]) -> int | None:
    """An insight's value: ``total_value.value`` (account totals) or the last of ``values``."""
    total = (item.get("total_value") or {}).get("value")
    values = item.get("values") or []
    value = total if total is not None else (values[-1].get("value") if values else None)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
