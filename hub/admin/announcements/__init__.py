"""Announcements in the admin: list, compose, preview, review and delivery status."""

from hub.admin.announcements.view import AnnouncementsView

__all__ = ["AnnouncementsView"]
