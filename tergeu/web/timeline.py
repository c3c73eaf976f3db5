"""The journal as a person reads it: one row per act with a sentence that says what the act did.

Payloads refer to officials, agencies and persons by id or IIN; the names for a whole page of
acts come from a fixed number of queries, so a page costs the same however long the journal is
and whichever acts it shows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.access.models import Surface
from tergeu.accounts.models import Agency, Official, Role
from tergeu.cases.law import pack
from tergeu.cases.models import (
    Case,
    InvestigationForm,
    OffenceCategory,
    Participant,
    ParticipantRole,
)
from tergeu.defence.disclosure import disclosed_acts, reads_as_defence
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.persons.models import Person
from tergeu.procedure.pack import choices
from tergeu.procedure.rules import moment
from tergeu.procedure.state import from_json
from tergeu.web.forms import choice_label, field_label

PAGE = 50


@dataclass(frozen=True)
class ActRow:
    seq: int
    kind: str
    label: str
    performed_at: datetime
    recorded_at: datetime
    # Formatted once here: template filters per row were a measurable part of the page.
    performed_iso: str
    performed_local: str
    actor: str
    actor_role: str
    summary: str
    hash: str
    attachment_seq: int | None
    inadmissible: bool = False  # its results may not be used as evidence (e.g. 202(1-2))
    annulled_by: int | None = None  # the act that annulled it (193; a cancelled termination)
    signatures: int = 0  # signatures its document carries in the page's language
    sign_due: bool = False  # the reader is to sign it now


@dataclass
class Names:
    officials: dict[int, str]
    agencies: dict[int, str]
    parties: dict[str, str]

    def official(self, pk: Any) -> str:
        return self.officials.get(pk, f"#{pk}")

    def agency(self, pk: Any) -> str:
        return self.agencies.get(pk, f"#{pk}")

    def party(self, party: str) -> str:
        return self.parties.get(party, party)


def journal_page(case: Case, *, reader: Official, before_seq: int | None = None) -> list[Act]:
    """The `PAGE` acts before `before_seq` (or the latest), newest first, as `reader` may read
    them: a lawyer reading as the defence gets the acts disclosed to them, each logged."""
    if reads_as_defence(reader, case):
        return disclosed_acts(
            reader, case, surface=Surface.WEB, before_seq=before_seq, limit=PAGE, newest_first=True
        ).acts
    acts: QuerySet[Act] = Act.objects.filter(case=case, compartment__isnull=True)
    if before_seq is not None:
        acts = acts.filter(seq__lt=before_seq)
    return list(acts.defer("canonical", "signatures").order_by("-seq")[:PAGE])


def act_rows(case: Case, acts: Sequence[Act], participants: Iterable[Participant]) -> list[ActRow]:
    """`participants`: the case's participants (already read for the page), which name every
    party an act of the case can refer to."""
    names = _names(case, acts, participants)
    zone = clock.legal_zone()
    procedure = from_json(case.procedure)
    spoiled = {seq for p in procedure.persons.values() for seq in p.inadmissible}
    return [
        ActRow(
            seq=act.seq,
            kind=act.kind,
            label=str(KINDS[act.kind].label) if act.kind in KINDS else act.kind,
            performed_at=act.performed_at,
            recorded_at=act.recorded_at,
            performed_iso=act.performed_at.isoformat(),
            performed_local=act.performed_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            actor=names.official(act.actor_id),
            actor_role=_choice_label(Role, act.actor_role),
            summary=_summary(act.kind, act.payload, names),
            hash=act.hash,
            attachment_seq=act.seq if act.kind == "attachment" else None,
            inadmissible=act.seq in spoiled,
            annulled_by=procedure.annulled.get(act.seq),
        )
        for act in acts
    ]


def qualification_text(article: str, part: str = "", paragraph: str = "") -> str:
    # Whole phrases, not pieces: Russian and Kazakh put paragraph, part and article in reverse.
    values = {"article": article, "part": part, "paragraph": paragraph}
    if part and paragraph:
        return _("art. %(article)s, part %(part)s, para. %(paragraph)s") % values
    if part:
        return _("art. %(article)s, part %(part)s") % values
    if paragraph:
        return _("art. %(article)s, para. %(paragraph)s") % values
    return _("art. %(article)s") % values


def _names(case: Case, acts: Sequence[Act], participants: Iterable[Participant]) -> Names:
    # One query for the officials and one for the agencies, whichever acts are on the page: the
    # actors and the case's own unit and office are always among them.
    official_ids = {a.actor_id for a in acts}
    agency_ids = {case.investigation_unit_id, case.supervising_office_id}
    for act in acts:
        p = act.payload
        official_ids.update(p[k] for k in ("investigator_id", "prosecutor_id") if k in p)
        agency_ids.update(
            p[k]
            for k in (
                "investigation_unit_id",
                "supervising_office_id",
                "to_unit_id",
                "institution_id",
            )
            if k in p
        )
    names = Names(officials={}, agencies={}, parties={})
    if official_ids:
        for o in Official.objects.filter(pk__in=official_ids):
            names.officials[o.pk] = o.get_full_name() or o.username
    names.agencies = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "name"))
    for participant in participants:
        who = participant.person or participant.legal_entity
        names.parties[participant.party] = f"{who} ({participant.party[4:]})"
    # A person an act names who is not a participant (yet): the one watched by a covert action.
    others = {
        value[4:]
        for act in acts
        for value in act.payload.values()
        if isinstance(value, str) and value.startswith("iin:") and value not in names.parties
    }
    if others:
        for person in Person.objects.filter(iin__in=others):
            names.parties[f"iin:{person.iin}"] = f"{person} ({person.iin})"
    return names


def _choice_label(choices: Any, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def _qualification(q: Mapping[str, Any]) -> str:
    text = qualification_text(q["article"], q.get("part", ""), q.get("paragraph", ""))
    return f"{text} ({_choice_label(OffenceCategory, q['offence_category'])})"


def _summary(kind: str, p: Mapping[str, Any], names: Names) -> str:
    if kind == "registration":
        return _("No. %(number)s; %(qualification)s. %(summary)s") % {
            "number": p["register_number"],
            "qualification": _qualification(p["qualification"]),
            "summary": p["summary"],
        }
    if kind == "acceptance":
        return _("Accepted by %(investigator)s; form: %(form)s.") % {
            "investigator": names.official(p["investigator_id"]),
            "form": _choice_label(InvestigationForm, p["form"]),
        }
    if kind == "qualification":
        return _qualification(p)
    if kind == "participant_admission":
        return _("%(party)s admitted as %(role)s.") % {
            "party": names.party(p["party"]),
            "role": _choice_label(ParticipantRole, p["role"]),
        }
    if kind == "jurisdiction_transfer":
        return _("Transferred to %(unit)s, supervised by %(office)s: %(reason)s") % {
            "unit": names.agency(p["to_unit_id"]),
            "office": names.agency(p["supervising_office_id"]),
            "reason": p["reason"],
        }
    if kind == "procedural_prosecutor_assignment":
        return _("Procedural prosecutor: %(name)s.") % {"name": names.official(p["prosecutor_id"])}
    if kind == "note":
        return str(p["text"])
    if kind == "attachment":
        return f"{p['filename']} ({p['mime']}, {filesizeformat(p['size'])})"
    if kind == "annulment":
        return _("Annuls act #%(act)s: %(reasons)s") % {"act": p["act"], "reasons": p["reasons"]}
    # Any other kind: its fields in words, as the pack declares them.
    versions = pack().acts.get(kind)
    spec = dict(versions[-1].payload) if versions else {}
    return "; ".join(
        f"{str(field_label(kind, name))}: "
        f"{_value(name, spec.get(name, ('', False))[0], value, names)}"
        for name, value in sorted(p.items())
    )


def _value(name: str, type_: str, value: Any, names: Names) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "institution_id":
        return names.agency(value)
    if type_.startswith("party") and isinstance(value, str):
        return names.party(value)
    if type_.startswith("datetime") and isinstance(value, str):
        return moment(value).astimezone(clock.legal_zone()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, str) and value in choices(type_):
        return choice_label(value)
    return str(value)
