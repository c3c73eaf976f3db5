"""The label of an item of evidence: a small PDF to stick on its package — the case's register
number, the item's number, nature, description and seal, and a QR code naming the item, so the
package is matched to its record with a phone's camera."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tergeu.evidence.models import EvidenceItem

WIDTH, HEIGHT = 100 * mm, 62 * mm
QR_SIDE = 34 * mm
FONT = "TergeuSans"
FONT_FILE = Path(__file__).resolve().parent.parent / "documents" / "fonts" / "DejaVuSans.ttf"


@cache
def _font() -> str:
    """A font with every Kazakh letter, embedded in the label."""
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


def label_url(item: EvidenceItem) -> str:
    """What the QR code says: the item's record in the case."""
    base: str = settings.TERGEU_PUBLIC_URL.rstrip("/")
    return f"{base}/cases/{item.case_id}/evidence/{item.number}/"


def evidence_label(item: EvidenceItem) -> bytes:
    """The item's label as PDF bytes (the same bytes for the same item in the same state)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(WIDTH, HEIGHT), invariant=True, pageCompression=1)
    canvas.setTitle(f"{item.case.register_number} / {item.number}")
    font = _font()
    x, y = 5 * mm, HEIGHT - 9 * mm
    canvas.setFont(font, 11)
    canvas.drawString(x, y, item.case.register_number)
    canvas.setFont(font, 9)
    lines = [
        _("Item of evidence No. %(number)d") % {"number": item.number},
        f"{item.get_nature_display()}",
        _("Seal: %(seal)s") % {"seal": item.seal or "—"},
        *_wrapped(item.description, 30)[:3],
    ]
    for line in lines:
        y -= 5 * mm
        canvas.drawString(x, y, line)
    widget = QrCodeWidget(label_url(item))
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIDE, QR_SIDE, transform=[QR_SIDE / (right - left), 0, 0, QR_SIDE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, WIDTH - QR_SIDE - 3 * mm, 3 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrapped(text: str, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current] if current else lines
