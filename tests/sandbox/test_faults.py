"""Faults on request: latency, status, timeout, reset, expired token; and the request log."""

from __future__ import annotations

import math
import threading
import time

import pytest
import requests

from tests.sandbox.conftest import x_problem
from tests.support import wait_until

PAGE = "104729318356812"


def test_latency_delays_one_request_without_blocking_others(x, sandbox) -> None:
    sandbox.add_fault("x", "latency", seconds=3, path="/2/tweets", method="POST")
    finished: dict[str, float] = {}
    start = time.monotonic()

    def slow() -> None:
        x("POST", "/2/tweets", json={"text": "langsam"}, timeout=(2, 10))
        finished["slow"] = time.monotonic() - start

    thread = threading.Thread(target=slow)
    thread.start()
    wait_until(lambda: any(r["fault"] == "latency" for r in sandbox.requests("x")), timeout=5)
    assert x("GET", "/2/users/me").status_code == 200
    fast = time.monotonic() - start
    thread.join(10)
    assert fast < 2.5 <= finished["slow"]


def test_latency_makes_the_post_even_when_the_client_gave_up(x, sandbox) -> None:
    sandbox.add_fault("x", "latency", seconds=1.0, path="/2/tweets")
    with pytest.raises(requests.ReadTimeout):
        x("POST", "/2/tweets", json={"text": "Trotzdem da"}, timeout=(2, 0.2))
    posts = wait_until(lambda: sandbox.posts("x"), timeout=5)
    assert [p["text"] for p in posts] == ["Trotzdem da"]


def test_status_fault_hits_count_requests_then_stops(x, sandbox) -> None:
    sandbox.add_fault("x", "status", status=503, count=2)
    assert [x("GET", "/2/users/me").status_code for _ in range(3)] == [503, 503, 200]
    body = x("GET", "/2/users/me").json()
    assert "data" in body
    assert sandbox.faults() == []


def test_status_fault_filters_by_method_and_path(x, sandbox) -> None:
    sandbox.add_fault("x", "status", status=500, method="POST", path="/2/tweets")
    assert x("GET", "/2/users/me").status_code == 200
    failed = x("POST", "/2/tweets", json={"text": "x"})
    assert failed.status_code == 500
    assert failed.json() == x_problem(500, "Internal Server Error")


def test_x_429_says_when_to_come_back(x, sandbox) -> None:
    sandbox.add_fault("x", "status", status=429, retry_after=120)
    answer = x("GET", "/2/users/me")
    assert answer.status_code == 429
    assert answer.headers["x-rate-limit-remaining"] == "0"
    wait = int(answer.headers["x-rate-limit-reset"]) - time.time()
    assert 115 < wait <= 121
    assert answer.json()["title"] == "Too Many Requests"


def test_graph_429_says_when_to_come_back(graph, sandbox) -> None:
    sandbox.add_fault("facebook", "status", status=429, retry_after=150)
    answer = graph("GET", f"/{PAGE}/posts")
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "150"
    usage = answer.json()
    assert usage["error"]["code"] == 80001
    import json

    (entry,) = json.loads(answer.headers["x-business-use-case-usage"])[PAGE]
    assert entry["estimated_time_to_regain_access"] == math.ceil(150 / 60)


def test_error_body_can_be_chosen(graph, sandbox) -> None:
    sandbox.add_fault(
        "facebook", "status", status=400, error={"code": 368, "message": "Abusive content"}
    )
    error = graph("POST", f"/{PAGE}/feed", data={"message": "x"}).json()["error"]
    assert (error["code"], error["message"]) == (368, "Abusive content")


def test_status_after_the_work_still_makes_the_post(x, sandbox) -> None:
    sandbox.add_fault("x", "status", status=503, path="/2/tweets", after=True)
    assert x("POST", "/2/tweets", json={"text": "Halb"}).status_code == 503
    assert [p["text"] for p in sandbox.posts("x")] == ["Halb"]


def test_probability_one_hits_every_request(x, sandbox) -> None:
    sandbox.add_fault("x", "status", status=502, probability=1.0)
    assert {x("GET", "/2/users/me").status_code for _ in range(3)} == {502}
    sandbox.clear_faults()
    assert x("GET", "/2/users/me").status_code == 200


def test_timeout_holds_then_drops_without_answer(x, sandbox) -> None:
    sandbox.add_fault("x", "timeout", seconds=30)
    start = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        x("GET", "/2/users/me", timeout=(2, 0.3))
    assert time.monotonic() - start < 2
    sandbox.clear_faults()  # lets the held request go
    log = wait_until(
        lambda: [r for r in sandbox.requests("x") if r["status"] == "timeout"], timeout=5
    )
    assert log[0]["fault"] == "timeout"


def test_reset_drops_the_connection(x, sandbox) -> None:
    sandbox.add_fault("x", "reset", path="/2/tweets")
    with pytest.raises(requests.ConnectionError):
        x("POST", "/2/tweets", json={"text": "weg"})
    assert sandbox.posts("x") == []
    assert [r["status"] for r in sandbox.requests("x")] == ["dropped"]
    assert x("POST", "/2/tweets", json={"text": "da"}).status_code == 201


def test_expired_token_sticks_until_faults_are_cleared(x, graph, sandbox) -> None:
    sandbox.add_fault("x", "expired_token")
    sandbox.add_fault("facebook", "expired_token")
    assert [x("GET", "/2/users/me").status_code for _ in range(2)] == [401, 401]
    expired = graph("GET", f"/{PAGE}").json()["error"]
    assert (expired["code"], expired["error_subcode"]) == (190, 463)
    sandbox.clear_faults()
    assert x("GET", "/2/users/me").status_code == 200
    assert graph("GET", f"/{PAGE}").status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"network": "myspace", "kind": "status"},
        {"network": "x", "kind": "explode"},
        {"network": "x", "kind": "status", "status": 200},
        {"network": "x", "kind": "latency", "probability": 2},
        {"network": "x", "kind": "status", "count": "many"},
    ],
)
def test_impossible_faults_are_refused(sandbox_url, sandbox, spec) -> None:
    answer = requests.post(f"{sandbox_url}/_sandbox/faults", json=spec, timeout=5)
    assert answer.status_code == 400
    assert answer.json()["error"]


def test_request_log_counts_calls_per_network(x, graph, sandbox) -> None:
    for _ in range(3):
        x("GET", "/2/users/me")
    graph("GET", f"/{PAGE}")
    x_calls = sandbox.requests("x")
    assert [(r["method"], r["path"], r["status"]) for r in x_calls] == [
        ("GET", "/2/users/me", 200)
    ] * 3
    assert len(sandbox.requests("facebook")) == 1
    sandbox.reset()
    assert sandbox.requests() == []
