"""The sandbox's ``flickr.photos.getInfo`` has the element and attribute structure of a real
answer (``photos_getInfo.xml``, kept in flickrapi's tests; see tests/fixtures/README.md).

The XML is reduced to its structure: every element path, every attribute as ``path@name``,
and ``path#text`` where an element holds text. Repeated elements count once. Where the sandbox
differed, the sandbox was changed; what a real answer may leave out is named with its reason.
"""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as SafeXML
import requests
from requests_oauthlib import OAuth1

from hub.connectors.base import ChannelAccess, OutgoingPost
from hub.connectors.flickr import FlickrConnector
from hub.publishing.network_state import MemoryUploadSessions
from tests.conftest import image_bytes
from tests.connectors.conftest import media_file
from tests.connectors.recorded import FIXTURES

NSID = "73509078@N00"
CREDS = {
    "api_key": "key",
    "api_secret": "secret",
    "oauth_token": "72157-conform",
    "oauth_token_secret": "token-secret",
}
# Only a geotagged photo has these; hub uploads no place.
PLACE = ("rsp/photo/location", "rsp/photo/geoperms")


def structure(xml: bytes) -> set[str]:
    """Element paths, ``path@attribute`` and ``path#text``, of an XML answer."""
    found: set[str] = set()

    def walk(element, path: str) -> None:  # type: ignore[no-untyped-def]
        found.add(path)
        found.update(f"{path}@{name}" for name in element.attrib)
        if (element.text or "").strip():
            found.add(f"{path}#text")
        for child in element:
            walk(child, f"{path}/{child.tag}")

    walk(SafeXML.fromstring(xml), "rsp")
    return found


def differences(real: set[str], ours: set[str], ignore: tuple[str, ...] = ()) -> list[str]:
    def ignored(path: str) -> bool:
        return any(path == p or path.startswith((p + "/", p + "@", p + "#")) for p in ignore)

    return [f"missing in the sandbox: {p}" for p in sorted(real - ours) if not ignored(p)] + [
        f"extra in the sandbox: {p}" for p in sorted(ours - real) if not ignored(p)
    ]


def test_get_info_has_the_real_structure(sandbox, sandbox_url, tmp_path: Path) -> None:
    sandbox.put_account("flickr", id=NSID, username="stadtbochum", token=CREDS["oauth_token"])
    connector = FlickrConnector(
        ChannelAccess(NSID, dict(CREDS), sandbox_url), sessions=MemoryUploadSessions()
    )
    image = media_file(tmp_path / "foto.jpg", image_bytes("JPEG"), "image/jpeg")
    photo = connector.publish(
        OutgoingPost(
            1,
            "Blick vom Förderturm",
            "Bergbaumuseum",
            media=[image],
            options={"tags": ["Bochum", "Ruhr Museum"], "licence": "cc-by"},
        )
    )
    sandbox.add_comment("flickr", photo.remote_id, "Schön!")
    auth = OAuth1(*CREDS.values())
    answer = requests.get(
        f"{sandbox_url}/services/rest/",
        params={"method": "flickr.photos.getInfo", "photo_id": photo.remote_id},
        auth=auth,
        timeout=5,
    )
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/xml")
    real = structure((Path(FIXTURES) / "flickr" / "photos_getInfo.xml").read_bytes())
    ours = structure(answer.content)
    assert differences(real, ours, ignore=PLACE) == []

    # The JSON hub reads is the same answer: its comments and views are where the XML has them.
    info = connector.call("flickr.photos.getInfo", "the figures", photo_id=photo.remote_id)
    root = SafeXML.fromstring(answer.content).find("photo")
    assert info["photo"]["comments"]["_content"] == root.findtext("comments") == "1"
    assert info["photo"]["views"] == root.get("views")
    assert info["photo"]["license"] == root.get("license") == "4"


def test_errors_come_as_flickr_sends_them(sandbox, sandbox_url) -> None:
    """``<rsp stat="fail"><err code msg/></rsp>`` in XML, ``{"stat": "fail", "code", "message"}``
    in JSON, both with HTTP 200."""
    auth = OAuth1(*CREDS.values())
    asked = {"method": "flickr.photos.getInfo", "photo_id": "1"}
    xml = requests.get(f"{sandbox_url}/services/rest/", params=asked, auth=auth, timeout=5)
    assert xml.status_code == 200
    assert structure(xml.content) == {"rsp", "rsp@stat", "rsp/err", "rsp/err@code", "rsp/err@msg"}
    err = SafeXML.fromstring(xml.content).find("err")
    assert (err.get("code"), err.get("msg")) == ("1", "Photo not found")
    as_json = requests.get(
        f"{sandbox_url}/services/rest/",
        params={**asked, "format": "json", "nojsoncallback": "1"},
        auth=auth,
        timeout=5,
    )
    assert as_json.json() == {"stat": "fail", "code": 1, "message": "Photo not found"}
