"""The transactional outbox. E-mail and SMS are rows written in the caller's transaction;
after it commits, those rows are delivered at once (`transaction.on_commit`), and the worker
(`manage.py outbox_deliver`) delivers whatever is still due: a failed attempt is retried after a
pause that doubles each time, and after `TERGEU_OUTBOX_MAX_ATTEMPTS` the row is marked failed
(the daily reconciliation lists it). Delivery is at least once: a worker that dies between
sending and recording sends again after the claim lapses."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from tergeu import clock
from tergeu.cases.models import Case
from tergeu.notifications.models import (
    Channel,
    Contact,
    DeliveryState,
    Notification,
    NotificationKind,
)
from tergeu.notifications.sms import GatewayError, gateway
from tergeu.persons.models import Person

logger = logging.getLogger(__name__)

# A claimed row is not taken again before this: long enough for any one send, short enough
# that a row claimed by a worker that died is soon tried again.
CLAIM = timedelta(minutes=10)
# The pause between attempts doubles, up to this.
LONGEST_PAUSE = timedelta(hours=6)
# Parameters that must not outlive delivery (a one-time code): blanked once a row is final.
SECRET_PARAMS = frozenset({"code"})

SUBJECTS: dict[str, str] = {
    NotificationKind.COPY: gettext_noop("A decision in your criminal case"),
    NotificationKind.ONE_TIME_CODE: gettext_noop("Your one-time code"),
    NotificationKind.FAMILY_NOTICE: gettext_noop("Notice of a detention"),
}
DEFAULT_SUBJECT = gettext_noop("A message from the electronic criminal case")


@dataclass(frozen=True)
class DeliverySummary:
    """What one delivery run did with the rows it took."""

    delivered: int = 0
    sent: int = 0  # handed to a gateway that reports delivery later
    retried: int = 0
    failed: int = 0

    def __add__(self, other: DeliverySummary) -> DeliverySummary:
        return DeliverySummary(
            self.delivered + other.delivered,
            self.sent + other.sent,
            self.retried + other.retried,
            self.failed + other.failed,
        )


def delivery_term() -> timedelta:
    """How long an e-mail or SMS may take when the law sets no term of its own."""
    return timedelta(hours=settings.TERGEU_OUTBOX_DELIVERY_HOURS)


def outbox_add(
    *,
    channel: str,
    address: str,
    kind: str,
    message: str,
    params: Mapping[str, Any] | None = None,
    case: Case | None = None,
    person: Person | None = None,
    subject: str = "",
    act_seq: int | None = None,
    language: str = "",
    due_at: datetime | None = None,
) -> Notification:
    """Write one e-mail or SMS to the outbox in the caller's transaction, and deliver it once
    that commits (unless `TERGEU_OUTBOX_DELIVER_AFTER_COMMIT` leaves it to the worker). A row
    for a participant without a contact (`Channel.NONE`) is failed at once: the duty stays on
    record for the reconciliation."""
    now = clock.now()
    row = Notification(
        channel=channel,
        address=address,
        kind=kind,
        message=message,
        params=dict(params or {}),
        case=case,
        person=person,
        subject=subject,
        act_seq=act_seq,
        language=language,
        created_at=now,
        due_at=due_at or now + delivery_term(),
        next_attempt_at=now,
    )
    if channel == Channel.NONE:
        row.state, row.next_attempt_at = DeliveryState.FAILED, None
        row.last_error = "no contact"
    row.save(force_insert=True)
    if row.state == DeliveryState.QUEUED and settings.TERGEU_OUTBOX_DELIVER_AFTER_COMMIT:
        pk = row.pk
        # robust: the caller's transaction has committed; a delivery error is the worker's
        # to retry, not the caller's to see.
        transaction.on_commit(lambda: outbox_deliver(ids=[pk]), robust=True)
    return row


def participant_notify(
    *,
    person: Person,
    kind: str,
    message: str,
    params: Mapping[str, Any],
    case: Case,
    prefer: str = Channel.EMAIL,
    act_seq: int | None = None,
    subject: str = "",
    due_at: datetime | None = None,
) -> Notification:
    """Tell a participant, at the contact they gave: by `prefer` (e-mail or SMS) when they gave
    both, by the other when they gave one, on record as failed when they gave none."""
    contact = Contact.objects.filter(person=person).first()
    channel, address = route(contact, prefer)
    return outbox_add(
        channel=channel,
        address=address,
        kind=kind,
        message=message,
        params=params,
        case=case,
        person=person,
        subject=subject,
        act_seq=act_seq,
        language=contact.language if contact else "",
        due_at=due_at,
    )


def route(contact: Contact | None, prefer: str) -> tuple[str, str]:
    """The channel and address to use for `contact`."""
    if contact is None:
        return Channel.NONE, ""
    options = [(Channel.EMAIL, contact.email), (Channel.SMS, contact.phone)]
    if prefer == Channel.SMS:
        options.reverse()
    return next(((c, a) for c, a in options if a), (Channel.NONE, ""))


def outbox_deliver(
    *, now: datetime | None = None, ids: Collection[int] | None = None, batch: int = 100
) -> DeliverySummary:
    """Deliver the queued rows whose attempt is due at `now` (only those in `ids`, if given),
    in batches; returns what happened to them."""
    summary = DeliverySummary()
    while True:
        at = now or clock.now()
        claimed = _claim(at, ids, batch)
        for row in claimed:
            summary += _attempt(row, at)
        if ids is not None or len(claimed) < batch:
            return summary


def _claim(now: datetime, ids: Collection[int] | None, batch: int) -> list[Notification]:
    """Take up to `batch` due rows: count the attempt and put the next one a claim away, so
    that no other worker takes them meanwhile. The transaction is short; sending happens
    outside it."""
    with transaction.atomic():
        due = Notification.objects.due_for_delivery(now)
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        rows = list(
            due.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)[:batch]
        )
        if rows:
            Notification.objects.filter(pk__in=[r.pk for r in rows]).update(
                attempts=F("attempts") + 1, next_attempt_at=now + CLAIM
            )
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + CLAIM
    return rows


def _attempt(row: Notification, now: datetime) -> DeliverySummary:
    try:
        awaits_receipt = _send(row)
    except Exception as exc:  # any failure of a backend or gateway is a failed attempt
        logger.warning("notification %s: attempt %s failed: %s", row.pk, row.attempts, exc)
        return _failed_attempt(row, now, f"{type(exc).__name__}: {exc}")
    _forget_secrets(row)
    if awaits_receipt:
        # The gateway's receipt may already have come (delivered, or failed and queued again):
        # "sent" only if the row is still as this attempt claimed it.
        Notification.objects.filter(
            pk=row.pk,
            state=DeliveryState.QUEUED,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
        ).update(state=DeliveryState.SENT, next_attempt_at=None, last_error="", params=row.params)
        return DeliverySummary(sent=1)
    row.state, row.delivered_at = DeliveryState.DELIVERED, now
    row.next_attempt_at, row.last_error = None, ""
    row.save(update_fields=["state", "delivered_at", "next_attempt_at", "last_error", "params"])
    return DeliverySummary(delivered=1)


def _send(row: Notification) -> bool:
    """Hand the message over; True when the gateway will report its delivery later."""
    with translation.override(row.language or settings.LANGUAGE_CODE):
        text = row.text
        subject = gettext(SUBJECTS.get(row.kind, DEFAULT_SUBJECT))
    if row.channel == Channel.EMAIL:
        if send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [row.address]) != 1:
            raise GatewayError("the e-mail backend sent nothing")
        return False
    sms = gateway()
    sms.send(row.address, text)
    return sms.receipts


def retry_pause(attempts: int) -> timedelta:
    """The pause after the `attempts`-th failed attempt: the base, doubled each time."""
    base = timedelta(seconds=settings.TERGEU_OUTBOX_RETRY_SECONDS)
    pause: timedelta = base * 2 ** max(attempts - 1, 0)
    return min(pause, LONGEST_PAUSE)


def _failed_attempt(row: Notification, now: datetime, error: str) -> DeliverySummary:
    row.last_error = error[:300]
    if row.attempts >= settings.TERGEU_OUTBOX_MAX_ATTEMPTS:
        row.state, row.next_attempt_at = DeliveryState.FAILED, None
        _forget_secrets(row)
    else:
        row.state, row.next_attempt_at = DeliveryState.QUEUED, now + retry_pause(row.attempts)
    row.save(update_fields=["state", "next_attempt_at", "last_error", "params"])
    return (
        DeliverySummary(failed=1)
        if row.state == DeliveryState.FAILED
        else DeliverySummary(retried=1)
    )


def _forget_secrets(row: Notification) -> None:
    for name in SECRET_PARAMS & set(row.params):
        row.params[name] = "******"


def notification_receipt(
    *, notification: Notification, delivered: bool, error: str = ""
) -> Notification:
    """A gateway's delivery receipt for a message it was handed: delivered, or not — then it is
    tried again like any failed attempt. The receipt may come before the worker has recorded
    the hand-over ("sent"): a row handed over at least once is taken as it stands, under a
    lock. A receipt for a row delivered, read or failed changes nothing."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        handed_over = row.state == DeliveryState.SENT or (
            row.state == DeliveryState.QUEUED and row.attempts > 0
        )
        if not handed_over:
            return row
        now = clock.now()
        if delivered:
            row.state, row.delivered_at, row.next_attempt_at = DeliveryState.DELIVERED, now, None
            row.save(update_fields=["state", "delivered_at", "next_attempt_at"])
        else:
            _failed_attempt(row, now, error or "not delivered")
    return row
