"""Files that are not good REFI-QDA projects: each raises ``InvalidInput`` naming the element
and the reason, and the store is left exactly as it was (one transaction for the import)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.exchange import export_qdpx, import_qdpx
from pipeline.store.db import Store
from tests.exchange.study import build_study, load_transcripts, rewrite_qdpx, row_counts


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    study = build_study(f"sqlite:///{folder / 'study.db'}")
    export_qdpx(study.store, "r1", folder / "good.qdpx")
    return study, folder / "good.qdpx"


def _sub(pattern: str, replacement: str, count: int = 1):
    def edit(qde: bytes) -> bytes:
        text, n = re.subn(pattern, replacement, qde.decode("utf-8"), count=count, flags=re.S)
        assert n, pattern  # the edit must hit, or the case tests nothing
        return text.encode("utf-8")
    return edit


def _first_selection_end_beyond(qde: bytes) -> bytes:
    text = qde.decode("utf-8")
    m = re.search(r'endPosition="(\d+)"', text)
    return (text[: m.start(1)] + "999999" + text[m.end(1):]).encode("utf-8")


EDITS = {
    # (edit of project.qde, expected words in the message, expected words in `where`)
    "not XML": (lambda qde: b"<Project><Users>", "not well-formed XML", "project.qde, line 1"),
    "not a project": (lambda qde: b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>',
                      "not a REFI-QDA project", "CodeBook"),
    "wrong namespace": (_sub(r'xmlns="urn:QDA-XML:project:1.0"', 'xmlns="urn:example"'), "namespace", "Project"),
    "position not a number": (_sub(r'startPosition="\d+"', 'startPosition="12a"'), "whole number",
                              "PlainTextSelection"),
    "position missing": (_sub(r' startPosition="\d+"', ""), "whole number", "PlainTextSelection"),
    "reversed span": (_sub(r'startPosition="\d+"', 'startPosition="99998"'), "do not make a span",
                      "PlainTextSelection"),
    "selection outside its source": (_first_selection_end_beyond, "outside its source", "PlainTextSelection"),
    "CodeRef to no code": (_sub(r'<CodeRef targetGUID="[^"]+"', '<CodeRef targetGUID="00000000-0000-4000-8000-0000000000AA"'),
                           "refers to no Code", "CodeRef in Coding"),
    "NoteRef to no note": (_sub(r'<NoteRef targetGUID="[^"]+"', '<NoteRef targetGUID="00000000-0000-4000-8000-0000000000BB"'),
                           "refers to no Note", "NoteRef in PlainTextSelection"),
    "VariableRef to no variable": (_sub(r'<VariableRef targetGUID="[^"]+"', '<VariableRef targetGUID="00000000-0000-4000-8000-0000000000CC"'),
                                   "refers to no Variable", "VariableRef in Case"),
    "SourceRef to no source": (_sub(r'<SourceRef targetGUID="[^"]+"', '<SourceRef targetGUID="00000000-0000-4000-8000-0000000000DD"'),
                               "refers to no source", "SourceRef in Case"),
    "bad guid": (_sub(r'<Coding guid="[^"]+"', '<Coding guid="not-a-guid"'), "needs a guid", "Coding"),
    "duplicate guid": (_sub(r'(<Code guid="([^"]+)" name="funding_calls".*?<Code guid=")[^"]+"', r'\1\2"'),
                       "share this guid", "Code"),
    "code without a name": (_sub(r'name="housing" ', ""), "needs a name", "Code"),
    "coding without CodeRef": (_sub(r'<CodeRef targetGUID="[^"]+"/>', ""), "without a CodeRef", "Coding"),
}


@pytest.mark.parametrize("case", sorted(EDITS))
def test_a_broken_project_names_the_element_and_writes_nothing(exported, tmp_path, case):
    study, good = exported
    edit, why, where = EDITS[case]
    bad = rewrite_qdpx(good, tmp_path / "bad.qdpx", edit)
    before = row_counts(study.store)
    with pytest.raises(InvalidInput) as caught:
        import_qdpx(study.store, bad, coder="carol")
    assert why in caught.value.why, caught.value
    assert where in (caught.value.where or ""), caught.value
    assert caught.value.path == "bad.qdpx"
    assert row_counts(study.store) == before


def _truncated(good: Path, out: Path) -> Path:
    data = good.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def _damaged_member(good: Path, out: Path) -> Path:
    """A zip whose directory is fine but whose project.qde bytes are corrupted (bad CRC)."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("project.qde")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 20, start + 60):
        data[i] ^= 0xFF
    out.write_bytes(bytes(data))
    return out


ARCHIVES = {
    "truncated zip": (_truncated, "not a REFI-QDA project: a .qdpx is a zip archive", None),
    "damaged member": (_damaged_member, "", "project.qde"),
    "not a zip at all": (lambda good, out: (out.write_text("hello", encoding="utf-8"), out)[1], "zip archive", None),
    "empty file": (lambda good, out: (out.write_bytes(b""), out)[1], "zip archive", None),
    "no project.qde": (lambda good, out: rewrite_qdpx(good, out, drop=("project.qde",)), "no project.qde",
                       "project.qde"),
    "source file missing": (
        lambda good, out: rewrite_qdpx(good, out, drop=tuple(n for n in zipfile.ZipFile(good).namelist()
                                                           if n.startswith("sources/"))[:1]),
        "the archive has no sources/", "TextSource"),
}


@pytest.mark.parametrize("case", sorted(ARCHIVES))
def test_a_broken_archive_is_invalid_input_and_writes_nothing(exported, tmp_path, case):
    study, good = exported
    make, why, where = ARCHIVES[case]
    bad = make(good, tmp_path / "bad.qdpx")
    before = row_counts(study.store)
    with pytest.raises(InvalidInput) as caught:
        import_qdpx(study.store, bad, coder="carol")
    assert why in caught.value.why, caught.value
    if where:
        assert where in (caught.value.where or ""), caught.value
    assert row_counts(study.store) == before


def test_source_not_utf8_is_invalid_input(exported, tmp_path):
    study, good = exported
    bad = tmp_path / "bad.qdpx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.startswith("sources/") and "KO" not in name:
                data = data.decode("utf-8").encode("utf-16")
            zout.writestr(name, data)
    before = row_counts(study.store)
    with pytest.raises(InvalidInput, match="not UTF-8 text") as caught:
        import_qdpx(study.store, bad, coder="carol")
    assert caught.value.where.startswith("TextSource ")
    assert row_counts(study.store) == before


def test_schema_validation_on_request_names_line_and_element(exported, tmp_path, xsd):
    study, good = exported
    # well-formed and readable, but the schema wants <Users> before <CodeBook>
    bad = rewrite_qdpx(good, tmp_path / "bad.qdpx",
                       _sub(r"(<Users>.*?</Users>)\s*(<CodeBook>.*?</CodeBook>)", r"\2\1"))
    before = row_counts(study.store)
    with pytest.raises(InvalidInput, match="breaks the REFI-QDA schema") as caught:
        import_qdpx(study.store, bad, coder="carol", xsd_path=xsd)
    assert re.match(r"line \d+, Users", caught.value.where)
    assert row_counts(study.store) == before
    import_qdpx(study.store, bad, coder="carol")  # without the schema the order does not matter to us


def test_a_failure_while_writing_rolls_everything_back(exported, tmp_path, monkeypatch):
    """Decisions, users and memos are added before the audit entry; a failure there keeps none."""
    from pipeline.store import models as m

    _, good = exported
    fresh = Store(f"sqlite:///{tmp_path / 'other.db'}")
    load_transcripts(fresh)
    before = row_counts(fresh)

    class Boom(RuntimeError):
        pass

    def explode(*args, **kwargs):
        raise Boom()

    monkeypatch.setattr(m, "AuditEntry", explode)
    with pytest.raises(Boom):
        import_qdpx(fresh, good, coder="someone_new", keep_users=True)
    assert row_counts(fresh) == before
    monkeypatch.undo()
    assert import_qdpx(fresh, good, coder="someone_new", keep_users=True).decisions == 6  # unbroken, it writes


def test_the_coder_must_be_named(exported):
    study, good = exported
    with pytest.raises(InvalidInput, match="--coder"):
        import_qdpx(study.store, good, coder="  ")
