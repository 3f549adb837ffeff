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
from hub.models.comment_sync import CommentSync
from hub.models.delivery import Delivery, DeliveryState
from hub.models.inbox_presence import InboxPresence
from hub.models.media import MediaAsset, MediaKind
from hub.models.metric_rollups import ChannelDaily, MetricDaily, MetricTotal
from hub.models.metric_schedule import MetricSchedule
from hub.models.metrics import AccountSnapshot, MetricSnapshot
from hub.models.network_state import LoginWarning, QuotaUsage, UploadSession
from hub.models.system import Heartbeat, Notification, PublishingHold
from hub.models.user import ApiToken, Role, RoleName, User
from hub.models.webhook_receipt import WebhookReceipt

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
    "ChannelDaily",
    "ChannelStatus",
    "Comment",
    "CommentStatus",
    "CommentSync",
    "Delivery",
    "DeliveryState",
    "Heartbeat",
    "InboxPresence",
    "KeywordRule",
    "LoginWarning",
    "MediaAsset",
    "MediaKind",
    "MetricDaily",
    "MetricSchedule",
    "MetricSnapshot",
    "MetricTotal",
    "ModerationAction",
    "Network",
    "Note",
    "Notification",
    "PublishingHold",
    "QuotaUsage",
    "Role",
    "RoleName",
    "SavedReply",
    "Tag",
    "UploadSession",
    "User",
    "Variant",
    "WebhookReceipt",
]
