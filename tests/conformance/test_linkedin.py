"""The sandbox's LinkedIn answers have the shapes of LinkedIn's documented answers
(``tests/fixtures/linkedin/``, the API reference's examples; see tests/fixtures/README.md).

The connector makes the posts, uploads and comments in the sandbox; then the same requests the
connector sends are sent directly, and each answer is held to its documented shape with
:func:`tests.conformance.shapes.assert_conforms`. Where the sandbox differed, the sandbox was
changed; ``optional`` names what a real answer may leave out, with the reason beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

from hub.connectors.base import ChannelAccess, OutgoingPost
from hub.connectors.linkedin import LinkedInConnector
from hub.connectors.linkedin_wire import encoded, headers, restli_list
from hub.publishing.network_state import MemoryUploadSessions
from tests.conformance.shapes import assert_conforms, real_json
from tests.conftest import image_bytes
from tests.connectors.conftest import media_file

ORG = "2414183"
TOKEN = "AQ-conformance"


@pytest.fixture
def world(sandbox, sandbox_url: str, tmp_path: Path) -> dict[str, Any]:
    def make_media(color: str = "navy") -> Any:
        return media_file(tmp_path / f"{color}.png", image_bytes(color=color), "image/png", "Bild")

    sandbox.put_account(
        "linkedin", id=ORG, username="stadt-bochum", name="Stadt Bochum", token=TOKEN
    )
    base = sandbox_url + "/api.linkedin.com"
    connector = LinkedInConnector(
        ChannelAccess(ORG, {"access_token": TOKEN}, base), sessions=MemoryUploadSessions()
    )
    text = connector.publish(OutgoingPost(1, "Sample text Post (with parentheses) #hashtag"))
    image = connector.publish(OutgoingPost(2, "Image post", media=[make_media()]))
    album = connector.publish(
        OutgoingPost(3, "Album", media=[make_media(color="red"), make_media(color="blue")])
    )
    comment = sandbox.add_comment("linkedin", text.remote_id, "Wann öffnet das Bürgerbüro?")
    reply = connector.reply(comment["id"], "Ab 8 Uhr.", idempotency_key="k")
    return {
        "base": base,
        "connector": connector,
        "posts": (text.remote_id, image.remote_id, album.remote_id),
        "comment": comment["id"],
        "reply": reply,
    }


def get(world: dict[str, Any], path: str, query: str = "", status: int = 200) -> Any:
    answer = requests.get(
        f"{world['base']}/rest/{path}" + (f"?{query}" if query else ""),
        headers={**headers(TOKEN), "X-RestLi-Method": "FINDER"},
        timeout=10,
    )
    assert answer.status_code == status, answer.text
    return answer.json()


def test_posts_by_author(world) -> None:
    ours = get(world, "posts", f"q=author&author={encoded('urn:li:organization:' + ORG)}&count=2")
    # The documented example lists two posts, one with an image: so does the sandbox's page.
    ours["elements"] = [e for e in ours["elements"] if e["commentary"] != "Album"]
    # ``content`` and ``paging.links`` exist only where a post has media or a next page.
    assert_conforms(real_json("linkedin/posts_by_author.json"), ours)


def test_comments_and_replies(world) -> None:
    post = world["posts"][0]
    assert_conforms(
        real_json("linkedin/comments.json"), get(world, f"socialActions/{encoded(post)}/comments")
    )
    assert_conforms(
        real_json("linkedin/comment_replies.json"),
        get(world, f"socialActions/{encoded(world['comment'])}/comments"),
    )


def test_share_statistics(world) -> None:
    text, _image, album = world["posts"]
    query = (
        f"q=organizationalEntity&organizationalEntity={encoded('urn:li:organization:' + ORG)}"
        f"&shares={restli_list([text])}&ugcPosts={restli_list([album])}"
    )
    assert_conforms(
        real_json("linkedin/share_statistics.json"),
        get(world, "organizationalEntityShareStatistics", query),
    )


def test_uploads_followers_and_organization(world) -> None:
    body = {"initializeUploadRequest": {"owner": f"urn:li:organization:{ORG}"}}
    started = requests.post(
        f"{world['base']}/rest/images?action=initializeUpload",
        json=body,
        headers=headers(TOKEN),
        timeout=10,
    ).json()
    assert_conforms(real_json("linkedin/image_initialize_upload.json"), started)
    body["initializeUploadRequest"].update(
        fileSizeBytes=5_000_000, uploadCaptions=False, uploadThumbnail=False
    )
    video = requests.post(
        f"{world['base']}/rest/videos?action=initializeUpload",
        json=body,
        headers=headers(TOKEN),
        timeout=10,
    ).json()
    assert_conforms(real_json("linkedin/video_initialize_upload.json"), video)
    image = get(world, f"posts/{encoded(world['posts'][1])}")["content"]["media"]["id"]
    assert image.startswith("urn:li:image:")
    assert_conforms(real_json("linkedin/image.json"), get(world, f"images/{encoded(image)}"))
    assert_conforms(
        real_json("linkedin/network_size.json"),
        get(
            world,
            f"networkSizes/{encoded('urn:li:organization:' + ORG)}",
            "edgeType=COMPANY_FOLLOWED_BY_MEMBER",
        ),
    )
    assert_conforms(real_json("linkedin/organization.json"), get(world, f"organizations/{ORG}"))


def test_errors(world, sandbox) -> None:
    sandbox.add_fault("linkedin", "expired_token")
    assert_conforms(
        real_json("linkedin/error_401.json"), get(world, f"organizations/{ORG}", status=401)
    )
    sandbox.clear_faults()
    sandbox.add_fault("linkedin", "status", status=429)
    assert_conforms(
        real_json("linkedin/error_429.json"), get(world, f"organizations/{ORG}", status=429)
    )
