"""Reading notifications: always one official's own, never anyone else's."""

from __future__ import annotations

from tergeu.accounts.models import Official
from tergeu.notifications.models import Notification, NotificationQuerySet


def inbox(official: Official, unread_only: bool = False) -> NotificationQuerySet:
    """The official's notifications, newest first, with their case (for its register number)."""
    mine = Notification.objects.for_recipient(official).select_related("case")
    return mine.unread() if unread_only else mine
