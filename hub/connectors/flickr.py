"""Flickr: photo uploads with title, description, tags, licence and visibility; comments; views.

Client: a thin one on requests-oauthlib, not flickrapi. flickrapi has had no release since 2018,
keeps its OAuth token in a per-user on-disk cache (``~/.flickr``) and one shared session per
``FlickrAPI`` object, which fits a worker that acts for several accounts poorly. What hub needs
is small: OAuth 1.0a signing, ``POST /services/upload/`` and a handful of REST methods. The
REST API answers JSON (``format=json&nojsoncallback=1``); the upload endpoint answers XML only,
which is parsed with defusedxml (no entity expansion, no external entities).

Uploads are asynchronous (``async=1``): Flickr answers a ticket at once and processes the photo
afterwards; ``flickr.photos.upload.checkTickets`` says when it is done (``complete=1``, with
the photo id) or failed (``complete=2``). The ticket is stored per delivery
(:mod:`hub.publishing.network_state`), so an attempt after a crash or timeout asks the ticket
instead of uploading again. Flickr signs only form fields, never the file: the fields are signed
as a form and sent in the multipart body, as Flickr's upload API requires.

The licence is set after the upload (``flickr.photos.licenses.setLicense``), only with the ids
Flickr takes from an ordinary account (:data:`LICENCES`). The upload is the publication: a
licence Flickr still refuses becomes a note on the published photo, never a failed delivery
(a retry would only repeat the refused call).

Flickr has no alt-text field: hub appends the alt text to the description, so screen-reader
users get it. It has no hiding of comments either (:class:`~hub.connectors.base.Unsupported`).

Credentials: ``api_key``, ``api_secret`` (the app), ``oauth_token``, ``oauth_token_secret``
(the account; they do not expire). ``external_id`` is the account's NSID (``12345678@N02``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlencode

import defusedxml.ElementTree as SafeXML
import requests
from flask_babel import gettext as _
from oauthlib.oauth1 import Client as OAuth1Client
from requests_oauthlib import OAuth1

from hub.connectors.base import (
    AccountMetrics,
    AuthExpired,
    Capability,
    CommentPage,
    ConnectorError,
    OutgoingPost,
    PostMetrics,
    Published,
    RateLimited,
    Rejected,
    RemoteComment,
    ResumesUploads,
    Transient,
    Unsupported,
    comparable,
    missing_file,
    round_done,
    round_left,
)
from hub.connectors.http import retry_after_seconds, transport_error
from hub.models import Network
from hub.publishing.network_state import StoredUpload
from hub.publishing.rules import RULES

REST_URL = "https://api.flickr.com/services/rest/"
UPLOAD_URL = "https://up.flickr.com/services/upload/"
AUTH_CODES = frozenset({96, 97, 98, 99, 100})
TRANSIENT_CODES = frozenset({0, 105, 106})
# Flickr's licence ids (flickr.photos.licenses.getInfo) that setLicense takes from an ordinary
# account. Not here: 7 "No known copyright restrictions" (institutions in The Commons only) and
# 8 "United States Government Work" (US government accounts): setLicense refuses both.
LICENCES = {
    "all-rights-reserved": 0,
    "cc-by-nc-sa": 1,
    "cc-by-nc": 2,
    "cc-by-nc-nd": 3,
    "cc-by": 4,
    "cc-by-sa": 5,
    "cc-by-nd": 6,
    "cc0": 9,
    "public-domain": 10,
}
SETTABLE = frozenset(LICENCES.values())
VISIBILITY = {
    "public": {"is_public": "1", "is_friend": "0", "is_family": "0"},
    "friends": {"is_public": "0", "is_friend": "1", "is_family": "0"},
    "family": {"is_public": "0", "is_friend": "0", "is_family": "1"},
    "private": {"is_public": "0", "is_friend": "0", "is_family": "0"},
}


class FlickrConnector(ResumesUploads):
    network = Network.flickr.value
    api = "flickr"
    rules = RULES[Network.flickr]
    capabilities = frozenset(
        {
            Capability.publish_image,
            Capability.find_published,
            Capability.fetch_comments,
            Capability.reply,
            Capability.delete_comment,
            Capability.post_metrics,
        }
    )
    lease_seconds: ClassVar[int] = 900
    # How long to wait for Flickr to process an async upload.
    processing_seconds: ClassVar[float] = 300.0
    poll_first: ClassVar[float] = 0.3
    lookup_photos: ClassVar[int] = 100

    # -- plumbing -----------------------------------------------------------------------------

    @property
    def nsid(self) -> str:
        return self.access.external_id

    def _service_url(self, service: str, real: str) -> str:
        """``real``, or the same service below the channel's own base URL (sandbox, proxy)."""
        base = (self.access.base_url or "").rstrip("/")
        return f"{base}/services/{service}/" if base else real

    @property
    def rest_url(self) -> str:
        return self._service_url("rest", REST_URL)

    @property
    def upload_url(self) -> str:
        return self._service_url("upload", UPLOAD_URL)

    @cached_property
    def http(self) -> requests.Session:
        return requests.Session()

    def _keys(self) -> dict[str, str]:
        creds = self.access.credentials
        needed = ("api_key", "api_secret", "oauth_token", "oauth_token_secret")
        if not all(creds.get(k) for k in needed):
            raise AuthExpired(
                _(
                    "This Flickr account has no complete login yet (app key and secret, token "
                    "and token secret); connect it first."
                )
            )
        return {k: str(creds[k]) for k in needed}

    @contextmanager
    def errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except requests.RequestException as exc:
            raise transport_error(exc, "Flickr", self.timeout) from exc

    def _fail(self, code: int, message: str, what: str, detail: str) -> ConnectorError:
        if code in AUTH_CODES:
            return AuthExpired(
                _(
                    "The Flickr login of this account is invalid or lacks write permission; "
                    "connect it again."
                ),
                detail=detail,
            )
        if code in TRANSIENT_CODES:
            return Transient(
                _("Flickr is not available right now (%(reason)s).", reason=message),
                detail=detail,
            )
        return Rejected(
            _(
                "%(network)s refused %(what)s: %(reason)s",
                network="Flickr",
                what=what,
                reason=message,
            ),
            detail=detail,
        )

    def _http_error(self, response: requests.Response, what: str) -> ConnectorError | None:
        detail = f"HTTP {response.status_code} {response.url.split('?')[0]}: {response.text[:2000]}"
        if response.status_code == 429:
            return RateLimited(
                _(
                    "%(network)s limits how often hub may do this right now; hub tries again "
                    "later.",
                    network="Flickr",
                ),
                detail=detail,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        if response.status_code >= 500:
            return Transient(
                _(
                    "%(network)s had a temporary problem (HTTP %(status)s); hub tries again.",
                    network="Flickr",
                    status=response.status_code,
                ),
                detail=detail,
            )
        if response.status_code == 401:
            return AuthExpired(_("The Flickr login of this account is invalid."), detail=detail)
        return None

    def call(self, method: str, what: str, *, post: bool = False, **params: Any) -> dict[str, Any]:
        """One REST method, signed; returns the JSON body or raises a typed error."""
        keys = self._keys()
        auth = OAuth1(
            keys["api_key"],
            keys["api_secret"],
            keys["oauth_token"],
            keys["oauth_token_secret"],
        )
        query = {
            "method": method,
            "format": "json",
            "nojsoncallback": "1",
            **{k: str(v) for k, v in params.items() if v is not None},
        }
        with self.errors(what):
            if post:
                response = self.http.post(
                    self.rest_url, data=query, auth=auth, timeout=self.http_timeout
                )
            else:
                response = self.http.get(
                    self.rest_url, params=query, auth=auth, timeout=self.http_timeout
                )
        error = self._http_error(response, what)
        if error is not None:
            raise error
        detail = f"{method}: {response.text[:2000]}"
        try:
            body = response.json()
        except ValueError:
            raise Transient(
                _(
                    "%(network)s sent an answer hub could not read; hub tries again.",
                    network="Flickr",
                ),
                detail=detail,
            ) from None
        if body.get("stat") != "ok":
            raise self._fail(
                int(body.get("code") or 0), str(body.get("message") or "unknown"), what, detail
            )
        return dict(body)

    # -- logins -------------------------------------------------------------------------------

    def check_connection(self) -> str:
        user = self.call("flickr.test.login", _("the login check"))["user"]
        return str((user.get("username") or {}).get("_content") or user["id"])

    # -- publishing ---------------------------------------------------------------------------

    def _description(self, post: OutgoingPost) -> str:
        alt = (post.media[0].alt_text or "").strip()
        if alt and alt not in post.text:
            return f"{post.text}\n\n{alt}".strip()
        return post.text

    def publish(self, post: OutgoingPost) -> Published:
        if any(m.kind != "image" for m in post.media):
            raise Rejected(
                _("Flickr takes photos only in hub; publish the video on YouTube or Instagram.")
            )
        if len(post.media) != 1:
            raise Rejected(_("Flickr takes exactly one photo per post."))
        key = post.idempotency_key
        stored = self.sessions.get(self.network, key)
        photo_id = self._ticket_result(stored.location, key) if stored else None
        if photo_id is None:
            ticket = self._upload(post)
            self.sessions.put(self.network, key, StoredUpload(ticket))
            photo_id = self._wait_for_ticket(ticket, key)
        # The upload is the publication: from here on the photo is online, so nothing may fail
        # the delivery (a retry would only repeat what Flickr refused).
        self.sessions.drop(self.network, key)
        note = self._set_licence(photo_id, post.options.get("licence"))
        return Published(
            photo_id, f"https://www.flickr.com/photos/{self.nsid}/{photo_id}/", note=note
        )

    def _set_licence(self, photo_id: str, licence: Any) -> str | None:
        """Set the photo's licence; what went wrong as a note for the editor, not an error."""
        if not licence:
            return None
        license_id = LICENCES.get(str(licence))
        if license_id is None:
            return _(
                "The photo is online, but Flickr does not let hub set the licence "
                "%(licence)s; set the licence on Flickr yourself.",
                licence=str(licence),
            )
        try:
            self.call(
                "flickr.photos.licenses.setLicense",
                _("the licence"),
                post=True,
                photo_id=photo_id,
                license_id=license_id,
            )
        except ConnectorError as exc:
            return _(
                "The photo is online, but its licence %(licence)s could not be set: "
                "%(reason)s. Set the licence on Flickr yourself.",
                licence=str(licence),
                reason=exc.message,
            )
        return None

    def _upload(self, post: OutgoingPost) -> str:
        keys = self._keys()
        media = post.media[0]
        tags = post.options.get("tags") or ()
        fields = {
            "title": (post.title or media.title or media.path.stem)[:255],
            "description": self._description(post),
            "tags": " ".join(f'"{t}"' if " " in str(t) else str(t) for t in tags),
            "safety_level": "1",
            "content_type": "1",
            "hidden": "1",
            "async": "1",
            **VISIBILITY.get(str(post.options.get("privacy") or "public"), VISIBILITY["public"]),
        }
        # OAuth 1.0a over the form fields only (Flickr excludes the file from the signature).
        signer = OAuth1Client(
            keys["api_key"],
            client_secret=keys["api_secret"],
            resource_owner_key=keys["oauth_token"],
            resource_owner_secret=keys["oauth_token_secret"],
        )
        _uri, headers, _body = signer.sign(
            self.upload_url,
            http_method="POST",
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        with ExitStack() as stack, self.errors(_("the photo")):
            try:
                handle = stack.enter_context(media.path.open("rb"))
            except OSError as exc:
                raise missing_file(media, exc) from exc
            response = self.http.post(
                self.upload_url,
                data=fields,
                files={"photo": (media.path.name, handle, media.mime_type)},
                headers={"Authorization": headers["Authorization"]},
                timeout=self.http_timeout,
            )
        error = self._http_error(response, _("the photo"))
        if error is not None:
            raise error
        return self._upload_answer(response)

    def _upload_answer(self, response: requests.Response) -> str:
        detail = f"upload: {response.text[:2000]}"
        if response.headers.get("Content-Type", "").startswith("application/json"):
            body = response.json()  # an auth failure before the upload was looked at
            raise self._fail(
                int(body.get("code") or 0), str(body.get("message")), _("the photo"), detail
            )
        try:
            root = SafeXML.fromstring(response.content)
        except SafeXML.ParseError as exc:
            raise Transient(
                _(
                    "%(network)s sent an answer hub could not read; hub tries again.",
                    network="Flickr",
                ),
                detail=detail,
            ) from exc
        if root.get("stat") != "ok":
            err = root.find("err")
            code = int(err.get("code", "0")) if err is not None else 0
            message = err.get("msg", "unknown") if err is not None else "unknown"
            if code == 5:
                raise Rejected(
                    _("Flickr could not read the file as a photo (JPEG, PNG or GIF)."),
                    detail=detail,
                )
            raise self._fail(code, message, _("the photo"), detail)
        ticket = root.findtext("ticketid") or root.findtext("photoid")
        if not ticket:
            raise Transient(_("Flickr's answer named no upload ticket."), detail=detail)
        return ticket.strip()

    def _ticket(self, ticket: str) -> Mapping[str, Any]:
        found = self.call(
            "flickr.photos.upload.checkTickets", _("the upload status"), tickets=ticket
        )
        tickets = (found.get("uploader") or {}).get("ticket") or [{}]
        return dict(tickets[0])

    def _ticket_result(self, ticket: str, key: str) -> str | None:
        """The photo a stored ticket made, None if it failed or is unknown (upload again)."""
        state = self._ticket(ticket)
        if state.get("complete") == 1 and state.get("photoid"):
            return str(state["photoid"])
        if state.get("complete") == 0 and not state.get("invalid"):
            return self._wait_for_ticket(ticket, key)
        self.sessions.drop(self.network, key)
        return None

    def _wait_for_ticket(self, ticket: str, key: str) -> str:
        deadline = time.monotonic() + self.processing_seconds
        pause = self.poll_first
        while True:
            state = self._ticket(ticket)
            if state.get("complete") == 1 and state.get("photoid"):
                return str(state["photoid"])
            if state.get("complete") == 2 or state.get("invalid"):
                self.sessions.drop(self.network, key)
                raise Rejected(
                    _("Flickr could not process the photo; check the file and retry."),
                    detail=f"ticket {ticket}: {state}",
                )
            if time.monotonic() > deadline:
                # The ticket stays stored: the next attempt asks it again, no second upload.
                raise Transient(
                    _("Flickr is still processing the photo; hub checks again later."),
                    detail=f"ticket {ticket} pending",
                )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

    def find_published(self, post: OutgoingPost) -> Published | None:
        stored = self.sessions.get(self.network, post.idempotency_key)
        if stored is not None:
            state = self._ticket(stored.location)
            if state.get("complete") == 1 and state.get("photoid"):
                photo_id = str(state["photoid"])
                return Published(photo_id, f"https://www.flickr.com/photos/{self.nsid}/{photo_id}/")
        since = post.search_since
        found = self.call(
            "flickr.people.getPhotos",
            _("the lookup"),
            user_id="me",
            min_upload_date=int(since.timestamp()) if since else None,
            extras="description,date_upload",
            per_page=self.lookup_photos,
        )
        wanted = (comparable(post.title), comparable(self._description(post)))
        for photo in (found.get("photos") or {}).get("photo") or []:
            described = (photo.get("description") or {}).get("_content")
            if (comparable(photo.get("title")), comparable(described)) == wanted:
                photo_id = str(photo["id"])
                return Published(photo_id, f"https://www.flickr.com/photos/{self.nsid}/{photo_id}/")
        return None

    # -- comments (the inbox) -----------------------------------------------------------------

    def fetch_comments(
        self, cursor: Mapping[str, Any], posts: Sequence[str], *, full: bool = False
    ) -> CommentPage:
        """Comments on ``posts`` (our photo ids) since each photo's position in ``cursor``
        (``{photo_id: {"since": unix seconds, "seen": [ids at that second]}}``), using
        ``min_comment_date``, which Flickr counts inclusively. Flickr returns a photo's comments
        in one page, so every listing is complete. A call reads at most ``comment_pages``
        photos; the next call of the round goes on with the photos not read yet
        (``cursor["round"]``)."""
        positions: dict[str, Any] = dict(cursor)
        items: list[RemoteComment] = []
        complete: list[str] = []
        done = round_done(cursor, full)
        calls = 0
        for photo_id in posts:
            if photo_id in done:
                continue
            if calls >= self.comment_pages:
                positions["round"] = round_left(full, done, posts)
                return CommentPage(items, positions, True, complete if full else ())
            calls += 1
            position = {} if full else dict(positions.get(photo_id) or {})
            since = int(position.get("since") or 0)
            seen = set(position.get("seen") or ())
            newest, at_newest = since, set(seen)
            found = self.call(
                "flickr.photos.comments.getList",
                _("the comments"),
                photo_id=photo_id,
                min_comment_date=since or None,
            )
            for data in (found.get("comments") or {}).get("comment") or []:
                created = int(data.get("datecreate") or 0)
                if created < since or (created == since and data["id"] in seen):
                    continue
                items.append(self._comment(data, photo_id, created))
                if created > newest:
                    newest, at_newest = created, {str(data["id"])}
                elif created == newest:
                    at_newest.add(str(data["id"]))
            if newest:
                positions[photo_id] = {"since": newest, "seen": sorted(at_newest)}
            complete.append(photo_id)
            done.add(photo_id)
        positions.pop("round", None)
        return CommentPage(items, positions, False, complete if full else ())

    def _comment(self, data: Mapping[str, Any], photo_id: str, created: int) -> RemoteComment:
        return RemoteComment(
            remote_id=str(data["id"]),
            text=str(data.get("_content") or ""),
            created_at=datetime.fromtimestamp(created, UTC),
            author_name=str(data.get("realname") or data.get("authorname") or ""),
            author_handle=data.get("authorname"),
            author_id=data.get("author"),
            post_remote_id=photo_id,
            is_own=data.get("author") == self.nsid,
            hidden=False,
            url=data.get("permalink"),
        )

    def reply(self, comment_remote_id: str, text: str, *, idempotency_key: str) -> str:
        """Flickr comments are flat: a reply is a comment on the same photo."""
        photo_id = _photo_of(comment_remote_id)
        made = self.call(
            "flickr.photos.comments.addComment",
            _("the reply"),
            post=True,
            photo_id=photo_id,
            comment_text=text,
        )
        return str(made["comment"]["id"])

    def find_reply(
        self, comment_remote_id: str, text: str, *, since: datetime | None = None
    ) -> str | None:
        found = self.call(
            "flickr.photos.comments.getList",
            _("the lookup"),
            photo_id=_photo_of(comment_remote_id),
            min_comment_date=int(since.timestamp()) if since else None,
        )
        wanted = comparable(text)
        for data in (found.get("comments") or {}).get("comment") or []:
            if data.get("author") == self.nsid and comparable(data.get("_content")) == wanted:
                return str(data["id"])
        return None

    def set_hidden(self, comment_remote_id: str, hidden: bool) -> None:
        raise Unsupported(
            _("Flickr cannot hide comments; delete it instead if it breaks the rules.")
        )

    def delete_comment(self, comment_remote_id: str) -> None:
        try:
            self.call(
                "flickr.photos.comments.deleteComment",
                _("deleting the comment"),
                post=True,
                comment_id=comment_remote_id,
            )
        except Rejected as exc:
            # The network's own words (the message may be German by now).
            if "not found" in (exc.detail or exc.message).lower():
                return
            raise

    # -- figures ------------------------------------------------------------------------------

    def fetch_post_metrics(self, remote_ids: Sequence[str]) -> dict[str, PostMetrics]:
        figures: dict[str, PostMetrics] = {}
        for photo_id in dict.fromkeys(remote_ids):
            info = self.call("flickr.photos.getInfo", _("the figures"), photo_id=photo_id)["photo"]
            comments = (info.get("comments") or {}).get("_content")
            figures[photo_id] = PostMetrics(
                views=_int(info.get("views")),
                comments=_int(comments),
                raw={"views": info.get("views"), "comments": comments},
            )
        return figures

    def fetch_account_metrics(self) -> AccountMetrics:
        """Flickr's API tells no follower count; photos and views are kept as raw figures."""
        person = self.call("flickr.people.getInfo", _("the account figures"), user_id=self.nsid)
        photos = (person.get("person") or {}).get("photos") or {}
        raw = {
            "photos": _int((photos.get("count") or {}).get("_content")),
            "views": _int((photos.get("views") or {}).get("_content")),
        }
        return AccountMetrics(followers=None, raw=raw)


def _photo_of(comment_id: str) -> str:
    """Flickr comment ids are ``{user}-{photo}-{comment}``."""
    parts = comment_id.split("-")
    if len(parts) < 3:
        raise Rejected(_("This is not a Flickr comment id hub can answer."))
    return parts[1]


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None
