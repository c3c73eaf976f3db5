"""The small markup that document templates render to, one construct a line:

    @header TEXT       the running header of every page
    @footer TEXT       the running footer; {page} and {pages} are the page number and count
    # TEXT             the title of the document (centred, bold)
    ## TEXT            a heading
    > TEXT             a line set to the right (a place and date, "I approve")
    | LABEL | VALUE    a row of a field table (consecutive rows make one table)
    ! WHO | NAME       a row of the signature block: who, a line to sign on, the name
    ---                vertical space
    \\TEXT              a line of plain text that would otherwise read as one of the above
    TEXT               a paragraph; consecutive lines are joined, a blank line ends it

Blank lines between table rows are ignored: a row left out by a template's condition does not
split its table in two.

Values put into a template (`text_escape`) cannot make markup of their own: their line breaks
and the characters above are carried through as private-use characters and turned back only
after the lines have been read, so a payload saying "| Prosecutor | agreed" stays text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SPECIAL = "\n#>!|@\\{}"
# Each special character of a value travels as a character of Unicode's private use area.
_ENCODE = {ord(c): chr(0xE000 + i) for i, c in enumerate(SPECIAL)}
_DECODE = {0xE000 + i: c for i, c in enumerate(SPECIAL)}

BlockKind = Literal["title", "heading", "right", "paragraph", "fields", "signatures", "space"]


def text_escape(value: str) -> str:
    """A value as it may be put into a template: it reads as text, whatever it holds."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_ENCODE)


def text_unescape(value: str) -> str:
    """A value escaped by `text_escape` (or a line holding such values) back as written."""
    return value.translate(_DECODE)


@dataclass(frozen=True)
class Block:
    """One piece of the flowing text. `rows` holds the cells of a table, one cell (the text)
    for the other kinds. Texts are plain: "\\n" is a line break inside the block."""

    kind: BlockKind
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def text(self) -> str:
        return self.rows[0][0] if self.rows else ""


@dataclass(frozen=True)
class Markup:
    blocks: tuple[Block, ...]
    header: str = ""  # still escaped: see `running`
    footer: str = ""

    def running(self, line: str, *, page: int, pages: int) -> str:
        """The header or footer of page `page` of `pages`."""
        filled = line.replace("{page}", str(page)).replace("{pages}", str(pages))
        return text_unescape(filled)


@dataclass
class _Reader:
    blocks: list[Block] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)
    table: list[tuple[str, ...]] = field(default_factory=list)
    table_kind: BlockKind = "fields"
    header: str = ""
    footer: str = ""

    def flush(self, *, tables: bool = True) -> None:
        if self.paragraph:
            text = " ".join(self.paragraph)
            self.blocks.append(Block("paragraph", ((text_unescape(text),),)))
            self.paragraph = []
        if self.table and tables:
            self.blocks.append(Block(self.table_kind, tuple(self.table)))
            self.table = []

    def row(self, kind: BlockKind, line: str) -> None:
        if self.paragraph or (self.table and self.table_kind != kind):
            self.flush()
        self.table_kind = kind
        cells = [text_unescape(cell.strip()) for cell in line.split("|")]
        if len(cells) > 1 and not cells[-1]:
            cells.pop()  # a closing "|"
        self.table.append(tuple(cells))

    def single(self, kind: BlockKind, text: str = "") -> None:
        self.flush()
        self.blocks.append(Block(kind, ((text_unescape(text.strip()),),)))

    def line(self, line: str) -> None:
        if not line:
            self.flush(tables=False)  # rows left out by a condition do not split a table
        elif line.startswith("@header "):
            self.header = line.removeprefix("@header ").strip()
        elif line.startswith("@footer "):
            self.footer = line.removeprefix("@footer ").strip()
        elif line.startswith("## "):
            self.single("heading", line[3:])
        elif line.startswith("# "):
            self.single("title", line[2:])
        elif line.startswith("> "):
            self.single("right", line[2:])
        elif line.startswith("|"):
            self.row("fields", line[1:])
        elif line.startswith("!"):
            self.row("signatures", line[1:])
        elif line == "---":
            self.single("space")
        else:
            if self.table:
                self.flush()
            self.paragraph.append(line.removeprefix("\\"))


def parse(text: str) -> Markup:
    """The blocks of a rendered template. Leading and trailing blanks of every line are
    ignored, so template tags may be indented freely."""
    reader = _Reader()
    for line in text.splitlines():
        reader.line(line.strip())
    reader.flush()
    return Markup(blocks=tuple(reader.blocks), header=reader.header, footer=reader.footer)
