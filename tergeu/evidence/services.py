"""Evidence and its chain of custody: every step is an act of the case's journal (engine-checked
like any other), and the item's row says where it stands — written in the same transaction.

Seized (described; a digital item's bytes stored under their SHA-256) → packed and sealed (seal
number) → handed over, examined by an expert (the seal is broken and the item must be sealed
again before it changes hands) → returned or destroyed, after which nothing more happens to it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext as _

from tergeu.accounts.models import Official
from tergeu.attachments.services import blob_keep, received, safe_filename
from tergeu.cases.models import Case
from tergeu.defence.disclosure import defence_view
from tergeu.errors import Conflict, InvalidInput, NotFound
from tergeu.evidence.models import CLOSED_CUSTODY, Custody, EvidenceItem, Nature
from tergeu.journal.models import Act
from tergeu.journal.services import act_append

# The act of each step after the seizure, and the item's custody after it.
STEPS: Mapping[str, tuple[str, Custody]] = {
    "seal": ("evidence_sealing", Custody.SEALED),
    "transfer": ("evidence_transfer", Custody.TRANSFERRED),
    "examine": ("evidence_examination", Custody.EXAMINED),
    "return": ("evidence_return", Custody.RETURNED),
    "destroy": ("evidence_destruction", Custody.DESTROYED),
}
SERVICE_KINDS = frozenset({"evidence_seizure", *(kind for kind, _custody in STEPS.values())})
# Steps that move a sealed item: an item whose seal is broken (or never set) is sealed first.
NEEDS_SEAL = frozenset({"transfer", "examine"})


def evidence_visible(user: Any, case: Case) -> QuerySet[EvidenceItem]:
    """The case's items `user` may see (the caller has passed the access gate for the case):
    all of them for its officials; for its defence, those whose seizure was disclosed to it."""
    items = EvidenceItem.objects.filter(case=case)
    view = defence_view(user, case)
    if view is not None:
        items = items.filter(seized_seq__in=view.grounds)
    return items


def evidence_seize(
    *,
    case: Case,
    actor: Official,
    description: str,
    nature: str,
    place: str,
    stream: IO[bytes] | None = None,
    filename: str = "",
) -> EvidenceItem:
    """Record a seized item under the next number of the case; a digital item's file is stored
    under its SHA-256 and named in the act. Refused (nothing written) as any act is, and for a
    digital item without its file or a file for a physical one."""
    if nature not in Nature.values:
        raise InvalidInput(
            _("An item of evidence is physical or digital."),
            code="invalid_nature",
            details={"nature": nature, "allowed": list(Nature.values)},
        )
    if (nature == Nature.DIGITAL) != (stream is not None):
        raise InvalidInput(
            _("A digital item is seized with its file; a physical one without."),
            code="evidence_file",
            details={"nature": nature},
        )
    if stream is None:
        return _seize(case, actor, description, nature, place, upload=None, filename="")
    filename = safe_filename(filename)
    with received(stream, filename) as upload:
        return _seize(case, actor, description, nature, place, upload, filename)


def _seize(
    case: Case,
    actor: Official,
    description: str,
    nature: str,
    place: str,
    upload: Any,
    filename: str,
) -> EvidenceItem:
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",), no_key=True).get(pk=case.pk)
        number = (locked.evidence.aggregate(n=Max("number"))["n"] or 0) + 1
        payload: dict[str, Any] = {
            "number": number,
            "description": description,
            "nature": nature,
            "place": place,
        }
        if upload is not None:
            payload |= {"sha256": upload.sha256, "filename": filename}
        act = act_append(case=case, kind="evidence_seizure", payload=payload, actor=actor)
        return EvidenceItem.objects.create(
            case=case,
            number=number,
            nature=nature,
            description=act.payload["description"],
            blob=blob_keep(upload) if upload is not None else None,
            filename=filename,
            holder=case.investigation_unit.name[:255],
            custody=Custody.SEIZED,
            seized_seq=act.seq,
            last_seq=act.seq,
        )


def evidence_step(
    *, case: Case, actor: Official, number: int, step: str, fields: Mapping[str, Any]
) -> EvidenceItem:
    """Take item `number` one step along its chain of custody (`STEPS`), with the step's
    fields (seal and packaging; the new holder; the expert and the purpose; the grounds).
    Refused (nothing written) for an unknown item or step, a returned or destroyed item, an
    unsealed item to be handed over or examined, and as any act is."""
    if step not in STEPS:
        raise InvalidInput(
            _("Unknown step of the chain of custody."),
            code="invalid_step",
            details={"step": step, "allowed": sorted(STEPS)},
        )
    kind, custody = STEPS[step]
    with transaction.atomic():
        Case.objects.select_for_update(of=("self",), no_key=True).get(pk=case.pk)
        item = EvidenceItem.objects.select_for_update().filter(case=case, number=number).first()
        if item is None:
            raise NotFound(
                _("No such item of evidence."),
                code="evidence_not_found",
                details={"number": number},
            )
        if item.custody in CLOSED_CUSTODY:
            raise Conflict(
                _("This item was returned or destroyed: its chain of custody is closed."),
                code="evidence_closed",
                details={"number": number, "custody": item.custody},
            )
        if step in NEEDS_SEAL and not item.seal:
            raise Conflict(
                _("The item must be packed and sealed before it is handed over or examined."),
                code="evidence_not_sealed",
                details={"number": number},
            )
        act = act_append(case=case, kind=kind, payload={**fields, "number": number}, actor=actor)
        _apply(item, act, custody)
        item.save()
        return item


def _apply(item: EvidenceItem, act: Act, custody: str) -> None:
    """The item after a step of its chain (the seizure makes the item)."""
    payload = act.payload
    item.custody, item.last_seq = custody, act.seq
    if custody == Custody.SEALED:
        item.seal = payload["seal"]
    elif custody == Custody.EXAMINED:
        item.seal = ""  # opened by the expert: to be sealed again
    elif custody in (Custody.TRANSFERRED, Custody.RETURNED):
        item.holder = payload["to"][:255]


def evidence_verify(case: Case) -> list[str]:
    """Every difference between the case's evidence rows and its journal (empty: they agree)."""
    rebuilt: dict[int, EvidenceItem] = {}
    custody_of = {kind: custody for kind, custody in STEPS.values()}
    acts = Act.objects.filter(case=case, compartment__isnull=True, kind__in=SERVICE_KINDS)
    for act in acts.order_by("seq"):
        number = int(act.payload["number"])
        if act.kind == "evidence_seizure":
            rebuilt[number] = EvidenceItem(
                number=number,
                nature=act.payload["nature"],
                description=act.payload["description"],
                seal="",
                holder=case.investigation_unit.name[:255],
                custody=Custody.SEIZED,
                seized_seq=act.seq,
                last_seq=act.seq,
            )
            continue
        if number not in rebuilt:
            return [f"act {act.seq}: item {number} was never seized"]
        _apply(rebuilt[number], act, custody_of[act.kind])
    fields = ("nature", "description", "seal", "holder", "custody", "seized_seq", "last_seq")
    stored = {item.number: item for item in EvidenceItem.objects.filter(case=case)}
    problems = [f"item {n}: in the journal, not recorded" for n in rebuilt.keys() - stored.keys()]
    problems += [f"item {n}: recorded, not in the journal" for n in stored.keys() - rebuilt.keys()]
    for number in sorted(rebuilt.keys() & stored.keys()):
        for name in fields:
            if getattr(rebuilt[number], name) != getattr(stored[number], name):
                problems.append(f"item {number}: {name} differs from the journal")
    return problems
