"""QDA-XML plumbing shared by export and import: namespaces, stable GUIDs, a safe parser,
schema validation, and the small conversions the standard needs.

GUIDs are ``uuid5`` over one fixed namespace and a key naming the object ("code:trust",
"source:BO-01"), written upper-case as ATLAS.ti and NVivo write them. Exporting the same
store twice gives the same GUIDs, and an import recognises a project it exported by them.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from pipeline.errors import InvalidInput

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PROJECT_SCHEMA_LOCATION = f"{PROJECT_NS} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
CODEBOOK_SCHEMA_LOCATION = f"{CODEBOOK_NS} http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd"

QUALFLOW_NAMESPACE = uuid.UUID("6f1c2a7e-9d43-5b8e-a0f1-4c2d7e9b3a51")
"""Never change it: every GUID qualflow has ever exported is derived from it."""

MACHINE_USER = "qualflow"
"""The REFI-QDA user that machine suggestions are attributed to."""

GUID_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|\{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}"
)
"""``GUIDType`` of the schema: with or without braces, either case."""

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def guid(kind: str, key: str) -> str:
    """The stable GUID of the object of ``kind`` (user, code, source, ...) named ``key``."""
    return str(uuid.uuid5(QUALFLOW_NAMESPACE, f"{kind}:{key}")).upper()


def user_guid(username: str) -> str:
    return guid("user", username)


MACHINE_GUID = guid("machine", MACHINE_USER)
REVIEWER_USER = "reviewer"
"""Written first among a project's users: QualCoder makes the first user its current coder,
so a person's codings there are saved as this neutral user, never as ``qualflow``."""


def same_guid(value: str) -> str:
    """A GUID in one spelling (no braces, upper case) so that references compare equal."""
    return value.strip().strip("{}").upper()


def q(tag: str, ns: str = PROJECT_NS) -> str:
    return f"{{{ns}}}{tag}"


def xml_text(text: str | None) -> str:
    """``text`` without the characters XML 1.0 cannot carry (control characters other than
    tab and line ends); lxml would refuse them. Source texts travel as files, not in XML."""
    return _NOT_XML.sub("\ufffd", text or "")


def xml_datetime(value: datetime | None) -> str:
    """``xsd:dateTime`` in UTC; SQLite hands back naive datetimes, which are UTC here."""
    if value is None:
        value = datetime(1970, 1, 1, tzinfo=timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def snippet(text: str, limit: int = 60) -> str:
    """A selection's display name, as ATLAS.ti and NVivo name theirs: the start of its text."""
    flat = " ".join(text.split())
    return xml_text(flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…")


def parser() -> etree.XMLParser:
    """A parser for files from elsewhere: no DTDs, no entities, no network, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


def parse(data: bytes, path: str | Path, member: str) -> etree._Element:
    """The root element of ``data``; ``InvalidInput`` naming ``member`` and the line otherwise."""
    try:
        return etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else None)
        where = f"{member}, line {line}" if line else member
        why = f"not well-formed XML: {exc.msg}"
        if "EntityRef" in exc.msg or "entity" in exc.msg.lower():
            why += (". An unescaped '&' is a known bug of QualCoder (up to 4.0 beta), which writes annotation "
                    "and memo text into the file without escaping it. To repair: unzip the .qdpx, open "
                    f"{member} in a text editor, replace each '&' that does not begin an entity (&amp; &lt; "
                    "&gt; &quot; &apos; &#...;) with '&amp;' (or remove the '&' from the annotations in "
                    "QualCoder and export again), zip the folder again and import that")
        raise InvalidInput(path, why, where=where) from None


def validate_project(xml_bytes: bytes, xsd_path: str | Path, *, path: str | Path = "project.qde") -> None:
    """Check a ``project.qde`` against the REFI-QDA schema (``Project-mrt2019.xsd``).

    qualflow does not ship the schema (its licence is unclear), so this is for tests and for
    users who have a copy. Raises ``InvalidInput`` for ``path`` naming the line and element
    of the first violation.
    """
    schema = etree.XMLSchema(etree.parse(str(xsd_path), parser()))
    root = parse(xml_bytes, path, "project.qde")
    if schema.validate(root):
        return
    error = list(schema.error_log)[0]
    element = _element_in(error.message)
    where = f"line {error.line}" + (f", {element}" if element else "")
    raise InvalidInput(path, f"breaks the REFI-QDA schema: {error.message}", where=where)


def _element_in(message: str) -> str | None:
    match = re.search(r"Element '\{[^}]*\}(\w+)'", message) or re.search(r"Element '(\w+)'", message)
    return match.group(1) if match else None


def where(element: etree._Element) -> str:
    """``PlainTextSelection 1F0C…, line 42``: how an error names the element it is about."""
    name = etree.QName(element).localname
    parts = [name]
    if element.get("guid"):
        parts[0] = f"{name} {element.get('guid')}"
    if element.sourceline:
        parts.append(f"line {element.sourceline}")
    return ", ".join(parts)
