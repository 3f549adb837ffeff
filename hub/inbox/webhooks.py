"""``/webhooks/meta``: Facebook and Instagram tell hub about comments as they happen;
``/webhooks/threads``: Threads does, signed with the Threads app's secret
(``HUB_THREADS_APP_SECRET``), in its own envelope (:func:`hub.inbox.meta.threads_as_graph`).

No login and no CSRF token (Meta cannot have either); instead every POST must carry a valid
``X-Hub-Signature-256`` for the app secret (``HUB_META_APP_SECRET``), checked in constant time.
Refusals are logged with the sender's address: a missing or wrong signature is 403, a body that
is not JSON (or not a webhook) is 400; a signed one older than hub keeps receipts (a replay)
is acknowledged with 200 but not taken in (see :mod:`hub.inbox.meta`). Polling stays the
safety net, and a comment that arrives both ways is one inbox item (see
:mod:`hub.inbox.ingest`).
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from hub.config import Settings
from hub.extensions import csrf
from hub.inbox import meta

log = logging.getLogger(__name__)

blueprint = Blueprint("inbox_webhooks", __name__)
MAX_BODY = 1024 * 1024  # Meta batches up to 1,000 changes; far below a megabyte


def _settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def _refuse(status: int, error: str, why: str) -> tuple[Response, int]:
    log.warning("Meta webhook refused (%s) from %s: %s", status, request.remote_addr, why)
    return jsonify(error=error), status


@blueprint.get("/webhooks/meta")
def verify() -> Response | tuple[Response, int]:
    """Meta's subscription check: echo ``hub.challenge`` if the verify token is ours."""
    given = request.args.get("hub.verify_token")
    if request.args.get("hub.mode") != "subscribe":
        return _refuse(403, "forbidden", "hub.mode is not 'subscribe'")
    if not _settings().meta_verify_token:
        return _refuse(403, "forbidden", "HUB_META_VERIFY_TOKEN is not set")
    if not meta.valid_verify_token(_settings().meta_verify_token, given):
        return _refuse(403, "forbidden", "wrong verify token")
    log.info("Meta webhook subscription verified from %s", request.remote_addr)
    return Response(request.args.get("hub.challenge", ""), mimetype="text/plain")


# The Threads use case's webhooks: the same subscription check and verify token.
blueprint.add_url_rule("/webhooks/threads", "verify_threads", verify, methods=["GET"])


@blueprint.post("/webhooks/meta")
def receive() -> tuple[Response, int]:
    return _take_in(threads=False)


@blueprint.post("/webhooks/threads")
def receive_threads() -> tuple[Response, int]:
    """Threads' webhooks: signed with the Threads app's own secret, in Threads' envelope."""
    return _take_in(threads=True)


def _take_in(*, threads: bool) -> tuple[Response, int]:
    request.max_content_length = MAX_BODY
    body = request.get_data(cache=True)
    secret = _settings().threads_app_secret if threads else _settings().meta_app_secret
    header = request.headers.get("X-Hub-Signature-256")
    if not secret:
        setting = "HUB_THREADS_APP_SECRET" if threads else "HUB_META_APP_SECRET"
        return _refuse(403, "forbidden", f"{setting} is not set")
    if not header:
        return _refuse(403, "forbidden", "no X-Hub-Signature-256 header")
    if not meta.valid_signature(secret, body, header):
        return _refuse(403, "forbidden", f"bad signature over {len(body)} bytes")
    try:
        payload = json.loads(body.decode("utf-8"))
        if threads:
            payload = meta.threads_as_graph(payload)
        result = meta.receive(payload, body)
    except (ValueError, RecursionError) as exc:  # JSON, UTF-8, or not a webhook (BadPayload)
        return _refuse(400, "bad_request", f"unreadable body: {type(exc).__name__}: {exc}")
    if result.too_old:
        # Acknowledged, so Meta would not send it again; a real delivery is never this old.
        log.warning(
            "Meta webhook too old from %s, not taken in (a replay?): sent %s; taken in is up "
            "to %s old, with a time",
            request.remote_addr,
            ", ".join(str(m) for m in meta.sent_at(payload)),
            meta.MAX_EVENT_AGE,
        )
        return jsonify(status="too_old"), 200
    if result.replayed:
        log.info("Meta webhook replayed from %s: already taken in", request.remote_addr)
        return jsonify(status="duplicate"), 200
    if result.unknown_accounts:
        log.info("Meta webhook for unknown accounts: %s", ", ".join(result.unknown_accounts))
    return jsonify(status="ok", comments=result.comments), 200


def init_webhooks(app: Flask) -> None:
    app.register_blueprint(blueprint)
    csrf.exempt(blueprint)
