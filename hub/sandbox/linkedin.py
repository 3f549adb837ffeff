"""LinkedIn on the sandbox: the versioned REST API for organization pages, below the prefix
``/api.linkedin.com`` (``SANDBOX_PREFIXES``), so its paths never meet another network's.

- ``POST /rest/posts`` (JSON: ``author``, ``commentary``, ``visibility``, ``distribution``,
  ``lifecycleState``, ``content.media|multiImage|article``): ``201``, empty body, the post's
  URN in ``x-restli-id`` (``urn:li:share:…``; ``urn:li:ugcPost:…`` for a video or several
  images, as LinkedIn names them); ``GET /rest/posts?q=author&author=…&count&start&sortBy``
  (newest first), ``GET|DELETE /rest/posts/{urn}``;
- ``POST /rest/images?action=initializeUpload`` -> ``value.uploadUrl``, ``value.image``;
  ``POST /rest/videos?action=initializeUpload`` (``fileSizeBytes``) -> ``uploadInstructions``
  in parts of 4 MB; ``PUT`` the bytes to ``/dms-uploads/…`` (video parts answer an ``ETag``);
  ``action=finalizeUpload`` with ``uploadedPartIds``; ``GET /rest/images|videos/{urn}``
  -> ``status`` (``WAITING_UPLOAD``, ``AVAILABLE``);
- ``GET|POST /rest/socialActions/{urn}/comments`` (a post's comments, or a comment's replies;
  ``start``, ``count``), ``GET|DELETE /rest/socialActions/{urn}/comments/{id}?actor=…`` (only
  the comment's own author may delete it: ``403`` otherwise);
- ``GET /rest/organizationAcls?q=roleAssignee`` (the pages the login administers: the one it
  acts for), ``GET /rest/organizationalEntityShareStatistics?q=organizationalEntity&shares=List(…)
  &ugcPosts=List(…)``, ``GET /rest/networkSizes/{urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER``,
  ``GET /rest/organizations/{id}``;
- ``POST /oauth/v2/accessToken`` with ``grant_type=refresh_token``.

Held to LinkedIn's rules: every ``/rest/`` call needs ``LinkedIn-Version`` (missing: ``400``;
one older than a year: ``426``, as after LinkedIn's sunset) and ``X-Restli-Protocol-Version:
2.0.0``; URNs in a ``List(…)`` must be encoded; a token acts for one page (another ``author``
or ``owner``: ``403``); the commentary is read as little text, so an unescaped reserved
character cuts what people see (``text`` in ``/_sandbox/posts``), as LinkedIn does. Errors
are LinkedIn's JSON (``status``, ``serviceErrorCode``, ``code``, ``message``); a 429 says the
daily limit is reached, without ``Retry-After`` unless a fault names one.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from hub.connectors.linkedin_wire import RESERVED, version_age_months
from hub.sandbox import engagement
from hub.sandbox.core import Account, Media, NetworkApi, Post, json_response, sha256_hex, utcnow

NETWORK = "linkedin"
PREFIX = "/api.linkedin.com"
PART_BYTES = 4 * 1024 * 1024
SUPPORTED_MONTHS = 12
# The person who administers the city's page (comments by the page name them as agent).
ADMINISTRATOR = "urn:li:person:Kv2Bh3RUmB"
ERRORS = {
    400: (100, "BAD_REQUEST", "Bad request"),
    401: (65601, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked"),
    403: (100, "ACCESS_DENIED", "Not enough permissions to access this resource"),
    404: (100, "NOT_FOUND", "Not Found"),
    422: (100, "UNPROCESSABLE_ENTITY", "Unprocessable entity"),
    429: (
        101,
        "TOO_MANY_REQUESTS",
        "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
    ),
    500: (100, "INTERNAL_SERVER_ERROR", "Internal Server Error"),
}
_URL = re.compile(r"https?://\S+")


class LinkedInError(Exception):
    def __init__(self, status: int, message: str | None = None, code: str | None = None) -> None:
        known = ERRORS.get(status, (100, "ERROR", "Error"))
        self.status = status
        self.message = message or known[2]
        self.code = code or known[1]
        self.service_code = known[0]
        super().__init__(self.message)


def error_body(status: int, message: str | None = None, code: str | None = None) -> dict[str, Any]:
    error = LinkedInError(status, message, code)
    return {
        "status": status,
        "serviceErrorCode": error.service_code,
        "code": error.code,
        "message": error.message,
    }


def rendered(commentary: str) -> str:
    """What people see of a little commentary: escapes undone, hashtags and web addresses as
    written, and nothing after the first reserved character left unescaped (LinkedIn's cut)."""
    out: list[str] = []
    index = 0
    while index < len(commentary):
        url = _URL.match(commentary, index)
        if url:
            out.append(url.group(0))
            index = url.end()
            continue
        char = commentary[index]
        following = commentary[index + 1] if index + 1 < len(commentary) else ""
        if char == "\\" and following in RESERVED:
            out.append(following)
            index += 2
            continue
        if char == "#" and following.isalnum():
            out.append(char)
        elif char in RESERVED:
            break
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _list(value: str | None) -> list[str]:
    """``List(a,b)`` (already decoded once) as its items."""
    if not value:
        return []
    match = re.fullmatch(r"List\((.*)\)", value)
    if not match:
        raise LinkedInError(400, f"Invalid list: {value}")
    return [unquote(item) for item in match.group(1).split(",") if item]


def _named_organization(request: Request) -> str | None:
    """The page a request acts for (its author, owner or path): a token the sandbox has not
    seen yet is the login of that page's administrator, as a real consent would have made it."""
    text = " ".join(
        (unquote(request.path), unquote(request.query_string.decode("latin-1")), _text(request))
    )
    found = re.search(r"urn:li:organization:(\d+)|/organizations/(\d+)", text)
    return (found.group(1) or found.group(2)) if found else None


def _text(request: Request) -> str:
    if request.mimetype != "application/json":
        return ""
    return request.get_data(as_text=True)[:2000]


class LinkedInApi(NetworkApi):
    networks = (NETWORK,)

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return path.startswith(PREFIX + "/")

    def network_of(self, request: Request) -> str:
        return NETWORK

    def token_of(self, request: Request) -> str | None:
        if self._path(request) == "/oauth/v2/accessToken":
            return request.form.get("refresh_token") or None
        auth = request.headers.get("Authorization", "")
        return auth[7:].strip() or None if auth.startswith("Bearer ") else None

    def handle(self, request: Request, network: str, token: str) -> Response:
        path = self._path(request)
        try:
            if path == "/oauth/v2/accessToken":
                return self._refresh(request, token)
            account = self.state.account_for_token(
                NETWORK, token, _named_organization(request) or self.state.number(8)
            )
            if path.startswith("/dms-uploads/"):
                return self._upload(request, path, account)
            if not path.startswith("/rest/"):
                raise LinkedInError(404)
            self._check_headers(request)
            return self._rest(request, path[len("/rest/") :], account)
        except LinkedInError as error:
            return json_response(error_body(error.status, error.message, error.code), error.status)

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        response = json_response({**error_body(status), **(overrides or {})}, status)
        if retry_after is not None:
            response.headers["Retry-After"] = str(int(retry_after))
        return response

    def expired_response(self, network: str) -> Response:
        return json_response(
            error_body(401, "The token used in the request has expired", "EXPIRED_ACCESS_TOKEN"),
            401,
        )

    def missing_token_response(self, network: str) -> Response:
        return json_response(
            error_body(401, "Empty oauth2 access token", "INVALID_ACCESS_TOKEN"), 401
        )

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A comment on a post, or a reply to a comment; LinkedIn nests one level, so an answer
        to a reply joins its thread."""
        if post.is_comment:
            root = self.state.post(NETWORK, post.root_id or "") or post
            thread = (
                post
                if post.parent_id == root.id
                else self.state.post(NETWORK, post.parent_id or "")
            )
            parent = (thread or post).id
        else:
            root, parent = post, post.id
        activity = str(root.options.get("activity") or root.id)
        comment_urn = f"urn:li:comment:({activity},{self.state.number(19)})"
        return self.state.add_post(
            Post(
                network=NETWORK,
                id=comment_urn,
                account_id=author.id,
                text=text,
                url=root.url,
                parent_id=parent,
                root_id=root.id,
            )
        )

    def edit_comment(self, comment: Post, text: str) -> None:
        with self.state.lock:
            comment.text = text
            comment.options["modified"] = _millis(utcnow())

    def metrics_wire(self, post: Post) -> dict[str, Any]:
        return self._statistics(post)

    # -- plumbing -----------------------------------------------------------------------------

    def _path(self, request: Request) -> str:
        return request.path[len(PREFIX) :]

    def _check_headers(self, request: Request) -> None:
        version = request.headers.get("LinkedIn-Version", "")
        if not version:
            raise LinkedInError(
                400,
                "A version must be present. Please specify a version by adding the "
                "LinkedIn-Version header.",
                "VERSION_MISSING",
            )
        if not re.fullmatch(r"\d{6}(\.\d\d)?", version) or not (
            0 <= version_age_months(datetime.now(UTC).date(), version[:6]) < SUPPORTED_MONTHS
        ):
            raise LinkedInError(
                426, f"Requested version {version} is not active", "NONEXISTENT_VERSION"
            )
        if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
            raise LinkedInError(400, "Unsupported Rest.li protocol version", "INVALID_PROTOCOL")

    def _actor(self, account: Account) -> str:
        if account.is_citizen:
            return f"urn:li:person:{account.id}"
        return f"urn:li:organization:{account.id}"

    def _own(self, account: Account, urn: object, what: str) -> None:
        if urn != self._actor(account):
            raise LinkedInError(403, f"Not enough permissions to access: {what}")

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            raise LinkedInError(400, "Malformed JSON") from None
        if not isinstance(body, dict):
            raise LinkedInError(400, "Malformed JSON")
        return body

    def _rest(self, request: Request, path: str, account: Account) -> Response:
        method = request.method
        action = request.args.get("action")
        if path == "posts":
            if method == "POST":
                return self._create_post(request, account)
            return json_response(self._find_posts(request, account))
        if path.startswith("posts/"):
            return self._one_post(request, unquote(path[len("posts/") :]), account)
        if path in ("images", "videos") and method == "POST":
            if action == "initializeUpload":
                return json_response(self._initialize(request, path, account))
            if action == "finalizeUpload" and path == "videos":
                return self._finalize(request, account)
            raise LinkedInError(400, f"Unknown action {action}")
        if path.startswith(("images/", "videos/")):
            return json_response(self._asset(unquote(path.split("/", 1)[1])))
        match = re.fullmatch(r"socialActions/(.+?)/comments(?:/([^/]+))?", path)
        if match:
            return self._comments(request, unquote(match.group(1)), match.group(2), account)
        if path == "organizationalEntityShareStatistics":
            return json_response(self._share_statistics(request, account))
        if path.startswith("networkSizes/"):
            self._own(account, unquote(path.split("/", 1)[1]), "networkSizes")
            if request.args.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
                raise LinkedInError(400, "Invalid edgeType")
            return json_response({"firstDegreeSize": account.followers})
        if path == "organizationAcls":
            if request.args.get("q") != "roleAssignee":
                raise LinkedInError(400, "Unknown finder")
            acl = {
                "roleAssignee": ADMINISTRATOR,
                "state": "APPROVED",
                "role": "ADMINISTRATOR",
                "organization": f"urn:li:organization:{account.id}",
            }
            return json_response(
                {"paging": {"start": 0, "count": 10, "links": []}, "elements": [acl]}
            )
        if path.startswith("organizations/"):
            number = path.split("/", 1)[1]
            self._own(account, f"urn:li:organization:{number}", "organizations")
            return json_response(
                {
                    "id": int(number) if number.isdigit() else number,
                    "localizedName": account.name,
                    "vanityName": account.username,
                    "name": {
                        "localized": {"de_DE": account.name},
                        "preferredLocale": {"country": "DE", "language": "de"},
                    },
                    "primaryOrganizationType": "GOVERNMENT",
                }
            )
        raise LinkedInError(404, f"No resource at /rest/{path}")

    # -- media --------------------------------------------------------------------------------

    def _initialize(self, request: Request, kind: str, account: Account) -> dict[str, Any]:
        spec = self._body(request).get("initializeUploadRequest") or {}
        self._own(account, spec.get("owner"), f"{kind}.initializeUpload")
        asset = secrets.token_urlsafe(12).replace("-", "A").replace("_", "B")
        base = request.host_url.rstrip("/") + PREFIX + "/dms-uploads"
        expires = _millis(utcnow()) + 24 * 3600 * 1000
        if kind == "images":
            urn = f"urn:li:image:{asset}"
            self.state.add_media(
                Media(
                    NETWORK, urn, account.id, "image/*", "image", extra={"status": "WAITING_UPLOAD"}
                )
            )
            return {
                "value": {
                    "uploadUrlExpiresAt": expires,
                    "uploadUrl": f"{base}/{asset}",
                    "image": urn,
                }
            }
        size = int(spec.get("fileSizeBytes") or 0)
        if size <= 0:
            raise LinkedInError(400, "fileSizeBytes is required")
        urn = f"urn:li:video:{asset}"
        parts = []
        for n, first in enumerate(range(0, size, PART_BYTES)):
            last = min(first + PART_BYTES, size) - 1
            parts.append({"uploadUrl": f"{base}/{asset}/{n}", "firstByte": first, "lastByte": last})
        self.state.add_media(
            Media(
                NETWORK,
                urn,
                account.id,
                "video/mp4",
                "video",
                declared_size=size,
                extra={"status": "WAITING_UPLOAD", "etags": {}, "parts": len(parts)},
            )
        )
        return {
            "value": {
                "uploadUrlsExpireAt": expires,
                "video": urn,
                "uploadInstructions": parts,
                "uploadToken": "",
            }
        }

    def _upload(self, request: Request, path: str, account: Account) -> Response:
        if request.method != "PUT":
            raise LinkedInError(405, "Use PUT")
        pieces = path[len("/dms-uploads/") :].split("/")
        kind = "video" if len(pieces) == 2 else "image"
        media = self.state.get_media(NETWORK, f"urn:li:{kind}:{pieces[0]}")
        if media is None or media.account_id != account.id:
            raise LinkedInError(404, "Upload not found")
        data = request.get_data()
        with self.state.lock:
            if kind == "image":
                media.segments = {0: data}
                media.assemble()
                media.ready = True
                media.extra["status"] = "AVAILABLE"
                return Response(status=201)
            number = int(pieces[1])
            media.segments[number] = data
            etag = sha256_hex(data)[:24]
            media.extra["etags"][number] = etag
        response = Response(status=200)
        response.headers["ETag"] = f'"{etag}"'
        return response

    def _finalize(self, request: Request, account: Account) -> Response:
        spec = self._body(request).get("finalizeUploadRequest") or {}
        media = self.state.get_media(NETWORK, str(spec.get("video") or ""))
        if media is None or media.account_id != account.id:
            raise LinkedInError(404, "Video not found")
        with self.state.lock:
            expected = [media.extra["etags"].get(n) for n in range(media.extra["parts"])]
            if list(spec.get("uploadedPartIds") or []) != expected:
                raise LinkedInError(400, "uploadedPartIds do not match the uploaded parts")
            media.assemble()
            if media.size != media.declared_size:
                media.extra["status"] = "PROCESSING_FAILED"
            else:
                media.ready = True
                media.extra["status"] = "AVAILABLE"
        return Response(status=200)

    def _asset(self, urn: str) -> dict[str, Any]:
        media = self.state.get_media(NETWORK, urn)
        if media is None:
            raise LinkedInError(404, f"{urn} not found")
        found: dict[str, Any] = {
            "id": urn,
            "owner": f"urn:li:organization:{media.account_id}",
            "status": media.extra.get("status"),
        }
        if media.ready:
            found["downloadUrl"] = f"https://media.licdn.com/dms/sandbox/{urn.rsplit(':', 1)[-1]}"
            found["downloadUrlExpiresAt"] = _millis(utcnow()) + 3600 * 1000
        if media.kind == "video":
            found["duration"] = 0
            found["aspectRatioWidth"] = 16.0
            found["aspectRatioHeight"] = 9.0
        return found

    # -- posts --------------------------------------------------------------------------------

    def _media_of(self, content: Mapping[str, Any], account: Account) -> tuple[list[Media], str]:
        """The uploaded media a post names (with their alt texts), and the URN kind."""
        items: list[tuple[str, str | None]] = []
        kind = "share"
        if "media" in content:
            items = [(str(content["media"].get("id")), content["media"].get("altText"))]
        elif "multiImage" in content:
            images = content["multiImage"].get("images") or []
            if not 2 <= len(images) <= 20:
                raise LinkedInError(422, "multiImage takes 2 to 20 images")
            items = [(str(i.get("id")), i.get("altText")) for i in images]
            kind = "ugcPost"
        found = []
        for urn, alt in items:
            media = self.state.get_media(NETWORK, urn)
            if media is None or media.account_id != account.id or not media.ready:
                raise LinkedInError(422, f"Media {urn} is not available")
            if media.kind == "video":
                kind = "ugcPost"
            media.alt_text = alt
            found.append(media)
        return found, kind

    def _create_post(self, request: Request, account: Account) -> Response:
        body = self._body(request)
        self._own(account, body.get("author"), "partnerApiPostsExternal.CREATE")
        for key in ("commentary", "visibility", "distribution", "lifecycleState"):
            if key not in body:
                raise LinkedInError(422, f"/{key} :: field is required but not found")
        content = body.get("content") or {}
        if "article" in content and not (
            content["article"].get("source") and content["article"].get("title")
        ):
            raise LinkedInError(422, "/content/article :: source and title are required")
        media, kind = self._media_of(content, account)
        commentary = str(body["commentary"])
        text = rendered(commentary)
        for other in self.state.posts_of(NETWORK):
            recent = (utcnow() - other.created_at).total_seconds() < 600
            if (
                not other.is_comment
                and other.account_id == account.id
                and recent
                and text
                and other.text == text
                and not other.deleted
            ):
                raise LinkedInError(422, f"Content is a duplicate of {other.id}", "DUPLICATE_POST")
        number = self.state.number(19)
        urn = f"urn:li:{kind}:{number}"
        post = Post(
            network=NETWORK,
            id=urn,
            account_id=account.id,
            text=text,
            url=f"https://www.linkedin.com/feed/update/{urn}/",
            media=media,
            link=(content.get("article") or {}).get("source"),
            options={
                "activity": f"urn:li:activity:{self.state.number(19)}",
                "commentary": commentary,
                "content": content,
                "distribution": body["distribution"],
                "visibility": body["visibility"],
                "lifecycleState": body["lifecycleState"],
                "isReshareDisabledByAuthor": bool(body.get("isReshareDisabledByAuthor")),
            },
        )
        self.state.add_post(post)
        response = Response(status=201)
        response.headers["x-restli-id"] = urn
        response.headers["x-linkedin-id"] = urn
        return response

    def _post_json(self, post: Post) -> dict[str, Any]:
        created = _millis(post.created_at)
        found: dict[str, Any] = {
            "id": post.id,
            "author": f"urn:li:organization:{post.account_id}",
            "commentary": post.options.get("commentary", post.text),
            "visibility": post.options.get("visibility", "PUBLIC"),
            # LinkedIn answers the distribution without an empty ``targetEntities``.
            "distribution": {
                k: v
                for k, v in (post.options.get("distribution") or {}).items()
                if not (k == "targetEntities" and not v)
            },
            "lifecycleState": post.options.get("lifecycleState", "PUBLISHED"),
            "lifecycleStateInfo": {"isEditedByAuthor": False},
            "isReshareDisabledByAuthor": post.options.get("isReshareDisabledByAuthor", False),
            "createdAt": created,
            "publishedAt": created,
            "lastModifiedAt": created,
        }
        if post.options.get("content"):
            found["content"] = post.options["content"]
        return found

    def _find_posts(self, request: Request, account: Account) -> dict[str, Any]:
        if request.args.get("q") != "author":
            raise LinkedInError(400, "Unknown finder")
        author = request.args.get("author", "")
        if "urn:li:" in request.query_string.decode("latin-1"):
            raise LinkedInError(400, "Illegal character in the query: encode the URN")
        self._own(account, author, "partnerApiPostsExternal.FINDER-author")
        posts = [
            p
            for p in self.state.posts_of(NETWORK)
            if not p.is_comment and not p.deleted and p.account_id == account.id
        ]
        by = "created_at"
        posts.sort(key=lambda p: (getattr(p, by), p.id), reverse=True)
        start = int(request.args.get("start", 0))
        count = min(max(int(request.args.get("count", 10)), 1), 100)
        chunk = posts[start : start + count]
        links = []
        if start + count < len(posts):
            links.append(
                {
                    "rel": "next",
                    "type": "application/json",
                    "href": f"/rest/posts?q=author&start={start + count}&count={count}",
                }
            )
        return {
            "paging": {"start": start, "count": count, "links": links},
            "elements": [self._post_json(p) for p in chunk],
        }

    def _one_post(self, request: Request, urn: str, account: Account) -> Response:
        post = self.state.post(NETWORK, urn)
        if post is None or post.deleted or post.is_comment:
            raise LinkedInError(404, f"{urn} not found")
        if request.method == "DELETE":
            self._own(account, f"urn:li:organization:{post.account_id}", "posts.DELETE")
            with self.state.lock:
                post.deleted = True
            return Response(status=204)
        return json_response(self._post_json(post))

    # -- comments -----------------------------------------------------------------------------

    def _target(self, urn: str) -> tuple[Post, Post | None]:
        """The post a ``socialActions`` URN names (a post, its activity, or a comment), and
        the comment if it names one."""
        for post in self.state.posts_of(NETWORK):
            if post.deleted:
                continue
            if post.id == urn:
                if post.is_comment:
                    root = self.state.post(NETWORK, post.root_id or "")
                    if root is None:
                        break
                    return root, post
                return post, None
            if not post.is_comment and post.options.get("activity") == urn:
                return post, None
        raise LinkedInError(404, f"{urn} not found")

    def _comment_json(self, comment: Post, root: Post) -> dict[str, Any]:
        author = self.state.accounts.get((NETWORK, comment.account_id))
        actor = self._actor(author) if author else f"urn:li:person:{comment.account_id}"
        number = comment.id.rsplit(",", 1)[-1].rstrip(")")
        replies = self._children(comment.id)
        # A page comments through one of its administrators: the page is the actor, the person
        # the agent, and the audit stamps name the person with the page as "impersonator".
        stamp: dict[str, Any] = {"actor": actor}
        if actor.startswith("urn:li:organization:"):
            stamp = {"actor": ADMINISTRATOR, "impersonator": actor}
        found: dict[str, Any] = {
            "actor": actor,
            "commentUrn": comment.id,
            "$URN": comment.id,
            "id": number,
            "object": root.options.get("activity"),
            "message": {"text": comment.text, "attributes": []},
            "created": {**stamp, "time": _millis(comment.created_at)},
            "lastModified": {
                **stamp,
                "time": comment.options.get("modified") or _millis(comment.created_at),
            },
            "likesSummary": {
                "selectedLikes": [],
                "aggregatedTotalLikes": 0,
                "likedByCurrentUser": False,
                "totalLikes": 0,
            },
            "commentsSummary": {
                "selectedComments": [c.id for c in replies[:10]],
                "totalFirstLevelComments": len(replies),
                "aggregatedTotalComments": len(replies),
            },
        }
        if "impersonator" in stamp:
            found["agent"] = ADMINISTRATOR
        if comment.parent_id != root.id:
            found["parentComment"] = comment.parent_id
        return found

    def _children(self, parent_id: str) -> list[Post]:
        found = [
            p
            for p in self.state.posts_of(NETWORK)
            if p.is_comment and not p.deleted and p.parent_id == parent_id
        ]
        return sorted(found, key=lambda p: (p.created_at, p.id))

    def _comments(
        self, request: Request, urn: str, number: str | None, account: Account
    ) -> Response:
        root, comment = self._target(urn)
        parent = comment.id if comment else root.id
        if number is not None:
            found = next(
                (
                    c
                    for c in self._children(parent)
                    if c.id.rsplit(",", 1)[-1].rstrip(")") == number
                ),
                None,
            )
            if found is None and comment is None:  # a reply, named below the activity
                found = next(
                    (
                        c
                        for c in self.state.posts_of(NETWORK)
                        if c.is_comment
                        and not c.deleted
                        and c.root_id == root.id
                        and c.id.rsplit(",", 1)[-1].rstrip(")") == number
                    ),
                    None,
                )
            if found is None:
                raise LinkedInError(404, f"Comment {number} not found")
            if request.method == "DELETE":
                actor = request.args.get("actor", "")
                author = self.state.accounts.get((NETWORK, found.account_id))
                if author is None or self._actor(author) != actor or actor != self._actor(account):
                    raise LinkedInError(403, "Not enough permissions to delete this comment")
                with self.state.lock:
                    found.deleted = True
                return Response(status=204)
            return json_response(self._comment_json(found, root))
        if request.method == "POST":
            body = self._body(request)
            self._own(account, body.get("actor"), "socialActions.comments.CREATE")
            text = str((body.get("message") or {}).get("text") or "").strip()
            if not text:
                raise LinkedInError(422, "/message/text :: field is required but not found")
            if comment is not None and body.get("parentComment") != comment.id:
                raise LinkedInError(422, "parentComment must name the comment answered")
            if comment is not None and comment.parent_id != root.id:
                raise LinkedInError(422, "Comments nest one level only")
            made = self.add_comment(comment or root, text, account)
            response = json_response(self._comment_json(made, root), 201)
            response.headers["x-restli-id"] = made.id.rsplit(",", 1)[-1].rstrip(")")
            return response
        children = self._children(parent)
        start = int(request.args.get("start", 0))
        count = min(max(int(request.args.get("count", 10)), 1), 100)
        chunk = children[start : start + count]
        return json_response(
            {
                "paging": {"start": start, "count": count, "total": len(children), "links": []},
                "elements": [self._comment_json(c, root) for c in chunk],
            }
        )

    # -- figures and logins -------------------------------------------------------------------

    def _statistics(self, post: Post) -> dict[str, Any]:
        grown = engagement.figures(self.state, post)
        grown.update(post.metrics)
        kind = "ugcPost" if ":ugcPost:" in post.id else "share"
        engaged = grown["clicks"] + grown["likes"] + grown["comments"] + grown["shares"]
        return {
            "totalShareStatistics": {
                "uniqueImpressionsCount": grown["reach"],
                "shareCount": grown["shares"],
                "engagement": round(engaged / grown["views"], 4) if grown["views"] else 0.0,
                "clickCount": grown["clicks"],
                "likeCount": grown["likes"],
                "impressionCount": grown["views"],
                "commentCount": grown["comments"],
            },
            kind: post.id,
            "organizationalEntity": f"urn:li:organization:{post.account_id}",
        }

    def _share_statistics(self, request: Request, account: Account) -> dict[str, Any]:
        if request.args.get("q") != "organizationalEntity":
            raise LinkedInError(400, "Unknown finder")
        raw = request.query_string.decode("latin-1")
        if "urn:li:" in raw or "urn%253A" in raw:
            raise LinkedInError(400, "Illegal character in the query: encode each URN once")
        self._own(
            account, request.args.get("organizationalEntity"), "organizationalEntityShareStatistics"
        )
        elements = []
        for urn in _list(request.args.get("shares")) + _list(request.args.get("ugcPosts")):
            post = self.state.post(NETWORK, urn)
            if post is None or post.deleted or post.account_id != account.id:
                continue
            elements.append(self._statistics(post))
        return {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements}

    def _refresh(self, request: Request, token: str) -> Response:
        if request.form.get("grant_type") != "refresh_token" or not request.form.get("client_id"):
            return json_response(
                {
                    "error": "invalid_request",
                    "error_description": "A required parameter is missing",
                },
                400,
            )
        renewals = self.state.bucket("linkedin.refresh")
        with self.state.lock:
            bound = self.state.tokens.get((NETWORK, token))
            if bound is None or token in renewals.get("refused", set()):
                return json_response(
                    {
                        "error": "invalid_grant",
                        "error_description": "The provided authorization grant or refresh "
                        "token is invalid, expired or revoked.",
                    },
                    400,
                )
            access = f"AQ{secrets.token_urlsafe(24)}"
            self.state.tokens[(NETWORK, access)] = bound
            issued = renewals.setdefault("issued", {})
            left = issued.setdefault(token, 365 * 24 * 3600)
        return json_response(
            {
                "access_token": access,
                "expires_in": 5184000,
                "refresh_token": token,
                "refresh_token_expires_in": left,
                "scope": "r_organization_social,rw_organization_admin,w_organization_social",
            }
        )
