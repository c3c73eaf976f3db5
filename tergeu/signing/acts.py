"""Signing acts' documents in the act flow (docs/signing.md, "Acts").

The author of an act signs its document first (revision 1); each official who then decides on
the act — agrees, approves, sanctions — countersigns that signed document (one more revision per
decision). Each revision is kept as it was signed, never re-rendered; the act's document is its
latest revision.

Two ways to sign:

- server-side, from the official's PKCS#12 key in TERGEU_SIGNING_SERVER_KEYS (development and
  demonstrations; off when the setting is empty): `act_sign(official, act, language)`;
- client-side, by the official's signing application (NCALayer): `act_sign_prepare` keeps the
  prepared PDF here and returns the bytes to sign; `act_sign(..., cms=...)` embeds the detached
  CMS the application returned, after verifying it.

Every refusal is an `AppError` with a stable code; nothing is recorded then."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.accounts.models import Official
from tergeu.attachments.services import blob_put, blob_read
from tergeu.documents.services import document_render, language_check
from tergeu.errors import Conflict, Forbidden
from tergeu.journal.models import Act
from tergeu.signing import pdf as pdf_ops
from tergeu.signing.certificates import fingerprint, iin_of
from tergeu.signing.errors import SignatureRefused
from tergeu.signing.models import PreparedSignature, SignatureRole, SignedDocument
from tergeu.signing.services import Pkcs12, Prepared, document_prepare, document_sign

SERVER = "server"
CLIENT = "client"
PDF = "application/pdf"
# Which revisions a reader may see: None, all of them; otherwise a test of the decision's seq.
DecisionShown = Callable[[int], bool] | None


@dataclass(frozen=True)
class Due:
    """The signature an official owes a document: the author's, or a countersignature for one
    of their decisions on the act."""

    role: str
    decision: Act | None


def _same_journal(act: Act) -> Q:
    if act.compartment_id is None:
        return Q(case_id=act.case_id, compartment__isnull=True)
    return Q(compartment_id=act.compartment_id)


def decisions_on(act: Act) -> QuerySet[Act]:
    """The decisions recorded on `act` (agreements, approvals, sanctions), in journal order."""
    return Act.objects.filter(
        _same_journal(act), kind="decision", payload__request=act.seq
    ).order_by("seq")


def revisions(act: Act, language: str) -> list[SignedDocument]:
    return revisions_of([act], language)[act.pk]


def revisions_of(acts: list[Act], language: str) -> dict[int, list[SignedDocument]]:
    """The revisions of many acts' documents in `language`, by act id, read at once."""
    found: dict[int, list[SignedDocument]] = {act.pk: [] for act in acts}
    rows = (
        SignedDocument.objects.filter(act__in=[act.pk for act in acts], language=language)
        .select_related("signer", "decision", "pdf")
        .order_by("act_id", "revision")
    )
    for row in rows:
        found[row.act_id].append(row)
    return found


def visible_revisions(
    rows: list[SignedDocument], decision_shown: DecisionShown
) -> list[SignedDocument]:
    """The revisions a reader may see: up to (not including) the first countersignature of a
    decision hidden from them — each revision contains every signature before it."""
    if decision_shown is None:
        return rows
    shown = []
    for row in rows:
        if row.decision is not None and not decision_shown(row.decision.seq):
            break
        shown.append(row)
    return shown


def signature_due(official: Official, act: Act, rows: list[SignedDocument]) -> Due:
    """The signature `official` is to add now, or why they have none to add."""
    if not rows:
        if official.pk == act.actor_id:
            return Due(SignatureRole.AUTHOR, None)
        if not decisions_on(act).filter(actor=official).exists():
            raise _not_a_signer()
        raise Conflict(
            _("The author has not signed this document yet; it is countersigned after that."),
            code="author_signature_missing",
        )
    countersigned = {row.decision_id for row in rows}
    for decision in decisions_on(act).filter(actor=official):
        if decision.pk not in countersigned:
            return Due(SignatureRole.DECISION, decision)
    if official.pk == act.actor_id or official.pk in {row.signer_id for row in rows}:
        raise Conflict(
            _("You have already signed this document."),
            code="already_signed",
            details={"revision": rows[-1].revision},
        )
    raise _not_a_signer()


def _not_a_signer() -> Forbidden:
    return Forbidden(
        _("Only the author of an act and the officials who decided on it sign its document."),
        code="not_a_signer",
    )


def current_document(act: Act, language: str, rows: list[SignedDocument]) -> bytes:
    """The act's document as it now stands: its latest signed revision, else the document its
    author is to sign."""
    return blob_read(rows[-1].pdf) if rows else document_render(act, language)


def _reason(due: Due, language: str) -> str:
    with translation.override(language):
        if due.decision is None:
            return _("Signed by the author of the act")
        return _("Countersigned: decision no. %(seq)d") % {"seq": due.decision.seq}


def server_key(official: Official) -> Pkcs12:
    """The official's key kept on the server (TERGEU_SIGNING_SERVER_KEYS/<username>.p12)."""
    directory: str = settings.TERGEU_SIGNING_SERVER_KEYS
    if not directory:
        raise SignatureRefused(
            _("This installation does not sign on the server: sign with your signing application."),
            code="server_signing_off",
        )
    path = Path(directory) / f"{official.username}.p12"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SignatureRefused(
            _("No key is kept on the server for you: sign with your signing application."),
            code="server_key_missing",
        ) from exc
    return Pkcs12(data=data, password=settings.TERGEU_SIGNING_SERVER_KEY_PASSWORD)


def _record(
    official: Official, act: Act, language: str, due: Due, signed: bytes, mode: str, number: int
) -> SignedDocument:
    last = pdf_ops.reader_open(signed).embedded_regular_signatures[-1]
    certificate = x509.load_der_x509_certificate(last.signer_cert.dump())
    try:
        with transaction.atomic():
            row = SignedDocument.objects.create(
                act=act,
                language=language,
                revision=number,
                role=due.role,
                decision=due.decision,
                signer=official,
                signer_iin=iin_of(certificate) or "",
                certificate_sha256=fingerprint(certificate),
                mode=mode,
                pdf=blob_put(signed, PDF),
                signed_at=clock.now(),
            )
            PreparedSignature.objects.filter(act=act, language=language, signer=official).delete()
    except IntegrityError as exc:  # another signature of the same revision won the race
        raise Conflict(
            _("The document was signed by someone else at the same moment: sign it again."),
            code="signed_meanwhile",
        ) from exc
    return row


def act_sign(
    official: Official, act: Act, language: str, *, cms: bytes | None = None
) -> SignedDocument:
    """Add `official`'s signature to the document of `act` in `language`: the author's first,
    then the countersignature of each of their decisions on the act. Without `cms`, with the
    official's key kept on the server; with it, the CMS their signing application made over
    the bytes `act_sign_prepare` gave."""
    language_check(language)
    rows = revisions(act, language)
    due = signature_due(official, act, rows)
    if cms is None:
        signed = document_sign(
            current_document(act, language, rows),
            official=official,
            p12=server_key(official),
            reason=_reason(due, language),
        )
        return _record(official, act, language, due, signed, SERVER, len(rows) + 1)
    prepared = PreparedSignature.objects.filter(act=act, language=language, signer=official).first()
    if prepared is None:
        raise Conflict(
            _("Nothing was prepared for your signature: prepare the document first."),
            code="nothing_prepared",
        )
    prepared_pdf = bytes(prepared.pdf)
    if not prepared_pdf.startswith(current_document(act, language, rows)):
        raise Conflict(
            _("The document was signed by someone else since it was prepared: prepare it again."),
            code="signed_meanwhile",
        )
    signed = document_sign(prepared_pdf, official=official, cms=cms)
    return _record(official, act, language, due, signed, CLIENT, len(rows) + 1)


def act_sign_prepare(official: Official, act: Act, language: str) -> Prepared:
    """Reserve `official`'s signature in the act's document for their signing application; the
    prepared PDF is kept until they sign (or prepare again)."""
    language_check(language)
    rows = revisions(act, language)
    due = signature_due(official, act, rows)
    prepared = document_prepare(
        current_document(act, language, rows), official=official, reason=_reason(due, language)
    )
    with transaction.atomic():
        PreparedSignature.objects.update_or_create(
            act=act,
            language=language,
            signer=official,
            defaults={"pdf": prepared.pdf, "prepared_at": clock.now()},
        )
    return prepared


def signed_document(
    act: Act, language: str, decision_shown: DecisionShown = None
) -> tuple[bytes, list[SignedDocument]] | None:
    """The latest revision of the act's signed document the reader may see, with the
    revisions up to it; None when the author has not signed it."""
    shown = visible_revisions(revisions(act, language), decision_shown)
    if not shown:
        return None
    return blob_read(shown[-1].pdf), shown


@dataclass(frozen=True)
class SigningState:
    """Where an act's document stands for one reader: how many signatures it carries (those
    the reader may see) and whether the reader owes it one now."""

    signatures: int
    due: bool


def signing_states(
    official: Official, acts: list[Act], language: str, decision_shown: DecisionShown = None
) -> dict[int, SigningState]:
    """The signing state of each act of one journal (by act id), in two queries."""
    if not acts:
        return {}
    found = revisions_of(acts, language)
    mine = Act.objects.filter(
        _same_journal(acts[0]),
        kind="decision",
        actor=official,
        payload__request__in=[act.seq for act in acts],
    ).values_list("pk", "payload__request")
    decided: dict[int, list[int]] = {}
    for pk, request in mine:
        decided.setdefault(int(request), []).append(pk)
    states = {}
    for act in acts:
        rows = found[act.pk]
        countersigned = {row.decision_id for row in rows}
        owed = [pk for pk in decided.get(act.seq, []) if pk not in countersigned]
        # The author first; a decider once the author has signed.
        due = bool(owed) if rows else act.actor_id == official.pk
        shown = visible_revisions(rows, decision_shown)
        states[act.pk] = SigningState(len(shown), due and decision_shown is None)
    return states
