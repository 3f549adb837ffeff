"""The data model of the whole product, one module per aggregate."""

from hub.models.announcement import (
    Announcement,
    AnnouncementMedia,
    AnnouncementStatus,
    Variant,
)
from hub.models.audit import AuditEvent
from hub.models.channel import Channel, ChannelStatus, Network
from hub.models.comment import (
    ActionKind,
    ActionState,
    Comment,
    CommentStatus,
    KeywordRule,
    ModerationAction,
    Note,
    SavedReply,
    Tag,
)
from hub.models.delivery import Delivery, DeliveryState
from hub.models.media import MediaAsset, MediaKind
from hub.models.metrics import AccountSnapshot, MetricSnapshot
from hub.models.system import Notification, PublishingHold
from hub.models.user import ApiToken, Role, RoleName, User

__all__ = [
    "AccountSnapshot",
    "ActionKind",
    "ActionState",
    "Announcement",
    "AnnouncementMedia",
    "AnnouncementStatus",
    "ApiToken",
    "AuditEvent",
    "Channel",
    "ChannelStatus",
    "Comment",
    "CommentStatus",
    "Delivery",
    "DeliveryState",
    "KeywordRule",
    "MediaAsset",
    "MediaKind",
    "MetricSnapshot",
    "ModerationAction",
    "Network",
    "Note",
    "Notification",
    "PublishingHold",
    "Role",
    "RoleName",
    "SavedReply",
    "Tag",
    "User",
    "Variant",
]
