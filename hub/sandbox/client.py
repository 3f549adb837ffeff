"""A small client for the sandbox's control endpoints, for tests, the demo and benchmarks.

It speaks plain HTTP to ``/_sandbox/...``, so it works the same whether the sandbox runs in a
thread of the test process or as its own process.
"""

from __future__ import annotations

from typing import Any

import requests


class SandboxControl:
    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(
            method, f"{self.url}/_sandbox/{path}", timeout=self.timeout, **kwargs
        )
        if response.status_code >= 400:
            raise RuntimeError(f"sandbox {method} {path}: {response.status_code} {response.text}")
        return response.json()

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def posts(
        self, network: str | None = None, *, comments: bool = False, deleted: bool = False
    ) -> list[dict[str, Any]]:
        params: dict[str, str] = {}
        if network:
            params["network"] = network
        if comments:
            params["comments"] = "1"
        if deleted:
            params["deleted"] = "1"
        return self._call("GET", "posts", params=params)

    def post(self, network: str, post_id: str) -> dict[str, Any]:
        return self._call("GET", f"posts/{network}/{post_id}")

    def set_metrics(self, network: str, post_id: str, **figures: int) -> dict[str, Any]:
        return self._call("POST", f"posts/{network}/{post_id}/metrics", json=figures)

    def metrics(self, network: str, post_id: str) -> dict[str, Any]:
        """What the network would say about the post's figures now (``figures``, ``wire``)."""
        return self._call("GET", "metrics", params={"network": network, "post_id": post_id})

    def engagement(
        self, *, speed: float | None = None, advance_seconds: float | None = None
    ) -> dict[str, Any]:
        """Growth of figures over time: ``speed`` 0 (off), 1 (real time), 60 (an hour a
        minute); ``advance_seconds`` moves the engagement clock ahead."""
        body = {"speed": speed, "advance_seconds": advance_seconds}
        return self._call(
            "POST", "engagement", json={k: v for k, v in body.items() if v is not None}
        )

    def comments(
        self, network: str | None = None, post_id: str | None = None
    ) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"network": network, "post_id": post_id}.items() if v}
        return self._call("GET", "comments", params=params)

    def add_comment(
        self,
        network: str,
        post_id: str,
        text: str,
        *,
        author: str | None = None,
        parent_id: str | None = None,
        author_name: str | None = None,
        author_username: str | None = None,
    ) -> dict[str, Any]:
        """A citizen comments on ``post_id`` (or answers the comment ``parent_id``)."""
        body = {
            "network": network,
            "post_id": post_id,
            "text": text,
            "author": author or author_name,
            "author_username": author_username,
            "parent_id": parent_id,
        }
        return self._call("POST", "comments", json={k: v for k, v in body.items() if v})

    def add_comments(
        self, network: str, post_id: str, comments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """Many comments under ``post_id`` at once (at most 10,000 a call): each ``{"text",
        "author", "reply_to", "parent_id", "created_at", "from_owner"}``, where ``reply_to`` is
        the index of an earlier comment in ``comments`` and ``from_owner`` makes it our reply.
        Returns ``{"count", "ids", ...}``."""
        return self._call(
            "POST",
            "comments/bulk",
            json={"network": network, "post_id": post_id, "comments": comments},
        )

    def edit_comment(self, network: str, comment_id: str, text: str) -> dict[str, Any]:
        """The citizen edits their comment (on X the new version gets a new id)."""
        return self._call("PATCH", f"comments/{network}/{comment_id}", json={"text": text})

    def delete_comment(self, network: str, comment_id: str) -> dict[str, Any]:
        """The citizen deletes their comment."""
        return self._call("DELETE", f"comments/{network}/{comment_id}")

    def citizens(self, per_minute: float | None = None) -> dict[str, Any]:
        """Simulated citizens: their rate now, or set it (0 stops them)."""
        if per_minute is None:
            return self._call("GET", "citizens")
        return self._call("POST", "citizens", json={"per_minute": per_minute})

    def accounts(self, network: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "accounts", params={"network": network} if network else {})

    def put_account(self, network: str, **fields: Any) -> dict[str, Any]:
        return self._call("POST", "accounts", json={"network": network, **fields})

    def add_fault(self, network: str, kind: str, **params: Any) -> dict[str, Any]:
        """``kind``: latency | status | timeout | reset | expired_token. ``params``: count or
        probability, status, retry_after, seconds, method, path, after, error."""
        return self._call("POST", "faults", json={"network": network, "kind": kind, **params})

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def settings(self, network: str, **values: Any) -> dict[str, Any]:
        """A network's own switches: read them (no ``values``) or change the ones given."""
        if not values:
            return self._call("GET", f"settings/{network}")
        return self._call("POST", f"settings/{network}", json=values)

    def reset(self) -> None:
        self._call("POST", "reset")

    def requests(self, network: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "requests", params={"network": network} if network else {})
