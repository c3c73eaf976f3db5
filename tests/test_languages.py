"""Every workspace speaks Kazakh, Russian and English completely: each demo official's pages,
rendered in kk and ru, hold no English text — neither a catalogue string left untranslated nor a
string never marked for translation — and rendered in en, no Kazakh or Russian string of the
catalogues (a string written in another language instead of marked for translation). Text nodes
and the attributes people read (title, aria-label, placeholder, alt) are checked; data (names,
numbers, hashes, the demo's summaries) is not a catalogue string."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils.translation import trans_real

from tergeu.access.gate import visible_cases
from tergeu.accounts.models import Official
from tergeu.cases.models import Case, Compartment
from tergeu.evidence.models import EvidenceItem

LANGUAGES = ("kk", "ru", "en")
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
# Words that are the same in every language here: the product, formats, language codes.
# "English" is the switcher's button for English, named in English as every language is named in
# itself.
NAMES = {"tergeu", "PDF", "SHA", "kk", "ru", "en", "NCALayer", "URL", "English"}
# The language switcher names each language in itself, on every page.
SELF_NAMED = {"Қазақ", "Русский", "English"}
# A word of Latin letters standing alone (not a piece of a hash or a number).
ENGLISH = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{3,}(?![0-9A-Za-z])")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Each demo official's workspace pages ("case" is the first case they may see, "compartment" the
# first covert compartment naming them, "evidence" the first item of evidence they may see).
WORKSPACES = {
    "registrar": ["web:my_cases", "web:report_new", "web:my_inbox", "case"],
    "investigator": [
        "web:my_cases",
        "web:my_queue",
        "case",
        "compartment",
        "evidence",
        "web:break_glass",
    ],
    "investigation_head": ["web:my_cases", "web:my_queue", "web:unit"],
    "prosecutor": ["web:supervision", "web:my_queue", "case"],
    "investigating_judge": ["web:my_queue", "compartment"],
    "trial_judge": ["web:my_cases", "web:court", "case"],
    "defence_lawyer": ["web:defence"],
    "analyst": ["web:statistics", "web:statistics_anomalies"],
    "penitentiary_officer": ["web:my_cases", "web:execution_orders"],
    "auditor": ["web:audit", "readers"],
}


class Texts(HTMLParser):
    """The text a person reads on a page: text nodes outside script and style, and the
    attributes read aloud or shown on hover."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def english(text: str, msgids: set[str]) -> bool:
    """Whether `text` reads as English: a catalogue string as it is in English, or words of
    Latin letters (not names) with no Cyrillic beside them."""
    if text in NAMES:
        return False
    if text in msgids:
        return True
    if CYRILLIC.search(text):
        return False
    return any(word not in NAMES for word in ENGLISH.findall(text))


def _msgids(language: str) -> set[str]:
    """The English strings the catalogue translates into `language` (as they would show if a
    translation were missing)."""
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    return {
        key
        for key, value in catalog.items()
        if isinstance(key, str) and key and value != key and len(key) > 3
    }


def _translations(language: str) -> set[str]:
    """The catalogue's strings in `language` (as an English page would show them if a string
    had been written in that language rather than marked for translation)."""
    catalog = trans_real.translation(language)._catalog  # type: ignore[attr-defined]
    return {
        value
        for key, value in catalog.items()
        if isinstance(key, str) and key and isinstance(value, str) and CYRILLIC.search(value)
    }


def test_every_workspace_is_translated(db: Any) -> None:
    call_command("demo_load", stdout=StringIO())
    found: list[str] = []
    foreign = _translations("kk") | _translations("ru")
    for username, pages in sorted(WORKSPACES.items()):
        official = Official.objects.get(username=username)
        for language in LANGUAGES:
            client = Client(headers={"accept-language": language})
            client.force_login(official)
            msgids = _msgids(language) if language != "en" else set()
            for name in pages:
                url = _url(official, name)
                answer = client.get(url)
                assert answer.status_code == 200, (username, url)
                assert f'lang="{language}"' in answer.content.decode()
                parser = Texts()
                parser.feed(answer.content.decode())
                wrong = foreign if language == "en" else None
                found += [
                    f"{language} {username} {url}: {text!r}"
                    for text in parser.texts
                    if (
                        text in wrong and text not in SELF_NAMED
                        if wrong is not None
                        else english(text, msgids)
                    )
                ]
    assert not found, "\n".join(found)


def _url(official: Official, name: str) -> str:
    if name == "compartment":
        compartment = Compartment.objects.filter(members__official=official).first()
        assert compartment is not None, official.username
        return reverse("web:compartment", args=[compartment.case_id, compartment.number])
    if name == "evidence":
        item = EvidenceItem.objects.filter(case__in=visible_cases(official)).first()
        assert item is not None, official.username
        return reverse("web:evidence_item", args=[item.case_id, item.number])
    if name == "readers":
        return reverse("web:readers", args=[Case.objects.order_by("pk").values_list("pk")[0][0]])
    if name != "case":
        return reverse(name)
    case = visible_cases(official).order_by("pk").first()
    assert case is not None, official.username
    return reverse("web:case", args=[case.pk])


def test_the_check_finds_a_kazakh_or_russian_string_on_an_english_page() -> None:
    foreign = _translations("kk") | _translations("ru")
    assert "Менің істерім" in foreign  # "My cases", written in Kazakh
    assert "Мои дела" in foreign
    assert "Демоұлы Ерлан" not in foreign  # a name is data
    assert "My cases" not in foreign


def test_the_check_finds_english() -> None:
    msgids = _msgids("kk")
    assert english("Awaiting my decision", msgids)  # a catalogue string left as it is
    assert english("Some text nobody marked", msgids)  # a string never marked
    assert not english("Менің істерім", msgids)
    assert not english("SHA-256 d082494efd9921b43ed8aa26b18e86a7", msgids)
    assert not english("English", msgids)
