"""Channel tokens never reach a log line or a stored error (issue 12, finding 7).

The filter is installed as in production: by ``create_app`` on the web app's handlers, and by
Celery's ``after_setup_logger`` signal in the worker and beat (sent here the way Celery sends it).
"""

from __future__ import annotations

import logging

import pytest
import requests
from celery import signals
from sqlalchemy import select, update

from hub import create_app
from hub.connectors.http import transport_error
from hub.extensions import db
from hub.models import Delivery, DeliveryState
from hub.publishing import pipeline
from tests.conftest import make_settings
from tests.support import free_port

TOKEN = "EAAGpageTokenSecret123"
APP_SECRET = "meta-app-secret-456"


@pytest.fixture
def settings(tmp_path, database_url):  # type: ignore[no-untyped-def]
    # Every network at an address where nobody listens: each call is a connection error.
    return make_settings(
        tmp_path,
        database_url,
        sandbox_url=f"http://127.0.0.1:{free_port()}",
        network_timeout=1.0,
        max_attempts=5,
    )


def celery_sets_up_logging() -> None:
    """What a worker or beat does at start: configure the root logger, then tell receivers."""
    signals.after_setup_logger.send(
        sender=None,
        logger=logging.getLogger(),
        loglevel=logging.INFO,
        logfile=None,
        format="%(message)s",
        colorize=False,
    )


def test_a_graph_connection_error_in_the_worker_logs_no_token(
    caplog, approved, make_channel
) -> None:
    page = make_channel("facebook", credentials={"access_token": TOKEN, "app_secret": APP_SECRET})
    ann = approved(channels=[page])
    celery_sets_up_logging()
    (delivery_id,) = pipeline.dispatch_due().publish
    # After an unclear attempt hub first asks Graph whether the post exists: a GET whose URL
    # carries access_token and appsecret_proof, which the connection error repeats.
    db.session.get(Delivery, delivery_id).outcome_unknown = True
    db.session.commit()
    with caplog.at_level(logging.INFO):
        assert pipeline.run_publish(delivery_id) == DeliveryState.retry_wait
    logged = caplog.text
    assert f"delivery {delivery_id} attempt 1" in logged  # the line is there ...
    assert "appsecret_proof=" in logged and "access_token=" in logged
    assert TOKEN not in logged  # ... without the token
    proof = next(r for r in caplog.records if "appsecret_proof=" in r.getMessage())
    assert "appsecret_proof=[redacted]" in proof.getMessage()
    db.session.expire_all()
    stored = db.session.get(Delivery, delivery_id)
    assert TOKEN not in (stored.error_message or "") and ann.id == stored.announcement_id


def test_the_web_app_redacts_its_log_lines(caplog, settings) -> None:
    create_app(settings)  # installs the filter on the handlers the process logs through
    refresh = (
        "https://graph.instagram.com/refresh_access_token?grant_type=ig_refresh_token"
        f"&access_token={TOKEN}&client_secret={APP_SECRET}"
    )
    logging.getLogger("hub.admin.connect").warning("connect %s failed: %s", "instagram", refresh)
    try:
        raise requests.ConnectionError(f"Max retries exceeded with url: {refresh}")
    except requests.ConnectionError:
        logging.getLogger("hub.api.errors").exception("API request failed")
    assert "connect instagram failed" in caplog.text and "ConnectionError" in caplog.text
    assert TOKEN not in caplog.text and APP_SECRET not in caplog.text


def test_stored_error_details_are_redacted(app, approved, make_channel) -> None:
    ann = approved("x")
    (delivery_id,) = pipeline.dispatch_due().publish
    leaked = f"X said: invalid request /2/tweets?access_token={TOKEN} (Bearer {TOKEN})"
    # Written the way the pipeline writes outcomes: a Core UPDATE, not the ORM.
    db.session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(error_message=leaked)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    stored = db.session.scalar(select(Delivery.error_message).where(Delivery.id == delivery_id))
    assert TOKEN not in stored and stored.startswith("X said: invalid request")
    # And through the ORM.
    delivery = db.session.get(Delivery, delivery_id)
    delivery.error_message = f'{{"refresh_token": "{TOKEN}"}}'
    db.session.commit()
    db.session.expire_all()
    assert TOKEN not in db.session.get(Delivery, delivery_id).error_message
    assert ann.deliveries


def test_a_connector_errors_detail_is_redacted_where_it_is_made() -> None:
    exc = requests.ConnectionError(f"url: /v23.0/1/posts?access_token={TOKEN}&appsecret_proof=p1")
    error = transport_error(exc, "Facebook", 5)
    assert TOKEN not in (error.detail or "") and TOKEN not in str(error)
    assert "p1" not in (error.detail or "")


def test_audit_details_are_redacted(app) -> None:
    """The audit log is read by admins and handed out on FOI requests: no secret belongs in it,
    whichever caller put an error text or a request into an event's details."""
    from hub import audit
    from hub.models import AuditEvent

    event = audit.record(
        "delivery.failed",
        error=f"Graph said: /v23.0/1/feed?access_token={TOKEN}",
        request={"headers": [f"Authorization: Bearer {TOKEN}"], "attempt": 2},
    )
    db.session.commit()
    stored = db.session.get(AuditEvent, event.id).details
    assert TOKEN not in str(stored)
    assert stored["error"].startswith("Graph said: /v23.0/1/feed?access_token=")
    assert stored["request"]["attempt"] == 2
