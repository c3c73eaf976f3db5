"""The daily reconciliation: every duty to inform that the law imposes and that was not met in
time — met late, or not met yet. Three sources:

- the statutory clocks that are duties to inform (`INFORM_RULES`), from their `Deadline` rows;
- the notice of a detention to the family (art. 135), which must follow the detention protocol
  "without delay" (`TERGEU_IMMEDIATELY_HOURS`): a family notice in the outbox, or none;
- every e-mail or SMS in the outbox not delivered by its term (a copy to a victim who gave no
  contact among them).

A report covers the duties due in a window ending now (by default the last day); a duty still
not met is reported on every run until it is."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.cases.models import Deadline, DeadlineState
from tergeu.journal.models import Act
from tergeu.notifications.models import (
    Channel,
    DeliveryState,
    Notification,
    NotificationKind,
)

# The clocks of the pack (deadlines.toml) that are duties to inform (DOMAIN-KZ §9.3, §13.2):
# R01 the prosecutor of the start of the investigation (179(1)), R37 the prosecutor of a
# detention (131(3)). The other duties of §9.3 are delivered by the electronic case itself
# (journal/notices.py) or through the outbox, and reconciled from it.
INFORM_RULES = frozenset({"R01", "R37"})


@dataclass(frozen=True)
class MissedDuty:
    """A duty to inform not met by its time: `met_at` when it was met late, None when not yet."""

    case_id: int | None
    register_number: str
    duty: str  # in the active language
    article: str
    due_at: datetime
    met_at: datetime | None
    source: str  # what it was found from: a deadline rule, an act, an outbox row


def notifications_reconcile(*, now: datetime | None = None, days: int = 1) -> list[MissedDuty]:
    """The duties to inform due in the `days` before `now` that were met late or not at all,
    and the older ones still not met; by due time."""
    now = now or clock.now()
    since = now - timedelta(days=days)
    missed = [*_clocks(now, since), *_family_notices(now, since), *_outbox(now, since)]
    return sorted(missed, key=lambda m: (m.due_at, m.register_number, m.source))


def _clocks(now: datetime, since: datetime) -> list[MissedDuty]:
    rows = (
        Deadline.objects.filter(rule__in=INFORM_RULES, case__isnull=False, due_at__lt=now)
        .filter(Q(state=DeadlineState.RUNNING) | Q(state=DeadlineState.BREACHED, due_at__gte=since))
        .select_related("case")
    )
    return [
        MissedDuty(
            case_id=d.case_id,
            register_number=d.case.register_number if d.case else "",
            duty=_(d.duty),
            article=d.article,
            due_at=d.due_at,
            met_at=d.closed_at if d.state == DeadlineState.BREACHED else None,
            source=d.rule,
        )
        for d in rows
    ]


def _family_notices(now: datetime, since: datetime) -> list[MissedDuty]:
    """Detentions whose family was told late or not at all, among those due in the window."""
    term = timedelta(hours=settings.TERGEU_IMMEDIATELY_HOURS)
    detentions = Act.objects.filter(
        kind="detention", performed_at__gte=since - term, performed_at__lt=now - term
    )
    return [
        MissedDuty(
            case_id=act.case_id,
            register_number=act.case.register_number,
            duty=_("inform the family or relatives of the detention"),
            article="135",
            due_at=due,
            met_at=told,
            source=f"detention #{act.seq}",
        )
        for act, due, told in family_notices_missed(detentions)
    ]


def family_notices_missed(detentions: QuerySet[Act]) -> list[tuple[Act, datetime, datetime | None]]:
    """Of the detention protocols `detentions`, those whose family was told late (after
    `TERGEU_IMMEDIATELY_HOURS`) or not at all: (the protocol, when it was due, when told)."""
    term = timedelta(hours=settings.TERGEU_IMMEDIATELY_HOURS)
    acts = list(detentions.select_related("case"))
    told: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for case_id, party, at in Notification.objects.filter(
        kind=NotificationKind.FAMILY_NOTICE, case_id__in={a.case_id for a in acts}
    ).values_list("case_id", "subject", "created_at"):
        told[case_id, party].append(at)
    missed = []
    for act in acts:
        due = act.performed_at + term
        after = [at for at in told[act.case_id, act.payload["party"]] if at >= act.performed_at]
        first = min(after, default=None)
        if first is None or first > due:
            missed.append((act, due, first))
    return missed


def _outbox(now: datetime, since: datetime) -> list[MissedDuty]:
    """E-mail and SMS not delivered by their term: still on the way (any age), failed or
    delivered late (due in the window)."""
    rows = (
        outbox_missed(now)
        .filter(Q(state__in=[DeliveryState.QUEUED, DeliveryState.SENT]) | Q(due_at__gte=since))
        .select_related("case")
    )
    return [
        MissedDuty(
            case_id=n.case_id,
            register_number=n.case.register_number if n.case else "",
            duty=_outbox_duty(n),
            article=str(n.params.get("article", "")),
            due_at=n.due_at or n.created_at,
            met_at=n.delivered_at,
            source=f"notification #{n.pk} ({n.get_state_display()})",
        )
        for n in rows
    ]


def outbox_missed(now: datetime) -> QuerySet[Notification]:
    """Every e-mail or SMS (or the record of one with no contact to send it to) whose term
    has passed by `now` undelivered: still on the way, failed, or delivered late."""
    return (
        Notification.objects.exclude(channel=Channel.INBOX)
        .exclude(kind=NotificationKind.ONE_TIME_CODE)  # a citizen's request, not a duty
        .filter(due_at__lt=now)
        .filter(
            Q(state__in=[DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.FAILED])
            | Q(
                state__in=[DeliveryState.DELIVERED, DeliveryState.READ],
                delivered_at__gt=F("due_at"),
            )
        )
    )


def _outbox_duty(n: Notification) -> str:
    what = n.get_kind_display()
    if n.channel == Channel.NONE:
        return _("%(what)s: no contact to send it to") % {"what": what}
    return _("%(what)s by %(channel)s to %(address)s, %(attempts)s attempts: %(error)s") % {
        "what": what,
        "channel": n.get_channel_display(),
        "address": n.address,
        "attempts": n.attempts,
        "error": n.last_error or "-",
    }
