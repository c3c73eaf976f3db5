"""Procedural documents: templates per act kind in Kazakh, Russian and English, rendered to
PDF with embedded fonts, a verification QR code and page numbering (docs/documents.md)."""
