"""Bluesky as the sandbox speaks it: the XRPC methods of a PDS (and the app view behind it) that
hub's Bluesky connector (the ``atproto`` SDK) calls, under ``/xrpc/<nsid>``.

Shapes follow the lexicons (``app.bsky.*``, ``com.atproto.*``) and the PDS's source: errors are
``{"error": <name>, "message": ...}``; records come back as ``{"uri", "cid", "value"}``; posts as
``PostView`` with ``likeCount``, ``repostCount``, ``replyCount``, ``quoteCount``.

What the PDS does that matters to hub, the sandbox does too:

- **Sessions.** ``createSession`` (handle or DID and app password) answers with an access JWT
  that lives 120 minutes and a refresh JWT of 90 days (HS256, ``typ`` ``at+jwt`` /
  ``refresh+jwt``) and a DID document naming this server as the account's PDS.
  ``createSession`` is limited to 30 calls in 5 minutes and 300 a day per identifier: past that
  it answers 429 ``RateLimitExceeded`` with ``RateLimit-Limit/-Remaining/-Reset/-Policy``, as
  the PDS does. ``refreshSession`` spends its refresh token (a second use: 400 ``ExpiredToken``
  "Token has been revoked") and gives a new pair. An expired access token: 400 ``ExpiredToken``
  "Token has expired"; a token this server never issued: 401 ``InvalidToken``.
- **Record keys.** ``createRecord`` with an ``rkey`` that exists fails with HTTP 500
  ``InternalServerError``, as the PDS does today (bluesky-social/atproto#4728); a post's key
  must be a TID. ``getRecord`` of a missing record: 400 ``RecordNotFound``.
- **Validation.** A post's text is at most 300 graphemes and 3,000 bytes, at most four images,
  each image blob at most 1,000,000 bytes (400 ``BlobTooLarge``), ``langs`` well-formed, facet
  offsets inside the text's bytes.
- **Threads.** Replies carry ``reply.root``/``reply.parent``; ``getPostThread`` returns the tree
  with the root post's threadgate (``hiddenReplies``); our accounts get notifications for
  replies, mentions and quotes.

An app password can be bound to an account with ``/_sandbox/accounts`` (``token``: the app
password, ``username``: the handle, ``id``: the DID); without one, any app password logs a
handle in (an unknown handle becomes a new account). Switches (``/_sandbox/settings/bluesky``):
``access_token_seconds`` (7200), ``login_limit_5min`` (30), ``login_limit_day`` (300), and the
action ``age_tokens_seconds``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import regex
from werkzeug.wrappers import Request, Response

from hub.sandbox import engagement
from hub.sandbox.core import Account, Media, NetworkApi, Post, SandboxState, json_response, utcnow

NETWORK = "bluesky"
PREFIX = "/xrpc/"
POST = "app.bsky.feed.post"
THREADGATE = "app.bsky.feed.threadgate"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
RKEY = re.compile(r"^[A-Za-z0-9.\-_:~]{1,512}$")
LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
GRAPHEME = regex.compile(r"\X")
MAX_GRAPHEMES, MAX_BYTES, MAX_IMAGES = 300, 3000, 4
MAX_IMAGE_BLOB = 1_000_000
MAX_UPLOAD = 50 * 1024 * 1024  # the PDS's blob upload limit
SETTINGS_BUCKET, SESSIONS_BUCKET = "bluesky.settings", "bluesky.sessions"
LOGINS_BUCKET, RECORDS_BUCKET = "bluesky.logins", "bluesky.records"
NOTIFY_BUCKET = "bluesky.notifications"
DEFAULT_SETTINGS: dict[str, int] = {
    "access_token_seconds": 120 * 60,
    "refresh_token_seconds": 90 * 24 * 3600,
    "login_limit_5min": 30,
    "login_limit_day": 300,
}
SECRET = secrets.token_bytes(32)  # signs this process's JWTs
ERROR_NAMES = {
    400: "InvalidRequest",
    401: "AuthenticationRequired",
    403: "Forbidden",
    404: "NotFound",
    413: "PayloadTooLarge",
    429: "RateLimitExceeded",
    500: "InternalServerError",
    501: "MethodNotImplemented",
    502: "UpstreamFailure",
    503: "NotEnoughResources",
    504: "UpstreamTimeout",
}
ERROR_MESSAGES = {
    429: "Rate Limit Exceeded",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
PUBLIC = ("com.atproto.server.createSession", "com.atproto.identity.resolveHandle")


class XrpcError(Exception):
    def __init__(
        self, status: int, error: str, message: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status, error, message)
        self.status, self.error, self.message = status, error, message
        self.headers = dict(headers or {})

    def response(self) -> Response:
        return json_response(
            {"error": self.error, "message": self.message}, self.status, self.headers
        )


def invalid(message: str, error: str = "InvalidRequest") -> XrpcError:
    return XrpcError(400, error, message)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cid_of(data: bytes, codec: int) -> str:
    """A CIDv1 (sha2-256) in base32: ``bafyrei...`` for records (dag-cbor), ``bafkrei...`` for
    blobs (raw), shaped as the PDS writes them."""
    raw = bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()
    return "b" + base64.b32encode(raw).decode().lower().rstrip("=")


def did_for(name: str) -> str:
    """A did:plc-shaped DID for a sandbox account (24 base32 characters)."""
    digest = hashlib.sha256(name.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode().lower()[:24]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def post_key(did: str, rkey: str) -> str:
    """The sandbox's id for a post: slash-free, so control paths can name it."""
    return f"{did}:{rkey}"


def uri_of(post: Post) -> str:
    return str(post.options.get("at_uri"))


def _tid_now() -> str:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    value = (time.time_ns() // 1000) << 10 | secrets.randbelow(1024)
    return "".join(alphabet[(value >> (60 - 5 * i)) & 0x1F] for i in range(13))


class BlueskyApi(NetworkApi):
    networks = (NETWORK,)

    def remote_id(self, post: Post) -> str:
        """The AT URI: what hub stores (the sandbox's own id is ``did:rkey``, slash-free)."""
        return uri_of(post)

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        self.methods: dict[str, Callable[..., Response]] = {
            "com.atproto.server.createSession": self._create_session,
            "com.atproto.server.refreshSession": self._refresh_session,
            "com.atproto.server.getSession": self._get_session,
            "com.atproto.identity.resolveHandle": self._resolve_handle,
            "com.atproto.repo.uploadBlob": self._upload_blob,
            "com.atproto.repo.createRecord": self._create_record,
            "com.atproto.repo.putRecord": self._put_record,
            "com.atproto.repo.getRecord": self._get_record,
            "com.atproto.repo.deleteRecord": self._delete_record,
            "app.bsky.actor.getProfile": self._get_profile,
            "app.bsky.feed.getPosts": self._get_posts,
            "app.bsky.feed.getPostThread": self._get_post_thread,
            "app.bsky.notification.listNotifications": self._list_notifications,
        }

    # -- NetworkApi ---------------------------------------------------------------------------

    def claims(self, path: str) -> bool:
        return path.startswith(PREFIX)

    def network_of(self, request: Request) -> str:
        return NETWORK

    def token_of(self, request: Request) -> str | None:
        if request.path[len(PREFIX) :] in PUBLIC:
            return "public"  # logs in (or is public): no bearer token
        auth = request.headers.get("Authorization", "")
        return auth[len("Bearer ") :].strip() or None if auth.startswith("Bearer ") else None

    def handle(self, request: Request, network: str, token: str) -> Response:
        nsid = request.path[len(PREFIX) :].rstrip("/")
        method = self.methods.get(nsid)
        try:
            if method is None:
                raise XrpcError(501, "MethodNotImplemented", f"Method Not Implemented: {nsid}")
            if nsid in PUBLIC:
                return method(request, None)
            if nsid == "com.atproto.server.refreshSession":
                return method(request, token)
            return method(request, self._account(token))
        except XrpcError as error:
            return error.response()

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        body = {
            "error": ERROR_NAMES.get(status, "InternalServerError"),
            "message": ERROR_MESSAGES.get(status, ERROR_NAMES.get(status, "Error")),
            **(overrides or {}),
        }
        headers: dict[str, str] = {}
        if status == 429:
            wait = retry_after if retry_after is not None else 60.0
            headers = _limit_headers(3000, 0, time.time() + wait, 300)
        return json_response(body, status, headers)

    def expired_response(self, network: str) -> Response:
        return XrpcError(400, "ExpiredToken", "Token has expired").response()

    def missing_token_response(self, network: str) -> Response:
        return XrpcError(401, "AuthMissing", "Authentication Required").response()

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A citizen replies to ``post`` (our post or a reply under it)."""
        author = self._bluesky_account(author)
        root = self.state.post(NETWORK, post.root_id or post.id) or post
        record = {
            "$type": POST,
            "text": text,
            "createdAt": iso(utcnow()),
            "langs": ["de"],
            "reply": {
                "root": {"uri": uri_of(root), "cid": root.options["cid"]},
                "parent": {"uri": uri_of(post), "cid": post.options["cid"]},
            },
        }
        return self._store_post(author, _tid_now(), record)

    def mention(self, author: Account, target: Account, text: str) -> Post:
        """A citizen mentions ``target`` (a post of its own, with a mention facet)."""
        author = self._bluesky_account(author)
        handle = f"@{target.username}"
        full = f"{handle} {text}"
        record = {
            "$type": POST,
            "text": full,
            "createdAt": iso(utcnow()),
            "facets": [
                {
                    "index": {"byteStart": 0, "byteEnd": len(handle.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": target.id}],
                }
            ],
        }
        return self._store_post(author, _tid_now(), record)

    def quote(self, author: Account, post: Post, text: str) -> Post:
        """A citizen quotes ``post`` (a post of its own embedding ours)."""
        author = self._bluesky_account(author)
        record = {
            "$type": POST,
            "text": text,
            "createdAt": iso(utcnow()),
            "embed": {
                "$type": "app.bsky.embed.record",
                "record": {"uri": uri_of(post), "cid": post.options["cid"]},
            },
        }
        return self._store_post(author, _tid_now(), record)

    def metrics_wire(self, post: Post) -> dict[str, Any]:
        """What ``app.bsky.feed.getPosts`` says about the post's figures."""
        view = self.post_view(post)
        return {k: view[k] for k in ("likeCount", "repostCount", "replyCount", "quoteCount")}

    # -- switches -----------------------------------------------------------------------------

    def settings(self, values: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(values) - set(DEFAULT_SETTINGS) - {"age_tokens_seconds"}
        if unknown:
            raise ValueError(f"unknown Bluesky settings: {sorted(unknown)}")
        for name, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a whole number of at least 0")
        with self.state.lock:
            current = self.state.bucket(SETTINGS_BUCKET)
            if not current:
                current.update(DEFAULT_SETTINGS)
            current.update({k: v for k, v in values.items() if k in DEFAULT_SETTINGS})
            age = values.get("age_tokens_seconds")
            if age:
                for issued in self.state.bucket(SESSIONS_BUCKET).values():
                    issued["exp"] -= age
            return dict(current)

    def _setting(self, name: str) -> int:
        with self.state.lock:
            return int(self.state.bucket(SETTINGS_BUCKET).get(name, DEFAULT_SETTINGS[name]))

    # -- sessions -----------------------------------------------------------------------------

    def _jwt(self, did: str, kind: str, lifetime: int) -> str:
        now = int(time.time())
        header = {"typ": "at+jwt" if kind == "access" else "refresh+jwt", "alg": "HS256"}
        payload: dict[str, Any] = {
            "scope": "com.atproto.appPass" if kind == "access" else "com.atproto.refresh",
            "sub": did,
            "aud": "did:web:sandbox.bsky.example",
            "iat": now,
            "exp": now + lifetime,
        }
        if kind == "refresh":
            payload["jti"] = _b64(secrets.token_bytes(24))
        signing = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(payload).encode())
        signature = hmac.new(SECRET, signing.encode(), hashlib.sha256).digest()
        token = signing + "." + _b64(signature)
        with self.state.lock:
            self.state.bucket(SESSIONS_BUCKET)[token] = {
                "did": did,
                "kind": kind,
                "exp": now + lifetime,
                "spent": False,
            }
        return token

    def _issued(self, token: str) -> dict[str, Any]:
        with self.state.lock:
            issued = self.state.bucket(SESSIONS_BUCKET).get(token)
        if issued is None:
            raise XrpcError(401, "InvalidToken", "Token could not be verified")
        return issued

    def _account(self, token: str) -> Account:
        issued = self._issued(token)
        if issued["kind"] != "access":
            raise invalid("Invalid token type", "InvalidToken")
        if issued["exp"] <= time.time():
            raise invalid("Token has expired", "ExpiredToken")
        return self.state.account(NETWORK, issued["did"])

    def _session_body(self, request: Request, account: Account) -> dict[str, Any]:
        pds = request.host_url.rstrip("/")
        return {
            "did": account.id,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": account.id,
                "alsoKnownAs": [f"at://{account.username}"],
                "verificationMethod": [],
                "service": [
                    {
                        "id": "#atproto_pds",
                        "type": "AtprotoPersonalDataServer",
                        "serviceEndpoint": pds,
                    }
                ],
            },
            "handle": account.username,
            "accessJwt": self._jwt(account.id, "access", self._setting("access_token_seconds")),
            "refreshJwt": self._jwt(account.id, "refresh", self._setting("refresh_token_seconds")),
            "active": True,
        }

    def _create_session(self, request: Request, _account: None) -> Response:
        body = self._body(request)
        identifier = str(body.get("identifier") or "").lower()
        password = str(body.get("password") or "")
        if not identifier or not password:
            raise invalid("Input must have the properties identifier and password")
        self._count_login(identifier)
        account = self._login_account(identifier, password)
        return json_response(self._session_body(request, account))

    def _count_login(self, identifier: str) -> None:
        """The PDS's limits on createSession per identifier: 30 in 5 minutes, 300 a day."""
        now = time.time()
        with self.state.lock:
            seen = self.state.bucket(LOGINS_BUCKET).setdefault(identifier, [])
            seen[:] = [t for t in seen if t > now - 24 * 3600]
            for limit, window in (
                (self._setting("login_limit_5min"), 300),
                (self._setting("login_limit_day"), 24 * 3600),
            ):
                recent = [t for t in seen if t > now - window]
                if len(recent) >= limit:
                    raise XrpcError(
                        429,
                        "RateLimitExceeded",
                        "Rate Limit Exceeded",
                        _limit_headers(limit, 0, min(recent) + window, window),
                    )
            seen.append(now)

    def _login_account(self, identifier: str, password: str) -> Account:
        with self.state.lock:
            account = next(
                (
                    a
                    for (net, _id), a in self.state.accounts.items()
                    if net == NETWORK and identifier in (a.username.lower(), a.id.lower())
                ),
                None,
            )
            if account is None:
                handle = identifier if "." in identifier else f"{identifier}.bsky.social"
                did = identifier if identifier.startswith("did:") else did_for(handle)
                account = self.state.account(NETWORK, did, username=handle, name=handle)
            passwords = [
                t for (net, t), a in self.state.tokens.items() if net == NETWORK and a == account.id
            ]
        if passwords and password not in passwords:
            raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
        return account

    def _refresh_session(self, request: Request, token: str) -> Response:
        issued = self._issued(token)
        if issued["kind"] != "refresh":
            raise invalid("Invalid token type", "InvalidToken")
        with self.state.lock:
            if issued["spent"] or issued["exp"] <= time.time():
                raise invalid("Token has been revoked", "ExpiredToken")
            issued["spent"] = True
        account = self.state.account(NETWORK, issued["did"])
        return json_response(self._session_body(request, account))

    def _get_session(self, request: Request, account: Account) -> Response:
        return json_response({"handle": account.username, "did": account.id, "active": True})

    def _resolve_handle(self, request: Request, _account: None) -> Response:
        handle = (request.args.get("handle") or "").lower()
        with self.state.lock:
            found = next(
                (
                    a
                    for (n, _i), a in self.state.accounts.items()
                    if n == NETWORK and a.username.lower() == handle
                ),
                None,
            )
        if found is None:
            raise invalid("Unable to resolve handle")
        return json_response({"did": found.id})

    # -- records ------------------------------------------------------------------------------

    def _upload_blob(self, request: Request, account: Account) -> Response:
        data = request.get_data()
        if len(data) > MAX_UPLOAD:
            raise XrpcError(413, "PayloadTooLarge", "request entity too large")
        mime = _sniff(data) or request.headers.get("Content-Type") or "application/octet-stream"
        cid = cid_of(data, 0x55)
        media = Media(
            network=NETWORK,
            id=cid,
            account_id=account.id,
            mime_type=mime,
            kind=mime.partition("/")[0],
            size=len(data),
            ready=True,
        )
        media.segments = {0: data}
        media.assemble()
        self.state.add_media(media)
        return json_response(
            {"blob": {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}}
        )

    def _create_record(self, request: Request, account: Account) -> Response:
        body = self._body(request)
        self._own_repo(body, account)
        collection = str(body.get("collection") or "")
        rkey = str(body.get("rkey") or _tid_now())
        record = body.get("record")
        if not isinstance(record, dict):
            raise invalid("Input/record must be an object")
        if collection == POST:
            if not TID.match(rkey):
                raise invalid(f"Invalid record key: {rkey} is not a TID")
            self._validate_post(record)
            if self.state.post(NETWORK, post_key(account.id, rkey)) is not None:
                # The PDS's MST refuses the second value at the key; it answers 500 (#4728).
                raise XrpcError(500, "InternalServerError", "Internal Server Error")
            post = self._store_post(account, rkey, {**record, "$type": POST})
            return json_response(self._write_answer(uri_of(post), post.options["cid"]))
        if (account.id, collection, rkey) in self._records:
            raise XrpcError(500, "InternalServerError", "Internal Server Error")
        return self._store_record(account, collection, rkey, record)

    def _put_record(self, request: Request, account: Account) -> Response:
        body = self._body(request)
        self._own_repo(body, account)
        collection = str(body.get("collection") or "")
        rkey = str(body.get("rkey") or "")
        record = body.get("record")
        if not RKEY.match(rkey) or not isinstance(record, dict):
            raise invalid("Input must have the properties rkey and record")
        if collection == POST:
            raise invalid("hub's sandbox does not edit posts")
        if collection == THREADGATE:
            hidden = record.get("hiddenReplies") or []
            if len(hidden) > 300:
                raise invalid(
                    "Invalid app.bsky.feed.threadgate record: Record/hiddenReplies must not "
                    "have more than 300 elements"
                )
            if record.get("post") != f"at://{account.id}/{POST}/{rkey}":
                raise invalid(
                    "Invalid app.bsky.feed.threadgate record: post must be at the same rkey"
                )
            with self.state.lock:  # what readers see: the control API's "hidden"
                for post in self.state.posts_of(NETWORK):
                    if post.root_id == post_key(account.id, rkey):
                        post.hidden = uri_of(post) in hidden
        return self._store_record(account, collection, rkey, record)

    def _store_record(
        self, account: Account, collection: str, rkey: str, record: dict[str, Any]
    ) -> Response:
        value = {**record, "$type": collection}
        cid = cid_of(json.dumps(value, sort_keys=True).encode(), 0x71)
        with self.state.lock:
            self._records[(account.id, collection, rkey)] = {"value": value, "cid": cid}
        return json_response(self._write_answer(f"at://{account.id}/{collection}/{rkey}", cid))

    def _get_record(self, request: Request, account: Account) -> Response:
        repo = request.args.get("repo") or ""
        collection = request.args.get("collection") or ""
        rkey = request.args.get("rkey") or ""
        did = self._did_of(repo)
        uri = f"at://{did}/{collection}/{rkey}"
        if collection == POST:
            post = self.state.post(NETWORK, post_key(did, rkey))
            if post is None or post.deleted:
                raise invalid(f"Could not locate record: {uri}", "RecordNotFound")
            return json_response(
                {"uri": uri, "cid": post.options["cid"], "value": post.options["record"]}
            )
        with self.state.lock:
            found = self._records.get((did, collection, rkey))
        if found is None:
            raise invalid(f"Could not locate record: {uri}", "RecordNotFound")
        return json_response({"uri": uri, "cid": found["cid"], "value": found["value"]})

    def _delete_record(self, request: Request, account: Account) -> Response:
        body = self._body(request)
        self._own_repo(body, account)
        collection, rkey = str(body.get("collection") or ""), str(body.get("rkey") or "")
        with self.state.lock:
            if collection == POST:
                post = self.state.post(NETWORK, post_key(account.id, rkey))
                if post is not None:
                    post.deleted = True
            else:
                self._records.pop((account.id, collection, rkey), None)
        return json_response({"commit": self._commit()})

    def _validate_post(self, record: Mapping[str, Any]) -> None:
        text = str(record.get("text") or "")
        where = "Invalid app.bsky.feed.post record: Record/text"
        if len(GRAPHEME.findall(text)) > MAX_GRAPHEMES:
            raise invalid(f"{where} must not be longer than {MAX_GRAPHEMES} graphemes")
        if len(text.encode()) > MAX_BYTES:
            raise invalid(f"{where} must not be longer than {MAX_BYTES} characters")
        if not record.get("createdAt"):
            raise invalid(
                'Invalid app.bsky.feed.post record: Record must have the property "createdAt"'
            )
        for index, lang in enumerate(record.get("langs") or []):
            if not LANG.match(str(lang)):
                raise invalid(
                    f"Invalid app.bsky.feed.post record: Record/langs/{index} must be a "
                    "well-formed BCP 47 language tag"
                )
        size = len(text.encode())
        for facet in record.get("facets") or []:
            index = facet.get("index") or {}
            if not 0 <= int(index.get("byteStart", -1)) <= int(index.get("byteEnd", -1)) <= size:
                raise invalid("Invalid app.bsky.feed.post record: facet index outside the text")
        embed = record.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.images":
            images = embed.get("images") or []
            if len(images) > MAX_IMAGES:
                raise invalid(
                    "Invalid app.bsky.feed.post record: Record/embed/images must not have more "
                    f"than {MAX_IMAGES} elements"
                )
            for image in images:
                ref = ((image.get("image") or {}).get("ref") or {}).get("$link")
                media = self.state.get_media(NETWORK, str(ref))
                if media is None:
                    raise invalid(f"Could not find blob: {ref}", "BlobNotFound")
                if (media.size or 0) > MAX_IMAGE_BLOB:
                    raise invalid(
                        f"This file is too large. It is {media.size} bytes but the maximum size "
                        f"is {MAX_IMAGE_BLOB} bytes.",
                        "BlobTooLarge",
                    )
                if "alt" not in image:
                    raise invalid(
                        "Invalid app.bsky.feed.post record: "
                        'Record/embed/images/0 must have the property "alt"'
                    )

    def _store_post(self, account: Account, rkey: str, record: dict[str, Any]) -> Post:
        did = account.id
        uri = f"at://{did}/{POST}/{rkey}"
        cid = cid_of(json.dumps(record, sort_keys=True).encode(), 0x71)
        reply = record.get("reply") or {}
        root = self._post_by_uri(((reply.get("root") or {}).get("uri")) or "")
        parent = self._post_by_uri(((reply.get("parent") or {}).get("uri")) or "")
        media = []
        for image in (record.get("embed") or {}).get("images") or []:
            found = self.state.get_media(
                NETWORK, str(((image.get("image") or {}).get("ref") or {}).get("$link"))
            )
            if found is not None:
                found.alt_text = image.get("alt")
                media.append(found)
        external = (record.get("embed") or {}).get("external") or {}
        post = self.state.add_post(
            Post(
                network=NETWORK,
                id=post_key(did, rkey),
                account_id=did,
                text=str(record.get("text") or ""),
                url=f"https://bsky.app/profile/{account.username}/post/{rkey}",
                media=media,
                link=external.get("uri"),
                parent_id=parent.id if parent else None,
                root_id=root.id if root else None,
                options={
                    "at_uri": uri,
                    "cid": cid,
                    "rkey": rkey,
                    "record": record,
                    "langs": record.get("langs"),
                },
            )
        )
        self._notify(post, record)
        return post

    def _notify(self, post: Post, record: Mapping[str, Any]) -> None:
        """Notifications for the accounts a new post replies to, mentions or quotes."""
        reasons: list[tuple[str, str, str | None]] = []  # (recipient did, reason, subject)
        parent = self.state.post(NETWORK, post.parent_id) if post.parent_id else None
        if parent is not None:
            reasons.append((parent.account_id, "reply", uri_of(parent)))
        for facet in record.get("facets") or []:
            for feature in facet.get("features") or []:
                if feature.get("$type") == "app.bsky.richtext.facet#mention":
                    reasons.append((str(feature.get("did")), "mention", None))
        quoted = ((record.get("embed") or {}).get("record") or {}).get("uri")
        target = self._post_by_uri(str(quoted or ""))
        if target is not None:
            reasons.append((target.account_id, "quote", uri_of(target)))
        with self.state.lock:
            for did, reason, subject in reasons:
                if did == post.account_id:
                    continue
                self._notifications.append(
                    {
                        "recipient": did,
                        "post": post.id,
                        "reason": reason,
                        "subject": subject,
                        "at": iso(utcnow()),
                    }
                )

    # -- the app view -------------------------------------------------------------------------

    def _get_profile(self, request: Request, account: Account) -> Response:
        actor = self._account_of(request.args.get("actor") or "")
        with self.state.lock:
            posts = sum(
                1
                for p in self.state.posts_of(NETWORK)
                if p.account_id == actor.id and not p.deleted
            )
        return json_response(
            {
                **self._profile(actor),
                "description": "",
                "indexedAt": "2024-02-01T09:00:00.000Z",
                "followersCount": actor.followers,
                "followsCount": 0,
                "postsCount": posts,
                "associated": {"lists": 0, "feedgens": 0, "starterPacks": 0, "labeler": False},
            }
        )

    def _get_posts(self, request: Request, account: Account) -> Response:
        uris = request.args.getlist("uris")
        if len(uris) > 25:
            raise invalid("Error: uris must not have more than 25 elements")
        found = [self._post_by_uri(uri) for uri in uris]
        return json_response(
            {"posts": [self.post_view(p) for p in found if p is not None and not p.deleted]}
        )

    def _get_post_thread(self, request: Request, account: Account) -> Response:
        uri = request.args.get("uri") or ""
        depth = min(int(request.args.get("depth") or 6), 1000)
        post = self._post_by_uri(uri)
        if post is None or post.deleted:
            raise invalid(f"Post not found: {uri}", "NotFound")
        root = self.state.post(NETWORK, post.root_id) if post.root_id else post
        gate = None
        if root is not None:
            with self.state.lock:
                gate = self._records.get((root.account_id, THREADGATE, root.options["rkey"]))
        return json_response({"thread": self._thread(post, depth, root, gate)})

    def _thread(
        self, post: Post, depth: int, root: Post | None, gate: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        view = self.post_view(post)
        if post is root and gate is not None:
            view["threadgate"] = {
                "uri": f"at://{root.account_id}/{THREADGATE}/{root.options['rkey']}",
                "cid": gate["cid"],
                "record": gate["value"],
                "lists": [],
            }
        node: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": view}
        if depth > 0:
            with self.state.lock:
                children = [
                    p
                    for p in self.state.posts_of(NETWORK)
                    if p.parent_id == post.id and not p.deleted
                ]
            children.sort(key=lambda p: p.created_at)
            node["replies"] = [self._thread(c, depth - 1, root, gate) for c in children]
        return node

    def _list_notifications(self, request: Request, account: Account) -> Response:
        limit = min(int(request.args.get("limit") or 50), 100)
        reasons = set(request.args.getlist("reasons"))
        after = int(request.args.get("cursor") or 0)  # how many of the newest to skip
        with self.state.lock:
            mine = [n for n in reversed(self._notifications) if n["recipient"] == account.id]
        if reasons:
            mine = [n for n in mine if n["reason"] in reasons]
        page = mine[after : after + limit]
        items = []
        for note in page:
            post = self.state.post(NETWORK, note["post"])
            if post is None or post.deleted:
                continue
            author = self.state.account(NETWORK, post.account_id)
            item = {
                "uri": uri_of(post),
                "cid": post.options["cid"],
                "author": {**self._profile(author), "description": ""},
                "reason": note["reason"],
                "record": post.options["record"],
                "isRead": False,
                "indexedAt": note["at"],
                "labels": [],
            }
            if note["subject"]:
                item["reasonSubject"] = note["subject"]
            items.append(item)
        body: dict[str, Any] = {"notifications": items, "priority": False}
        if after + limit < len(mine):
            body["cursor"] = str(after + limit)
        return json_response(body)

    def post_view(self, post: Post) -> dict[str, Any]:
        author = self.state.account(NETWORK, post.account_id)
        figures = engagement.figures(self.state, post)
        with self.state.lock:
            replies = sum(
                1 for p in self.state.posts_of(NETWORK) if p.parent_id == post.id and not p.deleted
            )
            quotes = sum(
                1
                for p in self.state.posts_of(NETWORK)
                if not p.deleted
                and ((p.options.get("record") or {}).get("embed") or {})
                .get("record", {})
                .get("uri")
                == uri_of(post)
            )
        view: dict[str, Any] = {
            "uri": uri_of(post),
            "cid": post.options["cid"],
            "author": self._profile(author),
            "record": post.options["record"],
            "replyCount": int(post.metrics.get("replyCount", replies)),
            "repostCount": int(post.metrics.get("repostCount", figures.get("shares", 0))),
            "likeCount": int(post.metrics.get("likeCount", figures.get("likes", 0))),
            "quoteCount": int(post.metrics.get("quoteCount", quotes)),
            "bookmarkCount": 0,
            "indexedAt": iso(post.created_at),
            "viewer": {"threadMuted": False, "embeddingDisabled": False},
            "labels": [],
        }
        embed = self._embed_view(post)
        if embed:
            view["embed"] = embed
        return view

    def _embed_view(self, post: Post) -> dict[str, Any] | None:
        embed = (post.options.get("record") or {}).get("embed") or {}
        kind = embed.get("$type")
        cdn = "https://cdn.bsky.app/img"
        if kind == "app.bsky.embed.images":
            base = f"{post.account_id}/{{}}@jpeg"
            return {
                "$type": "app.bsky.embed.images#view",
                "images": [
                    {
                        "thumb": f"{cdn}/feed_thumbnail/plain/"
                        + base.format(i["image"]["ref"]["$link"]),
                        "fullsize": f"{cdn}/feed_fullsize/plain/"
                        + base.format(i["image"]["ref"]["$link"]),
                        "alt": i.get("alt", ""),
                        **({"aspectRatio": i["aspectRatio"]} if i.get("aspectRatio") else {}),
                    }
                    for i in embed.get("images") or []
                ],
            }
        if kind == "app.bsky.embed.external":
            external = embed.get("external") or {}
            return {
                "$type": "app.bsky.embed.external#view",
                "external": {k: external.get(k, "") for k in ("uri", "title", "description")},
            }
        return None

    # -- helpers ------------------------------------------------------------------------------

    @property
    def _records(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        return self.state.bucket(RECORDS_BUCKET)

    @property
    def _notifications(self) -> list[dict[str, Any]]:
        return self.state.bucket(NOTIFY_BUCKET).setdefault("all", [])

    def _profile(self, account: Account) -> dict[str, Any]:
        return {
            "did": account.id,
            "handle": account.username,
            "displayName": account.name,
            "avatar": f"https://cdn.bsky.app/img/avatar/plain/{account.id}/sandbox@jpeg",
            "associated": {"chat": {"allowIncoming": "following"}},
            "viewer": {"muted": False, "blockedBy": False},
            "labels": [],
            "createdAt": "2024-02-01T09:00:00.000Z",
        }

    def _bluesky_account(self, author: Account) -> Account:
        """A citizen made by the shared control code has a numeric id; on Bluesky it is a DID."""
        if author.id.startswith("did:"):
            return author
        handle = f"{author.username}.bsky.social"
        return self.state.put_account(
            Account(NETWORK, did_for(handle), handle, author.name, is_citizen=author.is_citizen)
        )

    def _did_of(self, actor: str) -> str:
        return actor if actor.startswith("did:") else self._account_of(actor).id

    def _account_of(self, actor: str) -> Account:
        with self.state.lock:
            for (network, _id), account in self.state.accounts.items():
                if network == NETWORK and actor.lower() in (
                    account.id.lower(),
                    account.username.lower(),
                ):
                    return account
        raise invalid("Profile not found")

    def _post_by_uri(self, uri: str) -> Post | None:
        parts = uri.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[1] != POST:
            return None
        return self.state.post(
            NETWORK,
            post_key(
                self._did_of(parts[0]) if not parts[0].startswith("did:") else parts[0], parts[2]
            ),
        )

    def _own_repo(self, body: Mapping[str, Any], account: Account) -> None:
        repo = str(body.get("repo") or "")
        if repo not in (account.id, account.username):
            raise XrpcError(401, "AuthenticationRequired", "Authentication Required")

    def _write_answer(self, uri: str, cid: str) -> dict[str, Any]:
        return {"uri": uri, "cid": cid, "commit": self._commit(), "validationStatus": "valid"}

    def _commit(self) -> dict[str, str]:
        return {"cid": cid_of(secrets.token_bytes(16), 0x71), "rev": _tid_now()}

    def _body(self, request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise invalid("Request body must be a JSON object")
        return body


def _limit_headers(limit: int, remaining: int, reset_at: float, window: int) -> dict[str, str]:
    """The PDS's rate-limit headers (reset: epoch seconds; policy: ``limit;w=seconds``)."""
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(int(reset_at)),
        "RateLimit-Policy": f"{limit};w={window}",
    }


def _sniff(data: bytes) -> str | None:
    """The blob's type from its first bytes, as the PDS determines it."""
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None
