"""The sandbox's control endpoints, under ``/_sandbox/``: look inside, and make networks misbehave.

Tests, the demo and people practising use them the same way (``hub.sandbox.client`` wraps them):

- ``GET  /_sandbox/health`` -> ``{"ok": true, "networks": [...]}``
- ``GET  /_sandbox/posts?network=x[&account=ID][&comments=1][&deleted=1]`` -> the posts as the
  network holds them: ``[{"network", "id", "text", "media": [{"alt_text", "size", "sha256",
  ...}], "created_at", "url", ...}]``, oldest first
- ``GET  /_sandbox/posts/<network>/<id>``; ``POST /_sandbox/posts/<network>/<id>/metrics``
  ``{"like_count": 3, ...}`` sets figures the network reports
- ``GET  /_sandbox/metrics?network=x&post_id=ID`` -> ``{"figures": {"views", ...}, "wire": ...}``:
  what the network would say about the post's figures now; ``GET|POST /_sandbox/engagement``
  ``{"speed": 60, "advance_seconds": 3600}``: let figures grow over time (``engagement``)
- ``GET  /_sandbox/comments?network=x[&post_id=ID]`` -> ``[{"id", "remote_id" (the network's
  id for it, which hub stores: Bluesky's AT URI, else the same as "id"), "network", "post_id",
  "parent_id", "text", "author", "author_id", "hidden", "deleted", "from_owner", ...}]``,
  oldest first (``parent_id``: the comment answered, null for a comment on the post itself;
  ``from_owner``: written by the post's own account, i.e. our replies)
- ``POST /_sandbox/comments`` ``{"network", "post_id", "text", "author", "parent_id"}``: a
  citizen comments (or answers the comment ``parent_id``); returns the comment as listed
- ``POST /_sandbox/comments/bulk`` ``{"network", "post_id", "comments": [{"text", "author",
  "reply_to", "parent_id", "created_at", "from_owner"}, ...]}``: many comments under one post
  at once (benchmarks, trainers): ``reply_to`` answers an earlier comment of the same list (its
  index), ``parent_id`` one already there, ``created_at`` (ISO 8601) backdates it,
  ``from_owner`` writes it as the post's own account (our reply made on the network); one name
  is one citizen. All or nothing, at most 10,000 a call; returns ``{"network", "post_id",
  "count", "ids"}``
- ``PATCH /_sandbox/comments/<network>/<id>`` ``{"text"}``: its author edits it;
  ``DELETE /_sandbox/comments/<network>/<id>``: its author deletes it
- ``GET|POST /_sandbox/citizens`` ``{"per_minute": 4}``: simulated citizens comment on the
  published posts now and then (0: they stop); see :mod:`hub.sandbox.citizens`
- ``GET|POST /_sandbox/accounts``: list; create or rename one, optionally binding a ``token``
  ``{"network", "id", "username", "name", "followers", "token"}``
- ``GET|POST|DELETE /_sandbox/faults``: list, add (see :class:`hub.sandbox.core.Fault`), clear
- ``GET|POST /_sandbox/settings/<network>``: a network's own switches, where it has some
  (YouTube: ``{"unverified_project": true, "hold_comments": "heldForReview"}``; X:
  ``{"daily_post_limit", "app_daily_post_limit", "access_token_seconds",
  "age_tokens_seconds"}``, see :mod:`hub.sandbox.x`)
- ``POST /_sandbox/reset``: forget everything
- ``GET  /_sandbox/requests?network=x`` -> ``[{"seq", "network", "method", "path", "query",
  "status", "fault", "time", "duration_ms"}]``
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from hub.sandbox import engagement
from hub.sandbox.citizens import Citizens
from hub.sandbox.core import Account, Post, json_response

if TYPE_CHECKING:
    from hub.sandbox.server import SandboxApp

MAX_BULK = 10_000  # comments per bulk call


def _moment(item: dict[str, Any], where: str) -> datetime | None:
    """``created_at`` of a bulk comment: ISO 8601, aware (``Z`` or an offset), as UTC."""
    value = item.get("created_at")
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ControlError(f"{where}: created_at must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ControlError(f"{where}: created_at needs a time zone (Z or an offset)")
    return moment.astimezone(UTC)


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


class Control:
    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.state = app.state
        self.citizens = Citizens(app)
        self.url_map = Map(
            [
                Rule("/_sandbox/health", endpoint="health", methods=["GET"]),
                Rule("/_sandbox/posts", endpoint="posts", methods=["GET"]),
                Rule("/_sandbox/posts/<network>/<post_id>", endpoint="post", methods=["GET"]),
                Rule(
                    "/_sandbox/posts/<network>/<post_id>/metrics",
                    endpoint="set_metrics",
                    methods=["POST"],
                ),
                Rule("/_sandbox/metrics", endpoint="metrics", methods=["GET"]),
                Rule("/_sandbox/engagement", endpoint="engagement", methods=["GET", "POST"]),
                Rule("/_sandbox/comments", endpoint="comments", methods=["GET"]),
                Rule("/_sandbox/comments", endpoint="add_comment", methods=["POST"]),
                Rule("/_sandbox/comments/bulk", endpoint="add_comments", methods=["POST"]),
                Rule(
                    "/_sandbox/comments/<network>/<comment_id>",
                    endpoint="change_comment",
                    methods=["PATCH", "DELETE"],
                ),
                Rule("/_sandbox/citizens", endpoint="citizens", methods=["GET", "POST"]),
                Rule("/_sandbox/accounts", endpoint="accounts", methods=["GET"]),
                Rule("/_sandbox/accounts", endpoint="put_account", methods=["POST"]),
                Rule("/_sandbox/faults", endpoint="faults", methods=["GET"]),
                Rule("/_sandbox/faults", endpoint="add_fault", methods=["POST"]),
                Rule("/_sandbox/faults", endpoint="clear_faults", methods=["DELETE"]),
                Rule("/_sandbox/reset", endpoint="reset", methods=["POST"]),
                Rule("/_sandbox/settings/<network>", endpoint="settings", methods=["GET", "POST"]),
                Rule("/_sandbox/requests", endpoint="requests", methods=["GET"]),
            ],
            strict_slashes=False,
        )

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
            handler: Callable[..., Any] = getattr(self, f"_{endpoint}")
            return json_response(handler(request, **args))
        except NotFound:
            return json_response({"error": f"no such control endpoint: {request.path}"}, 404)
        except MethodNotAllowed:
            return json_response({"error": f"{request.method} is not allowed here"}, 405)
        except ControlError as error:
            return json_response({"error": error.message}, error.status)
        except (ValueError, TypeError) as error:  # FaultError, or a number that is not one
            return json_response({"error": str(error)}, 400)

    # -- helpers ------------------------------------------------------------------------------

    def _body(self, request: Request) -> dict[str, Any]:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ControlError("send a JSON object")
        return body

    def _network(self, value: str | None, *, required: bool = False) -> str | None:
        if value is None and not required:
            return None
        if value not in self.app.networks:
            raise ControlError(f"network must be one of {sorted(self.app.networks)}")
        return value

    def _find_post(self, network: str, post_id: str) -> Post:
        post = self.state.post(network, post_id)
        if post is None:
            raise ControlError(f"no {network} post {post_id}", 404)
        return post

    # -- endpoints ----------------------------------------------------------------------------

    def _health(self, request: Request) -> dict[str, Any]:
        return {"ok": True, "networks": sorted(self.app.networks)}

    def _posts(self, request: Request) -> list[dict[str, Any]]:
        network = self._network(request.args.get("network"))
        account = request.args.get("account")
        comments = _truthy(request.args.get("comments"))
        deleted = _truthy(request.args.get("deleted"))
        return [
            p.public()
            for p in self.state.posts_of(network)
            if (comments or not p.is_comment)
            and (deleted or not p.deleted)
            and (account is None or p.account_id == account)
        ]

    def _post(self, request: Request, network: str, post_id: str) -> dict[str, Any]:
        return self._find_post(self._network(network, required=True) or "", post_id).public()

    def _set_metrics(self, request: Request, network: str, post_id: str) -> dict[str, Any]:
        post = self._find_post(self._network(network, required=True) or "", post_id)
        body = self._body(request)
        with self.state.lock:
            post.metrics.update({str(k): int(v) for k, v in body.items()})
        return post.public()

    def _metrics(self, request: Request) -> dict[str, Any]:
        """What the network would say about a post's figures now (see ``engagement``)."""
        network = self._network(request.args.get("network"), required=True) or ""
        post = self._find_post(network, request.args.get("post_id") or "")
        render = getattr(self.app.api_for(network), "metrics_wire", None)
        return engagement.report(self.state, network, post, render(post) if render else None)

    def _engagement(self, request: Request) -> dict[str, Any]:
        body = self._body(request) if request.method == "POST" else {}
        return engagement.configure(
            self.state,
            speed=None if body.get("speed") is None else float(body["speed"]),
            advance_seconds=None
            if body.get("advance_seconds") is None
            else float(body["advance_seconds"]),
        )

    def _comment_view(self, comment: Post) -> dict[str, Any]:
        """A comment as the control endpoints show it (the same on every network)."""
        with self.state.lock:
            author = self.state.accounts.get((comment.network, comment.account_id))
            root = self.state.post(comment.network, comment.root_id or comment.parent_id or "")
        return {
            "id": comment.id,
            "remote_id": self.app.api_for(comment.network).remote_id(comment),
            "network": comment.network,
            "post_id": comment.root_id or comment.parent_id,
            "parent_id": comment.parent_id if comment.parent_id != comment.root_id else None,
            "text": comment.text,
            "author": author.name if author else comment.account_id,
            "author_id": comment.account_id,
            "author_username": author.username if author else None,
            "hidden": comment.hidden,
            "deleted": comment.deleted,
            "from_owner": root is not None and root.account_id == comment.account_id,
            "created_at": comment.created_at.isoformat().replace("+00:00", "Z"),
            "url": comment.url,
            "edit_history": comment.options.get("edit_history"),
        }

    def _comments(self, request: Request) -> list[dict[str, Any]]:
        network = self._network(request.args.get("network"))
        post_id = request.args.get("post_id")
        return [
            self._comment_view(p)
            for p in self.state.posts_of(network)
            if p.is_comment and (post_id is None or post_id in (p.parent_id, p.root_id))
        ]

    def _add_comment(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        network = self._network(body.get("network"), required=True) or ""
        post = self._find_post(network, str(body.get("post_id") or ""))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ControlError("text is required")
        target = post
        if body.get("parent_id"):
            target = self._find_post(network, str(body["parent_id"]))
            if not target.is_comment or post.id not in (target.root_id, target.parent_id):
                raise ControlError(f"{target.id} is not a comment under {post.id}")
        name = body.get("author") or body.get("author_name")
        if name is not None and not isinstance(name, str):
            raise ControlError("author must be a name")
        author = self.state.citizen(network, name, body.get("author_username"))
        comment = self.app.api_for(network).add_comment(target, text, author)
        return self._comment_view(comment)

    def _add_comments(self, request: Request) -> dict[str, Any]:
        """Many comments under one post in one call: every entry checked first, then all made."""
        body = self._body(request)
        network = self._network(body.get("network"), required=True) or ""
        post = self._find_post(network, str(body.get("post_id") or ""))
        items = body.get("comments")
        if not isinstance(items, list) or not items:
            raise ControlError("comments must be a non-empty list")
        if len(items) > MAX_BULK:
            raise ControlError(f"at most {MAX_BULK} comments per call")
        planned: list[tuple[str, str | None, int | None, Post | None, datetime | None, bool]] = []
        for i, item in enumerate(items):
            where = f"comments[{i}]"
            if not isinstance(item, dict):
                raise ControlError(f"{where} must be an object")
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                raise ControlError(f"{where}: text is required")
            name = item.get("author")
            if name is not None and not isinstance(name, str):
                raise ControlError(f"{where}: author must be a name")
            reply_to = item.get("reply_to")
            if reply_to is not None and (
                isinstance(reply_to, bool) or not isinstance(reply_to, int) or not 0 <= reply_to < i
            ):
                raise ControlError(f"{where}: reply_to must be the index of an earlier comment")
            parent = None
            if item.get("parent_id"):
                parent = self._find_post(network, str(item["parent_id"]))
                if not parent.is_comment or post.id not in (parent.root_id, parent.parent_id):
                    raise ControlError(f"{where}: {parent.id} is not a comment under {post.id}")
            own = item.get("from_owner", False)
            if not isinstance(own, bool):
                raise ControlError(f"{where}: from_owner must be true or false")
            planned.append((text, name or None, reply_to, parent, _moment(item, where), own))
        api = self.app.api_for(network)
        citizens = self.state.bucket("control.citizens")
        made: list[Post] = []
        owner = self.state.account(network, post.account_id)
        for text, name, reply_to, parent, created_at, own in planned:
            with self.state.lock:
                if own:
                    author = owner
                elif name and (network, name) in citizens:
                    author = citizens[(network, name)]
                else:
                    author = self.state.citizen(network, name)
                    if name:
                        citizens[(network, name)] = author
            target = made[reply_to] if reply_to is not None else parent or post
            comment = api.add_comment(target, text, author)
            if created_at is not None:
                with self.state.lock:
                    comment.created_at = created_at
            made.append(comment)
        return {
            "network": network,
            "post_id": post.id,
            "count": len(made),
            "ids": [c.id for c in made],
        }

    def _change_comment(self, request: Request, network: str, comment_id: str) -> dict[str, Any]:
        """The citizen edits (PATCH ``{"text"}``) or deletes (DELETE) their comment."""
        comment = self._find_post(self._network(network, required=True) or "", comment_id)
        if not comment.is_comment:
            raise ControlError(f"{comment_id} is a post, not a comment")
        if request.method == "DELETE":
            with self.state.lock:
                comment.deleted = True
            return self._comment_view(comment)
        text = self._body(request).get("text")
        if not isinstance(text, str) or not text.strip():
            raise ControlError("text is required")
        edit = getattr(self.app.api_for(comment.network), "edit_comment", None)
        if edit is not None:
            edit(comment, text)  # networks that give an edit its own id (X)
        else:
            with self.state.lock:
                comment.text = text
        return self._comment_view(comment)

    def _citizens(self, request: Request) -> dict[str, Any]:
        if request.method == "GET":
            return self.citizens.status()
        per_minute = self._body(request).get("per_minute")
        if isinstance(per_minute, bool) or not isinstance(per_minute, int | float):
            raise ControlError("per_minute must be a number (0 stops the citizens)")
        return self.citizens.configure(float(per_minute))

    def _accounts(self, request: Request) -> list[dict[str, Any]]:
        network = self._network(request.args.get("network"))
        with self.state.lock:
            accounts = list(self.state.accounts.values())
        return [a.public() for a in accounts if network is None or a.network == network]

    def _put_account(self, request: Request) -> dict[str, Any]:
        body = self._body(request)
        network = self._network(body.get("network"), required=True) or ""
        account_id = str(
            body.get("id") or (self.state.snowflake() if network == "x" else self.state.number())
        )
        with self.state.lock:
            existing = self.state.accounts.get((network, account_id))
            account = Account(
                network=network,
                id=account_id,
                username=body.get("username")
                or (existing.username if existing else f"sandbox_{account_id[-6:]}"),
                name=body.get("name")
                or (existing.name if existing else f"Sandbox {account_id[-6:]}"),
                followers=int(body.get("followers", existing.followers if existing else 0)),
            )
            self.state.put_account(account, token=body.get("token"))
        return account.public()

    def _faults(self, request: Request) -> list[dict[str, Any]]:
        with self.state.lock:
            faults = [f.public() for f in self.state.faults]
            expired = sorted(self.state.expired)
        return faults + [{"network": n, "kind": "expired_token"} for n in expired]

    def _add_fault(self, request: Request) -> dict[str, Any]:
        return self.state.add_fault(self._body(request), set(self.app.networks)).public()

    def _clear_faults(self, request: Request) -> dict[str, Any]:
        self.state.clear_faults()
        return {"ok": True}

    def _settings(self, request: Request, network: str) -> dict[str, Any]:
        """A network's own switches (YouTube: an unverified Google project, comments held for
        review); GET shows them, POST changes the ones given. :meth:`reset` restores them."""
        api = self.app.api_for(self._network(network, required=True) or "")
        settings = getattr(api, "settings", None)
        if settings is None:
            raise ControlError(f"{network} has no settings in the sandbox", 404)
        result: dict[str, Any] = settings(self._body(request) if request.method == "POST" else {})
        return result

    def _reset(self, request: Request) -> dict[str, Any]:
        self.citizens.stop()
        self.state.reset()
        return {"ok": True}

    def _requests(self, request: Request) -> list[dict[str, Any]]:
        network = self._network(request.args.get("network"))
        return [e.public() for e in self.state.requests(network)]
