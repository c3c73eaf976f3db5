"""`act_append`: the only writer of the journal."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.access.gate import capacities
from tergeu.accounts.models import Official, Role
from tergeu.cases import law
from tergeu.cases.clocks import next_due
from tergeu.cases.compartments import (
    compartment_open,
    compartments_of,
    follow,
    inside,
    part_load,
    part_of,
    part_store,
    unchanged_outside,
)
from tergeu.cases.models import Awaited, Case, Compartment
from tergeu.cases.projection import ActFacts, CaseState
from tergeu.cases.store import CASE_FIELDS, state_load, state_store
from tergeu.errors import Conflict, Forbidden, InvalidInput, NotFound
from tergeu.integrity.services import log_enqueue
from tergeu.journal.canonical import act_document, sha256_hex
from tergeu.journal.kinds import KINDS, kind_get, payload_dump, payload_validate
from tergeu.journal.models import Act
from tergeu.journal.notices import notices_deliver
from tergeu.notifications.copies import victim_copies_send
from tergeu.procedure.engine import Proposal, allowed, evaluate
from tergeu.procedure.rules import Refusal
from tergeu.procedure.state import ProcState, from_json, to_json

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
    compartment: Compartment | None = None,
) -> Act:
    """Append one act to `case`'s journal and update the projections, in one transaction.

    Guards (each refusal raises an AppError and writes nothing): the kind exists, the payload
    fits its schema, the procedure engine accepts the act by the law in force at `performed_at`
    (role, stage, applicability, preconditions — every reason at once), and the kind's own guard
    holds. The caller has already passed the access gate.

    A covert act goes into a compartment of the case instead (`compartment_append`): the act
    that requests a covert action opens a new one; the acts that follow it, and decisions on
    its requests, name it.
    """
    act_kind = kind_get(kind)
    model = payload_validate(act_kind, payload)
    clean_payload = payload_dump(act_kind, model)
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
    if compartment is not None or law.compartment_place(kind):
        return compartment_append(
            case=case,
            compartment=compartment,
            kind=kind,
            payload=clean_payload,
            guard=lambda locked: act_kind.guard(locked, model),
            actor=actor,
            performed_at=performed_at,
            recorded_at=recorded_at,
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
        roles = tuple(capacities(actor, locked, registering=opening))
        if not roles:
            raise Forbidden(
                _("Your role does not allow this act on this case."), code="role_not_allowed"
            )
        old = CaseState() if opening else state_load(locked)
        seq = locked.last_seq + 1
        facts = ActFacts(
            seq=seq, kind=kind, payload=clean_payload, actor_id=actor.pk, actor_role=roles[0]
        )
        # The law first (every reason at once), then the facts only the database knows.
        bodies = _agency_kinds(locked, clean_payload)
        verdict, new = law.advance(old, facts, at=performed_at, roles=roles, agency_kinds=bodies)
        if not verdict.accepted:
            raise law.refusal(verdict.reasons)
        if kind == "decision":
            _decider_check(locked, clean_payload["request"], actor)
        act_kind.guard(locked, model)
        act = _act_new(
            register_number=new.register_number,
            seq=seq,
            kind=kind,
            payload=clean_payload,
            actor=actor,
            capacity=verdict.capacity,
            performed_at=performed_at,
            recorded_at=recorded_at,
            prev_hash=locked.last_hash,
        )
        locked.last_seq, locked.last_hash = seq, act.hash
        if opening:
            # The case row is inserted once, already in the state its first act gives it.
            for name in CASE_FIELDS:
                setattr(locked, name, getattr(new, name))
            locked.procedure = to_json(new.procedure)
            locked.next_due_at = next_due(new.procedure.clocks)
            locked.save(force_insert=True)
            act.case = locked
            act.save(force_insert=True)
            state_store(locked, old, new, at=performed_at, case_row=False)
        else:
            act.case = locked
            act.save(force_insert=True)
            state_store(locked, old, new, at=performed_at, also=("last_seq", "last_hash"))
            proposal = law.proposal_for(
                old, facts, at=performed_at, roles=roles, agency_kinds=bodies
            )
            follow(locked, old.procedure, new.procedure, proposal, verdict.events, at=performed_at)
        log_enqueue(act=act)
        notices_deliver(locked, verdict.notices, seq=seq)
        victim_copies_send(case=locked, act=act, verdict=verdict)
    # The caller's instance reflects the act it just appended.
    for name in ("pk", *CASE_FIELDS, "procedure", "last_seq", "last_hash"):
        setattr(case, name, getattr(locked, name))
    return act


def compartment_append(
    *,
    case: Case,
    compartment: Compartment | None,
    kind: str,
    payload: dict[str, Any],
    guard: Callable[[Case], None],
    actor: Official,
    performed_at: datetime,
    recorded_at: datetime,
) -> Act:
    """Append a covert act to a compartment of `case` (a new one for the act that opens one):
    judged by the law against the case's stage and persons with the compartment's covert part,
    numbered and chained within the compartment, its clocks and requests kept there. An
    official the compartment does not name is told it does not exist."""
    place = law.compartment_place(kind)
    if compartment is None and place != "opens":
        raise Conflict(
            _("This act belongs to a covert compartment of the case: name the compartment."),
            code="compartment_required",
            details={"kind": kind},
        )
    if compartment is not None and place != "inside" and kind != "decision":
        raise Conflict(
            _("This act is not recorded in a covert compartment."),
            code="not_a_compartment_act",
            details={"kind": kind},
        )
    with transaction.atomic():
        locked = _lock(case)
        roles = tuple(capacities(actor, locked))
        if compartment is not None:
            compartment = (
                compartments_of(actor, locked)
                .select_for_update(of=("self",))
                .filter(pk=compartment.pk)
                .first()
            )
            if compartment is None:
                raise NotFound(_("No such compartment."), code="compartment_not_found")
        if not roles:
            raise Forbidden(
                _("Your role does not allow this act on this case."), code="role_not_allowed"
            )
        case_state = state_load(locked)
        part = part_load(compartment)
        seq = (compartment.last_seq if compartment else 0) + 1
        facts = ActFacts(
            seq=seq, kind=kind, payload=payload, actor_id=actor.pk, actor_role=roles[0]
        )
        bodies = _agency_kinds(locked, payload)
        proposal = law.proposal_for(
            case_state, facts, at=performed_at, roles=roles, agency_kinds=bodies
        )
        before = inside(case_state.procedure, part)
        verdict = evaluate(law.pack(), before, proposal)
        if not verdict.accepted:
            raise law.refusal(verdict.reasons)
        # A covert act changes nothing outside its compartment: the pack keeps it so.
        assert unchanged_outside(before, verdict.state), kind
        if kind == "decision":
            _decider_check(locked, payload["request"], actor, compartment)
        guard(locked)
        if compartment is None:
            compartment = compartment_open(
                locked, opener=actor, role=verdict.capacity, at=performed_at
            )
        act = _act_new(
            register_number=locked.register_number,
            seq=seq,
            kind=kind,
            payload=payload,
            actor=actor,
            capacity=verdict.capacity,
            performed_at=performed_at,
            recorded_at=recorded_at,
            prev_hash=compartment.last_hash,
            compartment=compartment,
        )
        act.case = locked
        act.save(force_insert=True)
        log_enqueue(act=act)
        compartment.last_seq, compartment.last_hash = seq, act.hash
        part_store(locked, compartment, part, part_of(verdict.state), at=performed_at)
        compartment.save(update_fields=["last_seq", "last_hash", "procedure"])
        members = set(compartment.members.values_list("official_id", flat=True))
        notices_deliver(locked, verdict.notices, seq=seq, only=members)
    return act


def _act_new(
    *,
    register_number: str,
    seq: int,
    kind: str,
    payload: dict[str, Any],
    actor: Official,
    capacity: str,
    performed_at: datetime,
    recorded_at: datetime,
    prev_hash: str,
    compartment: Compartment | None = None,
) -> Act:
    """The act, not yet saved: its canonical bytes, their hash and its link to `prev_hash` (the
    case's chain, or the compartment's)."""
    canonical = act_document(
        register_number=register_number,
        seq=seq,
        kind=kind,
        payload=payload,
        actor_id=actor.pk,
        actor_role=capacity,
        performed_at=performed_at,
        recorded_at=recorded_at,
        prev_hash=prev_hash,
        compartment=compartment.number if compartment is not None else None,
    )
    return Act(
        compartment=compartment,
        seq=seq,
        kind=kind,
        payload=payload,
        actor=actor,
        actor_role=capacity,
        performed_at=performed_at,
        recorded_at=recorded_at,
        canonical=canonical,
        hash=sha256_hex(canonical),
        prev_hash=prev_hash,
    )


def act_kinds_open(actor: Official, case: Case) -> set[str]:
    """The act kinds `actor` may perform on `case` now — by the law in force, their role and the
    case's stage — for surfaces that offer only those."""
    return {kind for kind, reasons in acts_judged(actor, case).items() if not reasons}


def acts_judged(actor: Official, case: Case) -> dict[str, list[dict[str, Any]]]:
    """Every act kind with the reasons it may not be performed now (empty: it may)."""
    roles = tuple(capacities(actor, case))
    state = from_json(case.procedure)
    body = case.investigation_unit.kind
    now = clock.now()
    judged: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        if KINDS[kind].opens_case or law.compartment_place(kind) == "inside":
            continue
        proposal = Proposal(kind, roles, {}, now, case.last_seq + 1, body)
        reasons = allowed(law.pack(), state, proposal) if roles else []
        if not roles:
            reasons = [Refusal("role_not_allowed", "Your role does not allow this act.")]
        if kind == "decision" and not reasons and not awaiting_me(state, roles):
            reasons = [Refusal("nothing_to_decide", "No request awaits your decision.")]
        judged[kind] = [law.reason_dict(r) for r in reasons]
    return judged


def compartment_acts_open(actor: Official, compartment: Compartment) -> set[str]:
    """The act kinds recorded inside `compartment` (an extension, the end, the report…) that
    `actor` may perform there now, judged as `compartment_append` judges them: the case's stage
    and persons with the compartment's covert part. Decisions on its requests are not among
    them: the compartment's page offers those with each request."""
    case = compartment.case
    roles = tuple(capacities(actor, case))
    if not roles:
        return set()
    state = inside(from_json(case.procedure), part_load(compartment))
    now, body = clock.now(), case.investigation_unit.kind
    return {
        kind
        for kind in KINDS
        if law.compartment_place(kind) == "inside"
        and not allowed(
            law.pack(), state, Proposal(kind, roles, {}, now, compartment.last_seq + 1, body)
        )
    }


def awaiting_me(state: ProcState, roles: tuple[str, ...]) -> list[int]:
    """The open requests of the case whose current step is for one of `roles`."""
    return [a.request for a in law.awaiting(state) if a.roles & set(roles)]


def _decider_check(
    case: Case, request_seq: int, actor: Official, compartment: Compartment | None = None
) -> None:
    """A request for a judge's sanction is decided by the judge it is assigned to — not by
    another judge, and not before it is assigned to the judge on duty."""
    rows = list(
        Awaited.objects.filter(
            case=case,
            compartment=compartment,
            request_seq=request_seq,
            closed_at__isnull=True,
            role=Role.INVESTIGATING_JUDGE,
        ).values_list("assignee_id", flat=True)[:1]
    )
    if not rows:
        return  # not a judge's request (or no such request: the engine has said so)
    if rows[0] != actor.pk:
        raise Forbidden(
            _("This request is assigned to another judge.")
            if rows[0] is not None
            else _("This request awaits the judge on duty."),
            code="not_assigned",
            details={"request": request_seq},
        )


def _agency_kinds(case: Case, payload: dict[str, Any]) -> dict[int, str]:
    """The kinds of the units the act concerns: the case's (already loaded with it) and, for a
    transfer, the receiving one."""
    kinds = {case.investigation_unit_id: case.investigation_unit.kind}
    if payload.get("to_unit_id"):
        kinds |= law.agency_kinds([payload["to_unit_id"]])
    return kinds


def _lock(case: Case) -> Case:
    """The case row, locked until commit: appends to one case queue here, and seq and prev_hash
    come from the locked row. Only the case row: locking the joined prosecutor's office too
    would queue every append under that office behind one another."""
    return (
        Case.objects.select_for_update(of=("self",), no_key=True)
        .select_related("supervising_office", "investigation_unit")
        .get(pk=case.pk)
    )
