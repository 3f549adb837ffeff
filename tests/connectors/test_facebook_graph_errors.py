"""The Facebook connector against Graph API answers as Facebook documents them (``responses``).

The connector runs with no base URL, so pyfacebook calls the real ``graph.facebook.com``;
``responses`` answers with the error bodies and headers of Facebook's error-handling and
rate-limiting guides, and checks what the connector sent.
"""

from __future__ import annotations

import json

import pytest
import requests
import responses

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    RateLimited,
    Rejected,
    Transient,
)
from hub.connectors.facebook import GRAPH_VERSION, FacebookConnector
from tests.connectors.conftest import PAGE_ID

GRAPH = f"https://graph.facebook.com/{GRAPH_VERSION}"
FEED = f"{GRAPH}/{PAGE_ID}/feed"
TRACE = {"fbtrace_id": "AbCdEfGhIjK"}


def connector() -> FacebookConnector:
    return FacebookConnector(ChannelAccess(PAGE_ID, {"access_token": "page-token"}), timeout=5)


def publish() -> None:
    connector().publish(OutgoingPost(delivery_id=1, text="Hallo Bochum"))


def error(code: int, message: str, **extra) -> dict:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra, **TRACE}}


EXPIRED = error(
    190,
    "Error validating access token: Session has expired on Wednesday, 14-Feb-24 18:00:00 PST. "
    "The current time is Wednesday, 14-Feb-24 18:01:14 PST.",
    error_subcode=463,
)
PASSWORD_CHANGED = error(
    190,
    "Error validating access token: The session has been invalidated because the user changed "
    "their password or Facebook has changed the session for security reasons.",
    error_subcode=460,
)
NOT_AUTHORIZED = error(
    190,
    "Error validating access token: The user has not authorized application 1234.",
    error_subcode=458,
)


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (400, EXPIRED, AuthExpired),
        (400, PASSWORD_CHANGED, AuthExpired),
        (400, NOT_AUTHORIZED, AuthExpired),
        (400, error(102, "Session key invalid or no longer valid"), AuthExpired),
        (403, error(4, "(#4) Application request limit reached", is_transient=True), RateLimited),
        (403, error(17, "(#17) User request limit reached", error_subcode=2446079), RateLimited),
        (400, error(32, "(#32) Page request limit reached"), RateLimited),
        (400, error(613, "(#613) Calls to this api have exceeded the rate limit."), RateLimited),
        (500, error(1, "An unknown error occurred", error_subcode=99), Transient),
        (
            503,
            error(
                2,
                "An unexpected error has occurred. Please retry your request later.",
                is_transient=True,
            ),
            Transient,
        ),
        (400, error(100, "(#100) Invalid parameter"), Rejected),
        (
            403,
            error(200, "(#200) The user hasn't authorized the application to perform this action"),
            Rejected,
        ),
        (
            400,
            error(
                368,
                "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
            ),
            Rejected,
        ),
    ],
)
def test_documented_errors_map_to_typed_errors(status, body, expected) -> None:
    responses.post(FEED, json=body, status=status)
    with pytest.raises(expected) as caught:
        publish()
    assert type(caught.value) is expected
    assert json.dumps(body["error"]["message"])[1:-1][:40] in caught.value.detail


@responses.activate
def test_rejection_says_why_in_facebooks_words_for_people() -> None:
    body = error(
        506,
        "(#506) Duplicate status message",
        error_subcode=1455006,
        error_user_title="Duplicate post",
        error_user_msg="This status update is identical to the last one you posted.",
    )
    responses.post(FEED, json=body, status=400)
    with pytest.raises(Rejected) as caught:
        publish()
    assert caught.value.message == (
        "Facebook refused the post: This status update is identical to the last one you posted."
    )


@responses.activate
def test_without_words_for_people_the_code_prefix_goes() -> None:
    responses.post(FEED, json=error(100, "(#100) Missing message or attachment"), status=400)
    with pytest.raises(Rejected) as caught:
        publish()
    assert caught.value.message == "Facebook refused the post: Missing message or attachment"


@responses.activate
def test_page_rate_limit_says_when_to_come_back() -> None:
    usage = {
        PAGE_ID: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 30,
                "total_time": 40,
                "estimated_time_to_regain_access": 5,
            }
        ]
    }
    responses.post(
        FEED,
        json=error(80001, "(#80001) There have been too many calls to this Page account."),
        status=400,
        headers={"x-business-use-case-usage": json.dumps(usage)},
    )
    with pytest.raises(RateLimited) as caught:
        publish()
    assert caught.value.retry_after == 300


@responses.activate
def test_an_html_gateway_error_is_transient() -> None:
    responses.post(
        FEED, body="<html><body>502 Bad Gateway</body></html>", status=502, content_type="text/html"
    )
    with pytest.raises(Transient) as caught:
        publish()
    assert "502" in caught.value.detail


@responses.activate
def test_an_error_body_with_status_200_is_still_an_error() -> None:
    responses.post(FEED, json=EXPIRED, status=200)
    with pytest.raises(AuthExpired):
        publish()


@responses.activate
def test_a_dropped_connection_is_transient() -> None:
    responses.post(FEED, body=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(Transient):
        publish()


@responses.activate
def test_photo_goes_out_as_facebook_documents_it(make_media) -> None:
    image = make_media(alt_text="Das Rathaus")
    responses.post(
        f"{GRAPH}/{PAGE_ID}/photos", json={"id": "555", "post_id": f"{PAGE_ID}_777"}, status=200
    )
    permalink = f"https://www.facebook.com/{PAGE_ID}/posts/pfbid0abc"
    responses.get(
        f"{GRAPH}/{PAGE_ID}_777", json={"permalink_url": permalink, "id": f"{PAGE_ID}_777"}
    )
    result = connector().publish(
        OutgoingPost(delivery_id=1, text="Rathaus", media=[image], link="https://bochum.de")
    )
    assert (result.remote_id, result.url) == (f"{PAGE_ID}_777", permalink)
    sent = responses.calls[0].request
    assert sent.headers["Content-Type"].startswith("multipart/form-data")
    assert image.path.read_bytes() in sent.body
    for field, value in (
        ("alt_text_custom", b"Das Rathaus"),
        ("caption", b"Rathaus\n\nhttps://bochum.de"),
        ("access_token", b"page-token"),
    ):
        assert f'name="{field}"'.encode() in sent.body and value in sent.body
    assert "fields=permalink_url" in responses.calls[1].request.url
