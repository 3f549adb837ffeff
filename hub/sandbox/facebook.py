"""Facebook Pages on the sandbox's Graph API: the page, its feed, photos and posts.

Endpoints (any ``vNN.N``): ``GET /{page-id}``, ``POST /{page-id}/feed`` (``message``, ``link``,
``attached_media[i]``, ``published``), ``POST /{page-id}/photos`` (``source`` upload or ``url``,
``caption``/``message``, ``alt_text_custom``, ``published``), ``GET /{page-id}/posts|feed|
published_posts`` (``since``, ``until``, ``limit``, ``after``, ``fields``), ``GET|DELETE
/{post-id}``, ``GET /{photo-id}``.

As on Facebook: post ids are ``{page-id}_{n}``, a published photo answers ``{"id", "post_id"}``,
an unpublished one only ``{"id"}`` and can be attached once to a feed post, and the same message
twice in a row is refused with code 506 ("Duplicate status message"). A page id seen for the
first time is a new page.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

from hub.sandbox.core import Account, Media, Post, utcnow
from hub.sandbox.graph import GraphCall, GraphError, GraphProduct, graph_time, parse_graph_time

NETWORK = "facebook"
POST_DEFAULT_FIELDS = ("created_time", "message", "id")
PAGE_DEFAULT_FIELDS = ("name", "id")
PHOTO_DEFAULT_FIELDS = ("created_time", "id")
DUPLICATE_WINDOW = timedelta(hours=24)
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"RIFF")


def pick(values: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The fields asked for that have a value; Graph always includes the id."""
    return {f: values[f] for f in ["id", *fields] if values.get(f) is not None}


def unsupported(object_id: str, method: str) -> GraphError:
    return GraphError(
        100,
        f"Unsupported {method.lower()} request. Object with ID '{object_id}' does not exist, "
        "cannot be loaded due to missing permissions, or does not support this operation. "
        "Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api",
        subcode=33,
    )


class FacebookPages(GraphProduct):
    network = NETWORK
    edges = frozenset({"feed", "posts", "published_posts", "photos"})

    @property
    def _objects(self) -> dict[str, str]:
        return self.state.bucket("facebook.objects")

    def owns(self, object_id: str) -> bool:
        return object_id in self._objects

    def usage_owner(self, call: GraphCall) -> str | None:
        return call.object_id.split("_")[0] or None

    def _kind(self, object_id: str) -> str | None:
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

    def handle(self, call: GraphCall) -> dict[str, Any]:
        kind = self._kind(call.object_id)
        routes = {
            ("page", None, "GET"): self._page,
            ("page", "feed", "POST"): self._create_post,
            ("page", "feed", "GET"): self._list_posts,
            ("page", "posts", "GET"): self._list_posts,
            ("page", "published_posts", "GET"): self._list_posts,
            ("page", "photos", "POST"): self._upload_photo,
            ("post", None, "GET"): self._post,
            ("post", None, "DELETE"): self._delete_post,
            ("photo", None, "GET"): self._photo,
        }
        handler = routes.get((kind or "", call.edge, call.method))
        if handler is None:
            raise unsupported(call.object_id, call.method)
        return handler(call)

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

    def _post_json(self, post: Post, fields: list[str]) -> dict[str, Any]:
        page = self.state.account(NETWORK, post.account_id)
        values: dict[str, Any] = {
            "id": post.id,
            "message": post.text or None,
            "created_time": graph_time(post.created_at),
            "permalink_url": post.url,
            "is_published": post.published,
            "is_hidden": post.hidden,
            "from": {"name": page.name, "id": page.id},
            "status_type": "added_photos"
            if post.media
            else ("shared_story" if post.link else "mobile_status_update"),
            "full_picture": f"https://scontent.sandbox.invalid/{post.media[0].id}.jpg"
            if post.media
            else None,
            "attachments": {
                "data": [
                    {"type": "photo", "target": {"id": m.id}, "description": m.alt_text}
                    for m in post.media
                ]
            }
            if post.media
            else None,
        }
        return pick(values, fields)

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
        since = call.params.get("since")
        until = call.params.get("until")
        start = parse_graph_time(since, "since") if since else None
        end = parse_graph_time(until, "until") if until else None
        try:
            limit = min(max(int(call.params.get("limit", 25)), 1), 100)
        except ValueError:
            raise GraphError(100, "(#100) The parameter limit must be a number") from None
        after = call.params.get("after")
        offset = int(base64.b64decode(after).decode()) if after else 0
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
        page = posts[offset : offset + limit]
        fields = call.fields(POST_DEFAULT_FIELDS)
        body: dict[str, Any] = {"data": [self._post_json(p, fields) for p in page]}
        if page:
            cursor = base64.b64encode(str(offset + len(page)).encode()).decode()
            body["paging"] = {
                "cursors": {
                    "before": base64.b64encode(str(offset).encode()).decode(),
                    "after": cursor,
                }
            }
            if offset + len(page) < len(posts):
                body["paging"]["next"] = call.next_url(after=cursor)
        return body

    def _post(self, call: GraphCall) -> dict[str, Any]:
        post = self.state.post(NETWORK, call.object_id)
        if post is None or post.deleted:
            raise unsupported(call.object_id, call.method)
        return self._post_json(post, call.fields(POST_DEFAULT_FIELDS))

    def _delete_post(self, call: GraphCall) -> dict[str, Any]:
        with self.state.lock:
            post = self.state.post(NETWORK, call.object_id)
            if post is None or post.deleted:
                raise unsupported(call.object_id, call.method)
            post.deleted = True
        return {"success": True}

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
            raise unsupported(call.object_id, call.method)
        values = {
            "id": photo.id,
            "name": photo.extra.get("caption") or None,
            "alt_text_custom": photo.alt_text,
            "created_time": graph_time(photo.created_at),
            "page_story_id": photo.extra.get("post_id"),
        }
        return pick(values, call.fields(PHOTO_DEFAULT_FIELDS))

    # -- comments (simulated citizens) --------------------------------------------------------

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        local = post.id.split("_")[-1]
        comment_id = f"{local}_{self.state.number(15)}"
        self._objects[comment_id] = "comment"
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=comment_id,
                account_id=author.id,
                text=text,
                url=f"{post.url}?comment_id={comment_id}",
                parent_id=post.id,
                root_id=post.id,
            )
        )
