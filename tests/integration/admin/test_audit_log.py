"""The audit log page: admins only, newest first, filterable, and read-only."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.extensions import db
from hub.models import AuditEvent
from tests.conftest import csrf_from


def _event(action: str, at: datetime, **kwargs) -> AuditEvent:  # type: ignore[no-untyped-def]
    event = AuditEvent(action=action, at=at, actor_label=kwargs.pop("actor", "system"), **kwargs)
    db.session.add(event)
    return event


def _order(page: str, actions: list[str]) -> list[str]:
    present = [a for a in actions if a in page]
    return sorted(present, key=page.index)


ACTIONS = ["test.oldest", "test.middle", "test.newest"]


def _seed() -> None:
    _event("test.oldest", datetime(2031, 3, 10, 22, 30, tzinfo=UTC), object_type="channel")
    # 23:30 UTC on the 10th is 00:30 on the 11th in Berlin.
    _event(
        "test.middle",
        datetime(2031, 3, 10, 23, 30, tzinfo=UTC),
        actor="eva@bochum.example",
        object_type="user",
        details={"before": ["editor"], "after": ["<b>admin</b>"]},
    )
    _event("test.newest", datetime(2031, 3, 12, 9, 0, tzinfo=UTC), object_type="channel")
    db.session.commit()


def test_newest_first_with_local_times_and_escaped_details(make_user, client_for) -> None:
    _seed()
    page = client_for(make_user("admin")).get("/admin/audit/").text
    assert _order(page, ACTIONS) == ["test.newest", "test.middle", "test.oldest"]
    assert "11.03.2031" in page  # the middle event shown on its Berlin day
    assert "&lt;b&gt;admin&lt;/b&gt;" in page and "<b>admin</b>" not in page


def test_filters_by_action_actor_object_type_and_day(make_user, client_for) -> None:
    _seed()
    client = client_for(make_user("admin"))

    def shown(query: str) -> list[str]:
        return _order(client.get(f"/admin/audit/?{query}").text, ACTIONS)

    assert shown("flt0_0=test.middle") == ["test.middle"]  # action equals
    assert shown("flt0_1=newest") == ["test.newest"]  # action contains
    assert shown("flt0_2=eva@") == ["test.middle"]  # who
    assert shown("flt0_3=channel") == ["test.newest", "test.oldest"]  # object type
    assert shown("flt0_4=2031-03-11+to+2031-03-11") == ["test.middle"]  # Berlin day


def test_the_audit_log_cannot_be_changed_through_the_admin(make_user, client_for) -> None:
    _seed()
    client = client_for(make_user("admin"))
    page = client.get("/admin/audit/").text
    event_id = db.session.scalar(db.select(AuditEvent.id).where(AuditEvent.action == "test.newest"))
    for url in ("/admin/audit/new/", f"/admin/audit/edit/?id={event_id}"):
        assert client.get(url).status_code == 302, url
    response = client.post(
        "/admin/audit/delete/", data={"csrf_token": csrf_from(page), "id": str(event_id)}
    )
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(AuditEvent, event_id) is not None
    assert db.session.query(AuditEvent).filter(AuditEvent.action.like("test.%")).count() == 3
