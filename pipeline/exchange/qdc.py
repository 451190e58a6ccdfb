"""Codebooks as REFI-QDA code trees: the ``<Codes>`` of a project, and ``.qdc`` codebook files.

A code's REFI-QDA ``name`` is its qualflow name (``trust/parents``): decisions and
suggestions refer to codes by name, so the name is what must survive a round trip. The
label has no place in the standard and is not exported. Reading a tree, a sub-code whose
name does not already start with its parent's name gets it prepended
(``Commits`` > ``19e4dce`` becomes ``Commits/19e4dce``), the ``/`` nesting qualflow's YAML
and CSV codebooks use; two sub-codes called "Other" under different parents stay apart.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from lxml import etree

from pipeline.errors import InvalidInput
from pipeline.exchange.qdaxml import (
    CODEBOOK_NS,
    CODEBOOK_SCHEMA_LOCATION,
    GUID_RE,
    XSI_NS,
    guid,
    parse,
    q,
    same_guid,
    where,
    xml_text,
)
from pipeline.records import Code, Codebook


def code_guid(name: str) -> str:
    return guid("code", name)


def write_codes(parent: etree._Element, codes: Sequence[Code], ns: str) -> int:
    """Append ``<Codes>`` with ``codes`` nested by ``parent`` to ``parent``; returns how many."""
    children: dict[str | None, list[Code]] = {}
    names = {c.name for c in codes}
    for code in codes:
        children.setdefault(code.parent if code.parent in names else None, []).append(code)
    holder = etree.SubElement(parent, q("Codes", ns))

    def add(into: etree._Element, code: Code) -> None:
        attrs = {"guid": code_guid(code.name), "name": xml_text(code.name), "isCodable": "true"}
        if code.colour:
            attrs["color"] = code.colour
        element = etree.SubElement(into, q("Code", ns), attrs)
        if code.description:
            etree.SubElement(element, q("Description", ns)).text = xml_text(code.description)
        for child in children.get(code.name, ()):
            add(element, child)

    for top in children.get(None, ()):
        add(holder, top)
    return len(codes)


@dataclass(frozen=True)
class QdaCode:
    """A ``<Code>`` as read: ``path`` is the qualflow name it gets (see the module notes)."""

    guid: str
    name: str
    path: str
    parent: str | None
    """The parent's ``path``."""
    description: str
    colour: str | None
    codable: bool
    where: str


def read_codes(codes: etree._Element | None, ns: str, path: str | Path) -> list[QdaCode]:
    """Every ``<Code>`` under ``codes`` (parents before children); ``InvalidInput`` on a code
    without a valid guid or name, or on two codes sharing a guid."""
    out: list[QdaCode] = []
    seen: dict[str, str] = {}

    def visit(element: etree._Element, parent: QdaCode | None) -> None:
        code_id = element.get("guid") or ""
        name = (element.get("name") or "").strip()
        if not GUID_RE.fullmatch(code_id.strip()):
            raise InvalidInput(path, f"a Code needs a guid like 8-4-4-4-12 hex digits, not {code_id!r}",
                               where=where(element))
        if not name:
            raise InvalidInput(path, "a Code needs a name", where=where(element))
        key = same_guid(code_id)
        if key in seen:
            raise InvalidInput(path, f"two codes share this guid ({seen[key]!r} and {name!r})", where=where(element))
        full = name
        if parent is not None and not name.startswith(parent.path + "/"):
            full = f"{parent.path}/{name}"
        seen[key] = full
        description = element.find(q("Description", ns))
        code = QdaCode(
            guid=key, name=name, path=full, parent=parent.path if parent else None,
            description=(description.text or "").strip() if description is not None else "",
            colour=_colour(element.get("color")), codable=element.get("isCodable", "true").strip() != "false",
            where=where(element),
        )
        out.append(code)
        for child in element.findall(q("Code", ns)):
            visit(child, code)

    if codes is not None:
        for element in codes.findall(q("Code", ns)):
            visit(element, None)
    return out


def _colour(value: str | None) -> str | None:
    """``#rrggbb`` in lower case, as qualflow codebooks write colours; ``None`` if unusable."""
    if not value:
        return None
    value = value.strip().lower()
    if len(value) == 4 and value.startswith("#"):
        value = "#" + "".join(ch * 2 for ch in value[1:])
    if len(value) == 7 and value.startswith("#") and all(ch in "0123456789abcdef" for ch in value[1:]):
        return value
    return None


def codebook_from_codes(codes: Sequence[QdaCode], *, name: str, version: str, sha256: str, source: str) -> Codebook:
    """A ``Codebook`` record of a code tree read from a file; labels are the codes' own names."""
    from pipeline.codebook.checks import check_codes
    from pipeline.errors import InvalidCodebook

    records = tuple(
        Code(name=c.path, label=c.name, description=c.description, parent=c.parent, colour=c.colour) for c in codes
    )
    names = [c.name for c in records]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise InvalidCodebook(source, twice, "name", "two codes in the file have this name at the same place")
    check_codes(source, records, {})
    return Codebook(name=name, version=version, codes=records, sha256=sha256, source=source)


# -- .qdc files ----------------------------------------------------------------------------------


def export_qdc(codebook: Codebook, out_path: str | Path) -> Path:
    """Write ``codebook`` as a REFI-QDA codebook file (``.qdc``, namespace ``urn:QDA-XML:codebook:1.0``)."""
    from pipeline import __version__

    root = etree.Element(q("CodeBook", CODEBOOK_NS), nsmap={None: CODEBOOK_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", CODEBOOK_SCHEMA_LOCATION)
    root.set("origin", f"qualflow {__version__}")
    write_codes(root, codebook.codes, CODEBOOK_NS)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    partial = out_path.with_name(out_path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, out_path)
    return out_path


def parse_qdc(data: bytes, source: str, name: str) -> Codebook:
    """A ``Codebook`` from the bytes of a ``.qdc`` file (same shape as the CSV codebook parser).

    The version is ``qdc-`` and the first 8 hex digits of the file's sha256. Codes keep their
    descriptions and colours; non-codable codes (NVivo's and MAXQDA's folders) become
    ordinary parent codes.
    """
    root = parse(data, source, source)
    tag = etree.QName(root)
    if tag.localname != "CodeBook" or tag.namespace != CODEBOOK_NS:
        raise InvalidInput(source, f"not a REFI-QDA codebook: the root element is {tag.localname!r} "
                                   f"in namespace {tag.namespace!r}, not CodeBook in {CODEBOOK_NS!r}",
                           where=f"{tag.localname}, line {root.sourceline}")
    codes_el = root.find(q("Codes", CODEBOOK_NS))
    codes = read_codes(codes_el, CODEBOOK_NS, source)
    if not codes:
        raise InvalidInput(source, "the codebook has no codes", where="Codes")
    sha256 = hashlib.sha256(data).hexdigest()
    return codebook_from_codes(codes, name=name, version=f"qdc-{sha256[:8]}", sha256=sha256, source=source)


def import_qdc(path: str | Path) -> Codebook:
    """Read a ``.qdc`` codebook file; errors name the file by its name only."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(path.name, "no such file") from None
    except OSError as exc:
        raise InvalidInput(path.name, f"cannot read it ({exc.strerror})") from None
    return parse_qdc(data, path.name, name=path.stem)
