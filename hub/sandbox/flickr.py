"""Flickr on the sandbox: the REST API (JSON) and the upload endpoint (XML), OAuth 1.0a.

- ``POST /services/upload/`` (multipart: ``photo``, ``title``, ``description``, ``tags``,
  ``is_public``, ``is_friend``, ``is_family``, ``safety_level``, ``content_type``, ``hidden``,
  ``async``): answers ``<rsp stat="ok"><photoid>..</photoid></rsp>``, or with ``async=1``
  ``<rsp stat="ok"><ticketid>..</ticketid></rsp>``; errors ``<rsp stat="fail"><err code msg/>``
  (code 5: not a photo or video Flickr reads). Size and sha256 of what arrived show in
  ``/_sandbox/posts``.
- ``/services/rest/?method=...&format=json&nojsoncallback=1``: ``flickr.test.login``,
  ``flickr.photos.upload.checkTickets`` (``complete`` 0 pending, 1 done, 2 failed),
  ``flickr.photos.licenses.getInfo``, ``flickr.photos.licenses.setLicense``,
  ``flickr.people.getPhotos`` (``user_id=me``, ``min_upload_date``, ``extras``),
  ``flickr.photos.getInfo`` (``views``, the element structure of a real answer),
  ``flickr.people.getInfo``, ``flickr.photos.comments.getList`` (``min_comment_date``),
  ``addComment``, ``deleteComment``. Errors are ``{"stat": "fail", "code", "message"}`` with
  HTTP 200, as Flickr sends them (98: invalid auth token). Without ``format`` (or with
  ``format=rest``) the same answers come as Flickr's XML (``<rsp stat="ok">...``, errors
  ``<rsp stat="fail"><err code msg/></rsp>``): attributes for plain values, child elements for
  objects, repeated elements for lists, ``_content`` as the text.

Licences as Flickr has them: ids 0-10 exist (``licenses.getInfo``), but ``setLicense`` takes
only those available to the account: 7 ("No known copyright restrictions", The Commons only)
and 8 ("United States Government Work") are refused with code 4 "License not available", an
unknown id with code 2 "License not found". ``/_sandbox/settings/flickr``
``{"available_licenses": ["0", "4"]}`` narrows what the account may set.

Processing of an async upload is no HTTP request: a fault on network ``flickr`` with method
``PROCESS`` is taken when a ticket is made; ``kind=status`` makes the ticket fail,
``kind=timeout`` keeps it pending.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from werkzeug.wrappers import Request, Response

from hub.sandbox.core import Account, FaultKind, Media, NetworkApi, Post, json_response

NETWORK = "flickr"
REST = "/services/rest"
UPLOAD = "/services/upload"
MAGIC = {
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
LICENSES = {
    "0": ("All Rights Reserved", ""),
    "1": (
        "Attribution-NonCommercial-ShareAlike License",
        "https://creativecommons.org/licenses/by-nc-sa/2.0/",
    ),
    "2": ("Attribution-NonCommercial License", "https://creativecommons.org/licenses/by-nc/2.0/"),
    "3": (
        "Attribution-NonCommercial-NoDerivs License",
        "https://creativecommons.org/licenses/by-nc-nd/2.0/",
    ),
    "4": ("Attribution License", "https://creativecommons.org/licenses/by/2.0/"),
    "5": ("Attribution-ShareAlike License", "https://creativecommons.org/licenses/by-sa/2.0/"),
    "6": ("Attribution-NoDerivs License", "https://creativecommons.org/licenses/by-nd/2.0/"),
    "7": ("No known copyright restrictions", "https://www.flickr.com/commons/usage/"),
    "8": ("United States Government Work", "http://www.usa.gov/copyright.shtml"),
    "9": ("Public Domain Dedication (CC0)", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "10": ("Public Domain Mark", "https://creativecommons.org/publicdomain/mark/1.0/"),
}
# What setLicense takes from an ordinary account (7: The Commons only; 8: US government).
AVAILABLE_LICENSES = ("0", "1", "2", "3", "4", "5", "6", "9", "10")
SETTINGS_BUCKET = "flickr.settings"
ERRORS = {
    1: "Photo not found",
    2: "Permission denied",
    3: "Required arguments missing",
    5: "Filetype was not recognised",
    98: "Invalid auth token",
    99: "Insufficient permissions. Method requires write privileges; none granted.",
    105: "Service currently unavailable",
    112: "Method not found",
}
SET_LICENSE_ERRORS = {2: "License not found", 4: "License not available"}


class FlickrError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(message or ERRORS.get(code, "Error"))
        self.code = code
        self.message = message or ERRORS.get(code, "Error")


def xml_response(body: str, status: int = 200) -> Response:
    return Response(
        f'<?xml version="1.0" encoding="utf-8" ?>\n{body}\n',
        status=status,
        content_type="text/xml; charset=utf-8",
    )


def xml_error(code: int, message: str | None = None, status: int = 200) -> Response:
    msg = quoteattr(message or ERRORS.get(code, "Error"))
    return xml_response(f'<rsp stat="fail">\n\t<err code="{code}" msg={msg} />\n</rsp>', status)


def to_xml(name: str, value: Any) -> str:
    """Flickr's JSON as the XML it mirrors: plain values are attributes, objects are child
    elements, lists are repeated elements, ``_content`` is the element's text."""
    if isinstance(value, list):
        return "".join(to_xml(name, item) for item in value)
    if not isinstance(value, Mapping):
        return f"<{name}>{escape(str(value))}</{name}>"
    attributes, children, text = [], [], ""
    for key, item in value.items():
        if key == "_content":
            text = escape(str(item))
        elif isinstance(item, Mapping | list):
            children.append(to_xml(key, item))
        else:
            attributes.append(f" {key}={quoteattr(str(item))}")
    inner = text + "".join(children)
    opened = f"<{name}{''.join(attributes)}"
    return f"{opened}>{inner}</{name}>" if inner else f"{opened} />"


def _raw_tags(text: str) -> list[str]:
    """Tags as the upload sent them: words, or "quoted phrases"."""
    return [a or b for a, b in re.findall(r'"([^"]+)"|(\S+)', text)]


def _ts(moment: datetime) -> str:
    return str(int(moment.timestamp()))


class FlickrApi(NetworkApi):
    networks = (NETWORK,)

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return path.rstrip("/") in (REST, UPLOAD)

    def network_of(self, request: Request) -> str:
        return NETWORK

    def token_of(self, request: Request) -> str | None:
        auth = request.headers.get("Authorization", "")
        match = re.search(r'oauth_token="([^"]*)"', auth)
        if match and match.group(1):
            return match.group(1)
        return request.values.get("oauth_token") or None

    def handle(self, request: Request, network: str, token: str) -> Response:
        account = self.state.account_for_token(NETWORK, token, account_id=self._nsid())
        if request.path.rstrip("/") == UPLOAD:
            try:
                return self._upload(request, account)
            except FlickrError as error:
                return xml_error(error.code, error.message)
        answer_format = request.values.get("format") or "rest"
        if answer_format not in ("json", "rest"):
            return json_response(
                {"stat": "fail", "code": 111, "message": f'Format "{answer_format}" not found'}
            )
        try:
            body = self._rest(request, account)
        except FlickrError as error:
            if answer_format == "rest":
                return xml_error(error.code, error.message)
            body = {"stat": "fail", "code": error.code, "message": error.message}
        if answer_format == "rest":
            return xml_response(to_xml("rsp", {"stat": body.pop("stat"), **body}))
        return json_response(body)

    def settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """``available_licenses``: the licence ids setLicense takes from this account."""
        unknown = set(values) - {"available_licenses"}
        if unknown:
            raise ValueError(f"unknown Flickr settings: {sorted(unknown)}")
        with self.state.lock:
            current = self.state.bucket(SETTINGS_BUCKET)
            if "available_licenses" in values:
                ids = [str(i) for i in values["available_licenses"] or []]
                if not set(ids) <= set(LICENSES):
                    raise ValueError(f"licence ids are {sorted(LICENSES, key=int)}")
                current["available_licenses"] = ids
            return {
                "available_licenses": list(current.get("available_licenses", AVAILABLE_LICENSES))
            }

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        code = 105 if status >= 500 else 2
        if request is not None and request.path.rstrip("/") == UPLOAD:
            response = xml_error(code, status=status)
        else:
            body = {"stat": "fail", "code": code, "message": ERRORS[code], **(overrides or {})}
            response = json_response(body, status)
        if retry_after is not None:
            response.headers["Retry-After"] = str(int(retry_after))
        return response

    def expired_response(self, network: str) -> Response:
        return json_response({"stat": "fail", "code": 98, "message": ERRORS[98]})

    def missing_token_response(self, network: str) -> Response:
        return json_response({"stat": "fail", "code": 99, "message": ERRORS[99]})

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        photo = self.state.post(NETWORK, post.root_id or post.id) or post
        comment_id = f"{photo.account_id.split('@')[0]}-{photo.id}-{self.state.number(17)}"
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=comment_id,
                account_id=author.id,
                text=text,
                url=f"{photo.url}#comment{comment_id}",
                parent_id=photo.id,
                root_id=photo.id,
            )
        )

    # -- plumbing -----------------------------------------------------------------------------

    def _nsid(self) -> str:
        return f"{secrets.randbelow(10**9)}@N0{secrets.randbelow(9) + 1}"

    @property
    def _tickets(self) -> dict[str, dict[str, Any]]:
        return self.state.bucket("flickr.tickets")

    def _photo(self, photo_id: str, account: Account | None = None) -> Post:
        photo = self.state.post(NETWORK, photo_id)
        if photo is None or photo.deleted or photo.is_comment:
            raise FlickrError(1)
        if account is not None and photo.account_id != account.id:
            raise FlickrError(2)
        return photo

    # -- upload -------------------------------------------------------------------------------

    def _upload(self, request: Request, account: Account) -> Response:
        if request.method != "POST":
            raise FlickrError(3, "Use POST to upload.")
        file = request.files.get("photo")
        if file is None:
            raise FlickrError(3, "No photo specified")
        digest = hashlib.sha256()
        size = 0
        head = b""
        while block := file.stream.read(1024 * 1024):
            digest.update(block)
            size += len(block)
            if len(head) < 16:
                head = (head + block)[:16]
        mime = next((m for magic, m in MAGIC.items() if head.startswith(magic)), None)
        if mime is None and head[4:8] == b"ftyp":
            mime = "video/mp4"
        if mime is None or size == 0:
            raise FlickrError(5)
        form = request.form
        photo_id = self.state.number(11)
        visibility = "public" if form.get("is_public", "1") == "1" else "private"
        media = Media(
            network=NETWORK,
            id="m" + photo_id,
            account_id=account.id,
            mime_type=mime,
            kind="video" if mime.startswith("video") else "image",
            size=size,
            sha256=digest.hexdigest(),
            ready=True,
        )
        post = Post(
            network=NETWORK,
            id=photo_id,
            account_id=account.id,
            text=form.get("description", ""),
            url=f"https://www.flickr.com/photos/{account.id}/{photo_id}/",
            media=[media],
            options={
                "title": form.get("title", ""),
                "tags": form.get("tags", ""),
                "visibility": visibility,
                "is_friend": form.get("is_friend", "0"),
                "is_family": form.get("is_family", "0"),
                "license": "0",
            },
        )
        if form.get("async") != "1":
            self.state.add_media(media)
            self.state.add_post(post)
            return xml_response(f'<rsp stat="ok">\n<photoid>{escape(photo_id)}</photoid>\n</rsp>')
        ticket_id = self.state.number(9)
        fault = self.state.take_fault(NETWORK, "PROCESS", f"/{ticket_id}")
        complete = 1
        if fault is not None:
            complete = 2 if fault.kind == FaultKind.status else 0
        with self.state.lock:
            self._tickets[ticket_id] = {
                "account": account.id,
                "complete": complete,
                "photo": photo_id if complete == 1 else None,
            }
            if complete == 1:
                self.state.add_media(media)
                self.state.add_post(post)
        return xml_response(f'<rsp stat="ok">\n<ticketid>{ticket_id}</ticketid>\n</rsp>')

    # -- REST ---------------------------------------------------------------------------------

    def _rest(self, request: Request, account: Account) -> dict[str, Any]:
        params = request.values
        method = params.get("method", "")
        handler = {
            "flickr.test.login": self._login,
            "flickr.photos.upload.checkTickets": self._check_tickets,
            "flickr.photos.licenses.getInfo": self._licenses,
            "flickr.photos.licenses.setLicense": self._set_license,
            "flickr.people.getPhotos": self._get_photos,
            "flickr.photos.getInfo": self._get_info,
            "flickr.people.getInfo": self._people_info,
            "flickr.photos.comments.getList": self._comments,
            "flickr.photos.comments.addComment": self._add_comment,
            "flickr.photos.comments.deleteComment": self._delete_comment,
            "flickr.photos.delete": self._delete_photo,
        }.get(method)
        if handler is None:
            raise FlickrError(112, f'Method "{method}" not found')
        return {**handler(params, account), "stat": "ok"}

    def _login(self, params: Any, account: Account) -> dict[str, Any]:
        return {"user": {"id": account.id, "username": {"_content": account.username}}}

    def _check_tickets(self, params: Any, account: Account) -> dict[str, Any]:
        tickets = []
        for ticket_id in [t for t in params.get("tickets", "").split(",") if t]:
            ticket = self._tickets.get(ticket_id)
            if ticket is None or ticket["account"] != account.id:
                tickets.append({"id": ticket_id, "invalid": 1})
                continue
            item: dict[str, Any] = {"id": ticket_id, "complete": ticket["complete"]}
            if ticket["photo"]:
                item["photoid"] = ticket["photo"]
            tickets.append(item)
        return {"uploader": {"ticket": tickets}}

    def _set_license(self, params: Any, account: Account) -> dict[str, Any]:
        photo = self._photo(params.get("photo_id", ""), account)
        license_id = params.get("license_id", "")
        if license_id not in LICENSES:
            raise FlickrError(2, SET_LICENSE_ERRORS[2])
        with self.state.lock:
            available = self.state.bucket(SETTINGS_BUCKET).get(
                "available_licenses", AVAILABLE_LICENSES
            )
        if license_id not in available:
            raise FlickrError(4, SET_LICENSE_ERRORS[4])
        with self.state.lock:
            photo.options["license"] = license_id
        return {}

    def _licenses(self, params: Any, account: Account) -> dict[str, Any]:
        return {
            "licenses": {
                "license": [
                    {"id": int(key), "name": name, "url": url}
                    for key, (name, url) in LICENSES.items()
                ]
            }
        }

    def _photo_json(self, photo: Post, extras: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": photo.id,
            "owner": photo.account_id,
            "secret": "sandbox",
            "server": "65535",
            "farm": 66,
            "title": photo.options.get("title", ""),
            "ispublic": int(photo.options.get("visibility") == "public"),
            "isfriend": int(photo.options.get("is_friend") == "1"),
            "isfamily": int(photo.options.get("is_family") == "1"),
        }
        if "description" in extras:
            item["description"] = {"_content": photo.text}
        if "date_upload" in extras:
            item["dateupload"] = _ts(photo.created_at)
        if "views" in extras:
            item["views"] = str(photo.metrics.get("views", 0))
        if "license" in extras:
            item["license"] = photo.options.get("license", "0")
        return item

    def _get_photos(self, params: Any, account: Account) -> dict[str, Any]:
        user = params.get("user_id", "me")
        owner = account.id if user == "me" else user
        since = params.get("min_upload_date")
        photos = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.account_id == owner
            and not p.is_comment
            and not p.deleted
            and (not since or p.created_at >= datetime.fromtimestamp(int(since), UTC))
        ]
        photos.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        per_page = min(max(int(params.get("per_page", 100)), 1), 500)
        page = max(int(params.get("page", 1)), 1)
        extras = set(params.get("extras", "").split(","))
        chunk = photos[(page - 1) * per_page : page * per_page]
        return {
            "photos": {
                "page": page,
                "pages": max(1, -(-len(photos) // per_page)),
                "perpage": per_page,
                "total": len(photos),
                "photo": [self._photo_json(p, extras) for p in chunk],
            }
        }

    def _get_info(self, params: Any, account: Account) -> dict[str, Any]:
        """``flickr.photos.getInfo`` with the elements and attributes of a real answer (see
        tests/fixtures/flickr/photos_getInfo.xml); no ``location``/``geoperms``: hub's photos
        carry no place."""
        photo = self._photo(params.get("photo_id", ""))
        owner = self.state.account(NETWORK, photo.account_id)
        comments = [
            c for c in self.state.posts_of(NETWORK) if c.root_id == photo.id and not c.deleted
        ]
        uploaded = _ts(photo.created_at)
        is_owner = photo.account_id == account.id
        tags = []
        for n, raw in enumerate(_raw_tags(str(photo.options.get("tags") or "")), start=1):
            tags.append(
                {
                    "id": f"{owner.id.split('@')[0]}-{photo.id}-{n}",
                    "author": owner.id,
                    "authorname": owner.username,
                    "raw": raw,
                    "_content": re.sub(r"[^\w]", "", raw.lower()),
                    "machine_tag": 0,
                }
            )
        return {
            "photo": {
                "id": photo.id,
                "secret": "sandbox",
                "server": "65535",
                "farm": 66,
                "dateuploaded": uploaded,
                "isfavorite": 0,
                "license": photo.options.get("license", "0"),
                "safety_level": "0",
                "rotation": 0,
                "originalsecret": "sandboxorig",
                "originalformat": "jpg"
                if "jpeg" in (photo.media[0].mime_type if photo.media else "")
                else "png",
                "views": str(photo.metrics.get("views", 0)),
                "media": "video" if photo.media and photo.media[0].kind == "video" else "photo",
                "owner": {
                    "nsid": owner.id,
                    "username": owner.username,
                    "realname": owner.name,
                    "location": "",
                    "iconserver": "0",
                    "iconfarm": 0,
                    "path_alias": owner.username,
                },
                "title": {"_content": photo.options.get("title", "")},
                "description": {"_content": photo.text},
                "visibility": {
                    "ispublic": int(photo.options.get("visibility") == "public"),
                    "isfriend": int(photo.options.get("is_friend") == "1"),
                    "isfamily": int(photo.options.get("is_family") == "1"),
                },
                "dates": {
                    "posted": uploaded,
                    "taken": photo.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    "takengranularity": 0,
                    "takenunknown": 1,
                    "lastupdate": uploaded,
                },
                "editability": {"cancomment": int(is_owner), "canaddmeta": int(is_owner)},
                "publiceditability": {"cancomment": 1, "canaddmeta": 0},
                "usage": {"candownload": 1, "canblog": 0, "canprint": 0, "canshare": 1},
                "comments": {"_content": str(len(comments))},
                "notes": {"note": []},
                "people": {"haspeople": 0},
                "tags": {"tag": tags},
                "urls": {"url": [{"type": "photopage", "_content": photo.url}]},
            }
        }

    def _people_info(self, params: Any, account: Account) -> dict[str, Any]:
        owner = self.state.account(NETWORK, params.get("user_id") or account.id)
        photos = [
            p for p in self.state.posts_of(NETWORK) if p.account_id == owner.id and not p.is_comment
        ]
        return {
            "person": {
                "id": owner.id,
                "nsid": owner.id,
                "username": {"_content": owner.username},
                "realname": {"_content": owner.name},
                "photos": {
                    "count": {"_content": len(photos)},
                    "views": {"_content": sum(p.metrics.get("views", 0) for p in photos)},
                },
            }
        }

    def _comments(self, params: Any, account: Account) -> dict[str, Any]:
        photo = self._photo(params.get("photo_id", ""))
        since = params.get("min_comment_date")
        found = sorted(
            (
                c
                for c in self.state.posts_of(NETWORK)
                if c.root_id == photo.id
                and not c.deleted
                and (not since or c.created_at >= datetime.fromtimestamp(int(since), UTC))
            ),
            key=lambda c: (c.created_at, c.id),
        )
        comments = []
        for c in found:
            author = self.state.account(NETWORK, c.account_id)
            comments.append(
                {
                    "id": c.id,
                    "author": author.id,
                    "author_is_deleted": 0,
                    "authorname": author.username,
                    "realname": author.name,
                    "datecreate": _ts(c.created_at),
                    "permalink": c.url,
                    "_content": c.text,
                }
            )
        return {"comments": {"photo_id": photo.id, "comment": comments}}

    def _add_comment(self, params: Any, account: Account) -> dict[str, Any]:
        photo = self._photo(params.get("photo_id", ""))
        text = params.get("comment_text", "").strip()
        if not text:
            raise FlickrError(3, "Comment text is blank")
        comment = self.add_comment(photo, text, account)
        return {"comment": {"id": comment.id, "permalink": comment.url}}

    def _delete_comment(self, params: Any, account: Account) -> dict[str, Any]:
        comment = self.state.post(NETWORK, params.get("comment_id", ""))
        if comment is None or comment.deleted or not comment.is_comment:
            raise FlickrError(2, "Comment not found")
        photo = self.state.post(NETWORK, comment.root_id or "")
        if comment.account_id != account.id and (photo is None or photo.account_id != account.id):
            raise FlickrError(2)
        with self.state.lock:
            comment.deleted = True
        return {}

    def _delete_photo(self, params: Any, account: Account) -> dict[str, Any]:
        photo = self._photo(params.get("photo_id", ""), account)
        with self.state.lock:
            photo.deleted = True
        return {}
