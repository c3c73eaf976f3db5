"""Evidence and the measures in force on the case page: an item seized, sealed and examined
through the web forms, its chain of custody on its page, its label; refusals write nothing;
who may not see the case or the item gets the 404 page."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tergeu import clock
from tergeu.cases.models import Case
from tergeu.evidence.models import EvidenceItem
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tests.conftest import VALID_IIN_2, World, open_case
from tests.test_covert import suspect_recognised
from tests.test_refusals import database_state
from tests.test_web import web


def _seize(client: Client, case: Case, **more: Any) -> Any:
    form = {
        "seizure-description": "Нож с деревянной ручкой",
        "seizure-nature": "physical",
        "seizure-place": "Абай даңғылы 10",
        **more,
    }
    return client.post(reverse("web:evidence_seize", args=[case.pk]), form)


def test_an_item_seized_sealed_and_examined_through_the_web(world: World) -> None:
    case = open_case(world, notes=0)
    alice = web(world.alice)
    page = alice.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "No evidence recorded." in page
    assert reverse("web:evidence_seize", args=[case.pk]) in page
    response = _seize(alice, case)
    item_url = reverse("web:evidence_item", args=[case.pk, 1])
    assert response.status_code == 302
    assert response["Location"] == item_url
    page = alice.get(item_url).content.decode()
    assert "Evidence: seized and described" in page
    assert "Where it was seized: Абай даңғылы 10" in page
    # An item must be sealed before an expert examines it: refused, nothing written.
    step = reverse("web:evidence_step", args=[case.pk, 1, "examine"])
    before = database_state()
    refused = alice.post(
        step, {"evidence_examination-expert": "E", "evidence_examination-purpose": "P"}
    )
    assert refused.status_code == 409
    assert "must be packed and sealed" in refused.content.decode()
    missing = alice.post(reverse("web:evidence_step", args=[case.pk, 1, "seal"]), {})
    assert missing.status_code == 422
    assert database_state() == before
    sealed = alice.post(
        reverse("web:evidence_step", args=[case.pk, 1, "seal"]),
        {"evidence_sealing-seal": "№ 0417", "evidence_sealing-packaging": "конверт"},
    )
    assert sealed.status_code == 302
    examined = alice.post(
        step, {"evidence_examination-expert": "ЦСЭ", "evidence_examination-purpose": "следы"}
    )
    assert examined.status_code == 302
    item = EvidenceItem.objects.get(case=case, number=1)
    assert item.custody == "examined"
    page = alice.get(item_url).content.decode()
    assert page.index("Evidence: packed and sealed") < page.index("Evidence: examined by an expert")
    assert "Seal number: № 0417" in page
    case_page = alice.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "examined by an expert" in case_page
    label = alice.get(reverse("web:evidence_label", args=[case.pk, 1]))
    assert label["Content-Type"] == "application/pdf"
    # A digital item comes with its file; a physical one without.
    before = database_state()
    assert _seize(alice, case, **{"seizure-nature": "digital"}).status_code == 422
    assert database_state() == before
    photo = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert (
        _seize(alice, case, **{"seizure-nature": "digital", "seizure-file": photo}).status_code
        == 302
    )
    assert EvidenceItem.objects.get(case=case, number=2).filename == "photo.png"


def test_evidence_pages_are_refused_to_who_may_not_see_them(world: World) -> None:
    case = open_case(world, notes=0)
    _seize(web(world.alice), case)
    outsiders = {who: web(who) for who in (world.ivan, world.oscar)}
    alice = web(world.alice)
    before = database_state()
    for who, client in outsiders.items():
        for url in (
            reverse("web:evidence_item", args=[case.pk, 1]),
            reverse("web:evidence_label", args=[case.pk, 1]),
            reverse("web:evidence_seize", args=[case.pk]),
        ):
            assert client.get(url).status_code == 404, (who.username, url)
        assert _seize(client, case).status_code == 404, who.username
    # A number that does not exist is the same 404 as one not shown.
    assert alice.get(reverse("web:evidence_item", args=[case.pk, 9])).status_code == 404
    assert database_state() == before
    assert EvidenceItem.objects.filter(case=case).count() == 1


def test_the_case_page_shows_who_is_deprived_of_liberty(world: World) -> None:
    case = open_case(world, notes=0)
    person_get_or_create(iin=VALID_IIN_2, last_name="Сынақов", first_name="Ерлан")
    party = f"iin:{VALID_IIN_2}"
    suspect_recognised(world, case)
    page = web(world.alice).get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Nobody is deprived of liberty in this case." in page
    act_append(
        case=case,
        kind="detention",
        actor=world.alice,
        payload={
            "party": party,
            "grounds": "caught in the act",
            "minor": False,
            "detained_at": clock.now().isoformat(),
        },
    )
    page = web(world.alice).get(reverse("web:case", args=[case.pk])).content.decode()
    measures = page.split('id="measures-heading"')[1].split("</section>")[0]
    assert "Сынақов Ерлан" in measures
    assert "detained since" in measures
