"""Cancel is final on the announcement page: no retry button, and a posted retry is refused."""

from __future__ import annotations

from hub.extensions import db
from hub.models import Delivery, DeliveryState
from hub.publishing import pipeline
from tests.conftest import csrf_from
from tests.integration.publishing.test_cancel_is_final import _cancelled_with


def test_the_page_offers_no_retry_and_refuses_one(approved, english, client_for, make_user) -> None:
    ann, (failed_id,) = _cancelled_with(approved, DeliveryState.failed)
    author = client_for(approved.editor)
    page = author.get(f"/admin/announcements/{ann.id}/").text
    assert 'data-action="retry"' not in page
    # Recording a post someone found on the network stays possible: that is the truth.
    assert 'data-action="mark_published"' in page
    answer = author.post(
        f"/admin/announcements/deliveries/{failed_id}/retry",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "cancelled" in answer.text
    db.session.expire_all()
    assert db.session.get(Delivery, failed_id).state == DeliveryState.failed
    assert pipeline.dispatch_due().publish == []
