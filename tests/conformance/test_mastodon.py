"""The sandbox's Mastodon answers have the shapes of a real Mastodon server's (4.6, recorded in
Mastodon.py's test suite; see tests/fixtures/README.md). Where the sandbox differed, the sandbox
was changed; what a real answer holds that hub neither reads nor models is named with its
reason."""

from __future__ import annotations

import io

import pytest
import requests

from tests.conformance.shapes import assert_conforms, real_json
from tests.conftest import image_bytes, tiny_mp4

TOKEN = "conform-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# In a real answer, but nothing hub reads and nothing the sandbox models: profile and quote
# settings of 4.5+, the account's featured collections, the viewer's filters, app details.
NOT_MODELLED = (
    "$.account.feature_approval",
    "$.account.show_featured",
    "$.account.show_media",
    "$.account.show_media_replies",
    "$.quote_approval",
    "$.tagged_collections",
    "$.account.last_status_at",
)
# A recording holds what its moment had: no mentions, tags or media in that status; those the
# sandbox fills in (shapes from Mastodon's API reference).
EMPTY_IN_RECORDING = ("$.mentions", "$.tags", "$.media_attachments", "$.edited_at")


@pytest.fixture
def api(sandbox, sandbox_url: str) -> str:
    sandbox.put_account("mastodon", id="110000000000000042", username="stadt", token=TOKEN)
    return f"{sandbox_url}/mastodon/bochum.social"


def post_status(api: str, **form: str) -> dict:
    answer = requests.post(f"{api}/api/v1/statuses", data=form, headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_instance_v2(api: str) -> None:
    ours = requests.get(f"{api}/api/v2/instance/", timeout=10).json()
    real = real_json("mastodon/instance_v2.json")
    for key in ("max_characters", "max_media_attachments", "characters_reserved_per_url"):
        assert key in ours["configuration"]["statuses"]
    assert_conforms(real["configuration"]["statuses"], ours["configuration"]["statuses"])
    assert_conforms(
        real["configuration"]["media_attachments"],
        ours["configuration"]["media_attachments"],
    )


def test_status_and_its_deletion(api: str) -> None:
    ours = post_status(api, status="Toot!", visibility="unlisted", spoiler_text="Content warning")
    assert_conforms(
        real_json("mastodon/status.json"),
        ours,
        ignore=NOT_MODELLED,
        optional=EMPTY_IN_RECORDING,
    )
    deleted = requests.delete(f"{api}/api/v1/statuses/{ours['id']}", headers=AUTH, timeout=10)
    assert_conforms(
        real_json("mastodon/status_deleted.json"),
        deleted.json(),
        ignore=NOT_MODELLED,
        optional=EMPTY_IN_RECORDING,
    )
    gone = requests.get(f"{api}/api/v1/statuses/{ours['id']}", headers=AUTH, timeout=10)
    assert gone.status_code == 404
    assert_conforms(real_json("mastodon/error_404.json"), gone.json())


def test_media_202_then_206_then_200(api: str, sandbox) -> None:
    upload = requests.post(
        f"{api}/api/v2/media",
        files={"file": ("film.mp4", io.BytesIO(tiny_mp4()), "video/mp4")},
        data={"description": "me when a cat"},
        headers=AUTH,
        timeout=10,
    )
    assert upload.status_code == 202 and upload.json()["url"] is None
    # The recording's meta has the video's colours, size and frame rate: hub reads none of it.
    meta = ("$.meta",)
    assert_conforms(real_json("mastodon/media_processing.json"), upload.json(), ignore=meta)
    media_id = upload.json()["id"]
    early = post_status_raw(api, status="Zu früh", **{"media_ids[]": media_id})
    assert early.status_code == 422
    assert_conforms(real_json("mastodon/error_422.json"), early.json())
    first = requests.get(f"{api}/api/v1/media/{media_id}", headers=AUTH, timeout=10)
    assert first.status_code == 206
    ready = requests.get(f"{api}/api/v1/media/{media_id}", headers=AUTH, timeout=10)
    assert ready.status_code == 200 and ready.json()["url"]
    assert_conforms(real_json("mastodon/media_ready.json"), ready.json(), ignore=meta)
    image = requests.post(
        f"{api}/api/v2/media",
        files={"file": ("bild.png", io.BytesIO(image_bytes()), "image/png")},
        headers=AUTH,
        timeout=10,
    )
    assert image.status_code == 200 and image.json()["url"]


def post_status_raw(api: str, **form: str) -> requests.Response:
    return requests.post(f"{api}/api/v1/statuses", data=form, headers=AUTH, timeout=10)


def test_notifications_context_and_account(api: str, sandbox) -> None:
    ours = post_status(api, status="Wie finden Sie das?")
    sandbox.add_comment("mastodon", ours["id"], "Gut!", author_username="erika")
    notifications = requests.get(
        f"{api}/api/v1/notifications", params={"types[]": "mention"}, headers=AUTH, timeout=10
    ).json()
    assert notifications and notifications[0]["type"] == "mention"
    # Compared below, against verify_credentials; the recorded author was the admin (a role).
    account = ("$[*].account", "$[*].status.account.roles")
    assert_conforms(
        real_json("mastodon/notifications.json"),
        notifications,
        ignore=(*account, *(p.replace("$", "$[*].status") for p in NOT_MODELLED)),
        optional=tuple(p.replace("$", "$[*].status") for p in EMPTY_IN_RECORDING),
    )
    context = requests.get(
        f"{api}/api/v1/statuses/{ours['id']}/context", headers=AUTH, timeout=10
    ).json()
    assert len(context["descendants"]) == 1
    real_context = real_json("mastodon/context.json")
    status_ignores = [
        *(p.replace("$", "$.ancestors[*]") for p in NOT_MODELLED),
        *(p.replace("$", "$.descendants[*]") for p in NOT_MODELLED),
    ]
    status_optional = [
        *(p.replace("$", "$.ancestors[*]") for p in EMPTY_IN_RECORDING),
        *(p.replace("$", "$.descendants[*]") for p in EMPTY_IN_RECORDING),
    ]
    context["ancestors"] = [ours]
    # Custom emojis in names, profile fields and ``pinned`` (only on the viewer's own statuses)
    # depend on who wrote what: the recorded thread was the viewer's own, with a custom emoji.
    status_ignores += [
        "$.ancestors[*].account.emojis",
        "$.descendants[*].account.emojis",
        "$.descendants[*].account.fields",
        "$.descendants[*].pinned",
    ]
    assert_conforms(real_context, context, ignore=status_ignores, optional=status_optional)
    me = requests.get(f"{api}/api/v1/accounts/verify_credentials", headers=AUTH, timeout=10)
    assert_conforms(
        real_json("mastodon/account.json"),
        me.json(),
        ignore=(*(p.replace("$.account", "$") for p in NOT_MODELLED), "$.role"),
        optional=("$.fields",),  # the recorded account had no profile fields; ours has one
    )
