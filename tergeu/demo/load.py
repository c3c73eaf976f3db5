"""Loading the demo: reference data, then — into a database without cases or reports — the
demo's reports and cases, all in one transaction that is rolled back if the journal of any case
does not verify."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q

from tergeu.cases.models import Case
from tergeu.demo.reference import officials_identify, reference_load
from tergeu.demo.scenario import DemoSummary, cases_load
from tergeu.errors import AppError
from tergeu.journal.models import Act
from tergeu.journal.verify import Problem, verify_case
from tergeu.registry.models import CrimeReport
from tergeu.signing.acts import act_sign
from tergeu.signing.devca import dev_certificates_issue


class DemoBroken(AppError):
    """The loaded demo did not verify; nothing was written."""

    status = 500
    code = "demo_broken"


def demo_load() -> DemoSummary | None:
    """Load whatever of the demo is missing. Returns what was loaded, or None when the
    database already had cases or reports (the demo's cases are never mixed with others)."""
    with transaction.atomic():
        ref = reference_load()
        # Every demo official gets a signing key from the development CA (TERGEU_DEV_CA_DIR).
        dev_certificates_issue(officials_identify(ref.officials))
        if Case.objects.exists() or CrimeReport.objects.exists():
            return None
        summary = cases_load(ref)
        demo_sign()
        problems: list[Problem] = []
        for case in Case.objects.order_by("pk"):
            problems.extend(verify_case(case))
        if problems:
            raise DemoBroken(
                "The demo's journal does not verify: " + "; ".join(map(str, problems[:5])),
                details={"problems": len(problems)},
            )
        return summary


def demo_sign(language: str = "ru") -> Case | None:
    """Sign the documents of one demo case as its officials would, with their development
    keys: the case with the most decisions, so that it shows authors' signatures and the
    countersignatures of agreements, approvals and sanctions. (Every act of every case would
    take seconds of signing on each load; the others stay unsigned.)"""
    decisions = Count("acts", filter=Q(acts__kind="decision", acts__compartment__isnull=True))
    case = Case.objects.annotate(decisions=decisions).order_by("-decisions", "pk").first()
    if case is None:
        return None
    journal = Act.objects.filter(case=case, compartment__isnull=True).select_related(
        "case", "actor"
    )
    acts = {act.seq: act for act in journal.order_by("seq")}
    for act in acts.values():
        act_sign(act.actor, act, language)
        request = acts.get(act.payload.get("request")) if act.kind == "decision" else None
        if request is not None:
            act_sign(act.actor, request, language)
    return case
