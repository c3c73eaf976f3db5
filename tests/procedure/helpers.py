"""A small driver for procedure-engine tests: a case that proposes acts one after another.

`Case.act` proposes an act at a moment and, unless told otherwise, asserts that the engine
accepts it; the case keeps the state, the journal numbers and the accepted proposals (so that a
test can fold them again). A script of `Step`s plays a whole opening in one call; `decide` steps
refer to the newest open request unless given a number."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tergeu.procedure.engine import Proposal, Verdict, evaluate
from tergeu.procedure.pack import Pack, load_pack
from tergeu.procedure.state import Clock, ProcState

ZONE = ZoneInfo("Asia/Almaty")
PACK = load_pack()

# Persons, by the birth date their IIN carries (YYMMDD, century digit 3 = 1900s, 5 = 2000s).
ADULT = "iin:900101300123"  # born 1 January 1990
OTHER = "iin:850505300456"  # born 5 May 1985
MINOR_2026 = "iin:100615500123"  # born 15 June 2010: 16 in 2026
MINOR_2017 = "iin:010615500123"  # born 15 June 2001: 16 in 2017, 17 in 2018

NEWEST = -1  # as a payload's "request" or "covert": the newest open request, covert action


def at(text: str) -> datetime:
    """A wall-clock moment in Almaty, e.g. "2026-11-02 10:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE)


def iso(text: str) -> str:
    """The same moment as a payload value (ISO 8601 with the offset)."""
    return at(text).isoformat()


@dataclass(frozen=True)
class Step:
    """One proposed act of a script."""

    kind: str
    role: str
    when: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    accepted: bool = True


def decide(role: str, when: str, outcome: str = "granted", **extra: Any) -> Step:
    """A decision on the newest open request (`request=` to name another)."""
    payload: dict[str, Any] = {"request": NEWEST, "outcome": outcome, **extra}
    if outcome != "granted" and "reasons" not in payload:
        payload["reasons"] = "see the ruling"
    return Step("decision", role, when, payload)


def qualification(category: str, article: str = "188") -> dict[str, Any]:
    return {"article": article, "offence_category": category}


def opening(
    when: str,
    *,
    category: str = "grave",
    form: str = "preliminary",
    article: str = "188",
    accepted_at: str | None = None,
) -> list[Step]:
    """Registration and acceptance into production (the same moment unless told)."""
    return [
        Step(
            "registration",
            "registrar",
            when,
            {
                "register_number": "261234",
                "summary": "theft",
                "qualification": qualification(category, article),
                "investigation_unit_id": 1,
                "supervising_office_id": 2,
            },
        ),
        Step(
            "acceptance", "investigator", accepted_at or when, {"investigator_id": 5, "form": form}
        ),
    ]


def detention(party: str, detained_at: str, when: str, **extra: Any) -> Step:
    payload = {"party": party, "detained_at": iso(detained_at), "minor": False, "grounds": "caught"}
    return Step("detention", "investigator", when, {**payload, **extra})


def suspect(party: str, when: str, *, role: str = "investigator") -> Step:
    return Step("recognition_as_suspect", role, when, {"party": party, "grounds": "evidence"})


class Case:
    """One case driven through the engine."""

    def __init__(self, *, pack: Pack = PACK, body: str = "police") -> None:
        self.pack = pack
        self.body = body
        self.state = ProcState()
        self.seq = 0
        self.proposals: list[Proposal] = []
        self.verdicts: list[Verdict] = []

    def act(
        self,
        kind: str,
        role: str,
        payload: Mapping[str, Any] | None = None,
        when: str | datetime = "",
        *,
        accepted: bool = True,
        roles: tuple[str, ...] = (),
    ) -> Verdict:
        """Propose an act; assert the engine accepts it (or, with `accepted=False`, refuses it)."""
        moment = when if isinstance(when, datetime) else at(when)
        proposal = Proposal(
            kind, roles or (role,), self._resolve(payload or {}), moment, self.seq + 1, self.body
        )
        verdict = evaluate(self.pack, self.state, proposal)
        if accepted:
            assert verdict.accepted, f"{kind} refused: {[r.code for r in verdict.reasons]}"
        else:
            assert not verdict.accepted, f"{kind} accepted"
            assert verdict.state is self.state
        if verdict.accepted:
            self.seq += 1
            self.state = verdict.state
            self.proposals.append(proposal)
        self.verdicts.append(verdict)
        return verdict

    def play(self, steps: Iterable[Step]) -> Verdict | None:
        verdict = None
        for step in steps:
            verdict = self.act(
                step.kind, step.role, step.payload, step.when, accepted=step.accepted
            )
        return verdict

    def refusals(
        self, kind: str, role: str, payload: Mapping[str, Any] | None = None, when: str = ""
    ) -> list[str]:
        """The codes of the reasons the act is refused for (asserting it is refused)."""
        return [r.code for r in self.act(kind, role, payload, when, accepted=False).reasons]

    def decide(self, role: str, when: str, outcome: str = "granted", **extra: Any) -> Verdict:
        step = decide(role, when, outcome, **extra)
        return self.act(step.kind, step.role, step.payload, step.when)

    def newest_request(self) -> int:
        assert self.state.requests, "no request is open"
        return max(self.state.requests)

    def clocks(self, rule: str) -> list[Clock]:
        """The clocks of `rule`, in the order they were started."""
        found = [c for c in self.state.clocks.values() if c.rule == rule]
        return sorted(found, key=lambda c: c.started_seq)

    def clock(self, rule: str, subject: str | None = None) -> Clock:
        """The newest clock of `rule` (about `subject`, when given)."""
        found = [c for c in self.clocks(rule) if subject is None or c.subject == subject]
        assert found, f"no {rule} clock; clocks: {sorted(self.state.clocks)}"
        return found[-1]

    def due(self, rule: str, subject: str | None = None) -> str:
        """The clock's due moment as Almaty wall-clock text, "YYYY-MM-DD HH:MM"."""
        return self.clock(rule, subject).due_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")

    def _resolve(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        resolved = dict(payload)
        if resolved.get("request") == NEWEST:
            resolved["request"] = self.newest_request()
        if resolved.get("covert") == NEWEST:
            resolved["covert"] = max(self.state.covert)
        return resolved
