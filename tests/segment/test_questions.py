"""An excerpt's question is the interviewer's last real question, not a backchannel."""

from __future__ import annotations

import pytest

from pipeline.segment import segment_transcript
from pipeline.segment.questions import is_real_question, question_before
from tests.factories import make_transcript


@pytest.mark.parametrize("text", [
    "mh mh mh mh mh", "mh", "Mhm.", "sì sì sì", "sì, certo, vero", "okay okay right", "Yes, yeah, okay.",
    "igen igen aha", "Ja, ja, ja.", "ναι ναι ναι", "Ναι, εντάξει, σωστά.", "ja precies klopt", "e poi?",
    "and then?", "Értem.", "", None,
])
def test_backchannels_and_short_prompts_are_not_questions(text):
    assert not is_real_question(text)


@pytest.mark.parametrize("text", [
    "Could you tell me about your role?", "e i tuoi genitori erano originari di",
    "Mit gondol a helyi önkormányzatról?", "Εμπιστεύεστε άλλους γονείς;", "Hoe regelt u de opvang?",
    "mh mh e sei venuta qui a torino", "okay, and the funding?",
])
def test_interviewer_turns_of_three_words_with_content_are_questions(text):
    assert is_real_question(text)


@pytest.mark.parametrize("lang,question,backchannel", [
    ("it", "Si fida degli altri genitori?", "sì sì"),
    ("hu", "Megbízik a többi szülőben?", "igen, igen, aha"),
    ("el", "Εμπιστεύεστε άλλους γονείς να προσέχουν τα παιδιά σας;", "ναι ναι"),
    ("nl", "Vertrouwt u de andere ouders?", "ja ja precies"),
    ("en", "Do you trust the other parents?", "mhm okay"),
])
def test_excerpts_and_segment_units_skip_backchannels_for_the_question(lang, question, backchannel):
    from pipeline.quality.units import segment_units
    from pipeline.quality.gold import Gold, GoldSpan

    t = make_transcript("T", [
        ("I", "interviewer", question),
        ("R", "respondent", "Abbastanza, perché li conosco da anni e ci aiutiamo sempre."),
        ("I", "interviewer", backchannel),
        ("R", "respondent", "Ma con quelli nuovi è diverso, non li conosco ancora bene."),
    ], lang=lang)
    excerpts = segment_transcript(t)
    assert [e.question for e in excerpts] == [question, question]
    last = t.turns[3]
    span = GoldSpan("T", last.start, last.end, frozenset({"trust"}), last.text, "test", True, None)
    [unit] = segment_units(Gold("test", (span,), (), 1), [t])
    assert unit.question == question == question_before(t.turns, last.start)
    # the turn index, speaker and language are still those of the turn the unit is in
    assert (unit.turn_index, unit.speaker, unit.language) == (3, "R", lang)


def test_no_question_before_the_first_real_one():
    t = make_transcript("T", [("I", "interviewer", "mh mh"),
                              ("R", "respondent", "Abbiamo iniziato nel duemila, con due bambini.")])
    assert [e.question for e in segment_transcript(t)] == [None]


def test_real_italian_interview_never_shows_a_backchannel_as_the_question(shared_data, tmp_path):
    """ParlaTO PTD001: the interviewer often answers with "mh mh"; those turns used to be the
    question shown with the next passage."""
    import shutil

    from pipeline.ingest import ingest_corpus

    source = shared_data / "parlato_it" / "PTD001.txt"
    if not source.is_file():
        pytest.skip(f"{source.name} not present")
    shutil.copy(source, tmp_path / source.name)
    transcript = ingest_corpus(tmp_path, languages=("it",)).transcripts[0]
    excerpts = segment_transcript(transcript)
    assert excerpts and all(e.question is None or is_real_question(e.question) for e in excerpts)
    turns = transcript.turns
    by_index = {t.index: i for i, t in enumerate(turns)}
    # passages that follow a backchannel turn such as "mh mh" carry an earlier, real question
    after_backchannel = [e for e in excerpts if by_index[e.turn_index] > 0
                         and turns[by_index[e.turn_index] - 1].role == "interviewer"
                         and not is_real_question(turns[by_index[e.turn_index] - 1].text)]
    assert after_backchannel
    assert all(e.question and len(e.question.split()) >= 3 for e in after_backchannel)
    shown = {turns[by_index[e.turn_index] - 1].text for e in after_backchannel}
    assert any(set(s.split()) == {"mh"} for s in shown)
