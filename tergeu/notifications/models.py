"""Notifications: what the electronic case tells someone, and the outbox that delivers it.

An official is told in the in-app inbox; a participant (a victim, an applicant) or a detained
person's family by e-mail or SMS, at the contact they gave. Every notification is a row written
in the transaction of what caused it (the outbox): delivery happens after commit, is retried
with a growing pause, and ends delivered (or read) or failed — nothing is sent and forgotten.
A row stores an English msgid and its parameters; it is translated when shown or sent."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tergeu.accounts.models import Official
from tergeu.cases.models import Case, Deadline
from tergeu.persons.models import Person

# Parameters that are msgids themselves (a deadline's duty, a decision's title), translated
# with the message.
TRANSLATED_PARAMS = frozenset({"duty", "decision"})


class NotificationKind(models.TextChoices):
    DEADLINE_DUE_SOON = "deadline_due_soon", _("Deadline due soon")
    DEADLINE_BREACHED = "deadline_breached", _("Deadline breached")
    DEADLINE_ESCALATED = "deadline_escalated", _("Breached deadline escalated")
    DUTY = "duty", _("Duty")
    COPY = "copy", _("Copy of a decision")
    ONE_TIME_CODE = "one_time_code", _("One-time code")
    FAMILY_NOTICE = "family_notice", _("Notice of a detention to the family")
    BREAK_GLASS = "break_glass", _("Urgent access to a case outside its team")


class Channel(models.TextChoices):
    INBOX = "inbox", _("in-app inbox")
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    # A participant the law says must be told has given no contact: the row records the duty,
    # failed at once, for the daily reconciliation (a copy handed over on paper instead).
    NONE = "none", _("no contact")


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")  # handed to a gateway that will report delivery
    DELIVERED = "delivered", _("delivered")
    READ = "read", _("read")
    FAILED = "failed", _("failed")


UNDELIVERED = (DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.FAILED)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_recipient(self, official: Official) -> NotificationQuerySet:
        return self.filter(recipient=official)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def due_for_delivery(self, now: datetime) -> NotificationQuerySet:
        """Queued e-mail and SMS whose next attempt has come (the partial index
        `notification_due`)."""
        return self.filter(state=DeliveryState.QUEUED, next_attempt_at__lte=now)


class Notification(models.Model):
    """One message to one official (inbox) or to one address (e-mail, SMS). At most one per
    (recipient, deadline, kind): the watchdog may offer it again (a retried pass) and the
    database keeps the first."""

    recipient = models.ForeignKey(
        Official, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # The person of the register an e-mail or SMS is for (a participant), when it is one.
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.INBOX
    )
    address = models.CharField(_("address"), max_length=254, blank=True)  # phone or e-mail
    language = models.CharField(_("language"), max_length=8, blank=True)
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
    act_seq = models.PositiveIntegerField(null=True, blank=True)  # the act a copy is of
    subject = models.CharField(max_length=32, blank=True)  # the party it concerns ("iin:…")
    kind = models.CharField(_("kind"), max_length=32, choices=NotificationKind.choices)
    message = models.CharField(_("message"), max_length=300)  # an English msgid
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    # By when the law (or the service level) wants it delivered; the reconciliation reports
    # what was not delivered by then.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects: ClassVar[NotificationQuerySet] = NotificationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes: ClassVar = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state="queued"),
                name="notification_due",
            ),
            models.Index(
                fields=["due_at"],
                condition=models.Q(state__in=["queued", "sent", "failed"]),
                name="notification_undelivered",
            ),
            models.Index(fields=["case", "kind"], name="notification_case_kind"),
            # The e-mails and SMS by term, for the statistics of duties to inform not met: a
            # few rows among the inbox's many.
            models.Index(
                fields=["due_at"], condition=~models.Q(channel="inbox"), name="notification_outbox"
            ),
            # The unread count every page's menu shows, counted from this index alone: an
            # official with 50,000 notifications cost 70-180 ms a page reading their rows.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "deadline", "kind"],
                condition=models.Q(deadline__isnull=False),
                name="notification_once_per_deadline",
            ),
            # The inbox is an official's; an address belongs to someone outside the system.
            models.CheckConstraint(
                condition=models.Q(channel="inbox", recipient__isnull=False)
                | (~models.Q(channel="inbox") & models.Q(recipient__isnull=True)),
                name="notification_inbox_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        who = self.recipient_id if self.channel == Channel.INBOX else self.channel
        return f"{who} {self.kind} @{self.created_at:%Y-%m-%d %H:%M} ({self.state})"

    @property
    def text(self) -> str:
        """The message in the active language, its parameters filled in."""
        params = {
            name: gettext(value) if name in TRANSLATED_PARAMS and isinstance(value, str) else value
            for name, value in self.params.items()
        }
        return gettext(self.message) % params


class Contact(models.Model):
    """Where a person taking part in cases (a victim, an applicant, a suspect) receives copies of
    decisions and one-time codes for the status page. Kept outside the journal on purpose: a
    phone number is no procedural fact, it changes, and the journal is disclosed to the other
    parties (the defence) and exported; a victim's contact must not travel with it."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="contact")
    phone = models.CharField(_("mobile phone"), max_length=16, blank=True)  # E.164: +77011234567
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.phone or '-'} {self.email or '-'}"
