"""Projects written by other programs: the real ATLAS.ti 23 exports, and a hand-made project
in the shape NVivo and MAXQDA write (their own GUIDs and users, Windows line ends,
decomposed accents, notes on sources, codes and the project, a PDF, unknown codes)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline.codebook import codebook_from_dict
from pipeline.exchange import import_qdpx, read_project, validate_project
from pipeline.exchange.sources import normalise_source
from pipeline.store import models as m
from pipeline.store.db import Store
from tests.exchange.study import TRANSCRIPTS, load_transcripts, make_qdpx, row_counts

BO = TRANSCRIPTS[0]
CAROL = "5C94BC9E-DB8C-4F1D-9CD6-E900C7440860"


# -- line ends and normalisation -----------------------------------------------------------------


@pytest.mark.parametrize("raw", ["perché\r\nsì", "perche\u0301\nsi\u0300", "a\rb\r\nc\u0301d", "plain"])
def test_source_text_is_normalised_and_every_position_carried_over(raw):
    text, where = normalise_source(raw)
    assert text == unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    if raw == text:
        assert where is None
        return
    assert len(where) == len(raw) + 1 and where[0] == 0 and where[-1] == len(text)
    assert where == sorted(where)
    # a character that is neither a line end nor part of a combining sequence keeps its text
    for i, ch in enumerate(raw):
        if ch.isascii() and ch.isalpha() and not unicodedata.combining(raw[i + 1 : i + 2] or " "):
            assert text[where[i]] == ch


# -- a project from another program ---------------------------------------------------------------


def foreign_project(tmp_path: Path) -> tuple[Path, dict]:
    """BO-01 as NVivo would hand it back: CRLF, decomposed accents, its own users and GUIDs."""
    raw = unicodedata.normalize("NFD", BO.text).replace("\n", "\r\n")
    text, where = normalise_source(raw)
    assert text == BO.text and where is not None
    back = {v: i for i, v in reversed(list(enumerate(where)))}  # transcript position -> raw position

    def pos(start: int, end: int) -> str:
        return f'startPosition="{back[start]}" endPosition="{back[end]}"'

    from pipeline.segment import segment_transcript

    bo0 = segment_transcript(BO)[0]
    question = BO.turns[0]
    part_end = BO.text.index(" La rendicontazione")
    spans = {"excerpt": (bo0.start, bo0.end), "part": (bo0.start, part_end), "question": (question.start, question.end)}
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Study (NVivo)" origin="NVivo 14">
  <Users><User guid="{CAROL}" name="Carol Smith"/></Users>
  <CodeBook><Codes>
    <Code guid="A0000000-0000-4000-8000-000000000001" name="funding_calls" isCodable="true"/>
    <Code guid="A0000000-0000-4000-8000-000000000002" name="trust" isCodable="true" color="#ABC">
      <NoteRef targetGUID="B0000000-0000-4000-8000-000000000003"/>
      <Code guid="A0000000-0000-4000-8000-000000000003" name="peers" isCodable="true">
        <Description>Parents who trust each other</Description>
      </Code>
    </Code>
  </Codes></CodeBook>
  <Variables><Variable guid="D0000000-0000-4000-8000-000000000001" name="Age group" typeOfVariable="Text"/></Variables>
  <Cases><Case guid="D0000000-0000-4000-8000-000000000002" name="Parent 1">
    <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000001"/><TextValue>30-39</TextValue></VariableValue>
    <SourceRef targetGUID="C0000000-0000-4000-8000-000000000001"/>
  </Case></Cases>
  <Sources>
    <TextSource guid="C0000000-0000-4000-8000-000000000001" name="Interview Bologna 1" plainTextPath="internal://C0000000-0000-4000-8000-000000000001.txt" creatingUser="{CAROL}">
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000001" {pos(*spans["excerpt"])} creatingUser="{CAROL}">
        <Description>Good quote for the report</Description>
        <Coding guid="E1000000-0000-4000-8000-000000000001" creatingUser="{CAROL}"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000002" {pos(*spans["part"])}>
        <Coding guid="E1000000-0000-4000-8000-000000000002"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000002"/></Coding>
        <Coding guid="E1000000-0000-4000-8000-000000000003"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000003"/></Coding>
        <NoteRef targetGUID="B0000000-0000-4000-8000-000000000001"/>
      </PlainTextSelection>
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000003" {pos(*spans["question"])} creatingUser="{CAROL}">
        <Coding guid="E1000000-0000-4000-8000-000000000004" creatingUser="{CAROL}"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000001"/></Coding>
      </PlainTextSelection>
      <NoteRef targetGUID="B0000000-0000-4000-8000-000000000002"/>
      <VariableValue><VariableRef targetGUID="D0000000-0000-4000-8000-000000000001"/><TextValue>30-39</TextValue></VariableValue>
    </TextSource>
    <TextSource guid="C0000000-0000-4000-8000-000000000002" name="Someone else's interview" plainTextPath="internal://other.txt">
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000004" startPosition="0" endPosition="5">
        <Coding guid="E1000000-0000-4000-8000-000000000005"><CodeRef targetGUID="A0000000-0000-4000-8000-000000000001"/></Coding>
        <NoteRef targetGUID="B0000000-0000-4000-8000-000000000004"/>
      </PlainTextSelection>
    </TextSource>
    <PDFSource guid="C0000000-0000-4000-8000-000000000003" name="Leaflet.pdf" path="internal://leaflet.pdf"/>
    <TextSource guid="C0000000-0000-4000-8000-000000000004" name="Notes.docx" richTextPath="internal://notes.docx"/>
  </Sources>
  <Notes>
    <Note guid="B0000000-0000-4000-8000-000000000001" name="on the selection" creatingUser="{CAROL}"><PlainTextContent>Only the first sentence is about trust.</PlainTextContent></Note>
    <Note guid="B0000000-0000-4000-8000-000000000002" name="on the source" creatingUser="{CAROL}"><PlainTextContent>Recorded at the association.</PlainTextContent></Note>
    <Note guid="B0000000-0000-4000-8000-000000000003" name="on a code"><PlainTextContent>Rename to peer trust?</PlainTextContent></Note>
    <Note guid="B0000000-0000-4000-8000-000000000004" name="unmatched"><PlainTextContent>Elsewhere.</PlainTextContent></Note>
    <Note guid="B0000000-0000-4000-8000-000000000005" name="project memo" creatingUser="{CAROL}"><PlainTextContent>Coding round 2.</PlainTextContent></Note>
  </Notes>
  <NoteRef targetGUID="B0000000-0000-4000-8000-000000000005"/>
</Project>
"""
    path = make_qdpx(tmp_path / "nvivo.qdpx", qde, {
        "C0000000-0000-4000-8000-000000000001.txt": raw,
        "other.txt": "Hello, this interview is not in the store.",
    })
    return path, {"bo0": bo0, **spans}


@pytest.fixture
def store_with_transcripts(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    load_transcripts(store)
    return store


def test_a_foreign_project_is_valid_refi_qda(tmp_path, xsd):
    path, _ = foreign_project(tmp_path)
    import zipfile

    validate_project(zipfile.ZipFile(path).read("project.qde"), xsd)


def test_foreign_codings_are_placed_on_excerpts_and_recorded_for_the_coder(store_with_transcripts, tmp_path):
    store = store_with_transcripts
    path, spans = foreign_project(tmp_path)
    report = import_qdpx(store, path, coder="carol")
    bo0 = spans["bo0"]
    assert report.sources_matched == {"Interview Bologna 1": "BO-01"}
    assert dict(report.sources_unmatched) == {
        "Someone else's interview": "no stored transcript has this text",
        "Leaflet.pdf": "only plain-text sources can hold transcripts",
        "Notes.docx": "the archive carries only its rich text (richTextPath), not its plain text",
    }
    assert report.unknown_codes == ("trust/peers",) and report.codings_dropped == 1 and report.codes_added == ()
    assert report.placements == {"excerpt": 1, "overlap": 1, "nearest": 1}
    with store.session() as s:
        people = {u.id: u.username for u in s.scalars(select(m.User))}
        rows = {(people[d.user_id], d.excerpt_id, d.start, d.end, tuple(d.codes), d.source)
                for d in s.scalars(select(m.Decision))}
        memos = {(people[mm.user_id], mm.excerpt_id, mm.transcript_id, mm.text) for mm in s.scalars(select(m.Memo))}
    part, question = spans["part"], spans["question"]
    assert rows == {
        ("carol", bo0.id, None, None, ("funding_calls",), "qdpx"),
        ("carol", bo0.id, part[0], part[1], ("trust",), "qdpx"),  # trust/peers unknown: dropped
        ("carol", bo0.id, question[0], question[1], ("funding_calls",), "qdpx"),  # nearest excerpt
    }
    assert BO.text[part[0]:part[1]] == "Partecipare ai bandi pubblici è difficile per una piccola associazione."
    assert BO.text[question[0]:question[1]] == "Quali difficoltà avete incontrato con i bandi?"
    assert memos == {
        ("carol", bo0.id, "BO-01", "Good quote for the report"),
        ("carol", bo0.id, "BO-01", "Only the first sentence is about trust."),
        ("carol", None, "BO-01", "Recorded at the association."),
        ("carol", None, None, "Coding round 2."),
    }
    assert dict(report.notes_skipped) == {"note on a code": "notes on codes have no place in the store",
                                          "note unmatched": "its source \"Someone else's interview\" was not matched"}
    assert report.cases == {"Parent 1": {"Age group": "30-39"}, "Interview Bologna 1": {"Age group": "30-39"}}
    assert report.case_transcripts == {"Parent 1": ("BO-01",), "Interview Bologna 1": ("BO-01",)}


def test_keep_users_and_missing_codes(store_with_transcripts, tmp_path):
    store = store_with_transcripts
    path, spans = foreign_project(tmp_path)
    report = import_qdpx(store, path, coder="carol", keep_users=True, add_missing_codes=True)
    assert report.codes_added == ("trust/peers",) and report.codings_dropped == 0
    with store.session() as s:
        people = {u.username: u for u in s.scalars(select(m.User))}
        name_of = {u.id: name for name, u in people.items()}
        code = s.scalars(select(m.CodeRow).where(m.CodeRow.name == "trust/peers")).one()
        by = {(name_of[d.user_id], tuple(d.codes)) for d in s.scalars(select(m.Decision))}
    assert people["Carol Smith"].role == "external" and people["carol"].role == "coder"
    assert (code.parent, code.label, code.description, code.origin) == ("trust", "peers",
                                                                         "Parents who trust each other", "imported")
    # codings without a creator still go to the coder
    assert by == {("Carol Smith", ("funding_calls",)), ("carol", ("trust", "trust/peers"))}


# -- the ATLAS.ti 23 samples -------------------------------------------------------------------


def test_atlas_samples_are_valid_and_read(atlas, xsd):
    import zipfile

    for name in ("blank-atlas-project.qdpx", "target-atlas-project.qdpx"):
        validate_project(zipfile.ZipFile(atlas / name).read("project.qde"), xsd)
    project = read_project(atlas / "target-atlas-project.qdpx")
    assert project.origin.startswith("ATLAS.ti") and project.sources == () and project.notes == ()
    assert [u.name for u in project.users] == ["Enric Llagostera", "ATLAS.ti"]
    assert [(c.path, c.parent) for c in project.codes] == [
        ("Commits", None),
        ("Commits/2022-05-10T02:05:59Z 19e4dce", "Commits"),
        ("Commits/2022-02-11T10:39:25Z cdbfd92", "Commits"),
    ]


def test_atlas_blank_project_imports_users_only(atlas, store_with_transcripts):
    store = store_with_transcripts
    before = row_counts(store)
    report = import_qdpx(store, atlas / "blank-atlas-project.qdpx", coder="carol")
    assert report.users == ("Enric Llagostera", "ATLAS.ti") and report.users_created == ("carol",)
    assert report.codes == () and report.sources_matched == {} and report.sources_unmatched == ()
    assert report.decisions == report.memos == 0
    after = row_counts(store)
    assert {k: after[k] - before[k] for k in after if after[k] != before[k]} == {"users": 1, "audit_log": 1}


def test_atlas_code_tree_is_reported_and_added_on_request(atlas, store_with_transcripts):
    store = store_with_transcripts
    report = import_qdpx(store, atlas / "target-atlas-project.qdpx", coder="carol")
    assert report.unknown_codes == ("Commits", "Commits/2022-05-10T02:05:59Z 19e4dce",
                                    "Commits/2022-02-11T10:39:25Z cdbfd92")
    assert report.codes_added == ()
    with store.session() as s:
        assert not s.scalars(select(m.CodeRow).where(m.CodeRow.origin == "imported")).all()
    report = import_qdpx(store, atlas / "target-atlas-project.qdpx", coder="carol", add_missing_codes=True)
    assert report.codes_added == report.unknown_codes and report.codebook_id == "coproduction_barriers@2.0"
    with store.session() as s:
        added = s.scalars(select(m.CodeRow).where(m.CodeRow.origin == "imported").order_by(m.CodeRow.name)).all()
    assert [(c.name, c.label, c.parent) for c in added] == [
        ("Commits", "Commits", None),
        ("Commits/2022-02-11T10:39:25Z cdbfd92", "2022-02-11T10:39:25Z cdbfd92", "Commits"),
        ("Commits/2022-05-10T02:05:59Z 19e4dce", "2022-05-10T02:05:59Z 19e4dce", "Commits"),
    ]
    assert import_qdpx(store, atlas / "target-atlas-project.qdpx", coder="carol",
                       add_missing_codes=True).unknown_codes == ()


def test_atlas_codes_into_a_store_without_a_codebook(atlas, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    report = import_qdpx(store, atlas / "target-atlas-project.qdpx", coder="carol", add_missing_codes=True)
    assert report.run_id is None and report.codebook_id.startswith("target-atlas-project@qdpx-")
    with store.session() as s:
        row = s.get(m.CodebookRow, report.codebook_id)
        book = codebook_from_dict(row.content, "stored")
        assert [c.name for c in book.codes] == list(report.unknown_codes)
        assert len(s.scalars(select(m.CodeRow)).all()) == 3
