"""A small office to call every route with: one person per role, channels, announcements in
each state, a failed delivery, comments, the inbox's settings, notices.

The security tests call every route with real ids (a made-up id would only show that hub
answers 404). Rows a call changes are made fresh for that call (``draft()``, ``comment()``...),
so the order of the calls never matters.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select

from hub.auth import tokens
from hub.config import Settings
from hub.extensions import db
from hub.models import (
    ActionKind,
    ActionState,
    Announcement,
    AuditEvent,
    Channel,
    Comment,
    Delivery,
    DeliveryState,
    KeywordRule,
    MediaAsset,
    ModerationAction,
    Note,
    Role,
    RoleName,
    SavedReply,
    Tag,
    User,
)
from hub.models.system import Notification, PublishingHold
from hub.models.types import utcnow
from hub.publishing import workflow
from hub.publishing.compose import AnnouncementInput, save_announcement
from tests.conftest import image_bytes

# The people of the permission matrix: one per role, and one with no role at all.
NOBODY = "nobody"
PEOPLE = (*(role.value for role in RoleName), NOBODY)
# A password the people page accepts for a new person (long, words that do not belong together).
NEW_PASSWORD = "Kanalbrücke Wattenscheid Laterne 47"


def token_for(user: User, name: str = "security tests") -> str:
    """An API token of ``user`` that its scopes never narrow: all of them, where tokens have
    scopes (the roles alone decide, which is what the matrix is about)."""
    parameters = inspect.signature(tokens.create_token).parameters
    if "scopes" in parameters:
        from hub.auth.scopes import ALL_SCOPES

        plain = tokens.create_token(user, name=name, scopes=ALL_SCOPES)  # type: ignore[call-arg]
    else:
        plain = tokens.create_token(user, name=name)
    db.session.commit()
    return plain


@dataclass
class World:
    """The rows every route can be called with; ``people[role]`` holds only that role."""

    app: Flask
    settings: Settings
    people: dict[str, User]
    everyone: User  # holds every role: the person for whom every form is allowed
    author: User  # an editor who writes what the others review
    reviewer: User  # an approver who approves the author's announcements
    x: Channel
    facebook: Channel
    media: MediaAsset
    manual: Channel  # a WhatsApp channel: posted by hand, nobody named responsible
    serial: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)
    kept: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        app: Flask,
        settings: Settings,
        make_user: Callable[..., User],
        make_channel: Callable[..., Channel],
        make_media: Callable[..., MediaAsset],
    ) -> World:
        people = {name: make_user(*(() if name == NOBODY else (name,))) for name in PEOPLE}
        world = cls(
            app=app,
            settings=settings,
            people=people,
            everyone=make_user(*(role.value for role in RoleName)),
            author=make_user("editor"),
            reviewer=make_user("approver"),
            x=make_channel("x"),
            facebook=make_channel("facebook"),
            media=make_media(),
            manual=make_channel("manual", name="WhatsApp-Kanal", credentials=None),
        )
        # Something in every list: an audit entry, a tag, a saved reply, a keyword rule.
        world.tag()
        world.saved_reply()
        world.keyword_rule()
        db.session.commit()
        return world

    def unique(self, stem: str) -> str:
        return f"{stem} {self.serial()}"

    def once(self, name: str) -> Any:
        """The row ``getattr(self, name)()`` makes, made once: for calls that only read."""
        if name not in self.kept:
            self.kept[name] = getattr(self, name)()
        return self.kept[name]

    # -- announcements ------------------------------------------------------------------------

    def draft(self, **fields: Any) -> Announcement:
        """A draft of the author's on X, ready to be submitted."""
        data = AnnouncementInput(
            title=fields.pop("title", self.unique("Stadtfest")),
            body=fields.pop("body", "Am Samstag feiert Bochum."),
            channel_ids=fields.pop("channel_ids", [self.x.id]),
            **fields,
        )
        announcement = save_announcement(data, user=self.author)
        db.session.commit()
        return announcement

    def in_review(self) -> Announcement:
        announcement = self.draft()
        workflow.submit(announcement, self.author)
        db.session.commit()
        return announcement

    def scheduled(self) -> Announcement:
        announcement = self.in_review()
        workflow.approve(announcement, self.reviewer)
        db.session.commit()
        return announcement

    def delivery(self, state: DeliveryState = DeliveryState.failed, **fields: Any) -> Delivery:
        """A delivery of a scheduled announcement, in ``state`` (failed: a retry button)."""
        announcement = self.scheduled()
        delivery = Delivery(
            announcement=announcement,
            channel=self.x,
            state=state,
            error_message=fields.pop("error_message", "X hat den Beitrag abgelehnt."),
            **fields,
        )
        db.session.add(delivery)
        db.session.commit()
        return delivery

    def manual_post(self) -> Delivery:
        """A post on the manual channel, with an image, due and waiting for its person (the
        author: the channel names nobody)."""
        announcement = self.draft(channel_ids=[self.manual.id], media_ids=[self.media.id])
        workflow.submit(announcement, self.author)
        workflow.approve(announcement, self.reviewer)
        delivery = Delivery(
            announcement=announcement,
            channel=self.manual,
            state=DeliveryState.waiting_for_person,
        )
        db.session.add(delivery)
        db.session.commit()
        return delivery

    def active_hold(self) -> PublishingHold:
        hold = db.session.scalar(select(PublishingHold).where(PublishingHold.lifted_at.is_(None)))
        if hold is None:
            hold = PublishingHold(reason="Unwetterwarnung", started_by_id=self.everyone.id)
            db.session.add(hold)
            db.session.commit()
        return hold

    def no_hold(self) -> None:
        for hold in db.session.scalars(
            select(PublishingHold).where(PublishingHold.lifted_at.is_(None))
        ):
            hold.lifted_at = utcnow()
        db.session.commit()

    # -- the inbox ----------------------------------------------------------------------------

    def comment(self, **fields: Any) -> Comment:
        """A citizen's comment under one of our Facebook posts (every action is possible)."""
        comment = Comment(
            channel_id=self.facebook.id,
            remote_id=self.unique("c").replace(" ", "-"),
            remote_post_id="104729318356812_1",
            author_name=fields.pop("author_name", "Erika Bürgerin"),
            text=fields.pop("text", "Wann ist die Straße wieder frei?"),
            remote_created_at=utcnow(),
            **fields,
        )
        db.session.add(comment)
        db.session.commit()
        return comment

    def reply_in_review(self, comment: Comment | None = None) -> ModerationAction:
        """A reply whose outcome is unknown: a moderator says whether it went out."""
        action = ModerationAction(
            comment_id=(comment or self.comment()).id,
            kind=ActionKind.reply,
            text="Danke für den Hinweis!",
            state=ActionState.needs_review,
            idempotency_key=self.unique("key").replace(" ", "-"),
            requested_by_id=self.people["moderator"].id,
        )
        db.session.add(action)
        db.session.commit()
        return action

    def note(self, comment: Comment, text: str) -> Note:
        note = Note(comment_id=comment.id, author_id=self.people["moderator"].id, text=text)
        db.session.add(note)
        db.session.commit()
        return note

    def tag(self, name: str | None = None) -> Tag:
        tag = Tag(name=name or self.unique("Baustelle"))
        db.session.add(tag)
        db.session.commit()
        return tag

    def saved_reply(self, title: str | None = None, body: str = "Danke, {name}!") -> SavedReply:
        reply = SavedReply(title=title or self.unique("Dank"), body=body)
        db.session.add(reply)
        db.session.commit()
        return reply

    def keyword_rule(self, keyword: str | None = None) -> KeywordRule:
        rule = KeywordRule(category="emergency", keyword=keyword or self.unique("Notfall"))
        db.session.add(rule)
        db.session.commit()
        return rule

    # -- people and notices -------------------------------------------------------------------

    def victim(self) -> User:
        """Somebody an admin may change (never one of the people making the calls)."""
        from hub.auth.users import create_user

        user = create_user(
            f"{self.unique('person').replace(' ', '')}@bochum.example",
            ["editor"],
            NEW_PASSWORD,
            full_name=self.unique("Paul Person"),
        )
        db.session.commit()
        return user

    def notice(self, user: User, message: str = "Der Kanal X braucht eine neue Anmeldung.") -> None:
        db.session.add(
            Notification(user_id=user.id, kind="channel.login", message=message, link="/admin/")
        )
        db.session.commit()

    def role_id(self, name: str) -> int:
        role = db.session.scalar(select(Role).where(Role.name == name))
        assert role is not None, name
        return role.id

    def audit_event(self, **details: Any) -> AuditEvent:
        from hub import audit

        event = audit.record("channel.checked", self.x, actor=self.everyone, **details)
        db.session.commit()
        return event

    def upload(self) -> dict[str, Any]:
        """A multipart body with a small image, as the API's media upload takes it (the file
        as bytes: each sending opens it afresh)."""
        return {"file": (image_bytes(), "rathaus.png"), "alt_text": "Das Rathaus"}
