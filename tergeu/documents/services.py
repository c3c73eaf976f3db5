"""Procedural documents: an act (or a crime report) rendered to PDF in Kazakh, Russian or
English, from the template files of its kind (docs/documents.md).

A template is a file, tergeu/documents/templates/<lang>/<kind>.txt, in Django's template
language, rendering to the small markup of `tergeu.documents.markup`; a kind without its own
file uses <lang>/_generic.txt. A directory named by TERGEU_DOCUMENT_TEMPLATES is searched first,
so a deployment may change a template without touching the code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import translation
from django.utils.translation import gettext as _

from tergeu.documents import context as ctx
from tergeu.documents.markup import parse
from tergeu.documents.pdf import Sheet, pdf_build
from tergeu.errors import InvalidInput
from tergeu.journal.models import Act
from tergeu.registry.models import CrimeReport

BUILT_IN = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("kk", "ru", "en")
GENERIC = "_generic"
REPORT = "crime_report"


def _directories() -> tuple[Path, ...]:
    extra: str = settings.TERGEU_DOCUMENT_TEMPLATES
    return (Path(extra), BUILT_IN) if extra else (BUILT_IN,)


@cache
def _engine(directories: tuple[Path, ...]) -> Engine:
    # Plain text out: the markup is escaped by the context (`text_escape`), not as HTML.
    return Engine(dirs=[str(d) for d in directories], autoescape=False)


def _vocabulary(language: str) -> ctx.Vocabulary:
    for directory in _directories():
        path = directory / language / "vocabulary.toml"
        if path.exists():
            return ctx.vocabulary_load(path)
    return ctx.Vocabulary(words={}, qualification={}, fields={})


def language_check(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInput(
            _("Documents are made in Kazakh (kk), Russian (ru) or English (en)."),
            code="unknown_language",
            details={"lang": language, "known": list(LANGUAGES)},
        )
    return language


def language_or_default(language: str | None) -> str:
    """`language` if documents are made in it, else the active language of the request if they
    are, else Russian."""
    if language in LANGUAGES:
        return language
    active = (translation.get_language() or "")[:2]
    return active if active in LANGUAGES else "ru"


def verify_url(act: Act) -> str:
    """The public page that verifies `act`, which the document's QR code links to."""
    pattern: str = settings.TERGEU_VERIFY_URL
    return pattern.format(hash=act.hash)


def _render(language: str, names: list[str], context: dict[str, Any]) -> str:
    template = _engine(_directories()).select_template([f"{language}/{n}.txt" for n in names])
    return template.render(Context(context, autoescape=False))


def document_render(
    act: Act,
    language: str,
    *,
    decisions: bool = False,
    decision_shown: Callable[[int], bool] | None = None,
) -> bytes:
    """The PDF of `act` in `language` (kk, ru or en): the same bytes every time for the same
    act, language and templates. With `decisions`, the signature block also lists the
    decisions recorded so far on the act (agreements, approvals, sanctions; those
    `decision_shown` lets through) — those bytes then change when a decision is added, so what
    an author signs is the document without them."""
    language_check(language)
    source = ctx.act_input(act, decisions=decisions, decision_shown=decision_shown)
    with translation.override(language):
        context = ctx.act_context(source, language=language, vocabulary=_vocabulary(language))
        text = _render(language, [act.kind, GENERIC], context)
        markup = parse(text)
        sheet = Sheet(
            markup=markup,
            language=language,
            title=f"{ctx.kind_label(act.kind)} — {act.case.register_number}",
            author=ctx.official_name(act.actor),
            subject=f"{act.case.register_number} #{act.seq} {act.kind}",
            created=act.performed_at,
            verify_url=verify_url(act),
            fingerprint=act.hash,
        )
    return pdf_build(sheet)


def document_sha256(act: Act, language: str) -> str:
    """SHA-256 (hex) of the document of `act` in `language` as its author signs it."""
    return hashlib.sha256(document_render(act, language)).hexdigest()


def report_protocol_render(report: CrimeReport, language: str) -> bytes:
    """The protocol accepting a crime report into the КУИ (arts 180–185) in `language`. A
    report is not a journal act: no QR code, nothing to verify it against yet."""
    language_check(language)
    with translation.override(language):
        context = ctx.report_context(report, language=language, vocabulary=_vocabulary(language))
        markup = parse(_render(language, [REPORT], context))
        sheet = Sheet(
            markup=markup,
            language=language,
            title=f"{markup.blocks[0].text if markup.blocks else REPORT} — {report.pk}",
            author=ctx.official_name(report.received_by),
            subject=f"report {report.pk}",
            created=report.received_at,
        )
    return pdf_build(sheet)
