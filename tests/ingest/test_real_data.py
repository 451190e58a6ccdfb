"""The real third-party transcripts (skipped where the data is absent)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from pipeline.ingest import ingest_corpus, ingest_file
from pipeline.records import InterviewMeta, Transcript

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def serdif(shared_data: Path) -> list[Transcript]:
    result = ingest_corpus(shared_data / "serdif_dev" / "transcripts")
    assert result.quarantined == []
    return result.transcripts


def test_all_five_think_aloud_transcripts(serdif: list[Transcript]) -> None:
    assert len(serdif) == 5
    for transcript in serdif:
        roles = Counter(turn.role for turn in transcript.turns)
        assert roles["respondent"] > 20, transcript.id
        assert 35 <= roles["interviewer"] <= 80, transcript.id
        assert transcript.language == "en"
        prompts = [t.text for t in transcript.turns if t.role == "interviewer" and t.speaker == "Interviewer"]
        assert prompts[0].startswith("1 ") and any(p.startswith("1.a Was the information") for p in prompts)
        assert any(t.speaker == "MODERATOR" and t.role == "interviewer" for t in transcript.turns), transcript.id
        for turn in transcript.turns:
            assert transcript.text[turn.start:turn.end] == turn.text


def test_no_speech_is_taken_for_a_prompt(serdif: list[Transcript]) -> None:
    # Every numbered prompt of the task sheet is the same in all five sessions.
    prompts = [{t.text.split()[0] for t in tr.turns if t.role == "interviewer" and t.speaker == "Interviewer"}
               for tr in serdif]
    assert all(p == prompts[0] for p in prompts) and len(prompts[0]) == 41


def test_parlato_italian_interview(shared_data: Path) -> None:
    path = shared_data / "parlato_it" / "PTD001.txt"
    transcript = ingest_file(path, InterviewMeta(interview_id="PTD001", file=path.name, names=("margherita arancioni",)))
    speakers = Counter((t.speaker, t.role) for t in transcript.turns if t.role != "other")
    assert set(speakers) == {("TOR004", "interviewer"), ("TOI020", "respondent")}
    assert transcript.language == "it"
    assert Counter(t.lang for t in transcript.turns).most_common(1)[0] == ("it", len(transcript.turns))
    assert "margherita arancioni" not in transcript.text and "TOI020: [PERSON-1]\n" in transcript.text
    for turn in transcript.turns:
        assert transcript.text[turn.start:turn.end] == turn.text
