"""The sandbox's graph.threads.net held to Threads' real answers.

Real recordings of the Threads API exist only for its tokens (python-facebook's test data,
tests/fixtures/threads/); every other body is the example answer of Meta's Threads API
reference (tests/fixtures/threads/docs/, see tests/fixtures/README.md). Each test sends the
sandbox the request that produced the body, with the fields hub asks for, and holds its answer
to the body's shape (:func:`tests.conformance.shapes.assert_conforms`). ``optional`` names what
the example leaves out although Threads sends it for such a post, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.wrappers import Request, Response

from tests.conformance.shapes import assert_conforms, real_json
from tests.conftest import image_bytes
from tests.support import free_port, serving, wait_until

USER = "26178934512309876"
TOKEN = "THQVJ-conformance"
TIMEOUT = 5
REPLY_FIELDS = (
    "id,text,topic_tag,timestamp,media_product_type,media_type,shortcode,has_replies,"
    "root_post,replied_to,is_reply,hide_status"
)


class Threads:
    """Plain HTTP to the sandbox's graph.threads.net, as pyfacebook sends it."""

    def __init__(self, base: str) -> None:
        self.root = f"{base}/graph.threads.net"
        self.session = requests.Session()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.session.get(
            f"{self.root}/{path}", params={"access_token": TOKEN, **params}, timeout=TIMEOUT
        )
        return answer.json()

    def post(self, path: str, **data: Any) -> Any:
        answer = self.session.post(
            f"{self.root}/v1.0/{path}", data={"access_token": TOKEN, **data}, timeout=TIMEOUT
        )
        return answer.json()

    def delete(self, path: str) -> Any:
        answer = self.session.delete(
            f"{self.root}/v1.0/{path}", params={"access_token": TOKEN}, timeout=TIMEOUT
        )
        return answer.json()

    def thread(self, text: str) -> str:
        container = self.post(f"{USER}/threads", media_type="TEXT", text=text)["id"]
        return str(self.post(f"{USER}/threads_publish", creation_id=container)["id"])


@pytest.fixture
def threads(sandbox, sandbox_url: str) -> Threads:  # type: ignore[no-untyped-def]
    sandbox.put_account(
        "threads", id=USER, username="stadt.bochum", name="Stadt Bochum", token=TOKEN
    )
    return Threads(sandbox_url)


@pytest.fixture(scope="module")
def files() -> Iterator[str]:
    """An image on a URL Threads' fetcher (the sandbox's) can download; and a broken one."""

    @Request.application  # type: ignore[misc]
    def serve(request: Request) -> Response:
        if request.path == "/bild.jpg":
            return Response(image_bytes("JPEG"), content_type="image/jpeg")
        return Response(b"", status=404)

    with serving(serve, free_port()) as url:
        yield url


def test_tokens_are_renewed_in_the_recorded_shape(threads) -> None:
    ours = threads.get("refresh_access_token", grant_type="th_refresh_token")
    assert_conforms(real_json("threads/threads_user_long_lived_token.json"), ours)
    exchanged = threads.get("access_token", grant_type="th_exchange_token", client_secret="s")
    assert_conforms(real_json("threads/threads_user_long_lived_token.json"), exchanged)


def test_publishing_limit(threads) -> None:
    ours = threads.get(f"v1.0/{USER}/threads_publishing_limit", fields="quota_usage,config")
    assert_conforms(real_json("threads/docs/publishing_limit.json"), ours)


def test_container_publish_and_status(threads, files) -> None:
    made = threads.post(f"{USER}/threads", media_type="TEXT", text="Hallo Bochum")
    assert_conforms(real_json("threads/docs/container.json"), made)
    status = threads.get(f"v1.0/{made['id']}", fields="status,error_message")
    assert_conforms(real_json("threads/docs/container_status.json"), status)
    published = threads.post(f"{USER}/threads_publish", creation_id=made["id"])
    assert_conforms(real_json("threads/docs/publish.json"), published)

    broken = threads.post(f"{USER}/threads", media_type="VIDEO", video_url=f"{files}/fehlt.mp4")
    wait_until(
        lambda: threads.get(f"v1.0/{broken['id']}", fields="status")["status"] == "ERROR",
        timeout=10,
    )
    failed = threads.get(f"v1.0/{broken['id']}", fields="status,error_message")
    assert_conforms(real_json("threads/docs/container_status_error.json"), failed)
    assert failed["error_message"] == "FAILED_DOWNLOADING_VIDEO"


def test_the_profiles_threads(threads) -> None:
    for n in range(3):
        threads.thread(f"Meldung {n}")
    ours = threads.get(
        f"v1.0/{USER}/threads",
        fields="id,media_product_type,media_type,permalink,owner,username,text,timestamp,"
        "shortcode,is_quote_post",
        limit=2,
    )
    # topic_tag: only on posts that have one (the example's has "Mondays"); paging.next: only
    # while more pages follow (the example is a last page), as on every Graph listing.
    assert_conforms(
        real_json("threads/docs/user_threads.json"),
        ours,
        optional=("$.paging.next",),
        ignore=("$.data[*].topic_tag",),
    )
    assert "next" in ours["paging"]


def test_replies_and_conversation(threads, sandbox) -> None:
    post = threads.thread("Was meint ihr?")
    top = sandbox.add_comment("threads", post, "Gut!", author="Erika")
    sandbox.add_comment("threads", post, "Finde ich auch", author="Max", parent_id=top["id"])
    real = real_json("threads/docs/conversation.json")
    ignore = ("$.data[*].topic_tag",)  # only replies that carry a topic
    for edge in ("conversation", "replies"):
        ours = threads.get(f"v1.0/{post}/{edge}", fields=REPLY_FIELDS, reverse="false")
        assert_conforms(real, ours, ignore=ignore)
    hidden = threads.post(f"{top['id']}/manage_reply", hide="true")
    assert_conforms(real_json("threads/docs/manage_reply.json"), hidden)


def test_insights_of_a_thread_and_the_profile(threads) -> None:
    post = threads.thread("Zahlen")
    ours = threads.get(f"v1.0/{post}/insights", metric="likes,replies")
    assert_conforms(real_json("threads/docs/insights.json"), ours)
    total = threads.get(f"v1.0/{USER}/threads_insights", metric="followers_count")
    assert_conforms(real_json("threads/docs/user_insights_total.json"), total)
    series = threads.get(f"v1.0/{USER}/threads_insights", metric="views")
    assert_conforms(real_json("threads/docs/user_insights_series.json"), series)


def test_deleting_our_own_thread(threads) -> None:
    post = threads.thread("Weg damit")
    assert_conforms(real_json("threads/docs/delete.json"), threads.delete(post))


def test_errors_have_graphs_shape(threads) -> None:
    ours = threads.get("v1.0/12345/insights", metric="likes")
    assert_conforms(real_json("graph/error.json"), ours, optional=("$.error.error_subcode",))
