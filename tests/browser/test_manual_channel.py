"""A post on a manual channel (a WhatsApp channel), in a real browser: the responsible person
sees the notice, copies the text (button and visible text), sees the media with its alt text,
marks it posted with its link, and the announcement shows it published with that link. One
left undone is flagged to its author, who skips it with a reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus, AuditEvent
from hub.publishing import pipeline
from tests.browser.conftest import log_in
from tests.support import approved_announcement, publish_due

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

TEXT = "Hitzewarnung für Bochum: Trinken Sie ausreichend.\n\nMehr: https://www.bochum.de/hitze"
LINK = "https://www.whatsapp.com/channel/0029VaBochum/42"


def test_responsible_person_copies_posts_and_marks_it_posted(
    english, live_server: str, chromium: Any, make_user, make_channel, make_media
) -> None:
    base = live_server
    person = make_user("moderator", name="Wanda WhatsApp")
    channel = make_channel(
        "manual", name="WhatsApp-Kanal Stadt Bochum", credentials=None, responsible_user=person
    )
    editor, approver = make_user("editor"), make_user("approver")
    photo = make_media(alt_text="Thermometer vor dem Rathaus zeigt 36 Grad")
    ann = approved_announcement(
        editor,
        approver,
        [channel.id],
        title="Hitzewarnung",
        body=TEXT,
        media_ids=[photo.id],
    )
    assert publish_due() == []  # the dispatcher hands it to the person; no worker, no network
    announcement_id = ann.id

    context = chromium.new_context(locale="de-DE")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    log_in(page, base, person.email)

    # The notice: a banner on every page and the overview's box, leading to the post's page.
    banner = page.locator(".hub-banner", has_text="by hand on WhatsApp-Kanal Stadt Bochum")
    expect(banner).to_be_visible()
    expect(page.locator("#by-hand")).to_contain_text("Hitzewarnung")
    banner.get_by_role("link", name="Show notices").click()
    page.locator("#notices").get_by_role("link", name="Open").click()
    expect(page.locator("h1")).to_contain_text("WhatsApp-Kanal Stadt Bochum")
    expect(page.locator("#manual-responsible")).to_contain_text("Wanda WhatsApp")

    # The text: visible, selectable, read-only; and one click copies it.
    text_field = page.get_by_label("Select the text and copy it, or use the button.")
    expect(text_field).to_have_value(TEXT)
    expect(text_field).to_have_attribute("readonly", "")
    page.wait_for_load_state("load")  # manual.js listens from then on; a busy machine is slow
    page.get_by_role("button", name="Copy text").click()
    expect(page.locator("#manual-copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == TEXT

    # The media to download, with its alt text shown.
    media = page.locator("#manual-media li")
    expect(media).to_have_count(1)
    expect(media).to_contain_text("Thermometer vor dem Rathaus zeigt 36 Grad")
    with page.expect_download() as download:
        media.get_by_role("link").click()
    assert download.value.suggested_filename == "rathaus.png"

    # Posted by hand: the link, then the announcement shows it published with that link.
    page.get_by_label("Link to the post (if it has one)").fill(LINK)
    page.get_by_role("button", name="Mark as posted").click()
    expect(page.locator(".alert-success")).to_contain_text("Recorded as posted.")
    expect(page).to_have_url(
        f"{base}/admin/announcements/{announcement_id}/#delivery-{ann.deliveries[0].id}"
    )
    row = page.locator(f"#delivery-{ann.deliveries[0].id}")
    expect(row).to_have_attribute("data-state", "published")
    expect(row).to_contain_text("Published")
    expect(row.get_by_role("link", name="Open post")).to_have_attribute("href", LINK)
    expect(page.locator("h1 .badge")).to_have_attribute("data-status", "published")
    assert csp_errors == []
    context.close()

    db.session.rollback()
    assert db.session.get(Announcement, announcement_id).status == AnnouncementStatus.published
    event = db.session.query(AuditEvent).filter_by(action="delivery.posted_by_hand").one()
    assert event.actor_id == person.id and event.details["url"] == LINK


def test_overdue_post_is_flagged_to_the_author_who_skips_it(
    english, live_server: str, chromium: Any, make_user, make_channel, app
) -> None:
    base = live_server
    person = make_user("moderator", name="Wanda WhatsApp")
    channel = make_channel(
        "manual", name="WhatsApp-Kanal Stadt Bochum", credentials=None, responsible_user=person
    )
    editor, approver = make_user("editor", name="Ella Editor"), make_user("approver")
    ann = approved_announcement(editor, approver, [channel.id], title="Stadtradeln", body="Los!")
    publish_due()
    (delivery,) = ann.deliveries
    late = delivery.first_attempt_at + timedelta(
        minutes=app.config["HUB_SETTINGS"].manual_overdue_minutes + 1
    )
    pipeline.dispatch_due(now=late)
    delivery_id, announcement_id = delivery.id, ann.id

    context = chromium.new_context(locale="de-DE")
    page = context.new_page()
    log_in(page, base, editor.email)
    banner = page.locator(".hub-banner", has_text="is not yet posted by hand")
    expect(banner).to_be_visible()
    banner.get_by_role("link", name="Show notices").click()
    page.locator("#notices").get_by_role("link", name="Open").first.click()
    expect(page.locator("#manual-overdue")).to_contain_text("Overdue: due since")

    # The author (an editor) may act: a reason is required to skip.
    page.get_by_label("Why is it not posted?").fill("Aktion wurde abgesagt.")
    page.get_by_role("button", name="Skip this channel").click()
    expect(page.locator(".alert-success")).to_contain_text("Recorded as skipped.")
    row = page.locator(f"#delivery-{delivery_id}")
    expect(row).to_have_attribute("data-state", "skipped")
    expect(row).to_contain_text("Aktion wurde abgesagt.")
    expect(page.locator("h1 .badge")).to_have_attribute("data-status", "cancelled")
    context.close()
    db.session.rollback()
    assert db.session.get(Announcement, announcement_id).status == AnnouncementStatus.cancelled
