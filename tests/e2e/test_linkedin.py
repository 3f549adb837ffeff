"""LinkedIn through real Celery workers and the sandbox: an announcement with images goes out
once, with its alt texts; a worker killed with ``kill -9`` while LinkedIn is creating the post
never leads to a second post (the next worker looks for it first)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.extensions import db
from hub.models import Channel, DeliveryState
from hub.publishing.media import store_upload
from tests.conftest import PASSWORD, image_bytes
from tests.e2e.conftest import Stack, make_stack, wait_for_states
from tests.support import approved_announcement, wait_until

ORG = "2414183"
FINAL = {DeliveryState.published, DeliveryState.failed, DeliveryState.needs_review}


@pytest.fixture
def stack(tmp_path: Path, sandbox_url: str) -> Iterator[Stack]:
    stack = make_stack("embedded", tmp_path, sandbox_url)
    yield stack
    stack.stop_all()


@pytest.fixture
def announce(app, sandbox, stack):  # type: ignore[no-untyped-def]
    from hub.auth.users import create_user

    editor = create_user("li-editor@bochum.example", ["editor"], PASSWORD)
    approver = create_user("li-approver@bochum.example", ["approver"], PASSWORD)
    sandbox.put_account("linkedin", id=ORG, name="Stadt Bochum", token="AQ-e2e")
    channel = Channel(
        network="linkedin",
        name="Stadt Bochum (LinkedIn-Seite)",
        external_id=ORG,
        credentials={"access_token": "AQ-e2e"},
    )
    db.session.add(channel)
    db.session.commit()

    def make(title: str, colors: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
        media = [
            store_upload(
                io.BytesIO(image_bytes("JPEG", color=c)),
                f"{c}.jpg",
                settings=stack.settings,
                alt_text=f"Das Rathaus in {c}",
            )
            for c in colors
        ]
        return approved_announcement(
            editor,
            approver,
            [channel.id],
            title=title,
            body=f"{title} (Stadt Bochum) – #Bochum",
            media_ids=[m.id for m in media],
        )

    return make


def test_images_go_out_once_with_alt_texts(stack, app, announce, sandbox) -> None:
    stack.start_worker()
    stack.start_beat()
    ann = announce("Rathaus", ("red", "blue"))
    (delivery,) = wait_for_states(ann, FINAL, timeout=90)
    assert delivery.state == DeliveryState.published, delivery.error_message
    (post,) = sandbox.posts("linkedin")
    assert post["id"] == delivery.remote_id and post["text"] == "Rathaus (Stadt Bochum) – #Bochum"
    assert [m["alt_text"] for m in post["media"]] == ["Das Rathaus in red", "Das Rathaus in blue"]


def test_worker_killed_while_posting_never_makes_a_second_post(
    stack, app, announce, sandbox
) -> None:
    stack.start_beat()
    worker = stack.start_worker("w1")
    # LinkedIn takes 3 s to answer the post, and makes it meanwhile: the worker dies in between.
    sandbox.add_fault("linkedin", "latency", seconds=3, count=1, method="POST", path="/rest/posts")
    ann = announce("Abgebrochen")

    def in_flight() -> bool:
        return any(
            r["method"] == "POST" and r["path"].endswith("/rest/posts") and r["status"] is None
            for r in sandbox.requests("linkedin")
        )

    wait_until(in_flight, timeout=60, what="the post in flight")
    stack.kill(worker)
    stack.start_worker("w2")
    (delivery,) = wait_for_states(ann, FINAL, timeout=90)
    posts = sandbox.posts("linkedin")
    assert len(posts) == 1
    assert delivery.state in (DeliveryState.published, DeliveryState.needs_review)
    if delivery.state == DeliveryState.published:
        assert delivery.remote_id == posts[0]["id"]
