"""A moderator's work in a real browser: a citizen asks under our Facebook post, the moderator
answers from the inbox with a saved reply, and the reply appears on the network under that very
comment. Hostile comment texts and names stay text: no script runs, nothing loads from a
foreign host."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hub.connectors.base import RemoteComment
from hub.extensions import db
from hub.inbox import actions, sync
from hub.inbox.ingest import store_comments
from hub.models import ActionState, Comment, ModerationAction, SavedReply
from hub.models.types import utcnow
from tests.browser.conftest import log_in
from tests.conftest import make_settings
from tests.support import approved_announcement, publish_due, wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

PAGE_ID = "104729318356812"
XSS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    "<svg onload=window.__xss=3></svg>",
    '"><script>alert(4)</script>',
    '<a href="javascript:alert(5)">klick mich</a>',
    "javascript:alert(6)",
    '<iframe src="https://evil.example/frame"></iframe>',
    '<img src="https://tracker.example/pixel.gif">',
    "<style>body{background:url(https://evil.example/bg.png)}</style>",
    'https://evil.example/"onmouseover="window.__xss=7',
    "{{ 7*7 }} ${7*7} <%= 7*7 %>",
]


@pytest.fixture
def settings(tmp_path, database_url, sandbox_url):  # type: ignore[no-untyped-def]
    return make_settings(tmp_path, database_url, sandbox_url=sandbox_url, network_timeout=3.0)


def _published_post(make_user, channel) -> str:  # type: ignore[no-untyped-def]
    editor, approver = make_user("editor"), make_user("approver")
    ann = approved_announcement(
        editor, approver, [channel.id], title="Stadtfest", body="Stadtfest am Samstag!"
    )
    publish_due()
    return ann.deliveries[0].remote_id


def test_a_moderator_answers_with_a_saved_reply(
    english, live_server: str, chromium: Any, make_user, make_channel, sandbox
) -> None:
    base = live_server
    page_channel = make_channel("facebook", name="Stadt Bochum", external_id=PAGE_ID)
    post_id = _published_post(make_user, page_channel)
    question = sandbox.add_comment(
        "facebook", post_id, "Ist der Eintritt frei?", author="Sabine Müller"
    )
    assert sync.sync_now(page_channel) == "synced"
    db.session.add(
        SavedReply(title="Eintritt frei", body="Hallo {author}, ja: der Eintritt ist frei!")
    )
    moderator = make_user("moderator", name="Mona Moderatorin")
    db.session.commit()

    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    log_in(page, base, moderator.email)
    page.get_by_role("link", name="Inbox").first.click()
    row = page.locator("#inbox tr", has_text="Ist der Eintritt frei?")
    expect(row).to_contain_text("Sabine Müller")
    row.locator("a.hub-open").click()
    expect(page.locator("#original-post")).to_contain_text("Stadtfest am Samstag!")
    expect(page.locator("html")).to_have_attribute("data-inbox-ready", "1")  # script running

    page.select_option("#saved-reply", label="Eintritt frei")
    expect(page.locator("#reply-text")).to_have_value(
        "Hallo Sabine Müller, ja: der Eintritt ist frei!"
    )
    page.click("#send-reply")
    expect(page.locator(".alert-success")).to_contain_text("Your reply is on its way.")

    # The worker's part, done here: carry out the queued action, as hub.action.run does.
    action_id = wait_until(
        lambda: (
            db.session.scalar(select(ModerationAction.id).where(ModerationAction.state == "queued"))
            or db.session.rollback()
        ),
        timeout=10,
        what="the queued reply",
    )
    assert actions.run_action(action_id) == ActionState.done

    # On the network: exactly one reply, ours, under that very comment.
    ours = [c for c in sandbox.comments("facebook", post_id) if c["from_owner"]]
    assert [(c["parent_id"], c["text"]) for c in ours] == [
        (question["id"], "Hallo Sabine Müller, ja: der Eintritt ist frei!")
    ]
    # The page follows the action by itself, and after a reload the reply is in the thread.
    expect(page.locator(f'[data-action-state="{action_id}"]')).to_have_text("Done", timeout=15000)
    page.reload()
    expect(page.locator("li.hub-own")).to_contain_text("der Eintritt ist frei!")
    db.session.rollback()
    (comment,) = db.session.scalars(
        select(Comment).where(Comment.remote_id == question["id"])
    ).all()
    assert comment.status == "answered"
    context.close()


def test_hostile_comments_stay_text(
    live_server: str, chromium: Any, make_user, make_channel
) -> None:
    base = live_server
    channel = make_channel("facebook", external_id=PAGE_ID)
    now = utcnow()
    store_comments(
        channel,
        [
            RemoteComment(
                remote_id=f"xss{n}",
                text=payload,
                created_at=now,
                author_name='<img src="https://evil.example/a.png" onerror="window.__xss=9">',
                post_remote_id="p",
            )
            for n, payload in enumerate(XSS)
        ],
    )
    db.session.add(SavedReply(title="Gruß", body="Hallo {author}!"))
    moderator = make_user("moderator")
    db.session.commit()
    first = db.session.scalar(select(Comment.id).where(Comment.remote_id == "xss0"))

    context = chromium.new_context()
    page = context.new_page()
    dialogs: list[str] = []
    foreign: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.on(
        "request",
        lambda request: (
            foreign.append(request.url)
            if urlparse(request.url).hostname not in ("127.0.0.1", "localhost")
            else None
        ),
    )
    log_in(page, base, moderator.email)
    page.goto(f"{base}/admin/inbox/")
    for payload in XSS:
        expect(page.locator("#inbox")).to_contain_text(" ".join(payload.split()))
    page.goto(f"{base}/admin/inbox/{first}")
    expect(page.locator("html")).to_have_attribute("data-inbox-ready", "1")
    for payload in XSS:
        expect(page.locator("#thread")).to_contain_text(payload)
    page.select_option("#saved-reply", label="Gruß")
    expect(page.locator("#reply-text")).to_have_value(
        'Hallo <img src="https://evil.example/a.png" onerror="window.__xss=9">!'
    )
    page.hover("#thread a[href^='https://evil.example']")
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#thread script, #thread img, #thread iframe, #thread svg").count() == 0
    # Web addresses in the texts became links, each a plain https link marked as untrusted.
    links = page.locator("#thread .hub-text a")
    assert links.count() == 4
    for n in range(links.count()):
        assert links.nth(n).get_attribute("href").startswith("https://")
        assert links.nth(n).get_attribute("rel") == "nofollow noopener noreferrer ugc"
        assert links.nth(n).get_attribute("onmouseover") is None
    assert dialogs == [] and foreign == []
    context.close()
