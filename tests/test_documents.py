"""Procedural documents: every act kind of the list renders in Kazakh, Russian and English from
its template file; the PDF embeds a font with every Kazakh letter (the text extracted from it is
the text written), carries the register number, a QR code linking to the verification page and
"page X of Y"; the same act gives the same bytes; the download passes the gate (outsiders,
lawyers for acts not disclosed to them and officials not named on a covert compartment are told
it does not exist) and is logged."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pypdf
import pytest
from django.test import Client
from django.utils import translation

from tergeu import clock
from tergeu.access.models import AccessLog, Surface
from tergeu.accounts.models import Agency, AgencyKind, Official, Role
from tergeu.cases.models import Case
from tergeu.defence.models import DisclosureLog
from tergeu.defence.services import defence_notice_file, motion_file
from tergeu.documents.markup import parse, text_escape
from tergeu.documents.services import (
    BUILT_IN,
    LANGUAGES,
    document_render,
    document_sha256,
    report_protocol_render,
    verify_url,
)
from tergeu.errors import InvalidInput
from tergeu.journal.kinds import KINDS
from tergeu.journal.models import Act
from tergeu.journal.services import act_append
from tergeu.persons.services import person_get_or_create
from tergeu.registry.services import report_receive
from tests.conftest import VALID_IIN, ApiClient, World, open_case
from tests.flows import SUSPECT, act, institution, on_duty, suspect_case
from tests.test_covert import MARKER, Covert
from tests.test_defence import CLIENT_IIN, Scene, scene_make
from tests.test_refusals import assert_error, database_state

KAZAKH = "әғқңөұүһіӘҒҚҢӨҰҮҺІ"
# The kinds the documents must cover (issue 5), each with its own template file.
LISTED = [
    "registration",
    "acceptance",
    "recognition_as_suspect",
    "qualification",
    "detention",
    "custody_motion",
    "decision",
    "covert_action",
    "judicial_sanction_request",
    "suspect_interrogation",
    "motion",
    "motion_decision",
    "termination",
    "indictment",
    "accusation_protocol",
    "writ_order",
    "verdict",
    "execution_order",
]


def pdf_text(pdf: bytes) -> list[str]:
    """The text of each page, as a reader of the file extracts it."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(pages: list[str]) -> str:
    """The text with line breaks made spaces (long lines wrap where the layout decides)."""
    return re.sub(r"\s+", " ", " ".join(pages))


def drawn(page: Any) -> str:
    """The operators of a page's content stream."""
    contents = page.get_contents()
    assert contents is not None
    return str(contents.get_data().decode("latin-1"))


def note(case: Case, text: str, actor: Official) -> Act:
    return act_append(case=case, kind="note", actor=actor, payload={"text": text})


# --- the PDF ---------------------------------------------------------------------------------


def test_kazakh_and_russian_text_comes_back_with_its_letters(world: World) -> None:
    case = suspect_case(world)
    recognition = Act.objects.get(case=case, kind="recognition_as_suspect")
    written = note(case, f"Куәгер: {KAZAKH}", world.alice)

    kk = flat(pdf_text(document_render(recognition, "kk")))
    ru = flat(pdf_text(document_render(recognition, "ru")))
    letters = flat(pdf_text(document_render(written, "kk")))

    assert f"Қылмыстық іс № {case.register_number}" in kk
    assert "Адамды күдікті деп тану туралы қаулы" in kk
    for word in ("құқық бұзушылықты", "күдіктенуге", "ҚАУЛЫ ЕТТІМ", "жіберілсін", "көзделген"):
        assert word in kk
    assert "ҚПК-нің 202-бабын" in kk
    assert f"Куәгер: {KAZAKH}" in letters  # every letter, capitals too, with һ and Һ
    assert f"Уголовное дело № {case.register_number}" in ru
    assert "Постановление о признании лица подозреваемым" in ru
    assert "Suspect S (ИИН " in ru  # the suspect's name from the register, with the IIN
    assert "ПОСТАНОВИЛ" in ru


def test_the_register_number_and_page_x_of_y_are_on_every_page(world: World) -> None:
    case = open_case(world, notes=0)
    long = note(case, "\n".join(f"line {i}" for i in range(300)), world.alice)

    pages = pdf_text(document_render(long, "ru"))
    kk_pages = pdf_text(document_render(long, "kk"))

    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Уголовное дело № {case.register_number}" in text
        assert f"акт № {long.seq}" in text
        assert f"Страница {number} из {total}" in text
        assert f"SHA-256 {long.hash}" in text
    assert [f"{total} беттің {n}-беті" in t for n, t in enumerate(kk_pages, start=1)] == [
        True
    ] * len(kk_pages)
    assert "line 0" in pages[0]
    assert "line 299" in pages[-1]


def test_the_qr_code_links_to_the_verification_page(world: World, settings: Any) -> None:
    settings.TERGEU_VERIFY_URL = "https://verify.example.kz/act/{hash}"
    case = open_case(world, notes=0)
    long = note(case, "\n".join("x" * 20 for _ in range(150)), world.alice)

    reader = pypdf.PdfReader(io.BytesIO(document_render(long, "en")))

    first, second = reader.pages[0], reader.pages[1]
    annotations = cast(list[Any], first["/Annots"])
    links = [a.get_object()["/A"]["/URI"] for a in annotations]
    assert links == [f"https://verify.example.kz/act/{long.hash}"] == [verify_url(long)]
    assert "/Annots" not in second  # the code is on the first page only
    # The code itself: a drawing of filled modules (one rectangle each) on the first page.
    assert drawn(first).count(" re") > 100
    assert drawn(second).count(" re") < 20


def test_the_same_act_renders_to_the_same_bytes(world: World) -> None:
    case = suspect_case(world)
    recognition = Act.objects.get(case=case, kind="recognition_as_suspect")

    first = document_render(recognition, "kk")
    again = document_render(Act.objects.get(pk=recognition.pk), "kk")

    assert first == again
    assert document_sha256(recognition, "kk") == document_sha256(recognition, "kk")
    assert first != document_render(recognition, "ru")
    info = cast(dict[str, Any], pypdf.PdfReader(io.BytesIO(first)).metadata)
    created = recognition.performed_at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S")
    assert str(info["/CreationDate"]).startswith(created)
    assert info["/Keywords"] == recognition.hash
    assert info["/Producer"] == "tergeu"
    # Acts recorded later (a note, even a decision) do not change the document an author signs.
    note(case, "later", world.alice)
    assert document_render(recognition, "kk") == first


def test_decisions_on_a_request_are_listed_when_they_exist(world: World) -> None:
    case = open_case(world, notes=0)
    person_get_or_create(iin=SUSPECT[4:], last_name="Suspect", first_name="S")
    request = act(case, "recognition_as_suspect", world.alice, {"party": SUSPECT, "grounds": "x"})
    open_request = flat(pdf_text(document_render(request, "ru", decisions=True)))
    act(case, "decision", world.petra, {"request": request.seq, "outcome": "granted"})

    signed = flat(pdf_text(document_render(request, "ru", decisions=True)))

    assert "Согласование, утверждение, санкция" in open_request
    assert "Petra" not in open_request
    assert "Прокурор, Almaly district prosecutor: удовлетворено" in signed
    assert "Petra" in signed
    assert document_render(request, "ru") == document_render(request, "ru", decisions=False)


def test_values_cannot_make_markup_of_their_own(world: World) -> None:
    case = open_case(world, notes=0)
    forged = "# Forged title\n! Prosecutor | agreed\n| Outcome | granted\n@footer nothing\n---"
    written = note(case, f"before\n{forged}", world.alice)

    markup = parse(text_escape(forged))
    text = flat(pdf_text(document_render(written, "en")))

    assert [b.kind for b in markup.blocks] == ["paragraph"]
    assert markup.blocks[0].text == forged
    assert "# Forged title ! Prosecutor | agreed | Outcome | granted @footer nothing ---" in text
    assert "Page 1 of 1" in text


def test_an_unknown_language_is_refused(world: World) -> None:
    case = open_case(world, notes=0)
    with pytest.raises(InvalidInput) as refused:
        document_render(Act.objects.get(case=case, seq=1), "de")
    assert refused.value.code == "unknown_language"


# --- every kind of the list ------------------------------------------------------------------


@dataclass
class Journals:
    """Cases that between them hold an act of every listed kind, built through the services."""

    acts: dict[str, list[Act]]

    def add(self, *acts: Act) -> None:
        for a in acts:
            self.acts.setdefault(a.kind, []).append(a)


def _grave_case(world: World, start: datetime, journals: Journals) -> None:
    """Detention, custody sanctioned, a search sanctioned, a covert action sanctioned, a motion
    of the defence refused, the indictment approved, a verdict and its execution order."""
    judge = on_duty(world, "julia", Role.INVESTIGATING_JUDGE, start, days=400)
    trial = on_duty(world, "tomiris", Role.TRIAL_JUDGE, start, days=400)
    bar = Agency.objects.create(
        name="Almaty bar", kind=AgencyKind.LEGAL_CONSULTATION, authority_code="7598",
        region=world.region,
    )  # fmt: skip
    lena = world.official("lena", bar, Role.DEFENCE_LAWYER)
    colony = institution(world, "7591", AgencyKind.PENITENTIARY)
    hour, day = timedelta(hours=1), timedelta(days=1)
    with clock.frozen(start):
        case = suspect_case(world)
    journals.add(*Act.objects.filter(case=case))

    def step(kind: str, actor: Official, payload: dict[str, Any] | None = None) -> Act:
        done = act(case, kind, actor, payload)
        journals.add(done)
        return done

    def decide(request: Act, actor: Official, **more: Any) -> Act:
        payload = {"request": request.seq, "outcome": "granted", **more}
        done = act_append(
            case=case,
            compartment=request.compartment,
            kind="decision",
            actor=actor,
            payload=payload,
        )
        journals.add(done)
        return done

    with clock.frozen(start):
        qualified = {"article": "188", "part": "2", "offence_category": "medium"}
        decide(step("qualification", world.alice, qualified), world.petra)
    with clock.frozen(start + 2 * hour):
        detained = {"detained_at": (start + hour).isoformat(), "minor": False, "grounds": "caught"}
        step("detention", world.alice, {"party": SUSPECT, **detained})
        step("detention_notice", world.alice, {"party": SUSPECT})
        step("suspect_interrogation", world.alice, {"party": SUSPECT, "summary": "denies"})
    with clock.frozen(start + 20 * hour):
        motion = step("custody_motion", world.alice, {"party": SUSPECT, "grounds": "may flee"})
        decide(motion, world.hector)
        decide(motion, world.petra)
    with clock.frozen(start + 26 * hour):
        decide(motion, judge, until=(start + 60 * day).isoformat())
    with clock.frozen(start + 2 * day):
        search = {"matter": "search", "party": SUSPECT, "grounds": "the stolen goods"}
        decide(step("judicial_sanction_request", world.alice, search), judge)
        covert = {"target": SUSPECT, "item": 2, "grounds": "calls"}
        until = (start + 30 * day).isoformat()
        decide(step("covert_action", world.alice, covert), judge, until=until)
        defence_notice_file(
            lawyer=lena, register_number=case.register_number, client_iin=SUSPECT[4:]
        )
        filed = motion_file(
            case=case, lawyer=lena, party=SUSPECT, matter="expertise", text="a test"
        )
        journals.add(filed)
        refusal = {"motion": filed.seq, "outcome": "refused", "reasons": "not relevant"}
        step("motion_decision", world.alice, refusal)
    with clock.frozen(start + 45 * day):
        step("investigation_completed", world.alice)
    with clock.frozen(start + 47 * day):
        step("familiarization_completed", world.alice)
        decide(step("indictment", world.alice), world.petra)
    with clock.frozen(start + 49 * day):
        step("court_acceptance", trial, {"route": "trial"})
    with clock.frozen(start + 55 * day):
        step("trial_start", trial)
        sentence = {"outcome": "conviction", "punishment": "imprisonment", "term_months": 36}
        step("verdict", trial, sentence)
    with clock.frozen(start + 71 * day):
        step("entry_into_force", trial)
        order = {"punishment": "imprisonment", "term_months": 36, "institution_id": colony.pk}
        step("execution_order", trial, order)


def _smaller_cases(world: World, journals: Journals) -> None:
    """A termination, a writ order and a protocol of accusation, each in a case of its own."""
    ended = suspect_case(world)
    ground = {"ground": "no corpus delicti", "rehabilitating": True}
    journals.add(act(ended, "termination", world.alice, ground))
    writ = suspect_case(world, form="inquiry")
    act(writ, "writ_motion", world.alice, {"party": SUSPECT, "victim_consent": True})
    journals.add(act(writ, "writ_order", world.alice, {"fine_mrp": 100}))
    accused = suspect_case(world, form="inquiry")
    act(accused, "investigation_completed", world.alice)
    act(accused, "familiarization_completed", world.alice)
    journals.add(act(accused, "accusation_protocol", world.alice))


@pytest.fixture
def journals(world: World) -> Journals:
    built = Journals(acts={})
    _grave_case(world, clock.now() - timedelta(days=80), built)
    _smaller_cases(world, built)
    return built


TITLES = {  # one title of each language, from the kind's own template
    "custody_motion": ("Күзетпен ұстауды санкциялау", "содержания под стражей", "custody"),
    "judicial_sanction_request": ("Тінту жүргізу", "Постановление о производстве обыска", "search"),
    "writ_order": ("Бұйрықтық іс жүргізуді", "приказного производства", "writ proceedings"),
    "verdict": ("Үкім", "Приговор", "Verdict"),
    "accusation_protocol": ("Айыптау хаттамасы", "Протокол обвинения", "Protocol of accusation"),
}


def test_every_listed_kind_renders_in_kazakh_russian_and_english(journals: Journals) -> None:
    assert set(LISTED) <= set(journals.acts)
    for kind in LISTED:
        for language in LANGUAGES:
            assert (BUILT_IN / language / f"{kind}.txt").exists(), (kind, language)
        for item in journals.acts[kind]:
            texts = {
                lang: flat(pdf_text(document_render(item, lang, decisions=True)))
                for lang in LANGUAGES
            }
            for text in texts.values():
                assert item.case.register_number in text, (kind, text)
            for lang, title in zip(LANGUAGES, TITLES.get(kind, ()), strict=False):
                assert title.lower() in texts[lang].lower(), (kind, lang, texts[lang])


def test_other_kinds_have_the_generic_template(journals: Journals) -> None:
    others = {kind: acts[0] for kind, acts in journals.acts.items() if kind not in LISTED}
    assert {"participant_admission", "detention_notice", "court_acceptance"} <= set(others)
    for kind, item in others.items():
        for lang in LANGUAGES:
            text = flat(pdf_text(document_render(item, lang)))
            with translation.override(lang):
                label = str(KINDS[kind].label)
            assert label in text, (kind, lang, text)
            assert item.case.register_number in text


def test_the_judge_s_order_names_the_request_and_the_term(journals: Journals) -> None:
    decision = next(
        d
        for d in journals.acts["decision"]
        if d.actor.username == "julia" and d.compartment_id is None and d.payload.get("until")
    )
    text = flat(pdf_text(document_render(decision, "ru")))
    assert "Постановление о санкционировании меры пресечения в виде содержания под стражей" in text
    assert "Suspect S" in text
    assert "may flee" in text
    kk = flat(pdf_text(document_render(decision, "kk")))
    assert "Бұлтартпау шарасы ретінде күзетпен ұстауды санкциялау туралы қаулы" in kk
    motion = journals.acts["custody_motion"][0]
    listed = flat(pdf_text(document_render(motion, "ru", decisions=True)))
    assert listed.count("удовлетворено") == 3  # the head, the prosecutor, the judge


def test_the_report_acceptance_protocol(world: World) -> None:
    person = person_get_or_create(iin=VALID_IIN, last_name="Әбілқайыр", first_name="Ұлан")
    report = report_receive(
        agency=world.unit,
        received_by=world.rita,
        source="oral_statement",
        summary="Ұрлық: әмиян автобуста ұрланды",
        applicant_person=person,
        event_place="Абай даңғылы, 10",
    )

    texts = {lang: flat(pdf_text(report_protocol_render(report, lang))) for lang in LANGUAGES}

    assert "Қылмыстық құқық бұзушылық туралы арызды қабылдау хаттамасы" in texts["kk"]
    assert "Ұрлық: әмиян автобуста ұрланды" in texts["kk"]
    assert f"Әбілқайыр Ұлан (ЖСН {VALID_IIN})" in texts["kk"]
    assert "419" in texts["kk"]
    assert "Протокол принятия заявления об уголовном правонарушении" in texts["ru"]
    assert "Страница 1 из 1" in texts["ru"]
    assert "Protocol of the acceptance of a report" in texts["en"]
    assert report_protocol_render(report, "kk") == report_protocol_render(report, "kk")


# --- through the gate ------------------------------------------------------------------------


def document(client: ApiClient, case_id: int, seq: int, lang: str = "kk") -> Any:
    return client.get(f"/cases/{case_id}/acts/{seq}/document", lang=lang)


def test_the_api_gives_the_pdf_and_logs_the_read(world: World) -> None:
    case = suspect_case(world)
    recognition = Act.objects.get(case=case, kind="recognition_as_suspect")
    petra = ApiClient(world.petra)
    before = set(AccessLog.objects.values_list("pk", flat=True))

    response = document(petra, case.pk, recognition.seq, "ru")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert (
        f"{case.register_number}-{recognition.seq}-recognition_as_suspect-ru.pdf"
        in (response["Content-Disposition"])
    )
    # The download shows the prosecutor's agreement with it.
    assert response.content == document_render(recognition, "ru", decisions=True)
    (entry,) = AccessLog.objects.exclude(pk__in=before)
    assert (entry.official, entry.case, entry.action, entry.surface) == (
        world.petra, case, "download_document", Surface.API,
    )  # fmt: skip
    assert entry.detail == {"seq": recognition.seq, "lang": "ru"}


def test_the_request_s_language_is_the_default(world: World) -> None:
    case = open_case(world, notes=0)
    alice = ApiClient(world.alice)
    alice.headers["Accept-Language"] = "kk"

    kk = alice.get(f"/cases/{case.pk}/acts/1/document")
    bad = document(alice, case.pk, 1, "de")

    assert "Қылмыстық іс" in flat(pdf_text(kk.content))
    assert_error(bad, 422, "invalid_input")


@pytest.mark.parametrize("name", ["oscar", "ivan", "victor", "adam"])
def test_an_official_who_may_not_see_the_case_gets_not_found(name: str, world: World) -> None:
    case = open_case(world, notes=0)
    client = ApiClient(getattr(world, name))
    before = database_state()
    logged = AccessLog.objects.count()

    hidden = document(client, case.pk, 1)
    missing = document(client, 99999, 1)

    assert_error(hidden, 404, "case_not_found")
    assert_error(missing, 404, "case_not_found")
    assert database_state() == before
    assert AccessLog.objects.count() == logged


def test_an_act_that_does_not_exist_is_not_found(world: World) -> None:
    case = open_case(world, notes=0)
    assert_error(document(ApiClient(world.alice), case.pk, 99), 404, "act_not_found")


@pytest.fixture
def defence(world: World) -> Scene:
    scene = scene_make(world)
    with scene.at():
        assert scene.notice(scene.lena).status_code == 201  # act 11; discloses 5, 6, 9, 11
    return scene


def test_a_lawyer_gets_only_the_documents_disclosed_to_the_defence(defence: Scene) -> None:
    lena = defence.api(defence.lena)
    case = defence.case

    with defence.at(hours=1):
        disclosed = document(lena, case.pk, 9)  # the client's interrogation
        hidden = [
            document(lena, case.pk, seq) for seq in (1, 7, 10)
        ]  # registration, another suspect, a note
        missing = document(lena, case.pk, 99)
        outsider = document(defence.api(defence.luka), case.pk, 9)  # a lawyer admitted to nothing

    assert disclosed.status_code == 200
    assert f"iin:{CLIENT_IIN}"[4:] in flat(pdf_text(disclosed.content))
    for response in (*hidden, missing):
        assert_error(response, 404, "act_not_found")
    assert_error(outsider, 404, "case_not_found")
    logged = DisclosureLog.objects.filter(lawyer=defence.lena, action="download_document")
    assert list(logged.values_list("act_seq", "surface")) == [(9, "api")]


def test_the_defence_sees_the_decisions_on_its_acts_it_may_read(defence: Scene) -> None:
    lena = defence.api(defence.lena)
    with defence.at(hours=1):
        recognition = document(lena, defence.case.pk, 5, "en")  # agreed by the prosecutor (6)
    assert "Prosecutor, Almaly district prosecutor: granted" in flat(pdf_text(recognition.content))


def test_covert_documents_only_through_the_compartment_for_those_named(world: World) -> None:
    covert = Covert(world)
    assert covert.sanction(1).status_code == 201
    case_id = covert.case.pk
    route = f"/cases/{case_id}/compartments/1/acts/{{seq}}/document"
    olga = ApiClient(world.olga)  # sees the case, is not named on the compartment
    logged = AccessLog.objects.filter(official=world.olga).count()

    request = ApiClient(world.alice).get(route.format(seq=1), lang="ru")
    sanction = covert.client(covert.julia).get(route.format(seq=2), lang="kk")
    refused = [olga.get(route.format(seq=1)), ApiClient(world.ivan).get(route.format(seq=1))]
    case_route = document(olga, case_id, 1, "en")  # the case's own act 1: its registration
    nowhere = ApiClient(world.alice).get(route.format(seq=9))

    text = flat(pdf_text(request.content))
    assert request.status_code == 200
    assert "Постановление о проведении негласного следственного действия" in text
    assert MARKER in text
    assert "НСД, часть 1" in text
    assert "Жасырын тергеу әрекетін жүргізуге санкция" in flat(pdf_text(sanction.content))
    assert_error(refused[0], 404, "compartment_not_found")
    assert_error(refused[1], 404, "case_not_found")
    assert_error(nowhere, 404, "act_not_found")
    assert case_route.status_code == 200
    assert MARKER not in flat(pdf_text(case_route.content))
    assert "Notice of the registration" in flat(pdf_text(case_route.content))
    # Olga's refused try at the compartment logged only the case she may see, nothing covert.
    rows = AccessLog.objects.filter(official=world.olga).order_by("pk")[logged:]
    assert [(r.action, r.detail) for r in rows] == [
        ("download_document", {"seq": 1, "lang": "ru"}),
        ("download_document", {"seq": 1, "lang": "en"}),
    ]


def test_the_report_protocol_through_the_api(world: World) -> None:
    report = report_receive(
        agency=world.unit, received_by=world.rita, source="media", summary="A fire at a market"
    )
    path = f"/reports/{report.pk}/document"

    rita = ApiClient(world.rita).get(path, lang="en")
    oscar = ApiClient(world.oscar).get(path, lang="en")

    assert rita.status_code == 200
    assert "A fire at a market" in flat(pdf_text(rita.content))
    assert_error(oscar, 404, "report_not_found")
    entry = AccessLog.objects.filter(official=world.rita).latest("pk")
    assert (entry.action, entry.detail) == ("download_document", {"report_id": report.pk})


def test_the_timeline_links_to_the_documents(world: World) -> None:
    case = open_case(world, notes=0)
    browser, stranger = Client(), Client()
    browser.force_login(world.alice)
    stranger.force_login(world.oscar)

    page = browser.get(f"/cases/{case.pk}/").content.decode()
    pdf = browser.get(f"/cases/{case.pk}/acts/1/document/", {"lang": "kk"})
    refused = stranger.get(f"/cases/{case.pk}/acts/1/document/", {"lang": "kk"})

    assert f"/cases/{case.pk}/acts/1/document/?lang=kk" in page
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert "Қылмыстық іс" in flat(pdf_text(pdf.content))
    assert refused.status_code == 404
    entry = AccessLog.objects.filter(official=world.alice, action="download_document").get()
    assert entry.surface == Surface.WEB
