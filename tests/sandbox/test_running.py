"""Running the sandbox: in a thread, as its own process, and under concurrent load."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from hub.sandbox import SandboxControl, run_in_thread, start_process


def test_in_thread_server_starts_and_stops() -> None:
    url, stop = run_in_thread()
    assert SandboxControl(url).health()["networks"] == [
        "bluesky",
        "facebook",
        "flickr",
        "instagram",
        "linkedin",
        "mastodon",
        "threads",
        "x",
        "youtube",
    ]
    stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/_sandbox/health", timeout=2)


def test_separate_process_serves_and_stops() -> None:
    with start_process() as running:
        control = SandboxControl(running.url)
        posted = requests.post(
            f"{running.url}/2/tweets",
            json={"text": "Aus dem Prozess"},
            headers={"Authorization": "Bearer t"},
            timeout=5,
        )
        assert posted.status_code == 201
        assert [p["text"] for p in control.posts("x")] == ["Aus dem Prozess"]
        process = running.process
    assert process.poll() is not None


def test_concurrent_posts_all_arrive_with_distinct_ids(sandbox, sandbox_url) -> None:
    def post(n: int) -> str:
        answer = requests.post(
            f"{sandbox_url}/2/tweets",
            json={"text": f"Parallel {n}"},
            headers={"Authorization": f"Bearer token-{n % 3}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["data"]["id"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(post, range(60)))
    assert len(set(ids)) == 60
    assert sorted(p["id"] for p in sandbox.posts("x")) == sorted(ids)
    assert len({a["id"] for a in sandbox.accounts("x")}) == 3
