"""What every page of the web UI shows about the signed-in official."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tergeu.accounts.models import Official
from tergeu.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    """How many of the official's notifications are unread (for the inbox link)."""
    user = getattr(request, "user", None)
    if not isinstance(user, Official):
        return {}

    def count() -> int:
        return Notification.objects.for_recipient(user).unread().count()

    return {"unread_notifications": count}  # counted only by a page that shows it
