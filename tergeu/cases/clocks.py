"""The procedure engine's clocks as `Deadline` rows: what the watchdog scans and the case page
shows. Rows are written in the act's transaction from the difference between the clocks before
and after the act."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tergeu.cases.law import rule_of, warn_at
from tergeu.cases.models import Compartment, Deadline, DeadlineState
from tergeu.procedure.state import Clock

RESPONSIBLE_ON_CASE = {
    # Roles the case itself names an official for; the others (heads, judges, the facility)
    # are resolved by the watchdog from the unit or left to the request's addressee.
    "body": "lead_investigator_id",
    "conducting": "lead_investigator_id",
    "investigator": "lead_investigator_id",
    "inquiry_officer": "lead_investigator_id",
    "prosecutor": "procedural_prosecutor_id",
}


def next_due(clocks: Mapping[str, Clock]) -> datetime | None:
    """The nearest end of an open clock that is a duty (not a window given to others)."""
    return min(
        (c.due_at for c in clocks.values() if c.open and not rule_of(c).period), default=None
    )


def deadline_fields(clock: Clock, *, officials: Mapping[str, int | None]) -> dict[str, Any]:
    """The columns of the `Deadline` row for `clock` (without the case)."""
    rule = rule_of(clock)
    due: datetime = clock.due_at
    return {
        "key": clock.key,
        "rule": clock.rule,
        "article": rule.article[:32],
        "duty": rule.duty[:200],
        "subject": clock.subject[:32],
        "started_at": clock.anchor if clock.anchor < due else due,
        "anchor_at": clock.anchor,
        "term": rule.term.text,
        "in_force_since": rule.window.valid_from,
        "due_at": due,
        "state": clock.state,
        "started_by_seq": clock.started_seq,
        "closed_at": clock.closed_at,
        "responsible_role": rule.responsible,
        "responsible_id": officials.get(RESPONSIBLE_ON_CASE.get(rule.responsible, "")),
        "remaining": (due - clock.paused_at) if clock.paused_at else None,
        "warn_at": warn_at(clock.anchor, due) if clock.state == DeadlineState.RUNNING else None,
    }


def clocks_store(
    case_id: int,
    old: Mapping[str, Clock],
    new: Mapping[str, Clock],
    *,
    officials: Mapping[str, int | None],
    compartment: Compartment | None = None,
) -> None:
    """Insert the rows of clocks that started, update those that changed. `compartment`: the
    clocks are a covert compartment's."""
    fresh = [clock for key, clock in new.items() if key not in old]
    if fresh:
        Deadline.objects.bulk_create(
            [
                Deadline(
                    case_id=case_id,
                    compartment=compartment,
                    **deadline_fields(c, officials=officials),
                )
                for c in fresh
            ]
        )
    for key, clock in new.items():
        before = old.get(key)
        if before is None or before == clock:
            continue
        fields = deadline_fields(clock, officials=officials)
        changes = {
            name: fields[name] for name in ("state", "due_at", "closed_at", "remaining", "warn_at")
        }
        if before.due_at != clock.due_at:
            changes["escalation"] = 0  # a new end: the watchdog starts over
        Deadline.objects.filter(case_id=case_id, compartment=compartment, key=key).update(**changes)
