"""Every page of the web UI against every kind of visitor, on the demo data: the official whose
page it is gets it; an official of another body and region, a person with no appointment, and
an anonymous visitor get exactly the answer written here (404 as for a page that does not
exist, the sign-in page for the anonymous). The table is checked against the URL
configuration, so a new page without a row fails the test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tergeu.access.gate import visible_cases
from tergeu.accounts.models import Official
from tergeu.attachments.models import CaseAttachment
from tergeu.cases.models import Case, Compartment
from tergeu.defence.models import DefenceAdmission
from tergeu.evidence.models import EvidenceItem
from tergeu.journal.models import Act
from tergeu.registry.models import CrimeReport
from tergeu.web.urls import urlpatterns
from tests.conftest import ApiClient

STRANGER = "ak_investigator"  # an investigator of another body, in another region
NOBODY = "nobody"  # signed in, no appointment


@dataclass(frozen=True)
class Page:
    owner: str  # the demo official whose page it is
    args: Callable[[Official], list[Any]] = lambda _official: []
    owner_status: int = 200
    stranger: int = 404
    nobody: int = 404
    method: str = "get"  # a page that only takes a form: an empty one is posted
    anonymous: int = 302  # to the sign-in page


def _case(official: Official) -> list[Any]:
    return [visible_cases(official).order_by("pk").values_list("pk", flat=True)[0]]


def _act(official: Official) -> list[Any]:
    case = _case(official)[0]
    return [case, Act.objects.filter(case_id=case, compartment=None).order_by("-seq")[0].seq]


def _attachment(official: Official) -> list[Any]:
    item = CaseAttachment.objects.filter(case__in=visible_cases(official)).order_by("pk")[0]
    return [item.case_id, item.seq]


def _evidence(official: Official) -> list[Any]:
    item = EvidenceItem.objects.filter(case__in=visible_cases(official)).order_by("pk")[0]
    return [item.case_id, item.number]


def _compartment(official: Official) -> list[Any]:
    found = Compartment.objects.filter(members__official=official).order_by("pk")[0]
    return [found.case_id, found.number]


def _compartment_act(official: Official) -> list[Any]:
    case, number = _compartment(official)
    act = Act.objects.filter(case_id=case, compartment__number=number).order_by("seq")[0]
    return [case, number, act.seq]


def _admission(official: Official) -> list[Any]:
    return [DefenceAdmission.objects.filter(lawyer=official, until__isnull=True)[0].pk]


def _motion(official: Official) -> list[Any]:
    admission = DefenceAdmission.objects.filter(lawyer=official, until__isnull=True)[0]
    motion = Act.objects.filter(case=admission.case, kind="motion").order_by("seq")[0]
    return [admission.pk, motion.seq]


def _report(official: Official) -> list[Any]:
    return [CrimeReport.objects.filter(agency__appointments__official=official)[0].pk]


PAGES: dict[str, Page] = {
    "login": Page("investigator", owner_status=302, stranger=302, nobody=302),
    "logout": Page("investigator", owner_status=302, stranger=302, nobody=302, method="post"),
    # The second factor: enrolment is open to anyone signed in; the code is asked of those
    # enrolled (the others are sent to enrol).
    # Signing in with the certificate key: open to anyone, as the sign-in page is; it takes
    # JSON (an empty form is refused as such).
    "certificate_challenge": Page(
        "investigator", stranger=200, nobody=200, method="post", anonymous=200
    ),
    # Posted as a form, not the JSON the page's script sends: refused for its type.
    "certificate_sign_in": Page(
        "investigator", owner_status=415, stranger=415, nobody=415, method="post", anonymous=415
    ),
    "otp_setup": Page("investigator", stranger=200, nobody=200),
    "otp_verify": Page("investigator", owner_status=302, stranger=302, nobody=302),
    "my_cases": Page("investigator", stranger=200, nobody=200),
    "my_queue": Page("investigating_judge", stranger=200, nobody=200),
    "my_inbox": Page("investigator", stranger=200, nobody=200),
    "supervision": Page("prosecutor"),
    "unit": Page("investigation_head"),
    "execution_orders": Page("penitentiary_officer"),
    "court": Page("trial_judge"),
    "statistics": Page("analyst"),
    "statistics_cases": Page("analyst"),
    "statistics_anomalies": Page("analyst"),
    "audit": Page("auditor"),
    "break_glass": Page("investigator", stranger=200),
    "readers": Page("auditor", lambda _o: [Case.objects.order_by("pk")[0].pk]),
    "defence": Page("defence_lawyer"),
    "motion_new": Page("defence_lawyer", _admission, owner_status=422, method="post"),
    "motion_complaint": Page("defence_lawyer", _motion, owner_status=422, method="post"),
    "defence_evidence": Page("defence_lawyer", _admission, owner_status=422, method="post"),
    "disclosures": Page("defence_lawyer", _admission),
    "report_new": Page("registrar", stranger=200, nobody=200),
    "person_lookup": Page("registrar", stranger=200),
    "report": Page("registrar", _report),
    "case": Page("investigator", _case),
    "journal": Page("investigator", _case),
    "acts_refused": Page("investigator", _case),
    "act_new": Page("investigator", lambda o: [*_case(o), "note"]),
    "attachment_new": Page("investigator", _case, owner_status=422, method="post"),
    "attachment": Page("investigator", _attachment),
    "act_document": Page("investigator", _act),
    "evidence_seize": Page("investigator", _case),
    "evidence_item": Page("investigator", _evidence),
    "evidence_label": Page("investigator", _evidence),
    "evidence_step": Page(
        "investigator", lambda o: [*_evidence(o), "examine"], owner_status=422, method="post"
    ),
    # Signed with the key kept on the server (dev mode), then back to the case page.
    "act_sign": Page("investigator", _act, owner_status=302, method="post"),
    "compartment": Page("investigator", _compartment),
    "compartment_decide": Page(
        "investigating_judge", _compartment_act, owner_status=422, method="post"
    ),
    "compartment_act_new": Page(
        "investigator", lambda o: [*_compartment(o), "covert_end"], owner_status=422, method="post"
    ),
    "compartment_act_document": Page("investigator", _compartment_act),
    "compartment_act_sign": Page("investigator", _compartment_act, owner_status=302, method="post"),
}


def test_every_page_has_a_row() -> None:
    assert {p.name for p in urlpatterns} == set(PAGES)


def _status(who: str | None, url: str, method: str) -> int:
    client = Client()
    if who is not None:
        client.force_login(Official.objects.get(username=who))
    return int(getattr(client, method)(url).status_code)


def test_each_visitor_gets_the_answer_written_for_each_page(db: Any) -> None:
    """One demo for every page (loading it is the slow part); every difference is listed."""
    call_command("demo_load", stdout=StringIO())
    Official.objects.get_or_create(username=NOBODY)
    investigator = Official.objects.get(username="investigator")
    uploaded = ApiClient(investigator).upload(
        f"/cases/{_case(investigator)[0]}/attachments", "notes.txt", b"the notes"
    )
    assert uploaded.status_code == 201, uploaded.json()
    wrong = []
    for name, page in sorted(PAGES.items()):
        url = reverse(f"web:{name}", args=page.args(Official.objects.get(username=page.owner)))
        got = {
            who: _status(username, url, page.method)
            for who, username in (
                ("owner", page.owner),
                ("stranger", STRANGER),
                ("nobody", NOBODY),
                ("anonymous", None),
            )
        }
        anonymous = 200 if name == "login" else page.anonymous
        expected = {
            "owner": page.owner_status,
            "stranger": page.stranger,
            "nobody": page.nobody,
            "anonymous": anonymous,
        }
        if got != expected:
            wrong.append(f"{name} {url}: {got} != {expected}")
    assert wrong == [], "\n".join(wrong)
