"""The sandbox speaks the Graph API (Facebook Pages) the way Facebook does."""

from __future__ import annotations

import hashlib
import json

from tests.conftest import image_bytes

PAGE = "104729318356812"


def test_a_page_seen_first_is_created(graph) -> None:
    page = graph("GET", f"/{PAGE}", params={"fields": "id,name,followers_count"})
    assert page.status_code == 200
    assert page.json()["id"] == PAGE and page.json()["followers_count"] == 0
    usage = json.loads(page.headers["x-app-usage"])
    assert set(usage) == {"call_count", "total_cputime", "total_time"}
    (entry,) = json.loads(page.headers["x-business-use-case-usage"])[PAGE]
    assert entry["type"] == "pages" and entry["estimated_time_to_regain_access"] == 0


def test_feed_post_and_listing(graph, sandbox) -> None:
    created = graph("POST", f"/{PAGE}/feed", data={"message": "Hallo", "link": "https://bochum.de"})
    post_id = created.json()["id"]
    assert post_id.startswith(f"{PAGE}_")
    listed = graph(
        "GET", f"/{PAGE}/posts", params={"fields": "id,message,permalink_url,created_time"}
    ).json()
    (item,) = listed["data"]
    assert item["message"] == "Hallo" and item["id"] == post_id
    assert item["permalink_url"] == f"https://www.facebook.com/{PAGE}/posts/{post_id.split('_')[1]}"
    assert item["created_time"].endswith("+0000")
    (held,) = sandbox.posts("facebook")
    assert held["link"] == "https://bochum.de" and held["url"] == item["permalink_url"]


def test_listing_pages_with_next_links_and_since(graph) -> None:
    for n in range(5):
        graph("POST", f"/{PAGE}/feed", data={"message": f"Beitrag {n}"})
    first = graph("GET", f"/{PAGE}/posts", params={"limit": 3}).json()
    assert [p["message"] for p in first["data"]] == ["Beitrag 4", "Beitrag 3", "Beitrag 2"]
    import requests

    rest = requests.get(first["paging"]["next"], timeout=5).json()
    assert [p["message"] for p in rest["data"]] == ["Beitrag 1", "Beitrag 0"]
    assert "next" not in rest["paging"]
    later = graph("GET", f"/{PAGE}/posts", params={"since": "4102444800"}).json()
    assert later["data"] == []


def test_photo_upload_keeps_bytes_and_alt_text(graph, sandbox) -> None:
    data = image_bytes()
    answer = graph(
        "POST",
        f"/{PAGE}/photos",
        data={"caption": "Rathaus", "alt_text_custom": "Das Rathaus im Schnee"},
        files={"source": ("rathaus.png", data, "image/png")},
    ).json()
    assert set(answer) == {"id", "post_id"}
    photo = graph("GET", f"/{answer['id']}", params={"fields": "alt_text_custom,name"}).json()
    assert photo == {
        "id": answer["id"],
        "alt_text_custom": "Das Rathaus im Schnee",
        "name": "Rathaus",
    }
    (held,) = sandbox.posts("facebook")
    assert held["id"] == answer["post_id"] and held["text"] == "Rathaus"
    assert held["media"][0]["sha256"] == hashlib.sha256(data).hexdigest()


def test_unpublished_photos_attach_once_to_a_feed_post(graph, sandbox) -> None:
    ids = [
        graph(
            "POST",
            f"/{PAGE}/photos",
            data={"published": "false"},
            files={"source": ("a.png", image_bytes(color=c), "image/png")},
        ).json()["id"]
        for c in ("red", "blue")
    ]
    assert sandbox.posts("facebook") == []
    feed = {f"attached_media[{i}]": json.dumps({"media_fbid": i_}) for i, i_ in enumerate(ids)}
    created = graph("POST", f"/{PAGE}/feed", data={"message": "Zwei Bilder", **feed})
    assert created.status_code == 200
    (held,) = sandbox.posts("facebook")
    assert [m["id"] for m in held["media"]] == ids
    again = graph("POST", f"/{PAGE}/feed", data={"message": "Nochmal", **feed})
    assert again.status_code == 400 and again.json()["error"]["code"] == 100


def test_graph_errors_have_facebooks_shape(graph, sandbox_url) -> None:
    import requests

    assert graph("POST", f"/{PAGE}/feed", data={"message": "Doppelt"}).status_code == 200
    duplicate = graph("POST", f"/{PAGE}/feed", data={"message": "Doppelt"}).json()["error"]
    assert duplicate["code"] == 506 and duplicate["type"] == "OAuthException"
    assert duplicate["fbtrace_id"]
    empty = graph("POST", f"/{PAGE}/feed", data={}).json()["error"]
    assert empty["code"] == 100
    unknown = graph("GET", f"/{PAGE}_999").json()["error"]
    assert (unknown["code"], unknown["error_subcode"]) == (100, 33)
    no_token = requests.get(f"{sandbox_url}/v23.0/{PAGE}", timeout=5)
    assert no_token.status_code == 400 and no_token.json()["error"]["code"] == 104
    bad_file = graph("POST", f"/{PAGE}/photos", files={"source": ("x.png", b"not an image")})
    assert bad_file.json()["error"]["code"] == 324


def test_x_and_graph_share_one_base_url(x, graph, sandbox) -> None:
    assert x("POST", "/2/tweets", json={"text": "Auf X"}).status_code == 201
    assert graph("POST", f"/{PAGE}/feed", data={"message": "Auf Facebook"}).status_code == 200
    assert [p["text"] for p in sandbox.posts("x")] == ["Auf X"]
    assert [p["text"] for p in sandbox.posts("facebook")] == ["Auf Facebook"]
    assert {r["network"] for r in sandbox.requests()} == {"x", "facebook"}
