"""The sandbox's comment controls, the same on every network: citizens comment, answer, edit and
delete; the listing shows who wrote what (and which are our replies); simulated citizens
comment on published posts by themselves."""

from __future__ import annotations

import pytest
import requests

from hub.sandbox.citizens import EMERGENCY, FRIENDLY, HOSTILE
from tests.support import wait_until

LISTED = {
    "id",
    "remote_id",
    "network",
    "post_id",
    "parent_id",
    "text",
    "author",
    "author_id",
    "author_username",
    "hidden",
    "deleted",
    "from_owner",
    "created_at",
    "url",
    "edit_history",
}


def tweet(x, text: str) -> str:  # type: ignore[no-untyped-def]
    return x("POST", "/2/tweets", json={"text": text}).json()["data"]["id"]


def test_comment_answer_and_listing_shapes(x, sandbox) -> None:
    post = tweet(x, "Stadtfest")
    comment = sandbox.add_comment("x", post, "Wann?", author="Anna Kowalski")
    assert set(comment) == LISTED
    assert comment["post_id"] == post and comment["parent_id"] is None
    assert comment["author"] == "Anna Kowalski" and comment["from_owner"] is False
    answer = sandbox.add_comment("x", post, "Um 14 Uhr", author="Jürgen", parent_id=comment["id"])
    assert answer["parent_id"] == comment["id"] and answer["post_id"] == post
    ours = x(
        "POST",
        "/2/tweets",
        json={"text": "Ab 14 Uhr", "reply": {"in_reply_to_tweet_id": comment["id"]}},
    ).json()["data"]["id"]
    listed = sandbox.comments("x", post)
    assert [c["id"] for c in listed] == [comment["id"], answer["id"], ours]
    assert [c["from_owner"] for c in listed] == [False, False, True]
    assert all(set(c) == LISTED for c in listed)


def test_edit_and_delete_as_the_citizen(graph, sandbox) -> None:
    page = "104729318356812"
    post = graph("POST", f"/{page}/feed", data={"message": "Baustelle"}).json()["id"]
    comment = sandbox.add_comment("facebook", post, "Wie lange noch?")
    edited = sandbox.edit_comment("facebook", comment["id"], "Wie lange denn noch?")
    assert edited["id"] == comment["id"] and edited["text"] == "Wie lange denn noch?"
    sandbox.delete_comment("facebook", comment["id"])
    (listed,) = sandbox.comments("facebook", post)
    assert listed["deleted"] is True  # still listed here, marked
    assert graph("GET", f"/{post}/comments").json()["data"] == []  # gone on the network


def test_bad_comment_requests_say_why(sandbox, sandbox_url, x) -> None:
    post = tweet(x, "Hallo")
    cases = [
        ({"network": "x", "post_id": post}, "text is required"),
        ({"network": "myspace", "post_id": post, "text": "a"}, "network must be one of"),
        ({"network": "x", "post_id": "404", "text": "a"}, "no x post 404"),
        ({"network": "x", "post_id": post, "text": "a", "parent_id": post}, "is not a comment"),
        ({"network": "x", "post_id": post, "text": "a", "author": 5}, "author must be a name"),
    ]
    for body, message in cases:
        answer = requests.post(f"{sandbox_url}/_sandbox/comments", json=body, timeout=5)
        assert answer.status_code in (400, 404) and message in answer.json()["error"], body
    bad_rate = requests.post(
        f"{sandbox_url}/_sandbox/citizens", json={"per_minute": "x"}, timeout=5
    )
    assert bad_rate.status_code == 400


def test_citizens_comment_on_published_posts_until_stopped(x, graph, sandbox) -> None:
    posts = {tweet(x, "Ein Beitrag"), tweet(x, "Noch ein Beitrag")}
    assert sandbox.citizens(600)["per_minute"] == 600  # one every 0.05-0.15 s
    comments = wait_until(
        lambda: (
            [c for c in sandbox.comments("x") if not c["from_owner"]]
            if len(sandbox.comments("x")) >= 5
            else None
        ),
        timeout=20,
        what="five citizen comments",
    )
    known = set(FRIENDLY) | set(HOSTILE) | set(EMERGENCY)
    assert all(c["text"] in known and c["post_id"] in posts for c in comments)
    assert sandbox.citizens(0)["per_minute"] == 0
    # A reset stops them too (a test leaves no citizens behind for the next one).
    sandbox.citizens(600)
    sandbox.reset()
    assert sandbox.citizens() == {"per_minute": 0, "comments": 0}
    assert sandbox.comments("x") == []


@pytest.mark.parametrize("rate", [-1, 100000])
def test_citizen_rate_must_be_sensible(sandbox, sandbox_url, rate) -> None:
    answer = requests.post(f"{sandbox_url}/_sandbox/citizens", json={"per_minute": rate}, timeout=5)
    assert answer.status_code == 400 and "per_minute" in answer.json()["error"]
