"""Golden scenarios: three whole cases from registration to closing, with every clock's due moment
and outcome and the final state written out by hand. Each ends by folding the accepted acts again
(the state is the journal's projection) and by a JSON round trip.

(a) a criminal misdemeanour in protocol form, tried in court (2026);
(b) a small-gravity crime closed by writ proceedings with a fine (2026);
(c) a grave crime of the police with detention, custody and a covert action — the indictment drawn
    up by the investigator in 2026, the report on completion and the prosecutor's indictment in
    2027 (88-VII, third phase).

Due moments are Almaty wall-clock time; a standard term ending "00:00" ends at 24:00 of the day
before. Calendar facts: 2026-11-02 and 2027-02-01 are Mondays; 1, 2 and 4 January 2027 are
days off."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime

import pytest

from tergeu.procedure.engine import fold
from tergeu.procedure.state import Covert, Person, ProcState, Ruling, from_json, to_json
from tests.procedure.helpers import ADULT, PACK, ZONE, Case, at, iso


def clock_table(state: ProcState) -> dict[str, tuple[str, str]]:
    """Every clock of the case: key → (outcome, due moment in Almaty)."""
    return {
        key: (clock.state, clock.due_at.astimezone(ZONE).strftime("%Y-%m-%d %H:%M"))
        for key, clock in state.clocks.items()
    }


def assert_state(state: ProcState, expected: ProcState) -> None:
    """Every field but the clocks (compared as a table) and the qualification's detail (its
    category and article are compared)."""
    for name in (f.name for f in fields(ProcState)):
        if name not in ("clocks", "qualification"):
            assert getattr(state, name) == getattr(expected, name), name
    assert (state.category, state.article) == (expected.category, expected.article)


def assert_rebuilt(case: Case) -> None:
    assert fold(PACK, case.proposals) == case.state
    assert from_json(to_json(case.state)) == case.state


def register(case: Case, when: str, category: str, *, role: str = "registrar") -> None:
    payload = {
        "register_number": "261234",
        "summary": "theft",
        "qualification": {"article": "188", "part": "1", "offence_category": category},
        "investigation_unit_id": 1,
        "supervising_office_id": 2,
    }
    case.act("registration", role, payload, when)


# --- (a) a criminal misdemeanour in protocol form --------------------------------------------------


def test_misdemeanour_in_protocol_form_tried_in_court() -> None:
    case = Case()
    register(case, "2026-11-02 10:00", "misdemeanour")  # 1
    case.act(
        "acceptance",
        "inquiry_officer",
        {"investigator_id": 7, "form": "protocol"},
        "2026-11-02 11:00",
    )
    case.act("prosecutor_notice", "inquiry_officer", {}, "2026-11-02 12:00")  # 3
    case.act(
        "recognition_as_suspect",
        "inquiry_officer",
        {"party": ADULT, "grounds": "caught"},
        "2026-11-03 10:00",
    )
    assert case.state.person(ADULT).status == "suspect_pending"
    case.decide("prosecutor", "2026-11-03 11:00")  # 5
    case.act("suspect_interrogation", "inquiry_officer", {"party": ADULT}, "2026-11-04 10:00")
    case.act("misdemeanour_protocol", "inquiry_officer", {}, "2026-11-10 10:00")  # 7
    assert case.state.stage == "at_prosecutor"
    case.decide("inquiry_head", "2026-11-10 11:00")  # 8: the head agrees
    case.decide("prosecutor", "2026-11-11 10:00")  # 9: the prosecutor approves
    assert case.state.stage == "sent_to_court"
    assert case.state.person(ADULT).status == "accused"
    case.act("court_acceptance", "trial_judge", {"route": "trial"}, "2026-11-13 10:00")
    case.act("trial_start", "trial_judge", {}, "2026-11-20 10:00")  # 11
    case.act(
        "verdict",
        "trial_judge",
        {"outcome": "conviction", "punishment": "fine", "fine_mrp": 100},
        "2026-11-25 10:00",
    )
    assert case.refusals("entry_into_force", "trial_judge", {}, "2026-12-10 12:00") == [
        "window_open"
    ]
    case.act("entry_into_force", "trial_judge", {}, "2026-12-11 09:00")  # 13
    case.act(
        "execution_order",
        "trial_judge",
        {"punishment": "fine", "fine_mrp": 100, "institution_id": 9},
        "2026-12-14 10:00",
    )
    case.act("execution_confirmation", "bailiff", {"place": "paid"}, "2026-12-20 10:00")  # 15

    assert clock_table(case.state) == {
        "R01/1": ("met", "2026-11-04 00:00"),  # notice to the prosecutor: 1 day
        "R32/4": ("met", "2026-11-03 13:00"),  # agreement with the recognition: immediately
        "R15/6": ("met", "2026-11-17 00:00"),  # protocol: 10 days, Sat 14 Nov → Mon 16
        "X-HEAD/7": ("met", "2026-11-10 13:00"),  # the head: immediately
        "R16/8": ("met", "2026-11-12 00:00"),  # the prosecutor: 1 day
        "R79/9": ("met", "2026-11-27 00:00"),  # the court: 15 days from Wed 11 Nov
        "R78/10": ("met", "2026-12-01 00:00"),  # trial: 15 days, Sat 28 Nov → Mon 30
        "R78N/10": ("met", "2026-11-17 00:00"),  # the parties' notice: 3 days from Fri 13 Nov
        "R80/12": ("met", "2026-12-11 00:00"),  # appeal window: 15 days from Wed 25 Nov
        "R83/13": ("met", "2026-12-15 00:00"),  # execution order: 3 days from Fri 11 Dec
    }
    assert_state(
        case.state,
        ProcState(
            stage="closed",
            qualification={"article": "188", "offence_category": "misdemeanour"},
            form="protocol",
            body="police",
            registered_at=at("2026-11-02 10:00"),
            final_decision_at=at("2026-11-25 10:00"),
            persons={ADULT: Person(ADULT, status="convicted", interrogated_seq=6)},
            final_decision_seq=12,
            sentence={"punishment": "fine", "fine_mrp": 100},
            rulings={4: Ruling(4, "recognition_as_suspect", {"party": ADULT, "grounds": "caught"})},
        ),
    )
    assert_rebuilt(case)


# --- (b) writ proceedings ending in a fine ----------------------------------------------------------


def test_writ_proceedings_ending_in_a_fine() -> None:
    case = Case()
    register(case, "2026-11-02 10:00", "small")  # 1
    case.act(
        "acceptance",
        "inquiry_officer",
        {"investigator_id": 7, "form": "inquiry"},
        "2026-11-02 11:00",
    )
    case.act("prosecutor_notice", "inquiry_officer", {}, "2026-11-02 12:00")  # 3
    case.act(
        "recognition_as_suspect",
        "inquiry_officer",
        {"party": ADULT, "grounds": "confessed"},
        "2026-11-03 10:00",
    )
    assert case.clock("R07").state == "paused"  # the prosecutor's agreement is not counted
    case.decide("prosecutor", "2026-11-03 11:00")  # 5
    case.act("suspect_interrogation", "inquiry_officer", {"party": ADULT}, "2026-11-04 10:00")
    case.act(
        "writ_motion",
        "inquiry_officer",
        {"party": ADULT, "victim_consent": True},
        "2026-11-05 10:00",
    )
    case.act("writ_order", "inquiry_officer", {"fine_mrp": 50}, "2026-11-09 10:00")  # 8
    case.decide("inquiry_head", "2026-11-09 11:00")  # 9
    case.decide("prosecutor", "2026-11-10 09:00")  # 10
    assert case.state.stage == "writ_review"
    verdict = case.act("writ_verdict", "trial_judge", {"fine_mrp": 50}, "2026-11-12 10:00")  # 11
    assert [n.id for n in verdict.notices] == ["N-629-6"]
    assert case.refusals("entry_into_force", "trial_judge", {}, "2026-11-19 23:00") == [
        "window_open"
    ]
    case.act("entry_into_force", "trial_judge", {}, "2026-11-20 09:00")  # 12
    case.act(
        "execution_order",
        "trial_judge",
        {"punishment": "fine", "fine_mrp": 50, "institution_id": 9},
        "2026-11-23 10:00",
    )
    case.act("execution_confirmation", "bailiff", {"place": "paid"}, "2026-11-30 10:00")  # 14

    assert clock_table(case.state) == {
        "R01/1": ("met", "2026-11-04 00:00"),
        "R07/2": ("met", "2026-12-03 01:00"),  # 1 month to Wed 2 Dec, plus 1 h at the prosecutor
        "R10/2": ("met", "2026-11-28 01:00"),  # 5 days before R07
        "R32/4": ("met", "2026-11-03 13:00"),
        "R19/7": ("met", "2026-11-11 00:00"),  # writ order: 5 days from Thu 5 Nov
        "X-HEAD/8": ("met", "2026-11-09 13:00"),
        "R20/9": ("met", "2026-11-10 11:00"),  # the prosecutor: 24 hours
        "R21/10": ("met", "2026-11-14 00:00"),  # the court: 3 days from Tue 10 Nov
        "R23/11": ("met", "2026-11-20 00:00"),  # objections and appeals: 7 days from Thu 12 Nov
        "R83/12": ("met", "2026-11-24 00:00"),  # 3 days from Fri 20 Nov: Mon 23
    }
    assert_state(
        case.state,
        ProcState(
            stage="closed",
            qualification={"article": "188", "offence_category": "small"},
            form="inquiry",
            body="police",
            registered_at=at("2026-11-02 10:00"),
            final_decision_at=at("2026-11-12 10:00"),
            persons={ADULT: Person(ADULT, status="convicted", interrogated_seq=6)},
            final_decision_seq=11,
            sentence={"punishment": "fine", "fine_mrp": 50},
            rulings={
                4: Ruling(4, "recognition_as_suspect", {"party": ADULT, "grounds": "confessed"})
            },
        ),
    )
    assert_rebuilt(case)


# --- (c) a grave crime with detention, custody and a covert action ---------------------------------

GRAVE_2026 = {
    "registration": "2026-11-02 10:00",
    "acceptance": "2026-11-02 11:00",
    "notice": "2026-11-02 12:00",
    "detained_at": "2026-11-03 09:05",
    "detention": "2026-11-03 10:00",
    "detention_notice": "2026-11-03 15:00",
    "interrogation": "2026-11-03 18:00",
    "custody_motion": "2026-11-04 09:00",
    "head": "2026-11-04 10:00",
    "prosecutor": "2026-11-04 12:00",
    "judge": "2026-11-04 18:00",
    "custody_until": "2027-01-03 09:05",  # the 2-month maximum from the actual detention
    "covert_action": "2026-11-05 09:00",
    "covert_sanction": "2026-11-05 15:00",
    "covert_until": "2026-11-30 15:00",
    "covert_end": "2026-11-20 09:00",
    "covert_report": "2026-11-23 10:00",
    "term_extension": "2026-12-21 10:00",
    "extension": "2026-12-21 12:00",
    "extended_until": "2027-02-03 00:00",
    "investigation_completed": "2026-12-22 10:00",
    "familiarization_completed": "2026-12-28 16:00",
    "final_document": "2026-12-29 10:00",
    "sent_to_court": "2027-01-05 10:00",
    "court_acceptance": "2027-01-08 10:00",
    "trial_start": "2027-01-15 10:00",
    "verdict": "2027-02-10 10:00",
    "entry_into_force": "2027-02-26 10:00",
    "execution_order": "2027-03-01 10:00",
    "covert_target_notice": "2027-03-05 10:00",
    "execution_confirmation": "2027-03-10 10:00",
}
CLOCKS_2026 = {
    "R01/1": ("met", "2026-11-04 00:00"),
    # 2 months to Sat 2 Jan 2027 (days off to Mon 4): Tue 5; extended to 3 Feb; familiarisation
    # from 22 Dec 10:00 to 28 Dec 16:00 added (6 days 6 hours).
    "R08/2": ("met", "2027-02-09 06:00"),
    "R10/2": ("met", "2027-01-01 00:00"),  # 5 days before the original end of R08
    "R36/4": ("met", "2026-11-03 12:05"),  # protocol: 3 h from the actual detention
    "R37/4": ("met", "2026-11-03 22:00"),  # notice to the prosecutor: 12 h
    "R38/4": ("met", "2026-11-04 10:00"),  # interrogation: 24 h
    "R39/4": ("met", "2026-11-05 09:05"),  # detention: 48 h
    "R41/4": ("met", "2026-11-05 01:05"),  # motion at the judge 8 h before
    "X-RELEASE-DUE/4": ("met", "2026-11-05 07:05"),  # the order came before the alert
    "X-HEAD/7": ("met", "2026-11-04 12:00"),
    "X-CUSTODY-PROSECUTOR/8": ("met", "2026-11-04 13:00"),
    "R42/9": ("met", "2026-11-04 20:00"),  # the judge: 8 h
    "R44/10": ("met", "2027-01-03 09:05"),  # ends with the notice of 22 Dec (152(6))
    "R45M/10": ("cancelled", "2026-12-24 09:05"),  # 10 days before R44
    "R49/10": ("cancelled", "2027-01-02 09:05"),  # 24 h before R44
    "R60/11": ("met", "2026-11-05 21:00"),  # the investigating judge: 12 h
    "R62/12": ("met", "2026-11-30 15:00"),  # the judge's end, within 30 days
    "R62M/12": ("met", "2026-11-27 15:00"),  # 3 days before R62
    "R63/13": ("met", "2026-11-24 00:00"),  # 2 days from Fri 20 Nov: Sun 22 → Mon 23
    "X-EXT/15": ("met", "2026-12-21 13:00"),
    "R26/19": ("met", "2027-01-09 00:00"),  # the prosecutor: 10 days from Tue 29 Dec: Fri 8 Jan
    "R76/20": ("met", "2027-01-12 00:00"),  # 5 days from Tue 5 Jan: Sun 10 → Mon 11
    "R78/21": ("met", "2027-01-26 00:00"),  # 15 days from Fri 8 Jan: Sat 23 → Mon 25
    "R78N/21": ("met", "2027-01-12 00:00"),  # the parties' notice: 3 days, Sun 10 → Mon 11
    "R80/23": ("met", "2027-02-26 00:00"),  # 15 days from Wed 10 Feb: Thu 25
    "R83/24": ("met", "2027-03-02 00:00"),  # 3 days from Fri 26 Feb: Mon 1 Mar
    "R64/24": ("met", "2027-08-27 00:00"),  # 6 months from 26 Feb: Thu 26 Aug
}
GRAVE_2027 = {
    "registration": "2027-02-01 10:00",
    "acceptance": "2027-02-01 11:00",
    "notice": "2027-02-01 12:00",
    "detained_at": "2027-02-02 09:05",
    "detention": "2027-02-02 10:00",
    "detention_notice": "2027-02-02 15:00",
    "interrogation": "2027-02-02 18:00",
    "custody_motion": "2027-02-03 09:00",
    "head": "2027-02-03 10:00",
    "prosecutor": "2027-02-03 12:00",
    "judge": "2027-02-03 18:00",
    "custody_until": "2027-04-02 09:05",
    "covert_action": "2027-02-04 09:00",
    "covert_sanction": "2027-02-04 15:00",
    "covert_until": "2027-03-01 15:00",
    "covert_end": "2027-02-19 09:00",
    "covert_report": "2027-02-22 10:00",
    "term_extension": "2027-03-15 10:00",
    "extension": "2027-03-15 12:00",
    "extended_until": "2027-04-30 00:00",
    "investigation_completed": "2027-03-19 10:00",
    "familiarization_completed": "2027-03-26 16:00",
    "final_document": "2027-03-29 10:00",
    "sent_to_court": "2027-04-05 10:00",
    "court_acceptance": "2027-04-08 10:00",
    "trial_start": "2027-04-15 10:00",
    "verdict": "2027-05-12 10:00",
    "entry_into_force": "2027-05-28 10:00",
    "execution_order": "2027-05-31 10:00",
    "covert_target_notice": "2027-06-04 10:00",
    "execution_confirmation": "2027-06-10 10:00",
}
CLOCKS_2027 = {
    "R01/1": ("met", "2027-02-03 00:00"),
    # 2 months to Thu 1 Apr; extended to 30 Apr; familiarisation 7 days 6 hours added.
    "R08/2": ("met", "2027-05-07 06:00"),
    "R10/2": ("met", "2027-03-28 00:00"),
    "R36/4": ("met", "2027-02-02 12:05"),
    "R37/4": ("met", "2027-02-02 22:00"),
    "R38/4": ("met", "2027-02-03 10:00"),
    "R39/4": ("met", "2027-02-04 09:05"),
    "R41/4": ("met", "2027-02-04 01:05"),
    "X-RELEASE-DUE/4": ("met", "2027-02-04 07:05"),
    "X-HEAD/7": ("met", "2027-02-03 12:00"),
    "X-CUSTODY-PROSECUTOR/8": ("met", "2027-02-03 13:00"),
    "R42/9": ("met", "2027-02-03 20:00"),
    "R44/10": ("met", "2027-04-02 09:05"),
    "R45M/10": ("cancelled", "2027-03-23 09:05"),
    "R49/10": ("cancelled", "2027-04-01 09:05"),
    "R60/11": ("met", "2027-02-04 21:00"),
    "R62/12": ("met", "2027-03-01 15:00"),
    "R62M/12": ("met", "2027-02-26 15:00"),
    "R63/13": ("met", "2027-02-23 00:00"),  # 2 days from Fri 19 Feb: Sun 21 → Mon 22
    "X-EXT/15": ("met", "2027-03-15 13:00"),
    "R27/19": ("met", "2027-04-09 00:00"),  # the prosecutor drafts: 10 days from Mon 29 Mar
    "R76/20": ("met", "2027-04-13 00:00"),  # 5 days from Mon 5 Apr: Sat 10 → Mon 12
    "R78/21": ("met", "2027-04-24 00:00"),  # 15 days from Thu 8 Apr: Fri 23
    "R78N/21": ("met", "2027-04-13 00:00"),  # the parties' notice: 3 days, Sun 11 → Mon 12
    "R80/23": ("met", "2027-05-28 00:00"),  # 15 days from Wed 12 May: Thu 27
    "R83/24": ("met", "2027-06-01 00:00"),  # 3 days from Fri 28 May: Mon 31
    "R64/24": ("met", "2027-11-30 00:00"),  # 6 months from 28 May: Sun 28 Nov → Mon 29
}


def grave_crime(t: Mapping[str, str], final_document: str) -> Case:
    case = Case()
    register(case, t["registration"], "grave")  # 1
    case.act(
        "acceptance", "investigator", {"investigator_id": 5, "form": "preliminary"}, t["acceptance"]
    )
    case.act("prosecutor_notice", "investigator", {}, t["notice"])  # 3
    detention = {
        "party": ADULT,
        "detained_at": iso(t["detained_at"]),
        "minor": False,
        "grounds": "caught",
    }
    case.act("detention", "investigator", detention, t["detention"])  # 4
    case.act("detention_notice", "investigator", {"party": ADULT}, t["detention_notice"])
    case.act("suspect_interrogation", "investigator", {"party": ADULT}, t["interrogation"])  # 6
    case.act(
        "custody_motion",
        "investigator",
        {"party": ADULT, "grounds": "may abscond"},
        t["custody_motion"],
    )
    case.decide("investigation_head", t["head"])  # 8
    case.decide("prosecutor", t["prosecutor"])  # 9
    case.decide("investigating_judge", t["judge"], until=iso(t["custody_until"]))  # 10
    covert = {"target": ADULT, "item": 2, "grounds": "telephone contacts"}
    case.act("covert_action", "investigator", covert, t["covert_action"])  # 11
    case.decide("investigating_judge", t["covert_sanction"], until=iso(t["covert_until"]))  # 12
    case.act("covert_end", "investigator", {"covert": 11}, t["covert_end"])  # 13
    case.act("covert_report", "investigator", {"covert": 11}, t["covert_report"])  # 14
    extension = {"until": iso(t["extended_until"]), "grounds": "expert examination"}
    case.act("term_extension", "investigator", extension, t["term_extension"])  # 15
    case.decide("prosecutor", t["extension"])  # 16
    case.act("investigation_completed", "investigator", {}, t["investigation_completed"])  # 17
    assert case.clock("R08").state == "paused"
    case.act("familiarization_completed", "investigator", {}, t["familiarization_completed"])
    other = "completion_report" if final_document == "indictment" else "indictment"
    assert case.refusals(other, "investigator", {}, t["final_document"]) == ["not_applicable"]
    case.act(final_document, "investigator", {}, t["final_document"])  # 19
    assert case.state.stage == "at_prosecutor"
    case.decide("prosecutor", t["sent_to_court"])  # 20
    assert case.state.person(ADULT).status == "accused"
    case.act("court_acceptance", "trial_judge", {"route": "trial"}, t["court_acceptance"])
    case.act("trial_start", "trial_judge", {}, t["trial_start"])  # 22
    case.act(
        "verdict",
        "trial_judge",
        {"outcome": "conviction", "punishment": "imprisonment", "term_months": 72},
        t["verdict"],
    )
    case.act("entry_into_force", "trial_judge", {}, t["entry_into_force"])  # 24
    case.act(
        "execution_order",
        "trial_judge",
        {"punishment": "imprisonment", "term_months": 72, "institution_id": 9},
        t["execution_order"],
    )
    case.act("covert_target_notice", "investigator", {"covert": 11}, t["covert_target_notice"])
    case.act(
        "execution_confirmation",
        "penitentiary_officer",
        {"place": "colony 7591"},
        t["execution_confirmation"],
    )
    return case


@pytest.mark.parametrize(
    ("times", "final_document", "clocks"),
    [
        pytest.param(
            GRAVE_2026, "indictment", CLOCKS_2026, id="2026-indictment-by-the-investigator"
        ),
        pytest.param(GRAVE_2027, "completion_report", CLOCKS_2027, id="2027-report-on-completion"),
    ],
)
def test_grave_crime_with_custody_and_a_covert_action(
    times: Mapping[str, str], final_document: str, clocks: Mapping[str, tuple[str, str]]
) -> None:
    case = grave_crime(times, final_document)
    assert case.seq == 27
    assert clock_table(case.state) == clocks

    def moment(name: str) -> datetime:
        return at(times[name])

    assert_state(
        case.state,
        ProcState(
            stage="closed",
            qualification={"article": "188", "offence_category": "grave"},
            form="preliminary",
            body="police",
            registered_at=moment("registration"),
            final_decision_at=moment("verdict"),
            final_decision_seq=23,
            sentence={"punishment": "imprisonment", "term_months": 72},
            persons={
                ADULT: Person(
                    ADULT,
                    status="convicted",
                    custody_from=moment("detained_at"),
                    custody_until=moment("custody_until"),
                    interrogated_seq=6,
                )
            },
            covert={
                11: Covert(
                    seq=11,
                    item=2,
                    target=ADULT,
                    status="notified",
                    until=moment("covert_until"),
                    ended_at=moment("covert_end"),
                )
            },
        ),
    )
    assert_rebuilt(case)
