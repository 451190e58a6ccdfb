"""One contract every registered reader must keep, run on a sample of its own format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import pipeline.ingest  # noqa: F401  (registers the readers)
from pipeline.errors import InvalidInput
from pipeline.ingest.base import Reader, reader_for, registered_readers
from pipeline.records import RawTranscript

from .files import odt_paragraphs, write_docx, write_odt

LINES = [
    "Interviewer: Πώς λειτουργεί ο παιδικός σταθμός στη γειτονιά σας;",
    "Anna: Szerintem működik, de ő nem ért egyet 😀 és <script>alert(1)</script> így van.",
    "Interviewer: Perché?",
    "Anna: Één ding: het café & de crèche.",
]
SCRIPT = "<script>alert(1)</script>"


def _sample(suffix: str, folder: Path) -> Path:
    path = folder / f"sample{suffix}"
    if suffix == ".txt":
        path.write_text("\n".join(LINES), encoding="utf-8")
    elif suffix == ".docx":
        write_docx(path, LINES)
    elif suffix == ".odt":
        write_odt(path, odt_paragraphs(LINES))
    elif suffix == ".vtt":
        cues = "\n\n".join(f"00:00:0{i}.000 --> 00:00:0{i}.900\n{line}" for i, line in enumerate(LINES))
        # WebVTT escapes "<" and "&" as character references
        path.write_text("WEBVTT\n\n" + cues.replace("&", "&amp;").replace("<script>", "&lt;script&gt;")
                        .replace("</script>", "&lt;/script&gt;"), encoding="utf-8")
    elif suffix == ".srt":
        cues = "\n\n".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},900\n{line}" for i, line in enumerate(LINES))
        path.write_text(cues, encoding="utf-8")
    elif suffix == ".csv":
        rows = ["speaker,text"] + ['{},"{}"'.format(*line.split(": ", 1)) for line in LINES]
        path.write_text("\n".join(rows), encoding="utf-8")
    else:  # a reader added without a sample here should fail loudly, not be skipped
        raise AssertionError(f"no contract sample for {suffix}")
    return path


SUFFIXES = sorted(registered_readers())
SPEECH = [s for s in SUFFIXES if s != ".pdf"]  # a PDF is a document: paragraphs, no speakers (test_pdf.py)


def test_the_expected_formats_are_registered() -> None:
    assert SUFFIXES == [".csv", ".docx", ".odt", ".pdf", ".srt", ".txt", ".vtt"]
    for suffix, reader in registered_readers().items():
        assert isinstance(reader, Reader)
        assert suffix in reader.suffixes and suffix == suffix.lower()


def test_reader_for_ignores_case() -> None:
    assert reader_for(Path("A.DOCX")) is registered_readers()[".docx"]
    assert reader_for(Path("B.PDF")) is registered_readers()[".pdf"]
    assert reader_for(Path("a.sav")) is None


@pytest.mark.parametrize("suffix", SPEECH)
def test_reads_speakers_and_text_literally(suffix: str, tmp_path: Path) -> None:
    reader = registered_readers()[suffix]
    raw = reader.read(_sample(suffix, tmp_path))
    assert isinstance(raw, RawTranscript)
    assert raw.format == reader.format and raw.path.endswith(f"sample{suffix}")
    assert [t.speaker for t in raw.turns] == ["Interviewer", "Anna", "Interviewer", "Anna"]
    texts = [" ".join(t.text.split()) for t in raw.turns]
    assert texts == [line.split(": ", 1)[1] for line in LINES]
    assert SCRIPT in texts[1] and "😀" in texts[1] and "ő" in texts[1]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (bytes(range(256)) * 16, "binary|not a|corrupt|zip")],
    ids=["empty", "garbage"],
)
def test_rejects_bad_files(suffix: str, content: bytes, reason: str, write: Callable[..., Path]) -> None:
    path = write(f"bad{suffix}", content)
    with pytest.raises(InvalidInput, match=reason) as info:
        registered_readers()[suffix].read(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_rejects_truncated_archives(suffix: str, keep: float, tmp_path: Path) -> None:
    good = _sample(suffix, tmp_path)
    data = good.read_bytes()
    bad = tmp_path / f"truncated{suffix}"
    bad.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(InvalidInput, match="corrupt|truncated|not a") as info:
        registered_readers()[suffix].read(bad)
    assert info.value.path == str(bad)


@pytest.mark.parametrize("suffix", [".txt", ".vtt", ".srt", ".csv"])
def test_text_formats_record_their_encoding(suffix: str, tmp_path: Path) -> None:
    path = _sample(suffix, tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    raw = registered_readers()[suffix].read(path)
    assert raw.encoding == "utf-8-sig"
    assert raw.turns[0].speaker == "Interviewer"  # the BOM is not part of the first label
