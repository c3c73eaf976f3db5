"""The procedure pack the product runs on, and the sentences that explain its clocks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tergeu import clock
from tergeu.cases.projection import ActFacts, CaseState, apply
from tergeu.errors import AppError
from tergeu.procedure.engine import Awaiting, Proposal, Verdict, evaluate
from tergeu.procedure.engine import awaiting as engine_awaiting
from tergeu.procedure.pack import DeadlineRule, Pack, Term, load_pack
from tergeu.procedure.rules import Refusal
from tergeu.procedure.state import Clock, ProcState
from tergeu.procedure.terms import Unit

# How long before its end a deadline counts as "due soon": a quarter of its term, at least
# 30 minutes and at most 3 days.
WARN_MIN = timedelta(minutes=30)
WARN_MAX = timedelta(days=3)


@cache
def pack() -> Pack:
    """The Kazakhstan pack (procedure/packs/kz), read and validated once per process, with the
    service level of "immediately" from the settings."""
    loaded = load_pack()
    hours: int = settings.TERGEU_IMMEDIATELY_HOURS
    return replace(loaded, immediately_hours=hours)


def compartment_place(kind: str) -> str:
    """Where an act of `kind` is recorded: "opens" a covert compartment, "inside" one, or ""
    (the case's own journal)."""
    versions = pack().acts.get(kind, ())
    return versions[0].compartment if versions else ""


def rule_of(clock_: Clock) -> DeadlineRule:
    """The rule version that started `clock_` (ADR 0003: it keeps the version of its day)."""
    rule = pack().deadline_version(clock_.rule, clock_.version)
    assert rule is not None  # a clock's rule is in the pack
    return rule


def warn_at(started: datetime, due: datetime) -> datetime:
    lead = min(max((due - started) / 4, WARN_MIN), WARN_MAX)
    return due - lead


def explain(rule: DeadlineRule, anchor: datetime, due: datetime, subject: str = "") -> str:
    """One sentence: what ends when, counted how, by which article in which version, e.g.
    "Release the detained person unless the court has ordered custody: ends 30.11.2026 14:05 —
    48 hours from 28.11.2026 14:05 (liberty term: from the actual minute), CPC art. 131(4), 133(2)
    as in force since 01.01.2018." """
    zone = clock.legal_zone()
    if rule.term.immediately:
        term = _("immediately (service level %(hours)s h)") % {"hours": pack().immediately_hours}
    elif rule.before:
        term = _("%(term)s before the end of %(rules)s") % {
            "term": term_words(rule.term),
            "rules": ", ".join(rule.before),
        }
    else:
        term = _("%(term)s from %(moment)s") % {
            "term": term_words(rule.term),
            "moment": _stamp(anchor.astimezone(zone)),
        }
    counting = {
        "STANDARD": _("standard term: the first day is not counted, moved off days off"),
        "LIBERTY": _("liberty term: from the actual minute"),
        "HOURS": _("exact hours"),
    }[rule.counting.name]
    sentence = _(
        "%(duty)s: ends %(due)s — %(term)s (%(counting)s), CPC art. %(article)s "
        "as in force since %(since)s."
    ) % {
        "duty": _capitalized(_(rule.duty)),
        "due": _stamp(due.astimezone(zone)),
        "term": term,
        "counting": counting,
        "article": rule.article,
        "since": formats.date_format(rule.window.valid_from, "d.m.Y"),
    }
    if any(law.uncertain for law in pack().laws.values() if law.date == rule.window.valid_from):
        sentence += " " + _("(The date this version took effect is approximate.)")
    return sentence


def term_words(term: Term) -> str:
    """A term as people say it: "48 hours", "1 day", "2 months"."""
    n = term.amount
    if term.unit is Unit.HOURS:
        return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
    if term.unit is Unit.DAYS:
        return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
    return ngettext("%(n)d month", "%(n)d months", n) % {"n": n}


def _capitalized(text: str) -> str:
    """The first letter upper-case, the rest as written (str.capitalize lowers proper names)."""
    return text[:1].upper() + text[1:]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%d.%m.%Y %H:%M")


def proposal_for(
    old: CaseState,
    facts: ActFacts,
    *,
    at: datetime,
    roles: tuple[str, ...],
    agency_kinds: Mapping[int, str],
) -> Proposal:
    """The engine's view of an act on a case in state `old`. The investigating body is the
    kind of the unit the case is with (or goes to, for a registration or a transfer)."""
    payload = facts.payload
    unit = payload.get("to_unit_id") or payload.get("investigation_unit_id")
    unit = unit or old.investigation_unit_id
    body = agency_kinds.get(unit, "") if unit else ""
    return Proposal(facts.kind, roles, payload, at, facts.seq, body)


def advance(
    old: CaseState,
    facts: ActFacts,
    *,
    at: datetime,
    roles: tuple[str, ...],
    agency_kinds: Mapping[int, str],
) -> tuple[Verdict, CaseState]:
    """Judge one act and, when accepted, the case after it (the old state when refused)."""
    proposal = proposal_for(old, facts, at=at, roles=roles, agency_kinds=agency_kinds)
    verdict = evaluate(pack(), old.procedure, proposal)
    if not verdict.accepted:
        return verdict, old
    return verdict, apply(old, replace(facts, actor_role=verdict.capacity), verdict.state)


def agency_kinds(ids: Iterable[int | None] | None = None) -> dict[int, str]:
    """The kind of each agency in `ids` (all agencies — a few thousand rows — when None)."""
    from tergeu.accounts.models import Agency

    agencies = Agency.objects.all()
    if ids is not None:
        agencies = agencies.filter(pk__in={pk for pk in ids if pk})
    return dict(agencies.values_list("pk", "kind"))


REFUSAL_STATUS = {"role_not_allowed": 403, "payload_missing": 422, "payload_type": 422}


def refusal(reasons: Sequence[Refusal]) -> AppError:
    """One error carrying every reason an act was refused; the status is the most telling:
    403 when the role is wrong, 422 when the input is, 409 when the case's state forbids it."""
    statuses = {REFUSAL_STATUS.get(r.code, 409) for r in reasons}
    status = 403 if 403 in statuses else 422 if 422 in statuses else 409
    listed = [reason_dict(r) for r in reasons]
    if len(reasons) == 1:
        first = listed[0]
        return AppError(
            first["message"],
            code=first["code"],
            status=status,
            details={**first["details"], "reasons": listed},
        )
    return AppError(
        _("The act is refused: %(count)d reasons.") % {"count": len(reasons)},
        code="act_refused",
        status=status,
        details={"reasons": listed},
    )


def reason_dict(reason: Refusal) -> dict[str, Any]:
    return {
        "code": reason.code,
        "message": _(reason.message),
        "article": reason.article,
        "details": dict(reason.details or {}),
    }


def deadline_explain(deadline: Any) -> str:
    """The explanation sentence of a `Deadline` row (a case clock); the translated duty for the
    clocks of crime reports, which are not the engine's."""
    rule = pack().deadline_version(deadline.rule, deadline.in_force_since)
    if rule is None:
        return _capitalized(_(deadline.duty))
    return explain(rule, deadline.anchor_at or deadline.started_at, deadline.due_at)


def awaiting(state: ProcState) -> list[Awaiting]:
    """What awaits whom in a case (see `procedure.engine.awaiting`)."""
    return engine_awaiting(pack(), state)
