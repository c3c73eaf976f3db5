"""The demo's crime reports and cases, written only through the services (report intake and
decisions, registration, act_append, participant admission) with the clock set to the moment
each step happened, over the past months.

Every step of every report is planned first (a fixed random seed makes the plan the same on
every run), then all steps are played in time order, so register numbers rise with
registration time as they do in the real register.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from tergeu import clock
from tergeu.accounts.models import Agency, DutyShift, Official, Role
from tergeu.cases.models import Case
from tergeu.cases.services import participant_admit
from tergeu.defence.services import defence_notice_file, motion_file
from tergeu.demo.people import FakePerson, PersonFactory, entity_bins
from tergeu.demo.reference import Reference
from tergeu.demo.stories import (
    ANTI_CORRUPTION,
    ECONOMIC,
    NOT_REGISTERED,
    NOTES,
    POLICE,
    STREETS_ALMATY,
    STREETS_ASTANA,
    TRANSFER_REASONS,
    Crime,
    Undecided,
)
from tergeu.evidence.services import evidence_seize, evidence_step
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tergeu.procedure.state import from_json, is_minor
from tergeu.registry.models import CrimeReport, ReportSource, ReportStatus
from tergeu.registry.services import (
    report_forward,
    report_receive,
    report_refuse,
    report_register,
    report_transfer,
)

SEED = 20140704  # the date of the Criminal Procedure Code
HISTORY_DAYS = 170
UNDECIDED = 5  # recent reports still awaiting a decision
# Cases of the Almaty police before the demo's trial judge, each stopped at a stage of the court
# (and the days since it was sent there), so that the court's page, its hearing calendar and the
# colony's execution orders have something to show; and one still investigated, its suspect's
# telephone contacts watched with the investigating judge's sanction.
COURT_UNIT = "7511"
COURT_ARTICLES = ("188", "192")
COURT_STORIES = (
    ("investigation", -8),  # still investigated: it would go to court in 8 days
    ("sent_to_court", 2),
    ("trial_scheduled", 3),
    ("trial_scheduled", 6),
    ("trial", 10),
    ("judgment_issued", 15),
    ("in_force", 29),
    ("execution", 31),
    ("closed", 40),
)


@dataclass(frozen=True)
class Unit:
    """An investigating body of the demo and who does what in it (usernames)."""

    code: str
    weight: int  # how many of the demo's cases it registers (50 in all)
    registrar: str
    head: str
    investigator: str
    prosecutor: str
    crimes: tuple[Crime, ...]
    streets: tuple[str, ...]
    city: str
    inquiry_officer: str = ""
    inquiry_head: str = ""


UNITS = (
    Unit(
        "7511", 28, "registrar", "investigation_head", "investigator", "prosecutor", POLICE,
        STREETS_ALMATY, "г. Алматы", "inquiry_officer", "inquiry_head",
    ),
    Unit(
        "7512", 5, "bostandyk_investigator", "bostandyk_head", "bostandyk_investigator",
        "bostandyk_prosecutor", POLICE, STREETS_ALMATY, "г. Алматы",
    ),
    Unit(
        "7531", 5, "ak_investigator", "ak_head", "ak_investigator", "prosecutor",
        ANTI_CORRUPTION, STREETS_ALMATY, "г. Алматы",
    ),
    Unit(
        "7541", 4, "er_investigator", "er_head", "er_investigator", "prosecutor", ECONOMIC,
        STREETS_ALMATY, "г. Алматы",
    ),
    Unit(
        "7111", 8, "astana_registrar", "astana_head", "astana_investigator", "astana_prosecutor",
        POLICE, STREETS_ASTANA, "г. Астана",
    ),
)  # fmt: skip
UNIT_BY_CODE = {u.code: u for u in UNITS}


@dataclass
class Story:
    """One report's context while its steps are played."""

    unit: Unit
    report: CrimeReport | None = None
    case: Case | None = None
    applicant: FakePerson | None = None
    lead: str = ""


@dataclass(order=True)
class Step:
    """One planned call of a service, played with the clock frozen at `at`."""

    at: datetime
    order: int
    run: Callable[[], None] = field(compare=False)


@dataclass(frozen=True)
class DemoSummary:
    """What was loaded, for the command's report."""

    cases: int
    reports: int
    acts: int
    stages: dict[str, int]
    report_statuses: dict[str, int]


class Planner:
    """Plans every report's steps against the loaded reference data."""

    def __init__(self, ref: Reference, anchor: datetime) -> None:
        self.ref = ref
        self.anchor = anchor
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets
        self.people = PersonFactory(self.rng)
        self.entities = entity_bins()
        self.steps: list[Step] = []
        self.defended = False  # the demo lawyer defends the first detained suspect

    def official(self, username: str) -> Official:
        return self.ref.officials[username]

    def agency(self, code: str) -> Agency:
        return self.ref.agencies[code]

    def add(self, at: datetime, run: Callable[[], None]) -> bool:
        """Plan a step; a step that would happen after the anchor (now) is dropped, and so is
        the rest of that story (the caller stops)."""
        if at > self.anchor:
            return False
        self.steps.append(Step(at, len(self.steps), run))
        return True

    def office_hours(self, days_ago: float) -> datetime:
        """A moment `days_ago` before the anchor, moved into 09:00–19:00 local time."""
        zone = clock.legal_zone()
        day = (self.anchor - timedelta(days=days_ago)).astimezone(zone).date()
        minutes = self.rng.randrange(9 * 60, 19 * 60)
        return datetime.combine(day, time(0, 0), tzinfo=zone) + timedelta(minutes=minutes)

    def later(self, at: datetime, min_hours: float, max_hours: float) -> datetime:
        return at + timedelta(minutes=self.rng.randrange(int(min_hours * 60), int(max_hours * 60)))

    # --- reports -------------------------------------------------------------------------

    def receive(self, story: Story, at: datetime, summary: str, source: str) -> None:
        unit = story.unit
        street = self.rng.choice(unit.streets)
        place = f"{unit.city}, {street}, д. {self.rng.randrange(1, 200)}"
        event_time = at - timedelta(hours=self.rng.randrange(1, 48))
        needs_applicant = source not in (ReportSource.OFFICIAL_REPORT, ReportSource.MEDIA)
        story.applicant = self.people.person() if needs_applicant else None

        def run() -> None:
            applicant = story.applicant
            person = None
            if applicant is not None:
                person = person_get_or_create(
                    iin=applicant.iin,
                    last_name=applicant.last_name,
                    first_name=applicant.first_name,
                    patronymic=applicant.patronymic,
                )
            story.report = report_receive(
                agency=self.agency(unit.code),
                received_by=self.official(unit.registrar),
                source=source,
                summary=summary,
                received_at=at,
                applicant_person=person,
                event_place=place,
                event_time=event_time,
            )

        self.add(at, run)

    def not_registered(self, item: Undecided, days_ago: float) -> None:
        story = Story(UNIT_BY_CODE["7511"])
        at = self.office_hours(days_ago)
        self.receive(story, at, item.summary, item.source)
        decided = self.later(at, 80, 100) if item.late else self.later(at, 2, 40)
        actor = self.official(story.unit.registrar)

        def run() -> None:
            assert story.report is not None
            if item.decision == ReportStatus.REFUSED:
                report_refuse(
                    report=story.report, actor=actor, ground=item.ground, reasons=item.reasons
                )
            elif item.decision == ReportStatus.TRANSFERRED:
                report_transfer(
                    report=story.report,
                    actor=actor,
                    to_agency=self.agency(item.to_unit),
                    reasons=item.reasons,
                )
            else:
                report_forward(
                    report=story.report,
                    actor=actor,
                    status=item.decision,
                    addressee=item.addressee,
                    reasons=item.reasons,
                )

        self.add(decided, run)

    def undecided(self, unit: Unit) -> None:
        crime = self.rng.choice(unit.crimes)
        self.receive(
            Story(unit),
            self.anchor - timedelta(hours=self.rng.randrange(2, 30)),
            crime.summary,
            crime.source,
        )

    # --- cases ---------------------------------------------------------------------------

    def case(self, unit: Unit, depth: str) -> None:
        """A registered case: `depth` is "registered" (awaiting acceptance), "accepted", "full"
        or "transfer" (full, then transferred by jurisdiction)."""
        rng = self.rng
        crime = rng.choice(unit.crimes)
        story = Story(unit)
        # Cases still awaiting acceptance are the recent registrations.
        days_ago = rng.uniform(1, 10) if depth == "registered" else rng.uniform(3, HISTORY_DAYS)
        received = self.office_hours(days_ago)
        self.receive(story, received, crime.summary, crime.source)
        at = self.later(received, 1, 20)
        registrar = self.official(unit.registrar)

        def register() -> None:
            assert story.report is not None
            story.case = report_register(
                report=story.report, actor=registrar, qualification=crime.qualification()
            )

        if not self.add(at, register) or depth == "registered":
            return
        accepted = self.accept(story, crime, self.later(at, 2, 48))
        if accepted is None or depth == "accepted":
            return
        investigated = self.investigate(story, crime, accepted)
        if investigated is not None and depth == "transfer":
            self.transfer(story, self.later(investigated, 24, 240))

    def accept(self, story: Story, crime: Crime, at: datetime) -> datetime | None:
        unit = story.unit
        inquiry = crime.form != "preliminary" and unit.inquiry_officer
        head = self.official(unit.inquiry_head if inquiry else unit.head)
        story.lead = unit.inquiry_officer if inquiry else unit.investigator
        investigator = self.official(story.lead)

        def run() -> None:
            assert story.case is not None
            act_append(
                case=story.case,
                kind="acceptance",
                actor=head,
                payload={"investigator_id": investigator.pk, "form": crime.form},
            )

        return at if self.add(at, run) else None

    def act(
        self, story: Story, at: datetime, actor: str, kind: str, payload: Mapping[str, Any]
    ) -> bool:
        official = self.official(actor)

        def run() -> None:
            assert story.case is not None
            act_append(case=story.case, kind=kind, actor=official, payload=payload)

        return self.add(at, run)

    def admit(self, story: Story, at: datetime, role: str, person: FakePerson) -> bool:
        lead = self.official(story.lead)

        def run() -> None:
            assert story.case is not None
            participant_admit(
                case=story.case,
                actor=lead,
                role=role,
                iin=person.iin,
                last_name=person.last_name,
                first_name=person.first_name,
                patronymic=person.patronymic,
            )

        return self.add(at, run)

    def admit_entity(self, story: Story, at: datetime) -> bool:
        lead = self.official(story.lead)
        bin_, name = self.rng.choice(self.entities)

        def run() -> None:
            assert story.case is not None
            participant_admit(
                case=story.case, actor=lead, role="civil_plaintiff", bin=bin_, entity_name=name
            )

        return self.add(at, run)

    def decide(self, story: Story, at: datetime, actor: str, kind: str) -> bool:
        """The official grants the open request of `kind` (found when the step is played)."""
        official = self.official(actor)

        def run() -> None:
            assert story.case is not None
            state = from_json(story.case.procedure)
            seq = max(r.seq for r in state.requests.values() if r.kind == kind)
            act_append(
                case=story.case,
                kind="decision",
                actor=official,
                payload={"request": seq, "outcome": "granted"},
            )

        return self.add(at, run)

    def detain(self, story: Story, at: datetime, person: FakePerson) -> datetime | None:
        """A detention with its notice and interrogation; then a release, or a custody motion
        agreed by the head and the prosecutor and awaiting the investigating judge."""
        party = f"iin:{person.iin}"
        detained_at = at - timedelta(minutes=self.rng.randrange(20, 150))
        payload = {
            "party": party,
            "detained_at": detained_at.isoformat(),
            "minor": is_minor(party, detained_at.date()),
            "grounds": "задержан на месте преступления",
        }
        steps: list[tuple[datetime, str, str, Mapping[str, Any]]] = [
            (at, story.lead, "detention", payload),
            (self.later(at, 1, 10), story.lead, "detention_notice", {"party": party}),
            (self.later(at, 2, 20), story.lead, "suspect_interrogation", {"party": party}),
        ]
        for when, actor, kind, body in steps:
            if not self.act(story, when, actor, kind, body):
                return None
        self.defend(story, at + timedelta(minutes=30), person)
        at = max(when for when, *_ in steps)
        if self.rng.random() < 0.5:
            at = self.later(at, 1, 12)
            release = {"party": party, "grounds": "основания для задержания отпали"}
            return at if self.act(story, at, story.lead, "release", release) else None
        at = self.later(at, 1, 4)
        motion = {"party": party, "grounds": "может скрыться от следствия"}
        if not self.act(story, at, story.lead, "custody_motion", motion):
            return None
        at = self.later(at, 1, 3)
        if not self.decide(story, at, story.unit.head, "custody_motion"):
            return None
        at = self.later(at, 1, 3)
        return at if self.decide(story, at, story.unit.prosecutor, "custody_motion") else None

    def defend(self, story: Story, at: datetime, person: FakePerson) -> None:
        """The demo lawyer enters the first case with a detained suspect by a notice of defence
        and files a motion, whose 3-day clock then shows in the case. No random draw: the rest
        of the demo stays as it was."""
        if self.defended:
            return
        lawyer = self.official("defence_lawyer")

        def run() -> None:
            assert story.case is not None
            defence_notice_file(
                lawyer=lawyer, register_number=story.case.register_number, client_iin=person.iin
            )
            motion_file(
                case=story.case,
                lawyer=lawyer,
                party=f"iin:{person.iin}",
                matter="expertise",
                text="Назначить судебно-медицинское освидетельствование задержанного",
            )

        self.defended = self.add(at, run)

    def investigate(self, story: Story, crime: Crime, at: datetime) -> datetime | None:
        """The procedural prosecutor, participants, requalification and notes, in time order;
        None once a step falls after the anchor."""
        rng, unit = self.rng, story.unit
        prosecutor = self.official(unit.prosecutor)
        if rng.random() < 0.85:  # the rest show the duty of art. 179(1) overdue
            at = self.later(at, 1, 20)
            if not self.act(story, at, story.lead, "prosecutor_notice", {}):
                return None
        at = self.later(at, 4, 72)
        if not self.act(
            story,
            at,
            unit.prosecutor,
            "procedural_prosecutor_assignment",
            {"prosecutor_id": prosecutor.pk},
        ):
            return None
        admissions: list[tuple[str, FakePerson | None]] = []
        if story.applicant is not None:
            admissions.append(("victim", story.applicant))
        if rng.random() < 0.6:
            admissions.append(("suspect", self.people.person()))
        admissions += [("witness", self.people.person()) for _ in range(rng.randrange(3))]
        if unit.crimes is ECONOMIC:
            admissions.append(("civil_plaintiff", None))
        for role, person in admissions:
            at = self.later(at, 1, 96)
            done = self.admit(story, at, role, person) if person else self.admit_entity(story, at)
            if not done:
                return None
            if role == "suspect" and person is not None and rng.random() < 0.5:
                detained = self.detain(story, self.later(at, 1, 48), person)
                if detained is None:
                    return None
                at = detained
        if crime.requalified and rng.random() < 0.7:
            part, paragraph, category = crime.requalified
            at = self.later(at, 24, 240)
            payload = {
                "article": crime.article,
                "part": part,
                "paragraph": paragraph,
                "offence_category": category,
            }
            if not self.act(story, at, story.lead, "qualification", payload):
                return None
            at = self.later(at, 1, 8)
            if not self.decide(story, at, unit.prosecutor, "qualification"):
                return None
        for text in rng.sample(NOTES, rng.randrange(1, 4)):
            at = self.later(at, 2, 120)
            if not self.act(story, at, story.lead, "note", {"text": text}):
                return None
        return at

    def to_court(self, stop: str, days_ago: float) -> None:
        """A case investigated, sent to court `days_ago`, and taken by the court as far as
        `stop`: accepted with its hearing set a week after it arrived, the trial, a verdict of
        imprisonment, in force after the appeal window, executed by the colony. Stopped at
        "investigation", it is not sent (`days_ago` then counts to the day it would be), and a
        covert action watches its suspect."""
        unit = UNIT_BY_CODE[COURT_UNIT]
        # Theft and robbery (arts 188, 192): the investigator still draws up the indictment
        # (until the pack's switch `prosecutor_indictment` reaches them in 2027).
        crimes = [c for c in unit.crimes if c.form == "preliminary" and c.article in COURT_ARTICLES]
        crime = self.rng.choice(crimes)
        story = Story(unit)
        sent = self.office_hours(days_ago)
        received = sent - timedelta(days=25)
        self.receive(story, received, crime.summary, crime.source)
        registrar = self.official(unit.registrar)

        def register() -> None:
            assert story.report is not None
            story.case = report_register(
                report=story.report, actor=registrar, qualification=crime.qualification()
            )

        self.add(self.later(received, 1, 20), register)
        at = self.accept(story, crime, received + timedelta(days=1))
        assert at is not None
        suspect = self.people.person()
        party = f"iin:{suspect.iin}"
        if story.applicant is not None:
            self.admit(story, at + timedelta(hours=2), "victim", story.applicant)
        self.admit(story, at + timedelta(hours=3), "suspect", suspect)
        self.act(story, at + timedelta(hours=1), story.lead, "prosecutor_notice", {})
        lead, prosecutor, judge = story.lead, unit.prosecutor, "trial_judge"
        investigator = self.official(lead)
        seal = f"№ {self.rng.randrange(1000, 9999)}"

        def seize() -> None:  # the stolen property, seized and sealed the same day
            assert story.case is not None
            evidence_seize(
                case=story.case,
                actor=investigator,
                description="Похищенное имущество, изъятое у подозреваемого",
                nature="physical",
                place="по месту жительства подозреваемого",
            )
            fields = {"seal": seal, "packaging": "полимерный пакет"}
            evidence_step(case=story.case, actor=investigator, number=1, step="seal", fields=fields)

        self.add(sent - timedelta(days=19), seize)
        if stop == "investigation":
            self.covert_watch(story, party, sent - timedelta(days=19, hours=-2))
        hearing = (sent + timedelta(days=7)).astimezone(clock.legal_zone())
        hearing = hearing.replace(hour=10, minute=0, second=0, microsecond=0)
        imprisonment = {"punishment": "imprisonment", "term_months": 36}
        colony = self.agency("7591")
        grounds = "показания потерпевшего"
        steps: list[tuple[timedelta, str, str, Mapping[str, Any]]] = [
            (timedelta(days=-20), lead, "recognition_as_suspect", {"party": party, "grounds": grounds}),
            (timedelta(days=-20), prosecutor, "decision:recognition_as_suspect", {}),
            (timedelta(days=-4), lead, "investigation_completed", {}),
            (timedelta(days=-2), lead, "familiarization_completed", {}),
            (timedelta(days=-1), lead, "indictment", {}),
            (timedelta(0), prosecutor, "decision:indictment", {}),
            (timedelta(days=1), judge, "court_acceptance", {"route": "trial", "hearing_at": hearing.isoformat()}),
            (timedelta(days=8), judge, "trial_start", {}),
            (timedelta(days=10), judge, "verdict", {"outcome": "conviction", **imprisonment}),
            (timedelta(days=28), judge, "entry_into_force", {}),
            (timedelta(days=29), judge, "execution_order", {**imprisonment, "institution_id": colony.pk}),
            (timedelta(days=30), "penitentiary_officer", "execution_confirmation", {"place": "учреждение ЛА-155/14"}),
        ]  # fmt: skip
        stops = {
            "investigation": "decision:recognition_as_suspect",
            "sent_to_court": "decision:indictment",
            "trial_scheduled": "court_acceptance",
            "trial": "trial_start",
            "judgment_issued": "verdict",
            "in_force": "entry_into_force",
            "execution": "execution_order",
            "closed": "execution_confirmation",
        }
        for offset, actor, kind, payload in steps:
            if kind.startswith("decision:"):
                done = self.decide(story, sent + offset, actor, kind.removeprefix("decision:"))
            else:
                done = self.act(story, sent + offset, actor, kind, payload)
            if not done or kind == stops[stop]:
                return

    def covert_watch(self, story: Story, party: str, at: datetime) -> None:
        """The investigator asks to watch `party`'s telephone contacts (art. 231(1) item 2);
        the investigating judge on duty sanctions it for 25 days. The request opens the case's
        first covert compartment, seen only by the officials it names."""
        investigator = self.official(story.lead)
        judge = self.official("investigating_judge")
        request = {"target": party, "item": 2, "grounds": "связи подозреваемого с соучастниками"}

        def ask() -> None:
            assert story.case is not None
            act_append(case=story.case, kind="covert_action", actor=investigator, payload=request)

        decided = at + timedelta(hours=3)

        def sanction() -> None:
            assert story.case is not None
            until = (decided + timedelta(days=25)).isoformat()
            act_append(
                case=story.case,
                kind="decision",
                actor=judge,
                payload={"request": 1, "outcome": "granted", "until": until},
                compartment=story.case.compartments.get(number=1),
            )

        if self.add(at, ask):
            self.add(decided, sanction)

    def transfer(self, story: Story, at: datetime) -> None:
        to = "7511" if story.unit.code != "7511" else self.rng.choice(["7531", "7111"])
        target = self.agency(to)
        assert target.supervisor_id is not None
        payload = {
            "to_unit_id": target.pk,
            "supervising_office_id": target.supervisor_id,
            "reason": TRANSFER_REASONS[to],
        }
        if not self.act(story, at, story.unit.head, "jurisdiction_transfer", payload):
            return
        receiving = UNIT_BY_CODE[to]
        if to == "7511":
            return  # stays registered: the receiving unit has not accepted it yet
        story.unit = receiving
        story.lead = receiving.investigator
        head = self.official(receiving.head)
        investigator = self.official(receiving.investigator)
        at = self.later(at, 4, 72)

        def accept() -> None:
            assert story.case is not None
            act_append(
                case=story.case,
                kind="acceptance",
                actor=head,
                payload={"investigator_id": investigator.pk, "form": "preliminary"},
            )

        if self.add(at, accept) and receiving.prosecutor != "prosecutor":
            prosecutor = self.official(receiving.prosecutor)
            self.act(
                story,
                self.later(at, 4, 48),
                receiving.prosecutor,
                "procedural_prosecutor_assignment",
                {"prosecutor_id": prosecutor.pk},
            )

    def plan(self) -> None:
        rng = self.rng
        units = [u for u in UNITS for _ in range(u.weight)]
        rng.shuffle(units)
        # Transfers by jurisdiction come from the two district police departments.
        transfers = {"7511": 3, "7512": 1}
        depths = ["registered"] * 6 + ["accepted"] * 8
        depths += ["full"] * (len(units) - len(depths) - sum(transfers.values()))
        rng.shuffle(depths)
        for unit in units:
            if transfers.get(unit.code, 0) > 0:
                transfers[unit.code] -= 1
                self.case(unit, "transfer")
            else:
                self.case(unit, depths.pop())
        for item in NOT_REGISTERED:
            self.not_registered(item, rng.uniform(5, HISTORY_DAYS))
        for unit in rng.sample(UNITS, k=UNDECIDED):
            self.undecided(unit)
        for stop, days_ago in COURT_STORIES:
            self.to_court(stop, days_ago)

    def play(self) -> None:
        for step in sorted(self.steps):
            with clock.frozen(step.at):
                step.run()


def roster_load(ref: Reference, anchor: datetime) -> None:
    """The duty roster of the demo's judges: each on duty at their court over the demo's
    history and the month ahead, so that sanctions and cases sent to court reach a judge."""
    for official in ref.officials.values():
        judging = official.appointments.filter(
            role__in=[Role.INVESTIGATING_JUDGE, Role.TRIAL_JUDGE]
        )
        for appointment in judging:
            DutyShift.objects.get_or_create(
                court=appointment.agency,
                judge=official,
                defaults={
                    "starts_at": anchor - timedelta(days=HISTORY_DAYS + 1),
                    "ends_at": anchor + timedelta(days=30),
                },
            )


def cases_load(ref: Reference) -> DemoSummary:
    """Plan and play the demo's reports and cases (the caller holds the transaction)."""
    anchor = clock.now() - timedelta(minutes=5)
    roster_load(ref, anchor)
    planner = Planner(ref, anchor=anchor)
    planner.plan()
    planner.play()
    cases = Case.objects.all()
    return DemoSummary(
        cases=cases.count(),
        reports=CrimeReport.objects.count(),
        acts=sum(c.last_seq for c in cases),
        stages=dict(Counter(cases.values_list("stage", flat=True))),
        report_statuses=dict(Counter(CrimeReport.objects.values_list("status", flat=True))),
    )
