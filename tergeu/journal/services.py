"""`act_append`: the only writer of the journal."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.access.gate import capacities
from tergeu.accounts.models import Official
from tergeu.cases.models import Case
from tergeu.cases.projection import ActFacts, CaseState, apply
from tergeu.cases.store import CASE_FIELDS, state_load, state_store
from tergeu.errors import Conflict, Forbidden, InvalidInput
from tergeu.journal.canonical import act_document, sha256_hex
from tergeu.journal.kinds import KINDS, kind_get, payload_validate
from tergeu.journal.models import Act

# An act may be recorded after it happened (a detention is recorded after the actual minute of
# detention), never before: allow only clock skew into the future.
FUTURE_SKEW = timedelta(minutes=2)
# The Code in force took effect on 2015-01-01; nothing in an electronic case predates the
# century, and an earlier date is a typing error (and years before 1 AD cannot be stored).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def act_append(
    *,
    case: Case,
    kind: str,
    payload: Mapping[str, Any],
    actor: Official,
    performed_at: datetime | None = None,
) -> Act:
    """Append one act to `case`'s journal and update the projections, in one transaction.

    Guards (each refusal raises an AppError and writes nothing): the kind exists, the payload
    fits its schema, the actor acts on this case in a capacity the kind allows, the stage allows
    the kind, and the kind's own guard holds. The caller has already passed the access gate.
    """
    act_kind = kind_get(kind)
    model = payload_validate(act_kind, payload)
    clean_payload: dict[str, Any] = model.model_dump(mode="json")
    recorded_at = clock.now()
    performed_at = performed_at or recorded_at
    if performed_at < EARLIEST:
        raise InvalidInput(
            _("An act cannot be dated before %(date)s.") % {"date": EARLIEST.date().isoformat()},
            code="performed_too_early",
            details={"performed_at": performed_at.isoformat()},
        )
    if performed_at > recorded_at + FUTURE_SKEW:
        raise InvalidInput(
            _("An act cannot be performed in the future."),
            code="performed_in_future",
            details={"performed_at": performed_at.isoformat()},
        )
    opening = case.pk is None
    if act_kind.opens_case != opening:
        raise Conflict(
            _("A case's journal opens with its registration, and only once."),
            code="registration_order",
            details={"kind": kind},
        )
    # A case being opened belongs to the registering service's transaction, which rolls back
    # as a whole on refusal: no savepoint of its own (two statements fewer per registration).
    with transaction.atomic(savepoint=not opening):
        locked = case if opening else _lock(case)
        capacity = _capacity(actor, locked, act_kind.capacities, opening=opening)
        if act_kind.stages is not None and locked.stage not in act_kind.stages:
            raise Conflict(
                _("This act is not allowed at the case's current stage."),
                code="stage_not_allowed",
                details={"kind": kind, "stage": locked.stage},
            )
        act_kind.guard(locked, model)
        old = CaseState() if opening else state_load(locked)
        seq = locked.last_seq + 1
        facts = ActFacts(
            seq=seq, kind=kind, payload=clean_payload, actor_id=actor.pk, actor_role=capacity
        )
        new = apply(old, facts)
        canonical = act_document(
            register_number=new.register_number,
            seq=seq,
            kind=kind,
            payload=clean_payload,
            actor_id=actor.pk,
            actor_role=capacity,
            performed_at=performed_at,
            recorded_at=recorded_at,
            prev_hash=locked.last_hash,
        )
        act = Act(
            seq=seq,
            kind=kind,
            payload=clean_payload,
            actor=actor,
            actor_role=capacity,
            performed_at=performed_at,
            recorded_at=recorded_at,
            canonical=canonical,
            hash=sha256_hex(canonical),
            prev_hash=locked.last_hash,
        )
        locked.last_seq, locked.last_hash = seq, act.hash
        if opening:
            # The case row is inserted once, already in the state its first act gives it.
            for name in CASE_FIELDS:
                setattr(locked, name, getattr(new, name))
            locked.save(force_insert=True)
            act.case = locked
            act.save(force_insert=True)
            state_store(locked, old, new, at=performed_at, case_row=False)
        else:
            act.case = locked
            act.save(force_insert=True)
            state_store(locked, old, new, at=performed_at, also=("last_seq", "last_hash"))
    # The caller's instance reflects the act it just appended.
    for name in ("pk", *CASE_FIELDS, "last_seq", "last_hash"):
        setattr(case, name, getattr(locked, name))
    return act


def act_kinds_open(actor: Official, case: Case) -> set[str]:
    """The act kinds `actor` may perform on `case` now, by capacity and stage — what
    `act_append` checks before the kind's own guard, for surfaces that offer only those."""
    held = set(capacities(actor, case))
    return {
        code
        for code, kind in KINDS.items()
        if not kind.opens_case
        and (kind.stages is None or case.stage in kind.stages)
        and held & set(kind.capacities)
    }


def _lock(case: Case) -> Case:
    """The case row, locked until commit: appends to one case queue here, and seq and prev_hash
    come from the locked row. Only the case row: locking the joined prosecutor's office too
    would queue every append under that office behind one another."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("supervising_office")
        .get(pk=case.pk)
    )


def _capacity(actor: Official, case: Case, allowed: tuple[str, ...], *, opening: bool) -> str:
    """The capacity in which `actor` performs the act; refused when none is allowed."""
    held = [c for c in capacities(actor, case, registering=opening) if c in allowed]
    if not held:
        raise Forbidden(
            _("Your role does not allow this act on this case."),
            code="role_not_allowed",
            details={"allowed": list(allowed)},
        )
    return held[0]
