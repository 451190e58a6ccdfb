"""Ingesting a corpus folder: manifest or not, quarantine, ids, guide, pseudonym key."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipeline.errors import InvalidInput
from pipeline.ingest import PseudonymKey, file_sha256, ingest_corpus, ingest_file

from .files import write_docx

IT = "Intervistatrice: Come si chiama, e perché è qui?\nGenitore: Mi chiamo Maria Rossi e lavoro a Torino da molti anni.\n"
NL = "Interviewer: Hoe gaat het?\nOuder: Goed, de opvang is dichtbij en de leidsters zijn heel vriendelijk.\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "torino 1.txt").write_text(IT, encoding="cp1252")
    (corpus / "Torino_1.TXT").write_text(NL, encoding="utf-8")  # same slug as the first
    write_docx(corpus / "utrecht.docx", NL.splitlines())
    (corpus / "empty.vtt").write_bytes(b"")
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")
    (corpus / "notes.rtf").write_bytes(b"{\\rtf1 notes}")
    for skipped in ("gold.csv", "gold_v2.csv", "README.txt", "codebook.md", "interview_guide.yaml", "other.yml",
                    ".hidden.txt", "~$utrecht.docx"):
        (corpus / skipped).write_text("sections: [{id: a, questions: {en: [q]}}]\n", encoding="utf-8")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "deeper.txt").write_text(IT, encoding="utf-8")
    return corpus


def test_folder_without_manifest(folder: Path) -> None:
    seen: list[tuple[int, int, str]] = []
    result = ingest_corpus(folder, progress=lambda done, total, name: seen.append((done, total, name)))
    assert result.manifest_path is None
    assert result.guide is not None and result.guide.sections == ("a",)
    assert [t.id for t in result.transcripts] == ["torino-1", "torino-1-2", "utrecht"]
    assert [t.meta.file for t in result.transcripts] == ["Torino_1.TXT", "torino 1.txt", "utrecht.docx"]
    assert [t.encoding for t in result.transcripts] == ["utf-8", "cp1252", None]
    assert "perché è qui?" in result.transcripts[1].text
    assert "Maria Rossi" in result.transcripts[1].text  # no manifest, so no names to pseudonymise
    assert [(q.file, q.reason) for q in result.quarantined] == [
        ("empty.vtt", "empty file"),
        ("notes.pdf", "not a readable PDF (damaged or truncated: No /Root object! - Is this really a PDF?)"),
        ("notes.rtf", "unsupported format .rtf (supported: .csv, .docx, .odt, .pdf, .srt, .txt, .vtt)"),
    ]
    assert [s[:2] for s in seen] == [(i, 6) for i in range(1, 7)]
    for transcript in result.transcripts:
        for turn in transcript.turns:
            assert transcript.text[turn.start:turn.end] == turn.text


def test_folder_with_manifest(folder: Path) -> None:
    (folder / "manifest.csv").write_text(
        "interview_id,file,city,language,names,interviewer\n"
        "IT-1,torino 1.txt,Torino,it,Maria Rossi,\n"
        "NL-1,utrecht.docx,Utrecht,nl,,Interviewer\n"
        "NL-2,missing.odt,Utrecht,nl,,\n"
        "X-1,notes.pdf,,,,\n",
        encoding="utf-8",
    )
    key = PseudonymKey()
    result = ingest_corpus(folder, key=key)
    assert result.manifest_path == folder / "manifest.csv"
    assert result.key is key
    by_id = {t.id: t for t in result.transcripts}
    assert sorted(by_id) == ["IT-1", "NL-1"]
    assert "Mi chiamo [PERSON-1] e lavoro a Torino" in by_id["IT-1"].text
    assert by_id["IT-1"].meta.city == "Torino" and by_id["IT-1"].language == "it"
    assert ("PERSON", "Maria Rossi", "[PERSON-1]") in key.entries()
    assert [(q.file, q.reason) for q in result.quarantined] == [
        ("missing.odt", "manifest row 4: file missing.odt not found"),
        ("Torino_1.TXT", "not listed in manifest.csv"),
        ("empty.vtt", "not listed in manifest.csv"),
        ("notes.rtf", "not listed in manifest.csv"),
        ("notes.pdf", "not a readable PDF (damaged or truncated: No /Root object! - Is this really a PDF?)"),
    ]


def test_pseudonyms_stable_across_runs(folder: Path) -> None:
    (folder / "manifest.csv").write_text("interview_id,file,names\nIT-1,torino 1.txt,Maria Rossi\n", encoding="utf-8")
    first = ingest_corpus(folder)
    again = ingest_corpus(folder, key=PseudonymKey.from_entries(first.key.entries()))
    assert first.transcripts[0].text == again.transcripts[0].text
    assert first.key.entries() == again.key.entries()


def test_bad_manifest_stops_the_run(folder: Path) -> None:
    (folder / "manifest.csv").write_text("interview_id,file,date\nIT-1,torino 1.txt,yesterday\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not an ISO date") as info:
        ingest_corpus(folder)
    assert info.value.where == "row 2, field 'date'"


def test_bad_guide_stops_the_run(folder: Path) -> None:
    (folder / "interview_guide.yaml").write_text("sections: [{id: a}]\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="questions"):
        ingest_corpus(folder)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not a folder"):
        ingest_corpus(tmp_path / "nope")


def test_ingest_file_and_sha256(folder: Path) -> None:
    path = folder / "utrecht.docx"
    transcript = ingest_file(path)
    assert transcript.id == "utrecht" and transcript.format == "docx"
    assert transcript.source_sha256 == file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(InvalidInput, match=r"unsupported format \.rtf"):
        ingest_file(folder / "notes.rtf")


def test_a_name_listed_for_one_interview_is_masked_in_every_interview(tmp_path):
    (tmp_path / "a.txt").write_text("Interviewer: Who runs it?\n\nRespondent: Marta Kovács runs the group.\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("Interviewer: Who helps?\n\nRespondent: I think Marta Kovács helps a lot.\n", encoding="utf-8")
    (tmp_path / "manifest.csv").write_text(
        "interview_id,file,city,country,role,date,language,names\n"
        "A,a.txt,Budapest,Hungary,parent,2018-06-01,en,Marta Kovács\n"
        "B,b.txt,Budapest,Hungary,parent,2018-06-02,en,\n", encoding="utf-8")
    result = ingest_corpus(tmp_path, languages=("en", "hu"))
    assert not result.quarantined
    for transcript in result.transcripts:
        assert "Marta" not in transcript.text and "Kovács" not in transcript.text
    pseudonyms = {t.id: t.text for t in result.transcripts}
    assert "[PERSON-1]" in pseudonyms["A"] and "[PERSON-1]" in pseudonyms["B"]
