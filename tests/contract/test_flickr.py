"""The Flickr connector reads Flickr's real answers through requests-oauthlib.

``photos_getInfo.xml`` is a real ``flickr.photos.getInfo`` answer (kept in flickrapi's tests,
see tests/fixtures/README.md). hub asks for ``format=json``, which Flickr derives from the same
XML: attributes become keys, text becomes ``_content``, elements that repeat become lists. The
test builds that JSON from the recording and serves it with ``responses``, so the real
requests/oauthlib stack signs and sends the call. The error answers are Flickr's documented
ones (its API reference lists code and message per method; no error was recorded).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import defusedxml.ElementTree as SafeXML
import pytest
import responses

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    OutgoingPost,
    Rejected,
    Transient,
)
from hub.connectors.flickr import REST_URL, UPLOAD_URL, FlickrConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.connectors.recorded import FIXTURES

NSID = "73509078@N00"
CREDS = {
    "api_key": "key",
    "api_secret": "secret",
    "oauth_token": "72157-token",
    "oauth_token_secret": "token-secret",
}
REPEATED = frozenset({"tag", "url", "note"})  # elements Flickr's JSON always gives as lists


def as_flickr_json(element: Any) -> Any:
    """One element of Flickr's XML as Flickr's JSON gives it."""
    value: dict[str, Any] = dict(element.attrib)
    if (element.text or "").strip():
        value["_content"] = element.text.strip()
    for child in element:
        item = as_flickr_json(child)
        if child.tag in REPEATED:
            value.setdefault(child.tag, []).append(item)
        else:
            value[child.tag] = item
    return value


def recorded_info() -> dict[str, Any]:
    path = Path(FIXTURES) / "flickr" / "photos_getInfo.xml"
    assert path.exists(), f"recorded fixture {path} is missing"
    return as_flickr_json(SafeXML.fromstring(path.read_bytes()))


@pytest.fixture
def flickr() -> FlickrConnector:
    return FlickrConnector(ChannelAccess(NSID, dict(CREDS)), sessions=MemoryUploadSessions())


@responses.activate
def test_views_and_comments_are_read_from_the_real_answer(flickr) -> None:
    responses.get(REST_URL, json=recorded_info())
    figures = flickr.fetch_post_metrics(["7955646798"])["7955646798"]
    assert (figures.views, figures.comments) == (596, 3)
    (call,) = responses.calls
    signed = call.request.headers["Authorization"]
    signed = signed.decode() if isinstance(signed, bytes) else signed
    assert signed.startswith("OAuth ") and 'oauth_token="72157-token"' in signed
    assert "method=flickr.photos.getInfo" in call.request.url and "format=json" in call.request.url


@pytest.mark.parametrize(
    ("code", "message", "error"),
    [
        (98, "Invalid auth token", AuthExpired),
        (
            99,
            "Insufficient permissions. Method requires write privileges; none granted.",
            AuthExpired,
        ),
        (1, "Photo not found", Rejected),
        (105, "Service currently unavailable", Transient),
    ],
)
@responses.activate
def test_flickrs_error_answers_become_typed_errors(flickr, code, message, error) -> None:
    responses.get(REST_URL, json={"stat": "fail", "code": code, "message": message})
    with pytest.raises(error) as raised:
        flickr.fetch_post_metrics(["7955646798"])
    assert message in (raised.value.detail or "")


@responses.activate
def test_a_refused_licence_after_the_upload_is_a_note(flickr, tmp_path) -> None:
    """The upload answers XML; setLicense's documented refusal (code 4) leaves it published."""
    from tests.conftest import image_bytes
    from tests.connectors.conftest import media_file

    image = media_file(tmp_path / "foto.jpg", image_bytes("JPEG"), "image/jpeg")
    responses.post(
        UPLOAD_URL,
        body='<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="ok">\n'
        "<ticketid>1234-72157</ticketid>\n</rsp>\n",
        content_type="text/xml; charset=utf-8",
    )
    responses.get(
        REST_URL,
        json={
            "uploader": {"ticket": [{"id": "1234-72157", "complete": 1, "photoid": "7955646798"}]},
            "stat": "ok",
        },
    )
    responses.post(REST_URL, json={"stat": "fail", "code": 4, "message": "License not available"})
    result = flickr.publish(
        OutgoingPost(
            1,
            "Text",
            "Titel",
            media=[image],
            options={"licence": "cc-by"},
        )
    )
    assert result.remote_id == "7955646798"
    assert result.note and "License not available" in result.note
    assert [c.request.method for c in responses.calls] == ["POST", "GET", "POST"]
    sent = responses.calls[2].request.body or b""
    assert "license_id=4" in (sent.decode() if isinstance(sent, bytes) else sent)


@responses.activate
def test_the_upload_endpoints_xml_refusal(flickr, tmp_path) -> None:
    path = tmp_path / "kaputt.jpg"
    path.write_bytes(b"not a photo")
    from hub.connectors.base import MediaFile

    responses.post(
        UPLOAD_URL,
        body='<?xml version="1.0" encoding="utf-8" ?>\n<rsp stat="fail">\n\t'
        '<err code="5" msg="Filetype was not recognised" />\n</rsp>\n',
        content_type="text/xml; charset=utf-8",
    )
    with pytest.raises(Rejected, match="could not read the file"):
        flickr.publish(
            OutgoingPost(2, "x", "t", media=[MediaFile(path, "image", "image/jpeg", 11, "x")])
        )
    assert json.dumps(flickr.sessions.get("flickr", "hub-delivery-2")) == "null"
