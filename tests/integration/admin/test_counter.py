"""The live counter endpoint: counts and problems from hub.publishing.rules, per channel."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.conftest import csrf_from

URL = "/admin/announcements/count"


def _count(client: FlaskClient, payload: dict[str, Any]) -> Any:
    token = csrf_from(client.get("/admin/announcements/new").text)
    return client.post(URL, json=payload, headers={"X-CSRFToken": token})


def _by_channel(response: Any) -> dict[int, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {c["channel_id"]: c for c in response.get_json()["channels"]}


def test_x_counts_weighted_and_every_url_as_23(
    english, make_user, make_channel, client_for
) -> None:
    x, facebook = make_channel("x"), make_channel("facebook")
    client = client_for(make_user("editor"))
    body = "Mehr: https://www.bochum.de/" + "a" * 120
    result = _by_channel(
        _count(client, {"title": "t", "body": body, "channels": [x.id, facebook.id]})
    )
    assert result[x.id]["used"] == len("Mehr: ") + 23
    assert result[x.id]["limit"] == 280 and result[x.id]["over"] is False
    assert result[x.id]["unit"] == "weighted characters"
    assert result[facebook.id]["used"] == len(body)  # Facebook counts characters


def test_link_is_appended_where_the_network_has_no_link_field(
    make_user, make_channel, client_for
) -> None:
    x, facebook, insta = make_channel("x"), make_channel("facebook"), make_channel("instagram")
    client = client_for(make_user("editor"))
    link = "https://www.bochum.de/sperrung"
    result = _by_channel(
        _count(
            client,
            {
                "title": "t",
                "body": "Gesperrt.",
                "link": link,
                "channels": [x.id, facebook.id, insta.id],
            },
        )
    )
    assert result[x.id]["text"] == f"Gesperrt.\n\n{link}"
    assert result[x.id]["used"] == len("Gesperrt.\n\n") + 23
    assert result[facebook.id]["text"] == "Gesperrt."  # Facebook takes the link separately
    assert result[insta.id]["text"] == "Gesperrt."  # links in captions are not clickable


def test_over_the_limit_and_media_problems_are_reported(
    english, make_user, make_channel, client_for
) -> None:
    x, insta, yt = make_channel("x"), make_channel("instagram"), make_channel("youtube")
    client = client_for(make_user("editor"))
    result = _by_channel(
        _count(
            client,
            {
                "title": "Titel",
                "body": "kurz",
                "channels": [x.id, insta.id, yt.id],
                "variants": {str(x.id): {"body": "a" * 281}},
            },
        )
    )
    assert result[x.id]["over"] is True and result[x.id]["used"] == 281
    assert [p["message"] for p in result[x.id]["problems"]] == [
        "X allows 280 weighted characters; this text has 281."
    ]
    assert [p["field"] for p in result[insta.id]["problems"]] == [f"variants.{insta.id}.media"]
    assert result[yt.id]["title"] == "Titel"

    # A file chosen in the browser (not uploaded yet) already counts, by its type.
    result = _by_channel(
        _count(
            client,
            {
                "title": "t",
                "body": "kurz",
                "channels": [insta.id],
                "media": [{"kind": "image", "alt": "Rathaus", "name": "a.png"}],
            },
        )
    )
    assert result[insta.id]["problems"] == []


def test_counter_ignores_media_the_form_may_not_use(
    make_user, make_channel, make_media, client_for
) -> None:
    insta = make_channel("instagram")
    foreign = make_media("image")  # uploaded by nobody in particular, attached nowhere
    client = client_for(make_user("editor"))
    result = _by_channel(
        _count(
            client,
            {
                "title": "t",
                "body": "b",
                "channels": [insta.id],
                "media": [{"id": foreign.id, "alt": "x"}],
            },
        )
    )
    assert result[insta.id]["problems"], "a foreign media id must not satisfy Instagram"


def test_counter_refuses_bad_requests(make_user, make_channel, client_for) -> None:
    x = make_channel("x")
    editor = client_for(make_user("editor"))
    # No CSRF header: refused before anything is read.
    assert editor.post(URL, json={"body": "b", "channels": [x.id]}).status_code == 400
    # Not what the compose page sends.
    for payload in ([], {"channels": "1"}, {"channels": ["a"]}, {"body": 5}, {"media": {}}):
        assert _count(editor, payload).status_code == 400, payload
    # Only people who may compose.
    approver = client_for(make_user("approver"))
    token = csrf_from(approver.get("/admin/announcements/").text)
    response = approver.post(URL, json={"channels": [x.id]}, headers={"X-CSRFToken": token})
    assert response.status_code == 403
