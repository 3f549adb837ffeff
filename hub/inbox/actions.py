"""Moderation actions (reply, hide, unhide, delete): requested once, carried out exactly once.

The database is the source of truth and the broker only carries hints, as in publishing:

    queued -> sending -> done
                 |-> retry_wait -> queued   (transient, 429: backoff, Retry-After)
                 |-> failed                 (refused, login expired: message shown)
                 '-> needs_review           (a reply whose outcome is unknown after a crash)

- :func:`request_action` records the moderator's wish. The same idempotency key (a double
  click, a resent form, an API retry) gives the same action, and a second identical request
  while one is under way joins it: one click, one reply.
- :func:`run_action` takes a lease (``sending``) and calls the network once. After an attempt
  whose outcome is unknown (timeout, 5xx, crash), the next one first asks the network
  (``find_reply``) before replying again.
- :func:`reconcile` handles a reply whose worker died holding it: found on the network -> done,
  otherwise -> needs_review for a person, never a blind second reply. Hiding, showing and
  deleting are idempotent on every network, so those are simply run again.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from hub import audit
from hub.config import Settings
from hub.connectors.base import (
    CLOCK_SKEW,
    AuthExpired,
    Connector,
    ConnectorError,
    RateLimited,
    Rejected,
    RemoteComment,
    Transient,
    Unsupported,
)
from hub.connectors.registry import ConnectorFactory
from hub.extensions import db
from hub.inbox.availability import availability
from hub.inbox.errors import InboxError
from hub.inbox.ingest import NO_RULES, store_comments
from hub.models import (
    ActionKind,
    ActionState,
    Channel,
    Comment,
    ModerationAction,
    User,
)
from hub.models.types import utcnow
from hub.publishing.channels import flag_needs_login
from hub.publishing.rules import rules_for, text_limit
from hub.publishing.tokens import FreshLogin, connector_with_fresh_login

log = logging.getLogger(__name__)

ACTIVE = (ActionState.queued, ActionState.sending, ActionState.retry_wait)
MAX_REASON = 2000


def settings() -> Settings:
    return current_app.config["HUB_SETTINGS"]


def default_connector(channel: Channel) -> Connector:
    """The channel's connector, its login renewed first where it is about to expire."""
    return connector_with_fresh_login(channel, settings())


# ---------------------------------------------------------------------------------------------
# Requesting


def _check_reply_text(comment: Comment, text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise InboxError(_("Write a reply first."), "invalid", 422)
    if "\x00" in text:
        raise InboxError(_("The reply contains characters that cannot be sent."), "invalid", 422)
    try:
        rules = rules_for(comment.channel.network)
    except (KeyError, ValueError):
        return text
    length = rules.count(text)
    limit = text_limit(comment.channel.network, comment.channel.credentials)
    if length > limit:
        raise InboxError(
            _(
                "The reply is too long for %(network)s: %(length)s of %(limit)s characters.",
                network=rules.label,
                length=length,
                limit=limit,
            ),
            "invalid",
            422,
        )
    return text


def request_action(
    comment: Comment,
    kind: str,
    user: User | None,
    *,
    text: str | None = None,
    reason: str | None = None,
    key: str | None = None,
) -> ModerationAction:
    """Record a moderator's reply/hide/unhide/delete; the caller commits and hints a worker.

    Raises :class:`InboxError` when the network does not offer it for this comment, or the
    input is incomplete (an empty reply, a deletion without a reason).
    """
    try:
        kind = ActionKind(kind)
    except ValueError:
        raise InboxError(_("Unknown action."), "invalid", 422) from None
    missing = availability(comment).reason(kind)
    if missing:
        raise InboxError(missing, "not_available", 409)
    text = _check_reply_text(comment, text) if kind == ActionKind.reply else None
    if kind == ActionKind.delete:
        reason = (reason or "").strip()
        if not reason:
            raise InboxError(_("Say why the comment is deleted."), "invalid", 422)
        reason = reason[:MAX_REASON]
    full_key = f"{kind}:{comment.id}:{key or uuid.uuid4().hex}"[:100]
    existing = db.session.scalar(
        select(ModerationAction).where(ModerationAction.idempotency_key == full_key)
    )
    if existing is not None:
        return existing
    joined = db.session.scalar(
        select(ModerationAction)
        .where(
            ModerationAction.comment_id == comment.id,
            ModerationAction.kind == kind,
            ModerationAction.state.in_(ACTIVE),
            ModerationAction.text.is_not_distinct_from(text),
        )
        .order_by(ModerationAction.id)
        .limit(1)
    )
    if joined is not None:
        return joined
    now = utcnow()
    action = ModerationAction(
        comment_id=comment.id,
        kind=kind,
        text=text,
        reason=reason,
        state=ActionState.queued,
        idempotency_key=full_key,
        queued_at=now,
        next_attempt_at=now,
        requested_by_id=user.id if user else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(action)
    except IntegrityError:  # the same key, sent twice at the same moment
        return db.session.scalars(
            select(ModerationAction).where(ModerationAction.idempotency_key == full_key)
        ).one()
    details: dict[str, Any] = {"action_id": action.id, "network": comment.channel.network}
    if kind == ActionKind.reply:
        details["text"] = text
    if kind == ActionKind.delete:
        # What is deleted stays on record: a city accounts for every deletion.
        details.update(reason=reason, author=comment.author_name, text=comment.text)
    audit.record(f"comment.{kind}_requested", comment, actor=user, **details)
    return action


# ---------------------------------------------------------------------------------------------
# Running


def lease_for(connector: Connector) -> timedelta:
    """Long enough for a few network timeouts: a lease that ran out during a slow but
    healthy call would send the reply to review."""
    return timedelta(seconds=max(settings().publish_lease or 60.0, 3 * connector.timeout))


def _set(action_id: int, where: list[Any], **values: Any) -> bool:
    changed = db.session.execute(
        update(ModerationAction)
        .where(ModerationAction.id == action_id, *where)
        .values(updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def _held(action: ModerationAction, token: str) -> list[Any]:
    return [
        ModerationAction.state == ActionState.sending,
        ModerationAction.lease_token == token,
    ]


def _release(
    action: ModerationAction, token: str, state: str, code: str, message: str, **values: Any
) -> str:
    """End this worker's hold on the action with ``state`` and a message; commits."""
    _set(
        action.id,
        _held(action, token),
        state=state,
        lease_token=None,
        lease_until=None,
        error_code=code,
        error_message=message,
        **values,
    )
    db.session.commit()
    return state


def run_action(action_id: int, connector_factory: ConnectorFactory | None = None) -> str:
    """Carry out one queued action; returns the state it ended in (or "skipped")."""
    action = db.session.get(ModerationAction, action_id)
    if action is None or action.state != ActionState.queued:
        return "skipped"
    comment = action.comment
    channel = comment.channel
    queued = [ModerationAction.state == ActionState.queued]
    if not channel.is_usable:
        message = _("The channel %(name)s needs a new login first.", name=channel.name)
        _set(
            action.id, queued, state=ActionState.failed, error_code="channel", error_message=message
        )
        db.session.commit()
        return ActionState.failed
    try:
        login = FreshLogin(channel, connector_factory or default_connector)
    except Unsupported as exc:
        _set(
            action.id,
            queued,
            state=ActionState.failed,
            error_code=exc.code,
            error_message=exc.message,
        )
        db.session.commit()
        return ActionState.failed

    now = utcnow()
    token = uuid.uuid4().hex
    taken = _set(
        action.id,
        queued,
        state=ActionState.sending,
        lease_token=token,
        lease_until=now + lease_for(login.connector),
        attempts=ModerationAction.attempts + 1,
        first_attempt_at=db.func.coalesce(ModerationAction.first_attempt_at, now),
    )
    db.session.commit()
    if not taken:
        return "skipped"
    db.session.refresh(action)
    try:
        # A refused login (401) is renewed once and the action tried again: nothing was done.
        remote_id = login.call(lambda connector: _carry_out(connector, action, comment))
    except RateLimited as exc:
        return _retry_later(action, token, exc, outcome_unknown=False)
    except Transient as exc:
        return _retry_later(action, token, exc, outcome_unknown=True)
    except AuthExpired as exc:
        return _auth_expired(action, token, channel, exc)
    except (Rejected, Unsupported) as exc:
        return _fail(action, token, exc)
    except Exception as exc:  # a bug or an SDK surprise: the network may or may not have it
        log.exception("moderation action %s raised", action.id)
        error = Transient(_("Unexpected error while sending."), detail=repr(exc))
        return _retry_later(action, token, error, outcome_unknown=True)
    return _record_done(action, token, remote_id)


def _since(action: ModerationAction) -> datetime | None:
    return action.first_attempt_at - CLOCK_SKEW if action.first_attempt_at else None


def _carry_out(connector: Connector, action: ModerationAction, comment: Comment) -> str | None:
    if action.kind == ActionKind.reply:
        text = action.text or ""
        if action.outcome_unknown:
            found = connector.find_reply(comment.remote_id, text, since=_since(action))
            if found is not None:
                return found
        return connector.reply(comment.remote_id, text, idempotency_key=action.idempotency_key)
    if action.kind in (ActionKind.hide, ActionKind.unhide):
        connector.set_hidden(comment.remote_id, action.kind == ActionKind.hide)
        return None
    connector.delete_comment(comment.remote_id)
    return None


def _apply(action: ModerationAction, remote_id: str | None) -> None:
    """What a finished action means for the comment in hub."""
    comment = action.comment
    actor = action.requested_by
    if action.kind == ActionKind.reply and remote_id:
        channel = comment.channel
        own = RemoteComment(
            remote_id=remote_id,
            text=action.text or "",
            created_at=utcnow(),
            author_name=channel.name,
            author_id=channel.external_id,
            post_remote_id=comment.remote_post_id,
            parent_remote_id=comment.remote_id,
            is_own=True,
        )
        store_comments(channel, [own], matcher=NO_RULES)
        audit.record(
            "comment.replied", comment, actor=actor, action_id=action.id, remote_id=remote_id
        )
    elif action.kind == ActionKind.reply:
        audit.record("comment.replied", comment, actor=actor, action_id=action.id)
    elif action.kind in (ActionKind.hide, ActionKind.unhide):
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(hidden=action.kind == ActionKind.hide, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        audit.record(f"comment.{action.kind}", comment, actor=actor, action_id=action.id)
    elif action.kind == ActionKind.delete:
        db.session.execute(
            update(Comment)
            .where(Comment.id == comment.id)
            .values(deleted_on_network=True, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        audit.record(
            "comment.deleted",
            comment,
            actor=actor,
            action_id=action.id,
            reason=action.reason,
            author=comment.author_name,
            text=comment.text,
        )
    if action.kind == ActionKind.reply:
        # Answered in hub without the network's id (marked by hand): still answered.
        from hub.inbox.operations import mark_answered

        mark_answered(comment)


DONE_VALUES = {
    "lease_token": None,
    "lease_until": None,
    "error_code": None,
    "error_message": None,
    "outcome_unknown": False,
}


def _record_done(action: ModerationAction, token: str, remote_id: str | None) -> str:
    done = {"state": ActionState.done, "remote_id": remote_id, "done_at": utcnow(), **DONE_VALUES}
    if _set(action.id, _held(action, token), **done):
        db.session.refresh(action)
        _apply(action, remote_id)
        db.session.commit()
        log.info("moderation action %s (%s) done: %s", action.id, action.kind, remote_id)
        return ActionState.done
    # The lease was lost (reconciled meanwhile), but the network did it: that is the truth,
    # unless another reply was recorded already (then this is a real duplicate: say so).
    db.session.rollback()
    db.session.refresh(action)
    if action.state == ActionState.done and remote_id and action.remote_id not in (None, remote_id):
        log.error(
            "moderation action %s: duplicate reply %s besides %s",
            action.id,
            remote_id,
            action.remote_id,
        )
        audit.record(
            "comment.duplicate_reply", action.comment, action_id=action.id, remote_id=remote_id
        )
        db.session.commit()
        return ActionState.done
    if _set(
        action.id,
        [
            ModerationAction.state.in_(
                [ActionState.sending, ActionState.needs_review, ActionState.queued]
            )
        ],
        **done,
    ):
        db.session.refresh(action)
        _apply(action, remote_id)
    db.session.commit()
    return ActionState.done


def backoff(attempt: int, retry_after: float | None) -> float:
    from hub.publishing.pipeline import backoff as publishing_backoff

    return publishing_backoff(attempt, retry_after)


def _retry_later(
    action: ModerationAction, token: str, exc: Transient, *, outcome_unknown: bool
) -> str:
    if isinstance(exc, RateLimited) and not outcome_unknown:
        # "Not now" (a rate limit, X's daily cap): nothing was sent, so no attempt was spent.
        from hub.i18n import format_local

        due = utcnow() + timedelta(seconds=backoff(max(action.attempts - 1, 1), exc.retry_after))
        message = _(
            "%(reason)s hub sends it on %(when)s; waiting does not count as an attempt.",
            reason=exc.message,
            when=format_local(due),
        )
        return _wait(action, token, exc, message, due, attempts=ModerationAction.attempts - 1)
    log.warning("moderation action %s attempt %s: %s", action.id, action.attempts, exc)
    unknown = outcome_unknown and action.kind == ActionKind.reply
    if action.attempts >= settings().max_attempts:
        if unknown or action.outcome_unknown:
            message = _(
                "The network did not answer clearly after %(n)s attempts (%(reason)s). "
                "Check on the network whether the reply is there.",
                n=action.attempts,
                reason=exc.message,
            )
            return _release(
                action, token, ActionState.needs_review, exc.code, message, outcome_unknown=True
            )
        return _fail(action, token, exc)
    due = utcnow() + timedelta(seconds=backoff(action.attempts, exc.retry_after))
    message = _(
        "Attempt %(n)s did not go through (%(reason)s); hub tries again by itself.",
        n=action.attempts,
        reason=exc.message,
    )
    unknown = unknown or action.outcome_unknown
    return _wait(action, token, exc, message, due, outcome_unknown=unknown)


def _wait(
    action: ModerationAction, token: str, exc: Transient, message: str, due: datetime, **values: Any
) -> str:
    """Back in the queue until ``due`` (``retry_wait``), ``message`` saying why."""
    return _release(
        action, token, ActionState.retry_wait, exc.code, message, next_attempt_at=due, **values
    )


def _fail(action: ModerationAction, token: str, exc: ConnectorError) -> str:
    log.warning(
        "moderation action %s failed (%s): %s | %s", action.id, exc.code, exc.message, exc.detail
    )
    return _release(action, token, ActionState.failed, exc.code, exc.message, outcome_unknown=False)


def _auth_expired(action: ModerationAction, token: str, channel: Channel, exc: AuthExpired) -> str:
    result = _fail(action, token, exc)
    if flag_needs_login(channel, exc.message):
        audit.record("channel.needs_reauth", channel, reason=exc.message, by="inbox action")
    db.session.commit()
    return result


# ---------------------------------------------------------------------------------------------
# Reconciling and resolving


def reconcile(action_id: int, token: str, connector_factory: ConnectorFactory | None = None) -> str:
    """A worker died holding this reply: ask the network, never reply blindly."""
    action = db.session.get(ModerationAction, action_id)
    if action is None or action.state != ActionState.sending or action.lease_token != token:
        return "skipped"
    comment = action.comment
    try:
        found = FreshLogin(comment.channel, connector_factory or default_connector).call(
            lambda connector: connector.find_reply(
                comment.remote_id, action.text or "", since=_since(action)
            )
        )
    except ConnectorError as exc:
        log.warning(
            "reconcile of moderation action %s could not ask the network: %s", action_id, exc
        )
        found = None
    except Exception:
        log.exception("reconcile of moderation action %s raised", action_id)
        found = None
    if found is not None:
        return _record_done(action, token, found)
    message = _(
        "hub lost contact while replying and could not find the reply on the network. "
        "Please look under the comment: mark the reply as sent, or send it again."
    )
    return _release(
        action, token, ActionState.needs_review, "outcome_unknown", message, outcome_unknown=True
    )


def resolve(action: ModerationAction, user: User, outcome: str) -> ModerationAction:
    """A person settles a reply in review (or a failed action): ``sent`` (it is there) or
    ``retry`` (send again; a reply is first looked for). Not committed; hint after commit."""
    if action.state not in (ActionState.needs_review, ActionState.failed):
        raise InboxError(_("This action is not waiting for a decision."), "conflict", 409)
    if outcome == "sent":
        if action.kind != ActionKind.reply or action.state != ActionState.needs_review:
            raise InboxError(_("Only a reply in review can be marked as sent."), "invalid", 422)
        _set(
            action.id,
            [ModerationAction.state == action.state],
            state=ActionState.done,
            done_at=utcnow(),
            **DONE_VALUES,
        )
        db.session.refresh(action)
        _apply(action, None)
    elif outcome == "retry":
        missing = availability(action.comment).reason(action.kind)
        if missing:
            raise InboxError(missing, "not_available", 409)
        now = utcnow()
        _set(
            action.id,
            [ModerationAction.state == action.state],
            state=ActionState.queued,
            attempts=0,
            queued_at=now,
            next_attempt_at=now,
            outcome_unknown=action.outcome_unknown or action.state == ActionState.needs_review,
            error_code=None,
            error_message=None,
        )
        db.session.refresh(action)
    else:
        raise InboxError(_("Unknown decision."), "invalid", 422)
    audit.record(
        f"comment.{action.kind}_resolved",
        action.comment,
        actor=user,
        action_id=action.id,
        outcome=outcome,
    )
    return action
