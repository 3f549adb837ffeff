"""The sandbox's graph.threads.net over plain HTTP: what a connector test does not show by
itself (error bodies and headers of faults, the order of replies, who may delete, renewed
tokens acting for the same profile)."""

from __future__ import annotations

from typing import Any

import requests

USER = "26178934512300077"
TOKEN = "THQV-sandbox-api"
TIMEOUT = 5


def call(base: str, method: str, path: str, token: str = TOKEN, **params: Any) -> requests.Response:
    where = "data" if method == "POST" else "params"
    return requests.request(
        method,
        f"{base}/graph.threads.net/{path}",
        **{where: {"access_token": token, **params}},
        timeout=TIMEOUT,
    )


def thread(base: str, text: str) -> str:
    made = call(base, "POST", f"v1.0/{USER}/threads", media_type="TEXT", text=text).json()
    return call(base, "POST", f"v1.0/{USER}/threads_publish", creation_id=made["id"]).json()["id"]


def test_a_rate_limit_fault_is_graphs_body_with_retry_after(sandbox, sandbox_url) -> None:
    sandbox.add_fault("threads", "status", status=429, retry_after=90)
    answer = call(sandbox_url, "GET", f"v1.0/{USER}", fields="id")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "90"
    assert answer.json()["error"]["code"] == 80001
    assert sandbox.requests("threads")[0]["fault"] == "status"


def test_replies_come_newest_first_unless_reverse_is_false(sandbox, sandbox_url) -> None:
    sandbox.put_account("threads", id=USER, username="stadt.bochum", token=TOKEN)
    post = thread(sandbox_url, "Frage an alle")
    for text in ("eins", "zwei", "drei"):
        sandbox.add_comment("threads", post, text)
    newest = call(sandbox_url, "GET", f"v1.0/{post}/replies", fields="text").json()
    oldest = call(sandbox_url, "GET", f"v1.0/{post}/replies", fields="text", reverse="false")
    assert [r["text"] for r in newest["data"]] == ["drei", "zwei", "eins"]
    assert [r["text"] for r in oldest.json()["data"]] == ["eins", "zwei", "drei"]


def test_only_ones_own_threads_can_be_deleted(sandbox, sandbox_url) -> None:
    sandbox.put_account("threads", id=USER, username="stadt.bochum", token=TOKEN)
    post = thread(sandbox_url, "Bitte nicht löschen")
    theirs = sandbox.add_comment("threads", post, "Meins!")
    refused = call(sandbox_url, "DELETE", f"v1.0/{theirs['id']}")
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 10
    assert call(sandbox_url, "DELETE", f"v1.0/{post}").json() == {
        "success": True,
        "deleted_id": post,
    }


def test_a_renewed_token_acts_for_the_same_profile(sandbox, sandbox_url) -> None:
    sandbox.put_account("threads", id=USER, username="stadt.bochum", token=TOKEN)
    fresh = call(sandbox_url, "GET", "refresh_access_token", grant_type="th_refresh_token").json()
    assert fresh["expires_in"] > 59 * 86400
    me = call(sandbox_url, "GET", "v1.0/me", token=fresh["access_token"], fields="id,username")
    assert me.json() == {"id": USER, "username": "stadt.bochum"}
    wrong = call(sandbox_url, "GET", "refresh_access_token", grant_type="ig_refresh_token")
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == 100
