"""The deadline watchdog: walks the running statutory clocks up the escalation ladder and tells
the officials concerned (docs/watchdog.md).

    1 due soon   warn_at <= now < due_at           the responsible official
    2 breached   due_at <= now                     the responsible official and the unit's heads
    3 escalated  due_at <= now - grace (24 h)      the supervising prosecutor(s)

A deadline stays `running` when breached: the act that discharges the duty closes it (a late act
marks it breached). Each step happens once per deadline, however many passes run and however
many run at once: a pass claims its rows with FOR UPDATE SKIP LOCKED, in batches, and raises
`escalation` in the same transaction that writes the notifications.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_noop

from tergeu import clock
from tergeu.accounts.models import CONDUCTING_ROLES, HEAD_ROLES, Appointment, Role
from tergeu.cases.awaited import unassigned_assign
from tergeu.cases.models import Case, CompartmentMember, Deadline, DeadlineState
from tergeu.notifications.models import Notification, NotificationKind
from tergeu.notifications.services import notifications_send

WARNED, BREACHED, ESCALATED = 1, 2, 3

# A deadline's `responsible_role` is a role or one of the procedure pack's role groups ("body":
# the investigator or inquiry officer; "conducting": the body or its head; "head").
CONDUCTING = frozenset({*CONDUCTING_ROLES, "body", "conducting"})
HEADS = frozenset({*HEAD_ROLES, "head"})

# What a claimed deadline row carries into a batch (one query, no model instances).
CLAIMED_FIELDS = (
    "pk",
    "case_id",
    "responsible_id",
    "responsible_role",
    "rule",
    "article",
    "duty",
    "due_at",
    "compartment_id",
)


@dataclass(frozen=True)
class WatchdogSummary:
    """What one pass did: deadlines moved to each step, and notifications written."""

    warned: int = 0
    breached: int = 0
    escalated: int = 0
    notifications: int = 0
    assigned: int = 0  # requests and cases that reached a court while nobody was on duty

    def __add__(self, other: WatchdogSummary) -> WatchdogSummary:
        return WatchdogSummary(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )


@dataclass(frozen=True)
class Claimed:
    """A deadline claimed by this pass: what it takes to tell of it."""

    pk: int
    case_id: int | None
    responsible_id: int | None
    responsible_role: str
    rule: str
    article: str
    duty: str
    due_at: datetime
    compartment_id: int | None = None


class Officials:
    """Who holds which office for the cases of one batch, read in three queries."""

    def __init__(self, case_ids: Iterable[int]) -> None:
        self.cases = {
            case.pk: case
            for case in Case.objects.filter(pk__in=case_ids).only(
                "investigation_unit_id",
                "supervising_office_id",
                "lead_investigator_id",
                "procedural_prosecutor_id",
            )
        }
        units = {case.investigation_unit_id for case in self.cases.values()}
        offices = {case.supervising_office_id for case in self.cases.values()}
        self.heads = _appointed(units, HEAD_ROLES)
        self.prosecutors = _appointed(offices, {Role.PROSECUTOR})
        self.named: dict[int, set[int]] | None = None  # compartment → officials, when asked

    def may_know(self, official_id: int, deadline: Claimed) -> bool:
        """A covert action's deadline is told only to the officials named on its compartment."""
        if deadline.compartment_id is None:
            return True
        if self.named is None:
            self.named = {}
            for compartment_id, member in CompartmentMember.objects.filter(
                compartment__case_id__in=self.cases
            ).values_list("compartment_id", "official_id"):
                self.named.setdefault(compartment_id, set()).add(member)
        return official_id in self.named.get(deadline.compartment_id, set())

    def responsible(self, deadline: Claimed) -> list[int]:
        """The official who must act: named on the deadline, or the holder of its role in the
        case. Unnamed, nobody for a judge or a facility (their duty has no one official until
        named) and for a crime report's deadline (no case, so no role to resolve)."""
        if deadline.responsible_id is not None:
            return [deadline.responsible_id]
        return self.holders(deadline.case_id or 0, deadline.responsible_role)

    def holders(self, case_id: int, role: str) -> list[int]:
        """The officials who hold `role` (a role or a pack's role group) for the case: the lead
        investigator for the body, the supervising prosecutors, the heads of the unit; nobody
        for a judge or a facility, whose officials the case does not name."""
        case = self.cases.get(case_id)
        if case is None:
            return []
        if role in CONDUCTING:
            return [case.lead_investigator_id] if case.lead_investigator_id else []
        if role == Role.PROSECUTOR:
            if case.procedural_prosecutor_id:
                return [case.procedural_prosecutor_id]
            return self.prosecutors.get(case.supervising_office_id, [])
        if role in HEADS:
            return self.heads.get(case.investigation_unit_id, [])
        return []

    def heads_of_unit(self, deadline: Claimed) -> list[int]:
        return self.holders(deadline.case_id or 0, "head")

    def supervising_prosecutors(self, deadline: Claimed) -> list[int]:
        """The case's procedural prosecutor; while none is named, the prosecutors of the
        supervising office."""
        return self.holders(deadline.case_id or 0, Role.PROSECUTOR)

    def responsible_and_heads(self, deadline: Claimed) -> list[int]:
        return self.responsible(deadline) + self.heads_of_unit(deadline)


def _appointed(agency_ids: set[int], roles: Iterable[str]) -> dict[int, list[int]]:
    """Active officials holding one of `roles` in each agency, by agency id."""
    found: dict[int, list[int]] = defaultdict(list)
    rows = (
        Appointment.objects.filter(
            agency_id__in=agency_ids, role__in=list(roles), official__is_active=True
        )
        .order_by("agency_id", "official_id")
        .values_list("agency_id", "official_id")
    )
    for agency_id, official_id in rows:
        found[agency_id].append(official_id)
    return found


@dataclass(frozen=True)
class Step:
    """One rung of the ladder: which running deadlines it takes (those whose `escalation`
    matches `below`), the level it sets, and whom it tells what."""

    level: int
    below: Q
    kind: NotificationKind
    message: str
    audience: Callable[[Officials, Claimed], list[int]]
    counter: str  # the WatchdogSummary field it counts in

    def candidates(self, now: datetime) -> QuerySet[Deadline]:
        """The deadlines this step would take at `now`. Each filter matches one of the partial
        indexes `deadline_warn_due`, `deadline_breach_due` and `deadline_escalate_due`."""
        running = Deadline.objects.filter(self.below, state=DeadlineState.RUNNING)
        if self.level == WARNED:
            return running.filter(warn_at__lte=now, due_at__gt=now).order_by("warn_at")
        if self.level == BREACHED:
            return running.filter(due_at__lte=now).order_by("due_at")
        grace = timedelta(hours=settings.TERGEU_ESCALATION_GRACE_HOURS)
        return running.filter(due_at__lte=now - grace).order_by("due_at")


STEPS = (
    Step(
        WARNED,
        Q(escalation=0),  # equality, as in the index's condition, or the index is not used
        NotificationKind.DEADLINE_DUE_SOON,
        gettext_noop("Deadline %(rule)s (art. %(article)s) is due at %(due_at)s: %(duty)s"),
        Officials.responsible,
        "warned",
    ),
    Step(
        BREACHED,
        Q(escalation__lt=BREACHED),
        NotificationKind.DEADLINE_BREACHED,
        gettext_noop(
            "Deadline %(rule)s (art. %(article)s) was due at %(due_at)s and is breached: %(duty)s"
        ),
        Officials.responsible_and_heads,
        "breached",
    ),
    # Only from BREACHED: the prosecutor hears of a breach after the unit has, never instead.
    Step(
        ESCALATED,
        Q(escalation=BREACHED),
        NotificationKind.DEADLINE_ESCALATED,
        gettext_noop(
            "Deadline %(rule)s (art. %(article)s) was due at %(due_at)s and is still not met: "
            "%(duty)s"
        ),
        Officials.supervising_prosecutors,
        "escalated",
    ),
)


def watchdog_pass(now: datetime | None = None, *, batch: int = 1000) -> WatchdogSummary:
    """Take every running deadline that has reached a rung of the ladder at `now` to it, in
    order (a deadline found long overdue is breached, then escalated, in the same pass); then
    give what reached a court while nobody was on duty to the judge on duty now."""
    now = now or clock.now()
    summary = WatchdogSummary()
    for step in STEPS:
        claimed = batch
        # A short batch is the last: what it did not find is done, or held by another pass,
        # whose work it is.
        while claimed == batch:
            moved, claimed = _step_batch(step, now, batch)
            summary += moved
    return summary + WatchdogSummary(assigned=unassigned_assign(now))


def _step_batch(step: Step, now: datetime, batch: int) -> tuple[WatchdogSummary, int]:
    """Claim up to `batch` deadlines for `step` and take them up; returns what was done and
    how many were claimed."""
    with transaction.atomic():
        # SKIP LOCKED: a row another pass (or an act closing the deadline) holds is left for
        # later, without waiting. NO KEY UPDATE, the lock an UPDATE of a non-key column takes,
        # lets rows that refer to the deadline (its notifications) be inserted meanwhile.
        rows = list(
            step.candidates(now)
            .select_for_update(skip_locked=True, no_key=True)
            .values_list(*CLAIMED_FIELDS)[:batch]
        )
        if not rows:
            return WatchdogSummary(), 0
        claimed = [Claimed(*row) for row in rows]
        # The rows are locked and their state re-checked under the lock, so this UPDATE takes
        # every one of them; its condition keeps a step from ever happening twice.
        moved = Deadline.objects.filter(
            pk__in=[d.pk for d in claimed], escalation__lt=step.level
        ).update(escalation=step.level)
        officials = Officials({d.case_id for d in claimed if d.case_id is not None})
        sent = notifications_send(
            [
                _notification(step, deadline, recipient, now)
                for deadline in claimed
                for recipient in dict.fromkeys(step.audience(officials, deadline))
                if officials.may_know(recipient, deadline)
            ]
        )
    return WatchdogSummary(**{step.counter: moved, "notifications": sent}), len(claimed)


def _notification(step: Step, deadline: Claimed, recipient: int, now: datetime) -> Notification:
    due_at = deadline.due_at.astimezone(clock.legal_zone())
    return Notification(
        recipient_id=recipient,
        case_id=deadline.case_id,
        deadline_id=deadline.pk,
        kind=step.kind,
        message=step.message,
        params={
            "rule": deadline.rule,
            "article": deadline.article,
            "duty": deadline.duty,
            "due_at": f"{due_at:%Y-%m-%d %H:%M}",
        },
        created_at=now,
    )
