"""Reading a ``.qdpx`` into plain records, checking everything an import relies on first.

Nothing here touches the store: a file with a broken reference, a selection outside its
source or XML that is not a REFI-QDA project fails here, before any write. Errors are
``InvalidInput`` naming the archive, the element (with its guid and line) and the reason.

What is checked: the zip and its ``.qde``; well-formed XML; the root ``Project`` in
``urn:QDA-XML:project:1.0``; guids on every element that is referred to; integer positions
with ``0 <= startPosition <= endPosition <= len(source)``; every ``CodeRef``, ``NoteRef``,
``VariableRef`` and ``SourceRef`` pointing at an element that exists; ``internal://`` files
present and UTF-8. With ``xsd_path`` the whole document is also validated against the schema.
A ``creatingUser`` that names no user is not an error (tools disagree about listing
themselves); that coding is attributed to the importing coder.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from pipeline.errors import InvalidInput
from pipeline.exchange.qdaxml import GUID_RE, PROJECT_NS, parse, q, same_guid, validate_project, where
from pipeline.exchange.qdc import QdaCode, read_codes

MAX_UNCOMPRESSED = 2 * 1024**3
"""Refuse archives that claim more than this once unpacked (a zip bomb, or not a project)."""

_OTHER_SOURCES = ("PictureSource", "PDFSource", "AudioSource", "VideoSource")
_VALUES = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


@dataclass(frozen=True)
class QdaUser:
    guid: str
    name: str


@dataclass(frozen=True)
class QdaCoding:
    guid: str
    code: str
    """guid of the ``Code``."""
    user: str | None
    note_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class QdaSelection:
    guid: str
    start: int
    end: int
    user: str | None
    description: str
    codings: tuple[QdaCoding, ...]
    note_refs: tuple[str, ...]
    where: str


@dataclass(frozen=True)
class QdaSource:
    guid: str
    name: str
    kind: str
    text: str | None
    """The plain text, decoded; ``None`` when the archive does not carry it (see ``why``)."""
    why: str | None
    selections: tuple[QdaSelection, ...]
    note_refs: tuple[str, ...]
    whole_source_codings: int
    variables: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class QdaNote:
    guid: str
    name: str
    user: str | None
    text: str
    span: tuple[int, int] | None = None
    """Where in the source that refers to it the note is about: QualCoder writes an annotation
    as a note holding a ``PlainTextSelection`` (its position) and a ``NoteRef`` on the source."""


@dataclass(frozen=True)
class QdaCase:
    guid: str
    name: str
    variables: dict[str, str]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class QdaProject:
    name: str
    origin: str
    users: tuple[QdaUser, ...]
    codes: tuple[QdaCode, ...]
    sources: tuple[QdaSource, ...]
    notes: tuple[QdaNote, ...]
    cases: tuple[QdaCase, ...]
    project_note_refs: tuple[str, ...]
    code_note_refs: tuple[str, ...]
    qde_sha256: str


def read_project(path: str | Path, *, xsd_path: str | Path | None = None) -> QdaProject:
    """Open and check the ``.qdpx`` at ``path``; see the module notes for what is checked."""
    import hashlib

    path = Path(path)
    shown = path.name  # errors may reach a web page: the file's name, not the server's folders
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InvalidInput(shown, "no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(shown, f"not a REFI-QDA project: a .qdpx is a zip archive, and this is not one ({exc})") from None
    with archive:
        infos = archive.infolist()
        if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
            raise InvalidInput(shown, "the archive unpacks to more than 2 GB; not a project qualflow can read")
        members = {i.filename: i for i in infos if not i.is_dir()}
        qde = _project_member(members, shown)
        data = _read(archive, members[qde], shown)
        if xsd_path is not None:
            validate_project(data, xsd_path, path=shown)
        root = parse(data, shown, qde)
        reader = _Reader(archive, members, shown)
        project = reader.project(root)
        return QdaProject(**project, qde_sha256=hashlib.sha256(data).hexdigest())


def _project_member(members: dict[str, zipfile.ZipInfo], shown: str) -> str:
    if "project.qde" in members:
        return "project.qde"
    qdes = [n for n in members if "/" not in n.strip("/") and n.lower().endswith(".qde")]
    if len(qdes) == 1:
        return qdes[0]
    if not qdes:
        raise InvalidInput(shown, "the archive has no project.qde (is this a .qdpx exported by a QDA program?)",
                           where="project.qde")
    raise InvalidInput(shown, f"the archive has {len(qdes)} .qde files and no project.qde", where="project.qde")


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, shown: str) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as exc:
        raise InvalidInput(shown, f"the archive is damaged: {exc}", where=info.filename) from None
    except NotImplementedError as exc:  # an unsupported compression method
        raise InvalidInput(shown, f"cannot unpack it: {exc}", where=info.filename) from None
    except RuntimeError as exc:  # encrypted members
        raise InvalidInput(shown, f"cannot unpack it: {exc}", where=info.filename) from None


class _Reader:
    def __init__(self, archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], shown: str) -> None:
        self.archive, self.members, self.shown = archive, members, shown
        self.lower = {name.lower(): name for name in members}
        self.guids: dict[str, str] = {}  # every guid seen -> where, to refuse duplicates

    # -- helpers
    def fail(self, element: etree._Element, why: str) -> InvalidInput:
        return InvalidInput(self.shown, why, where=where(element))

    def guid_of(self, element: etree._Element, *, unique: bool = True) -> str:
        value = (element.get("guid") or "").strip()
        if not GUID_RE.fullmatch(value):
            name = etree.QName(element).localname
            raise self.fail(element, f"a {name} needs a guid like 8-4-4-4-12 hex digits, not {value!r}")
        key = same_guid(value)
        if unique:
            if key in self.guids:
                raise self.fail(element, f"its guid is already used by {self.guids[key]}")
            self.guids[key] = where(element)
        return key

    def ref(self, element: etree._Element, known: dict | set, what: str, owner: etree._Element) -> str:
        target = element.get("targetGUID") or ""
        key = same_guid(target)
        if not GUID_RE.fullmatch(target.strip()) or key not in known:
            name = etree.QName(element).localname
            raise InvalidInput(self.shown, f"{name} targetGUID {target!r} refers to no {what} in the project",
                               where=f"{name} in {where(owner)}")
        return key

    def user_of(self, element: etree._Element) -> str | None:
        value = element.get("creatingUser") or element.get("modifyingUser")
        return same_guid(value) if value and GUID_RE.fullmatch(value.strip()) else None

    def internal_text(self, element: etree._Element, attribute: str) -> tuple[str | None, str | None]:
        """(text, None) for an ``internal://`` file in the archive, else (None, why it is not here)."""
        value = (element.get(attribute) or "").strip()
        if not value.lower().startswith("internal://"):
            return None, f"its {attribute} {value!r} is outside the archive; only internal:// sources are read"
        name = value[len("internal://"):].lstrip("/")
        if PurePosixPath(name).name != name or name in ("", ".", ".."):
            raise self.fail(element, f"{attribute} {value!r} is not a file name")
        member = self.lower.get(f"sources/{name}".lower()) or self.lower.get(name.lower())
        if member is None:
            raise self.fail(element, f"{attribute} {value!r}: the archive has no sources/{name}")
        data = _read(self.archive, self.members[member], self.shown)
        try:
            return data.decode("utf-8-sig"), None
        except UnicodeDecodeError as exc:
            raise self.fail(element, f"sources/{name} is not UTF-8 text (byte {exc.start})") from None

    # -- the document
    def project(self, root: etree._Element) -> dict:
        tag = etree.QName(root)
        if tag.localname != "Project" or tag.namespace != PROJECT_NS:
            raise InvalidInput(self.shown, f"not a REFI-QDA project: the root element is {tag.localname!r} in "
                                           f"namespace {tag.namespace!r}, not Project in {PROJECT_NS!r}",
                               where=f"{tag.localname}, line {root.sourceline}")
        users = tuple(QdaUser(self.guid_of(u), (u.get("name") or "").strip())
                      for u in root.iterfind(f"{q('Users')}/{q('User')}"))
        codes = read_codes(root.find(f"{q('CodeBook')}/{q('Codes')}"), PROJECT_NS, self.shown)
        for code in codes:
            self.guids[code.guid] = code.where
        code_guids = {c.guid for c in codes}

        # Notes first: selections, sources and codes refer to them.
        notes = []
        for note in root.iterfind(f"{q('Notes')}/{q('Note')}"):
            key = self.guid_of(note)
            content = note.find(q("PlainTextContent"))
            if content is not None:
                text = content.text or ""
            elif note.get("plainTextPath"):
                text = self.internal_text(note, "plainTextPath")[0] or ""
            else:
                description = note.find(q("Description"))
                text = description.text or "" if description is not None else ""
            span = None
            marked = note.find(q("PlainTextSelection"))
            if marked is not None:
                try:
                    start, end = int(marked.get("startPosition", "")), int(marked.get("endPosition", ""))
                except ValueError:
                    raise self.fail(marked, "startPosition and endPosition must be whole numbers") from None
                if not 0 <= start <= end:
                    raise self.fail(marked, f"positions {start}-{end} are not a span")
                span = (start, end)
            notes.append(QdaNote(key, (note.get("name") or "").strip(), self.user_of(note), text, span))
        note_guids = {n.guid for n in notes}

        def note_refs(owner: etree._Element) -> tuple[str, ...]:
            return tuple(self.ref(r, note_guids, "Note", owner) for r in owner.findall(q("NoteRef")))

        variables = {}
        for variable in root.iterfind(f"{q('Variables')}/{q('Variable')}"):
            name = (variable.get("name") or "").strip()
            if not name:
                raise self.fail(variable, "a Variable needs a name")
            variables[self.guid_of(variable)] = name

        def values(owner: etree._Element) -> dict[str, str]:
            out = {}
            for value in owner.findall(q("VariableValue")):
                ref = value.find(q("VariableRef"))
                if ref is None:
                    raise self.fail(owner, "a VariableValue without a VariableRef")
                name = variables[self.ref(ref, variables, "Variable", owner)]
                found = next((v for v in value if etree.QName(v).localname in _VALUES), None)
                out[name] = (found.text or "").strip() if found is not None else ""
            return out

        code_note_refs = tuple(ref for code_el in root.iter(q("Code")) for ref in note_refs(code_el))

        sources = []
        sources_el = root.find(q("Sources"))
        for element in (sources_el if sources_el is not None else ()):
            if not isinstance(element.tag, str):
                continue
            kind = etree.QName(element).localname
            key = self.guid_of(element)
            name = (element.get("name") or "").strip() or key
            if kind != "TextSource":
                if kind not in _OTHER_SOURCES:
                    raise self.fail(element, f"{kind} is not a kind of source in REFI-QDA 1.0")
                sources.append(QdaSource(key, name, kind, None, "only plain-text sources can hold transcripts",
                                         (), note_refs(element), 0, values(element)))
                continue
            content = element.find(q("PlainTextContent"))
            if content is not None:
                text, why = content.text or "", None
            elif element.get("plainTextPath"):
                text, why = self.internal_text(element, "plainTextPath")
            else:
                text, why = None, "the archive carries only its rich text (richTextPath), not its plain text"
            selections = tuple(self.selection(s, text, code_guids, note_refs)
                               for s in element.findall(q("PlainTextSelection")))
            whole = element.findall(q("Coding"))
            for coding in whole:
                self.coding(coding, code_guids, note_refs)
            sources.append(QdaSource(key, name, kind, text, why, selections, note_refs(element), len(whole),
                                     values(element)))
        source_guids = {s.guid for s in sources}

        cases = []
        for case in root.iterfind(f"{q('Cases')}/{q('Case')}"):
            key = self.guid_of(case)
            refs = tuple(self.ref(r, source_guids, "source", case) for r in case.findall(q("SourceRef")))
            cases.append(QdaCase(key, (case.get("name") or "").strip() or key, values(case), refs))

        project_note_refs = note_refs(root)
        return dict(
            name=(root.get("name") or "").strip() or "project", origin=(root.get("origin") or "").strip(),
            users=users, codes=tuple(codes), sources=tuple(sources), notes=tuple(notes), cases=tuple(cases),
            project_note_refs=project_note_refs, code_note_refs=code_note_refs,
        )

    def coding(self, element: etree._Element, code_guids: set[str], note_refs) -> QdaCoding:
        key = self.guid_of(element)
        ref = element.find(q("CodeRef"))
        if ref is None:
            raise self.fail(element, "a Coding without a CodeRef")
        code = self.ref(ref, code_guids, "Code of the CodeBook", element)
        return QdaCoding(key, code, self.user_of(element), note_refs(element))

    def selection(self, element: etree._Element, text: str | None, code_guids: set[str], note_refs) -> QdaSelection:
        key = self.guid_of(element)
        bounds = []
        for attribute in ("startPosition", "endPosition"):
            raw = (element.get(attribute) or "").strip()
            try:
                bounds.append(int(raw))
            except ValueError:
                raise self.fail(element, f"{attribute} should be a whole number, not {raw!r}") from None
        start, end = bounds
        if start < 0 or end < start:
            raise self.fail(element, f"positions {start}-{end} do not make a span (0 <= start <= end)")
        if text is not None and end > len(text):
            raise self.fail(element, f"positions {start}-{end} point outside its source, which has "
                                     f"{len(text)} characters")
        description = element.find(q("Description"))
        return QdaSelection(
            guid=key, start=start, end=end, user=self.user_of(element),
            description=(description.text or "").strip() if description is not None else "",
            codings=tuple(self.coding(c, code_guids, note_refs) for c in element.findall(q("Coding"))),
            note_refs=note_refs(element), where=where(element),
        )
