"""The defence lawyer's web workspace beyond the notice and the motion: each motion with its
3-day clock and the complaint to the investigating judge, evidence presented and whether it was
attached, and the log of what was disclosed to the lawyer. Every write is the API's service
behind the same gate; another lawyer, an official and an anonymous visitor are refused with
nothing written.

The scene is tests/test_defence.py's: Lena defends the client by her notice, Leon another
suspect of the same case, Luka nobody; Alice investigates; Jane is the investigating judge on
duty."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tergeu.defence.models import DefenceAdmission, DisclosureLog
from tergeu.journal.models import Act
from tests.conftest import World
from tests.test_defence import CLIENT, OTHER_IIN, Scene, created, scene_make
from tests.test_refusals import database_state
from tests.test_web import web

DEFENCE = reverse("web:defence")


@pytest.fixture
def scene(world: World) -> Scene:
    return scene_make(world)


def admitted(scene: Scene, lawyer: Any = None, iin: str = "") -> DefenceAdmission:
    """`lawyer` (Lena) enters the case by a notice, at the scene's Monday."""
    lawyer = lawyer or scene.lena
    with scene.at():
        body = created(scene.notice(lawyer, **({"iin": iin} if iin else {})))
    return DefenceAdmission.objects.get(
        case=scene.case, lawyer=lawyer, party=body["party"], until__isnull=True
    )


def motion(client: Client, admission: DefenceAdmission) -> int:
    prefix = f"m{admission.pk}"
    answer = client.post(
        reverse("web:motion_new", args=[admission.pk]),
        {f"{prefix}-matter": "documents", f"{prefix}-text": "obtain the bank statements"},
    )
    assert answer.status_code == 302, answer.content.decode()
    return Act.objects.filter(case=admission.case, kind="motion").latest("seq").seq


def complaint_url(admission: DefenceAdmission, seq: int) -> str:
    return reverse("web:motion_complaint", args=[admission.pk, seq])


def complain(client: Client, admission: DefenceAdmission, seq: int, grounds: str) -> Any:
    field = f"c{admission.pk}-{seq}-grounds"
    return client.post(complaint_url(admission, seq), {field: grounds})


def present(client: Client, admission: DefenceAdmission, content: bytes, text: str) -> Any:
    prefix = f"e{admission.pk}"
    data: dict[str, Any] = {f"{prefix}-description": text}
    if content:
        data[f"{prefix}-file"] = SimpleUploadedFile("receipt.txt", content)
    return client.post(reverse("web:defence_evidence", args=[admission.pk]), data)


def badges(page: str) -> list[tuple[str, str]]:
    """(the time a clock runs to, its badge) as the page shows them."""
    return re.findall(
        r'<time datetime="[^"]+">([^<]+)</time> <span class="badge badge-\w+">([^<]+)</span>',
        page,
    )


def page_of(client: Client) -> str:
    answer = client.get(DEFENCE)
    assert answer.status_code == 200
    return answer.content.decode()


# --- motions and the complaint to the investigating judge -------------------------------------


def test_a_refused_motion_shows_its_window_and_goes_to_the_judge(scene: Scene) -> None:
    admission = admitted(scene)
    lena = web(scene.lena)
    with scene.at():
        seq = motion(lena, admission)
        filed = page_of(lena)
        early = complain(lena, admission, seq, "no answer")  # neither refused nor late
    with scene.at(days=1):
        refusal = {"motion": seq, "outcome": "refused", "reasons": "not relevant"}
        created(scene.act(scene.world.alice, "motion_decision", refusal))
        refused = page_of(lena)
        before = database_state()
        blank = complain(lena, admission, seq, "  ")
        unchanged = database_state() == before
        complained = complain(lena, admission, seq, "the statements show where the money went")
        awaiting = page_of(lena)
    with scene.at(days=2):
        decision = {"request": seq + 2, "outcome": "granted"}
        created(scene.act(scene.jane, "decision", decision))
        decided = page_of(lena)

    # Filed on Monday 10:00: the body decides by the end of Thursday (R67), no complaint yet.
    assert "awaiting the decision (3 days)" in filed
    assert badges(filed) == [("2025-10-10 00:00", "3 days left")]
    assert complaint_url(admission, seq) not in filed
    assert early.status_code == 409
    assert "A complaint lies against a motion refused" in early.content.decode()
    # Refused on Tuesday: 15 days to complain (R69), and the form to do it.
    assert "refused" in refused
    assert badges(refused) == [("2025-10-23 00:00", "15 days left")]
    assert "A complaint lies until" in refused
    assert complaint_url(admission, seq) in refused
    assert blank.status_code == 422
    assert "This field is required." in blank.content.decode()
    assert unchanged
    assert complained.status_code == 302
    assert complained["Location"] == f"{DEFENCE}#client-{admission.pk}"
    act = Act.objects.get(case=scene.case, kind="defence_complaint")
    assert (act.seq, act.actor, act.payload["motion"]) == (seq + 2, scene.lena, seq)
    # The judge's 3 days (R70); the window is spent, so no second form.
    assert "awaiting the judge (3 days)" in awaiting
    assert badges(awaiting) == [("2025-10-11 00:00", "3 days left")]
    assert complaint_url(admission, seq) not in awaiting
    assert "granted by the judge" in decided
    assert badges(decided) == []


def test_an_undecided_motion_can_be_complained_of_once_its_3_days_run_out(scene: Scene) -> None:
    admission = admitted(scene)
    lena = web(scene.lena)
    with scene.at():
        seq = motion(lena, admission)
    with scene.at(days=3, hours=2):  # Thursday 12:00: 12 hours left
        thursday = page_of(lena)
    with scene.at(days=3, hours=15):  # Friday 01:00: the 3 days have run out
        friday = page_of(lena)
        complained = complain(lena, admission, seq, "no decision in 3 days")
        after = page_of(lena)

    assert badges(thursday) == [("2025-10-10 00:00", "12 hours left")]
    assert complaint_url(admission, seq) not in thursday
    assert badges(friday) == [("2025-10-10 00:00", "overdue")]
    assert complaint_url(admission, seq) in friday
    assert complained.status_code == 302
    # Still undecided, now before the judge: no second complaint while the first awaits.
    assert "awaiting the judge (3 days)" in after
    assert complaint_url(admission, seq) not in after


# --- evidence ---------------------------------------------------------------------------------


def test_evidence_presented_awaits_its_attachment(scene: Scene) -> None:
    admission = admitted(scene)
    lena = web(scene.lena)
    with scene.at():
        before = database_state()
        no_file = present(lena, admission, b"", "the receipt for the phone")
        no_text = present(lena, admission, b"receipt: 1000 KZT", "")
        binary = present(lena, admission, b"\xff\xfe\x00\x01binary", "a recording")
        refused_unchanged = database_state() == before
        presented = present(lena, admission, b"receipt: 1000 KZT", "the receipt for the phone")
        awaiting = page_of(lena)
        evidence = Act.objects.get(case=scene.case, kind="defence_evidence")
        download: Any = lena.get(reverse("web:attachment", args=[scene.case.pk, evidence.seq]))
    with scene.at(days=1):
        created(scene.act(scene.world.alice, "evidence_attachment", {"evidence": evidence.seq}))
        attached = page_of(lena)

    assert (no_file.status_code, no_text.status_code) == (422, 422)
    assert "This field is required." in no_file.content.decode()
    assert binary.status_code == 415
    assert "are not accepted" in binary.content.decode()
    assert refused_unchanged
    assert presented.status_code == 302
    assert (evidence.actor, evidence.payload["party"]) == (scene.lena, CLIENT)
    assert evidence.payload["description"] == "the receipt for the phone"
    assert "the receipt for the phone" in awaiting
    assert "awaiting attachment (3 days)" in awaiting
    assert badges(awaiting) == [("2025-10-10 00:00", "3 days left")]
    assert b"".join(download.streaming_content) == b"receipt: 1000 KZT"
    assert "attached to the case" in attached
    assert "awaiting attachment" not in attached


# --- the disclosure log -----------------------------------------------------------------------


def test_the_disclosure_log_shows_my_disclosures_a_page_at_a_time(scene: Scene) -> None:
    admission = admitted(scene)
    admitted(scene, scene.leon, iin=OTHER_IIN)
    url = reverse("web:disclosures", args=[admission.pk])
    lena = web(scene.lena)
    with scene.at():
        empty = lena.get(url).content.decode()
    with scene.at(hours=1):
        scene.seqs(scene.lena)  # acts 5, 6, 9 and 11: logged as disclosed through the API
        scene.seqs(scene.leon)
        first = lena.get(url).content.decode()
    with scene.at(hours=2):
        while DisclosureLog.objects.filter(lawyer=scene.lena).count() <= 50:
            scene.seqs(scene.lena)
        newest = lena.get(url)
        older = lena.get(url, {"page": 2}).content.decode()

    assert "Nothing of this case has been disclosed to you yet." in empty
    rows = re.findall(r"<td>#(\d+) ([^<]+)</td>", first)
    assert rows == [  # newest first: all four read at once, the latest act first
        ("11", "Notice of defence"),
        ("9", "Interrogation of the suspect"),
        ("6", "Decision on a request (agreement, approval, sanction)"),
        ("5", "Recognition as suspect (with the prosecutor&#x27;s agreement)"),
    ]
    assert "2025-10-06 11:00" in first  # in Almaty time
    assert "an act concerning the client" in first
    assert "journal" in first
    # Leon's disclosures are his: not in Lena's log.
    assert DisclosureLog.objects.filter(lawyer=scene.leon).exists()
    assert newest.status_code == 200
    assert len(re.findall(r"<td>#\d+ ", newest.content.decode())) == 50
    assert "Page 1 of 2" in newest.content.decode()
    assert 'rel="next"' in newest.content.decode()
    assert "Page 2 of 2" in older


# --- who is refused ---------------------------------------------------------------------------


def test_another_lawyer_an_official_or_a_visitor_is_refused_with_nothing_written(
    scene: Scene,
) -> None:
    admission = admitted(scene)
    leons = admitted(scene, scene.leon, iin=OTHER_IIN)
    with scene.at():
        seq = motion(web(scene.lena), admission)
    with scene.at(days=1):
        refusal = {"motion": seq, "outcome": "refused", "reasons": "not relevant"}
        created(scene.act(scene.world.alice, "motion_decision", refusal))
    clients = {
        "leon": web(scene.leon),
        "luka": web(scene.luka),
        "alice": web(scene.world.alice),
        "anonymous": web(),
    }
    grounds = {f"c{admission.pk}-{seq}-grounds": "x"}
    evidence = {f"e{admission.pk}-description": "x"}
    with scene.at(days=1):
        before = database_state()
        answers: dict[str, list[int]] = {}
        for who, client in clients.items():
            upload = SimpleUploadedFile("x.txt", b"text")
            answers[who] = [
                client.post(complaint_url(admission, seq), grounds).status_code,
                client.post(
                    reverse("web:defence_evidence", args=[admission.pk]),
                    {**evidence, f"e{admission.pk}-file": upload},
                ).status_code,
                client.get(reverse("web:disclosures", args=[admission.pk])).status_code,
            ]
        # Leon, through his own client, complains of Lena's motion: no such motion for him.
        others = complain(clients["leon"], leons, seq, "x")
        after = database_state()
        login = clients["anonymous"].get(reverse("web:disclosures", args=[admission.pk]))

    assert answers == {
        "leon": [404, 404, 404],
        "luka": [404, 404, 404],
        "alice": [404, 404, 404],
        "anonymous": [302, 302, 302],
    }
    assert others.status_code == 404
    assert "There is nothing here, or it is not open to you." in others.content.decode()
    assert login["Location"].startswith(reverse("web:login"))
    assert after == before


# --- what the page costs ----------------------------------------------------------------------


def test_the_workspace_costs_the_same_queries_however_many_motions_and_clients(
    scene: Scene,
) -> None:
    lena = web(scene.lena)
    first = admitted(scene)
    counts: list[int] = []
    with scene.at():
        motion(lena, first)
        lena.get(DEFENCE)  # the session, the caches
        with CaptureQueriesContext(connection) as few:
            assert lena.get(DEFENCE).status_code == 200
        counts.append(len(few))
    second = admitted(scene, iin=OTHER_IIN)
    with scene.at():
        for admission in (first, second, second):
            motion(lena, admission)
        assert present(lena, first, b"receipt", "a receipt").status_code == 302
        assert present(lena, second, b"letter", "a letter").status_code == 302
    with scene.at(days=1):
        refusal = {"motion": motion_seq(scene, 0), "outcome": "refused", "reasons": "no"}
        created(scene.act(scene.world.alice, "motion_decision", refusal))
        assert complain(lena, first, motion_seq(scene, 0), "we need them").status_code == 302
        with CaptureQueriesContext(connection) as many:
            page = lena.get(DEFENCE)
        counts.append(len(many))

    assert page.content.decode().count('<tr id="motion-') == 4
    assert counts[0] == counts[1], counts


def motion_seq(scene: Scene, index: int) -> int:
    return list(
        Act.objects.filter(case=scene.case, kind="motion")
        .order_by("seq")
        .values_list("seq", flat=True)
    )[index]
