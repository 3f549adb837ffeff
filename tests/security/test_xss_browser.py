"""Hostile text in every field hub shows, in a real browser (issue 12): announcement texts and
per-network variants, alt texts, channel and people's names and addresses, comments and their
authors, notes, tags, saved replies, keyword rules, audit details, delivery errors, notices,
the crisis hold's reason, API token names. Every page that shows them is opened once, with all
of it seeded together: no script runs, no dialog opens, no link leads to ``javascript:``, and
the text is there to read, as text.

The browser ignores hub's Content-Security-Policy here (``bypass_csp``): the CSP is a second
wall (tests/security/test_headers.py); this test is about the first, the escaping itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hub import audit
from hub.extensions import db
from hub.metrics.history import seed_history
from hub.models import (
    ActionKind,
    ActionState,
    Announcement,
    AnnouncementStatus,
    Comment,
    Delivery,
    DeliveryState,
    KeywordRule,
    ModerationAction,
    Note,
    SavedReply,
    Tag,
    User,
)
from hub.models.system import Notification, PublishingHold
from hub.models.types import utcnow
from hub.publishing.compose import AnnouncementInput, VariantInput, save_announcement
from tests.browser.conftest import live_server, log_in
from tests.security.world import token_for

# The browser tests' fixture (the app served from a thread), by name; chromium is shared.
BROWSER_FIXTURES = (live_server,)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

SCRIPT = "<script>window.__xss=1</script>"
PAYLOADS = (
    SCRIPT,
    '"><img src=x onerror="window.__xss=2">',
    "'><svg onload=alert(3)>",
    "{{7*7}}",
    '<a href="javascript:window.__xss=4">klick</a>',
    "</textarea></title><script>window.__xss=6</script>",
    "[klick](javascript:window.__xss=5)",
)
JAVASCRIPT_URL = "javascript:window.__xss=7"


def evil(label: str, limit: int = 10_000) -> str:
    """``label`` and every payload (as many as fit in ``limit``, the field's length): the label
    finds the field's text on the page."""
    return f"{label} {' '.join(PAYLOADS)}"[:limit]


def shown(label: str) -> str:
    """How the start of ``evil(label)`` reads on the page when it stays text."""
    return f"{label} {SCRIPT}"


# What is wrong on the page: script that ran, markup that came alive, javascript: links.
FIND_LIVE_PAYLOADS = """() => {
  const found = [];
  const urls = ["href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.toLowerCase();
      if (name.startsWith("on") && (value.includes("__xss") || value.includes("alert"))) {
        found.push(`<${element.tagName} ${name}="${attribute.value}">`);
      }
      const script = value.includes("__xss") || value.trim().startsWith("javascript:window");
      if (urls.includes(name) && script) {
        found.push(`<${element.tagName} ${name}="${attribute.value}">`);
      }
    }
    const data = ["application/json", "application/ld+json"].includes(element.type);
    if (element.tagName === "SCRIPT" && !data && element.textContent.includes("__xss")) {
      found.push(`<script>${element.textContent}</script>`);
    }
    if (element.tagName === "IFRAME") {
      found.push(`<iframe>`);
    }
  }
  if (window.__xss !== undefined) {
    found.push(`window.__xss = ${window.__xss}`);
  }
  return found;
}"""

# Everything a person can read on the page, form values and choices included.
PAGE_TEXT = """() => [
  document.body.innerText,
  ...Array.from(document.querySelectorAll("input, textarea"), (e) => e.value),
  ...Array.from(document.querySelectorAll("option"), (e) => e.text),
].join("\\n")"""


@dataclass
class Seeded:
    """Who looks (a person holding every role), and each page with the fields it shows."""

    viewer: User
    pages: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


@pytest.fixture
def seeded(app: Any, make_user: Any, make_channel: Any, make_media: Any) -> Seeded:
    viewer = make_user(*("editor", "approver", "moderator", "manager", "admin"))
    viewer.full_name = evil("Leitung")
    moderator = make_user("moderator", name=evil("Moderatorin"))
    approver = make_user("approver", name=evil("Prüferin"))
    person = make_user("editor", email='"><img src=x onerror=window.__xss=8>@bochum.example')
    person.full_name = evil("Person")
    facebook = make_channel("facebook", name=evil("Kanal"), status_message=evil("Status"))
    x = make_channel("x", name=evil("X-Kanal"))
    make_channel("instagram", name=evil("Insta"))
    # A month of figures for the engagement pages (its announcements get hostile titles).
    seed_history(utcnow() - timedelta(minutes=5), viewer, moderator, approver)
    for announcement in db.session.query(Announcement).all():
        announcement.title = evil("Bilanz", 200)
    media = make_media(alt_text=evil("Alt"), credit=evil("Bildnachweis"))
    draft = save_announcement(
        AnnouncementInput(
            title=evil("Titel", 200),
            body=evil("Text"),
            channel_ids=[facebook.id, x.id],
            variants={x.id: VariantInput(body=evil("Variante", 250))},
            media_ids=[media.id],
        ),
        user=viewer,
    )
    draft.link = JAVASCRIPT_URL
    draft.review_comment = evil("Rückmeldung")
    scheduled = save_announcement(
        AnnouncementInput(title=evil("Geplant", 200), body="Stadtfest", channel_ids=[facebook.id]),
        user=viewer,
    )
    scheduled.status = AnnouncementStatus.scheduled
    db.session.flush()
    db.session.add_all(
        [
            Delivery(
                announcement_id=scheduled.id,
                channel_id=facebook.id,
                state=DeliveryState.failed,
                error_message=evil("Fehler"),
                url=JAVASCRIPT_URL,
            ),
            Delivery(announcement_id=scheduled.id, channel_id=x.id, state=DeliveryState.held),
        ]
    )
    comment = Comment(
        channel_id=facebook.id,
        remote_id="c-evil",
        remote_post_id="104729318356812_1",
        author_name=evil("Bürgerin"),
        author_handle=evil("Handle", 200),
        text=evil("Kommentar") + ' https://example.org/"onmouseover="window.__xss=9',
        url=JAVASCRIPT_URL,
        assignee_id=moderator.id,
        status="assigned",
        remote_created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    tags = [Tag(name=f"T{n} {payload}"[:60]) for n, payload in enumerate(PAYLOADS)]
    comment.tags = tags
    db.session.add_all(
        [
            Note(comment_id=comment.id, author_id=moderator.id, text=evil("Notiz")),
            ModerationAction(
                comment_id=comment.id,
                kind=ActionKind.reply,
                text=evil("Antwort"),
                state=ActionState.failed,
                error_message=evil("Abgelehnt"),
                idempotency_key="evil-reply",
                requested_by_id=moderator.id,
            ),
            SavedReply(title=evil("Vorlage", 200), body=evil("Vorlagentext")),
            KeywordRule(category="insult", keyword=evil("Stichwort", 200)),
            Notification(user_id=viewer.id, kind="channel.login", message=evil("Hinweis")),
            PublishingHold(reason=evil("Sperre"), started_by_id=viewer.id),
        ]
    )
    audit.record("channel.checked", facebook, actor=viewer, message=evil("Detail"))
    db.session.commit()
    token_for(person, name=evil("Token", 100))
    saved = db.session.query(SavedReply).one()
    published = db.session.query(Delivery).filter_by(state=DeliveryState.published).first()
    published.url = JAVASCRIPT_URL  # as a network might answer
    db.session.commit()
    result = Seeded(viewer=viewer)
    result.pages = [
        ("/admin/", ("Sperre", "Hinweis", "Titel")),
        ("/admin/announcements/", ("Titel", "Geplant")),
        (f"/admin/announcements/{draft.id}/", ("Titel", "Text", "Variante", "Rückmeldung")),
        (f"/admin/announcements/{draft.id}/edit", ("Titel", "Text", "Variante", "Alt")),
        (f"/admin/announcements/{scheduled.id}/", ("Geplant", "Fehler", "Kanal")),
        ("/admin/announcements/new", ("Kanal", "X-Kanal")),
        ("/admin/inbox/", ("Bürgerin", "Kommentar", "Kanal")),
        (
            f"/admin/inbox/{comment.id}",
            ("Bürgerin", "Kommentar", "Notiz", "T0", "Vorlage", "Antwort"),
        ),
        ("/admin/engagement/", ("Bilanz", "Kanal", "Moderatorin")),
        (f"/admin/engagement/announcements/{published.announcement_id}", ("Bilanz", "Kanal")),
        ("/admin/audit/", ("Detail",)),
        ("/admin/channels/", ("Kanal", "Status")),
        (f"/admin/channels/edit/?id={facebook.id}", ("Kanal",)),
        ("/admin/users/", ("Person", "Moderatorin")),
        (f"/admin/users/edit/?id={person.id}", ("Person",)),
        ("/admin/tags/", ("T0",)),
        ("/admin/saved_replies/", ("Vorlage", "Vorlagentext")),
        (f"/admin/saved_replies/edit/?id={saved.id}", ("Vorlage", "Vorlagentext")),
        ("/admin/keyword_rules/", ("Stichwort",)),
        ("/admin/notices/", ("Hinweis",)),
        ("/admin/hold/", ("Sperre", "Geplant")),
        ("/admin/api-tokens/", ("Token", "Person")),
    ]
    return result


@pytest.fixture
def browser_page(
    chromium: Any, live_server: str, seeded: Seeded
) -> Iterator[tuple[Page, list[str]]]:
    context = chromium.new_context(bypass_csp=True, locale="de-DE")
    page = context.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    log_in(page, live_server, seeded.viewer.email)
    try:
        yield page, dialogs
    finally:
        context.close()


def test_hostile_text_stays_text_on_every_page(
    browser_page: tuple[Page, list[str]], live_server: str, seeded: Seeded
) -> None:
    page, dialogs = browser_page
    wrong: list[str] = []
    for path, labels in seeded.pages:
        response = page.goto(f"{live_server}{path}")
        assert response is not None and response.status == 200, (path, response and response.status)
        page.wait_for_load_state("load")
        if path.startswith("/admin/engagement/"):
            chart = page.locator("[data-rendered]").first
            expect(chart).to_have_attribute("data-rendered", "true", timeout=20_000)
        live = page.evaluate(FIND_LIVE_PAYLOADS)
        if live:
            wrong.append(f"{path}: {live}")
        text = page.evaluate(PAGE_TEXT)
        missing = [label for label in labels if shown(label) not in text]
        if missing:
            wrong.append(f"{path}: does not show {missing} as text")
        if labels and "{{7*7}}" not in text:
            wrong.append(f"{path}: {{{{7*7}}}} was not shown as typed")
    assert not dialogs, f"dialogs opened: {dialogs}"
    assert not wrong, "\n".join(wrong)


def test_a_typed_payload_stays_text_in_the_live_preview(
    browser_page: tuple[Page, list[str]], live_server: str, seeded: Seeded
) -> None:
    page, dialogs = browser_page
    page.goto(f"{live_server}/admin/announcements/new")
    page.locator("input[name=channels]").first.check()
    page.fill("#title", evil("Vorschau-Titel"))
    page.fill("#body", evil("Vorschau"))
    preview = page.locator("[data-preview-for]").first
    expect(preview).to_contain_text(shown("Vorschau"), timeout=10_000)
    assert page.evaluate(FIND_LIVE_PAYLOADS) == []
    assert not dialogs
