"""The procedure engine: every clock the pack starts, with its due moment worked out by hand from
the rule (art. 48 counting, the working-day calendar of calendar.toml); how clocks are met,
breached, cancelled, paused, resumed and extended; and how acts are refused.

Standard counting (S): the day of the event is not counted; N days or months end at 24:00 of the
last day (written 00:00 of the next day), moved off a day off. Liberty (L): from the actual minute,
no shift. Hours (H): exact hours. "now" is the pack's service level, 3 hours.

Calendar facts used: 2026-11-02 is a Monday; 16 December 2026 and 1, 2 and 4 January 2027 are
days off (4 January replaces 2 January, a Saturday); 8 March 2019 is a day off."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from tergeu.procedure.engine import Proposal, evaluate
from tergeu.procedure.state import ProcState, from_json, to_json
from tests.procedure.helpers import (
    ADULT,
    MINOR_2017,
    MINOR_2026,
    NEWEST,
    PACK,
    Case,
    Step,
    at,
    decide,
    detention,
    iso,
    opening,
    suspect,
)

# --- scripts: openings that later rows build on ---------------------------------------------------

GRAVE = opening("2026-11-02 10:00")  # grave crime, preliminary investigation, police
AGREED = [suspect(ADULT, "2026-11-03 10:00"), decide("prosecutor", "2026-11-03 11:00")]
DETAINED = [*GRAVE, detention(ADULT, "2026-11-03 09:05", "2026-11-03 10:00")]
CUSTODY_ASKED = [
    *DETAINED,
    Step(
        "custody_motion", "investigator", "2026-11-04 09:00", {"party": ADULT, "grounds": "flight"}
    ),
]
CUSTODY_AGREED = [
    *CUSTODY_ASKED,
    decide("investigation_head", "2026-11-04 10:00"),
    decide("prosecutor", "2026-11-04 12:00"),
]
CUSTODY = [*CUSTODY_AGREED, decide("investigating_judge", "2026-11-04 18:00")]
INSTRUCTED = [
    *GRAVE,
    Step(
        "instruction",
        "prosecutor",
        "2026-11-10 12:00",
        {"text": "interrogate the neighbours", "until": iso("2026-11-20 18:00")},
    ),
]
CUSTODY_EXTENSION = [
    *CUSTODY,
    Step(
        "custody_extension",
        "investigator",
        "2026-12-21 10:00",
        {"party": ADULT, "until": iso("2027-02-03 09:05"), "grounds": "expert examination"},
    ),
]
COVERT_ASKED = [
    *GRAVE,
    Step(
        "covert_action",
        "investigator",
        "2026-11-05 09:00",
        {"target": ADULT, "item": 2, "grounds": "calls"},
    ),
]
COVERT = [*COVERT_ASKED, decide("investigating_judge", "2026-11-05 15:00")]
COVERT_ENDED = [*COVERT, Step("covert_end", "investigator", "2026-11-20 09:00", {"covert": NEWEST})]
COMPLETED = [
    *GRAVE,
    *AGREED,
    Step("investigation_completed", "investigator", "2026-11-20 10:00"),
    Step("familiarization_completed", "investigator", "2026-11-25 10:00"),
]
INDICTED = [*COMPLETED, Step("indictment", "investigator", "2026-11-26 09:00")]
IN_COURT = [*INDICTED, decide("prosecutor", "2026-11-30 10:00")]
TRIAL = [
    *IN_COURT,
    Step("court_acceptance", "trial_judge", "2026-12-03 10:00", {"route": "trial"}),
    Step("trial_start", "trial_judge", "2026-12-10 10:00"),
]
VERDICT = [
    *TRIAL,
    Step(
        "verdict",
        "trial_judge",
        "2026-12-15 10:00",
        {"outcome": "conviction", "punishment": "imprisonment", "term_months": 60},
    ),
]
MISDEMEANOUR = [
    *opening("2026-11-02 10:00", category="misdemeanour", form="protocol"),
    *AGREED,
    Step("suspect_interrogation", "inquiry_officer", "2026-11-04 10:00", {"party": ADULT}),
]
PROTOCOL = [
    *MISDEMEANOUR,
    Step("misdemeanour_protocol", "inquiry_officer", "2026-11-10 10:00"),
    decide("inquiry_head", "2026-11-10 11:00"),
]
WRIT = [
    *opening("2026-11-02 10:00", category="small", form="inquiry"),
    *AGREED,
    Step("suspect_interrogation", "inquiry_officer", "2026-11-04 10:00", {"party": ADULT}),
    Step(
        "writ_motion",
        "inquiry_officer",
        "2026-11-06 10:00",
        {"party": ADULT, "victim_consent": True},
    ),
]
WRIT_ORDER = [
    *WRIT,
    Step("writ_order", "inquiry_officer", "2026-11-10 10:00", {"fine_mrp": 50}),
    decide("inquiry_head", "2026-11-10 11:00"),
]
WRIT_GRANTED = [*WRIT_ORDER, decide("prosecutor", "2026-11-11 09:00")]
ACCELERATED = [*GRAVE, *AGREED, Step("accelerated_mode", "investigator", "2026-11-05 10:00")]
INQUIRY = opening("2026-11-02 10:00", category="medium", form="inquiry")
# The defence: a motion of the suspect's lawyer (act 5) and evidence presented.
MOTION = [
    *GRAVE,
    *AGREED,
    Step(
        "motion",
        "defence_lawyer",
        "2026-11-04 10:00",
        {"party": ADULT, "matter": "documents", "text": "obtain the bank statements"},
    ),
]


def motion_decision(when: str, outcome: str, motion: int = 5) -> Step:
    payload = {"motion": motion, "outcome": outcome, "reasons": "not relevant"}
    return Step("motion_decision", "investigator", when, payload)


def evidence(when: str) -> Step:
    payload = {
        "party": ADULT,
        "description": "a receipt",
        "sha256": "0" * 64,
        "filename": "receipt.pdf",
        "size": 100,
        "mime": "application/pdf",
    }
    return Step("defence_evidence", "defence_lawyer", when, payload)


ACCUSATION = [
    *INQUIRY,
    *AGREED,
    Step("investigation_completed", "inquiry_officer", "2026-11-18 10:00"),
    Step("familiarization_completed", "inquiry_officer", "2026-11-19 10:00"),
    Step("accusation_protocol", "inquiry_officer", "2026-11-20 09:00"),
    decide("inquiry_head", "2026-11-20 10:00"),
]
ACCUSATION_DETAINED = [
    *INQUIRY,
    detention(ADULT, "2026-11-18 09:00", "2026-11-18 10:00"),
    Step("investigation_completed", "inquiry_officer", "2026-11-18 12:00"),
    Step("familiarization_completed", "inquiry_officer", "2026-11-18 13:00"),
    Step("accusation_protocol", "inquiry_officer", "2026-11-18 14:00"),
    decide("inquiry_head", "2026-11-18 15:00"),
]


def sanction(matter: str, **extra: str) -> Step:
    payload = {"matter": matter, "grounds": "needed", **extra}
    return Step("judicial_sanction_request", "investigator", "2026-11-04 09:00", payload)


def qualify(when: str) -> Step:
    payload = {"article": "188", "part": "2", "offence_category": "grave"}
    return Step("qualification", "investigator", when, payload)


# (rule, how it is started, due moment in Almaty, why)
DEADLINES = [
    ("R01", GRAVE, "2026-11-04 00:00", "1 day S from registration on Mon 2 Nov: last day Tue 3"),
    (
        "R01",
        opening("2026-11-06 15:00"),
        "2026-11-10 00:00",
        "registered Fri 6 Nov: last day Sat 7 moves to Mon 9",
    ),
    (
        "R05",
        [
            *GRAVE,
            Step(
                "jurisdiction_transfer",
                "investigation_head",
                "2026-11-05 10:00",
                {"to_unit_id": 3, "supervising_office_id": 2, "reason": "venue"},
            ),
        ],
        "2026-11-10 00:00",
        "5 days S from registration: last day Sat 7 Nov moves to Mon 9",
    ),
    (
        "R07",
        INQUIRY,
        "2026-12-03 00:00",
        "1 month S from registration on 2 Nov: last day Wed 2 Dec",
    ),
    (
        "R07",
        opening("2026-11-16 10:00", category="medium", form="inquiry"),
        "2026-12-18 00:00",
        "1 month from 16 Nov: 16 Dec is Independence Day, moves to Thu 17",
    ),
    (
        "R08",
        opening("2026-11-02 10:00", accepted_at="2026-11-03 09:00"),
        "2027-01-06 00:00",
        "2 months S from registration (not acceptance): 2 Jan, 3 Jan, 4 Jan are days off: Tue 5",
    ),
    ("R09", ACCELERATED, "2026-11-18 00:00", "15 days S from registration: last day Tue 17 Nov"),
    ("R10", GRAVE, "2027-01-01 00:00", "5 days before R08's end, 6 Jan 00:00"),
    ("R10", INQUIRY, "2026-11-28 00:00", "5 days before R07's end, 3 Dec 00:00"),
    (
        "R13",
        [*INDICTED, decide("prosecutor", "2026-12-10 10:00", "refused")],
        "2027-01-12 00:00",
        "1 month S from the return on 10 Dec: Sun 10 Jan moves to Mon 11",
    ),
    (
        "R14",
        [
            *opening("2019-03-01 10:00", category="misdemeanour", form="protocol"),
            suspect(ADULT, "2019-03-04 10:00"),
            Step("suspect_interrogation", "inquiry_officer", "2019-03-05 10:00", {"party": ADULT}),
        ],
        "2019-03-12 00:00",
        "3 days S from Tue 5 Mar 2019: Fri 8 Mar is a day off, then the weekend: Mon 11",
    ),
    (
        "R15",
        MISDEMEANOUR,
        "2026-11-17 00:00",
        "10 days S from the interrogation on Wed 4 Nov: Sat 14 moves to Mon 16",
    ),
    (
        "R16",
        PROTOCOL,
        "2026-11-12 00:00",
        "1 day S from reaching the prosecutor on Tue 10 Nov: last day Wed 11",
    ),
    (
        "R16I",
        [
            *opening("2026-11-02 10:00", category="misdemeanour", form="protocol"),
            detention(ADULT, "2026-11-10 08:00", "2026-11-10 09:00"),
            Step("suspect_interrogation", "inquiry_officer", "2026-11-10 09:30", {"party": ADULT}),
            Step("misdemeanour_protocol", "inquiry_officer", "2026-11-10 10:00"),
            decide("inquiry_head", "2026-11-10 10:30"),
        ],
        "2026-11-10 13:30",
        "suspect detained: immediately (3 h) from reaching the prosecutor at 10:30",
    ),
    (
        "R17",
        [
            *opening("2019-03-01 10:00", category="misdemeanour", form="protocol"),
            detention(ADULT, "2019-03-04 09:05", "2019-03-04 10:00"),
        ],
        "2019-03-05 21:05",
        "36 h L from the actual detention at 09:05",
    ),
    (
        "R18",
        [
            *opening("2026-11-02 10:00", category="misdemeanour", form="protocol"),
            detention(ADULT, "2026-11-03 09:05", "2026-11-03 10:00"),
        ],
        "2026-11-04 09:05",
        "24 h before the 48 h of detention end (5 Nov 09:05)",
    ),
    ("R19", WRIT, "2026-11-12 00:00", "5 days S from the motion on Fri 6 Nov: Wed 11"),
    ("R20", WRIT_ORDER, "2026-11-11 11:00", "24 h from reaching the prosecutor at 11:00"),
    ("R21", WRIT_GRANTED, "2026-11-17 00:00", "3 days S from Wed 11 Nov: Sat 14 moves to Mon 16"),
    (
        "R23",
        [*WRIT_GRANTED, Step("writ_verdict", "trial_judge", "2026-11-13 10:00", {"fine_mrp": 50})],
        "2026-11-21 00:00",
        "7 days S from the writ verdict on Fri 13 Nov: Fri 20",
    ),
    (
        "R24",
        [*ACCELERATED, Step("accelerated_protocol", "investigator", "2026-11-10 10:00")],
        "2026-11-14 00:00",
        "3 days S from Tue 10 Nov: Fri 13",
    ),
    (
        "R24I",
        [
            *GRAVE,
            detention(ADULT, "2026-11-03 09:05", "2026-11-03 10:00"),
            Step("accelerated_mode", "investigator", "2026-11-03 11:00"),
            Step("accelerated_protocol", "investigator", "2026-11-03 12:00"),
        ],
        "2026-11-03 15:00",
        "suspect detained (88-VII): immediately",
    ),
    (
        "R24",
        [
            *opening("2021-06-01 10:00"),
            detention(ADULT, "2021-06-02 09:05", "2021-06-02 10:00"),
            Step("accelerated_mode", "investigator", "2021-06-02 11:00"),
            Step("accelerated_protocol", "investigator", "2021-06-02 12:00"),
        ],
        "2021-06-08 00:00",
        "before 88-VII 3 days even when detained: Sat 5 Jun 2021 moves to Mon 7",
    ),
    ("R25", ACCUSATION, "2026-11-24 00:00", "3 days S from Fri 20 Nov: Mon 23"),
    ("R25I", ACCUSATION_DETAINED, "2026-11-18 18:00", "suspect detained: immediately"),
    ("R26", INDICTED, "2026-12-08 00:00", "10 days S from Thu 26 Nov: Sun 6 Dec moves to Mon 7"),
    (
        "R27",
        [
            *opening("2027-01-11 10:00"),
            suspect(ADULT, "2027-01-12 10:00"),
            decide("prosecutor", "2027-01-12 11:00"),
            Step("investigation_completed", "investigator", "2027-01-25 10:00"),
            Step("familiarization_completed", "investigator", "2027-01-28 10:00"),
            Step("completion_report", "investigator", "2027-02-01 09:00"),
        ],
        "2027-02-12 00:00",
        "10 days S from Mon 1 Feb 2027: Thu 11",
    ),
    (
        "R29",
        [
            *GRAVE,
            Step(
                "termination",
                "investigator",
                "2026-11-20 10:00",
                {"ground": "no crime", "rehabilitating": True},
            ),
        ],
        "2026-12-01 00:00",
        "10 days S from Fri 20 Nov: Mon 30",
    ),
    (
        "R31",
        [*GRAVE, Step("interruption", "investigator", "2026-11-20 10:00", {"ground": "abroad"})],
        "2026-11-24 00:00",
        "3 days S from Fri 20 Nov: Mon 23",
    ),
    ("R32", [*GRAVE, suspect(ADULT, "2026-11-03 10:00")], "2026-11-03 13:00", "immediately"),
    (
        "R34",
        [*opening("2019-03-01 10:00"), qualify("2019-03-04 10:00")],
        "2019-03-05 10:00",
        "2019: 24 h from the qualification",
    ),
    (
        "R34",
        [*GRAVE, qualify("2026-11-03 10:00"), decide("prosecutor", "2026-11-03 11:00")],
        "2026-11-04 11:00",
        "384-VI: 24 h from the prosecutor's agreement",
    ),
    ("R36", DETAINED, "2026-11-03 12:05", "3 h L from the actual detention at 09:05"),
    ("R37", DETAINED, "2026-11-03 22:00", "12 h L from the protocol at 10:00"),
    ("R38", DETAINED, "2026-11-04 10:00", "24 h L from the protocol"),
    ("R39", DETAINED, "2026-11-05 09:05", "48 h L from the actual detention"),
    (
        "R39",
        [*opening("2017-06-01 10:00"), detention(ADULT, "2017-06-05 09:05", "2017-06-05 10:00")],
        "2017-06-08 09:05",
        "before 118-VI: 72 h [U]",
    ),
    (
        "R39",
        [
            *opening("2017-06-01 10:00"),
            detention(MINOR_2017, "2017-06-05 09:05", "2017-06-05 10:00", minor=True),
        ],
        "2017-06-08 09:05",
        "before 118-VI: 72 h for a minor too",
    ),
    (
        "R39X",
        [*GRAVE, detention(ADULT, "2026-11-03 09:05", "2026-11-03 10:00", grave_exception=True)],
        "2026-11-06 09:05",
        "listed grave cases: 72 h L",
    ),
    (
        "R40",
        [*GRAVE, detention(MINOR_2026, "2026-11-03 09:05", "2026-11-03 10:00", minor=True)],
        "2026-11-04 09:05",
        "a minor: 24 h L",
    ),
    ("R41", DETAINED, "2026-11-05 01:05", "8 h before R39's end"),
    (
        "R41",
        [*GRAVE, detention(MINOR_2026, "2026-11-03 09:05", "2026-11-03 10:00", minor=True)],
        "2026-11-04 01:05",
        "8 h before R40's end",
    ),
    ("X-RELEASE-DUE", DETAINED, "2026-11-05 07:05", "2 h before R39's end"),
    ("X-INSTRUCTION", INSTRUCTED, "2026-11-20 18:00", "the date the prosecutor set"),
    ("R42", CUSTODY_AGREED, "2026-11-04 20:00", "8 h L from reaching the judge at 12:00"),
    ("X-HEAD", CUSTODY_ASKED, "2026-11-04 12:00", "the head: immediately"),
    (
        "X-CUSTODY-PROSECUTOR",
        [*CUSTODY_ASKED, decide("investigation_head", "2026-11-04 10:00")],
        "2026-11-04 13:00",
        "the prosecutor: immediately from the head's agreement",
    ),
    ("X-QUAL", [*GRAVE, qualify("2026-11-03 10:00")], "2026-11-03 13:00", "immediately"),
    (
        "X-EXT",
        [
            *GRAVE,
            Step(
                "term_extension",
                "investigator",
                "2026-12-21 10:00",
                {"until": iso("2027-02-03 00:00"), "grounds": "expertise"},
            ),
        ],
        "2026-12-21 13:00",
        "immediately [U]",
    ),
    ("R44", CUSTODY, "2027-01-03 09:05", "2 months L from the actual detention (152(6))"),
    (
        "R44",
        [
            *CUSTODY_AGREED,
            decide("investigating_judge", "2026-11-04 18:00", until=iso("2026-11-30 23:00")),
        ],
        "2026-11-30 23:00",
        "the judge's shorter end",
    ),
    ("R45", CUSTODY_EXTENSION, "2026-12-25 00:00", "3 days S from Mon 21 Dec: Thu 24"),
    ("R45M", CUSTODY, "2026-12-24 09:05", "10 days before R44's end"),
    (
        "X-CUSTODY-EXT-JUDGE",
        [*CUSTODY_EXTENSION, decide("prosecutor", "2026-12-22 10:00")],
        "2026-12-26 00:00",
        "3 days S from Tue 22 Dec: Fri 25",
    ),
    ("R49", CUSTODY, "2027-01-02 09:05", "24 h before R44's end"),
    (
        "R50",
        [
            *GRAVE,
            detention(MINOR_2026, "2026-11-03 09:05", "2026-11-03 10:00", minor=True),
            Step(
                "custody_motion",
                "investigator",
                "2026-11-03 11:00",
                {"party": MINOR_2026, "grounds": "x"},
            ),
            decide("investigation_head", "2026-11-03 12:00"),
            decide("prosecutor", "2026-11-03 13:00"),
            decide("investigating_judge", "2026-11-03 18:00"),
        ],
        "2027-05-03 09:05",
        "a minor: 6 months L from the actual detention",
    ),
    (
        "R52",
        [*GRAVE, sanction("property_arrest", identified_at=iso("2026-11-03 10:00"))],
        "2026-11-05 10:00",
        "48 h from identifying the property",
    ),
    (
        "R53",
        [*GRAVE, sanction("property_arrest", identified_at=iso("2026-11-03 10:00"))],
        "2026-11-05 09:00",
        "the judge: 24 h",
    ),
    ("R55", [*GRAVE, sanction("suspension")], "2026-11-05 09:00", "the judge: 24 h"),
    ("R56", [*GRAVE, sanction("exhumation")], "2026-11-05 09:00", "the judge: 24 h"),
    ("R57", [*GRAVE, sanction("search")], "2026-11-04 12:00", "the judge: immediately"),
    (
        "R58",
        [
            *GRAVE,
            Step(
                "urgent_action",
                "investigator",
                "2026-11-06 09:00",
                {"matter": "search", "performed_at": iso("2026-11-05 22:00"), "grounds": "flight"},
            ),
        ],
        "2026-11-07 00:00",
        "1 day S from the urgent search on Thu 5 Nov: Fri 6",
    ),
    ("R60", COVERT_ASKED, "2026-11-05 21:00", "from 01.03.2018 the judge: 12 h"),
    (
        "R60",
        [
            *opening("2018-02-26 10:00"),
            Step(
                "covert_action",
                "investigator",
                "2018-02-28 09:00",
                {"target": ADULT, "item": 2, "grounds": "x"},
            ),
        ],
        "2018-03-01 09:00",
        "until 28.02.2018 the prosecutor: 24 h",
    ),
    ("R62", COVERT, "2026-12-08 00:00", "30 days S from Thu 5 Nov: Sat 5 Dec moves to Mon 7"),
    (
        "R62",
        [
            *COVERT_ASKED,
            decide("investigating_judge", "2026-11-05 15:00", until=iso("2026-11-30 09:00")),
        ],
        "2026-11-30 09:00",
        "the judge's shorter end",
    ),
    ("R62M", COVERT, "2026-12-05 00:00", "3 days before R62's end"),
    (
        "R62C",
        [
            *opening("2018-02-26 10:00"),
            Step(
                "covert_action",
                "investigator",
                "2018-02-28 09:00",
                {"target": ADULT, "item": 2, "grounds": "x"},
            ),
            decide("prosecutor", "2018-02-28 15:00"),
        ],
        "2018-08-29 00:00",
        "until 28.02.2018: 6 months S overall, Tue 28 Aug",
    ),
    ("R63", COVERT_ENDED, "2026-11-24 00:00", "2 days S from Fri 20 Nov: Sun 22 moves to Mon 23"),
    (
        "R64",
        [
            *COVERT_ENDED,
            Step(
                "termination",
                "investigator",
                "2026-11-20 10:00",
                {"ground": "x", "rehabilitating": False},
            ),
            decide("prosecutor", "2026-11-25 10:00"),
        ],
        "2027-05-26 00:00",
        "6 months S from the approved termination on 25 Nov: Tue 25 May 2027",
    ),
    (
        "R64R",
        [
            *opening("2019-03-01 10:00"),
            Step(
                "covert_action",
                "investigator",
                "2019-03-04 09:00",
                {"target": ADULT, "item": 2, "grounds": "x"},
            ),
            decide("investigating_judge", "2019-03-04 15:00"),
            Step("covert_end", "investigator", "2019-03-18 09:00", {"covert": NEWEST}),
            Step(
                "termination",
                "investigator",
                "2019-03-20 10:00",
                {"ground": "x", "rehabilitating": True},
            ),
        ],
        "2019-09-21 00:00",
        "2019, rehabilitating termination without approval: 6 months S, Fri 20 Sep",
    ),
    ("R76", IN_COURT, "2026-12-08 00:00", "5 days S from Mon 30 Nov: Sat 5 Dec moves to Mon 7"),
    (
        "R77",
        [
            *IN_COURT,
            Step(
                "court_acceptance",
                "trial_judge",
                "2026-12-03 10:00",
                {"route": "preliminary_hearing"},
            ),
        ],
        "2026-12-15 00:00",
        "10 days S from Thu 3 Dec: Sun 13 moves to Mon 14",
    ),
    ("R78", TRIAL, "2026-12-19 00:00", "15 days S from Thu 3 Dec: Fri 18"),
    (
        "R78X",
        [
            *IN_COURT,
            Step(
                "court_acceptance",
                "trial_judge",
                "2026-12-03 10:00",
                {"route": "trial", "exceptional": True, "reasons": "a party abroad"},
            ),
        ],
        "2027-01-06 00:00",
        "exceptionally 30 days S from Thu 3 Dec: Sat 2 Jan, Sun 3, Mon 4 are off: Tue 5",
    ),
    (
        "R78N",
        TRIAL,
        "2026-12-08 00:00",
        "the parties' 3 days S from Thu 3 Dec: Sun 6 moves to Mon 7",
    ),
    (
        "R76N",
        [
            *VERDICT,
            Step("appeal", "defence_lawyer", "2026-12-21 10:00", {"by": "defender"}),
            Step("appeal_decision", "trial_judge", "2027-01-14 10:00", {"outcome": "quashed"}),
        ],
        "2027-01-20 00:00",
        "5 days S from Thu 14 Jan 2027: Tue 19",
    ),
    (
        "R79",
        [*PROTOCOL, decide("prosecutor", "2026-11-11 10:00")],
        "2026-11-27 00:00",
        "15 days S from Wed 11 Nov: Thu 26",
    ),
    ("R80", VERDICT, "2026-12-31 00:00", "15 days S from Tue 15 Dec: Wed 30"),
    (
        "R82",
        [*VERDICT, Step("appeal", "defence_lawyer", "2026-12-21 10:00", {"by": "defender"})],
        "2027-01-22 00:00",
        "1 month S from Mon 21 Dec: Thu 21 Jan",
    ),
    (
        "R83",
        [*VERDICT, Step("entry_into_force", "trial_judge", "2026-12-31 10:00")],
        "2027-01-06 00:00",
        "3 days S from 31 Dec: 3 Jan Sunday, 4 Jan a day off: Tue 5",
    ),
    ("R67", MOTION, "2026-11-10 00:00", "3 days S from Wed 4 Nov: Sat 7 moves to Mon 9"),
    (
        "R69",
        [*MOTION, motion_decision("2026-11-05 10:00", "refused")],
        "2026-11-21 00:00",
        "15 days S from Thu 5 Nov: Fri 20",
    ),
    (
        "R70",
        [
            *MOTION,
            motion_decision("2026-11-05 10:00", "refused"),
            Step(
                "defence_complaint",
                "defence_lawyer",
                "2026-11-06 10:00",
                {"motion": 5, "grounds": "x"},
            ),
        ],
        "2026-11-10 00:00",
        "3 days S from Fri 6 Nov: Mon 9",
    ),
    (
        "X-NOTICE-JUDGE",
        [
            *COVERT_ENDED,
            Step(
                "termination",
                "investigator",
                "2026-11-20 10:00",
                {"ground": "x", "rehabilitating": False},
            ),
            decide("prosecutor", "2026-11-25 10:00"),
            Step(
                "covert_notice_extension",
                "investigator",
                "2026-12-01 10:00",
                {"covert": NEWEST, "until": "2027-09-01T10:00:00+05:00", "grounds": "x"},
            ),
        ],
        "2026-12-05 00:00",
        "3 days S from Tue 1 Dec: Fri 4",
    ),
    (
        "X-DEFENCE-EVIDENCE",
        [*GRAVE, *AGREED, evidence("2026-11-04 10:00")],
        "2026-11-10 00:00",
        "3 days S from Wed 4 Nov: Sat 7 moves to Mon 9",
    ),
]


@pytest.mark.parametrize(
    ("rule", "steps", "due"),
    [pytest.param(rule, steps, due, id=f"{rule}: {why}") for rule, steps, due, why in DEADLINES],
)
def test_clock_due(rule: str, steps: list[Step], due: str) -> None:
    case = Case()
    case.play(steps)
    assert case.due(rule) == due


def test_every_deadline_rule_is_in_the_table() -> None:
    assert {row[0] for row in DEADLINES} == set(PACK.deadlines)


# --- met, breached, cancelled -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "discharge", "rule", "outcome"),
    [
        (GRAVE, Step("prosecutor_notice", "investigator", "2026-11-03 23:59"), "R01", "met"),
        (GRAVE, Step("prosecutor_notice", "investigator", "2026-11-04 00:00"), "R01", "breached"),
        (
            DETAINED,
            Step("detention_notice", "investigator", "2026-11-03 21:59", {"party": ADULT}),
            "R37",
            "met",
        ),
        (
            DETAINED,
            Step("detention_notice", "investigator", "2026-11-03 22:01", {"party": ADULT}),
            "R37",
            "breached",
        ),
        (
            DETAINED,
            Step("suspect_interrogation", "investigator", "2026-11-04 09:00", {"party": ADULT}),
            "R38",
            "met",
        ),
        (
            DETAINED,
            Step("suspect_interrogation", "investigator", "2026-11-04 11:00", {"party": ADULT}),
            "R38",
            "breached",
        ),
        (CUSTODY_ASKED, decide("investigation_head", "2026-11-04 11:59"), "X-HEAD", "met"),
        (CUSTODY_ASKED, decide("investigation_head", "2026-11-04 12:30"), "X-HEAD", "breached"),
        (
            COVERT_ENDED,
            Step("covert_report", "investigator", "2026-11-23 18:00", {"covert": NEWEST}),
            "R63",
            "met",
        ),
        (
            COVERT_ENDED,
            Step("covert_report", "investigator", "2026-11-24 09:00", {"covert": NEWEST}),
            "R63",
            "breached",
        ),
        ([*GRAVE], detention(ADULT, "2026-11-03 09:05", "2026-11-03 12:04"), "R36", "met"),
        ([*GRAVE], detention(ADULT, "2026-11-03 09:05", "2026-11-03 12:06"), "R36", "breached"),
    ],
)
def test_clock_met_or_breached(steps: list[Step], discharge: Step, rule: str, outcome: str) -> None:
    case = Case()
    case.play([*steps, discharge])
    clock = case.clock(rule)
    assert clock.state == outcome
    assert clock.closed_at == at(discharge.when)


def test_release_cancels_the_detention_clocks() -> None:
    case = Case()
    case.play(DETAINED)
    verdict = case.act(
        "release", "investigator", {"party": ADULT, "grounds": "not confirmed"}, "2026-11-03 15:00"
    )
    ops = {(change.clock.rule, change.op) for change in verdict.changes}
    assert ops == {
        ("R37", "cancelled"),
        ("R38", "cancelled"),
        ("R41", "cancelled"),
        ("R39", "met"),
        ("X-RELEASE-DUE", "met"),  # released before the alert
    }
    assert case.state.person(ADULT).detained_at is None
    assert [c.rule for c in case.state.open_clocks()] == ["R01", "R08", "R10"]


def test_a_release_of_one_person_leaves_the_clocks_of_another() -> None:
    other = "iin:850505300456"
    case = Case()
    case.play([*DETAINED, detention(other, "2026-11-03 09:30", "2026-11-03 10:30")])
    case.act("release", "investigator", {"party": ADULT, "grounds": "alibi"}, "2026-11-03 15:00")
    assert case.clock("R39", ADULT).state == "met"
    assert case.clock("R39", other).state == "running"
    assert case.clock("R41", other).state == "running"


# --- pauses -------------------------------------------------------------------------------------


def test_familiarisation_pauses_the_investigation_term() -> None:
    case = Case()
    case.play([*GRAVE, *AGREED])
    # The prosecutor's agreement with the recognition (1 h) is excluded from the term (192(3)).
    assert case.due("R08") == "2027-01-06 01:00"
    verdict = case.act("investigation_completed", "investigator", None, "2026-11-20 10:00")
    assert {(c.clock.rule, c.op) for c in verdict.changes} == {("R08", "paused"), ("R10", "paused")}
    assert case.clock("R08").state == "paused"
    verdict = case.act("familiarization_completed", "investigator", None, "2026-11-25 16:30")
    assert {(c.clock.rule, c.op) for c in verdict.changes} == {
        ("R08", "resumed"),
        ("R10", "resumed"),
    }
    # 5 days 6 h 30 min of familiarisation are added to what was left.
    assert case.due("R08") == "2027-01-11 07:30"
    assert case.due("R10") == "2027-01-06 07:30"
    assert case.clock("R08").state == "running"


def test_interruption_stops_the_term_until_resumption() -> None:
    case = Case()
    case.play(GRAVE)
    case.act("interruption", "investigator", {"ground": "suspect abroad"}, "2026-11-20 10:00")
    assert case.state.stage == "interruption_pending"
    assert case.clock("R08").state == "running"  # still running while the prosecutor decides
    case.decide("prosecutor", "2026-11-21 10:00")
    assert case.state.stage == "terms_interrupted"
    assert case.clock("R08").state == "paused"
    case.act("resumption", "investigator", {"grounds": "returned"}, "2027-02-01 10:00")
    assert case.state.stage == "under_investigation"
    assert case.clock("R08").state == "running"
    # Paused from 21 Nov 10:00 to 1 Feb 10:00: 72 days added to 6 Jan 00:00.
    assert case.due("R08") == "2027-03-19 00:00"
    assert case.due("R10") == "2027-03-14 00:00"


# --- extensions ---------------------------------------------------------------------------------


def test_term_extension_moves_the_investigation_term() -> None:
    case = Case()
    case.play(GRAVE)
    case.act(
        "term_extension",
        "investigator",
        {"until": iso("2027-02-03 00:00"), "grounds": "expertise"},
        "2026-12-21 10:00",
    )
    assert case.clock("R10").state == "met"
    verdict = case.decide("prosecutor", "2026-12-21 12:00")
    assert [(c.clock.rule, c.op) for c in verdict.changes] == [
        ("X-EXT", "met"),
        ("R08", "extended"),
    ]
    assert case.due("R08") == "2027-02-03 00:00"


def test_custody_extension_moves_the_custody_term_and_its_lead_times() -> None:
    case = Case()
    case.play([*CUSTODY_EXTENSION, decide("prosecutor", "2026-12-22 10:00")])
    assert case.clock("R45M").state == "met"  # the motion was filed 10 days before
    case.decide("investigating_judge", "2026-12-23 10:00")
    assert case.due("R44") == "2027-02-03 09:05"
    assert case.state.person(ADULT).custody_until == at("2027-02-03 09:05")
    first, second = case.clocks("R49")
    assert first.state == "cancelled"
    assert (second.state, case.due("R49")) == ("running", "2027-02-02 09:05")
    assert case.due("R45M") == "2027-01-24 09:05"


def test_covert_extension_moves_the_period_and_its_motion() -> None:
    case = Case()
    case.play(COVERT)
    case.act(
        "covert_extension",
        "investigator",
        {"covert": NEWEST, "until": iso("2027-01-04 15:00"), "grounds": "ongoing"},
        "2026-12-01 10:00",
    )
    assert case.clock("R62M").state == "met"
    case.decide("investigating_judge", "2026-12-01 16:00")
    assert case.due("R62") == "2027-01-04 15:00"
    assert case.due("R62M") == "2027-01-01 15:00"
    assert case.state.covert[3].until == at("2027-01-04 15:00")


def test_custody_may_not_exceed_two_months_from_the_actual_detention() -> None:
    case = Case()
    case.play(CUSTODY_AGREED)
    before = case.state
    verdict = case.act(
        "decision",
        "investigating_judge",
        {"request": NEWEST, "outcome": "granted", "until": iso("2027-01-03 09:06")},
        "2026-11-04 18:00",
        accepted=False,
    )
    assert [r.code for r in verdict.reasons] == ["term_exceeds_maximum"]
    assert verdict.reasons[0].details == {
        "until": iso("2027-01-03 09:06"),
        "maximum": iso("2027-01-03 09:05"),
        "rule": "R44",
    }
    assert verdict.state is before
    case.decide("investigating_judge", "2026-11-04 18:00", until=iso("2027-01-03 09:05"))
    assert case.due("R44") == "2027-01-03 09:05"


def test_custody_clocks_end_with_the_notice_of_the_end_of_investigative_actions() -> None:
    case = Case()
    case.play([*CUSTODY, Step("investigation_completed", "investigator", "2026-12-01 10:00")])
    assert case.clock("R44").state == "met"
    assert case.clock("R45M").state == "cancelled"
    assert case.clock("R49").state == "cancelled"


# --- refusals -----------------------------------------------------------------------------------


def test_every_reason_is_returned_at_once() -> None:
    case = Case()
    case.play(CUSTODY)  # the suspect is in custody
    case.act("investigation_completed", "investigator", None, "2026-12-01 10:00")
    # The prosecutor may not detain, not at familiarisation, and not a person in custody.
    reasons = case.act(
        "detention",
        "prosecutor",
        {"party": ADULT, "detained_at": iso("2026-12-01 09:00"), "minor": False, "grounds": "x"},
        "2026-12-01 11:00",
        accepted=False,
    ).reasons
    assert [r.code for r in reasons] == [
        "role_not_allowed",
        "stage_not_allowed",
        "already_detained",
    ]
    assert [r.article for r in reasons] == ["128, 131", "128, 131", "128"]
    assert reasons[1].details == {
        "stage": "familiarization",
        "allowed": ["registered", "under_investigation"],
    }


def test_payload_and_predicates_are_reported_together() -> None:
    case = Case()
    case.play(GRAVE)
    codes = case.refusals(
        "detention",
        "investigator",
        {
            "party": MINOR_2026,
            "detained_at": iso("2026-11-03 11:00"),
            "minor": False,
            "grounds": "x",
        },
        "2026-11-03 10:00",
    )
    assert codes == ["detained_after_protocol", "minor_mismatch"]
    assert case.refusals("detention", "investigator", {"party": "someone"}, "2026-11-03 10:00") == [
        "payload_type",
        "payload_missing",
        "payload_missing",
        "payload_missing",
    ]


def test_a_refused_verdict_returns_the_same_state() -> None:
    case = Case()
    case.play(DETAINED)
    state = case.state
    proposal = Proposal(
        "custody_motion", ("prosecutor",), {"party": "x"}, at("2026-11-03 11:00"), 4
    )
    verdict = evaluate(PACK, state, proposal)
    assert not verdict.accepted
    assert verdict.state is state
    assert verdict.changes == ()
    assert verdict.awaiting == ()
    assert verdict.notices == ()


@pytest.mark.parametrize(
    ("steps", "kind", "role", "payload", "when", "codes"),
    [
        ([], "arrest_warrant", "investigator", {}, "2026-11-02 10:00", ["unknown_kind"]),
        (GRAVE, "completion_report", "investigator", {}, "2021-06-01 10:00", ["kind_not_in_force"]),
        (
            opening("2017-06-01 10:00", category="small"),
            "writ_motion",
            "investigator",
            {"party": ADULT, "victim_consent": True},
            "2017-06-05 10:00",
            ["kind_not_in_force"],
        ),
        (
            GRAVE,
            "registration",
            "registrar",
            {},
            "2026-11-03 10:00",
            ["case_exists", *["payload_missing"] * 5],
        ),
        (
            CUSTODY_ASKED,
            "decision",
            "prosecutor",
            {"request": NEWEST, "outcome": "granted"},
            "2026-11-04 10:00",
            ["role_not_allowed"],
        ),
        (
            CUSTODY_ASKED,
            "decision",
            "investigation_head",
            {"request": 99, "outcome": "granted"},
            "2026-11-04 10:00",
            ["no_such_request"],
        ),
        (
            CUSTODY_ASKED,
            "decision",
            "investigation_head",
            {"request": NEWEST, "outcome": "refused"},
            "2026-11-04 10:00",
            ["reasons_required"],
        ),
        (
            CUSTODY_ASKED,
            "decision",
            "investigation_head",
            {"request": NEWEST, "outcome": "shortened", "reasons": "x"},
            "2026-11-04 10:00",
            ["outcome_not_allowed", "until_required"],
        ),
        (
            CUSTODY_ASKED,
            "decision",
            "investigation_head",
            {"request": NEWEST, "outcome": "granted", "until": iso("2026-11-04 09:00")},
            "2026-11-04 10:00",
            ["until_invalid"],
        ),
        (
            CUSTODY_ASKED,
            "custody_motion",
            "investigator",
            {"party": ADULT, "grounds": "again"},
            "2026-11-04 10:00",
            ["request_pending"],
        ),
        (
            INDICTED[:-1],
            "completion_report",
            "investigator",
            {},
            "2026-11-26 09:00",
            ["not_applicable"],
        ),
        (VERDICT, "entry_into_force", "trial_judge", {}, "2026-12-30 23:59", ["window_open"]),
    ],
)
def test_refusal(
    steps: list[Step], kind: str, role: str, payload: dict[str, object], when: str, codes: list[str]
) -> None:
    case = Case()
    case.play(steps)
    assert case.refusals(kind, role, payload, when) == codes


def test_allowed_checks_without_a_payload() -> None:
    from tergeu.procedure.engine import allowed

    proposal = Proposal("detention", ("prosecutor",), {}, at("2026-11-02 10:00"), 1)
    assert [r.code for r in allowed(PACK, ProcState(), proposal)] == [
        "role_not_allowed",
        "stage_not_allowed",
    ]


# --- sanctions without a term, and extensions that came too late ---------------------------------


def test_a_sanction_without_a_term_runs_for_the_statutory_maximum() -> None:
    case = Case()
    case.play([*CUSTODY, *COVERT[len(GRAVE) :]])
    person = case.state.person(ADULT)
    assert (person.custody_from, person.custody_until) == (at("2026-11-03 09:05"), None)
    (covert,) = case.state.covert.values()
    assert (covert.status, covert.until) == ("running", None)
    assert case.due("R62") == "2026-12-08 00:00"
    # In custody for the predicates: may not be detained again, may be released or extended.
    payload = {
        "party": ADULT,
        "detained_at": iso("2026-11-06 09:00"),
        "minor": False,
        "grounds": "x",
    }
    assert case.refusals("detention", "investigator", payload, "2026-11-06 10:00") == [
        "already_detained"
    ]


def test_a_custody_extension_granted_after_the_release_is_moot() -> None:
    case = Case()
    case.play([*CUSTODY_EXTENSION, decide("prosecutor", "2026-12-22 10:00")])
    case.act("release", "investigator", {"party": ADULT, "grounds": "bail"}, "2026-12-22 12:00")
    case.decide("investigating_judge", "2026-12-23 10:00")
    person = case.state.person(ADULT)
    assert (person.custody_from, person.custody_until, person.detained_at) == (None, None, None)
    assert case.clock("R44").state == "met"  # discharged by the release, not extended
    assert [c.rule for c in case.state.open_clocks()] == ["R01", "R08", "R10"]


def test_a_covert_extension_granted_after_the_action_ended_is_moot() -> None:
    case = Case()
    case.play(COVERT)
    payload = {"covert": NEWEST, "until": iso("2027-01-04 15:00"), "grounds": "ongoing"}
    case.act("covert_extension", "investigator", payload, "2026-12-01 10:00")
    case.act("covert_end", "investigator", {"covert": NEWEST}, "2026-12-01 12:00")
    case.decide("investigating_judge", "2026-12-01 16:00")
    assert case.state.covert[3].status == "ended"
    assert case.clock("R62").state == "met"
    assert case.due("R62") == "2026-12-08 00:00"


# --- Almaty's offset change (+06 to +05 at 2024-03-01 00:00: 23:00–24:00 of 29 February repeats) --


def test_hour_terms_are_exact_across_the_offset_change() -> None:
    def elapsed(rule: str, since: str) -> timedelta:
        # Differences of one zone's datetimes are wall-clock differences: compare in UTC.
        return case.clock(rule).due_at.astimezone(UTC) - at(since).astimezone(UTC)

    case = Case()
    case.play(opening("2024-02-26 10:00"))
    case.play([detention(ADULT, "2024-02-29 20:00", "2024-02-29 22:30")])
    assert elapsed("R37", "2024-02-29 22:30") == timedelta(hours=12)  # 09:30 +05 on 1 March
    assert elapsed("R41", "2024-02-29 20:00") == timedelta(hours=40)
    case.act("custody_motion", "investigator", {"party": ADULT, "grounds": "x"}, "2024-02-29 22:40")
    assert elapsed("X-HEAD", "2024-02-29 22:40") == timedelta(hours=3)  # immediately


def test_a_state_with_a_moment_in_the_repeated_hour_survives_json() -> None:
    case = Case()
    case.play(opening("2024-02-26 10:00"))
    case.play([detention(ADULT, "2024-02-27 23:30", "2024-02-28 00:30")])
    assert case.clock("R39").due_at.isoformat() == "2024-02-29T23:30:00+06:00"  # the first
    assert from_json(to_json(case.state)) == case.state


def test_an_instruction_is_carried_out_and_its_date_is_capped() -> None:
    case = Case()
    case.play(INSTRUCTED)
    seq = case.seq
    verdict = case.act(
        "instruction_done",
        "investigator",
        {"instruction": seq, "text": "done"},
        "2026-11-19 10:00",
    )
    assert {(c.clock.rule, c.op) for c in verdict.changes} == {("X-INSTRUCTION", "met")}
    # another number is refused; a date beyond the system's bound too
    refused = case.act(
        "instruction_done",
        "investigator",
        {"instruction": seq, "text": "again"},
        "2026-11-19 11:00",
        accepted=False,
    )
    assert [r.code for r in refused.reasons] == ["no_open_instruction"]
    too_late = case.act(
        "instruction",
        "prosecutor",
        {"text": "x", "until": iso("2028-01-01 00:00")},
        "2026-11-19 12:00",
        accepted=False,
    )
    assert [r.code for r in too_late.reasons] == ["term_exceeds_maximum"]


def test_a_cancelled_termination_reopens_the_case_for_a_month() -> None:
    case = Case()
    case.play(GRAVE)
    case.act(
        "termination",
        "investigator",
        {"ground": "35(1)(2)", "rehabilitating": True},
        "2026-11-10 10:00",
    )
    case.act(
        "decision", "prosecutor", {"request": case.seq, "outcome": "granted"}, "2026-11-11 10:00"
    )
    assert case.state.stage == "terminated"
    assert case.state.final_decision_at is not None
    verdict = case.act(
        "termination_cancelled", "prosecutor", {"reasons": "unlawful"}, "2026-11-20 10:00"
    )
    assert case.state.stage == "under_investigation"
    assert case.state.final_decision_at is None
    started = {c.clock.rule: c.clock for c in verdict.changes if c.op == "started"}
    # 1 month S from 20 Nov: 20 Dec is a Sunday, so the term ends on Monday 21 Dec at 24:00
    assert started["R13"].due_at == at("2026-12-22 00:00")
