"""Who read a case: its access log, for the case's procedural prosecutor (who answers for the
legality of the investigation, art. 193) and for auditors. Break-glass reads are
marked, and the grants listed. Reads of covert compartments are left out for anyone but an auditor: a prosecutor not
named in a compartment must not learn of it from the log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tergeu.access.gate import access_log, holds_role, visible_cases
from tergeu.access.models import AccessLog, BreakGlass
from tergeu.accounts.models import Official, Role
from tergeu.cases.models import Case
from tergeu.errors import Forbidden, NotFound

READERS_SHOWN = 500
# What a read was, in words (the log keeps the code).
ACTIONS = {
    "view_case": gettext_lazy("opened the case"),
    "view_journal": gettext_lazy("read the journal"),
    "view_evidence": gettext_lazy("read the evidence"),
    "evidence_label": gettext_lazy("printed an evidence label"),
    "download_attachment": gettext_lazy("downloaded an attachment"),
    "download_document": gettext_lazy("downloaded a document"),
    "view_signatures": gettext_lazy("read the signatures"),
    "sign_document": gettext_lazy("signed a document"),
    "view_proof": gettext_lazy("read an integrity proof"),
    "export": gettext_lazy("exported the case file"),
    "append_act": gettext_lazy("opened a form to record an act"),
    "append": gettext_lazy("recorded an act"),
    "add_attachment": gettext_lazy("added an attachment"),
    "view_disclosures": gettext_lazy("read the disclosure log"),
    "file_motion": gettext_lazy("filed a motion"),
    "file_complaint": gettext_lazy("filed a complaint"),
    "defence_notice": gettext_lazy("entered a notice of defence"),
    "set_contact": gettext_lazy("set a participant's contact"),
    "family_notice": gettext_lazy("told the family of a detention"),
    "list_cases": gettext_lazy("saw it in a list of cases"),
    "list_supervision": gettext_lazy("saw it in the supervision list"),
    "list_statistics_cases": gettext_lazy("saw it behind a statistics figure"),
    "view_readers": gettext_lazy("read who read the case"),
    "break_glass": gettext_lazy("opened the case urgently (break-glass)"),
    "view_compartment": gettext_lazy("opened a covert compartment"),
    "view_compartments": gettext_lazy("listed the covert compartments"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action.replace("_", " ")))


COVERT_ACTIONS = ("view_compartment", "view_compartments")


@dataclass(frozen=True)
class Readers:
    case: Case
    entries: list[AccessLog]  # the latest READERS_SHOWN, newest first
    total: int
    grants: list[BreakGlass]  # every break-glass grant on the case, newest first


def is_auditor(user: Official) -> bool:
    return holds_role(user, Role.AUDITOR)


def case_readers(user: Official, *, case_id: int, surface: str) -> Readers:
    """The access log of a case, if `user` may read it (the read is itself logged)."""
    auditor = is_auditor(user)
    cases = Case.objects.all() if auditor else visible_cases(user)
    case = cases.select_related("procedural_prosecutor").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."), code="case_not_found", details={"case_id": case_id})
    if not auditor and case.procedural_prosecutor_id != user.pk:
        raise Forbidden(
            _("Who read a case is shown to its procedural prosecutor and to auditors."),
            code="readers_not_permitted",
        )
    access_log(user, case=case, surface=surface, action="view_readers")
    rows: QuerySet[AccessLog] = AccessLog.objects.filter(case=case)
    if not auditor:
        rows = rows.exclude(Q(action__in=COVERT_ACTIONS) | Q(detail__has_key="compartment"))
    entries = list(rows.select_related("official").order_by("-at", "-pk")[:READERS_SHOWN])
    grants = list(
        BreakGlass.objects.filter(case=case).select_related("official").order_by("-granted_at")
    )
    return Readers(case, entries, rows.count(), grants)
