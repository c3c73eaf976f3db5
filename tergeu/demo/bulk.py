"""A large, valid database for the benchmarks, built in minutes (`manage.py bench_generate`).

This is the one writer of acts besides `journal.services.act_append`, and only for benchmark
databases: going through the service would take hours for millions of acts, so the rows are
written directly — with COPY on PostgreSQL, with batched INSERTs elsewhere. Every act is computed
exactly as `act_append` computes it: canonical bytes by `journal.canonical.act_document`, SHA-256,
the hash chain; payloads are validated against their kind's schema; the projections (case row,
assignments, participants and their history) are the journal folded through
`cases.projection.apply`. `verify_journal` therefore accepts the result. Register numbers continue
the register's counters, which are moved past the numbers used.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from tergeu_verify.merkle import leaf_hash

from tergeu import clock
from tergeu.cases import law
from tergeu.cases.clocks import deadline_fields, next_due
from tergeu.cases.models import (
    Case,
    CaseAssignment,
    Deadline,
    Participant,
    ParticipantStatusChange,
)
from tergeu.cases.projection import ActFacts, CaseState
from tergeu.demo.bulk_io import Writer, writer_for
from tergeu.demo.people import PersonFactory
from tergeu.demo.reference import OFFICIALS, Reference, reference_load
from tergeu.demo.scenario import UNITS, Unit
from tergeu.demo.stories import NOTES, Crime
from tergeu.integrity.models import LogEntry
from tergeu.journal.canonical import GENESIS_HASH, act_document, sha256_hex
from tergeu.journal.kinds import kind_get, payload_dump, payload_validate
from tergeu.journal.models import Act
from tergeu.persons.models import Person
from tergeu.procedure.state import to_json
from tergeu.registry.models import RegisterSequence

BIG_CASE_SUMMARY = "Многоэпизодное мошенничество (большое дело для замеров производительности)"
HISTORY_DAYS = 730
CHUNK = 2000  # cases per transaction
PARTICIPANT_ROLES = ("victim", "suspect", "witness", "witness_with_defence", "expert")
# (kind, (actor id, capacity), payload) of one act to generate
Planned = tuple[str, tuple[int, str], dict[str, Any]]


@dataclass(frozen=True)
class Staff:
    """Who acts on the cases of one investigating body: (official id, capacity) pairs."""

    unit_id: int
    region: str
    authority: str
    supervisor_id: int
    crimes: tuple[Crime, ...]
    registrar: tuple[int, str]
    head: tuple[int, str]
    lead: tuple[int, str]
    prosecutor: tuple[int, str]


def staff_load(ref: Reference) -> list[Staff]:
    roles = {(s.username, s.agency): str(s.role) for s in OFFICIALS}

    def who(unit: Unit, username: str, agency: str) -> tuple[int, str]:
        return ref.officials[username].pk, roles[(username, agency)]

    result: list[Staff] = []
    for unit in UNITS:
        agency = ref.agencies[unit.code]
        assert agency.region is not None
        assert agency.supervisor is not None
        result.append(
            Staff(
                unit_id=agency.pk,
                region=agency.region.code,
                authority=agency.authority_code,
                supervisor_id=agency.supervisor.pk,
                crimes=unit.crimes,
                registrar=who(unit, unit.registrar, unit.code),
                head=who(unit, unit.head, unit.code),
                lead=who(unit, unit.investigator, unit.code),
                prosecutor=who(unit, unit.prosecutor, agency.supervisor.authority_code),
            )
        )
    return result


@dataclass(frozen=True)
class CaseSpec:
    registered_at: datetime
    staff: Staff
    acts: int
    tag: int  # the case's position in the caller's list of act counts
    summary: str = ""  # empty: the crime's own summary


@dataclass
class Batch:
    """The rows of one chunk of cases, ready to be written."""

    cases: list[tuple[Any, ...]] = field(default_factory=list)
    acts: list[tuple[Any, ...]] = field(default_factory=list)
    assignments: list[tuple[Any, ...]] = field(default_factory=list)
    deadlines: list[tuple[Any, ...]] = field(default_factory=list)
    # participants without their id yet, and their history rows by participant index
    participants: list[tuple[Any, ...]] = field(default_factory=list)
    history: list[tuple[int, str, int, datetime]] = field(default_factory=list)


CASE_COLUMNS = (
    "id", "register_number", "registered_at", "summary", "qualification_article",
    "qualification_part", "qualification_paragraph", "offence_category", "investigation_form",
    "stage", "investigation_unit_id", "supervising_office_id", "lead_investigator_id",
    "procedural_prosecutor_id", "procedure", "next_due_at", "last_seq", "last_hash",
)  # fmt: skip
ACT_COLUMNS = (
    "case_id", "seq", "kind", "payload", "actor_id", "actor_role", "performed_at",
    "recorded_at", "canonical", "hash", "prev_hash", "document_sha256",
)  # fmt: skip
ASSIGNMENT_COLUMNS = ("case_id", "official_id", "role", "since_seq")
PARTICIPANT_COLUMNS = ("id", "case_id", "party", "person_id", "role", "status", "since_seq")
HISTORY_COLUMNS = ("participant_id", "status", "seq", "at")
DEADLINE_FIELDS = (
    "key", "rule", "article", "duty", "subject", "started_at", "anchor_at", "term",
    "in_force_since", "due_at", "state", "started_by_seq", "closed_at", "responsible_role",
    "responsible_id", "remaining", "warn_at",
)  # fmt: skip
DEADLINE_COLUMNS = ("case_id", *DEADLINE_FIELDS, "escalation")
PERSON_COLUMNS = (
    "id",
    "iin",
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "sex",
    "citizenship",
)


def act_counts(cases: int, acts: int, big_case_acts: int, rng: random.Random) -> list[int]:
    """Acts per case: the big case first, then the rest spread with a skewed (exponential)
    distribution — most cases short, a few long — adding up to `acts` exactly."""
    if cases < 1 or big_case_acts < 1 or acts < big_case_acts + cases - 1:
        raise ValueError(
            "need cases >= 1, big-case-acts >= 1 and acts >= big-case-acts + (cases - 1)"
        )
    others = cases - 1
    if not others and acts != big_case_acts:
        raise ValueError("with one case, acts must equal big-case-acts")
    counts = [big_case_acts]
    if others:
        extra = acts - big_case_acts - others
        weights = [rng.expovariate(1.0) for _ in range(others)]
        total = sum(weights)
        shares = [int(extra * w / total) for w in weights]
        for i in range(extra - sum(shares)):
            shares[i % others] += 1
        counts += [1 + s for s in shares]
    return counts


class CaseBuilder:
    """Builds one case's journal and projection rows from its spec."""

    def __init__(self, rng: random.Random, parties: Sequence[tuple[str, int]], now: datetime):
        self.rng = rng
        self.parties = parties  # ("iin:…", person id)
        self.person_ids = dict(parties)
        self.now = now
        self.numbers: dict[tuple[int, str], int] = {}
        self.agency_kinds = law.agency_kinds()

    def number(self, spec: CaseSpec) -> str:
        year = spec.registered_at.astimezone(clock.legal_zone()).year
        key = (year, spec.staff.authority)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return str(
            settings.REGISTER_NUMBER_FORMAT.format(
                yy=year % 100,
                region=spec.staff.region,
                authority=spec.staff.authority,
                seq=self.numbers[key],
            )
        )

    def moments(self, spec: CaseSpec) -> list[datetime]:
        """When each act after the registration was performed: spread up to now."""
        span = (self.now - spec.registered_at).total_seconds()
        rng = self.rng
        return sorted(
            spec.registered_at + timedelta(seconds=rng.uniform(0, span))
            for _ in range(spec.acts - 1)
        )

    def plan(self, spec: CaseSpec, number: str) -> list[Planned]:
        """(kind, actor, payload) of each act, in order."""
        rng, staff = self.rng, spec.staff
        crime = rng.choice(staff.crimes)
        summary = spec.summary or crime.summary
        opening: list[Planned] = [
            (
                "registration",
                staff.registrar,
                {
                    "register_number": number,
                    "summary": summary,
                    "qualification": crime.qualification(),
                    "investigation_unit_id": staff.unit_id,
                    "supervising_office_id": staff.supervisor_id,
                },
            ),
            ("acceptance", staff.head, {"investigator_id": staff.lead[0], "form": crime.form}),
            (
                "procedural_prosecutor_assignment",
                staff.prosecutor,
                {"prosecutor_id": staff.prosecutor[0]},
            ),
        ]
        acts = opening[: spec.acts]
        admitted: set[tuple[str, str]] = set()
        while len(acts) < spec.acts:
            draw = rng.random()
            if draw < 0.12 and len(admitted) < 12:
                party = rng.choice(self.parties)[0]
                role = rng.choice(PARTICIPANT_ROLES)
                if (party, role) in admitted:
                    continue
                admitted.add((party, role))
                acts.append(("participant_admission", staff.lead, {"party": party, "role": role}))
            elif draw < 0.14 and crime.requalified:
                part, paragraph, category = crime.requalified
                q = {
                    "article": crime.article,
                    "part": part,
                    "paragraph": paragraph,
                    "offence_category": category,
                }
                acts.append(("qualification", staff.lead, q))
            else:
                acts.append(("note", staff.lead, {"text": rng.choice(NOTES)}))
        return acts

    def build(self, spec: CaseSpec, case_id: int, batch: Batch) -> None:
        number = self.number(spec)
        state, prev = CaseState(), GENESIS_HASH
        performed = [spec.registered_at, *self.moments(spec)]
        for seq, ((kind, (actor_id, role), raw), at) in enumerate(
            zip(self.plan(spec, number), performed, strict=True), 1
        ):
            payload = _clean(kind, raw)
            facts = ActFacts(seq, kind, payload, actor_id, role)
            verdict, new = law.advance(
                state, facts, at=at, roles=(role,), agency_kinds=self.agency_kinds
            )
            if not verdict.accepted:
                # e.g. a second requalification while the first awaits the prosecutor
                kind, payload = "note", _clean("note", {"text": self.rng.choice(NOTES)})
                facts = ActFacts(seq, kind, payload, actor_id, role)
                verdict, new = law.advance(
                    state, facts, at=at, roles=(role,), agency_kinds=self.agency_kinds
                )
            assert verdict.accepted, (kind, verdict.reasons)
            state = new
            recorded = min(at + timedelta(seconds=self.rng.uniform(0, 900)), self.now)
            canonical = act_document(
                register_number=number,
                seq=seq,
                kind=kind,
                payload=payload,
                actor_id=actor_id,
                actor_role=role,
                performed_at=at,
                recorded_at=recorded,
                prev_hash=prev,
            )
            digest = sha256_hex(canonical)
            batch.acts.append(
                (
                    case_id,
                    seq,
                    kind,
                    payload,
                    actor_id,
                    role,
                    at,
                    recorded,
                    canonical,
                    digest,
                    prev,
                    "",
                )
            )
            prev = digest
        self._projection(spec, case_id, state, prev, performed, batch, self.person_ids)

    @staticmethod
    def _projection(
        spec: CaseSpec,
        case_id: int,
        state: CaseState,
        last_hash: str,
        performed: list[datetime],
        batch: Batch,
        person_ids: dict[str, int],
    ) -> None:
        batch.cases.append(
            (
                case_id,
                state.register_number,
                spec.registered_at,
                state.summary,
                state.qualification_article,
                state.qualification_part,
                state.qualification_paragraph,
                state.offence_category,
                state.investigation_form,
                state.stage,
                state.investigation_unit_id,
                state.supervising_office_id,
                state.lead_investigator_id,
                state.procedural_prosecutor_id,
                to_json(state.procedure),
                next_due(state.procedure.clocks),
                spec.acts,
                last_hash,
            )
        )
        for official_id, (role, since) in state.assigned.items():
            batch.assignments.append((case_id, official_id, role, since))
        for (party, role), history in state.participants.items():
            index = len(batch.participants)
            person_id = person_ids[party]
            batch.participants.append(
                (case_id, party, person_id, role, history[-1][0], history[0][1])
            )
            for status, seq in history:
                batch.history.append((index, status, seq, performed[seq - 1]))
        officials = {
            "lead_investigator_id": state.lead_investigator_id,
            "procedural_prosecutor_id": state.procedural_prosecutor_id,
        }
        for running in state.procedure.clocks.values():
            fields = deadline_fields(running, officials=officials)
            batch.deadlines.append((case_id, *(fields[n] for n in DEADLINE_FIELDS), 0))


_schemas_checked: set[str] = set()


def _clean(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The payload as act_append stores it (validated, defaults filled). Notes are the bulk of
    the journal and have one plain field, so their schema is checked once, not per act."""
    if kind == "note" and kind in _schemas_checked:
        return raw
    _schemas_checked.add(kind)
    act_kind = kind_get(kind)
    return payload_dump(act_kind, payload_validate(act_kind, raw))


@dataclass(frozen=True)
class BulkResult:
    case_ids: list[int]  # in the order of the act counts asked for
    acts: int
    seconds: float


Progress = Callable[[str], None]


def _persons(writer: Writer, rng: random.Random, count: int) -> list[tuple[str, int]]:
    factory = PersonFactory(rng, taken=set(Person.objects.values_list("iin", flat=True)))
    fakes = [factory.person() for _ in range(count)]
    ids = writer.reserve(Person, len(fakes))
    writer.write(
        Person,
        PERSON_COLUMNS,
        [
            (pk, p.iin, p.last_name, p.first_name, p.patronymic, p.birth_date, p.sex, "KAZ")
            for pk, p in zip(ids, fakes, strict=True)
        ],
    )
    return [(f"iin:{p.iin}", pk) for pk, p in zip(ids, fakes, strict=True)]


def _write(writer: Writer, batch: Batch) -> None:
    writer.write(Case, CASE_COLUMNS, batch.cases)
    act_ids = writer.reserve(Act, len(batch.acts))
    writer.write(
        Act, ("id", *ACT_COLUMNS), [(pk, *a) for pk, a in zip(act_ids, batch.acts, strict=True)]
    )
    # Each act queued for the integrity log, as act_append queues it (log_enqueue).
    leaves = [
        (pk, leaf_hash(bytes.fromhex(a[9]))) for pk, a in zip(act_ids, batch.acts, strict=True)
    ]
    writer.write(LogEntry, ("act_id", "leaf_hash"), leaves)
    writer.write(CaseAssignment, ASSIGNMENT_COLUMNS, batch.assignments)
    ids = writer.reserve(Participant, len(batch.participants))
    writer.write(
        Participant,
        PARTICIPANT_COLUMNS,
        [(pk, *row) for pk, row in zip(ids, batch.participants, strict=True)],
    )
    writer.write(
        ParticipantStatusChange,
        HISTORY_COLUMNS,
        [(ids[index], status, seq, at) for index, status, seq, at in batch.history],
    )
    writer.write(Deadline, DEADLINE_COLUMNS, batch.deadlines)


def _sequences_store(builder: CaseBuilder) -> None:
    for (year, authority), last in builder.numbers.items():
        RegisterSequence.objects.update_or_create(
            year=year, authority_code=authority, defaults={"last_value": last}
        )


def specs_plan(
    staff: list[Staff],
    counts: Sequence[int],
    rng: random.Random,
    now: datetime,
    summaries: dict[int, str],
    one_unit: bool = False,
) -> list[CaseSpec]:
    """Every case's registration moment and unit, in registration order. The first case is a
    year old and belongs to the first unit (whose officials the benchmarks sign in as); so do
    all with `one_unit`."""
    specs = [CaseSpec(now - timedelta(days=365), staff[0], counts[0], 0, summaries.get(0, ""))]
    for tag, n in enumerate(counts[1:], 1):
        at = now - timedelta(seconds=rng.uniform(3600, HISTORY_DAYS * 86400))
        unit = staff[0] if one_unit else rng.choice(staff)
        specs.append(CaseSpec(at, unit, n, tag, summaries.get(tag, "")))
    return sorted(specs, key=lambda s: s.registered_at)


def bulk_cases(
    counts: Sequence[int],
    *,
    seed: int = 1,
    summaries: dict[int, str] | None = None,
    one_unit: bool = False,
    progress: Progress | None = None,
) -> BulkResult:
    """Generate one case per entry of `counts`, with that many acts (at least 1); with
    `one_unit`, all in the first unit of the demo (the same officials)."""
    started = time.monotonic()
    say = progress or (lambda _line: None)
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
    staff = staff_load(reference_load())
    now = clock.now() - timedelta(minutes=1)
    writer = writer_for(connection)
    with transaction.atomic():
        parties = _persons(writer, rng, max(50, min(len(counts) // 4, 25_000)))
    builder = CaseBuilder(rng, parties, now)
    builder.numbers = {
        (s.year, s.authority_code): s.last_value for s in RegisterSequence.objects.all()
    }
    specs = specs_plan(staff, counts, rng, now, summaries or {}, one_unit)
    ids: dict[int, int] = {}
    total, done_acts = sum(counts), 0
    for start in range(0, len(specs), CHUNK):
        chunk = specs[start : start + CHUNK]
        with transaction.atomic():
            batch = Batch()
            for spec, case_id in zip(chunk, writer.reserve(Case, len(chunk)), strict=True):
                builder.build(spec, case_id, batch)
                ids[spec.tag] = case_id
            _write(writer, batch)
            _sequences_store(builder)
        done_acts += len(batch.acts)
        elapsed = time.monotonic() - started
        say(
            f"{len(ids):,}/{len(counts):,} cases, {done_acts:,}/{total:,} acts, "
            f"{elapsed:,.0f} s ({done_acts / elapsed:,.0f} acts/s)"
        )
    writer.finish(say)
    return BulkResult(
        [ids[tag] for tag in range(len(counts))], done_acts, time.monotonic() - started
    )


def bulk_generate(
    *, cases: int, acts: int, big_case_acts: int, seed: int = 1, progress: Progress | None = None
) -> BulkResult:
    """`cases` cases with `acts` acts in all; the first (`case_ids[0]`) has exactly
    `big_case_acts` and is marked by its summary (`BIG_CASE_SUMMARY`)."""
    counts = act_counts(cases, acts, big_case_acts, random.Random(seed))  # noqa: S311
    return bulk_cases(counts, seed=seed, summaries={0: BIG_CASE_SUMMARY}, progress=progress)
