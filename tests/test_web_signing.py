"""The signing step of the case page: an act's author (and then each official who decided on
it) sees "Sign the document" on the act, signs it with the key kept on the server, and the
timeline says how many signatures the document carries; whoever owes no signature sees no
button and is refused with nothing written; whoever may not see the case gets the 404 page."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from tergeu.journal.services import act_append
from tergeu.registry.services import case_register
from tergeu.signing.devca import dev_certificates_issue
from tergeu.signing.models import SignedDocument
from tests.conftest import VALID_IIN, VALID_IIN_2, World
from tests.test_refusals import database_state
from tests.test_web import web

SIGN = "Sign the document (en)"


def keyed_case(world: World) -> Any:
    """A case Rita registered, with a note by her; Rita and Petra hold development keys."""
    for official, iin in ((world.rita, VALID_IIN), (world.petra, VALID_IIN_2)):
        official.iin = iin
        official.save(update_fields=["iin"])
    dev_certificates_issue([world.rita, world.petra])
    case = case_register(
        actor=world.rita,
        qualification={"article": "188", "offence_category": "medium"},
        summary="A wallet taken in a bus",
        investigation_unit=world.unit,
    )
    act_append(case=case, kind="note", payload={"text": "Called the applicant"}, actor=world.rita)
    return case


def sign_url(case_id: int, seq: int) -> str:
    return reverse("web:act_sign", args=[case_id, seq])


def test_the_author_signs_from_the_case_page(world: World) -> None:
    case = keyed_case(world)
    page = web(world.rita).get(reverse("web:case", args=[case.pk])).content.decode()
    assert page.count(SIGN) == 2  # the registration and the note, both Rita's
    assert "not signed" in page

    answer = web(world.rita).post(sign_url(case.pk, 2), {"lang": "en"}, follow=True)
    assert answer.redirect_chain[-1][0].endswith(f"/cases/{case.pk}/#act-2")
    text = answer.content.decode()
    assert "Act no. 2 signed (signature 1)." in text
    assert "signed (1 signature)" in text
    assert text.count(SIGN) == 1
    row = SignedDocument.objects.get()
    assert (row.act.seq, row.language, row.role, row.signer) == (2, "en", "author", world.rita)


def test_who_owes_no_signature_sees_no_button_and_is_refused(world: World) -> None:
    case = keyed_case(world)
    petra = web(world.petra)
    assert SIGN not in petra.get(reverse("web:case", args=[case.pk])).content.decode()
    outsider, author = web(world.oscar), web(world.rita)  # their sessions are rows too
    before = database_state()
    answer = petra.post(sign_url(case.pk, 2), {"lang": "en"}, follow=True)
    assert (
        "Only the author of an act and the officials who decided on it sign its document."
        in answer.content.decode()
    )
    assert outsider.post(sign_url(case.pk, 2), {"lang": "en"}).status_code == 404
    assert web().post(sign_url(case.pk, 2), {"lang": "en"}).status_code == 302  # to sign in
    assert author.get(sign_url(case.pk, 2)).status_code == 405
    assert database_state() == before
