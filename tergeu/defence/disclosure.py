"""What the law opens to a defence lawyer, and the one path by which they read a case's acts.

The defender reads (arts 64(9), 65, 70(2), 295-296):
- their own acts (the notice of defence, motions, complaints, evidence presented);
- the acts concerning their client: every act whose payload names the client (recognition as
  suspect, qualification of their act, detention, custody motions, interrogation, …), and the
  decisions on those acts (a prosecutor's agreement, a judge's sanction, the decision on a
  motion);
- the decisions every suspect or accused receives a copy of (`COPIES`);
- the whole case file once familiarisation with the materials has begun (294-296) — the file
  as it stood at the last familiarisation if the case went back to investigation.
Covert material never (70(2)(5)): no act of a covert compartment, no act of a `covert_` kind,
no act about one.

`grounds` is that policy over plain values; `disclosed_acts` applies it to a case and logs every
act it shows (`DisclosureLog`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from tergeu import clock
from tergeu.access.gate import holds_role
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import Case
from tergeu.cases.selectors import CaseDetail
from tergeu.defence.models import DefenceAdmission, DisclosureGround, DisclosureLog
from tergeu.errors import NotFound
from tergeu.journal.models import Act

# From the notice of the end of investigative actions on, the whole file is open to the defence
# (294-296), and it stays open while the case is before the prosecutor and the court.
FILE_OPEN_STAGES = frozenset(
    {
        "familiarization",
        "investigation_completed",
        "at_prosecutor",
        "sent_to_court",
        "trial_scheduled",
        "trial",
        "judgment_issued",
        "writ_review",
        "writ_verdict",
        "in_appeal",
        "in_force",
        "execution",
        "closed",
    }
)
# Decisions of the case as a whole that every suspect or accused receives a copy of, or is
# notified of: interruption and resumption (45, 291), termination (289), the notice of the end of
# investigative actions (294), the final documents (190, 192-2, 302, 304, 526, 629-2), the
# court's decisions (319, 396, 418, 425, 470, 629-6).
COPIES = frozenset(
    {
        "interruption",
        "resumption",
        "termination",
        "termination_cancelled",
        "investigation_completed",
        "indictment",
        "completion_report",
        "accusation_protocol",
        "accelerated_protocol",
        "misdemeanour_protocol",
        "writ_order",
        "court_acceptance",
        "verdict",
        "writ_verdict",
        "appeal",
        "appeal_decision",
        "entry_into_force",
        "execution_order",
    }
)
COVERT_PREFIX = "covert_"  # 70(2)(5): covert investigative actions are never disclosed
# Payload fields naming an earlier act of the case that the act decides or answers.
REFERENCES = ("request", "motion", "evidence")
# ... and those naming a covert action (an act about one is covert itself).
COVERT_REFERENCES = ("request", "covert")


@dataclass(frozen=True)
class Entry:
    """What the policy needs to know of an act."""

    seq: int
    kind: str
    payload: Mapping[str, Any]
    actor_id: int


def grounds(
    entries: Sequence[Entry], *, stage: str, lawyer_id: int, clients: frozenset[str]
) -> dict[int, str]:
    """seq → why the law opens the act to this lawyer, for the acts of a case in `stage`
    (`entries` in journal order); the acts left out are closed to them."""
    file_until = file_horizon(entries, stage)
    opened: dict[int, str] = {}
    secret: set[int] = set()
    for entry in entries:
        if entry.kind.startswith(COVERT_PREFIX) or _refers(entry, COVERT_REFERENCES, secret):
            secret.add(entry.seq)
            continue
        ground = _ground(entry, opened, lawyer_id=lawyer_id, clients=clients)
        if ground is None and entry.seq <= file_until:
            ground = DisclosureGround.FILE
        if ground is not None:
            opened[entry.seq] = ground
    return opened


def file_horizon(entries: Sequence[Entry], stage: str) -> int:
    """The last act of the file open to the defence as a whole: every act while the case is at
    or past familiarisation; after a return for more investigation, the file as it was when
    familiarisation was last completed; before any familiarisation, none."""
    if stage in FILE_OPEN_STAGES:
        return entries[-1].seq if entries else 0
    completed = [e.seq for e in entries if e.kind == "familiarization_completed"]
    return max(completed, default=0)


def _ground(
    entry: Entry, opened: Mapping[int, str], *, lawyer_id: int, clients: frozenset[str]
) -> str | None:
    if entry.actor_id == lawyer_id:
        return DisclosureGround.OWN
    if clients & _parties(entry.payload):
        return DisclosureGround.CLIENT
    referred = {opened[v] for v in _references(entry, REFERENCES) if v in opened}
    # A decision on what the lawyer filed or on what concerns the client concerns the client;
    # on a copy, it is a copy too. On an act open only with the file: as the file stands.
    if referred & {DisclosureGround.OWN, DisclosureGround.CLIENT}:
        return DisclosureGround.CLIENT
    if DisclosureGround.COPY in referred or entry.kind in COPIES:
        return DisclosureGround.COPY
    return None


def _parties(payload: Mapping[str, Any]) -> set[str]:
    return {v for v in payload.values() if isinstance(v, str) and v[:4] in ("iin:", "bin:")}


def _references(entry: Entry, fields: Iterable[str]) -> list[int]:
    """The acts `entry` names by number in these payload fields."""
    values = (entry.payload.get(f) for f in fields)
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


def _refers(entry: Entry, fields: Iterable[str], seqs: set[int]) -> bool:
    return any(v in seqs for v in _references(entry, fields))


# --- reading a case as the defence ----------------------------------------------------------------


@dataclass(frozen=True)
class DefenceView:
    """A case as one lawyer may read it now: their clients, and each act open to them with
    its ground."""

    lawyer: Official
    case: Case
    clients: frozenset[str]
    grounds: Mapping[int, str]
    kinds: Mapping[int, str]
    file_open: bool  # the whole file, at familiarisation or later

    def sees_party(self, party: str) -> bool:
        return self.file_open or party in self.clients


@dataclass(frozen=True)
class Disclosed:
    acts: list[Act]
    more: bool  # further acts open to the lawyer beyond this page


def reads_as_defence(user: Official, case: Case) -> bool:
    """Whether `user` reads `case` as its defence: a lawyer admitted to it (who has passed the
    gate). No query for officials who are no lawyers."""
    return bool(holds_role(user, Role.DEFENCE_LAWYER) and _clients(user, case))


def _clients(user: Official, case: Case) -> frozenset[str]:
    running = DefenceAdmission.objects.filter(case=case, lawyer=user, until__isnull=True)
    return frozenset(running.values_list("party", flat=True))


def defence_view(user: Official, case: Case) -> DefenceView | None:
    """How `user` may read `case` if they read it as its defence (admitted to it as a lawyer);
    None for everyone else, who read it through the gate alone. The caller has passed the
    gate. Officials who are no lawyers cost no query here."""
    if not holds_role(user, Role.DEFENCE_LAWYER):
        return None
    clients = _clients(user, case)
    if not clients:
        return None
    rows = (
        Act.objects.filter(case=case, compartment__isnull=True)
        .order_by("seq")
        .values_list("seq", "kind", "payload", "actor_id")
    )
    entries = [Entry(*row) for row in rows]
    opened = grounds(entries, stage=case.stage, lawyer_id=user.pk, clients=clients)
    return DefenceView(
        lawyer=user,
        case=case,
        clients=clients,
        grounds=opened,
        kinds={e.seq: e.kind for e in entries if e.seq in opened},
        file_open=case.stage in FILE_OPEN_STAGES,
    )


def disclosed_acts(
    lawyer: Official,
    case: Case,
    *,
    surface: str,
    action: str = "view_journal",
    after_seq: int = 0,
    before_seq: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> Disclosed:
    """The acts of `case` the law opens to `lawyer` now — the lawyer's one way to read them —
    after `after_seq` / before `before_seq`, at most `limit`, in journal order (or newest
    first). Each act shown is logged as disclosed. A lawyer not admitted is told the case does
    not exist, as by the gate."""
    view = defence_view(lawyer, case)
    if view is None:
        raise NotFound(_("No such case."), code="case_not_found", details={"case_id": case.pk})
    seqs = sorted(
        (s for s in view.grounds if s > after_seq and (before_seq is None or s < before_seq)),
        reverse=newest_first,
    )
    page = seqs[:limit] if limit is not None else seqs
    acts = list(
        Act.objects.filter(case=case, compartment__isnull=True, seq__in=page)
        .defer("canonical", "signatures")
        .order_by("-seq" if newest_first else "seq")
    )
    _log(view, [a.seq for a in acts], surface=surface, action=action)
    return Disclosed(acts=acts, more=len(seqs) > len(page))


def disclosed_act_check(
    user: Official, case: Case, seq: int, *, surface: str, action: str, missing: NotFound
) -> None:
    """For a lawyer reading as the defence: act `seq` must be open to them, else `missing` (the
    error a nonexistent act gives); the disclosure is logged. Nothing for anyone else."""
    view = defence_view(user, case)
    if view is None:
        return
    if seq not in view.grounds:
        raise missing
    _log(view, [seq], surface=surface, action=action)


def detail_disclosed(view: DefenceView, detail: CaseDetail) -> CaseDetail:
    """What the case page and the API detail show the defence: the participants and clocks the
    acts open to them concern; none of a compartment."""
    return replace(
        detail,
        participants=[p for p in detail.participants if view.sees_party(p.party)],
        deadlines=[
            d
            for d in detail.deadlines
            if getattr(d, "compartment_id", None) is None and d.started_by_seq in view.grounds
        ],
        awaiting=[a for a in detail.awaiting if a.request in view.grounds],
    )


def _log(view: DefenceView, seqs: Iterable[int], *, surface: str, action: str) -> None:
    at = clock.now()
    DisclosureLog.objects.bulk_create(
        [
            DisclosureLog(
                case=view.case,
                lawyer=view.lawyer,
                act_seq=seq,
                act_kind=view.kinds[seq],
                ground=view.grounds[seq],
                surface=surface,
                action=action,
                at=at,
            )
            for seq in seqs
        ]
    )
