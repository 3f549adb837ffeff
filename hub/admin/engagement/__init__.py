"""The engagement dashboard for managers: channels, announcements side by side, followers,
inbox response times; CSV/XLSX of every table and the open-data export."""

from hub.admin.engagement.view import EngagementView

__all__ = ["EngagementView"]
