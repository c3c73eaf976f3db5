"""The procedure engine: may this act be performed now, and what follows from it?

`evaluate(pack, state, proposal)` judges a proposed act by the rules in force at its moment
(ADR 0003) and returns a `Verdict`: accepted, with the new state, the clocks started, met,
breached, cancelled, paused, resumed or extended, the requests opened or decided and the
notification duties; or refused, with every reason and the state unchanged. Pure: no Django,
no I/O, no clock — the moment is part of the proposal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tergeu.procedure.pack import (
    DECISIONS,
    ActRule,
    Chain,
    DeadlineRule,
    Pack,
    Step,
    Term,
    When,
    choices,
)
from tergeu.procedure.rules import (
    EFFECTS,
    GENERAL,
    PREDICATES,
    Context,
    Refusal,
    fixed,
    gettext_noop,
    moment,
)
from tergeu.procedure.state import Clock, ProcState, Request, Ruling, is_minor
from tergeu.procedure.terms import term_end

DECISION = "decision"
ANNULMENT = "annulment"


@dataclass(frozen=True)
class Proposal:
    kind: str
    roles: tuple[str, ...]  # the capacities the actor holds on this case, in preference order
    payload: Mapping[str, Any]
    at: datetime  # performed_at: the legal moment of the act
    seq: int  # the act's number in the case journal
    body: str = ""  # kind of the investigating body (police, anti_corruption, …)


@dataclass(frozen=True)
class ClockChange:
    op: str  # started | met | breached | cancelled | paused | resumed | extended
    clock: Clock


@dataclass(frozen=True)
class Awaiting:
    """An agreement, approval or sanction now required: from whom (`role` as the pack names
    it, `roles` who may give it), by when (None: no term)."""

    request: int
    kind: str
    role: str
    roles: frozenset[str]
    decision: str
    due_at: datetime | None
    article: str


@dataclass(frozen=True)
class Notice:
    """A duty to inform: recipients (roles), what about, by when (None: at once)."""

    id: str
    to: tuple[str, ...]
    about: str
    article: str
    due_at: datetime | None


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    state: ProcState
    reasons: tuple[Refusal, ...] = ()
    capacity: str = ""
    events: tuple[str, ...] = ()
    changes: tuple[ClockChange, ...] = ()
    awaiting: tuple[Awaiting, ...] = ()
    notices: tuple[Notice, ...] = ()
    rule: ActRule | None = None


@dataclass
class _Run:
    """The working state of one evaluation."""

    pack: Pack
    proposal: Proposal
    state: ProcState
    reasons: list[Refusal] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    changes: list[ClockChange] = field(default_factory=list)
    awaiting: list[Awaiting] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def at(self) -> datetime:
        return self.proposal.at

    @property
    def day(self) -> date:
        return self.proposal.at.astimezone(ZoneInfo(self.pack.zone)).date()


def evaluate(pack: Pack, state: ProcState, proposal: Proposal) -> Verdict:
    """Judge `proposal` against `state` by the rules of `pack` in force at `proposal.at`."""
    run = _Run(pack, replace(proposal, at=moment(proposal.at)), state)
    if proposal.kind == DECISION:
        capacity = _decide(run)
        rule = None
    else:
        rule, capacity = _check(run)
        if not run.reasons and rule is not None:
            _perform(run, rule)
            if rule.kind == ANNULMENT:
                _annul(run)
    if run.reasons:
        return Verdict(False, state, tuple(run.reasons), rule=rule)
    _pauses(run)
    return Verdict(
        True,
        run.state,
        capacity=capacity,
        events=tuple(run.events),
        changes=tuple(run.changes),
        awaiting=tuple(run.awaiting),
        notices=tuple(run.notices),
        rule=rule,
    )


def allowed(pack: Pack, state: ProcState, proposal: Proposal) -> list[Refusal]:
    """Why `proposal.kind` may not be performed now (empty: it may), without a payload: only
    the act's validity, the actor's role, the stage and the applicability are checked."""
    run = _Run(pack, proposal, state)
    _check(run, with_payload=False)
    return run.reasons


# --- checking -----------------------------------------------------------------------------------


def _check(run: _Run, *, with_payload: bool = True) -> tuple[ActRule | None, str]:
    proposal, state = run.proposal, run.state
    rule = _act_version(run, proposal.payload if with_payload else None)
    if rule is None:
        versions = run.pack.acts.get(proposal.kind)
        run.reasons.append(
            Refusal(
                "kind_not_in_force" if versions else "unknown_kind",
                gettext_noop("This act is not provided for by the law in force on that date.")
                if versions
                else gettext_noop("Unknown act kind."),
                details={"kind": proposal.kind, "date": run.day.isoformat()},
            )
        )
        return None, ""
    capacity = next((role for role in proposal.roles if role in rule.performers), "")
    if not capacity:
        run.reasons.append(
            Refusal(
                "role_not_allowed",
                gettext_noop("Your role does not allow this act."),
                rule.article,
                {"allowed": sorted(rule.performers)},
            )
        )
    if rule.stages is None:
        if state.stage:
            run.reasons.append(
                Refusal(
                    "case_exists", gettext_noop("The case is already registered."), rule.article
                )
            )
    elif state.stage not in rule.stages:
        run.reasons.append(
            Refusal(
                "stage_not_allowed",
                gettext_noop("This act is not allowed at the case's current stage."),
                rule.article,
                {"stage": state.stage, "allowed": sorted(rule.stages)},
            )
        )
    if not _applies(run, rule.when, proposal.payload if with_payload else None):
        run.reasons.append(
            Refusal(
                "not_applicable",
                gettext_noop("The law in force does not provide for this act in this case."),
                rule.article,
                {"when": _describe(rule.when)},
            )
        )
    if not with_payload:
        ctx = _context(run, {})
        for name in rule.requires:
            general = GENERAL.get(name)
            refusal = general(ctx) if general is not None else None
            if refusal is not None:
                run.reasons.append(refusal)
        return rule, capacity
    payload_ok = _payload(run, rule)
    if payload_ok:
        ctx = _context(run, proposal.payload)
        for name in rule.requires:
            refusal = PREDICATES[name](ctx)
            if refusal is not None:
                run.reasons.append(refusal)
        if rule.chain:
            _no_duplicate_request(run, rule)
        if rule.kind == ANNULMENT and not run.reasons:
            _annulment_check(run)
    return rule, capacity


def _act_version(run: _Run, payload: Mapping[str, Any] | None) -> ActRule | None:
    """The version of the proposed act kind in force at the act's moment; where versions
    differ by case (`when`), the first that applies (else the first in force, to be refused)."""
    versions = [v for v in run.pack.acts.get(run.proposal.kind, ()) if v.window.covers(run.day)]
    for version in versions:
        if _applies(run, version.when, payload):
            return version
    return versions[0] if versions else None


def _deadline_version(
    run: _Run, rule_ids: Iterable[str], payload: Mapping[str, Any]
) -> DeadlineRule | None:
    for rule_id in rule_ids:
        for version in run.pack.deadlines.get(rule_id, ()):
            if version.window.covers(run.day) and _applies(run, version.when, payload):
                return version
    return None


def _payload(run: _Run, rule: ActRule) -> bool:
    """The payload has the fields the pack declares, of the declared types."""
    ok = True
    payload = run.proposal.payload
    for name, (kind, required) in rule.payload.items():
        if name not in payload or payload[name] in (None, ""):
            if required:
                run.reasons.append(
                    Refusal(
                        "payload_missing",
                        gettext_noop("A required field is missing."),
                        rule.article,
                        {"field": name},
                    )
                )
                ok = False
            continue
        if not _fits(kind, payload[name]):
            run.reasons.append(
                Refusal(
                    "payload_type",
                    gettext_noop("A field has the wrong type."),
                    rule.article,
                    {"field": name, "expected": kind},
                )
            )
            ok = False
    return ok


def _fits(kind: str, value: Any) -> bool:
    if kind.startswith("choice:"):
        return value in choices(kind)
    if kind == "bool":
        return isinstance(value, bool)
    if kind in ("int", "seq"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    if kind == "datetime":
        try:
            parsed = moment(value)
        except (TypeError, ValueError):
            return False
        return parsed.tzinfo is not None
    if kind == "date":
        try:
            date.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return True
    if kind == "party":
        return isinstance(value, str) and value[:4] in ("iin:", "bin:") and len(value) == 16
    if kind == "article":
        return isinstance(value, dict) and "article" in value and "offence_category" in value
    return isinstance(value, str)


def _no_duplicate_request(run: _Run, rule: ActRule) -> None:
    subject = _subject_of(run.proposal.payload)
    for request in run.state.requests.values():
        if request.kind == rule.kind and _subject_of(request.payload) == subject:
            run.reasons.append(
                Refusal(
                    "request_pending",
                    gettext_noop("The same request is already awaiting a decision."),
                    rule.article,
                    {"request": request.seq},
                )
            )


def _subject_of(payload: Mapping[str, Any]) -> str:
    # A complaint of the defence concerns its motion: one request per motion, not per case.
    for key in ("party", "covert", "target", "motion"):
        if key in payload:
            return str(payload[key])
    return ""


def _applies(run: _Run, when: When, payload: Mapping[str, Any] | None) -> bool:
    """Whether `when` holds for the case now (and for `payload`, when given)."""
    if when.empty:
        return True
    state = run.state
    if when.categories and state.category not in when.categories:
        return False
    if when.forms and state.form not in when.forms:
        return False
    body = state.body or run.proposal.body
    if when.bodies and body not in when.bodies:
        return False
    if when.accelerated is not None and state.accelerated != when.accelerated:
        return False
    if when.covert is not None:
        ended = any(c.status in ("ended", "notified") for c in state.covert.values())
        if ended != when.covert:
            return False
    if when.convicted is not None:
        convicted = any(p.status == "convicted" for p in state.persons.values())
        if convicted != when.convicted:
            return False
    if when.detained is not None:
        detained = any(p.detained_at for p in state.persons.values())
        if detained != when.detained:
            return False
    if when.minor is not None:
        party = (payload or {}).get("party")
        minor = (
            is_minor(str(party), _payload_day(run, payload))
            if party
            else any(p.minor for p in state.suspects())
        )
        if minor != when.minor:
            return False
    if when.switch and not switch_on(run.pack, when.switch, state, run.day, body):
        return False
    if when.switch_off and switch_on(run.pack, when.switch_off, state, run.day, body):
        return False
    if payload is not None:
        for key, expected in when.payload.items():
            value = payload.get(key)
            if value is None and isinstance(expected, bool):
                value = False  # an optional flag left out is false
            if value != expected:
                return False
    return True


def _payload_day(run: _Run, payload: Mapping[str, Any] | None) -> date:
    if payload and payload.get("detained_at"):
        try:
            return moment(payload["detained_at"]).date()
        except (TypeError, ValueError):
            pass
    return run.day


def switch_on(pack: Pack, name: str, state: ProcState, day: date, body: str = "") -> bool:
    """Whether a phased switch applies to a case with `state`'s attributes on `day`."""
    for phase in pack.switches[name].phases:
        if day < phase.valid_from:
            continue
        if phase.categories and state.category not in phase.categories:
            continue
        if phase.bodies and (state.body or body) not in phase.bodies:
            continue
        if phase.forms and state.form not in phase.forms:
            continue
        if phase.articles and state.article not in phase.articles:
            continue
        return True
    return False


def _describe(when: When) -> dict[str, Any]:
    return {
        key: sorted(value) if isinstance(value, frozenset) else value
        for key, value in when.__dict__.items()
        if value not in (None, "", frozenset(), {})
    }


def _context(run: _Run, payload: Mapping[str, Any]) -> Context:
    p = run.proposal
    return Context(run.state, p.kind, payload, p.at, p.seq, p.body)


# --- performing ---------------------------------------------------------------------------------


def _perform(run: _Run, rule: ActRule) -> None:
    payload = run.proposal.payload
    ctx = _context(run, payload)
    state = run.state
    before = state.stage
    for name in rule.effects:
        state = EFFECTS[name](state, replace(ctx, state=state))
    if rule.to:
        state = replace(state, stage=rule.to)
    if not rule.chain:
        state = _ruled(run.pack, state, run.state, run.proposal.seq, rule.kind, payload)
    run.state = state
    run.events.append(rule.kind)
    _clocks(run, rule.kind, payload)
    if rule.chain:
        chain = run.pack.chain(rule.chain, run.day)
        if chain is None:
            run.reasons.append(
                Refusal(
                    "chain_not_in_force",
                    gettext_noop(
                        "No agreement or sanction procedure for this act is in force on that date."
                    ),
                    rule.article,
                )
            )
            return
        request = Request(
            seq=run.proposal.seq,
            kind=rule.kind,
            chain=chain.id,
            chain_from=chain.window.valid_from,
            step=0,
            opened_at=run.at,
            payload=dict(payload),
            stage_before=before,
        )
        if rule.pending:
            run.state = replace(run.state, stage=rule.pending)
        run.state = replace(run.state, requests={**run.state.requests, request.seq: request})
        _step_clock(run, request, chain)


def _decide(run: _Run) -> str:
    """A decision on an open request: the next step of its chain, or its outcome."""
    payload = run.proposal.payload
    raw = payload.get("request")
    request = run.state.requests.get(raw) if isinstance(raw, int) else None
    if request is None:
        run.reasons.append(
            Refusal(
                "no_such_request",
                gettext_noop("There is no request awaiting a decision with this number."),
                details={"request": raw},
            )
        )
        return ""
    chain = chain_of(run.pack, request)
    step = chain.steps[request.step]
    capacity = next((role for role in run.proposal.roles if role in step.roles), "")
    if not capacity:
        run.reasons.append(
            Refusal(
                "role_not_allowed",
                gettext_noop("This request awaits the decision of another official."),
                step.article,
                {"awaits": step.role},
            )
        )
    outcome = payload.get("outcome")
    if outcome not in DECISIONS[step.decision]:
        run.reasons.append(
            Refusal(
                "outcome_not_allowed",
                gettext_noop("This outcome is not open to this decision."),
                step.article,
                {"allowed": list(DECISIONS[step.decision])},
            )
        )
    if outcome in ("refused", "shortened") and not str(payload.get("reasons") or "").strip():
        run.reasons.append(
            Refusal(
                "reasons_required",
                gettext_noop("A refusal or a shorter term must give reasons."),
                step.article,
            )
        )
    if outcome == "shortened" and not payload.get("until"):
        run.reasons.append(
            Refusal(
                "until_required",
                gettext_noop("A shorter term needs the date it ends."),
                step.article,
            )
        )
    if payload.get("until"):
        try:
            if moment(payload["until"]) <= run.at:
                raise ValueError
        except (TypeError, ValueError):
            run.reasons.append(
                Refusal(
                    "until_invalid",
                    gettext_noop("The end of the term must be a moment after the decision."),
                    step.article,
                )
            )
    if outcome != "refused":
        _lapsed(run, request, step)
    if run.reasons:
        return capacity
    run.events.append(DECISION)
    _close_step_clock(run, request)
    last = request.step + 1 >= len(chain.steps)
    if outcome != "refused" and not last:
        advanced = replace(request, step=request.step + 1)
        run.state = replace(run.state, requests={**run.state.requests, request.seq: advanced})
        _step_clock(run, advanced, chain)
        return capacity
    requests = dict(run.state.requests)
    del requests[request.seq]
    run.state = replace(run.state, requests=requests)
    rule = _requested_rule(run.pack, request)
    granted = outcome != "refused"
    event_payload = {**request.payload, **payload, "request": request.seq}
    ctx = _context(run, event_payload)
    if granted and payload.get("until") and payload["until"] != request.payload.get("until"):
        # The decision sets the term itself: it must be a term the law lets be asked for.
        for name in rule.requires:
            refusal = PREDICATES[name](ctx)
            if refusal is not None:
                run.reasons.append(refusal)
        if run.reasons:
            return capacity
    state = run.state
    for name in rule.on_granted if granted else rule.on_refused:
        state = EFFECTS[name](state, replace(ctx, state=state))
    if granted:
        state = _ruled(run.pack, state, run.state, request.seq, request.kind, request.payload)
    target = (
        rule.granted_to
        if granted
        else (rule.refused_to or (request.stage_before if rule.pending else ""))
    )
    if target:
        state = replace(state, stage=target)
    run.state = state
    event = f"{request.kind}.{'granted' if granted else 'refused'}"
    run.events.append(event)
    _clocks(run, event, event_payload)
    return capacity


def _requested_rule(pack: Pack, request: Request) -> ActRule:
    """The version of the act that opened `request`: in force that day and following its chain
    (a kind may have versions for different cases in force at once, e.g. the 2018–2020
    terminations on rehabilitating and non-rehabilitating grounds)."""
    day = _day(pack, request.opened_at)
    return next(
        v for v in pack.acts[request.kind] if v.window.covers(day) and v.chain == request.chain
    )


def chain_of(pack: Pack, request: Request) -> Chain:
    """The version of the chain a request follows (the one in force when it was opened)."""
    return next(c for c in pack.chains[request.chain] if c.window.valid_from == request.chain_from)


def _day(pack: Pack, at: datetime) -> date:
    return at.astimezone(ZoneInfo(pack.zone)).date()


def _step_clock(run: _Run, request: Request, chain: Chain) -> None:
    step = chain.steps[request.step]
    run.events.append(f"{request.kind}.to_{step.role}")
    _clocks(run, f"{request.kind}.to_{step.role}", request.payload)
    rule = _deadline_version(run, step.deadlines, request.payload)
    if rule is None:
        return
    clock = _start(run, rule, request.payload, subject=f"request:{request.seq}")
    if clock is not None:
        run.awaiting.append(
            Awaiting(
                request.seq,
                request.kind,
                step.role,
                step.roles,
                step.decision,
                clock.due_at,
                step.article,
            )
        )


def _close_step_clock(run: _Run, request: Request) -> None:
    subject = f"request:{request.seq}"
    for clock in run.state.open_clocks():
        if clock.subject == subject:
            _close(run, clock, "met" if run.at < clock.due_at else "breached")


def _lapsed(run: _Run, request: Request, step: Step) -> None:
    """A grant after a term it depends on has run out is refused (`expires_with`): e.g. custody
    sanctioned after the detention ended, when the person had to be released (131(4), 133(2)).
    Deciding after the step's own clock is only late: that clock is breached."""
    for rule_id in step.expires_with:
        versions = run.pack.deadlines[rule_id]
        field = versions[0].subject
        subject = str(request.payload.get(field, "")) if field else ""
        clock = _open_clock(run.state, rule_id, subject)
        if clock is not None and clock.due_at <= run.at:
            run.reasons.append(
                Refusal(
                    "request_lapsed",
                    gettext_noop(
                        "The term this request depended on has ended: it can no longer be granted."
                    ),
                    step.article,
                    {"request": request.seq, "rule": rule_id, "ended": clock.due_at.isoformat()},
                )
            )
            return


# --- annulment (art. 193) -----------------------------------------------------------------------


def _ruled(
    pack: Pack,
    state: ProcState,
    before: ProcState,
    seq: int,
    kind: str,
    payload: Mapping[str, Any],
) -> ProcState:
    """Record act `seq` as a ruling the prosecutor may annul, if the pack says acts of its kind
    may be annulled, with the parts of the state (from `before` it) that annulling restores."""
    versions = pack.annulments.get(kind)
    if not versions:
        return state
    restores = {name for version in versions for name in version.restores}
    ruling = Ruling(seq, kind, dict(payload), {name: getattr(before, name) for name in restores})
    return replace(state, rulings={**state.rulings, seq: ruling})


def _annulment_check(run: _Run) -> None:
    """Whether the ruling the annulment names may be annulled now by the pack's `[[annul]]`
    rule for its kind (the `ruling_in_force` predicate has said whether it is one at all)."""
    seq = int(run.proposal.payload["act"])
    ruling = run.state.rulings[seq]
    rule = run.pack.annulment(ruling.kind, run.day)
    if rule is None:
        run.reasons.append(
            Refusal(
                "not_annullable",
                gettext_noop("The law in force does not provide for annulling this act."),
                "193",
                {"act": seq, "kind": ruling.kind, "date": run.day.isoformat()},
            )
        )
        return
    later = sorted(
        r.seq
        for r in run.state.rulings.values()
        if r.kind == ruling.kind
        and _subject_of(r.payload) == _subject_of(ruling.payload)
        and r.seq > seq
        and r.seq not in run.state.annulled
    )
    if later:
        run.reasons.append(
            Refusal(
                "not_in_force",
                gettext_noop("A later decision has replaced this one: annul that one first."),
                rule.article,
                {"act": seq, "replaced_by": later[-1]},
            )
        )
    if rule.stages and run.state.stage not in rule.stages:
        run.reasons.append(
            Refusal(
                "not_in_force",
                gettext_noop("At the case's current stage this decision no longer has effect."),
                rule.article,
                {"act": seq, "stage": run.state.stage, "allowed": sorted(rule.stages)},
            )
        )
    ctx = _context(run, _annulled_payload(ruling))
    for name in rule.requires:
        refusal = PREDICATES[name](ctx)
        if refusal is not None:
            run.reasons.append(refusal)


def _annulled_payload(ruling: Ruling) -> dict[str, Any]:
    """What the annulled act concerned (its payload) and its number: the effects, predicates
    and clocks of "<kind>.annulled" see the person, motion or covert action it named."""
    return {**ruling.payload, "act": ruling.seq}


def _annul(run: _Run) -> None:
    """Undo a ruling's effect as its `[[annul]]` rule says, mark it annulled by this act, and
    let the clocks react to "<kind>.annulled"."""
    seq = int(run.proposal.payload["act"])
    ruling = run.state.rulings[seq]
    rule = run.pack.annulment(ruling.kind, run.day)
    assert rule is not None  # checked by _annulment_check
    payload = _annulled_payload(ruling)
    ctx = _context(run, payload)
    state = replace(run.state, **ruling.before)
    for name in rule.effects:
        state = EFFECTS[name](state, replace(ctx, state=state))
    if rule.to:
        state = replace(state, stage=rule.to)
    run.state = replace(state, annulled={**state.annulled, seq: run.proposal.seq})
    event = f"{ruling.kind}.annulled"
    run.events.append(event)
    _clocks(run, event, payload)


# --- clocks -------------------------------------------------------------------------------------


def _clocks(run: _Run, event: str, payload: Mapping[str, Any]) -> None:
    """Discharge, cancel or extend the clocks `event` touches; start those it triggers; note
    the duties to inform."""
    touched = run.pack.touched_by.get(event, frozenset())
    if touched:
        for clock in run.state.open_clocks():
            if clock.rule not in touched:
                continue
            rule = _clock_rule(run.pack, clock)
            if not _same_subject(rule, clock, payload):
                continue
            if event in rule.until:
                in_time = rule.period or run.at < clock.due_at
                _close(run, clock, "met" if in_time else "breached")
            elif event in rule.cancel:
                _close(run, clock, "cancelled")
            elif event in rule.extend and payload.get("until"):
                _extend(run, clock, moment(payload["until"]))
    started: set[str] = set()
    # A clock counted back from another (`before`) starts after the clocks it is counted from.
    for rule in sorted(run.pack.started_by.get(event, ()), key=lambda r: bool(r.before)):
        if rule.id in started:
            continue
        if rule.window.covers(run.day) and _applies(run, rule.when, payload):
            started.add(rule.id)
            new = _start(run, rule, payload)
            if new is not None and event in rule.until:
                # The act that starts the clock also discharges it (a detention protocol drawn
                # up after the actual detention): the clock records whether it was in time.
                _close(run, new, "met" if run.at < new.due_at else "breached")
    for note in run.pack.notifications:
        if note.on == event and note.window.covers(run.day) and _applies(run, note.when, payload):
            due = None if note.term is None else _due(run, note.term, "hours", run.at)
            run.notices.append(Notice(note.id, note.to, note.about, note.article, due))


def _clock_rule(pack: Pack, clock: Clock) -> DeadlineRule:
    rule = pack.deadline_version(clock.rule, clock.version)
    assert rule is not None  # a clock's rule is in the pack that started it
    return rule


def _same_subject(rule: DeadlineRule, clock: Clock, payload: Mapping[str, Any]) -> bool:
    if not rule.subject or not clock.subject:
        return True
    value = payload.get(rule.subject)
    if value is None:
        # The subject is an act (a covert action, an instruction): a granted request is that
        # act itself.
        value = payload.get("request")
    return value is None or str(value) == clock.subject


def _start(
    run: _Run, rule: DeadlineRule, payload: Mapping[str, Any], *, subject: str = ""
) -> Clock | None:
    anchor = _anchor(run, rule, payload)
    if not subject and rule.subject:
        value = payload.get(rule.subject)
        if value is None:
            # The subject is the act that starts the clock (an instruction), or the request
            # just granted (a covert action).
            value = payload.get("request", run.proposal.seq)
        subject = "" if value is None else str(value)
    if rule.before:
        parent = next(
            (c for c in (_open_clock(run.state, r, subject) for r in rule.before) if c), None
        )
        if parent is None:
            return None
        due = parent.due_at - _duration(rule.term)
        anchor = parent.anchor
    else:
        due = _due(run, rule.term, rule.counting.name.lower(), anchor)
    if rule.cap and payload.get("until"):
        until = moment(payload["until"])
        if until > due:
            run.reasons.append(
                Refusal(
                    "term_exceeds_maximum",
                    gettext_noop("The term set exceeds the maximum the law allows."),
                    rule.article,
                    {"until": until.isoformat(), "maximum": due.isoformat(), "rule": rule.id},
                )
            )
            return None
        due = until
    clock = Clock(
        key=f"{rule.id}/{run.proposal.seq}",
        rule=rule.id,
        version=rule.window.valid_from,
        subject=subject,
        anchor=anchor,
        due_at=due,
        group=rule.group,
        window=rule.period,
        started_seq=run.proposal.seq,
    )
    if clock.key in run.state.clocks:
        return None
    run.state = replace(run.state, clocks={**run.state.clocks, clock.key: clock})
    run.changes.append(ClockChange("started", clock))
    return clock


def _anchor(run: _Run, rule: DeadlineRule, payload: Mapping[str, Any]) -> datetime:
    """The moment a term counts from: the act's moment; or a payload field (the actual minute
    of detention); or "registered_at"; or "person.<attribute>" of the payload's party."""
    if rule.anchor == "registered_at" and run.state.registered_at is not None:
        return run.state.registered_at
    if rule.anchor.startswith("person.") and payload.get("party"):
        value = getattr(run.state.person(str(payload["party"])), rule.anchor[len("person.") :])
        if isinstance(value, datetime):
            return value
    elif rule.anchor and payload.get(rule.anchor):
        return moment(payload[rule.anchor])
    return run.at


def _open_clock(state: ProcState, rule_id: str, subject: str) -> Clock | None:
    candidates = [
        c
        for c in state.open_clocks()
        if c.rule == rule_id and (not subject or c.subject == subject)
    ]
    return max(candidates, key=lambda c: c.started_seq) if candidates else None


def _due(run: _Run, term: Term, counting: str, anchor: datetime) -> datetime:
    if term.immediately:
        return fixed(anchor) + timedelta(hours=run.pack.immediately_hours)
    from tergeu.procedure.terms import Counting

    how = {"standard": Counting.STANDARD, "liberty": Counting.LIBERTY, "hours": Counting.HOURS}[
        counting
    ]
    if how is Counting.HOURS and term.unit.value != "h":
        how = Counting.STANDARD
    zone = ZoneInfo(run.pack.zone)
    return fixed(term_end(anchor, term.amount, term.unit, how, run.pack.calendar, zone))


def _duration(term: Term) -> timedelta:
    if term.unit.value == "h":
        return timedelta(hours=term.amount)
    if term.unit.value == "d":
        return timedelta(days=term.amount)
    return timedelta(days=30 * term.amount)


def _close(run: _Run, clock: Clock, outcome: str) -> None:
    closed = replace(clock, state=outcome, closed_at=run.at, paused_at=None)
    run.state = replace(run.state, clocks={**run.state.clocks, clock.key: closed})
    run.changes.append(ClockChange(outcome, closed))


def _extend(run: _Run, clock: Clock, until: datetime) -> None:
    extended = replace(clock, due_at=until)
    run.state = replace(run.state, clocks={**run.state.clocks, clock.key: extended})
    run.changes.append(ClockChange("extended", extended))


def _pauses(run: _Run) -> None:
    """Clock groups excluded from the term (art. 192(3)) stop while the case is at a stage that
    pauses them or a request whose chain pauses them is open, and restart afterwards with the
    time they had left."""
    paused: set[str] = set(run.pack.stages[run.state.stage].pauses) if run.state.stage else set()
    for request in run.state.requests.values():
        paused |= chain_of(run.pack, request).pauses
    for clock in run.state.open_clocks():
        if not clock.group:
            continue
        if clock.group in paused and clock.state == "running":
            changed = replace(clock, state="paused", paused_at=run.at)
            op = "paused"
        elif clock.group not in paused and clock.state == "paused":
            assert clock.paused_at is not None
            changed = replace(
                clock,
                state="running",
                paused_at=None,
                due_at=clock.due_at + (run.at - clock.paused_at),
            )
            op = "resumed"
        else:
            continue
        run.state = replace(run.state, clocks={**run.state.clocks, clock.key: changed})
        run.changes.append(ClockChange(op, changed))


def fold(pack: Pack, proposals: Iterable[Proposal]) -> ProcState:
    """The state a journal of accepted acts leads to (each re-judged by the law of its day)."""
    state = ProcState()
    for proposal in proposals:
        verdict = evaluate(pack, state, proposal)
        if not verdict.accepted:
            raise ValueError(f"act {proposal.seq} ({proposal.kind}) is refused: {verdict.reasons}")
        state = verdict.state
    return state


def awaiting(pack: Pack, state: ProcState) -> list[Awaiting]:
    """What awaits whom: each open request, the step it is at and that step's clock, the most
    urgent first."""
    rows = []
    for request in state.requests.values():
        step = chain_of(pack, request).steps[request.step]
        subject = f"request:{request.seq}"
        due = next((c.due_at for c in state.open_clocks() if c.subject == subject), None)
        rows.append(
            Awaiting(
                request.seq, request.kind, step.role, step.roles, step.decision, due, step.article
            )
        )
    return sorted(
        rows, key=lambda a: (a.due_at is None, a.due_at.timestamp() if a.due_at else 0.0, a.request)
    )
