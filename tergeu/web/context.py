"""What every page of the web UI shows about the signed-in official."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tergeu.accounts.models import EXECUTING_AGENCIES, HEAD_ROLES, Appointment, Official, Role
from tergeu.notifications.models import Notification


def unread(request: HttpRequest) -> dict[str, Any]:
    """How many of the official's notifications are unread (for the inbox link), and whether
    they are a prosecutor (for the supervision link)."""
    user = getattr(request, "user", None)
    if not isinstance(user, Official):
        return {}

    def count() -> int:
        return Notification.objects.for_recipient(user).unread().count()

    def prosecutor() -> bool:
        return Appointment.objects.filter(official=user, role=Role.PROSECUTOR).exists()

    def lawyer() -> bool:
        return Appointment.objects.filter(official=user, role=Role.DEFENCE_LAWYER).exists()

    def head() -> bool:
        return Appointment.objects.filter(official=user, role__in=HEAD_ROLES).exists()

    def executing() -> bool:
        return Appointment.objects.filter(official=user, role__in=EXECUTING_AGENCIES).exists()

    # Each is asked only by a page that shows it.
    return {
        "unread_notifications": count,
        "is_prosecutor": prosecutor,
        "is_lawyer": lawyer,
        "is_head": head,
        "is_executing": executing,
    }
