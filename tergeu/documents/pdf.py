"""Markup to PDF with ReportLab: embedded DejaVu Sans (every Kazakh and Russian letter), a
running header, the verification QR code on the first page, "page X of Y" in the footer.

The bytes depend only on what is passed in: ReportLab's invariant mode fixes the document ID
to a digest of the content, and the creation date is the one given (the act's), so the same
act renders to the same bytes on every machine, as signatures over them need.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from tergeu.documents.markup import Block, Markup

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "TergeuSans"
FONT_BOLD = "TergeuSans-Bold"
WIDTH, HEIGHT = A4
LEFT, RIGHT, BOTTOM = 22 * mm, 15 * mm, 20 * mm
TOP_FIRST, TOP_LATER = 40 * mm, 20 * mm  # the first page keeps room for the QR code
QR_SIZE = 27 * mm
BODY_WIDTH = WIDTH - LEFT - RIGHT
TALL_ROW = 120 * mm  # a table row taller than this flows as paragraphs instead
GREY = colors.Color(0.45, 0.45, 0.45)


@dataclass(frozen=True)
class Sheet:
    """What surrounds the flowing text, and the document's metadata."""

    markup: Markup
    language: str
    title: str
    author: str
    subject: str
    created: datetime
    verify_url: str = ""  # the QR code's link; none without it
    fingerprint: str = ""  # printed in every footer (the act's hash)


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def _style(name: str, **values: Any) -> ParagraphStyle:
    base: dict[str, Any] = {"fontName": FONT, "fontSize": 10.5, "leading": 14}
    return ParagraphStyle(name, **(base | values))


STYLES = {
    "paragraph": _style("paragraph", spaceAfter=6),
    "title": _style(
        "title", fontName=FONT_BOLD, fontSize=13, leading=17, alignment=TA_CENTER, spaceAfter=10
    ),
    "heading": _style("heading", fontName=FONT_BOLD, spaceBefore=8, spaceAfter=4),
    "right": _style("right", alignment=TA_RIGHT, spaceAfter=4),
    "cell": _style("cell", fontSize=9.5, leading=12.5),
    "label": _style("label", fontSize=9.5, leading=12.5, textColor=GREY),
    "running": _style("running", fontSize=8, leading=10, textColor=GREY),
    "page": _style("page", fontSize=8, leading=10, alignment=TA_RIGHT),
}


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), STYLES[style])


def _fields(block: Block) -> list[Any]:
    """A field table. A row too tall for a page (a long text) leaves the table and flows as a
    label and paragraphs of its own, since a table row cannot break across pages."""
    width = max(len(r) for r in block.rows)
    first = BODY_WIDTH * 0.34
    widths = [first] + [(BODY_WIDTH - first) / max(width - 1, 1)] * (width - 1)
    flowing: list[Any] = []
    rows: list[list[Any]] = []
    for row in block.rows:
        cells = [_p(row[0], "label"), *(_p(c, "cell") for c in row[1:])]
        cells += [""] * (width - len(cells))
        tall = any(
            isinstance(c, Paragraph) and c.wrap(w, HEIGHT)[1] > TALL_ROW
            for c, w in zip(cells, widths, strict=True)
        )
        if not tall:
            rows.append(cells)
            continue
        flowing += _table(rows, widths)
        flowing += [_p(row[0], "label"), *(_p(c, "paragraph") for c in row[1:])]
        rows = []
    return flowing + _table(rows, widths)


def _table(rows: list[list[Any]], widths: list[float]) -> list[Any]:
    if not rows:
        return []
    table = Table(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [table]


def _signatures(block: Block) -> Table:
    """Who signs, a line to sign on, the name."""
    rows = [[_p(r[0], "cell"), "", _p(" ".join(r[1:]), "cell")] for r in block.rows]
    widths = [BODY_WIDTH * 0.48, BODY_WIDTH * 0.22, BODY_WIDTH * 0.30]
    table = Table(rows, colWidths=widths)
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 12),
                ("LEFTPADDING", (1, 0), (1, -1), 8),
                ("RIGHTPADDING", (1, 0), (1, -1), 8),
            ]
        )
    )
    return table


def _flowables(markup: Markup) -> list[Any]:
    flowing: list[Any] = []
    for block in markup.blocks:
        if block.kind == "fields":
            flowing += [*_fields(block), Spacer(1, 6)]
        elif block.kind == "signatures":
            flowing += [_signatures(block), Spacer(1, 6)]
        elif block.kind == "space":
            flowing.append(Spacer(1, 14))
        else:
            flowing.append(_p(block.text, block.kind))
    return flowing


class _Canvas(Canvas):  # type: ignore[misc]  # ReportLab has no type information
    """Holds every page back until the document is complete, then draws the header, the QR
    code and the footer on each, knowing the number of pages."""

    def __init__(self, *args: Any, sheet: Sheet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sheet = sheet
        self._held: list[dict[str, Any]] = []
        stamp = sheet.created.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)

    def showPage(self) -> None:  # noqa: N802  (ReportLab's name)
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._held)
        for number, state in enumerate(self._held, start=1):
            self.__dict__.update(state)
            self._decorate(number, pages)
            super().showPage()
        super().save()

    def _decorate(self, page: int, pages: int) -> None:
        sheet, markup = self._sheet, self._sheet.markup
        qr = page == 1 and bool(sheet.verify_url)
        header_width = BODY_WIDTH - (QR_SIZE + 6 * mm if qr else 0)
        header = markup.running(markup.header, page=page, pages=pages)
        _draw(self, _p(header, "running"), LEFT, HEIGHT - 10 * mm, header_width)
        self.setStrokeColor(colors.lightgrey)
        self.setLineWidth(0.4)
        self.line(LEFT, BOTTOM - 4 * mm, WIDTH - RIGHT, BOTTOM - 4 * mm)
        footer = markup.running(markup.footer, page=page, pages=pages)
        _draw(self, _p(footer, "page"), LEFT, BOTTOM - 6 * mm, BODY_WIDTH)
        if sheet.fingerprint:
            hash_line = _p(f"SHA-256 {sheet.fingerprint}", "running")
            _draw(self, hash_line, LEFT, BOTTOM - 6 * mm, BODY_WIDTH * 0.75)
        if qr:
            self._qr(sheet.verify_url)

    def _qr(self, url: str) -> None:
        x, y = WIDTH - RIGHT - QR_SIZE, HEIGHT - 8 * mm - QR_SIZE
        count, drawing = _qr_drawing(url)
        self.saveState()
        # One unit a module, rows downwards from the code's top left corner.
        self.translate(x, y + QR_SIZE)
        self.scale(QR_SIZE / count, -QR_SIZE / count)
        self.setFillColor(colors.black)
        self.addLiteral(drawing)
        self.restoreState()
        # The code is also a link, for whoever reads the file on a screen.
        self.linkURL(url, (x, y, x + QR_SIZE, y + QR_SIZE), relative=0)


@lru_cache(maxsize=256)
def _qr_drawing(url: str) -> tuple[int, str]:
    """The QR code of `url` (ReportLab's encoder, level M): its number of modules a side and the
    PDF operators filling its dark runs, one unit a module. ReportLab's widget draws each run
    as a shape of its own, which costs more than all the rest of a document."""
    code = QrCodeWidget(url, barLevel="M").qr
    code.make()
    runs: list[str] = []
    for row, modules in enumerate(code.modules):
        column = 0
        for dark, group in itertools.groupby(bool(m) for m in modules):
            length = len(list(group))
            if dark:
                runs.append(f"{column} {row} {length} 1 re")
            column += length
    return code.getModuleCount(), "\n".join([*runs, "f"])


def _draw(canvas: Canvas, paragraph: Paragraph, x: float, top: float, width: float) -> None:
    _, height = paragraph.wrapOn(canvas, width, 40 * mm)
    paragraph.drawOn(canvas, x, top - height)


def pdf_build(sheet: Sheet) -> bytes:
    """The PDF of `sheet`: the same bytes for the same sheet."""
    _fonts()
    out = io.BytesIO()

    def frame(top: float) -> Frame:
        height = HEIGHT - top - BOTTOM
        return Frame(LEFT, BOTTOM, BODY_WIDTH, height, leftPadding=0, rightPadding=0)

    document = BaseDocTemplate(
        out,
        pagesize=A4,
        pageTemplates=[
            PageTemplate(
                id="first",
                frames=[frame(TOP_FIRST if sheet.verify_url else TOP_LATER)],
                autoNextPageTemplate="later",
            ),
            PageTemplate(id="later", frames=[frame(TOP_LATER)]),
        ],
        title=sheet.title,
        author=sheet.author,
        subject=sheet.subject,
        keywords=[sheet.fingerprint] if sheet.fingerprint else [],
        creator="tergeu",
        producer="tergeu",
        lang=sheet.language,
        invariant=1,
        pageCompression=1,
    )
    maker: Callable[..., _Canvas] = partial(_Canvas, sheet=sheet)
    document.build(_flowables(sheet.markup), canvasmaker=maker)
    return out.getvalue()
