"""Mastodon channels in hub (both databases, the sandbox over HTTP): each server's own text limit
kept by "Test connection" and counted by compose; a post that went out although its answer was
lost is found again, never made twice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.extensions import db
from hub.models import Channel, DeliveryState
from hub.publishing import tokens
from hub.publishing.compose import AnnouncementInput, save_announcement
from hub.publishing.errors import ValidationFailed
from hub.publishing.pipeline import default_connector, outgoing_post
from tests.support import publish_due


@pytest.fixture
def settings(sandbox_settings):  # type: ignore[no-untyped-def]
    return sandbox_settings(network_timeout=2.0, retry_base=1.0, max_attempts=3)


@pytest.fixture
def mastodon(make_channel, sandbox):  # type: ignore[no-untyped-def]
    def make(instance: str = "bochum.social", token: str = "masto-token") -> Channel:
        sandbox.put_account(
            "mastodon", id=str(abs(hash(token)))[:15], username="stadt", token=token
        )
        return make_channel(
            "mastodon",
            external_id=f"stadt@{instance}",
            credentials={"instance": instance, "access_token": token},
        )

    return make


def test_test_connection_keeps_the_servers_own_limit_and_compose_counts_against_it(
    mastodon, make_user, sandbox
) -> None:
    sandbox.settings("mastodon", instance_limits={"social.bund.de": 1000})
    bund, bochum = mastodon("social.bund.de", "bund-token"), mastodon()
    for channel in (bund, bochum):
        assert tokens.check_channel(channel).ok
    db.session.expire_all()
    assert bund.credentials["max_characters"] == 1000
    assert bochum.credentials["max_characters"] == 500

    editor = make_user("editor")
    text = "Bekanntmachung " * 40  # 600 characters
    save_announcement(
        AnnouncementInput(title="Lang", body=text, channel_ids=[bund.id]), user=editor
    )
    with pytest.raises(ValidationFailed) as refused:
        save_announcement(
            AnnouncementInput(title="Lang", body=text, channel_ids=[bochum.id]), user=editor
        )
    assert any("500" in m for messages in refused.value.fields.values() for m in messages)


def test_a_lost_answer_is_found_again_not_posted_twice(mastodon, approved, sandbox) -> None:
    channel = mastodon()
    ann = approved(channels=[channel], body="Die Kortumstraße ist bis Freitag gesperrt.")
    # Mastodon makes the status, the answer never arrives.
    sandbox.add_fault("mastodon", "status", status=502, after=True, path="/api/v1/statuses")
    assert publish_due() == ["retry_wait"]
    (delivery,) = ann.deliveries
    assert delivery.outcome_unknown
    assert publish_due(now=delivery.next_attempt_at + timedelta(seconds=1)) == ["published"]
    (post,) = sandbox.posts("mastodon")
    db.session.expire_all()
    (delivery,) = ann.deliveries
    assert delivery.state == DeliveryState.published and delivery.remote_id == post["id"]
    assert delivery.url == f"https://bochum.social/@stadt/{post['id']}"


def test_the_idempotency_key_holds_when_a_worker_posts_again(mastodon, approved, sandbox) -> None:
    """Even an attempt that posts again (the lookup found nothing yet) gets the first status."""
    channel = mastodon()
    ann = approved(channels=[channel], body="Zweimal gesendet, einmal erschienen.")
    assert publish_due() == ["published"]
    (delivery,) = ann.deliveries
    again = default_connector(channel).publish(outgoing_post(delivery))
    assert again.remote_id == delivery.remote_id
    assert len(sandbox.posts("mastodon")) == 1
