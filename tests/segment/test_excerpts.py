from __future__ import annotations

import pytest

from pipeline.config import SegmentConfig
from pipeline.records import GuideQuestion, InterviewGuide
from pipeline.segment import GuideLinker, segment_transcript
from pipeline.segment.sentences import split_sentences
from tests.factories import make_transcript

GUIDE = InterviewGuide(
    sections=("background", "trust"),
    titles={"background": "Background", "trust": "Trust and safety"},
    questions=(
        GuideQuestion("background", "en", "Could you tell me about your role and your organisation?"),
        GuideQuestion("trust", "en", "Do you trust other parents to look after your children?"),
        GuideQuestion("trust", "el", "Εμπιστεύεστε άλλους γονείς να προσέχουν τα παιδιά σας;"),
    ),
)


@pytest.mark.parametrize("lang,text,expected", [
    ("it", "Abbiamo provato. Non è stato facile! E voi?", 3),
    ("el", "Ποιος θα προσέχει τα παιδιά; Δεν ξέρω. Εμπιστεύομαι μόνο τη γιαγιά.", 3),
    ("hu", "Nehéz volt a pályázat. Az elszámolás is sok időt vett el.", 2),
    ("nl", "Dat is moeilijk. Echt waar.", 2),
])
def test_sentences_split_in_every_language_including_greek_question_marks(lang, text, expected):
    spans = split_sentences(text, lang)
    assert len(spans) == expected
    assert all(not text[s:e][0].isspace() and not text[s:e][-1].isspace() for s, e in spans)


def test_excerpts_never_cross_turns_and_carry_question_section_and_offsets():
    long_answer = " ".join(f"Questa è la frase numero {i} della risposta." for i in range(10))
    t = make_transcript("BO-01", [
        ("Intervistatrice", "interviewer", "Could you tell me about your role?"),
        ("Anna", "respondent", long_answer),
        ("Intervistatrice", "interviewer", "And do you trust the other parents with your children?"),
        ("Anna", "respondent", "Sì."),
        ("Anna", "respondent", "Solo quelli che conosco da anni. Gli altri no, non ancora."),
    ])
    excerpts = segment_transcript(t, SegmentConfig(), GuideLinker(GUIDE))
    assert len(excerpts) >= 4
    for e in excerpts:
        assert t.text[e.start:e.end] == e.text
        turn = t.turns[e.turn_index]
        assert turn.start <= e.start < e.end <= turn.end and turn.role == "respondent"
    first, last = excerpts[0], excerpts[-1]
    assert first.question.startswith("Could you tell") and first.guide_section == "background"
    assert last.question.startswith("And do you trust") and last.guide_section == "trust"
    assert all(len(e.text) >= SegmentConfig().min_chars for e in excerpts)  # "Sì." made no excerpt
    assert max(len(split_sentences(e.text, "it")) for e in excerpts) <= SegmentConfig().max_sentences


def test_excerpt_ids_are_stable_and_change_with_the_text():
    turns = [("I", "interviewer", "Do you trust other parents?"),
             ("R", "respondent", "Not really, we need to meet them first. Trust takes time.")]
    a = segment_transcript(make_transcript("KO-01", turns))
    b = segment_transcript(make_transcript("KO-01", turns))
    assert [e.id for e in a] == [e.id for e in b]
    changed = segment_transcript(make_transcript("KO-01", [turns[0], ("R", "respondent", turns[1][2].replace("time", "years"))]))
    assert changed[0].id != a[0].id


def test_a_follow_up_question_keeps_the_section_of_the_guide_question_before_it():
    linker = GuideLinker(GUIDE)
    assert linker.sections_for(["Εμπιστεύεστε άλλους γονείς;", "Can you give an example?"]) == ["trust", "trust"]


def test_questions_of_the_demo_interviews_are_linked_to_their_guide_sections():
    """The demo sources label every interviewer question with its section: measure the linker on them."""
    import importlib
    import pkgutil

    import corpora.demo_src as sources
    from pipeline.ingest import load_guide
    from tests.conftest import DEMO

    linker = GuideLinker(load_guide(DEMO / "interview_guide.yaml"))
    right = total = 0
    for module in pkgutil.iter_modules(sources.__path__):
        turns = getattr(importlib.import_module(f"corpora.demo_src.{module.name}"), "TURNS", None)
        if not turns:
            continue
        asked = [(t[2], t[1]) for t in turns if t[0] == "Q"]
        got = linker.sections_for([q for q, _ in asked])
        right += sum(g == want for g, (_, want) in zip(got, asked))
        total += len(asked)
    assert total > 200
    assert right / total >= 0.9, f"{right}/{total} questions linked to the right section"
