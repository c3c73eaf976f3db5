"""Both sides of every effective-date switch of the pack: the act is judged by the law in force
on the day it is performed (ADR 0003), and the prosecutor-drafted indictment is phased in by
year, category, investigating body and article (88-VII, pack.toml [switch])."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.procedure.helpers import (
    ADULT,
    MINOR_2017,
    PACK,
    Case,
    at,
    detention,
    opening,
    suspect,
)


def day_before(law: str) -> str:
    return (PACK.laws[law].date - timedelta(days=1)).isoformat()


def day_of(law: str) -> str:
    return PACK.laws[law].date.isoformat()


# --- covert actions: the prosecutor until 28.02.2018, the investigating judge from 01.03.2018 ----


def covert_case(day: str) -> Case:
    case = Case()
    case.play(opening("2018-02-20 10:00"))
    payload = {"target": ADULT, "item": 1, "grounds": "meetings"}
    case.act("covert_action", "investigator", payload, f"{day} 09:00")
    return case


def test_covert_action_before_march_2018_is_sanctioned_by_the_prosecutor() -> None:
    case = covert_case("2018-02-28")
    (awaiting,) = case.verdicts[-1].awaiting
    assert (awaiting.role, awaiting.decision) == ("prosecutor", "sanction")
    assert case.due("R60") == "2018-03-01 09:00"  # 24 h
    judge = case.act(
        "decision",
        "investigating_judge",
        {"request": 3, "outcome": "granted"},
        "2018-02-28 12:00",
        accepted=False,
    )
    assert [r.code for r in judge.reasons] == ["role_not_allowed"]
    case.decide("prosecutor", "2018-02-28 12:00")
    assert case.state.covert[3].status == "running"
    assert case.due("R62") == "2018-03-31 00:00"  # 30 days: Fri 30 March
    assert case.due("R62C") == "2018-08-29 00:00"  # the 6-month overall cap (236(3), deleted)


def test_covert_action_from_march_2018_is_sanctioned_by_the_investigating_judge() -> None:
    case = covert_case("2018-03-01")
    (awaiting,) = case.verdicts[-1].awaiting
    assert (awaiting.role, awaiting.decision) == ("investigating_judge", "sanction")
    assert case.due("R60") == "2018-03-01 21:00"  # 12 h
    prosecutor = case.act(
        "decision",
        "prosecutor",
        {"request": 3, "outcome": "granted"},
        "2018-03-01 12:00",
        accepted=False,
    )
    assert [r.code for r in prosecutor.reasons] == ["role_not_allowed"]
    case.decide("investigating_judge", "2018-03-01 12:00")
    assert case.due("R62") == "2018-04-03 00:00"  # 30 days: Sat 31 March → Mon 2 April
    assert case.clocks("R62C") == []


# --- recognition as suspect: the prosecutor's agreement from 384-VI ------------------------------


def test_recognition_in_december_2020_makes_a_suspect_at_once() -> None:
    case = Case()
    case.play(opening("2020-12-01 10:00"))
    verdict = case.act(
        "recognition_as_suspect",
        "investigator",
        {"party": ADULT, "grounds": "x"},
        "2020-12-15 10:00",
    )
    assert case.state.person(ADULT).status == "suspect"
    assert case.state.requests == {}
    assert [(n.id, n.due_at) for n in verdict.notices] == [("N-202", at("2020-12-16 10:00"))]


def recognised_2021() -> Case:
    case = Case()
    case.play(opening("2021-02-01 10:00"))
    verdict = case.act(
        "recognition_as_suspect",
        "investigator",
        {"party": ADULT, "grounds": "x"},
        "2021-02-15 10:00",
    )
    assert case.state.person(ADULT).status == "suspect_pending"
    (awaiting,) = verdict.awaiting
    assert (awaiting.role, awaiting.decision, awaiting.due_at) == (
        "prosecutor",
        "agreement",
        at("2021-02-15 13:00"),
    )
    assert verdict.notices == ()
    return case


def test_recognition_in_february_2021_awaits_the_prosecutor() -> None:
    case = recognised_2021()
    case.decide("prosecutor", "2021-02-15 11:00")
    assert case.state.person(ADULT).status == "suspect"
    assert case.clock("R32").state == "met"


def test_a_refused_recognition_spoils_the_interrogation_done_meanwhile() -> None:
    case = recognised_2021()
    case.act("suspect_interrogation", "investigator", {"party": ADULT}, "2021-02-15 10:30")
    interrogation = case.seq
    case.decide("prosecutor", "2021-02-15 12:00", "refused", reasons="no evidence of involvement")
    person = case.state.person(ADULT)
    assert (person.status, person.inadmissible) == ("none", (interrogation,))


@pytest.mark.parametrize(
    ("day", "pending"), [(day_before("384-VI"), False), (day_of("384-VI"), True)]
)
def test_recognition_switches_on_the_day_384_vi_takes_effect(day: str, pending: bool) -> None:
    case = Case()
    case.play(opening("2020-12-01 10:00"))
    case.play([suspect(ADULT, f"{day} 10:00")])
    assert bool(case.state.requests) is pending


# --- termination: rehabilitating grounds without approval until 384-VI ----------------------------


def terminate(day: str, *, rehabilitating: bool) -> Case:
    case = Case()
    case.play(opening("2020-06-01 10:00"))
    payload = {
        "ground": "35(1)(2)" if rehabilitating else "35(1)(3)",
        "rehabilitating": rehabilitating,
    }
    case.act("termination", "investigator", payload, f"{day} 10:00")
    return case


def test_rehabilitating_termination_in_2020_is_final_at_once() -> None:
    case = terminate("2020-06-10", rehabilitating=True)
    assert case.state.stage == "terminated"
    assert case.state.final_decision_at == at("2020-06-10 10:00")
    assert case.state.requests == {}
    assert case.clock("R08").state == "met"


def test_non_rehabilitating_termination_in_2020_needs_the_prosecutors_approval() -> None:
    case = terminate("2020-06-10", rehabilitating=False)
    assert case.state.stage == "termination_pending"
    assert case.due("R29") == "2020-06-23 00:00"  # 10 days from Wed 10 June: Sat 20 → Mon 22
    case.decide("prosecutor", "2020-06-15 10:00")
    assert case.state.stage == "terminated"
    assert case.state.final_decision_at == at("2020-06-15 10:00")


@pytest.mark.parametrize("rehabilitating", [True, False])
def test_every_termination_in_2021_needs_the_prosecutors_approval(rehabilitating: bool) -> None:
    case = Case()
    case.play(opening("2021-06-01 10:00"))
    payload = {"ground": "x", "rehabilitating": rehabilitating}
    case.act("termination", "investigator", payload, "2021-06-10 10:00")
    assert case.state.stage == "termination_pending"
    case.decide("prosecutor", "2021-06-11 10:00", "refused", reasons="investigate further")
    assert case.state.stage == "under_investigation"
    assert case.due("R13") == "2021-07-13 00:00"  # 1 month from Fri 11 June: Sun 11 July → Mon 12


# --- the protocol of a criminal misdemeanour ------------------------------------------------------


def misdemeanour(year: int) -> Case:
    case = Case()
    case.play(opening(f"{year}-03-01 10:00", category="misdemeanour", form="protocol"))
    case.play([suspect(ADULT, f"{year}-03-02 10:00")])
    if case.state.requests:
        case.decide("prosecutor", f"{year}-03-02 11:00")
    case.act("suspect_interrogation", "inquiry_officer", {"party": ADULT}, f"{year}-03-03 10:00")
    case.act("misdemeanour_protocol", "inquiry_officer", None, f"{year}-03-04 10:00")
    return case


def test_misdemeanour_protocol_in_2019_goes_from_the_head_to_court() -> None:
    case = misdemeanour(2019)
    assert case.due("R14") == "2019-03-07 00:00"  # 3 days from Sun 3 March: Wed 6
    (awaiting,) = case.verdicts[-1].awaiting
    assert (awaiting.role, awaiting.decision) == ("inquiry_head", "approval")
    case.decide("inquiry_head", "2019-03-04 11:00")
    assert case.state.stage == "sent_to_court"
    assert case.state.requests == {}
    assert case.clocks("R16") == []
    assert case.due("R79") == "2019-03-20 00:00"  # 15 days from Mon 4 March: Tue 19


def test_misdemeanour_protocol_in_2021_goes_from_the_head_to_the_prosecutor() -> None:
    case = misdemeanour(2021)
    assert case.due("R15") == "2021-03-16 00:00"  # 10 days from Wed 3 March: Sat 13 → Mon 15
    case.decide("inquiry_head", "2021-03-04 11:00")
    assert case.state.stage == "at_prosecutor"
    (awaiting,) = case.verdicts[-1].awaiting
    assert (awaiting.role, awaiting.decision) == ("prosecutor", "approval")
    assert case.due("R16") == "2021-03-06 00:00"  # 1 day: Fri 5 March
    case.decide("prosecutor", "2021-03-05 10:00")
    assert case.state.stage == "sent_to_court"
    assert case.state.person(ADULT).status == "accused"


@pytest.mark.parametrize(
    ("day", "rule"), [(day_before("292-VI"), "R14"), (day_of("292-VI"), "R15")]
)
def test_the_misdemeanour_protocol_term_switches_with_292_vi(day: str, rule: str) -> None:
    case = Case()
    case.play(opening("2019-12-20 10:00", category="misdemeanour", form="protocol"))
    case.play([suspect(ADULT, "2019-12-21 10:00")])
    case.act("suspect_interrogation", "inquiry_officer", {"party": ADULT}, f"{day} 10:00")
    assert {c.rule for c in case.state.open_clocks()} == {"R01", rule}


def test_detained_misdemeanour_suspect_2019_to_court_2021_to_the_prosecutor() -> None:
    old = Case()
    old.play(opening("2019-03-01 10:00", category="misdemeanour", form="protocol"))
    old.play([detention(ADULT, "2019-03-04 09:05", "2019-03-04 10:00")])
    assert (old.due("R17"), old.clocks("R18")) == ("2019-03-05 21:05", [])
    new = Case()
    new.play(opening("2021-03-01 10:00", category="misdemeanour", form="protocol"))
    new.play([detention(ADULT, "2021-03-04 09:05", "2021-03-04 10:00")])
    assert (new.due("R18"), new.clocks("R17")) == ("2021-03-05 09:05", [])


# --- the maximum detention ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "party", "minor", "exception", "rule", "hours"),
    [
        ("2017-06-05", ADULT, False, False, "R39", 72),
        ("2017-06-05", MINOR_2017, True, False, "R39", 72),
        ("2017-06-05", ADULT, False, True, "R39", 72),
        ("2018-06-05", ADULT, False, False, "R39", 48),
        ("2018-06-05", MINOR_2017, True, False, "R40", 24),
        ("2018-06-05", ADULT, False, True, "R39X", 72),
        (day_before("118-VI"), ADULT, False, False, "R39", 72),
        (day_of("118-VI"), ADULT, False, False, "R39", 48),
    ],
)
def test_maximum_detention(
    day: str, party: str, minor: bool, exception: bool, rule: str, hours: int
) -> None:
    case = Case()
    case.play(opening("2017-05-01 10:00"))
    extra = {"grave_exception": True} if exception else {}
    case.play([detention(party, f"{day} 09:05", f"{day} 10:00", minor=minor, **extra)])
    (clock,) = [c for c in case.state.open_clocks() if c.rule in ("R39", "R39X", "R40")]
    assert clock.rule == rule
    assert clock.due_at == at(f"{day} 09:05") + timedelta(hours=hours)
    assert case.due("R41") == (clock.due_at - timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


# --- the accelerated investigation of a detained suspect -----------------------------------------


@pytest.mark.parametrize(
    ("year", "rule", "due"),
    [(2021, "R24", "2021-03-10 00:00"), (2022, "R24I", "2022-03-03 15:00")],
)
def test_accelerated_protocol_of_a_detained_suspect(year: int, rule: str, due: str) -> None:
    """3 days before 88-VII (from Thu 4 March 2021: Sun 7, Mon 8 is Women's Day → Tue 9),
    immediately (3 hours) after it."""
    case = Case()
    case.play(opening(f"{year}-03-01 10:00"))
    day = "2021-03-04" if year == 2021 else "2022-03-03"
    case.play([detention(ADULT, f"{day} 09:05", f"{day} 10:00")])
    case.act("accelerated_mode", "investigator", None, f"{day} 11:00")
    case.act("accelerated_protocol", "investigator", None, f"{day} 12:00")
    assert case.due(rule) == due


# --- the final document of a preliminary investigation (88-VII, phased) --------------------------


def completed(
    day: date, *, category: str, body: str, article: str = "188", form: str = "preliminary"
) -> Case:
    """A case whose investigation and familiarisation are over on `day`."""
    case = Case(body=body)
    start = day - timedelta(days=30)
    case.play(opening(f"{start} 10:00", category=category, form=form, article=article))
    case.play([suspect(ADULT, f"{start} 11:00")])
    if case.state.requests:
        case.decide("prosecutor", f"{start} 12:00")
    case.act("investigation_completed", "investigator", None, f"{day - timedelta(days=5)} 10:00")
    case.act("familiarization_completed", "investigator", None, f"{day - timedelta(days=1)} 10:00")
    return case


@pytest.mark.parametrize(
    ("day", "category", "body", "article", "route", "other"),
    [
        (date(2021, 6, 15), "especially_grave", "police", "188", "indictment", "kind_not_in_force"),
        (date(2021, 6, 15), "grave", "anti_corruption", "366", "indictment", "kind_not_in_force"),
        (
            date(2022, 2, 15),
            "especially_grave",
            "police",
            "188",
            "completion_report",
            "not_applicable",
        ),
        (
            date(2022, 2, 15),
            "especially_grave",
            "anti_corruption",
            "188",
            "completion_report",
            "not_applicable",
        ),
        (
            date(2022, 2, 15),
            "especially_grave",
            "national_security",
            "188",
            "indictment",
            "not_applicable",
        ),
        (date(2022, 2, 15), "grave", "police", "188", "indictment", "not_applicable"),
        (date(2022, 2, 15), "grave", "anti_corruption", "366", "indictment", "not_applicable"),
        (
            date(2023, 2, 15),
            "grave",
            "anti_corruption",
            "366",
            "completion_report",
            "not_applicable",
        ),
        (date(2023, 2, 15), "medium", "police", "190", "completion_report", "not_applicable"),
        (date(2023, 2, 15), "grave", "police", "188", "indictment", "not_applicable"),
        (date(2026, 12, 31), "grave", "police", "188", "indictment", "not_applicable"),
        (date(2027, 1, 1), "grave", "police", "188", "completion_report", "not_applicable"),
        (
            date(2027, 2, 15),
            "small",
            "national_security",
            "188",
            "completion_report",
            "not_applicable",
        ),
    ],
)
def test_final_document_of_a_preliminary_investigation(
    day: date, category: str, body: str, article: str, route: str, other: str
) -> None:
    case = completed(day, category=category, body=body, article=article)
    refused = "completion_report" if route == "indictment" else "indictment"
    assert case.refusals(refused, "investigator", None, f"{day} 10:00") == [other]
    verdict = case.act(route, "investigator", None, f"{day} 10:00")
    (awaiting,) = verdict.awaiting
    assert (awaiting.role, awaiting.decision) == ("prosecutor", "approval")
    assert case.clock("R26" if route == "indictment" else "R27").subject == f"request:{case.seq}"
    case.decide("prosecutor", f"{day} 15:00")
    assert case.state.stage == "sent_to_court"
    assert case.state.person(ADULT).status == "accused"


@pytest.mark.parametrize(
    ("day", "route", "other", "codes"),
    [
        (date(2021, 6, 15), "indictment", "accusation_protocol", ["kind_not_in_force"]),
        (date(2022, 2, 15), "accusation_protocol", "indictment", ["not_applicable"]),
        (date(2026, 2, 16), "accusation_protocol", "indictment", ["not_applicable"]),
    ],
)
def test_final_document_of_an_inquiry(day: date, route: str, other: str, codes: list[str]) -> None:
    case = completed(day, category="medium", body="police", form="inquiry")
    assert case.refusals(other, "inquiry_officer", None, f"{day} 10:00") == codes
    verdict = case.act(route, "inquiry_officer", None, f"{day} 10:00")
    (awaiting,) = verdict.awaiting
    # The protocol of accusation is agreed by the head of the inquiry body first (192-2(5)).
    assert awaiting.role == ("inquiry_head" if route == "accusation_protocol" else "prosecutor")


def test_the_protocol_of_accusation_starts_with_88_vii() -> None:
    day = day_before("88-VII")
    case = completed(date.fromisoformat(day), category="medium", body="police", form="inquiry")
    assert case.refusals("accusation_protocol", "inquiry_officer", None, f"{day} 10:00") == [
        "kind_not_in_force"
    ]
    case.act("accusation_protocol", "inquiry_officer", None, f"{day_of('88-VII')} 10:00")


# --- writ proceedings -----------------------------------------------------------------------------


def writ(year: int, category: str) -> Case:
    case = Case()
    case.play(
        opening(
            f"{year}-03-01 10:00",
            category=category,
            form="protocol" if category == "misdemeanour" else "inquiry",
        )
    )
    case.play([suspect(ADULT, f"{year}-03-04 10:00")])
    if case.state.requests:
        case.decide("prosecutor", f"{year}-03-04 11:00")
    case.act(
        "writ_motion",
        "inquiry_officer",
        {"party": ADULT, "victim_consent": True},
        f"{year}-03-05 10:00",
    )
    case.act("writ_order", "inquiry_officer", {"fine_mrp": 30}, f"{year}-03-06 10:00")
    return case


def test_misdemeanour_writ_order_in_2019_goes_from_the_head_to_court() -> None:
    case = writ(2019, "misdemeanour")
    (awaiting,) = case.verdicts[-1].awaiting
    assert (awaiting.role, awaiting.decision) == ("inquiry_head", "approval")
    case.decide("inquiry_head", "2019-03-06 11:00")
    assert case.state.stage == "writ_review"
    assert case.clocks("R20") == []
    assert case.due("R21") == "2019-03-12 00:00"  # 3 days from Wed 6 March: Sat 9 → Mon 11


@pytest.mark.parametrize(
    ("year", "category"), [(2019, "small"), (2021, "misdemeanour"), (2021, "small")]
)
def test_writ_order_goes_from_the_head_to_the_prosecutor(year: int, category: str) -> None:
    case = writ(year, category)
    (awaiting,) = case.verdicts[-1].awaiting
    assert (awaiting.role, awaiting.decision) == ("head", "agreement")
    case.decide("inquiry_head", f"{year}-03-06 11:00")
    assert case.state.stage == "at_prosecutor"
    assert case.due("R20") == f"{year}-03-07 11:00"  # 24 hours
    case.decide("prosecutor", f"{year}-03-07 10:00")
    assert case.state.stage == "writ_review"
    assert case.clock("R20").state == "met"


def test_writ_proceedings_do_not_exist_before_118_vi() -> None:
    case = Case()
    case.play(opening(f"{day_before('118-VI')} 08:00", category="small", form="inquiry"))
    case.play([suspect(ADULT, f"{day_before('118-VI')} 09:00")])
    payload = {"party": ADULT, "victim_consent": True}
    assert case.refusals(
        "writ_motion", "inquiry_officer", payload, f"{day_before('118-VI')} 10:00"
    ) == ["kind_not_in_force"]
    case.act("writ_motion", "inquiry_officer", payload, f"{day_of('118-VI')} 10:00")
