"""The shared inbox in the admin: the moderators' page and the inbox's settings."""

from hub.admin.inbox.settings import KeywordRuleView, SavedReplyView, TagView
from hub.admin.inbox.view import InboxView

__all__ = ["InboxView", "KeywordRuleView", "SavedReplyView", "TagView"]
