"""Facebook Pages on the sandbox's Graph API: the page, its feed, photos and posts.

Endpoints (any ``vNN.N``): ``GET /{page-id}``, ``POST /{page-id}/feed`` (``message``, ``link``,
``attached_media[i]``, ``published``), ``POST /{page-id}/photos`` (``source`` upload or ``url``,
``caption``/``message``, ``alt_text_custom``, ``published``), ``GET /{page-id}/posts|feed|
published_posts`` (``since``, ``until``, ``limit``, ``fields``; paged as Facebook pages a feed:
``next``/``previous`` links with ``until``/``since`` and a ``__paging_token``, no cursors),
``GET|DELETE /{post-id}``, ``GET /{photo-id}``, ``POST /{page-id}/videos``, ``GET /{video-id}``.

Videos, by Facebook's resumable protocol (``POST /{page-id}/videos``, on graph-video.facebook.com
at Facebook): ``upload_phase=start`` with ``file_size`` answers ``{"video_id", "upload_session_id",
"start_offset", "end_offset"}`` (offsets are strings, as Facebook sends them); each
``upload_phase=transfer`` with ``upload_session_id``, ``start_offset`` and the bytes as
``video_file_chunk`` answers the next ``start_offset``/``end_offset`` (equal when all is in); a
chunk at another offset is refused with subcode 1363037 and the expected offsets in
``error_data`` (how a client finds where to continue); ``upload_phase=finish`` with ``title`` and
``description`` publishes it: the video becomes a post of the page (its ``message`` is the
description), and ``GET /{video-id}`` tells ``post_id``, ``permalink_url`` and ``status``
(``uploading_phase.bytes_transferred``, ``publishing_phase``). Faults without an HTTP request
of their own: method ``TRANSFER`` is taken per chunk (path ``/{session}?start_offset=N``): a
``status`` fault refuses that chunk with the status's error; method ``FINISH`` (path
``/{session}``): a ``status`` fault refuses the finish, with ``after`` only once the video is
published (the answer lost).

As on Facebook: post ids are ``{page-id}_{n}``, a published photo answers ``{"id", "post_id"}``,
an unpublished one only ``{"id"}`` and can be attached once to a feed post, and the same message
twice in a row is refused with code 506 ("Duplicate status message"). A page id seen for the
first time is a new page.
"""

from __future__ import annotations

import base64
import bisect
import json
import re
from datetime import datetime, timedelta
from typing import Any

from hub.sandbox import engagement
from hub.sandbox.core import Account, FaultKind, Media, Post, utcnow
from hub.sandbox.graph import (
    STATUS_ERRORS,
    GraphCall,
    GraphError,
    GraphProduct,
    Handler,
    graph_time,
    parse_graph_time,
    pick,
)

NETWORK = "facebook"
POST_DEFAULT_FIELDS = ("created_time", "message", "id")
PAGE_DEFAULT_FIELDS = ("name", "id")
PHOTO_DEFAULT_FIELDS = ("created_time", "id")
DUPLICATE_WINDOW = timedelta(hours=24)
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF")
VIDEO_DEFAULT_FIELDS = ("description", "updated_time", "id")
VIDEO_CHUNK = 4 * 1024 * 1024  # what the sandbox asks for per transfer (Facebook decides it)


# Post insights under their current names; asking for a retired one fails as on Graph.
POST_METRICS = {
    "post_media_view": ("Views", "The number of times your post was on screen."),
    "post_total_media_view_unique": ("Viewers", "The number of people who saw your post."),
    "post_reactions_by_type_total": ("Reactions", "Reactions to your post, by type."),
    "post_clicks": ("Post clicks", "The number of clicks anywhere in your post."),
}
# Names Meta retired (the post_impressions family, 2025): refused like any unknown name.
RETIRED_METRICS = frozenset(
    {
        "post_impressions",
        "post_impressions_unique",
        "post_impressions_paid",
        "post_impressions_organic",
        "post_impressions_viral",
        "post_impressions_fan",
        "post_engaged_users",
        "post_video_views",
    }
)
REACTION_TYPES = frozenset({"like", "love", "wow", "haha", "sorry", "anger"})
FIGURE_FIELDS = frozenset({"insights", "shares", "comments"})
METRIC_LIST = re.compile(r"insights\.metric\(([^)]*)\)")


def requested_metrics(fields: str | None) -> list[str] | None:
    """The metrics of ``insights.metric(a,b)`` in a ``fields`` list (None: all of them)."""
    match = METRIC_LIST.search(fields or "")
    if match is None:
        return None
    names = [m.strip() for m in match.group(1).split(",") if m.strip()]
    check_metrics(names)
    return names


def check_metrics(names: list[str]) -> None:
    """Graph refuses the whole request for one name it does not know (a retired one too), in
    the same words, without naming it."""
    for name in names:
        if name not in POST_METRICS:
            raise GraphError(100, "(#100) The value must be a valid insights metric")


def insight(post: Post, name: str, value: Any) -> dict[str, Any]:
    title, description = POST_METRICS[name]
    return {
        "name": name,
        "period": "lifetime",
        "values": [{"value": value}],
        "title": title,
        "description": f"Lifetime: {description}",
        "id": f"{post.id}/insights/{name}/lifetime",
    }


class FacebookPages(GraphProduct):
    network = NETWORK
    edges = frozenset({"feed", "posts", "published_posts", "photos", "videos"})
    not_found_hint = (
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
    )

    def usage_owner(self, call: GraphCall) -> str | None:
        return call.object_id.split("_")[0] or None

    def kind_of(self, object_id: str) -> str | None:
        with self.state.lock:
            kind = self._objects.get(object_id)
            if kind is None and object_id.isdigit():
                # A page id seen for the first time: the page exists from now on.
                self.state.account(NETWORK, object_id, name=f"Sandbox-Seite {object_id[-4:]}")
                self._objects[object_id] = kind = "page"
            return kind

    def page_url(self, page: Account) -> str:
        slug = page.username if not page.username.startswith("sandbox_") else page.id
        return f"https://www.facebook.com/{slug}"

    def routes(self) -> dict[tuple[str, str | None, str], Handler]:
        return {
            ("page", None, "GET"): self._page,
            ("page", "feed", "POST"): self._create_post,
            ("page", "feed", "GET"): self._list_posts,
            ("page", "posts", "GET"): self._list_posts,
            ("page", "published_posts", "GET"): self._list_posts,
            ("page", "photos", "POST"): self._upload_photo,
            ("post", None, "GET"): self._post,
            ("post", None, "DELETE"): self.delete,
            ("post", "insights", "GET"): self._post_insights,
            ("photo", None, "GET"): self._photo,
            ("page", "videos", "POST"): self._upload_video,
            ("video", None, "GET"): self._video,
            **self._comment_routes(),
        }

    # -- pages --------------------------------------------------------------------------------

    def _page(self, call: GraphCall) -> dict[str, Any]:
        page = self.state.account(NETWORK, call.object_id)
        values = {
            "id": page.id,
            "name": page.name,
            "username": None if page.username.startswith("sandbox_") else page.username,
            "link": self.page_url(page),
            "fan_count": page.followers,
            "followers_count": page.followers,
        }
        return pick(values, call.fields(PAGE_DEFAULT_FIELDS))

    # -- posts --------------------------------------------------------------------------------

    def _post_json(
        self, post: Post, fields: list[str], call: GraphCall | None = None
    ) -> dict[str, Any]:
        page = self.state.account(NETWORK, post.account_id)
        values: dict[str, Any] = {
            "id": post.id,
            "message": post.text or None,
            "created_time": graph_time(post.created_at),
            "updated_time": graph_time(post.created_at),
            "permalink_url": post.url,
            "is_published": post.published,
            "is_hidden": post.hidden,
            "from": {"name": page.name, "id": page.id},
            "status_type": (
                "added_video"
                if post.media and post.media[0].kind == "video"
                else "added_photos"
                if post.media
                else ("shared_story" if post.link else "mobile_status_update")
            ),
            "full_picture": f"https://scontent.sandbox.invalid/{post.media[0].id}.jpg"
            if post.media
            else None,
            "attachments": {
                "data": [
                    {
                        "type": "photo" if m.kind == "image" else "video_inline",
                        "target": {"id": m.id},
                        "description": m.alt_text,
                    }
                    for m in post.media
                ]
            }
            if post.media
            else None,
        }
        if FIGURE_FIELDS & set(fields):
            metrics = requested_metrics(call.params.get("fields") if call else None)
            values.update(self._figures(post, metrics))
        return pick(values, fields)

    # -- figures ------------------------------------------------------------------------------

    def _figures(self, post: Post, metrics: list[str] | None = None) -> dict[str, Any]:
        """``insights``, ``shares`` and ``comments`` of a post, as Graph sends them."""
        grown = engagement.figures(self.state, post)
        likes = grown["likes"]
        reactions = {"like": likes - likes // 5, "love": likes // 5}
        reactions.update({k: v for k, v in post.metrics.items() if k in REACTION_TYPES})
        values: dict[str, Any] = {
            "post_media_view": grown["views"],
            "post_total_media_view_unique": grown["reach"],
            "post_reactions_by_type_total": {k: v for k, v in reactions.items() if v},
            "post_clicks": grown["clicks"],
        }
        values.update({k: v for k, v in post.metrics.items() if k in POST_METRICS})
        shares = post.metrics.get("shares", grown["shares"])
        comments = post.metrics.get("comments", grown["comments"])
        return {
            "insights": {"data": [insight(post, name, values[name]) for name in metrics or values]},
            # Graph leaves ``shares`` out of a post nobody shared.
            "shares": {"count": shares} if shares else None,
            "comments": {
                "data": [],
                "summary": {"order": "ranked", "total_count": comments, "can_comment": True},
            },
        }

    def _post_insights(self, call: GraphCall) -> dict[str, Any]:
        post = self.existing(call)
        names = [m.strip() for m in (call.params.get("metric") or "").split(",") if m.strip()]
        if not names:
            raise GraphError(
                3001,
                "Invalid query",
                subcode=1504028,
                user_title="No Metric Specified",
                user_msg="No metric was specified to be fetched. Please specify one or more "
                "metrics to be fetched and try again.",
            )
        check_metrics(names)
        return self._figures(post, names)["insights"]

    def metrics_wire(self, post: Post) -> dict[str, Any]:
        """What ``GET /?ids=<post>&fields=insights.metric(...),shares,comments...`` says."""
        return {k: v for k, v in self._figures(post).items() if v is not None}

    def _create_post(self, call: GraphCall) -> dict[str, Any]:
        page = self.state.account(NETWORK, call.object_id)
        message = call.params.get("message", "")
        link = call.params.get("link") or None
        published = call.flag("published", True)
        with self.state.lock:
            photos = [
                self._attachable_photo(page, key, value) for key, value in self._attached(call)
            ]
            if not message.strip() and not link and not photos:
                raise GraphError(100, "(#100) Missing message or attachment")
            if message.strip() and self._is_duplicate(page.id, message, link):
                raise GraphError(
                    506,
                    "(#506) Duplicate status message",
                    subcode=1455006,
                    user_title="Duplicate post",
                    user_msg="This status update is identical to the last one you posted. Try "
                    "posting something different, or delete your previous update.",
                )
            post = self._new_post(page, message, link=link, media=photos, published=published)
            for photo in photos:
                photo.extra["post_id"] = post.id
        return {"id": post.id}

    def _attached(self, call: GraphCall) -> list[tuple[str, str]]:
        items = [
            (k, v) for k, v in call.params.items(multi=True) if k.startswith("attached_media[")
        ]
        if "attached_media" in call.params:
            try:
                listed = json.loads(call.params["attached_media"])
            except ValueError:
                raise GraphError(100, "(#100) param attached_media must be an array") from None
            items += [(f"attached_media[{i}]", json.dumps(v)) for i, v in enumerate(listed)]
        return sorted(items, key=lambda kv: int(kv[0][len("attached_media[") : -1] or 0))

    def _attachable_photo(self, page: Account, key: str, value: str) -> Media:
        try:
            fbid = str(json.loads(value)["media_fbid"])
        except (ValueError, KeyError, TypeError):
            raise GraphError(
                100, f"(#100) param {key} must be a JSON object with media_fbid"
            ) from None
        photo = self.state.get_media(NETWORK, fbid)
        if (
            photo is None
            or photo.account_id != page.id
            or photo.extra.get("published")
            or photo.extra.get("post_id")
        ):
            raise GraphError(
                100, f"(#100) param {key} has invalid media_fbid: {fbid}", subcode=2069019
            )
        return photo

    def _is_duplicate(self, page_id: str, message: str, link: str | None) -> bool:
        since = utcnow() - DUPLICATE_WINDOW
        return any(
            p.account_id == page_id
            and not p.deleted
            and not p.is_comment
            and p.text.strip() == message.strip()
            and p.link == link
            and p.created_at >= since
            for p in self.state.posts_of(NETWORK)
        )

    def _new_post(
        self,
        page: Account,
        message: str,
        *,
        link: str | None = None,
        media: list[Media] | None = None,
        published: bool = True,
    ) -> Post:
        local = self.state.number(16)
        post_id = f"{page.id}_{local}"
        self._objects[post_id] = "post"
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=post_id,
                account_id=page.id,
                text=message,
                url=f"{self.page_url(page)}/posts/{local}",
                media=list(media or []),
                link=link,
                published=published,
            )
        )

    def _list_posts(self, call: GraphCall) -> dict[str, Any]:
        """A page's posts, newest first, paged as Facebook pages them: ``next`` and
        ``previous`` links with ``until``/``since`` and a ``__paging_token`` (no cursors)."""
        token = call.params.get("__paging_token")
        # A paging link's own since/until only show where it stands; its token decides.
        position = self._paging_token(token) if token else dict(call.params.items(multi=False))
        since, until = position.get("since") or None, position.get("until") or None
        start = parse_graph_time(since, "since") if since else None
        end = parse_graph_time(until, "until") if until else None
        posts = sorted(
            (
                p
                for p in self.state.posts_of(NETWORK)
                if p.account_id == call.object_id
                and not p.is_comment
                and not p.deleted
                and (p.published or call.edge == "feed")
                and (start is None or p.created_at >= start)
                and (end is None or p.created_at <= end)
            ),
            key=lambda p: (p.created_at, p.id),
            reverse=True,
        )
        fields = call.fields(POST_DEFAULT_FIELDS)
        limit = call.limit(25)
        offset = int(position.get("offset", 0))
        if call.params.get("__previous"):
            offset = max(offset - limit, 0)
        page = posts[offset : offset + limit]
        body: dict[str, Any] = {"data": [self._post_json(p, fields, call) for p in page]}
        if not page:
            return body
        paging: dict[str, str] = {}
        kept = {"since": since or "", "until": until or ""}
        drop = ("since", "until", "__paging_token", "__previous", "after", "before")
        paging["previous"] = call.next_url(
            drop=drop,
            since=str(int(page[0].created_at.timestamp())),
            until="",
            __previous="1",
            __paging_token=self._paging_token_for({**kept, "offset": offset}),
        )
        if offset + len(page) < len(posts):
            paging["next"] = call.next_url(
                drop=drop,
                until=str(int(page[-1].created_at.timestamp())),
                since="",
                __paging_token=self._paging_token_for({**kept, "offset": offset + len(page)}),
            )
        body["paging"] = paging
        return body

    @staticmethod
    def _paging_token_for(position: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()

    @staticmethod
    def _paging_token(token: str) -> dict[str, Any]:
        try:
            position = json.loads(base64.urlsafe_b64decode(token.encode()))
        except ValueError:
            raise GraphError(100, "(#100) Invalid paging token") from None
        return dict(position)

    def _post(self, call: GraphCall) -> dict[str, Any]:
        return self._post_json(self.existing(call), call.fields(POST_DEFAULT_FIELDS), call)

    # -- photos -------------------------------------------------------------------------------

    def _upload_photo(self, call: GraphCall) -> dict[str, Any]:
        page = self.state.account(NETWORK, call.object_id)
        source = call.files.get("source")
        url = call.params.get("url")
        if source is None and not url:
            raise GraphError(324, "(#324) Requires upload file")
        data = source.read() if source is not None else None
        if data is not None and not data.startswith(IMAGE_MAGIC):
            raise GraphError(324, "(#324) Missing or invalid image file")
        caption = call.params.get("caption") or call.params.get("message") or ""
        published = call.flag("published", True)
        photo_id = self.state.number(16)
        photo = Media(
            network=NETWORK,
            id=photo_id,
            account_id=page.id,
            mime_type=(source.mimetype if source is not None else None) or "image/jpeg",
            kind="image",
            alt_text=call.params.get("alt_text_custom"),
            ready=True,
            source_url=url,
            extra={"published": published, "caption": caption},
        )
        if data is not None:
            photo.segments[0] = data
            photo.assemble()
        with self.state.lock:
            self.state.add_media(photo)
            self._objects[photo_id] = "photo"
            if not published:
                return {"id": photo_id}
            post = self._new_post(page, caption, media=[photo])
            photo.extra["post_id"] = post.id
        return {"id": photo_id, "post_id": post.id}

    def _photo(self, call: GraphCall) -> dict[str, Any]:
        photo = self.state.get_media(NETWORK, call.object_id)
        if photo is None:
            raise self.not_found(call)
        values = {
            "id": photo.id,
            "name": photo.extra.get("caption") or None,
            "alt_text_custom": photo.alt_text,
            "created_time": graph_time(photo.created_at),
            "page_story_id": photo.extra.get("post_id"),
            "updated_time": graph_time(photo.created_at),
            "link": f"{self.page_url(self.state.account(NETWORK, photo.account_id or ''))}"
            f"/photos/a.{photo.account_id}/{photo.id}/?type=3",
        }
        return pick(values, call.fields(PHOTO_DEFAULT_FIELDS))

    # -- videos -------------------------------------------------------------------------------

    @property
    def _uploads(self) -> dict[str, dict[str, Any]]:
        """Resumable upload sessions by id: page, video, size, bytes in, finished."""
        return self.state.bucket("facebook.video_uploads")

    def _upload_video(self, call: GraphCall) -> dict[str, Any]:
        phase = call.params.get("upload_phase")
        if phase == "start":
            return self._video_start(call)
        if phase in ("transfer", "finish"):
            with self.state.lock:
                upload = self._uploads.get(call.params.get("upload_session_id") or "")
            if upload is None or upload["page"] != call.object_id:
                raise GraphError(
                    100,
                    "(#100) Invalid upload_session_id",
                    subcode=1363019,
                    user_title="Upload session not found",
                )
            if phase == "transfer":
                return self._video_transfer(call, upload)
            return self._video_finish(call, upload)
        raise GraphError(
            100,
            "(#100) Uploading a video needs upload_phase (start, transfer, finish); hub's "
            "sandbox speaks only the resumable protocol",
        )

    def _video_start(self, call: GraphCall) -> dict[str, Any]:
        page = self.state.account(NETWORK, call.object_id)
        try:
            size = int(call.params.get("file_size") or 0)
        except ValueError:
            size = 0
        if size <= 0:
            raise GraphError(100, "(#100) The parameter file_size is required")
        with self.state.lock:
            video = Media(
                network=NETWORK,
                id=self.state.number(16),
                account_id=page.id,
                mime_type="video/mp4",
                kind="video",
                declared_size=size,
                extra={"received": 0},
            )
            self.state.add_media(video)
            self._objects[video.id] = "video"
            session = self.state.number(16)
            self._uploads[session] = {"page": page.id, "video": video.id, "size": size}
        return {
            "video_id": video.id,
            "start_offset": "0",
            "end_offset": str(min(size, VIDEO_CHUNK)),
            "upload_session_id": session,
        }

    def _video_transfer(self, call: GraphCall, upload: dict[str, Any]) -> dict[str, Any]:
        session = call.params["upload_session_id"]
        fault = self.state.take_fault(
            NETWORK, "TRANSFER", f"/{session}?start_offset={call.params.get('start_offset')}"
        )
        if fault is not None and fault.kind == FaultKind.status:
            raise self._fault_error(fault.status or 503)
        chunk = call.files.get("video_file_chunk")
        data = chunk.read() if chunk is not None else b""
        with self.state.lock:
            video = self.state.get_media(NETWORK, upload["video"])
            assert video is not None
            received = int(video.extra["received"])
            if upload.get("finished") or str(received) != call.params.get("start_offset"):
                raise GraphError(
                    6000,
                    "(#6000) There was a problem uploading your video file. Please try again.",
                    subcode=1363037,
                    user_title="Invalid start offset",
                    data={
                        "start_offset": str(received),
                        "end_offset": str(min(upload["size"], received + VIDEO_CHUNK)),
                    },
                )
            if not data or received + len(data) > upload["size"]:
                raise GraphError(
                    6000,
                    "(#6000) There was a problem uploading your video file. Please try again.",
                    subcode=1363030,
                    user_title="Invalid chunk",
                )
            video.segments[received] = data
            received += len(data)
            video.extra["received"] = received
        return {
            "start_offset": str(received),
            "end_offset": str(min(upload["size"], received + VIDEO_CHUNK)),
        }

    def _video_finish(self, call: GraphCall, upload: dict[str, Any]) -> dict[str, Any]:
        session = call.params["upload_session_id"]
        fault = self.state.take_fault(NETWORK, "FINISH", f"/{session}")
        if fault is not None and fault.kind == FaultKind.status and not fault.after:
            raise self._fault_error(fault.status or 503)
        with self.state.lock:
            video = self.state.get_media(NETWORK, upload["video"])
            assert video is not None
            if upload.get("finished"):
                return {"success": True}
            if int(video.extra["received"]) != upload["size"]:
                raise GraphError(
                    6000,
                    "(#6000) There was a problem uploading your video file. Please try again.",
                    subcode=1363021,
                    user_title="Upload not complete",
                )
            data = video.assemble()
            if data[4:8] != b"ftyp":
                raise GraphError(
                    352,
                    "(#352) Sorry, the video file you selected is in a format that we don't "
                    "support.",
                )
            page = self.state.account(NETWORK, upload["page"])
            description = call.params.get("description") or ""
            video.ready = True
            video.extra.update(
                title=call.params.get("title") or None,
                description=description,
                updated=utcnow(),
            )
            post = self._new_post(page, description, media=[video])
            video.extra["post_id"] = post.id
            upload["finished"] = True
        if fault is not None and fault.kind == FaultKind.status:
            raise self._fault_error(fault.status or 503)  # published; the answer is lost
        return {"success": True}

    @staticmethod
    def _fault_error(status: int) -> GraphError:
        code, subcode, message = STATUS_ERRORS.get(status, STATUS_ERRORS[500])
        return GraphError(
            code, message, status=status, subcode=subcode, transient=True if status >= 500 else None
        )

    def _video(self, call: GraphCall) -> dict[str, Any]:
        video = self.state.get_media(NETWORK, call.object_id)
        if video is None:
            raise self.not_found(call)
        page = self.state.account(NETWORK, video.account_id or "")
        post_id = video.extra.get("post_id")
        post = self.state.post(NETWORK, post_id) if post_id else None
        if post is not None and post.deleted:
            raise self.not_found(call)
        published = post is not None
        received = int(video.extra.get("received") or 0)
        values = {
            "id": video.id,
            "title": video.extra.get("title"),
            "description": video.extra.get("description"),
            "created_time": graph_time(video.created_at),
            "updated_time": graph_time(video.extra.get("updated") or video.created_at),
            # Graph gives a video's permalink relative to facebook.com.
            "permalink_url": f"/{self.page_url(page).rsplit('/', 1)[-1]}/videos/{video.id}/"
            if published
            else None,
            "post_id": post_id,
            "published": published,
            "from": {"name": page.name, "id": page.id},
            "status": {
                "video_status": "ready" if published else "upload_in_progress",
                "uploading_phase": {
                    "status": "complete" if received == video.declared_size else "in_progress",
                    "bytes_transferred": received,
                },
                "processing_phase": {"status": "complete" if published else "not_started"},
                "publishing_phase": {
                    "status": "complete" if published else "not_started",
                    **({"publish_status": "published"} if published else {}),
                },
            },
        }
        return pick(values, call.fields(VIDEO_DEFAULT_FIELDS))

    # -- comments ---------------------------------------------------------------------------
    #
    # ``GET /{post-id}/comments`` (``filter=toplevel|stream``, ``order=chronological|
    # reverse_chronological``, ``limit``, ``after``/``before`` cursors), ``GET /{comment-id}/
    # comments`` (its replies), ``POST /{post-or-comment-id}/comments`` (``message``: the page
    # answers), ``GET|POST|DELETE /{comment-id}`` (``is_hidden``, ``message``). As on Facebook,
    # threads are two levels deep: an answer to a reply joins the reply's top-level comment.
    # Cursors name the last comment seen, so new comments never shift a stored position.

    def _comment_routes(self) -> dict[tuple[str, str | None, str], Handler]:
        return {
            ("post", "comments", "GET"): self._list_comments,
            ("photo", "comments", "GET"): self._list_comments,
            ("comment", "comments", "GET"): self._list_comments,
            ("post", "comments", "POST"): self._create_comment,
            ("comment", "comments", "POST"): self._create_comment,
            ("comment", None, "GET"): self._comment,
            ("comment", None, "POST"): self._update_comment,
            ("comment", None, "DELETE"): self.delete,
        }

    @property
    def _threads(self) -> dict[str, list[str]]:
        """Comment ids per post, oldest first: a listing reads one post's, not every post."""
        return self.state.bucket("facebook.threads")

    def _under(self, post_id: str) -> list[Post]:
        with self.state.lock:
            ids = list(self._threads.get(post_id, ()))
        found = (self.state.post(NETWORK, i) for i in ids)
        return [p for p in found if p is not None]

    def _comment_json(self, comment: Post, fields: list[str]) -> dict[str, Any]:
        author = self.state.account(NETWORK, comment.account_id)
        root = self.state.post(NETWORK, comment.root_id or "")
        own = root is not None and author.id == root.account_id
        replies = (
            [p for p in self._under(comment.root_id or "") if p.parent_id == comment.id]
            if "comment_count" in fields
            else []
        )
        values = {
            "id": comment.id,
            "message": comment.text,
            "created_time": graph_time(comment.created_at),
            "from": {"name": author.name, "id": author.id},
            "parent": {"id": comment.parent_id}
            if comment.parent_id and comment.parent_id != comment.root_id
            else None,
            "is_hidden": comment.hidden,
            "permalink_url": comment.url,
            "can_hide": not own,
            "can_remove": True,
            "comment_count": len([p for p in replies if not p.deleted]),
            "like_count": comment.metrics.get("likes", 0),
        }
        return pick(values, fields)

    @staticmethod
    def _position(comment: Post) -> str:
        raw = f"{comment.created_at.isoformat()}|{comment.id}"
        return base64.urlsafe_b64encode(raw.encode()).decode()

    @staticmethod
    def _at(cursor: str) -> tuple[datetime, str]:
        try:
            raw = base64.urlsafe_b64decode(cursor.encode()).decode()
            moment, _sep, comment_id = raw.partition("|")
            return datetime.fromisoformat(moment), comment_id
        except ValueError:
            raise GraphError(100, "(#100) Invalid cursor") from None

    def _ordered(self, root_id: str) -> tuple[list[Post], list[tuple[datetime, str]]]:
        """A post's comments oldest first, and their sort keys: kept between pages (a network
        reads its index from the cursor on, not the whole thread per page) until the thread
        grows or its newest comment is backdated (bulk seeding)."""
        with self.state.lock:
            ids = self._threads.get(root_id, ())
            count, last = len(ids), ids[-1] if ids else ""
        newest = self.state.post(NETWORK, last)
        signature = (count, last, newest and newest.created_at)
        cache = self.state.bucket("facebook.ordered")
        known = cache.get(root_id)
        if known is None or known[0] != signature:
            ordered = sorted(self._under(root_id), key=lambda p: (p.created_at, p.id))
            known = cache[root_id] = (signature, ordered, [(p.created_at, p.id) for p in ordered])
        return known[1], known[2]

    def _list_comments(self, call: GraphCall) -> dict[str, Any]:
        parent = self.existing(call)
        stream = call.params.get("filter") == "stream" and not parent.is_comment
        newest_first = call.params.get("order") == "reverse_chronological"
        limit = call.limit(25)
        ordered, keys = self._ordered(parent.root_id or parent.id)

        def walk(start: int, step: int, count: int) -> list[Post]:
            found: list[Post] = []
            index = start
            while 0 <= index < len(ordered) and len(found) < count:
                item = ordered[index]
                if not item.deleted and (stream or item.parent_id == parent.id):
                    found.append(item)
                index += step
            return found

        # Positions by bisection on the cursor's (time, id); one more than a page tells
        # whether a next page exists.
        after, before = call.params.get("after"), call.params.get("before")
        if after and newest_first:  # older than the cursor, newest first
            comments = walk(bisect.bisect_left(keys, self._at(after)) - 1, -1, limit + 1)
        elif after:  # newer than the cursor
            comments = walk(bisect.bisect_right(keys, self._at(after)), 1, limit + 1)
        elif before and newest_first:  # the ``limit`` newer than the cursor, newest first
            comments = walk(bisect.bisect_right(keys, self._at(before)), 1, limit)[::-1]
        elif before:  # the ``limit`` older than the cursor
            comments = walk(bisect.bisect_left(keys, self._at(before)) - 1, -1, limit)[::-1]
        elif newest_first:
            comments = walk(len(ordered) - 1, -1, limit + 1)
        else:
            comments = walk(0, 1, limit + 1)
        page = comments[:limit]
        fields = call.fields(("created_time", "from", "message", "id"))
        body: dict[str, Any] = {"data": [self._comment_json(p, fields) for p in page]}
        if page:
            body["paging"] = {
                "cursors": {"before": self._position(page[0]), "after": self._position(page[-1])}
            }
            if len(comments) > len(page):
                body["paging"]["next"] = call.next_url(
                    drop=("before",), after=self._position(page[-1])
                )
            if after or before:
                body["paging"]["previous"] = call.next_url(
                    drop=("after",), before=self._position(page[0])
                )
        if call.params.get("summary") in ("1", "true"):
            body["summary"] = {
                "order": "reverse_chronological" if newest_first else "chronological",
                "total_count": sum(
                    1
                    for item in ordered
                    if not item.deleted and (stream or item.parent_id == parent.id)
                ),
                "can_comment": True,
            }
        return body

    def _create_comment(self, call: GraphCall) -> dict[str, Any]:
        target = self.existing(call)
        message = call.params.get("message", "")
        if not message.strip():
            raise GraphError(100, "(#100) Missing message or attachment")
        root = self.state.post(NETWORK, target.root_id or target.id) or target
        page = self.state.account(NETWORK, root.account_id)
        comment = self.add_comment(target, message, page)
        if call.params.get("fields"):  # read after write: the new comment's fields at once
            return self._comment_json(comment, call.fields(("id",)))
        return {"id": comment.id}

    def _comment(self, call: GraphCall) -> dict[str, Any]:
        fields = call.fields(("created_time", "from", "message", "id"))
        return self._comment_json(self.existing(call), fields)

    def _update_comment(self, call: GraphCall) -> dict[str, Any]:
        with self.state.lock:
            comment = self.existing(call)
            root = self.state.post(NETWORK, comment.root_id or "")
            if "is_hidden" in call.params:
                if root is not None and comment.account_id == root.account_id:
                    raise GraphError(100, "(#100) A page cannot hide its own comments")
                comment.hidden = call.flag("is_hidden", False)
            if "message" in call.params:
                if root is None or comment.account_id != root.account_id:
                    raise GraphError(200, "(#200) Only the author can edit a comment")
                comment.text = call.params["message"]
        return {"success": True}

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A comment on a post, or an answer in a comment's thread (two levels, as on
        Facebook: answering a reply answers its top-level comment)."""
        with self.state.lock:
            root_id = post.root_id or post.id
            parent = post
            if post.is_comment and post.parent_id and post.parent_id != root_id:
                parent = self.state.post(NETWORK, post.parent_id) or post
            root = self.state.post(NETWORK, root_id) or post
            local = root_id.split("_")[-1]
            comment_id = f"{local}_{self.state.number(15)}"
            self._objects[comment_id] = "comment"
            self._threads.setdefault(root_id, []).append(comment_id)
            return self.state.add_post(
                Post(
                    network=NETWORK,
                    id=comment_id,
                    account_id=author.id,
                    text=text,
                    url=f"{root.url}?comment_id={comment_id}",
                    parent_id=parent.id,
                    root_id=root_id,
                )
            )
