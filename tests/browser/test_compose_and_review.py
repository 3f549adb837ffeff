"""The editor's and the approver's way through the admin, in a real browser.

An editor composes an announcement for X and Instagram with an image and its alt text, sees the
live counter and the server refuse a text too long for X, fixes it, saves and submits it. The
author may not approve it (button disabled, direct POST refused); an approver does.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from hub.extensions import db
from hub.models import Announcement, AnnouncementStatus
from tests.browser.conftest import log_in
from tests.conftest import image_bytes

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def _status(announcement_id: int) -> str:
    db.session.rollback()
    return db.session.get(Announcement, announcement_id).status


def test_compose_fix_submit_and_approve(
    english, live_server: str, chromium: Any, make_user, make_channel
) -> None:
    base = live_server
    author = make_user("editor", "approver", name="Ella Editor")
    approver = make_user("approver", name="Anton Approver")
    x, insta = make_channel("x", name="Stadt X"), make_channel("instagram", name="Stadt Insta")

    author_context = chromium.new_context(locale="de-DE")
    page = author_context.new_page()
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    log_in(page, base, author.email)
    expect(page.get_by_test_id("current-user")).to_have_text("Ella Editor")

    page.get_by_role("link", name="Write an announcement").click()
    page.fill("#title", "Stadtputz 2031")
    page.fill("#body", "Mitmachen beim Stadtputz! " * 12)  # 312 characters
    page.check(f"#channel-{x.id}")
    page.check(f"#channel-{insta.id}")
    page.set_input_files(
        "input[name='new_media-0-file']",
        files=[{"name": "stadtputz.png", "mimeType": "image/png", "buffer": image_bytes()}],
    )
    page.fill("textarea[name='new_media-0-alt_text']", "Freiwillige mit Müllsäcken am Rathaus")

    # The live counter (from the server's rules) shows X over its limit before saving.
    x_counter = page.locator(f'[data-counter-for="{x.id}"]')
    expect(x_counter).to_have_text("311 / 280")
    expect(x_counter).to_have_class(re.compile(r"\bhub-over\b"))
    expect(page.locator(f'[data-problems-for="{x.id}"]')).to_contain_text("X allows 280")
    expect(page.locator(f'[data-counter-for="{insta.id}"]')).to_have_text("311 / 2200")
    expect(page.locator(f'[data-problems-for="{insta.id}"] li')).to_have_count(0)

    # Saving anyway: refused, with the message next to X's text and nothing lost.
    page.click("#save")
    expect(page.locator(f'[data-error-for="variants.{x.id}.body"]')).to_contain_text(
        "X allows 280 weighted characters; this text has 311."
    )
    expect(page.locator("#title")).to_have_value("Stadtputz 2031")
    kept = page.locator(".hub-existing-media")
    expect(kept).to_have_count(1)
    expect(kept.locator("textarea")).to_have_value("Freiwillige mit Müllsäcken am Rathaus")
    expect(kept.locator("img")).to_have_js_property("naturalWidth", 480)  # thumbnail served
    assert db.session.query(Announcement).count() == 0

    # Shorter text for X only; the shared text stays for Instagram.
    page.fill(f"textarea[name='variant_{x.id}_body']", "Stadtputz am Samstag – macht mit!")
    expect(x_counter).to_have_text("33 / 280")
    expect(x_counter).not_to_have_class(re.compile(r"\bhub-over\b"))
    page.click("#save")
    expect(page.locator(".alert-success")).to_contain_text("The announcement was saved.")
    announcement_id = int(re.search(r"/admin/announcements/(\d+)/", page.url)[1])
    preview = page.locator(f'.hub-preview[data-channel-id="{x.id}"]')
    expect(preview).to_contain_text("Stadtputz am Samstag – macht mit!")
    expect(page.locator(f'.hub-preview[data-channel-id="{insta.id}"] img')).to_have_attribute(
        "alt", "Freiwillige mit Müllsäcken am Rathaus"
    )

    page.click("#submit-for-review")
    expect(page.locator(".alert-success")).to_contain_text("Submitted for review.")
    assert _status(announcement_id) == AnnouncementStatus.in_review

    # The author holds the approver role too, yet may not approve their own announcement.
    expect(page.locator("#approve")).to_be_disabled()
    expect(page.locator("#approve-blocked")).to_contain_text("four-eyes")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    version = page.locator("input[name='version']").first.get_attribute("value")
    response = page.request.post(
        f"{base}/admin/announcements/{announcement_id}/approve",
        form={"csrf_token": token, "version": version},
    )
    assert response.ok and "four-eyes" in response.text()
    assert _status(announcement_id) == AnnouncementStatus.in_review
    assert csp_errors == []
    author_context.close()

    # Someone else approves.
    approver_context = chromium.new_context(locale="de-DE")
    page = approver_context.new_page()
    log_in(page, base, approver.email)
    page.locator("#to-review").get_by_role("link", name="Stadtputz 2031").click()
    page.click("#approve")
    expect(page.locator(".alert-success")).to_contain_text("Approved and scheduled.")
    expect(page.locator("h1 .badge")).to_have_attribute("data-status", "scheduled")
    assert _status(announcement_id) == AnnouncementStatus.scheduled
    approver_context.close()
