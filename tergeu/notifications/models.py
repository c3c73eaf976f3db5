"""Notifications: what an official is told (a deadline due soon or breached, a duty). A row
stores an English msgid and its parameters; it is translated when shown, in the reader's
language."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official
from tergeu.cases.models import Case, Deadline

# Parameters that are msgids themselves (a deadline's duty), translated with the message.
TRANSLATED_PARAMS = frozenset({"duty"})


class NotificationKind(models.TextChoices):
    DEADLINE_DUE_SOON = "deadline_due_soon", _("Deadline due soon")
    DEADLINE_BREACHED = "deadline_breached", _("Deadline breached")
    DEADLINE_ESCALATED = "deadline_escalated", _("Breached deadline escalated")
    DUTY = "duty", _("Duty")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, official: Official) -> NotificationQuerySet:
        return self.filter(recipient=official)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one official. At most one per (recipient, deadline, kind): the watchdog
    may offer it again (a retried pass) and the database keeps the first."""

    recipient = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="notifications")
    # No foreign-key constraint in the database: checking one would take a share lock on the
    # case row, and a notification written while an act holds that row (FOR UPDATE) would wait
    # for it; the watchdog, holding the deadline the act is about to close, would deadlock.
    # Cases are never deleted (their journal is append-only), so the reference cannot dangle.
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_constraint=False,
    )
    deadline = models.ForeignKey(
        Deadline, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    message = models.CharField(_("message"), max_length=300)  # an English msgid
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects: ClassVar[NotificationQuerySet] = NotificationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes: ClassVar = [models.Index(fields=["recipient", "-created_at"])]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "deadline", "kind"],
                condition=models.Q(deadline__isnull=False),
                name="notification_once_per_deadline",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} @{self.created_at:%Y-%m-%d %H:%M}"

    @property
    def text(self) -> str:
        """The message in the active language, its parameters filled in."""
        params = {
            name: gettext(value) if name in TRANSLATED_PARAMS and isinstance(value, str) else value
            for name, value in self.params.items()
        }
        return gettext(self.message) % params
