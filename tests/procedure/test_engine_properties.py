"""Properties of the engine over random journals: random act kinds of the pack proposed by random
(mostly competent) roles, with plausible payloads drawn from a small pool, at increasing moments
between 2016 and 2028. Whatever is proposed, the engine never fails, its state stays within the
pack's vocabulary, a refusal changes nothing, and the state is the fold of the accepted acts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tergeu.procedure.engine import DECISION, Proposal, Verdict, evaluate, fold
from tergeu.procedure.pack import ActRule
from tergeu.procedure.state import ProcState, from_json, is_minor, to_json
from tests.procedure.helpers import ADULT, MINOR_2026, OTHER, PACK, ZONE, opening

KINDS = sorted(PACK.acts)
ROLES = sorted(PACK.roles)
PARTIES = [ADULT, OTHER, MINOR_2026]
TEXTS = {
    "form": [*PACK.forms, "summary"],
    "route": ["trial", "preliminary_hearing"],
    "matter": ["search", "property_arrest", "suspension", "exhumation"],
    "outcome": ["conviction", "acquittal"],
}
ARTICLES = ["188", "366", "190"]
PROPERTIES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Journal:
    """The case as the random proposals leave it."""

    def __init__(self, start: datetime) -> None:
        self.state = ProcState()
        self.now = start
        self.accepted: list[Proposal] = []

    def propose(self, kind: str, roles: tuple[str, ...], payload: dict[str, Any]) -> Verdict:
        proposal = Proposal(kind, roles, payload, self.now, len(self.accepted) + 1, "police")
        before = self.state
        verdict = evaluate(PACK, before, proposal)
        if verdict.accepted:
            self.accepted.append(proposal)
            self.state = verdict.state
        else:
            assert verdict.reasons
            assert verdict.state is before  # (3) a refusal changes nothing
            assert verdict.changes == ()
            assert verdict.awaiting == ()
            assert verdict.notices == ()
        return verdict


def rule_of(kind: str, journal: Journal) -> ActRule:
    day = journal.now.date()
    versions = PACK.acts[kind]
    return next((v for v in versions if v.window.covers(day)), versions[-1])


def value(data: st.DataObject, journal: Journal, name: str, kind: str) -> Any:
    """A plausible value for a payload field of the declared type."""
    now = journal.now
    if kind == "party":
        return data.draw(st.sampled_from(PARTIES))
    if kind == "datetime":
        # Facts (the actual detention, an urgent search) lie behind, terms (until) ahead.
        hours = data.draw(st.integers(-30, 0) if name != "until" else st.integers(-2, 24 * 70))
        return (now + timedelta(hours=hours)).isoformat()
    if kind == "date":
        return now.date().isoformat()
    if kind == "bool":
        return data.draw(st.booleans())
    if kind == "int":
        return data.draw(st.integers(1, 12))
    if kind == "seq":
        known = sorted({*journal.state.requests, *journal.state.covert}) or [1]
        return data.draw(st.sampled_from([*known, 1, 99]))
    if kind == "category":
        return data.draw(st.sampled_from(sorted(PACK.categories)))
    if kind == "article":
        category = data.draw(st.sampled_from(sorted(PACK.categories)))
        return {"article": data.draw(st.sampled_from(ARTICLES)), "offence_category": category}
    if name in TEXTS:
        return data.draw(st.sampled_from(TEXTS[name]))
    if name == "article":
        return data.draw(st.sampled_from(ARTICLES))
    return "text"


def act_proposal(
    data: st.DataObject, journal: Journal
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """Mostly an act the current stage allows, by a role that may perform it."""
    stage = journal.state.stage
    here = [k for k in KINDS if stage in (rule_of(k, journal).stages or {""})]
    staged = bool(here) and data.draw(st.integers(0, 4)) > 0
    kind = data.draw(st.sampled_from(here if staged else KINDS))
    rule = rule_of(kind, journal)
    competent = sorted(rule.performers)
    likely = data.draw(st.integers(0, 4)) > 0
    role = data.draw(st.sampled_from(competent if likely else ROLES))
    payload = {}
    for name, (field_kind, required) in rule.payload.items():
        if required or data.draw(st.booleans()):
            payload[name] = value(data, journal, name, field_kind)
    if "minor" in payload and "party" in payload and likely:
        payload["minor"] = is_minor(payload["party"], journal.now.date())
    return kind, (role,), payload


def decision_proposal(
    data: st.DataObject, journal: Journal
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    requests = journal.state.requests
    request = data.draw(st.sampled_from([*sorted(requests), 99]))
    roles = ROLES
    if request in requests:
        found = requests[request]
        chain = next(c for c in PACK.chains[found.chain] if c.window.valid_from == found.chain_from)
        roles = sorted(chain.steps[found.step].roles) if data.draw(st.integers(0, 4)) else ROLES
    payload: dict[str, Any] = {
        "request": request,
        "outcome": data.draw(st.sampled_from(["granted", "granted", "refused", "shortened"])),
    }
    if data.draw(st.booleans()):
        payload["reasons"] = "reasons"
    if data.draw(st.booleans()):
        days = data.draw(st.integers(-1, 70))
        payload["until"] = (journal.now + timedelta(days=days)).isoformat()
    return DECISION, (data.draw(st.sampled_from(roles)),), payload


def check_vocabulary(state: ProcState) -> None:
    """(1) Everything in the state is something the pack defines."""
    assert state.stage == "" or state.stage in PACK.stages
    for clock in state.open_clocks():
        assert clock.rule in PACK.deadlines
        assert clock.due_at.tzinfo is not None
    for request in state.requests.values():
        assert request.chain in PACK.chains
        assert request.kind in PACK.acts
    for person in state.persons.values():
        assert person.status in (
            "none",
            "suspect_pending",
            "suspect",
            "accused",
            "convicted",
            "acquitted",
        )


def run(data: st.DataObject, *, opened: bool) -> Journal:
    first, last = datetime(2016, 1, 1, 9, tzinfo=ZONE), datetime(2027, 6, 30, 9, tzinfo=ZONE)
    span = int((last - first).total_seconds() // 60)
    start = first + timedelta(minutes=data.draw(st.integers(0, span)))
    journal = Journal(start)
    if opened:
        form = data.draw(st.sampled_from(sorted(PACK.forms)))
        category = data.draw(st.sampled_from(sorted(PACK.categories)))
        for step in opening(start.strftime("%Y-%m-%d %H:%M"), category=category, form=form):
            assert journal.propose(step.kind, (step.role,), dict(step.payload)).accepted
    for _ in range(data.draw(st.integers(1, 60))):
        journal.now += timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 10)))
        wants_decision = journal.state.requests and data.draw(st.integers(0, 2)) == 0
        kind, roles, payload = (
            decision_proposal(data, journal) if wants_decision else act_proposal(data, journal)
        )
        journal.propose(kind, roles, payload)
        check_vocabulary(journal.state)
    return journal


@PROPERTIES
@given(st.data())
def test_random_journals_of_an_opened_case(data: st.DataObject) -> None:
    journal = run(data, opened=True)
    # (2) the state is the fold of the accepted acts, and survives JSON
    assert fold(PACK, journal.accepted) == journal.state
    assert from_json(to_json(journal.state)) == journal.state


@PROPERTIES
@given(st.data())
def test_random_journals_from_nothing(data: st.DataObject) -> None:
    journal = run(data, opened=False)
    assert fold(PACK, journal.accepted) == journal.state
    assert from_json(to_json(journal.state)) == journal.state
