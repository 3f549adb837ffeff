"""The Graph API's common ground, shared by Facebook Pages (``facebook.py``) and Instagram.

Both networks live under one URL space, ``/vNN.N/{object-id}[/{edge}]``, with one way of
authenticating (``access_token`` in the query or form), one error body
(``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``) and the same usage
headers (``x-app-usage``, ``x-business-use-case-usage``). This module owns those; each network
is a :class:`GraphProduct` that answers for the objects and edges it knows. Which network a
request belongs to (for faults and the log) is decided by the object id: a known object belongs
to the product that made it; an unknown id goes to the product whose edge is asked for.

What Graph does the same way on both networks is here too, so the two products cannot drift
apart: routing a call by (object kind, edge, method), the "object does not exist" refusal,
``fields`` picking, ``limit`` and offset-cursor paging, and deleting an object.

Two hosts, as at Meta. ``graph.facebook.com`` is served at the root (``/vNN.N/...``): Facebook
pages, and Instagram accounts reached through Facebook Login. ``graph.instagram.com`` (Instagram
API with Instagram Login) is served under the prefix ``/graph.instagram.com`` (``/vNN.N/...``
and the unversioned ``/refresh_access_token`` and ``/access_token``): Instagram objects only.
Each host takes only its own tokens, told apart as Meta's are by how they begin (``IGAA``/
``IGQV``: Instagram Login; anything else: Facebook Login): the other host refuses them with
Graph's "Invalid OAuth access token" (code 190).
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.wrappers import Request, Response

from hub.sandbox.core import Account, NetworkApi, Post, SandboxState, json_response

VERSION_PATH = re.compile(r"^/(v\d+\.\d+)(?:/([^/]*))?(?:/([^/]+))?/?$")
# graph.instagram.com, in the sandbox: its paths under this prefix (Settings.api_url adds it).
INSTAGRAM_HOST = "/graph.instagram.com"
# graph.threads.net, in the sandbox (hub.sandbox.threads): its paths under this prefix.
THREADS_HOST = "/graph.threads.net"
# The hosts served under a prefix, by GraphCall.host: their paging links carry it.
HOST_PREFIXES = {"instagram": INSTAGRAM_HOST, "threads": THREADS_HOST}
# How Meta's Instagram-Login tokens begin (Facebook Login's begin with "EAA").
INSTAGRAM_LOGIN_TOKENS = ("IGAA", "IGQV")
# graph.instagram.com's token endpoints carry no version.
UNVERSIONED = frozenset({"refresh_access_token", "access_token"})
APP_CALLS_PER_HOUR = 4800  # what 100 % in x-app-usage stands for, in the sandbox
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S+0000"
MAX_IDS = 50  # objects per ``?ids=`` lookup

# The error each HTTP status stands for when a fault asks for it: (code, subcode, message).
STATUS_ERRORS: dict[int, tuple[int, int | None, str]] = {
    400: (100, None, "(#100) Invalid parameter"),
    401: (190, None, "Invalid OAuth access token - Cannot parse access token"),
    403: (200, None, "(#200) Permissions error"),
    404: (
        100,
        33,
        "Unsupported get request. Object does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation.",
    ),
    429: (
        80001,
        None,
        "(#80001) There have been too many calls to this Page account. Wait a bit and try again. "
        "For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    ),
    500: (1, 99, "An unknown error occurred"),
    503: (2, None, "An unexpected error has occurred. Please retry your request later."),
}


class GraphError(Exception):
    """An error answer in the Graph API's shape."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        subcode: int | None = None,
        error_type: str = "OAuthException",
        user_title: str | None = None,
        user_msg: str | None = None,
        transient: bool | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.subcode = subcode
        self.error_type = error_type
        self.user_title = user_title
        self.user_msg = user_msg
        self.transient = transient
        self.data = data

    def body(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": self.error_type,
            "code": self.code,
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient is not None:
            error["is_transient"] = self.transient
        if self.user_title:
            error["error_user_title"] = self.user_title
        if self.user_msg:
            error["error_user_msg"] = self.user_msg
        if self.data:
            error["error_data"] = dict(self.data)
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
        error.update(overrides or {})
        return {"error": error}


def graph_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(GRAPH_TIME)


def parse_graph_time(value: str, name: str) -> datetime:
    """``since``/``until``: a Unix timestamp or an ISO 8601 date, as Graph accepts them."""
    try:
        return datetime.fromtimestamp(int(value), UTC)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GraphError(100, f"(#100) The parameter {name} is not a valid time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pick(values: Mapping[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """The fields asked for that have a value; Graph always includes the id."""
    return {f: values[f] for f in ["id", *fields] if values.get(f) is not None}


def split_fields(value: str | None, default: Sequence[str]) -> list[str]:
    """Top-level names of a ``fields`` list (nested ``attachments{media}`` -> ``attachments``)."""
    if not value:
        return list(default)
    names, depth, current = [], 0, ""
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == "," and depth == 0:
            names.append(current)
            current = ""
            continue
        if depth == 0 and char not in "{}":
            current += char
    names.append(current)
    return [n.strip().split(".")[0] for n in names if n.strip()]


@dataclass
class GraphCall:
    """One Graph request, taken apart."""

    request: Request
    version: str
    object_id: str
    edge: str | None
    method: str
    params: MultiDict[str, str]
    files: MultiDict[str, FileStorage]
    token: str
    host: str = "facebook"  # "instagram": graph.instagram.com (Instagram Login); "threads"

    def fields(self, default: Sequence[str]) -> list[str]:
        return split_fields(self.params.get("fields"), default)

    def flag(self, name: str, default: bool) -> bool:
        value = self.params.get(name)
        return default if value is None else value.lower() not in ("false", "0")

    def limit(self, default: int) -> int:
        """``limit``: how many one page holds (1 to 100), ``default`` when not asked."""
        try:
            return min(max(int(self.params.get("limit", default)), 1), 100)
        except ValueError:
            raise GraphError(100, "(#100) The parameter limit must be a number") from None

    def next_url(self, drop: Sequence[str] = (), **changes: str) -> str:
        params = {k: v for k, v in self.params.items(multi=False) if k not in drop}
        params.update(changes)
        path = f"{self.version}/{self.object_id}" + (f"/{self.edge}" if self.edge else "")
        prefix = HOST_PREFIXES[self.host].lstrip("/") + "/" if self.host in HOST_PREFIXES else ""
        return f"{self.request.host_url}{prefix}{path}?{urlencode(params)}"


def _offset_cursor(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode()


def offset_page(
    call: GraphCall,
    items: Sequence[Any],
    render: Callable[[Any], dict[str, Any]],
    *,
    default_limit: int,
    before: bool = False,
    bare_last: bool = False,
) -> dict[str, Any]:
    """One page of ``items`` (already in order), as Graph pages an edge: ``limit`` items after
    the ``after`` cursor (or before the ``before`` cursor; both offsets), with
    ``paging.cursors`` (``before`` too if asked), a ``next`` link while more are left and a
    ``previous`` link after the first page. ``bare_last``: the last page has no ``paging`` at
    all (Instagram's comment listings)."""
    limit = call.limit(default_limit)
    after, ahead = call.params.get("after"), call.params.get("before")
    if ahead and not after:
        end = _offset_of(ahead)
        offset = max(end - limit, 0)
        page = items[offset:end]
    else:
        offset = _offset_of(after) if after else 0
        page = items[offset : offset + limit]
    body: dict[str, Any] = {"data": [render(item) for item in page]}
    more = offset + len(page) < len(items)
    if page and not (bare_last and not more):
        cursor = _offset_cursor(offset + len(page))
        cursors = {"after": cursor}
        if before:
            cursors = {"before": _offset_cursor(offset), **cursors}
        body["paging"] = {"cursors": cursors}
        if more:
            body["paging"]["next"] = call.next_url(drop=("before",), after=cursor)
        if offset > 0:
            body["paging"]["previous"] = call.next_url(
                drop=("after",), before=_offset_cursor(offset)
            )
    return body


def _offset_of(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode())
    except ValueError:
        raise GraphError(100, "(#100) Invalid cursor") from None


Handler = Callable[[GraphCall], dict[str, Any]]


class GraphProduct(ABC):
    """One network on the Graph API: the objects it keeps and the edges it answers.

    A product says what kind each object id is (:meth:`kind_of`) and which handler answers
    which (kind, edge, method) (:meth:`routes`); :meth:`handle` does the rest, as Graph does:
    anything else is "object does not exist".
    """

    network: str
    #: edges that belong to this network: an unknown id asked for one of them is its account
    edges: frozenset[str]
    #: words the network adds to its "does not exist" refusal (Facebook points to its docs)
    not_found_hint: str = ""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    @property
    def _objects(self) -> dict[str, str]:
        """The kind of every object this network made, by id."""
        return self.state.bucket(f"{self.network}.objects")

    def owns(self, object_id: str) -> bool:
        """Is this a known object of this network?"""
        return object_id in self._objects

    @abstractmethod
    def kind_of(self, object_id: str) -> str | None:
        """What the object is (``"page"``, ``"post"``, ...), or None if unknown."""

    @abstractmethod
    def routes(self) -> dict[tuple[str, str | None, str], Handler]:
        """The handler for each (object kind, edge or None, HTTP method)."""

    def handle(self, call: GraphCall) -> dict[str, Any]:
        """Answer the call or raise :class:`GraphError`."""
        kind = self.kind_of(call.object_id)
        handler = self.routes().get((kind or "", call.edge, call.method))
        if handler is None:
            raise self.not_found(call)
        return handler(call)

    def not_found(self, call: GraphCall) -> GraphError:
        """Graph's refusal of an object that does not exist (or not for this call)."""
        message = (
            f"Unsupported {call.method.lower()} request. Object with ID '{call.object_id}' does "
            "not exist, cannot be loaded due to missing permissions, or does not support this "
            "operation."
        )
        return GraphError(
            100, f"{message} {self.not_found_hint}" if self.not_found_hint else message, subcode=33
        )

    def existing(self, call: GraphCall) -> Post:
        """The post or comment the call names; :meth:`not_found` if unknown or deleted."""
        found = self.state.post(self.network, call.object_id)
        if found is None or found.deleted:
            raise self.not_found(call)
        return found

    def delete(self, call: GraphCall) -> dict[str, Any]:
        """``DELETE /{id}`` of a post or comment: gone from then on."""
        with self.state.lock:
            self.existing(call).deleted = True
        return {"success": True}

    @abstractmethod
    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        """A simulated citizen comments on a post."""

    def usage_owner(self, call: GraphCall) -> str | None:
        """The business object (page) whose usage header this call counts against."""
        return None


def is_instagram_login_token(token: str) -> bool:
    return token.startswith(INSTAGRAM_LOGIN_TOKENS)


def host_of(path: str) -> tuple[str, str]:
    """(``"instagram"``, the path on graph.instagram.com) or (``"facebook"``, ``path``)."""
    if path == INSTAGRAM_HOST or path.startswith(INSTAGRAM_HOST + "/"):
        return "instagram", path[len(INSTAGRAM_HOST) :] or "/"
    return "facebook", path


class GraphApi(NetworkApi):
    def __init__(self, state: SandboxState, products: Sequence[type[GraphProduct]]) -> None:
        super().__init__(state)
        self.products = {cls.network: cls(state) for cls in products}
        self.networks = tuple(self.products)

    def claims(self, path: str) -> bool:
        host, rest = host_of(path)
        return VERSION_PATH.match(rest) is not None or (
            host == "instagram" and rest.strip("/") in UNVERSIONED
        )

    def _split(self, path: str) -> tuple[str, str, str, str | None]:
        """(host, version, object id, edge) of a Graph path."""
        host, rest = host_of(path)
        if host == "instagram" and rest.strip("/") in UNVERSIONED:
            return host, "", rest.strip("/"), None
        match = VERSION_PATH.match(rest)
        if match is None:  # pragma: no cover - claims() ran first
            raise GraphError(100, "Unknown path components")
        return host, match.group(1), match.group(2) or "", match.group(3)

    def network_of(self, request: Request) -> str:
        host, _, object_id, edge = self._split(request.path)
        if host == "instagram":
            return "instagram"  # graph.instagram.com knows nothing else
        if not object_id and request.args.get("ids"):
            object_id = request.args["ids"].split(",")[0]  # a multi-id lookup (figures)
        for product in self.products.values():
            if product.owns(object_id):
                return product.network
        for product in self.products.values():
            if edge in product.edges:
                return product.network
        return self.networks[0]

    def token_of(self, request: Request) -> str | None:
        token = request.values.get("access_token")
        if token:
            return token
        auth = request.headers.get("Authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if auth.startswith(scheme):
                return auth[len(scheme) :].strip() or None
        return None

    def handle(self, request: Request, network: str, token: str) -> Response:
        host, version, object_id, edge = self._split(request.path)
        params: MultiDict[str, str] = MultiDict(request.args)
        params.update(request.form)
        call = GraphCall(
            request=request,
            version=version,
            object_id=object_id,
            edge=edge,
            method=request.method,
            params=params,
            files=request.files,
            token=token,
            host=host,
        )
        product = self.products[network]
        try:
            if is_instagram_login_token(token) != (host == "instagram"):
                # Each host parses only its own tokens (Meta's answer to a foreign one).
                raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
            if object_id == "me" and host == "instagram":
                bound = self.state.tokens.get((network, token))
                if bound is None:
                    raise product.not_found(call)
                call = replace(call, object_id=bound)
            if host == "facebook" and (object_id, edge) == ("oauth", "access_token"):
                return json_response(self._exchange_token(call))
            if not object_id and call.params.get("ids") and call.method == "GET":
                response = json_response(self._lookup_ids(call, product))
                self._usage_headers(response, None)
                return response
            if not object_id:
                raise GraphError(100, "(#100) An object id is required")
            response = json_response(product.handle(call))
        except GraphError as error:
            response = json_response(error.body(), error.status)
        self._usage_headers(response, product.usage_owner(call))
        return response

    def _exchange_token(self, call: GraphCall) -> dict[str, Any]:
        """``GET /vNN.N/oauth/access_token?grant_type=fb_exchange_token``: Facebook Login's
        renewal (the app's ``client_id`` and ``client_secret``): a new long-lived token (60
        days) acting for the same page or account as the old one."""
        if call.params.get("grant_type") != "fb_exchange_token":
            raise GraphError(100, "(#100) Unsupported grant_type")
        if not call.params.get("client_id") or not call.params.get("client_secret"):
            raise GraphError(101, "Error validating application. Invalid application ID.")
        old = call.params.get("fb_exchange_token") or call.token
        new = "EAA" + secrets.token_urlsafe(32)
        with self.state.lock:
            for network in self.networks:
                bound = self.state.tokens.get((network, old))
                if bound:
                    self.state.tokens[(network, new)] = bound
        return {"access_token": new, "token_type": "bearer", "expires_in": 60 * 86400}

    def _lookup_ids(self, call: GraphCall, default: GraphProduct) -> dict[str, Any]:
        """``GET /vNN.N/?ids=a,b&fields=...``: several objects in one request (at most 50), as
        hub reads post figures. One unknown id fails the whole request, as on Graph."""
        ids = [i for i in (call.params.get("ids") or "").split(",") if i]
        if len(ids) > MAX_IDS:
            raise GraphError(100, f"(#100) Too many IDs. Maximum: {MAX_IDS}.")
        found = {}
        for object_id in ids:
            product = next(
                (
                    p
                    for p in self.products.values()
                    if p.owns(object_id) and (call.host == "facebook" or p is default)
                ),
                default,
            )
            found[object_id] = product.handle(replace(call, object_id=object_id, edge=None))
        return found

    def _usage_headers(self, response: Response, owner: str | None, regain: int = 0) -> None:
        hour = int(time.time() // 3600)
        calls = self.state.bucket("graph.calls")
        with self.state.lock:
            calls[hour] = used = calls.get(hour, 0) + 1
        percent = min(100, used * 100 // APP_CALLS_PER_HOUR)
        response.headers["x-app-usage"] = json.dumps(
            {"call_count": percent, "total_cputime": percent, "total_time": percent}
        )
        if owner:
            response.headers["x-business-use-case-usage"] = json.dumps(
                {
                    owner: [
                        {
                            "type": "pages",
                            "call_count": 100 if regain else percent,
                            "total_cputime": percent,
                            "total_time": percent,
                            "estimated_time_to_regain_access": regain,
                        }
                    ]
                }
            )

    def error_response(
        self,
        network: str,
        status: int,
        *,
        retry_after: float | None = None,
        overrides: Mapping[str, Any] | None = None,
        request: Request | None = None,
    ) -> Response:
        code, subcode, message = STATUS_ERRORS.get(status, STATUS_ERRORS[500])
        error = GraphError(
            code,
            message,
            status=status,
            subcode=subcode,
            transient=True if status >= 500 else None,
        )
        response = json_response(error.body(overrides), status)
        owner = None
        if request is not None:
            _, _, object_id, _ = self._split(request.path)
            owner = object_id.split("_")[0] or None
        if status == 429:
            wait = retry_after if retry_after is not None else 60.0
            response.headers["Retry-After"] = str(math.ceil(wait))
            self._usage_headers(response, owner, regain=max(1, math.ceil(wait / 60)))
        else:
            self._usage_headers(response, owner)
        return response

    def expired_response(self, network: str) -> Response:
        expired_at = datetime.now(UTC).strftime("%A, %d-%b-%y %H:%M:%S UTC")
        error = GraphError(
            190,
            f"Error validating access token: Session has expired on {expired_at}. "
            f"The current time is {expired_at}.",
            subcode=463,
        )
        response = json_response(error.body(), 400)
        response.headers["WWW-Authenticate"] = (
            'OAuth "Facebook Platform" "invalid_token" "Error validating access token"'
        )
        return response

    def missing_token_response(self, network: str) -> Response:
        error = GraphError(104, "An access token is required to request this resource.")
        return json_response(error.body(), 400)

    def add_comment(self, post: Post, text: str, author: Account) -> Post:
        return self.products[post.network].add_comment(post, text, author)

    def metrics_wire(self, post: Post) -> Any:
        """The post's figures as its Graph product sends them (None if it has no figures)."""
        product = self.products.get(post.network)
        render = getattr(product, "metrics_wire", None)
        return render(post) if render else None
