"""Writing officials' notifications: inbox messages, stored in the caller's transaction and
delivered by being stored. E-mail and SMS to people outside the system go through the outbox
(`notifications.outbox`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.notifications.models import Channel, DeliveryState, Notification


def notify(
    recipients: Iterable[int],
    *,
    kind: str,
    message: str,
    params: dict[str, Any] | None = None,
    case_id: int | None = None,
    deadline_id: int | None = None,
) -> int:
    """Tell each official in `recipients` (ids) `message`, an English msgid filled with
    `params` when shown. Returns the number of notifications written: an official already told
    of this deadline in this `kind` is not told again."""
    now = clock.now()
    return notifications_send(
        [
            Notification(
                recipient_id=recipient,
                case_id=case_id,
                deadline_id=deadline_id,
                kind=kind,
                message=message,
                params=params or {},
                created_at=now,
            )
            for recipient in dict.fromkeys(recipients)  # each official once, in order
        ]
    )


def notifications_send(notifications: Sequence[Notification]) -> int:
    """Store unsaved notifications in one INSERT, leaving out those of a (recipient, deadline,
    kind) already stored; returns how many were written. The unique constraint keeps a
    concurrent duplicate out too (it is ignored, not raised). An inbox message is delivered
    when it is stored."""
    sent = _already_sent(notifications)
    fresh = [
        n
        for n in notifications
        if n.deadline_id is None or (n.recipient_id, n.deadline_id, n.kind) not in sent
    ]
    for n in fresh:
        n.channel, n.state, n.delivered_at = Channel.INBOX, DeliveryState.DELIVERED, n.created_at
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def _already_sent(notifications: Sequence[Notification]) -> set[tuple[int, int, str]]:
    """(recipient, deadline, kind) of the stored notifications about these deadlines."""
    deadline_ids = {n.deadline_id for n in notifications if n.deadline_id is not None}
    if not deadline_ids:
        return set()
    rows = Notification.objects.filter(
        deadline_id__in=deadline_ids, kind__in={n.kind for n in notifications}
    ).values_list("recipient_id", "deadline_id", "kind")
    return {(recipient, deadline, kind) for recipient, deadline, kind in rows}


def notifications_mark_read(*, actor: Official, ids: Iterable[int] | None = None) -> int:
    """Mark the actor's unread notifications read (those in `ids`, or all); another official's
    ids are silently left alone. Returns how many were marked."""
    mine = Notification.objects.for_recipient(actor).unread()
    if ids is not None:
        mine = mine.filter(pk__in=list(ids))
    return mine.update(read_at=clock.now(), state=DeliveryState.READ)
