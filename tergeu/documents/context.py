"""What a document template is given: the act, the case as the journal stood at the act, the
actor, the payload as people read it, the acts it refers to and the decisions on it; for a
crime report, the report. Every text is escaped for the markup (`text_escape`).

The case's facts are read from the journal up to the act (its registration, qualifications,
transfers, suspects), not from the projections, which change later: the same act always gives
the same document. Names come from the registers (persons, officials, agencies) with a fixed
number of queries.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.accounts.models import Agency, Appointment, Official, Role
from tergeu.cases import law
from tergeu.cases.models import OffenceCategory, ParticipantRole
from tergeu.documents.markup import text_escape
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.persons.models import LegalEntity, Person
from tergeu.registry.models import CrimeReport, ReportSource

# Payload fields naming an official or an agency by id (the others are numbers).
OFFICIAL_FIELDS = frozenset({"investigator_id", "prosecutor_id", "lawyer_id"})
AGENCY_FIELDS = frozenset(
    {"investigation_unit_id", "supervising_office_id", "to_unit_id", "institution_id"}
)
# The journal's acts that say who the case's suspects are and how the offence is qualified.
CASE_FACTS = (
    "registration",
    "qualification",
    "jurisdiction_transfer",
    "participant_admission",
    "recognition_as_suspect",
    "detention",
)
# Who is a suspect: a person recognised or detained as one, or admitted to the case as one.
SUSPECT_KINDS = frozenset({"recognition_as_suspect", "detention"})
SUSPECT_ROLES = frozenset({"suspect"})


@dataclass(frozen=True)
class Vocabulary:
    """The words of one language's documents that are not in a template: yes and no, how an
    article of the Criminal Code is cited, the labels of payload fields for the generic
    template (templates/<lang>/vocabulary.toml)."""

    words: Mapping[str, str]
    qualification: Mapping[str, str]
    fields: Mapping[str, str]

    def word(self, key: str) -> str:
        return self.words.get(key, key)


def vocabulary_load(path: Path) -> Vocabulary:
    """The vocabulary file at `path`, read again only when it changes (templates are edited
    without a restart)."""
    stat = path.stat()
    return _vocabulary_read(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _vocabulary_read(path: Path, _mtime_ns: int, _size: int) -> Vocabulary:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Vocabulary(
        words=data.get("words", {}),
        qualification=data.get("qualification", {}),
        fields=data.get("fields", {}),
    )


@dataclass
class Names:
    """Names of the officials, agencies and parties a document mentions, read at once."""

    officials: dict[int, Official] = field(default_factory=dict)
    agencies: dict[int, Agency] = field(default_factory=dict)
    parties: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(
        cls, official_ids: Iterable[int], agency_ids: Iterable[int], parties: Iterable[str]
    ) -> Names:
        wanted = set(parties)
        iins = [p[4:] for p in wanted if p.startswith("iin:")]
        bins = [p[4:] for p in wanted if p.startswith("bin:")]
        named: dict[str, str] = {}
        if iins:
            named |= {f"iin:{p.iin}": p.full_name for p in Person.objects.filter(iin__in=iins)}
        if bins:
            named |= {f"bin:{e.bin}": e.name for e in LegalEntity.objects.filter(bin__in=bins)}
        officials = Official.objects.only("last_name", "first_name", "patronymic", "username")
        wanted_agencies = set(agency_ids)
        return cls(
            officials=officials.in_bulk(set(official_ids)),
            agencies=(
                Agency.objects.select_related("region").in_bulk(wanted_agencies)
                if wanted_agencies
                else {}
            ),
            parties=named,
        )

    def official(self, pk: int | None) -> str:
        official = self.officials.get(pk or 0)
        return official_name(official) if official else (f"#{pk}" if pk else "")

    def agency(self, pk: int | None) -> str:
        agency = self.agencies.get(pk or 0)
        return agency.name if agency else (f"#{pk}" if pk else "")

    def party(self, party: str, vocabulary: Vocabulary) -> str:
        scheme, _sep, number = party.partition(":")
        name = self.parties.get(party, "")
        code = f"{vocabulary.word(scheme)} {number}"
        return f"{name} ({code})" if name else code


def official_name(official: Official) -> str:
    """Surname, first name and patronymic, as Kazakh documents write a person."""
    parts = [official.last_name, official.first_name, official.patronymic]
    return " ".join(p for p in parts if p) or official.username


def local(moment: datetime, with_time: bool = True) -> str:
    zoned = moment.astimezone(clock.legal_zone())
    return zoned.strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def choice_text(value: str) -> str:
    """A value of a closed vocabulary of the pack (e.g. "property_arrest") in the active
    language: its msgid is the value with spaces (tergeu/cases/pack_messages.py)."""
    return _(value.replace("_", " "))


def role_text(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def qualification_text(values: Mapping[str, Any], vocabulary: Vocabulary) -> str:
    article = str(values.get("article") or "")
    if not article:
        return ""
    part, paragraph = str(values.get("part") or ""), str(values.get("paragraph") or "")
    form = "part_paragraph" if part and paragraph else "part" if part else "paragraph"
    if not (part or paragraph):
        form = "article"
    pattern = vocabulary.qualification.get(form, "{article}")
    return pattern.format(article=article, part=part, paragraph=paragraph)


def kind_label(kind: str) -> str:
    return str(KINDS[kind].label) if kind in KINDS else kind


@cache
def field_types(kind: str) -> dict[str, str]:
    """The payload fields of `kind` and their pack types (the latest version's)."""
    versions = law.pack().acts.get(kind, ())
    return (
        {name: type_ for name, (type_, _required) in versions[-1].payload.items()}
        if versions
        else {}
    )


@cache
def needs_decisions(kind: str) -> bool:
    """Whether some version of `kind` waits for an agreement, approval or sanction."""
    return any(rule.chain for rule in law.pack().acts.get(kind, ()))


def shown_value(name: str, value: Any, type_: str, names: Names, vocabulary: Vocabulary) -> str:
    """A payload value as a person reads it."""
    if value is None or value == "":
        return ""
    if type_ == "party" or (isinstance(value, str) and value[:4] in ("iin:", "bin:")):
        return names.party(str(value), vocabulary)
    if type_ == "datetime":
        return local(datetime.fromisoformat(str(value)))
    if type_ == "date":
        return date.fromisoformat(str(value)).strftime("%d.%m.%Y")
    if isinstance(value, bool):
        return vocabulary.word("yes" if value else "no")
    if type_.startswith("choice:"):
        return choice_text(str(value))
    if type_ == "category":
        return str(OffenceCategory(value).label) if value in OffenceCategory.values else str(value)
    if isinstance(value, Mapping):  # a qualification
        return qualification_text(value, vocabulary)
    if name == "role" and value in ParticipantRole.values:
        return str(ParticipantRole(value).label)
    if name in OFFICIAL_FIELDS:
        return names.official(int(value))
    if name in AGENCY_FIELDS:
        return names.agency(int(value))
    return str(value)


def escaped(value: Any) -> Any:
    """`value` with every text in it escaped for the markup."""
    if isinstance(value, str):
        return text_escape(value)
    if isinstance(value, Mapping):
        return {key: escaped(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [escaped(item) for item in value]
    return value


@dataclass(frozen=True)
class CaseFacts:
    """The case as its journal stood at an act."""

    summary: str = ""
    qualification: Mapping[str, Any] = field(default_factory=dict)
    unit_id: int | None = None
    office_id: int | None = None
    suspects: tuple[str, ...] = ()

    @classmethod
    def of(cls, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> CaseFacts:
        summary, qualification, unit, office = "", {}, None, None
        suspects: list[str] = []
        for kind, payload in rows:
            if kind == "registration":
                summary = str(payload.get("summary", ""))
                qualification = dict(payload.get("qualification") or {})
                unit, office = (
                    payload.get("investigation_unit_id"),
                    payload.get("supervising_office_id"),
                )
            elif kind == "qualification":
                qualification = dict(payload)
            elif kind == "jurisdiction_transfer":
                unit, office = payload.get("to_unit_id"), payload.get("supervising_office_id")
            elif kind in SUSPECT_KINDS or payload.get("role") in SUSPECT_ROLES:
                party = str(payload.get("party", ""))
                if party and party not in suspects:
                    suspects.append(party)
        return cls(summary, qualification, unit, office, tuple(suspects))


def _case_facts(act: Act) -> CaseFacts:
    journal = Act.objects.filter(case_id=act.case_id, compartment__isnull=True, kind__in=CASE_FACTS)
    if act.compartment_id is None:
        journal = journal.filter(seq__lte=act.seq)
    else:  # a covert act: the case's journal as it stood when the act was recorded
        journal = journal.filter(recorded_at__lte=act.recorded_at)
    return CaseFacts.of(journal.order_by("seq").values_list("kind", "payload"))


def _same_journal(act: Act) -> Q:
    """The acts of the journal `act` is in: the case's own, or its covert compartment's."""
    if act.compartment_id is None:
        return Q(case_id=act.case_id, compartment__isnull=True)
    return Q(compartment_id=act.compartment_id)


def _actor_agency(names: Names, official_id: int, role: str, unit_id: int | None) -> str:
    """The agency in which the actor acted in `role`: the case's unit if they hold the role
    there, otherwise the first agency where they hold it."""
    rows = Appointment.objects.filter(official_id=official_id, role=role).order_by("pk")
    ids = list(rows.values_list("agency_id", flat=True))
    if not ids:
        return ""
    agency_id = unit_id if unit_id in ids else ids[0]
    if agency_id not in names.agencies:
        names.agencies |= Agency.objects.select_related("region").in_bulk([agency_id])
    return names.agency(agency_id)


@dataclass(frozen=True)
class ActDocumentInput:
    """What an act's document is built from, read from the database once."""

    act: Act
    facts: CaseFacts
    refers: dict[str, Act]  # payload field → the act it names
    decisions: list[Act]


def act_input(
    act: Act, *, decisions: bool, decision_shown: Callable[[int], bool] | None = None
) -> ActDocumentInput:
    types = field_types(act.kind)
    seqs = {
        name: act.payload[name] for name, t in types.items() if t == "seq" and act.payload.get(name)
    }
    referred = Act.objects.filter(_same_journal(act), seq__in=set(seqs.values()))
    by_seq = {a.seq: a for a in referred.defer("canonical")}
    found: list[Act] = []
    if decisions:
        rows = Act.objects.filter(_same_journal(act), kind="decision", payload__request=act.seq)
        found = [
            d
            for d in rows.defer("canonical").order_by("seq")
            if decision_shown is None or decision_shown(d.seq)
        ]
    return ActDocumentInput(
        act=act,
        facts=_case_facts(act),
        refers={name: by_seq[seq] for name, seq in seqs.items() if seq in by_seq},
        decisions=found,
    )


def _names_for(source: ActDocumentInput) -> Names:
    acts = [source.act, *source.refers.values(), *source.decisions]
    officials = {a.actor_id for a in acts}
    agencies = {i for i in (source.facts.unit_id, source.facts.office_id) if i}
    parties = set(source.facts.suspects)
    for a in acts:
        for name, value in a.payload.items():
            if name in OFFICIAL_FIELDS and isinstance(value, int):
                officials.add(value)
            elif name in AGENCY_FIELDS and isinstance(value, int):
                agencies.add(value)
            elif isinstance(value, str) and value[:4] in ("iin:", "bin:"):
                parties.add(value)
    return Names.read(officials, agencies, parties)


def _shown(act: Act, names: Names, vocabulary: Vocabulary) -> dict[str, str]:
    types = field_types(act.kind)
    return {
        name: shown_value(name, value, types.get(name, "text"), names, vocabulary)
        for name, value in act.payload.items()
    }


def _act_summary(act: Act, names: Names, vocabulary: Vocabulary) -> dict[str, Any]:
    return {
        "seq": act.seq,
        "kind": act.kind,
        "label": kind_label(act.kind),
        "performed_at": local(act.performed_at),
        "actor": names.official(act.actor_id),
        "actor_role": role_text(act.actor_role),
        "payload": act.payload,
        "shown": _shown(act, names, vocabulary),
    }


def _decision(
    act: Act, names: Names, vocabulary: Vocabulary, unit_id: int | None
) -> dict[str, Any]:
    until = act.payload.get("until")
    return {
        **_act_summary(act, names, vocabulary),
        "outcome": choice_text(str(act.payload.get("outcome", ""))),
        "granted": act.payload.get("outcome") in ("granted", "shortened"),
        "until": local(datetime.fromisoformat(until)) if until else "",
        "reasons": str(act.payload.get("reasons") or ""),
        "name": names.official(act.actor_id),
        "role": role_text(act.actor_role),
        "agency": _actor_agency(names, act.actor_id, act.actor_role, unit_id),
    }


def act_context(
    source: ActDocumentInput, *, language: str, vocabulary: Vocabulary
) -> dict[str, Any]:
    """The template context of an act's document, in the active language."""
    act, facts = source.act, source.facts
    names = _names_for(source)
    case = act.case
    unit = names.agencies.get(facts.unit_id or 0)
    region = unit.region if unit is not None else None
    types = field_types(act.kind)
    refers = {name: _act_summary(a, names, vocabulary) for name, a in source.refers.items()}
    context = {
        "language": language,
        "act": {
            "seq": act.seq,
            "kind": act.kind,
            "label": kind_label(act.kind),
            "article": KINDS[act.kind].article if act.kind in KINDS else "",
            "performed_at": local(act.performed_at),
            "performed_date": local(act.performed_at, with_time=False),
            "recorded_at": local(act.recorded_at),
            "hash": act.hash,
            "compartment": act.compartment.number if act.compartment is not None else None,
            "needs_decisions": needs_decisions(act.kind),
        },
        "case": {
            "register_number": case.register_number,
            "summary": facts.summary,
            "qualification": qualification_text(facts.qualification, vocabulary),
            "category": shown_value(
                "offence_category",
                facts.qualification.get("offence_category", ""),
                "category",
                names,
                vocabulary,
            ),
            "unit": names.agency(facts.unit_id),
            "office": names.agency(facts.office_id),
            "place": getattr(region, f"name_{language}", "") if region else "",
            "suspects": [names.party(p, vocabulary) for p in facts.suspects],
        },
        "actor": {
            "code": act.actor_role,
            "name": names.official(act.actor_id),
            "role": role_text(act.actor_role),
            "agency": _actor_agency(names, act.actor_id, act.actor_role, facts.unit_id),
        },
        "payload": act.payload,
        "shown": _shown(act, names, vocabulary),
        "fields": [
            {
                "name": name,
                "label": vocabulary.fields.get(name, name.replace("_", " ")),
                "value": shown_value(name, value, types.get(name, "text"), names, vocabulary),
            }
            for name, value in act.payload.items()
            if value not in (None, "")
        ],
        "refers": refers,
        # The act a decision is about, whatever its field is called (request, motion, covert…).
        "request": next(iter(refers.values()), None),
        "decisions": [_decision(d, names, vocabulary, facts.unit_id) for d in source.decisions],
        "words": vocabulary.words,
    }
    return escaped(context)  # type: ignore[no-any-return]


def report_context(report: CrimeReport, *, language: str, vocabulary: Vocabulary) -> dict[str, Any]:
    """The template context of the protocol accepting a crime report into the КУИ."""
    applicant = report.applicant_person or report.applicant_entity
    code = ""
    if report.applicant_person is not None:
        code = f"{vocabulary.word('iin')} {report.applicant_person.iin}"
    elif report.applicant_entity is not None:
        code = f"{vocabulary.word('bin')} {report.applicant_entity.bin}"
    appointment = (
        Appointment.objects.filter(official_id=report.received_by_id, agency_id=report.agency_id)
        .order_by("pk")
        .first()
    )
    region = report.agency.region
    context = {
        "language": language,
        "report": {
            "number": report.pk,
            "source": str(ReportSource(report.source).label),
            "oral": report.source == ReportSource.ORAL_STATEMENT,
            "received_at": local(report.received_at),
            "received_date": local(report.received_at, with_time=False),
            "summary": report.summary,
            "event_place": report.event_place,
            "event_time": local(report.event_time) if report.event_time else "",
            "agency": report.agency.name,
            "place": getattr(region, f"name_{language}", "") if region else "",
        },
        "applicant": {"name": str(applicant) if applicant else "", "code": code},
        "actor": {
            "name": official_name(report.received_by),
            "role": role_text(appointment.role) if appointment else "",
            "agency": report.agency.name,
        },
        "words": vocabulary.words,
    }
    return escaped(context)  # type: ignore[no-any-return]
