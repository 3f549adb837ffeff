"""The sandbox under test, over real HTTP: one server per session, emptied for every test."""

from __future__ import annotations

import pytest
import requests

TIMEOUT = (2.0, 5.0)


def x_problem(status: int, title: str) -> dict[str, object]:
    """X's body for a plain HTTP failure (problem details, RFC 7807)."""
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


class Caller:
    """A plain HTTP client for one network's API on the sandbox (no SDK: the wire as it is)."""

    def __init__(self, base: str, headers: dict[str, str] | None = None, params=None) -> None:
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        self.params = params or {}

    def __call__(self, method: str, path: str, **kwargs) -> requests.Response:
        if self.params:
            target = "data" if method in ("POST", "PUT") and "json" not in kwargs else "params"
            kwargs[target] = {**self.params, **kwargs.get(target, {})}
        kwargs.setdefault("timeout", TIMEOUT)
        return self.session.request(method, self.base + path, **kwargs)


@pytest.fixture
def x(sandbox, sandbox_url) -> Caller:
    return Caller(sandbox_url, {"Authorization": "Bearer token-of-the-city"})


@pytest.fixture
def graph(sandbox, sandbox_url) -> Caller:
    return Caller(sandbox_url + "/v23.0", params={"access_token": "page-token"})
