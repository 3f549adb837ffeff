"""Seeding many comments at once (``POST /_sandbox/comments/bulk``): threads by index, backdated
times, one citizen per name, and all or nothing when one entry is wrong."""

from __future__ import annotations

import pytest
import requests

PAGE = "104729318356812"
ANNA = "Anna Kowalski"


def fb_post(graph, text: str = "Stadtfest") -> str:  # type: ignore[no-untyped-def]
    return graph("POST", f"/{PAGE}/feed", data={"message": text}).json()["id"]


def test_bulk_comments_are_listed_like_single_ones(graph, sandbox) -> None:
    post = fb_post(graph)
    made = sandbox.add_comments(
        "facebook",
        post,
        [
            {"text": "Wann?", "author": ANNA, "created_at": "2025-03-01T09:00:00Z"},
            {"text": "Um 14 Uhr", "author": "Jürgen Schäfer", "reply_to": 0},
            {"text": "Danke!", "author": ANNA, "created_at": "2025-03-01T11:30:00+01:00"},
            {"text": "Ab 14 Uhr am Rathaus.", "reply_to": 0, "from_owner": True},
        ],
    )
    assert made["count"] == 4 and made["post_id"] == post and len(made["ids"]) == 4
    listed = {c["id"]: c for c in sandbox.comments("facebook", post)}
    first, answer, thanks, ours = (listed[i] for i in made["ids"])
    assert first["text"] == "Wann?" and first["parent_id"] is None
    assert first["created_at"] == "2025-03-01T09:00:00Z"
    assert thanks["created_at"] == "2025-03-01T10:30:00Z"
    assert answer["parent_id"] == first["id"] and answer["post_id"] == post
    assert ours["from_owner"] and ours["parent_id"] == first["id"]
    assert not any(c["from_owner"] for c in (first, answer, thanks))
    # One name is one citizen, also across calls.
    again = sandbox.add_comments("facebook", post, [{"text": "Noch was", "author": ANNA}])
    assert first["author_id"] == thanks["author_id"] != answer["author_id"]
    assert sandbox.comments("facebook", post)[-1]["author_id"] == first["author_id"]
    assert again["count"] == 1
    # ... and the network's own API lists them, oldest first.
    data = graph("GET", f"/{post}/comments", params={"filter": "stream", "limit": 100}).json()
    assert [c["id"] for c in data["data"]][:2] == [first["id"], thanks["id"]]


def test_bulk_answers_an_existing_comment_on_x(x, sandbox) -> None:
    post = x("POST", "/2/tweets", json={"text": "Baustelle"}).json()["data"]["id"]
    question = sandbox.add_comment("x", post, "Wie lange noch?")
    made = sandbox.add_comments(
        "x", post, [{"text": "Bis Freitag", "parent_id": question["id"]}, {"text": "Danke"}]
    )
    listed = {c["id"]: c for c in sandbox.comments("x", post)}
    assert listed[made["ids"][0]]["parent_id"] == question["id"]
    assert listed[made["ids"][1]]["parent_id"] is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"text": ""}, "text is required"),
        ({"text": "a", "reply_to": 1}, "reply_to"),
        ({"text": "a", "reply_to": True}, "reply_to"),
        ({"text": "a", "created_at": "gestern"}, "created_at"),
        ({"text": "a", "created_at": "2025-03-01T09:00:00"}, "time zone"),
        ({"text": "a", "author": 7}, "author"),
        ({"text": "a", "from_owner": "ja"}, "from_owner"),
        ({"text": "a", "parent_id": "nope"}, "no facebook post nope"),
    ],
)
def test_one_bad_entry_adds_nothing(graph, sandbox, sandbox_url, entry, message) -> None:
    post = fb_post(graph)
    response = requests.post(
        f"{sandbox_url}/_sandbox/comments/bulk",
        json={"network": "facebook", "post_id": post, "comments": [{"text": "gut"}, entry]},
        timeout=5,
    )
    assert response.status_code in (400, 404) and message in response.json()["error"]
    assert sandbox.comments("facebook", post) == []


def test_empty_and_oversized_lists_are_refused(graph, sandbox, sandbox_url) -> None:
    post = fb_post(graph)
    url = f"{sandbox_url}/_sandbox/comments/bulk"
    for comments in ([], [{"text": "x"}] * 10_001, "viele"):
        body = {"network": "facebook", "post_id": post, "comments": comments}
        assert requests.post(url, json=body, timeout=10).status_code == 400
    missing = {"network": "facebook", "post_id": "1_2", "comments": [{"text": "x"}]}
    assert requests.post(url, json=missing, timeout=5).status_code == 404


@pytest.mark.parametrize("order", ["chronological", "reverse_chronological"])
def test_comment_pages_follow_their_cursors_both_ways(graph, sandbox, order) -> None:
    """``after`` continues right behind a page and ``before`` goes back right in front of it,
    in either order; comments at the same second keep their order by id."""
    post = fb_post(graph)
    entries = [
        {"text": f"Kommentar {i}", "author": ANNA, "created_at": f"2025-03-01T09:{i // 2:02d}:00Z"}
        for i in range(7)
    ]
    made = sandbox.add_comments("facebook", post, entries)["ids"]
    by_time = sorted(made, key=lambda i: (entries[made.index(i)]["created_at"], i))
    expected = by_time if order == "chronological" else by_time[::-1]
    params = {"filter": "stream", "order": order, "limit": 3}
    seen: list[str] = []
    pages = []
    after = None
    while True:
        body = graph(
            "GET", f"/{post}/comments", params=params | ({"after": after} if after else {})
        )
        page = body.json()
        pages.append(page)
        seen += [c["id"] for c in page["data"]]
        if "next" not in page["paging"]:
            break
        after = page["paging"]["cursors"]["after"]
    assert seen == expected and [len(p["data"]) for p in pages] == [3, 3, 1]
    back = pages[-1]["paging"]["cursors"]["before"]
    previous = graph("GET", f"/{post}/comments", params=params | {"before": back}).json()
    assert [c["id"] for c in previous["data"]] == expected[3:6]
