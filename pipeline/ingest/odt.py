"""OpenDocument text transcripts (``.odt``), read from the zip's ``content.xml``.

Whitespace is kept as the layout needs it: ``<text:s text:c="N"/>`` becomes N spaces and
``<text:tab/>`` a tab, so indentation written with spaces and tabs (as in the real
think-aloud transcripts: prompts at the left, tab-indented speech) survives. A paragraph
indent from its style (``fo:margin-left`` + ``fo:text-indent``) adds a tab per half inch.
An item of a numbered list counts as a numbered prompt; bullets do not. Footnotes, comments
and frames are left out. A table row ``Speaker | text`` becomes ``Speaker: text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

from pipeline.errors import InvalidInput
from pipeline.ingest.archive import check_zip, read_member
from pipeline.ingest.base import register_reader
from pipeline.ingest.layout import Paragraph, indent_prefix, paragraphs_to_turns, table_row_paragraphs
from pipeline.records import RawTranscript

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _t(name: str) -> str:
    return f"{{{_TEXT}}}{name}"


_P, _H, _S, _TAB, _BREAK = _t("p"), _t("h"), _t("s"), _t("tab"), _t("line-break")
_LIST, _LIST_ITEM, _LIST_HEADER = _t("list"), _t("list-item"), _t("list-header")
_SKIPPED = {_t("note"), f"{{{_OFFICE}}}annotation", f"{{{_OFFICE}}}annotation-end",
            "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}frame", _t("tracked-changes")}
_TABLE_ROW = f"{{{_TABLE}}}table-row"
_TABLE_CELL = f"{{{_TABLE}}}table-cell"
_STYLE_NAME = _t("style-name")
_MIME = b"application/vnd.oasis.opendocument.text"
_LENGTH = re.compile(r"(-?[\d.]+)\s*(in|cm|mm|pt|pc|px)?")
_INCHES = {"in": 1.0, "cm": 1 / 2.54, "mm": 1 / 25.4, "pt": 1 / 72, "pc": 1 / 6, "px": 1 / 96, None: 1 / 72}


class OdtReader:
    format = "odt"
    suffixes = (".odt",)

    def read(self, path: Path) -> RawTranscript:
        _, turns = paragraphs_to_turns(self.paragraphs(path), path)
        return RawTranscript(path=str(path), format=self.format, encoding=None, turns=turns)

    def paragraphs(self, path: Path) -> list[Paragraph]:
        """The document's paragraphs in order (also what a report in .odt is made of)."""
        check_zip(path, ".odt")
        mimetype = _member_or_none(path, "mimetype")
        if mimetype is not None and not mimetype.strip().startswith(_MIME):
            raise InvalidInput(path, f"not an OpenDocument text (mimetype {mimetype.decode(errors='replace')!r})")
        content = _parse(path, "content.xml", read_member(path, "content.xml", ".odt"))
        styles_xml = _member_or_none(path, "styles.xml")
        styles = _Styles(content, _parse(path, "styles.xml", styles_xml) if styles_xml else None)
        body = content.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
        if body is None:
            raise InvalidInput(path, "not an OpenDocument text (no office:text body)", where="content.xml")
        return list(_walk(body, styles, list_style=None, level=0))


def _member_or_none(path: Path, name: str) -> bytes | None:
    try:
        return read_member(path, name, ".odt")
    except InvalidInput:
        return None


def _parse(path: Path, member: str, data: bytes) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as err:
        raise InvalidInput(path, f"corrupt XML ({err})", where=member) from err


class _Styles:
    """Paragraph indents and numbered list levels, from automatic and common styles."""

    def __init__(self, *roots: ET.Element | None) -> None:
        self.paragraph: dict[str, tuple[str | None, float | None, float | None]] = {}
        self.numbered_levels: dict[str, set[int]] = {}
        for root in roots:
            if root is None:
                continue
            for style in root.iter(f"{{{_STYLE}}}style"):
                props = style.find(f"{{{_STYLE}}}paragraph-properties")
                margin = indent = None
                if props is not None:
                    margin = _inches(props.get(f"{{{_FO}}}margin-left"))
                    indent = _inches(props.get(f"{{{_FO}}}text-indent"))
                self.paragraph.setdefault(
                    style.get(f"{{{_STYLE}}}name", ""),
                    (style.get(f"{{{_STYLE}}}parent-style-name"), margin, indent),
                )
            for list_style in root.iter(_t("list-style")):
                levels = {
                    int(level.get(_t("level"), "1"))
                    for level in list_style.iter(_t("list-level-style-number"))
                    if level.get(f"{{{_STYLE}}}num-format")
                }
                self.numbered_levels[list_style.get(f"{{{_STYLE}}}name", "")] = levels

    def indent_inches(self, name: str | None) -> float:
        margin = indent = None
        seen: set[str] = set()
        while name and name not in seen and (margin is None or indent is None):
            seen.add(name)
            parent, m, i = self.paragraph.get(name, (None, None, None))
            margin = m if margin is None else margin
            indent = i if indent is None else indent
            name = parent
        return max(0.0, (margin or 0.0) + (indent or 0.0))

    def is_numbered(self, list_style: str | None, level: int) -> bool:
        return list_style is not None and level in self.numbered_levels.get(list_style, set())


def _inches(value: str | None) -> float | None:
    if not value:
        return None
    match = _LENGTH.fullmatch(value.strip())
    if not match:
        return None
    try:
        return float(match.group(1)) * _INCHES[match.group(2)]
    except ValueError:
        return None


def _walk(element: ET.Element, styles: _Styles, list_style: str | None, level: int,
          numbered: bool = False) -> Iterator[Paragraph]:
    for child in element:
        tag = child.tag
        if tag in _SKIPPED:
            continue
        if tag in (_P, _H):
            indent = indent_prefix(styles.indent_inches(child.get(_STYLE_NAME)))
            yield Paragraph(indent + _text_of(child), numbered=numbered)
            numbered = False  # only the item's first paragraph carries the number
        elif tag == _LIST:
            yield from _walk(child, styles, child.get(_STYLE_NAME) or list_style, level + 1)
        elif tag == _LIST_ITEM:
            yield from _walk(child, styles, list_style, level, numbered=styles.is_numbered(list_style, level))
        elif tag == _TABLE_ROW:
            yield from _table_row(child, styles)
        else:  # sections, list headers, tables, ...
            yield from _walk(child, styles, list_style, level)


def _table_row(row: ET.Element, styles: _Styles) -> Iterator[Paragraph]:
    cells = [" ".join(p.text.strip() for p in _walk(cell, styles, None, 0)) for cell in row.iter(_TABLE_CELL)]
    yield from table_row_paragraphs(cells)


def _text_of(element: ET.Element) -> str:
    parts: list[str] = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == _S:
            try:
                parts.append(" " * min(max(1, int(child.get(_t("c"), "1"))), 1000))
            except ValueError:
                parts.append(" ")
        elif tag == _TAB:
            parts.append("\t")
        elif tag == _BREAK:
            parts.append("\n")
        elif tag not in _SKIPPED:
            parts.append(_text_of(child))
        parts.append(child.tail or "")
    return "".join(parts)


register_reader(OdtReader())
