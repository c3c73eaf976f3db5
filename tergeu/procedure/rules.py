"""The named preconditions and effects a pack refers to (`requires = [...]`, `effects = [...]`).

The pack says *which* checks and state changes an act has and *when* (validity, applicability);
what a check or change means is written here once, in Python, and named. A predicate returns
`None` when it holds, or the refusal; an effect returns the new state. Both are pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from tergeu.procedure.state import Covert, Person, ProcState, is_minor
from tergeu.procedure.terms import add_months


def gettext_noop(message: str) -> str:
    """Marks an English message for the translation catalogues (`makemessages` extracts calls of
    this name) without importing Django; the product translates it when shown."""
    return message


@dataclass(frozen=True)
class Refusal:
    """One reason an act is refused: a stable code, an English message (a msgid the product
    translates), the article it rests on, and the facts it names."""

    code: str
    message: str
    article: str = ""
    details: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Context:
    """The proposed act, as predicates and effects see it."""

    state: ProcState  # before the act
    kind: str
    payload: Mapping[str, Any]
    at: datetime
    seq: int
    body: str  # kind of the investigating body


Predicate = Callable[[Context], Refusal | None]
Effect = Callable[[ProcState, Context], ProcState]


def moment(value: Any) -> datetime:
    """A moment given as ISO 8601 text or a datetime; an aware one at a fixed UTC offset."""
    return fixed(value if isinstance(value, datetime) else datetime.fromisoformat(value))


def fixed(value: datetime) -> datetime:
    """The same instant at a fixed UTC offset. Arithmetic on a datetime of a zone with offset
    changes is wall-clock arithmetic (an hour wrong across Almaty's move from +06 to +05 on
    2024-03-01), and such a datetime in the repeated hour never equals a datetime of another
    zone (PEP 495), not even its own JSON round trip."""
    offset = value.utcoffset()
    return value if offset is None else value.astimezone(timezone(offset))


# --- predicates ---------------------------------------------------------------------------------


def _party_is_suspect(ctx: Context) -> Refusal | None:
    if ctx.state.person(ctx.payload["party"]).status in ("suspect", "accused"):
        return None
    return Refusal(
        "not_a_suspect",
        gettext_noop(
            "The person is not a suspect in this case (recognition agreed by the prosecutor first)."
        ),
        "64(1)",
        {"party": ctx.payload["party"]},
    )


def _party_not_suspect(ctx: Context) -> Refusal | None:
    if ctx.state.person(ctx.payload["party"]).status in ("none", "witness"):
        return None
    return Refusal(
        "already_suspect",
        gettext_noop(
            "The person is already a suspect, or their recognition awaits the prosecutor."
        ),
        "202",
        {"party": ctx.payload["party"]},
    )


def _party_detained(ctx: Context) -> Refusal | None:
    if ctx.state.person(ctx.payload["party"]).detained_at is not None:
        return None
    return Refusal(
        "not_detained",
        gettext_noop("The person is not detained."),
        "131",
        {"party": ctx.payload["party"]},
    )


def _party_at_liberty(ctx: Context) -> Refusal | None:
    person = ctx.state.person(ctx.payload["party"])
    if person.detained_at is None and person.custody_from is None:
        return None
    return Refusal(
        "already_detained",
        gettext_noop("The person is already detained or in custody."),
        "128",
        {"party": ctx.payload["party"]},
    )


def _party_deprived_of_liberty(ctx: Context) -> Refusal | None:
    person = ctx.state.person(ctx.payload["party"])
    if person.detained_at is not None or person.custody_from is not None:
        return None
    return Refusal(
        "not_deprived_of_liberty",
        gettext_noop("The person is neither detained nor in custody."),
        "133",
        {"party": ctx.payload["party"]},
    )


def _party_in_custody(ctx: Context) -> Refusal | None:
    if ctx.state.person(ctx.payload["party"]).custody_from is not None:
        return None
    return Refusal(
        "not_in_custody",
        gettext_noop("The person is not in custody."),
        "151",
        {"party": ctx.payload["party"]},
    )


def _detained_before_act(ctx: Context) -> Refusal | None:
    if moment(ctx.payload["detained_at"]) <= ctx.at:
        return None
    return Refusal(
        "detained_after_protocol",
        gettext_noop("The actual time of detention cannot be later than the protocol."),
        "131(2)",
    )


def _minor_stated_correctly(ctx: Context) -> Refusal | None:
    minor = is_minor(ctx.payload["party"], moment(ctx.payload["detained_at"]).date())
    if bool(ctx.payload.get("minor", False)) == minor:
        return None
    return Refusal(
        "minor_mismatch",
        gettext_noop("Whether the detained person is a minor does not match their IIN."),
        "131(4)",
        {"party": ctx.payload["party"]},
    )


def _has_suspect(ctx: Context) -> Refusal | None:
    if any(p.status in ("suspect", "accused") for p in ctx.state.persons.values()):
        return None
    return Refusal("no_suspect", gettext_noop("The case has no suspect."), "64")


def _no_minor_suspect(ctx: Context) -> Refusal | None:
    if not any(p.minor for p in ctx.state.suspects()):
        return None
    return Refusal(
        "minor_suspect", gettext_noop("Not allowed when a suspect is a minor."), "190(6), 629-1(3)"
    )


def _no_detained_suspect(ctx: Context) -> Refusal | None:
    if not any(p.detained_at for p in ctx.state.persons.values()):
        return None
    return Refusal(
        "suspect_detained",
        gettext_noop("A detained person must be released or taken into custody first."),
        "131(4)",
    )


def _covert_request(ctx: Context, *statuses: str) -> Refusal | None:
    covert = ctx.state.covert.get(int(ctx.payload["covert"]))
    if covert is not None and covert.status in statuses:
        return None
    return Refusal(
        "covert_state",
        gettext_noop("No covert action of this case is in a state that allows this act."),
        "236",
        {"covert": ctx.payload["covert"], "expected": list(statuses)},
    )


def _covert_running(ctx: Context) -> Refusal | None:
    return _covert_request(ctx, "running")


def _covert_ended(ctx: Context) -> Refusal | None:
    return _covert_request(ctx, "ended")


def _a_year_after(moment_: datetime) -> datetime:
    """The same moment a year later (29 February: 28 February of the next year)."""
    day = add_months(moment_.date(), 12)
    return moment_ + (day - moment_.date())


def _notice_within_a_year(ctx: Context) -> Refusal | None:
    """The judge may put the notice off to a year after the final decision at most."""
    decided = ctx.state.final_decision_at
    until = moment(ctx.payload["until"])
    if decided is not None and ctx.at < until <= _a_year_after(decided):
        return None
    return Refusal(
        "notice_beyond_a_year",
        gettext_noop(
            "The notice to the person may be put off to a year after the final decision at "
            "most, and to a moment still to come."
        ),
        "240(1-1)",
        {"until": str(ctx.payload["until"])},
    )


def _covert_item(ctx: Context) -> Refusal | None:
    if 1 <= int(ctx.payload["item"]) <= 10:
        return None
    return Refusal(
        "covert_item", gettext_noop("Art. 231(1) lists covert actions 1 to 10."), "231(1)"
    )


def _final_decision_made(ctx: Context) -> Refusal | None:
    if ctx.state.final_decision_at is not None:
        return None
    return Refusal(
        "no_final_decision",
        gettext_noop("The target is notified after the final decision in the case."),
        "240(1-1)",
    )


def _qualified(ctx: Context) -> Refusal | None:
    if ctx.state.category:
        return None
    return Refusal("not_qualified", gettext_noop("The offence has not been qualified yet."), "204")


def _windows_elapsed(ctx: Context) -> Refusal | None:
    open_windows = [c for c in ctx.state.open_clocks() if c.window and c.due_at > ctx.at]
    if not open_windows:
        return None
    return Refusal(
        "window_open",
        gettext_noop("The period for appeals or objections has not ended yet."),
        "418(1), 629-6",
        {"ends": min(c.due_at for c in open_windows).isoformat()},
    )


def _instruction_open(ctx: Context) -> Refusal | None:
    subject = str(ctx.payload["instruction"])
    if any(c.rule == "X-INSTRUCTION" and c.subject == subject for c in ctx.state.open_clocks()):
        return None
    return Refusal(
        "no_open_instruction",
        gettext_noop("No instruction of the prosecutor with this number awaits being carried out."),
        "193",
        {"instruction": ctx.payload["instruction"]},
    )


def _any_instruction_open(ctx: Context) -> Refusal | None:
    if any(c.rule == "X-INSTRUCTION" for c in ctx.state.open_clocks()):
        return None
    return Refusal(
        "no_open_instruction",
        gettext_noop("No instruction of the prosecutor awaits being carried out."),
        "193",
    )


# --- the defence (arts 66-70, 99-100, 106) --------------------------------------------------------

# The procedural positions a defender takes part for (arts 64-67): a suspect (while the
# prosecutor's agreement is awaited too), an accused, a convicted or an acquitted person.
DEFENDED = frozenset({"suspect_pending", "suspect", "accused", "convicted", "acquitted"})


def _party_may_be_defended(ctx: Context) -> Refusal | None:
    if ctx.state.person(ctx.payload["party"]).status in DEFENDED:
        return None
    return Refusal(
        "not_defendable",
        gettext_noop("A defender takes part for a suspect, an accused or a convicted person."),
        "66, 67",
        {"party": ctx.payload["party"]},
    )


def _open_clock_of(ctx: Context, rule: str, field: str) -> bool:
    subject = str(ctx.payload[field])
    return any(c.rule == rule and c.subject == subject for c in ctx.state.open_clocks())


def _motion_open(ctx: Context) -> Refusal | None:
    if _open_clock_of(ctx, "R67", "motion"):
        return None
    return Refusal(
        "no_open_motion",
        gettext_noop("No motion with this number awaits a decision."),
        "99(4)",
        {"motion": ctx.payload["motion"]},
    )


def _reasons_if_refused(ctx: Context) -> Refusal | None:
    if ctx.payload.get("outcome") != "refused" or str(ctx.payload.get("reasons") or "").strip():
        return None
    return Refusal("reasons_required", gettext_noop("A refusal must give reasons."), "100")


def _motion_complainable(ctx: Context) -> Refusal | None:
    """Art. 70(3), 106(5): against a refusal, within the 15 days of its window (R69); or when
    the motion was not decided within its 3 days (R67)."""
    subject = str(ctx.payload["motion"])
    for c in ctx.state.open_clocks():
        if c.subject != subject:
            continue
        if (c.rule == "R69" and ctx.at < c.due_at) or (c.rule == "R67" and c.due_at <= ctx.at):
            return None
    return Refusal(
        "motion_not_complainable",
        gettext_noop(
            "A complaint lies against a motion refused in the last 15 days, or not decided "
            "within 3 days."
        ),
        "70(3), 106(5)",
        {"motion": ctx.payload["motion"]},
    )


def _evidence_pending(ctx: Context) -> Refusal | None:
    if _open_clock_of(ctx, "X-DEFENCE-EVIDENCE", "evidence"):
        return None
    return Refusal(
        "no_pending_evidence",
        gettext_noop("No evidence of the defence with this number awaits being attached."),
        "70(2)(2)",
        {"evidence": ctx.payload["evidence"]},
    )


PREDICATES: dict[str, Predicate] = {
    "instruction_open": _instruction_open,
    "windows_elapsed": _windows_elapsed,
    "party_is_suspect": _party_is_suspect,
    "party_not_suspect": _party_not_suspect,
    "party_detained": _party_detained,
    "party_at_liberty": _party_at_liberty,
    "party_deprived_of_liberty": _party_deprived_of_liberty,
    "party_in_custody": _party_in_custody,
    "detained_before_act": _detained_before_act,
    "minor_stated_correctly": _minor_stated_correctly,
    "has_suspect": _has_suspect,
    "no_minor_suspect": _no_minor_suspect,
    "no_detained_suspect": _no_detained_suspect,
    "covert_running": _covert_running,
    "covert_ended": _covert_ended,
    "covert_item": _covert_item,
    "final_decision_made": _final_decision_made,
    "notice_within_a_year": _notice_within_a_year,
    "qualified": _qualified,
    "party_may_be_defended": _party_may_be_defended,
    "motion_open": _motion_open,
    "reasons_if_refused": _reasons_if_refused,
    "motion_complainable": _motion_complainable,
    "evidence_pending": _evidence_pending,
}


# --- effects ------------------------------------------------------------------------------------


def _register(state: ProcState, ctx: Context) -> ProcState:
    state = replace(state, registered_at=ctx.at, body=ctx.body)
    return _qualified_as(state, ctx.payload["qualification"])


def _qualify(state: ProcState, ctx: Context) -> ProcState:
    return _qualified_as(state, ctx.payload)


def _qualified_as(state: ProcState, q: Mapping[str, Any]) -> ProcState:
    fields = ("article", "part", "paragraph", "offence_category")
    return replace(state, qualification={name: str(q.get(name) or "") for name in fields})


def _set_form(state: ProcState, ctx: Context) -> ProcState:
    return replace(state, form=ctx.payload["form"])


def _transfer(state: ProcState, ctx: Context) -> ProcState:
    return replace(state, body=ctx.body)


def _accelerate(state: ProcState, ctx: Context) -> ProcState:
    return replace(state, accelerated=True)


def _status(status: str) -> Effect:
    def effect(state: ProcState, ctx: Context) -> ProcState:
        person = state.person(ctx.payload["party"])
        return state.with_person(
            replace(person, status=status, minor=is_minor(person.party, ctx.at.date()))
        )

    return effect


def _unsuspect(state: ProcState, ctx: Context) -> ProcState:
    """Recognition refused (202(1-2)): the person is no longer a suspect and an interrogation
    done on the urgent route is inadmissible."""
    person = state.person(ctx.payload["party"])
    spoiled = (person.interrogated_seq,) if person.interrogated_seq else ()
    return state.with_person(
        replace(person, status="none", inadmissible=(*person.inadmissible, *spoiled))
    )


def _interrogated(state: ProcState, ctx: Context) -> ProcState:
    return state.with_person(replace(state.person(ctx.payload["party"]), interrogated_seq=ctx.seq))


def _detain(state: ProcState, ctx: Context) -> ProcState:
    detained_at = moment(ctx.payload["detained_at"])
    person = state.person(ctx.payload["party"])
    return state.with_person(
        replace(
            person,
            status="suspect" if person.status == "none" else person.status,
            detained_at=detained_at,
            minor=is_minor(person.party, detained_at.date()),
        )
    )


def _release(state: ProcState, ctx: Context) -> ProcState:
    person = state.person(ctx.payload["party"])
    return state.with_person(
        replace(person, detained_at=None, custody_from=None, custody_until=None)
    )


def _custody(state: ProcState, ctx: Context) -> ProcState:
    # `custody_from` marks custody; `custody_until` is the end the judge set, None when the
    # sanction states none (the statutory maximum, clock R44, applies).
    person = state.person(ctx.payload["party"])
    until = ctx.payload.get("until")
    return state.with_person(
        replace(
            person,
            detained_at=None,
            custody_from=person.custody_from or person.detained_at or ctx.at,
            custody_until=moment(until) if until else person.custody_until,
        )
    )


def _custody_extended(state: ProcState, ctx: Context) -> ProcState:
    # An extension granted after the person was released is moot: it does not take them back.
    person = state.person(ctx.payload["party"])
    if person.custody_from is None:
        return state
    return state.with_person(replace(person, custody_until=moment(ctx.payload["until"])))


def _covert_open(state: ProcState, ctx: Context) -> ProcState:
    covert = Covert(seq=ctx.seq, item=int(ctx.payload["item"]), target=ctx.payload["target"])
    return replace(state, covert={**state.covert, ctx.seq: covert})


def _covert_set(state: ProcState, seq: int, **changes: Any) -> ProcState:
    return replace(state, covert={**state.covert, seq: replace(state.covert[seq], **changes)})


def _covert_start(state: ProcState, ctx: Context) -> ProcState:
    # On a granted request the event payload is the request's own, with the request's seq.
    seq = int(ctx.payload.get("covert", ctx.payload.get("request", ctx.seq)))
    if state.covert[seq].status not in ("requested", "running"):
        return state  # an extension granted after the action ended is moot
    until = ctx.payload.get("until")  # none stated: the statutory 30 days (clock R62)
    return _covert_set(state, seq, status="running", until=moment(until) if until else None)


def _covert_refuse(state: ProcState, ctx: Context) -> ProcState:
    return _covert_set(state, int(ctx.payload["request"]), status="refused")


def _covert_end(state: ProcState, ctx: Context) -> ProcState:
    return _covert_set(state, int(ctx.payload["covert"]), status="ended", ended_at=ctx.at)


def _covert_notified(state: ProcState, ctx: Context) -> ProcState:
    return _covert_set(state, int(ctx.payload["covert"]), status="notified")


def _accuse(state: ProcState, ctx: Context) -> ProcState:
    persons = {
        party: replace(p, status="accused") if p.status == "suspect" else p
        for party, p in state.persons.items()
    }
    return replace(state, persons=persons)


def _verdict(state: ProcState, ctx: Context) -> ProcState:
    """The verdict: the accused convicted with the sentence it states (a writ verdict: a fine),
    or acquitted and released from custody at once (470(5))."""
    if ctx.payload.get("outcome", "conviction") != "conviction":
        return _acquitted(state, ("accused", "suspect"))
    persons = {
        party: replace(p, status="convicted", detained_at=None)
        if p.status in ("accused", "suspect")
        else p
        for party, p in state.persons.items()
    }
    sentence = {"punishment": "fine", **sentence_of(ctx.payload)}
    return replace(state, persons=persons, sentence=sentence)


def _acquitted(state: ProcState, statuses: tuple[str, ...]) -> ProcState:
    persons = {
        party: replace(
            p, status="acquitted", detained_at=None, custody_from=None, custody_until=None
        )
        if p.status in statuses
        else p
        for party, p in state.persons.items()
    }
    return replace(state, persons=persons, sentence={})


def _final_decision(state: ProcState, ctx: Context) -> ProcState:
    # On a granted request (a termination approved) the decision is the request's act.
    seq = int(ctx.payload.get("request", ctx.seq))
    return replace(state, final_decision_at=ctx.at, final_decision_seq=seq)


def _end_measures(state: ProcState, ctx: Context) -> ProcState:
    persons = {
        party: replace(
            p,
            status="none" if p.status != "none" else p.status,
            detained_at=None,
            custody_from=None,
            custody_until=None,
        )
        for party, p in state.persons.items()
    }
    return replace(state, persons=persons)


def _reopen(state: ProcState, ctx: Context) -> ProcState:
    """A termination cancelled (192(7)): the case has no final decision any more, and the
    termination is marked as annulled by this act."""
    annulled = dict(state.annulled)
    if state.final_decision_seq is not None:
        annulled[state.final_decision_seq] = ctx.seq
    return replace(state, final_decision_at=None, final_decision_seq=None, annulled=annulled)


EFFECTS: dict[str, Effect] = {
    "reopen": _reopen,
    "register": _register,
    "qualify": _qualify,
    "set_form": _set_form,
    "transfer": _transfer,
    "accelerate": _accelerate,
    "suspect_pending": _status("suspect_pending"),
    "suspect": _status("suspect"),
    "unsuspect": _unsuspect,
    "interrogated": _interrogated,
    "detain": _detain,
    "release": _release,
    "custody": _custody,
    "custody_extended": _custody_extended,
    "covert_open": _covert_open,
    "covert_start": _covert_start,
    "covert_refuse": _covert_refuse,
    "covert_end": _covert_end,
    "covert_notified": _covert_notified,
    "accuse": _accuse,
    "verdict": _verdict,
    "final_decision": _final_decision,
    "end_measures": _end_measures,
}


def person_of(state: ProcState, party: str) -> Person:
    return state.person(party)


# --- the same checks without a payload ------------------------------------------------------
# For listing the acts a user may perform now: an act about a person is offered only when some
# person of the case is in the state it needs (somebody detained, for a release).


def _anyone(test: Callable[[Person], bool], refusal: Refusal) -> Predicate:
    def check(ctx: Context) -> Refusal | None:
        return None if any(test(p) for p in ctx.state.persons.values()) else refusal

    return check


def _any_covert(status: str) -> Predicate:
    def check(ctx: Context) -> Refusal | None:
        if any(c.status == status for c in ctx.state.covert.values()):
            return None
        return Refusal(
            "covert_state", gettext_noop("No covert action of this case allows this act."), "236"
        )

    return check


def _any_clock(rule: str, refusal: Refusal) -> Predicate:
    def check(ctx: Context) -> Refusal | None:
        return None if any(c.rule == rule for c in ctx.state.open_clocks()) else refusal

    return check


GENERAL: dict[str, Predicate] = {
    "instruction_open": _any_instruction_open,
    "party_is_suspect": _anyone(
        lambda p: p.status in ("suspect", "accused"),
        Refusal("no_suspect", gettext_noop("The case has no suspect."), "64"),
    ),
    "party_detained": _anyone(
        lambda p: p.detained_at is not None,
        Refusal("not_detained", gettext_noop("Nobody in the case is detained."), "131"),
    ),
    "party_deprived_of_liberty": _anyone(
        lambda p: p.detained_at is not None or p.custody_until is not None,
        Refusal(
            "not_deprived_of_liberty",
            gettext_noop("Nobody in the case is detained or in custody."),
            "133",
        ),
    ),
    "party_in_custody": _anyone(
        lambda p: p.custody_until is not None,
        Refusal("not_in_custody", gettext_noop("Nobody in the case is in custody."), "151"),
    ),
    "covert_running": _any_covert("running"),
    "covert_ended": _any_covert("ended"),
    "has_suspect": _has_suspect,
    "no_minor_suspect": _no_minor_suspect,
    "no_detained_suspect": _no_detained_suspect,
    "final_decision_made": _final_decision_made,
    "windows_elapsed": _windows_elapsed,
    "qualified": _qualified,
    "party_may_be_defended": _anyone(
        lambda p: p.status in DEFENDED,
        Refusal("no_suspect", gettext_noop("The case has no suspect."), "64"),
    ),
    "motion_open": _any_clock(
        "R67", Refusal("no_open_motion", gettext_noop("No motion awaits a decision."), "99(4)")
    ),
    "evidence_pending": _any_clock(
        "X-DEFENCE-EVIDENCE",
        Refusal(
            "no_pending_evidence",
            gettext_noop("No evidence of the defence awaits being attached."),
            "70(2)(2)",
        ),
    ),
}


# --- annulment by the prosecutor (art. 193) and the court's sentence (arts 392-394, 470) ---------
# Registered into the tables above here, so that this section stays in one place.

# The measure each punishment is stated in (Criminal Code arts 40-48): one of these fields. The
# unit of correctional work (months or monthly calculation indices) is not settled: either.
MEASURES: dict[str, tuple[str, ...]] = {
    "imprisonment": ("term_months",),
    "restriction_of_liberty": ("term_months",),
    "deprivation_of_right": ("term_months",),
    "correctional_work": ("term_months", "fine_mrp"),
    "community_work": ("term_hours",),
    "arrest": ("term_days",),
    "fine": ("fine_mrp",),
}
SENTENCE_FIELDS = ("punishment", "term_months", "term_days", "term_hours", "fine_mrp")
# Outcomes of a verdict or an appeal decision that state a (new) sentence.
SENTENCING = frozenset({"conviction", "changed"})


def sentence_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The sentence fields a verdict, an appeal decision or an execution order states."""
    return {name: payload[name] for name in SENTENCE_FIELDS if payload.get(name) is not None}


def _ruling_in_force(ctx: Context) -> Refusal | None:
    seq = int(ctx.payload["act"])
    annulled_by = ctx.state.annulled.get(seq)
    if annulled_by is not None:
        return Refusal(
            "already_annulled",
            gettext_noop("This act has already been annulled."),
            "193",
            {"act": seq, "annulled_by": annulled_by},
        )
    if seq in ctx.state.rulings:
        return None
    if seq == ctx.state.final_decision_seq and ctx.state.stage == "terminated":
        return Refusal(
            "not_annullable",
            gettext_noop(
                "A termination is annulled by the prosecutor's cancellation of the termination."
            ),
            "193, 192(7)",
            {"act": seq, "instead": "termination_cancelled"},
        )
    return Refusal(
        "not_annullable",
        gettext_noop("This act is not a decision that the prosecutor may annul."),
        "193",
        {"act": seq},
    )


def _any_ruling_in_force(ctx: Context) -> Refusal | None:
    if any(seq not in ctx.state.annulled for seq in ctx.state.rulings):
        return None
    return Refusal(
        "nothing_to_annul", gettext_noop("No decision of the case may be annulled."), "193"
    )


def _ruling_party_suspect(ctx: Context) -> Refusal | None:
    if ctx.state.person(ctx.payload["party"]).status == "suspect":
        return None
    return Refusal(
        "not_in_force",
        gettext_noop("The person is no longer a suspect by this recognition."),
        "202",
        {"party": ctx.payload["party"]},
    )


def _ruling_party_at_liberty(ctx: Context) -> Refusal | None:
    person = ctx.state.person(ctx.payload["party"])
    if person.detained_at is None and person.custody_from is None:
        return None
    return Refusal(
        "deprived_of_liberty",
        gettext_noop("The person is detained or in custody: release them first."),
        "133",
        {"party": ctx.payload["party"]},
    )


def _ruling_is_refusal(ctx: Context) -> Refusal | None:
    if ctx.payload.get("outcome") == "refused":
        return None
    return Refusal(
        "not_annullable",
        gettext_noop("Only a refusal of a motion is annulled; a granted motion stands."),
        "193",
        {"act": ctx.payload["act"]},
    )


def _window_running(ctx: Context) -> Refusal | None:
    """The period the final decision opened for objections and appeals (418(1), 629-6(2)) has
    not ended."""
    final = ctx.state.final_decision_seq  # None in states stored before it was kept: any window
    windows = [c for c in ctx.state.open_clocks() if c.window and final in (None, c.started_seq)]
    if any(ctx.at < c.due_at for c in windows):
        return None
    ended = max((c.due_at for c in windows), default=None)
    return Refusal(
        "window_closed",
        gettext_noop("The period for appeals or objections has ended."),
        "418(1), 629-6(2)",
        {"ended": ended.isoformat()} if ended else {},
    )


def _sentence_stated(ctx: Context) -> Refusal | None:
    """A conviction (or an appeal decision changing the sentence) states its punishment in its
    measure; an acquittal, an upheld or quashed verdict states none."""
    stated = sentence_of(ctx.payload)
    if ctx.payload.get("outcome") not in SENTENCING:
        if not stated:
            return None
        return Refusal(
            "punishment_not_allowed",
            gettext_noop("Only a conviction, or a changed sentence, states a punishment."),
            "392–394",
            {"fields": sorted(stated)},
        )
    punishment = stated.get("punishment")
    if punishment is None:
        return Refusal(
            "punishment_required",
            gettext_noop("A conviction states the punishment."),
            "394",
        )
    needed = MEASURES.get(punishment, ())
    if needed and not any(name in stated for name in needed):
        return Refusal(
            "measure_required",
            gettext_noop("The punishment needs its term or amount."),
            "394",
            {"punishment": punishment, "one_of": list(needed)},
        )
    return None


def _sentence_to_execute(ctx: Context) -> Refusal | None:
    sentence = ctx.state.sentence
    if not sentence:
        return Refusal(
            "no_sentence",
            gettext_noop("There is no sentence in force to execute."),
            "470",
        )
    ordered = sentence_of(ctx.payload)
    if any(sentence.get(name) != value for name, value in ordered.items()):
        return Refusal(
            "sentence_mismatch",
            gettext_noop("The execution order must execute the sentence in force."),
            "470(3)",
            {"sentence": dict(sentence)},
        )
    return None


def _any_sentence(ctx: Context) -> Refusal | None:
    if ctx.state.sentence:
        return None
    return Refusal("no_sentence", gettext_noop("There is no sentence in force to execute."), "470")


def _nothing_to_execute(ctx: Context) -> Refusal | None:
    if not ctx.state.sentence:
        return None
    return Refusal(
        "sentence_to_execute",
        gettext_noop("The sentence in force is executed first: issue the execution order."),
        "46, 470",
    )


def _trial_notice_elapsed(ctx: Context) -> Refusal | None:
    notice = [c for c in ctx.state.open_clocks() if c.rule == "R78N" and ctx.at < c.due_at]
    if not notice:
        return None
    return Refusal(
        "trial_too_early",
        gettext_noop("The trial opens no earlier than 3 days after the parties were notified."),
        "322(4)",
        {"earliest": notice[0].due_at.isoformat()},
    )


def _exception_reasoned(ctx: Context) -> Refusal | None:
    if not ctx.payload.get("exceptional") or str(ctx.payload.get("reasons") or "").strip():
        return None
    return Refusal(
        "reasons_required",
        gettext_noop("Opening the trial later than 15 days must give reasons."),
        "322(4)",
    )


# The outer term of the trial's opening (322(4), R78X); the clocks themselves say more precisely.
HEARING_HORIZON = timedelta(days=30)


def _hearing_ahead(ctx: Context) -> Refusal | None:
    """A hearing the order names is after the order and within the trial's outer term."""
    value = ctx.payload.get("hearing_at")
    if not value:
        return None
    hearing = moment(value)
    if ctx.at < hearing <= ctx.at + HEARING_HORIZON:
        return None
    return Refusal(
        "hearing_out_of_term",
        gettext_noop("The hearing is set after the order and no later than 30 days from it."),
        "322(4)",
        {"hearing_at": hearing.isoformat()},
    )


def _appeal_outcome(state: ProcState, ctx: Context) -> ProcState:
    """The appeal court's decision in force: a changed sentence replaces the old one; an
    acquittal releases the convicted person (470(5)); an upheld verdict stands as it is."""
    outcome = ctx.payload.get("outcome")
    if outcome == "changed":
        return replace(state, sentence={**state.sentence, **sentence_of(ctx.payload)})
    if outcome == "acquitted":
        return _acquitted(state, ("convicted",))
    return state


def _retrial(state: ProcState, ctx: Context) -> ProcState:
    """The verdict quashed and the case sent for a new trial: the convicted or acquitted are
    accused again and the case has no final decision."""
    persons = {
        party: replace(p, status="accused") if p.status in ("convicted", "acquitted") else p
        for party, p in state.persons.items()
    }
    return replace(
        state, persons=persons, sentence={}, final_decision_at=None, final_decision_seq=None
    )


PREDICATES.update(
    {
        "ruling_in_force": _ruling_in_force,
        "ruling_party_suspect": _ruling_party_suspect,
        "ruling_party_at_liberty": _ruling_party_at_liberty,
        "ruling_is_refusal": _ruling_is_refusal,
        "window_running": _window_running,
        "sentence_stated": _sentence_stated,
        "sentence_to_execute": _sentence_to_execute,
        "nothing_to_execute": _nothing_to_execute,
        "trial_notice_elapsed": _trial_notice_elapsed,
        "exception_reasoned": _exception_reasoned,
        "hearing_ahead": _hearing_ahead,
    }
)
EFFECTS.update({"appeal_outcome": _appeal_outcome, "retrial": _retrial})
GENERAL.update(
    {
        "ruling_in_force": _any_ruling_in_force,
        "window_running": _window_running,
        "sentence_to_execute": _any_sentence,
        "nothing_to_execute": _nothing_to_execute,
        "trial_notice_elapsed": _trial_notice_elapsed,
    }
)
