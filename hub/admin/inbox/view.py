"""The inbox in the admin: the moderators' home. Thin: every change goes through hub.inbox.

- ``/admin/inbox/``: one list across networks, newest first, filtered, paged by key;
- ``/admin/inbox/<id>``: the thread beside the original post, with every action;
- ``POST /admin/inbox/<id>/<action>``: reply, hide, unhide, delete, assign, status, tags, note;
- ``POST /admin/inbox/bulk``: assign, done or hide many at once;
- ``POST /admin/inbox/<id>/presence``: "I am here (and typing)"; answers who else is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hub.admin.access import ProtectedView
from hub.admin.inbox import choices
from hub.admin.inbox.forms import (
    AssignForm,
    BulkForm,
    DeleteForm,
    KeyedForm,
    NoteForm,
    ReplyForm,
    ResolveForm,
    StatusForm,
    TagsForm,
)
from hub.admin.inbox.text import comment_html, excerpt, initials
from hub.auth.permissions import Permission
from hub.extensions import db
from hub.inbox import actions, labels, operations, presence, queries
from hub.inbox.availability import availability
from hub.inbox.errors import InboxError
from hub.inbox.operations import moderators
from hub.inbox.rules import CATEGORIES
from hub.inbox.saved_replies import fill, filled_replies, values_for
from hub.models import ActionKind, Comment, ModerationAction, SavedReply, User
from hub.publishing import labels as publishing_labels
from hub.scheduler.inbox import run_soon


def _safe_next(target: str | None) -> str:
    """Only paths of the inbox itself: never an open redirect."""
    if target and target.startswith("/admin/inbox") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


class InboxView(ProtectedView, BaseView):
    required_permission = Permission.moderate

    # -- the list -----------------------------------------------------------------------------

    @expose("/")
    def index(self) -> str:
        f = queries.parse_filter(request.args)
        try:
            cursor = queries.decode_cursor(request.args.get("after"))
        except InboxError as exc:
            flash(exc.message, "error")
            cursor = None
        # Channels and moderators first: the filters need them, and the page's rows then find
        # their channel and assignee in the session instead of asking the database again.
        people = moderators()
        filters = choices.filter_choices(choices.channels(), people)
        page = queries.inbox_page(f, current_user, cursor, with_tags=False)
        bulk = BulkForm(formdata=None)
        bulk.action.choices = choices.bulk_actions()
        bulk.assignee.choices = choices.moderator_choices(_("me"), people)
        return self.render(
            "admin/inbox/list.html",
            page=page,
            f=f,
            first_page=cursor is None,
            filters=filters,
            bulk=bulk,
            here=request.full_path if request.query_string else request.path,
            thread_url=_thread_url_prefix(),
            **self._helpers(),
        )

    @expose("/bulk", methods=("POST",))
    def bulk(self) -> ResponseReturnValue:
        form = BulkForm()
        target = _safe_next(request.form.get("next"))
        if not form.validate():
            flash(_("The form expired; please try again."), "error")
            return redirect(target, 303)
        ids = [int(i) for i in request.form.getlist("ids") if i.isdigit() and len(i) < 10]
        assignee = _user(form.assignee.data) if form.assignee.data else None
        try:
            result = operations.bulk(
                ids, form.action.data or "", current_user, assignee=assignee, key=form.key.data
            )
        except InboxError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(target, 303)
        db.session.commit()
        run_soon(*(a.id for a in result.actions))
        flash(_("%(n)s comments changed.", n=result.changed), "success")
        for reason in result.skipped[:10]:
            flash(reason, "warning")
        return redirect(target, 303)

    # -- one item -----------------------------------------------------------------------------

    @expose("/<int:comment_id>")
    def thread(self, comment_id: int) -> str:
        comment = self._get(comment_id)
        presence.touch(comment.id, current_user, "viewing")
        db.session.commit()
        reply = ReplyForm(formdata=None)
        replies = filled_replies(comment, current_user)
        reply.saved_reply.choices = [("", _("— Choose a saved reply —"))] + [
            (str(r.id), r.title) for r, _text in replies
        ]
        assign = AssignForm(formdata=None, data={"assignee": str(comment.assignee_id or "")})
        assign.assignee.choices = choices.moderator_choices(empty=_("Nobody"))
        status = StatusForm(formdata=None, data={"status": comment.status})
        status.status.choices = list(labels.COMMENT_STATUS.items())
        tags = TagsForm(formdata=None, data={"tags": [t.id for t in comment.tags]})
        tags.tags.choices = [(t.id, t.name) for t in choices.tags()]
        return self.render(
            "admin/inbox/thread.html",
            comment=comment,
            thread=queries.thread_of(comment),
            can=availability(comment),
            others=presence.others(comment.id, current_user),
            action_list=queries.actions_of(comment),
            saved=replies,
            reply=reply,
            keyed=KeyedForm(formdata=None),
            delete=DeleteForm(formdata=None),
            assign=assign,
            status=status,
            tags=tags,
            note=NoteForm(formdata=None),
            resolve=ResolveForm(formdata=None),
            **self._helpers(),
        )

    @expose("/<int:comment_id>/reply", methods=("POST",))
    def reply(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = ReplyForm()
        text = form.text.data or ""
        if not text.strip() and form.saved_reply.data:
            saved = db.session.get(SavedReply, int(form.saved_reply.data or 0) or -1)
            text = fill(saved.body, values_for(comment, current_user)) if saved else ""
        return self._network_action(
            comment,
            form,
            lambda: actions.request_action(
                comment, ActionKind.reply, current_user, text=text, key=form.key.data
            ),
            _("Your reply is on its way."),
        )

    @expose("/<int:comment_id>/hide", methods=("POST",))
    def hide(self, comment_id: int) -> ResponseReturnValue:
        return self._simple_action(comment_id, ActionKind.hide, _("The comment will be hidden."))

    @expose("/<int:comment_id>/unhide", methods=("POST",))
    def unhide(self, comment_id: int) -> ResponseReturnValue:
        return self._simple_action(
            comment_id, ActionKind.unhide, _("The comment will be shown again.")
        )

    @expose("/<int:comment_id>/delete", methods=("POST",))
    def delete(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = DeleteForm()
        return self._network_action(
            comment,
            form,
            lambda: actions.request_action(
                comment,
                ActionKind.delete,
                current_user,
                reason=form.reason.data,
                key=form.key.data,
            ),
            _("The comment will be deleted on the network."),
        )

    @expose("/<int:comment_id>/assign", methods=("POST",))
    def assign(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = AssignForm()
        assignee = _user(form.assignee.data) if form.assignee.data else None
        return self._local_change(
            comment,
            form,
            lambda: operations.assign(comment, assignee, current_user),
            _("Assigned."),
        )

    @expose("/<int:comment_id>/status", methods=("POST",))
    def status(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = StatusForm()
        return self._local_change(
            comment,
            form,
            lambda: operations.set_status(comment, form.status.data or "", current_user),
            _("Status changed."),
        )

    @expose("/<int:comment_id>/tags", methods=("POST",))
    def tags(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = TagsForm()
        return self._local_change(
            comment,
            form,
            lambda: operations.set_tags(comment, form.tags.data or [], current_user),
            _("Tags saved."),
        )

    @expose("/<int:comment_id>/note", methods=("POST",))
    def note(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = NoteForm()
        return self._local_change(
            comment,
            form,
            lambda: operations.add_note(comment, current_user, form.text.data or ""),
            _("Note added."),
        )

    @expose("/<int:comment_id>/actions/<int:action_id>/resolve", methods=("POST",))
    def resolve(self, comment_id: int, action_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        action = db.session.get(ModerationAction, action_id)
        if action is None or action.comment_id != comment.id:
            abort(404)
        form = ResolveForm()
        if not form.validate():
            flash(_("The form expired; please try again."), "error")
            return self._back(comment)
        try:
            actions.resolve(action, current_user, form.outcome.data or "")
        except InboxError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return self._back(comment)
        db.session.commit()
        if action.state == "queued":
            run_soon(action.id)
        flash(_("Thank you; noted."), "success")
        return self._back(comment)

    @expose("/<int:comment_id>/presence", methods=("POST",))
    def presence(self, comment_id: int) -> ResponseReturnValue:
        comment = self._get(comment_id)
        body = request.get_json(silent=True) or {}
        activity = body.get("activity") if isinstance(body, dict) else None
        presence.touch(comment.id, current_user, str(activity or "viewing"))
        db.session.commit()
        return jsonify(
            others=[
                {"name": p.name, "activity": p.activity}
                for p in presence.others(comment.id, current_user)
            ],
            actions=[
                {"id": a.id, "state": a.state, "label": str(labels.ACTION_STATE.get(a.state))}
                for a in queries.actions_of(comment)
            ],
        )

    # -- helpers ------------------------------------------------------------------------------

    def _get(self, comment_id: int) -> Comment:
        return db.session.get(Comment, comment_id) or abort(404)

    def _back(self, comment: Comment) -> ResponseReturnValue:
        return redirect(url_for(".thread", comment_id=comment.id), 303)

    def _simple_action(self, comment_id: int, kind: str, done: str) -> ResponseReturnValue:
        comment = self._get(comment_id)
        form = KeyedForm()
        return self._network_action(
            comment,
            form,
            lambda: actions.request_action(comment, kind, current_user, key=form.key.data),
            done,
        )

    def _network_action(
        self,
        comment: Comment,
        form: Any,
        make: Callable[[], ModerationAction],
        done: str,
    ) -> ResponseReturnValue:
        if not _valid(form):
            return self._back(comment)
        try:
            action = make()
        except InboxError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return self._back(comment)
        presence.touch(comment.id, current_user, "viewing")
        db.session.commit()
        run_soon(action.id)
        flash(done, "success")
        return self._back(comment)

    def _local_change(
        self, comment: Comment, form: Any, change: Callable[[], Any], done: str
    ) -> ResponseReturnValue:
        if not _valid(form):
            return self._back(comment)
        try:
            change()
        except InboxError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return self._back(comment)
        db.session.commit()
        flash(done, "success")
        return self._back(comment)

    @staticmethod
    def _helpers() -> dict[str, Any]:
        return {
            "comment_html": comment_html,
            "excerpt": excerpt,
            "initials": initials,
            "labels": labels.words(),
            "network_labels": publishing_labels.NETWORK,
            "rule_categories": labels.translated(CATEGORIES),
        }


def _thread_url_prefix() -> str:
    """A thread's URL without its id ("/admin/inbox/"): built once per list page, not per row
    (``url_for`` is the slowest part of a row); the row appends the (integer) id."""
    sample = url_for(".thread", comment_id=1)
    assert sample.endswith("/1"), sample
    return sample[:-1]


def _user(value: str | None) -> User | None:
    if not value or not value.isdigit():
        return None
    return db.session.scalar(select(User).where(User.id == int(value)))


def _valid(form: Any) -> bool:
    """Check a posted form; say what is wrong with it (an expired token, a missing reason)."""
    if form.validate():
        return True
    for messages in form.errors.values():
        for message in messages:
            flash(str(message), "error")
    return False
