"""The legal statistics from the journal: a data set built act by act, whose true counts are
known before it is counted, is counted right by every indicator — by the rollups read a piece
at a time as the worker reads them, and by a count from scratch; the same period a year earlier
is compared; covert numbers exist only for those cleared for them; a prosecutor's figures are
their offices' bodies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission

from tergeu import clock
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import Case
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tergeu.registry.services import case_register
from tergeu.statistics import rollup
from tergeu.statistics.models import Fact
from tergeu.statistics.selectors import Filters, Row, table
from tests import flows
from tests.conftest import VALID_IIN_2, World, open_case
from tests.test_covert import Covert
from tests.test_supervision import detain

SUSPECT = f"iin:{VALID_IIN_2}"


def act(case: Case, kind: str, actor: Official, payload: dict[str, Any] | None = None) -> None:
    act_append(case=case, kind=kind, actor=actor, payload=payload or {})


def register(
    world: World, *, unit: Any = None, category: str = "small", article: str = "188"
) -> Case:
    return case_register(
        actor=world.rita if unit is None else world.ivan,
        qualification={"article": article, "part": "1", "offence_category": category},
        summary="A counted case",
        investigation_unit=unit or world.unit,
    )


class Known:
    """What was built, counted by hand as it was built."""

    def __init__(self) -> None:
        self.now: dict[tuple[str, str], int] = {}
        self.before: dict[tuple[str, str], int] = {}
        self.sent: Case | None = None  # the case sent to court

    def add(self, indicator: str, detail: str = "", n: int = 1, *, last_year: bool = False) -> None:
        where = self.before if last_year else self.now
        where[(indicator, detail)] = where.get((indicator, detail), 0) + n


@pytest.fixture
def built(world: World) -> tuple[Known, datetime]:
    """A year ago: 3 registrations, 1 detention. This year, in Almaly (and 1 in Astana):
    registrations by category, detentions and a release, custody motions decided by the
    judge (granted, refused, shortened), a recognition refused, a termination approved, an
    interruption agreed, a case to court with a verdict and an appeal."""
    known = Known()
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    start = clock.now()
    with clock.frozen(start - timedelta(days=365)):
        for _ in range(2):
            register(world)
            known.add("registered", last_year=True)
        case = flows.suspect_case(world)  # registration, acceptance (preliminary), recognition
        known.add("registered", last_year=True)
        known.add("case_form", "preliminary", last_year=True)
        detain(world, case, 0)
        known.add("detained", last_year=True)
    # This year.
    for category in ("small", "small", "medium", "grave"):
        register(world, category=category)
        known.add("registered")
    register(world, unit=world.other_unit)  # Astana: outside Petra's offices
    known.add("registered")
    judge = flows.on_duty(world, "julia", Role.INVESTIGATING_JUDGE, start - timedelta(days=1))
    for outcome in ("granted", "refused", "shortened"):
        case = flows.suspect_case(world)
        known.add("registered")
        known.add("case_form", "preliminary")
        detain(world, case, 0)
        known.add("detained")
        act(case, "custody_motion", world.alice, {"party": SUSPECT, "grounds": "flight"})
        known.add("custody_motion")
        motion = case.last_seq
        act(case, "decision", world.hector, {"request": motion, "outcome": "granted"})
        act(case, "decision", world.petra, {"request": motion, "outcome": "granted"})
        decision: dict[str, Any] = {"request": motion, "outcome": outcome}
        if outcome != "granted":
            decision["reasons"] = "the grounds do not hold"
        if outcome == "shortened":
            decision["until"] = (clock.now() + timedelta(days=20)).isoformat()
        act(case, "decision", judge, decision)
        known.add("custody_decision", outcome)
        if outcome == "refused":
            act(case, "release", world.alice, {"party": SUSPECT, "grounds": "custody refused"})
            known.add("released")
    # A case whose recognition as suspect the prosecutor refuses; then a requalification the
    # prosecutor agrees to moves the later counts to "medium"; then it is terminated.
    case = open_case(world, notes=0)
    known.add("registered")
    known.add("case_form", "inquiry")
    act(case, "recognition_as_suspect", world.alice, {"party": SUSPECT, "grounds": "x"})
    refusal = {"request": case.last_seq, "outcome": "refused", "reasons": "no evidence"}
    act(case, "decision", world.petra, refusal)
    known.add("suspect_refused")
    # Terminated on a rehabilitating ground: counted when the prosecutor approves.
    act(case, "termination", world.alice, {"ground": "no offence", "rehabilitating": True})
    rollup.refresh()
    assert not Fact.objects.filter(indicator="terminated").exists()
    act(case, "decision", world.petra, {"request": case.last_seq, "outcome": "granted"})
    known.add("terminated", "rehabilitating")
    # Interrupted with the prosecutor's agreement.
    case = open_case(world, notes=0)
    known.add("registered")
    known.add("case_form", "inquiry")
    act(case, "interruption", world.alice, {"ground": "the suspect is not found"})
    act(case, "decision", world.petra, {"request": case.last_seq, "outcome": "granted"})
    known.add("suspended")
    # To court, a verdict of imprisonment, an appeal by the prosecutor.
    trial = flows.on_duty(world, "tomiris", Role.TRIAL_JUDGE, start - timedelta(days=20))
    case = flows.to_verdict(world, trial, start - timedelta(days=12), flows.IMPRISONMENT)
    known.add("registered")
    known.add("case_form", "preliminary")
    known.add("sent_to_court", "indictment")
    known.add("verdict", "conviction:imprisonment")
    # Its prosecutor was never told of the investigation (R01, 1 day): breached days ago, a
    # duty to inform not met.
    known.add("deadline_breached", "R01")
    known.add("notice_missed", "R01")
    act(case, "appeal", world.petra, {"by": "prosecutor"})
    known.add("appeal", "prosecutor")
    act(case, "appeal_decision", trial, {"outcome": "upheld"})
    known.add("appeal_decision", "upheld")
    # The victim of the case sent to court gave no contact: the copies of its indictment and
    # verdict are on record as not delivered (handed over on paper). The copy of the
    # termination is not due yet.
    known.add("notice_missed", "copy", 2)
    sent = case
    # Measures and actions sanctioned by the investigating judge.
    case = flows.suspect_case(world)
    known.add("registered")
    known.add("case_form", "preliminary")
    for matter, outcome, indicator in (
        ("house_arrest", "granted", "house_arrest"),
        ("bail", "refused", "bail"),
        ("search", "granted", "sanction_decision"),
    ):
        act(case, "judicial_sanction_request", world.alice, {
            "matter": matter, "party": SUSPECT, "grounds": "x",
        })  # fmt: skip
        decision = {"request": case.last_seq, "outcome": outcome}
        if outcome == "refused":
            decision["reasons"] = "the grounds do not hold"
        act(case, "decision", judge, decision)
        known.add(indicator, outcome)
    known.sent = sent
    return known, start


def _figures(rows: list[Row]) -> dict[tuple[str, str], tuple[int, int]]:
    return {(r.indicator.key, r.detail): (r.current, r.previous) for r in rows}


def analyst(world: World, *, covert: bool = False) -> Official:
    official = world.official("anna", world.gpo, Role.ANALYST)
    if covert:
        official.user_permissions.add(Permission.objects.get(codename="view_covert"))
    return Official.objects.get(pk=official.pk)  # the permissions read afresh


def this_year(start: datetime) -> Filters:
    today = start.astimezone(clock.legal_zone()).date()
    return Filters(start=today - timedelta(days=30), end=today + timedelta(days=1))


def test_every_indicator_counts_what_was_built(world: World, built: tuple[Known, datetime]) -> None:
    known, start = built
    assert rollup.refresh() > 0
    anna = analyst(world)
    rows = table(anna, this_year(start))
    figures = _figures(rows)
    for (indicator, detail), n in known.now.items():
        assert figures[(indicator, detail)][0] == n, (indicator, detail, figures)
    for (indicator, detail), n in known.before.items():
        assert figures[(indicator, detail)][1] == n, (indicator, detail)
    # The totals sum their details; nothing is counted that was not built.
    counted = {k: v[0] for k, v in figures.items() if v[0] and k[1]}
    assert counted == {k: v for k, v in known.now.items() if k[1]}
    totals = {k[0]: v[0] for k, v in figures.items() if not k[1] and v[0]}
    expected: dict[str, int] = {}
    for (indicator, _detail), n in known.now.items():
        expected[indicator] = expected.get(indicator, 0) + n
    assert totals == expected
    registered = next(r for r in rows if r.indicator.key == "registered" and not r.detail)
    assert (registered.current, registered.previous) == (known.now[("registered", "")], 3)
    assert registered.change == registered.current - 3
    assert registered.relative == pytest.approx(100.0 * registered.change / 3)
    assert rollup.check() == []
    # The cases behind a figure counted when read.
    from tergeu.statistics.selectors import drill

    behind = drill(anna, this_year(start), "notice_missed", "copy")
    assert (behind.total, behind.cases_total, behind.cases) == (2, 1, [])  # she opens no case
    behind = drill(world.petra, this_year(start), "notice_missed", "copy")
    assert known.sent is not None
    assert [c.pk for c in behind.cases] == [known.sent.pk]


def test_the_worker_reads_a_piece_at_a_time_and_agrees_with_a_count_from_scratch(
    world: World,
) -> None:
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    case = flows.suspect_case(world)
    assert rollup.refresh() == 1
    assert rollup.refresh() == 0  # nothing new
    detain(world, case, 0)
    act(case, "release", world.alice, {"party": SUSPECT, "grounds": "x"})
    register(world, category="grave")
    assert rollup.refresh() == 2
    assert rollup.check() == []
    before = {(f.indicator, f.detail, f.category): f.count for f in Fact.objects.all()}
    assert before[("detained", "", "small")] == 1
    assert before[("registered", "", "grave")] == 1
    # A rollup changed by hand is found, named, and a rebuild puts it right.
    Fact.objects.filter(indicator="detained").update(count=5)
    problems = rollup.check()
    assert len(problems) == 1
    assert "detained/-" in problems[0]
    assert "rollup 5, journal 1" in problems[0]
    rollup.rebuild()
    assert rollup.check() == []


def test_counts_follow_the_case_s_body_and_offence_as_of_each_act(world: World) -> None:
    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    case = flows.suspect_case(world)  # small, Almaly
    act(case, "qualification", world.alice, {
        "article": "190", "part": "2", "offence_category": "medium",
    })  # fmt: skip
    act(case, "decision", world.petra, {"request": case.last_seq, "outcome": "granted"})
    detain(world, case, 0)  # counted as medium, art. 190
    rollup.refresh()
    facts = {(f.indicator, f.category, f.article, f.region) for f in Fact.objects.all()}
    assert ("registered", "small", "188", "75") in facts
    assert ("detained", "medium", "190", "75") in facts


def test_covert_numbers_exist_only_for_those_cleared(world: World) -> None:
    covert = Covert(world)
    assert covert.sanction(1).status_code == 201
    rollup.refresh()
    today = clock.now().astimezone(clock.legal_zone()).date()
    filters = Filters(start=today - timedelta(days=1), end=today + timedelta(days=1))
    uncleared = table(analyst(world), filters)
    assert all(not r.indicator.covert for r in uncleared)
    assert "covert" not in " ".join(r.indicator.key for r in uncleared)
    cleared = Official.objects.get(username="anna")
    cleared.user_permissions.add(Permission.objects.get(codename="view_covert"))
    cleared = Official.objects.get(pk=cleared.pk)
    figures = _figures(table(cleared, filters))
    assert figures[("covert_decision", "granted")] == (1, 0)
    assert Fact.objects.get(indicator="covert_decision").covert


def test_a_prosecutor_reads_the_figures_of_the_bodies_their_offices_supervise(
    world: World,
) -> None:
    register(world)
    register(world, unit=world.other_unit)
    rollup.refresh()
    today = clock.now().astimezone(clock.legal_zone()).date()
    filters = Filters(start=today - timedelta(days=1), end=today + timedelta(days=1))
    counts = {
        who.username: _figures(table(who, filters))[("registered", "")][0]
        for who in (world.petra, world.olga, analyst(world))
    }
    assert counts == {"petra": 1, "olga": 1, "anna": 2}
    astana = Filters(start=filters.start, end=filters.end, region="71")
    anna = Official.objects.get(username="anna")
    assert _figures(table(anna, astana))[("registered", "")][0] == 1


def test_the_same_period_a_year_earlier_handles_29_february() -> None:
    from tergeu.statistics.selectors import year_before

    assert year_before(date(2028, 2, 29)) == date(2027, 2, 28)
    assert year_before(date(2027, 3, 1)) == date(2026, 3, 1)


def test_breached_deadlines_are_counted_by_rule_from_the_case_files_clocks(world: World) -> None:
    from tergeu.cases.models import Deadline
    from tergeu.cases.watchdog import watchdog_pass
    from tergeu.statistics.selectors import drill

    with clock.frozen(clock.now() - timedelta(days=10)):
        late = register(world)  # the prosecutor is never told (R01)
    register(world)  # told in time: nothing breached yet
    watchdog_pass()  # it tells the officials; the clock runs on until the duty is done
    breached = Deadline.objects.get(case=late, rule="R01")
    assert breached.state == "running"
    due = breached.due_at.astimezone(clock.legal_zone()).date()
    filters = Filters(start=due - timedelta(days=1), end=due + timedelta(days=1))
    figures = _figures(table(world.petra, filters))
    assert figures[("deadline_breached", "R01")] == (1, 0)
    assert figures[("deadline_breached", "")] == (1, 0)
    behind = drill(world.petra, filters, "deadline_breached", "R01")
    assert (behind.total, [c.pk for c in behind.cases]) == (1, [late.pk])
    # Another office's reader does not count it.
    otto = world.official("otto", world.other_office, Role.PROSECUTOR)
    assert _figures(table(otto, filters)).get(("deadline_breached", "R01"), (0, 0)) == (0, 0)
    # Done late, it stays counted: the engine marks it breached.
    act(late, "acceptance", world.hector, {"investigator_id": world.alice.pk, "form": "inquiry"})
    act(late, "prosecutor_notice", world.alice)
    assert Deadline.objects.get(case=late, rule="R01").state == "breached"
    assert _figures(table(world.petra, filters))[("deadline_breached", "R01")] == (1, 0)


def test_by_month_keeps_a_month_that_comes_twice_in_a_year_long_period(world: World) -> None:
    from tergeu.statistics.selectors import by_month

    zone = clock.legal_zone()
    for when in (datetime(2025, 12, 20, 12, tzinfo=zone), datetime(2024, 12, 20, 12, tzinfo=zone)):
        with clock.frozen(when):
            register(world)
    with clock.frozen(datetime(2026, 12, 10, 12, tzinfo=zone)):
        register(world)
        register(world)
    rollup.refresh()
    anna = world.official("anna", world.gpo, Role.ANALYST)
    months = by_month(anna, Filters(start=date(2025, 12, 15), end=date(2026, 12, 14)), "registered")
    assert months[0] == ("2025-12", 1, 1)
    # A year earlier than 1–14 December 2026 is 1–14 December 2025: the 20th is not in it.
    assert months[-1] == ("2026-12", 2, 0)
    assert len(months) == 13


def test_a_detention_past_its_term_and_a_family_not_told_are_counted(world: World) -> None:
    """Detained four days ago and never released, nor the family told: the detention exceeded
    its 48 hours (R39), the prosecutor was not told in writing (R37) nor the family (135).
    Detained just now: nothing is due yet. A family told in time is not counted."""
    from tergeu.notifications.copies import family_notice_send
    from tergeu.statistics.selectors import drill

    person_get_or_create(iin=VALID_IIN_2, last_name="Suspect", first_name="S")
    zone = clock.legal_zone()
    with clock.frozen(clock.now() - timedelta(days=4)):
        kept = flows.suspect_case(world)
        detain(world, kept, 0)
        told = flows.suspect_case(world)
        detain(world, told, 0)
        for sms in family_notice_send(
            actor=world.alice, case=told, party=SUSPECT, phone="+77010000000", email="",
            language="ru",
        ):  # fmt: skip
            # The gateway reports it delivered at once.
            sms.state, sms.delivered_at = "delivered", clock.now()
            sms.save(update_fields=["state", "delivered_at"])
        act(told, "detention_notice", world.alice, {"party": SUSPECT})
        act(told, "release", world.alice, {"party": SUSPECT, "grounds": "x"})
        day = clock.now().astimezone(zone).date()
    fresh = flows.suspect_case(world)
    detain(world, fresh, 0)
    rollup.refresh()
    filters = Filters(start=day - timedelta(days=1), end=clock.now().astimezone(zone).date())
    figures = _figures(table(world.petra, filters))
    assert figures[("detention_exceeded", "R39")] == (1, 0)
    assert figures[("detention_exceeded", "")] == (1, 0)
    assert figures[("notice_missed", "R37")] == (1, 0)
    assert figures[("notice_missed", "family_notice")] == (1, 0)
    for indicator, detail in (("detention_exceeded", "R39"), ("notice_missed", "family_notice")):
        behind = drill(world.petra, filters, indicator, detail)
        assert [c.pk for c in behind.cases] == [kept.pk], (indicator, detail)
    # Another office's prosecutor counts none of it.
    otto = world.official("otto", world.other_office, Role.PROSECUTOR)
    others = _figures(table(otto, filters))
    assert others.get(("detention_exceeded", ""), (0, 0)) == (0, 0)
    assert others.get(("notice_missed", ""), (0, 0)) == (0, 0)


def test_motions_of_the_defence_left_undecided_are_counted(world: World) -> None:
    from tests.test_defence import START, created, scene_make

    scene = scene_make(world)
    with scene.at():
        created(scene.notice(scene.lena))
        created(scene.motion(scene.lena))
        created(scene.motion(scene.lena))
    with scene.at(days=1):
        motion = created(scene.motion(scene.lena))["seq"]
        decided = {"motion": motion, "outcome": "refused", "reasons": "not relevant"}
        assert scene.act(world.alice, "motion_decision", decided).status_code == 201
    day = START.astimezone(clock.legal_zone()).date()
    with scene.at(days=20):
        rollup.refresh()
        filters = Filters(start=day, end=day + timedelta(days=10))
        figures = _figures(table(world.petra, filters))
    assert figures[("motion_undecided", "R67")] == (2, 0)
    assert figures[("motion_refused", "")] == (1, 0)
