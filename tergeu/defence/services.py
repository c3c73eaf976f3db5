"""The steps of the defence (arts 66-70, 99-100, 106), each ending in `act_append`: entering a
case (a notice of defence, or an appointment through legal aid), leaving it, motions, complaints
to the investigating judge, and evidence presented to be attached. The engine judges each act
by the pack; these services add what only the database knows — who defends whom."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from django.db import transaction
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.accounts.models import Appointment, Official, Role
from tergeu.attachments.models import CaseAttachment
from tergeu.attachments.services import blob_keep, received, safe_filename
from tergeu.cases.models import Case
from tergeu.defence.models import AdmissionVia, DefenceAdmission
from tergeu.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.persons.iin import parse_iin
from tergeu.procedure.rules import DEFENDED
from tergeu.procedure.state import from_json
from tergeu.registry.numbers import register_number_parse

# Act kinds written only by these services (they keep `DefenceAdmission` and check who defends
# whom): the generic act endpoint refuses them and names the endpoint to use.
SERVICE_KINDS = frozenset(
    {
        "defence_notice",
        "defence_appointment",
        "defence_end",
        "motion",
        "defence_complaint",
        "defence_evidence",
    }
)


def defence_notice_file(
    *,
    lawyer: Official,
    register_number: str,
    client_iin: str,
    performed_at: datetime | None = None,
) -> DefenceAdmission:
    """A lawyer enters a case by a notice of defence for a client (68(8)). The lawyer cannot see
    the case before: they name it by its register number and the client by IIN. A number that
    does not exist and a person who is not a suspect, accused or convicted in that case get the
    same "not found", so that neither the case nor a person's part in it leaks."""
    _require_lawyer(lawyer)
    register_number = register_number_parse(register_number)
    parse_iin(client_iin)
    party = f"iin:{client_iin}"
    case = Case.objects.filter(register_number=register_number).first()
    if case is None or from_json(case.procedure).person(party).status not in DEFENDED:
        raise NotFound(_("No such case."), code="case_not_found")
    _require_not_admitted(case, lawyer, party)
    with transaction.atomic():
        # The lawyer files the notice in the capacity the admission gives: the row goes in
        # first, inside the act's transaction, and goes with it if the law refuses the notice.
        admission = DefenceAdmission.objects.create(
            case=case,
            lawyer=lawyer,
            party=party,
            via=AdmissionVia.NOTICE,
            since_seq=0,
            since=performed_at or clock.now(),
        )
        act = act_append(
            case=case,
            kind="defence_notice",
            actor=lawyer,
            payload={"party": party},
            performed_at=performed_at,
        )
        admission.since_seq, admission.since = act.seq, act.performed_at
        admission.save(update_fields=["since_seq", "since"])
    return admission


def defence_appoint(
    *,
    case: Case,
    actor: Official,
    lawyer: Official,
    party: str,
    grounds: str = "",
    performed_at: datetime | None = None,
) -> DefenceAdmission:
    """The body appoints a defender through legal aid (67, 68(2)): the appointment binds the
    lawyer, who is admitted from it."""
    _require_lawyer(lawyer, refusal=InvalidInput)
    _require_not_admitted(case, lawyer, party)
    payload: dict[str, object] = {"party": party, "lawyer_id": lawyer.pk}
    if grounds.strip():
        payload["grounds"] = grounds
    with transaction.atomic():
        act = act_append(
            case=case,
            kind="defence_appointment",
            actor=actor,
            payload=payload,
            performed_at=performed_at,
        )
        return DefenceAdmission.objects.create(
            case=case,
            lawyer=lawyer,
            party=party,
            via=AdmissionVia.APPOINTMENT,
            since_seq=act.seq,
            since=act.performed_at,
        )


def defence_end(
    *,
    case: Case,
    actor: Official,
    lawyer: Official,
    party: str,
    reasons: str,
    performed_at: datetime | None = None,
) -> DefenceAdmission:
    """The body records the end of a defender's participation — the client refused them or
    they were replaced (68(4), 69); from then on the lawyer no longer sees the case."""
    admission = DefenceAdmission.objects.filter(
        case=case, lawyer=lawyer, party=party, until__isnull=True
    ).first()
    if admission is None:
        raise Conflict(
            _("This lawyer does not defend this person in this case."),
            code="not_admitted",
            details={"lawyer_id": lawyer.pk, "party": party},
        )
    with transaction.atomic():
        act = act_append(
            case=case,
            kind="defence_end",
            actor=actor,
            payload={"party": party, "lawyer_id": lawyer.pk, "reasons": reasons},
            performed_at=performed_at,
        )
        admission.until_seq, admission.until = act.seq, act.performed_at
        admission.save(update_fields=["until_seq", "until"])
    return admission


def motion_file(
    *,
    case: Case,
    lawyer: Official,
    party: str,
    matter: str,
    text: str,
    performed_at: datetime | None = None,
) -> Act:
    """A motion of the defence for its client (99, 100): the body must decide it within 3
    days (clock R67)."""
    admission_require(case=case, lawyer=lawyer, party=party)
    return act_append(
        case=case,
        kind="motion",
        actor=lawyer,
        payload={"party": party, "matter": matter, "text": text},
        performed_at=performed_at,
    )


def complaint_file(
    *,
    case: Case,
    lawyer: Official,
    motion_seq: int,
    grounds: str,
    performed_at: datetime | None = None,
) -> Act:
    """The defence takes a refused motion, or one not decided within 3 days, to the
    investigating judge (70(3), 106): a request in the queue of the judge on duty, decided by
    an act `decision` (clock R70)."""
    # Only the motions of the lawyer's own clients exist for them: another party's motion is
    # "not found", never "not yours", which would name that party.
    clients = DefenceAdmission.objects.filter(
        case=case, lawyer=lawyer, until__isnull=True
    ).values_list("party", flat=True)
    motion = Act.objects.filter(
        case=case,
        compartment__isnull=True,
        seq=motion_seq,
        kind="motion",
        payload__party__in=list(clients),
    ).first()
    if motion is None:
        raise NotFound(
            _("No such motion."), code="motion_not_found", details={"motion": motion_seq}
        )
    return act_append(
        case=case,
        kind="defence_complaint",
        actor=lawyer,
        payload={"motion": motion_seq, "grounds": grounds},
        performed_at=performed_at,
    )


def evidence_submit(
    *,
    case: Case,
    lawyer: Official,
    party: str,
    description: str,
    stream: IO[bytes],
    filename: str,
) -> Act:
    """Evidence the defence collected and presents (70(2)(2)): the file is stored with the act,
    and the body must attach it to the case (an act `evidence_attachment`, clock
    X-DEFENCE-EVIDENCE). Refused as an upload is (empty, too large, a type not allowed)."""
    admission_require(case=case, lawyer=lawyer, party=party)
    filename = safe_filename(filename)
    with received(stream, filename) as upload, transaction.atomic():
        act = act_append(
            case=case,
            kind="defence_evidence",
            actor=lawyer,
            payload={
                "party": party,
                "description": description,
                "sha256": upload.sha256,
                "filename": filename,
                "size": upload.size,
                "mime": upload.mime,
            },
        )
        CaseAttachment.objects.create(
            case=case, blob=blob_keep(upload), filename=filename, seq=act.seq, uploaded_by=lawyer
        )
    return act


def admission_require(*, case: Case, lawyer: Official, party: str) -> DefenceAdmission:
    """The running admission of `lawyer` as the defender of `party` in `case`; Forbidden
    otherwise (nothing is written)."""
    admission = DefenceAdmission.objects.filter(
        case=case, lawyer=lawyer, party=party, until__isnull=True
    ).first()
    if admission is None:
        raise Forbidden(
            _("You are not admitted as the defender of this person in this case."),
            code="not_admitted",
            details={"party": party},
        )
    return admission


def _require_lawyer(lawyer: Official, *, refusal: type[AppError] = Forbidden) -> None:
    if not Appointment.objects.filter(official=lawyer, role=Role.DEFENCE_LAWYER).exists():
        raise refusal(
            _("Only a defence lawyer enters a case as a defender."),
            code="not_a_defence_lawyer",
            details={"lawyer_id": lawyer.pk},
        )


def _require_not_admitted(case: Case, lawyer: Official, party: str) -> None:
    if DefenceAdmission.objects.filter(
        case=case, lawyer=lawyer, party=party, until__isnull=True
    ).exists():
        raise Conflict(
            _("This lawyer already defends this person in this case."),
            code="already_admitted",
            details={"party": party},
        )


def admissions_verify(case: Case) -> list[str]:
    """Where the stored admissions of `case` differ from those its journal gives (empty when
    they agree): (lawyer, client, since, until) folded from the notices, appointments and ends."""
    rebuilt: dict[tuple[int, str], list[list[int | None]]] = {}
    acts = Act.objects.filter(
        case=case, kind__in=["defence_notice", "defence_appointment", "defence_end"]
    ).order_by("seq")
    for act in acts.values_list("seq", "kind", "payload", "actor_id"):
        seq, kind, payload, actor_id = act
        lawyer_id = actor_id if kind == "defence_notice" else payload["lawyer_id"]
        spans = rebuilt.setdefault((lawyer_id, payload["party"]), [])
        if kind == "defence_end":
            spans[-1][1] = seq
        else:
            spans.append([seq, None])
    expected = sorted(
        (lawyer, party, since, until)
        for (lawyer, party), spans in rebuilt.items()
        for since, until in spans
    )
    stored = sorted(
        DefenceAdmission.objects.filter(case=case).values_list(
            "lawyer_id", "party", "since_seq", "until_seq"
        )
    )
    if stored == expected:
        return []
    return [f"defence admissions differ from the journal: stored {stored}, journal {expected}"]
