"""The list pages' bulk "Delete" (Flask-Admin's action) on the inbox settings: it deletes on
both databases, and a failure never shows the database's error text.

Found by tests/security/test_csrf.py: on PostgreSQL the selected ids reached the query as text
("tag.id IN ('3'::VARCHAR)"), the delete failed, and the page showed the SQL statement with its
parameters.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.extensions import db
from hub.models import KeywordRule, SavedReply, Tag
from tests.conftest import csrf_from

ROWS = {
    "tags": lambda n: Tag(name=f"Baustelle {n}"),
    "saved_replies": lambda n: SavedReply(title=f"Dank {n}", body="Danke!"),
    "keyword_rules": lambda n: KeywordRule(category="insult", keyword=f"Blödmann {n}"),
}


@pytest.mark.parametrize("view", sorted(ROWS))
def test_the_selected_rows_are_deleted(make_user, client_for, view: str) -> None:
    rows = [ROWS[view](n) for n in range(3)]
    db.session.add_all(rows)
    db.session.commit()
    model, ids, kept = type(rows[0]), [rows[0].id, rows[1].id], rows[2].id
    client = client_for(make_user("moderator"))
    page = client.get(f"/admin/{view}/")
    response = client.post(
        f"/admin/{view}/action/",
        data={"csrf_token": csrf_from(page.text), "action": "delete", "rowid": ids},
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        messages = " ".join(message for _category, message in session.get("_flashes", []))
    assert "SQL" not in messages and "VARCHAR" not in messages, messages
    db.session.rollback()
    assert list(db.session.scalars(select(model.id))) == [kept], messages
