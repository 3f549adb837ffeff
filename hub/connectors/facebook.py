"""Facebook Pages: publish text, links and photos (with alt text), find posts, read page figures.

Built on python-facebook-api (``pyfacebook.GraphAPI``) through the Graph base it shares with
Instagram (:mod:`hub.connectors.graph`: the client, its session hook, and Graph's error codes
as hub's typed errors). facebook-sdk, the long-standing alternative, is not used: it has been
unmaintained since 2018 and its ``GraphAPI`` rejects every version after 3.1, which Facebook
switched off long ago.

What is published where (Graph API ``/{page-id}/...``):

- text and link: ``POST /feed`` with ``message`` and ``link``;
- one photo: ``POST /photos`` with the file as ``source``, ``caption`` and ``alt_text_custom``;
- several photos: each ``POST /photos`` with ``published=false``, then ``POST /feed`` with
  ``attached_media[i]={"media_fbid": ...}``;
- a link with photos: Facebook allows no ``link`` field then, so it goes into the text;
- one video: Facebook's resumable protocol, ``POST /videos`` on graph-video.facebook.com:
  ``upload_phase=start`` (``file_size``), then ``transfer`` chunk after chunk at the offsets
  Facebook names, then ``finish`` with ``title`` and ``description`` (the post's text). The
  upload session is stored per delivery (:mod:`hub.publishing.network_state`): the next attempt
  after a cut connection or a crash asks the video how far it got
  (``status.uploading_phase.bytes_transferred``; a wrong offset is corrected by Facebook's
  error 1363037) and goes on from there, and a video already published is taken as it is, never
  uploaded twice. The post's id comes from the video's ``post_id``.

Comments (the inbox): ``GET /{post}/comments`` with ``filter=stream`` (every level, with
``parent``), oldest first, continuing after a stored paging cursor per post; the page answers
with ``POST /{comment}/comments``, hides with ``POST /{comment}`` ``is_hidden``, deletes with
``DELETE /{comment}``. Graph keeps threads two levels deep, so a reply to a reply is looked for
under its top-level comment too.

Credentials: the page ``access_token`` (optionally ``app_secret`` for ``appsecret_proof``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from datetime import datetime
from typing import Any, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hub.connectors.base import (
    AccountMetrics,
    Capability,
    CommentPage,
    ConnectorError,
    MediaFile,
    OutgoingPost,
    PostMetrics,
    Published,
    Rejected,
    RemoteComment,
    ResumesUploads,
    Transient,
    comparable,
    missing_file,
    round_done,
    round_left,
)
from hub.connectors.graph import GRAPH_VERSION as GRAPH_VERSION  # callers read it here too
from hub.connectors.graph import GraphConnector, graph_error, is_gone, refused_metric_names
from hub.models import Network
from hub.publishing.network_state import StoredUpload
from hub.publishing.rules import RULES

log = logging.getLogger(__name__)
COMMENT_FIELDS = "id,message,created_time,from{id,name},parent{id},is_hidden,permalink_url"
GONE_SUBCODE = 33  # "Object ... does not exist": a comment deleted already
# Post figures under their current names: "views" replaced the impressions metrics (deprecated
# 2025); post_total_media_view_unique (viewers) replaced post_impressions_unique (reach).
POST_INSIGHTS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_reactions_by_type_total",
    "post_clicks",
)
POST_COUNT_FIELDS = ("shares", "comments.limit(0).summary(total_count)")
POST_FIGURE_FIELDS = ",".join((f"insights.metric({','.join(POST_INSIGHTS)})", *POST_COUNT_FIELDS))
POST_LOOKUP_BATCH = 50  # Graph answers at most 50 ids per request
# Videos are uploaded to their own host (Facebook's video API), the rest of Graph stays.
VIDEO_URL = "https://graph-video.facebook.com/"
VIDEO_CHUNK = 4 * 1024 * 1024  # until Facebook names its chunk size
BAD_OFFSET_SUBCODE = 1363037  # "start offset": error_data tells where to go on


def post_figure_fields(metrics: Sequence[str]) -> str:
    """The ``fields`` of a figures lookup asking for these insights (none: counts only)."""
    insights = (f"insights.metric({','.join(metrics)})",) if metrics else ()
    return ",".join((*insights, *POST_COUNT_FIELDS))


def post_metrics_from_graph(post: Mapping[str, Any], refused: Sequence[str] = ()) -> PostMetrics:
    """One post's Graph answer (insights, shares, comment summary) under hub's common names.

    Graph leaves ``shares`` out of a post nobody shared, so a missing field asked for is 0.
    ``refused``: metric names Graph no longer knows; their figures stay unknown (None).
    """
    insights = {
        item.get("name"): (item.get("values") or [{}])[-1].get("value")
        for item in (post.get("insights") or {}).get("data") or []
    }
    reactions = insights.get("post_reactions_by_type_total")
    comments = ((post.get("comments") or {}).get("summary") or {}).get("total_count")
    return PostMetrics(
        views=_count(insights.get("post_media_view")),
        reach=_count(insights.get("post_total_media_view_unique")),
        likes=sum(int(v) for v in reactions.values()) if isinstance(reactions, dict) else None,
        comments=_count(comments),
        shares=_count((post.get("shares") or {}).get("count", 0)),
        clicks=_count(insights.get("post_clicks")),
        raw={
            "insights": insights,
            "shares": post.get("shares"),
            "comments": comments,
            **({"refused_metrics": sorted(refused)} if refused else {}),
        },
    )


def _count(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class FacebookConnector(ResumesUploads, GraphConnector):
    network = Network.facebook.value
    label = "Facebook"
    no_login = _l("This Facebook page has no login yet; connect it first.")
    login_expired = _l(
        "The Facebook login of this page has expired or was revoked; connect it again."
    )
    reply_edge = "comments"
    rules = RULES[Network.facebook]
    capabilities = frozenset(
        {
            Capability.publish_text,
            Capability.publish_link,
            Capability.publish_image,
            Capability.publish_images,
            Capability.publish_video,
            Capability.alt_text,
            Capability.find_published,
            Capability.post_metrics,
            Capability.account_metrics,
            Capability.fetch_comments,
            Capability.reply,
            Capability.hide_comment,
            Capability.delete_comment,
        }
    )
    # find_published reads at most this many posts back.
    lookup_posts: ClassVar[int] = 300
    #: Post metric names Graph refused as invalid (Meta retires names: the post_impressions
    #: family in 2025), learned when a lookup is refused and kept for the process, so later
    #: lookups ask only for the names that still work.
    retired_metrics: ClassVar[set[str]] = set()
    # A video upload may take long: the publish lease must outlast it.
    lease_seconds: ClassVar[int] = 1800
    # How long to wait after the upload for Facebook to name the video's post.
    video_post_seconds: ClassVar[float] = 60.0
    poll_first: ClassVar[float] = 0.5
    poll_max: ClassVar[float] = 5.0
    _video_graph: Any = None

    @property
    def page_id(self) -> str:
        return self.access.external_id

    # -- the contract -------------------------------------------------------------------------

    def check_connection(self) -> str:
        with self.errors(_("the login check")):
            page = self.graph.get_object(self.page_id, fields="id,name")
        return str(page.get("name") or page["id"])

    def publish(self, post: OutgoingPost) -> Published:
        videos = [m for m in post.media if m.kind == "video"]
        if videos and len(post.media) > 1:
            raise Rejected(_("Facebook takes one video per post, without photos."))
        if videos:
            post_id = self._publish_video(post, videos[0])
        elif len(post.media) == 1:
            post_id = self._publish_photo(post, post.media[0])
        elif post.media:
            post_id = self._publish_photos(post)
        else:
            data = {"message": post.text}
            if post.link:
                data["link"] = post.link
            with self.errors(_("the post")):
                post_id = str(self.graph.post_object(self.page_id, "feed", data=data)["id"])
        return Published(post_id, self._permalink(post_id))

    def find_published(self, post: OutgoingPost) -> Published | None:
        stored = self.sessions.get(self.network, post.idempotency_key)
        if stored is not None:  # a video upload: the video says whether it became a post
            video = self._stored_video(stored)
            if video is not None and video.get("post_id"):
                self.sessions.drop(self.network, post.idempotency_key)
                post_id = str(video["post_id"])
                return Published(post_id, self._permalink(post_id))
        wanted = comparable(self.message_for(post))
        args: dict[str, Any] = {"fields": "id,message,created_time,permalink_url"}
        if post.search_since is not None:
            args["since"] = int(post.search_since.timestamp())
        with self.errors(_("the lookup")):
            found = self.graph.get_full_connections(
                self.page_id, "posts", count=self.lookup_posts, limit=100, **args
            )
        for item in found.get("data") or []:
            if comparable(item.get("message", "")) == wanted:
                return Published(str(item["id"]), item.get("permalink_url"))
        return None

    def fetch_account_metrics(self) -> AccountMetrics:
        with self.errors(_("the page figures")):
            page = self.graph.get_object(self.page_id, fields="followers_count,fan_count")
        followers = page.get("followers_count", page.get("fan_count"))
        return AccountMetrics(followers=followers, raw=page)

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        """Figures of up to 50 posts per request (Graph's ``?ids=``). Graph refuses the whole
        request if one metric name is retired: the refused names are found (each asked alone),
        remembered and left out, their figures unknown. It also refuses the whole request if
        one id is gone, so a batch refused otherwise is asked again post by post."""
        figures: dict[str, PostMetrics] = {}
        ids = list(dict.fromkeys(remote_ids))
        for start in range(0, len(ids), POST_LOOKUP_BATCH):
            batch = ids[start : start + POST_LOOKUP_BATCH]
            found = self._figures_of(batch)
            refused = sorted(self.retired_metrics & set(POST_INSIGHTS))
            for post_id, post in found.items():
                if isinstance(post, dict):
                    figures[str(post_id)] = post_metrics_from_graph(post, refused)
        return figures

    def _asked_metrics(self) -> list[str]:
        return [m for m in POST_INSIGHTS if m not in self.retired_metrics]

    def _figures_of(self, batch: Sequence[str]) -> dict[str, Any]:
        for _attempt in range(2):
            try:
                with self.errors(_("the figures")):
                    return dict(
                        self.graph.get_objects(
                            ids=",".join(batch), fields=post_figure_fields(self._asked_metrics())
                        )
                    )
            except Rejected as exc:
                if not (refused_metric_names(exc) and self._learn_retired(batch)):
                    break
        found = {}
        for post_id in batch:
            try:
                with self.errors(_("the figures")):
                    found[post_id] = self.graph.get_object(
                        post_id, fields=post_figure_fields(self._asked_metrics())
                    )
            except Rejected:
                continue  # deleted or not ours any more: no figures
        return found

    def _learn_retired(self, posts: Sequence[str]) -> bool:
        """Ask for each metric name alone (on the first post that answers) and remember the
        names Graph refuses; True if any was found."""
        for post_id in posts:
            refused, answered = [], False
            for name in self._asked_metrics():
                try:
                    with self.errors(_("the figures")):
                        self.graph.get_connection(post_id, "insights", metric=name)
                    answered = True
                except Rejected as exc:
                    if not refused_metric_names(exc):
                        break  # this post cannot tell (gone?): ask the next one
                    refused.append(name)
            if refused:
                log.warning("Facebook refuses the post metrics %s; hub no longer asks", refused)
                self.retired_metrics.update(refused)
                return True
            if answered:
                return False
        return False

    # -- comments -----------------------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Comments and replies under our posts: ``GET /{post}/comments`` with
        ``filter=stream`` (every level, with ``parent``), oldest first, continuing after the
        stored paging cursor of each post. Cursor: ``{"posts": {post id: {"after": ...}}}``."""
        positions = {str(k): dict(v) for k, v in (cursor.get("posts") or {}).items()}
        done = round_done(cursor, full)
        todo = [p for p in posts if p not in done] or list(posts)
        found: dict[str, RemoteComment] = {}
        complete: list[str] = []
        budget = self.comment_pages
        for post_id in todo:
            if budget <= 0:
                break
            # A full listing starts at the beginning, unless it is being continued.
            position = positions.get(post_id, {})
            after = position.get("after") if not full or position.get("listing") else None
            finished = False
            while budget > 0:
                budget -= 1
                args: dict[str, Any] = {
                    "filter": "stream",
                    "order": "chronological",
                    "limit": 100,
                    "fields": COMMENT_FIELDS,
                }
                if after:
                    args["after"] = after
                with self.errors(_("reading comments")):
                    page = self.graph.get_connection(post_id, "comments", **args)
                for item in page.get("data") or []:
                    if not item.get("id"):
                        continue  # nothing to store it under (Graph always sends ids)
                    comment = self._comment(item, post_id)
                    found[comment.remote_id] = comment
                paging = page.get("paging") or {}
                if page.get("data"):
                    after = (paging.get("cursors") or {}).get("after") or after
                if not paging.get("next"):
                    finished = True
                    break
            started_here = full and not position.get("listing")
            if finished:
                done.add(post_id)
                if started_here:
                    complete.append(post_id)
            positions[post_id] = {
                k: v
                for k, v in {
                    "after": after or position.get("after"),
                    "listing": full and not finished,
                }.items()
                if v
            }
        more = any(p not in done for p in posts)
        return CommentPage(
            items=list(found.values()),
            cursor={
                "posts": positions,
                "round": round_left(full, done, posts) if more else {},
            },
            more=more,
            complete=complete,
        )

    def _comment(self, item: Mapping[str, Any], post_id: str) -> RemoteComment:
        author = item.get("from") or {}
        parent = (item.get("parent") or {}).get("id")
        created = item.get("created_time")
        try:
            # Graph's "2025-03-01T09:00:00+0000"; fromisoformat reads it ten times faster than
            # strptime, which counts at a million comments.
            created_at = datetime.fromisoformat(created) if created else None
        except ValueError:
            created_at = None
        return RemoteComment(
            remote_id=str(item["id"]),
            text=item.get("message") or "",
            created_at=created_at or datetime.now().astimezone(),
            author_name=str(author.get("name") or ""),
            author_id=str(author["id"]) if author.get("id") else None,
            post_remote_id=post_id,
            parent_remote_id=str(parent) if parent and parent != post_id else None,
            is_own=str(author.get("id")) == self.page_id,
            hidden=bool(item["is_hidden"]) if "is_hidden" in item else None,
            url=item.get("permalink_url"),
        )

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        """Our reply is under the comment, or (Facebook keeps threads two levels deep) under
        the top-level comment the answered reply belongs to."""
        wanted = comparable(text)
        places = [comment_remote_id]
        with self.errors(_("the lookup")):
            parent = self.graph.get_object(comment_remote_id, fields="parent").get("parent") or {}
        if parent.get("id"):
            places.append(str(parent["id"]))
        for place in places:
            with self.errors(_("the lookup")):
                found = self.graph.get_connection(
                    place,
                    "comments",
                    order="reverse_chronological",
                    limit=100,
                    fields=COMMENT_FIELDS,
                )
            for item in found.get("data") or []:
                comment = self._comment(item, "")
                if since is not None and comment.created_at < since:
                    break
                if comment.is_own and comparable(comment.text) == wanted:
                    return comment.remote_id
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        with self.errors(_("hiding the comment") if hidden else _("showing the comment")):
            self.graph.post_object(
                comment_remote_id, data={"is_hidden": "true" if hidden else "false"}
            )

    def already_gone(self, refusal: Rejected) -> bool:
        return f'"error_subcode":{GONE_SUBCODE}' in (refusal.detail or "").replace(" ", "")

    # -- publishing ---------------------------------------------------------------------------

    @staticmethod
    def message_for(post: OutgoingPost) -> str:
        """The text Facebook will show: with photos there is no link field, so the link joins."""
        if post.media and post.link and post.link not in post.text:
            return f"{post.text}\n\n{post.link}".strip()
        return post.text

    def _photo_source(
        self, media: MediaFile, data: dict[str, str], stack: ExitStack
    ) -> dict[str, Any] | None:
        """The file as multipart ``source``; or, where hub has only a public URL, ``url``."""
        try:
            handle = stack.enter_context(media.path.open("rb"))
        except OSError as exc:
            if media.public_url:
                data["url"] = media.public_url
                return None
            raise missing_file(media, exc) from exc
        return {"source": (media.path.name, handle, media.mime_type)}

    def _publish_photo(self, post: OutgoingPost, media: MediaFile) -> str:
        data = {"caption": self.message_for(post), "published": "true"}
        if media.alt_text:
            data["alt_text_custom"] = media.alt_text
        with ExitStack() as stack, self.errors(_("the photo")):
            files = self._photo_source(media, data, stack)
            answer = self.graph.post_object(self.page_id, "photos", data=data, files=files)
        return str(answer.get("post_id") or answer["id"])

    def _publish_photos(self, post: OutgoingPost) -> str:
        photo_ids = []
        for media in post.media:
            data = {"published": "false"}
            if media.alt_text:
                data["alt_text_custom"] = media.alt_text
            with ExitStack() as stack, self.errors(_("a photo")):
                files = self._photo_source(media, data, stack)
                answer = self.graph.post_object(self.page_id, "photos", data=data, files=files)
            photo_ids.append(str(answer["id"]))
        feed = {"message": self.message_for(post)}
        for index, photo_id in enumerate(photo_ids):
            feed[f"attached_media[{index}]"] = json.dumps({"media_fbid": photo_id})
        with self.errors(_("the post")):
            return str(self.graph.post_object(self.page_id, "feed", data=feed)["id"])

    # -- video ------------------------------------------------------------------------------

    @property
    def video_graph(self) -> Any:
        """The client for uploads: graph-video.facebook.com (or the channel's base URL)."""
        if self._video_graph is None:
            self._video_graph = self.client(VIDEO_URL)
        return self._video_graph

    def _publish_video(self, post: OutgoingPost, media: MediaFile) -> str:
        key = post.idempotency_key
        stored = self.sessions.get(self.network, key)
        video = self._stored_video(stored) if stored and stored.sha256 == media.sha256 else None
        if stored is not None and video is None:
            self.sessions.drop(self.network, key)  # another file, or gone: start anew
        if video is not None and video.get("post_id"):
            self.sessions.drop(self.network, key)
            return str(video["post_id"])
        if video is None:
            session, video_id, start, end = self._start_video(media)
            stored = StoredUpload(f"{session}:{video_id}:{end - start}", media.size, media.sha256)
            self.sessions.put(self.network, key, stored)
            finished = False
        else:
            assert stored is not None
            session, video_id, chunk = stored.location.split(":")
            start, finished = int(video["offset"]), bool(video["finished"])
            end = min(media.size, start + int(chunk))
        if not finished:
            self._transfer(media, session, start, end)
            data = {
                "upload_phase": "finish",
                "upload_session_id": session,
                "description": self.message_for(post),
            }
            title = post.title or media.title
            if title:
                data["title"] = title
            with self.errors(_("the video")):
                self.video_graph.post_object(self.page_id, "videos", data=data)
        post_id = self._video_post(video_id)
        self.sessions.drop(self.network, key)
        return post_id

    def _start_video(self, media: MediaFile) -> tuple[str, str, int, int]:
        data = {"upload_phase": "start", "file_size": str(media.size)}
        with self.errors(_("the video")):
            answer = self.video_graph.post_object(self.page_id, "videos", data=data)
        return (
            str(answer["upload_session_id"]),
            str(answer["video_id"]),
            int(answer.get("start_offset") or 0),
            int(answer.get("end_offset") or min(media.size, VIDEO_CHUNK)),
        )

    def _transfer(self, media: MediaFile, session: str, start: int, end: int) -> None:
        """Send the file from ``start`` in the chunks Facebook asks for, until it has all."""
        corrections = 0
        try:
            handle = media.path.open("rb")
        except OSError as exc:
            raise missing_file(media, exc) from exc
        with handle:
            while start < media.size:
                end = max(min(end, media.size), start + 1)
                handle.seek(start)
                chunk = handle.read(end - start)
                data = {
                    "upload_phase": "transfer",
                    "upload_session_id": session,
                    "start_offset": str(start),
                }
                files = {"video_file_chunk": (media.path.name, chunk, "application/octet-stream")}
                try:
                    with self.errors(_("the video")):
                        answer = self.video_graph.post_object(
                            self.page_id, "videos", data=data, files=files
                        )
                except Rejected as exc:
                    error = graph_error(exc)
                    expected = error.get("error_data") or {}
                    if (
                        error.get("error_subcode") == BAD_OFFSET_SUBCODE
                        and "start_offset" in expected
                        and corrections < 3
                    ):
                        corrections += 1  # Facebook says where it stands: go on from there
                        start = int(expected["start_offset"])
                        end = int(expected.get("end_offset") or start + (end - start))
                        continue
                    raise
                start, end = int(answer["start_offset"]), int(answer["end_offset"])

    def _stored_video(self, stored: StoredUpload) -> dict[str, Any] | None:
        """What became of a stored upload: ``post_id`` once published, else how far it got
        (``offset``, ``finished``); None if the video is gone or unreadable."""
        try:
            _session, video_id, _chunk = stored.location.split(":")
        except ValueError:
            return None
        try:
            with self.errors(_("the video")):
                found = self.graph.get_object(video_id, fields="post_id,status")
        except Rejected as exc:
            if is_gone(exc):
                return None
            raise
        status = found.get("status") or {}
        uploading = status.get("uploading_phase") or {}
        publishing = status.get("publishing_phase") or {}
        return {
            "post_id": found.get("post_id"),
            "offset": int(uploading.get("bytes_transferred") or 0),
            "finished": publishing.get("status") == "complete",
        }

    def _video_post(self, video_id: str) -> str:
        """The id of the page post Facebook made of the video (it may take a moment)."""
        deadline = time.monotonic() + self.video_post_seconds
        pause = self.poll_first
        while True:
            with self.errors(_("the video")):
                found = self.graph.get_object(video_id, fields="post_id")
            if found.get("post_id"):
                return str(found["post_id"])
            if time.monotonic() > deadline:
                raise Transient(
                    _("Facebook took the video but has not made its post yet; hub looks again.")
                )
            time.sleep(pause)
            pause = min(pause * 2, self.poll_max)

    def _permalink(self, post_id: str) -> str:
        """The post's link. It exists already, so a failure here must not fail the publish."""
        try:
            with self.errors(_("the link lookup")):
                found = self.graph.get_object(post_id, fields="permalink_url")
            if found.get("permalink_url"):
                return str(found["permalink_url"])
        except ConnectorError:
            pass
        page, _sep, local = post_id.partition("_")
        return f"https://www.facebook.com/{page}/posts/{local or page}"
