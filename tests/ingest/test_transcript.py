"""Building a Transcript: canonical text and offsets, roles, languages, pseudonyms."""

from __future__ import annotations

import unicodedata

import pytest

from pipeline.ingest.pseudonymise import PseudonymKey
from pipeline.ingest.transcript import build_transcript, interviewer_speakers, slugify
from pipeline.records import InterviewMeta, RawTranscript, RawTurn, Transcript


def build(turns: list[RawTurn], **meta: object) -> Transcript:
    raw = RawTranscript(path="t.txt", format="txt", encoding="utf-8", turns=tuple(turns))
    return build_transcript(raw, InterviewMeta(interview_id="t1", file="t.txt", **meta),  # type: ignore[arg-type]
                            key=PseudonymKey(), source_sha256="0" * 64)


def assert_offsets(transcript: Transcript) -> None:
    for turn in transcript.turns:
        assert transcript.text[turn.start:turn.end] == turn.text
        line_start = transcript.text.rfind("\n", 0, turn.start) + 1
        assert transcript.text[line_start:turn.start] == f"{turn.speaker}: "


def test_canonical_text_offsets_nfc_and_whitespace() -> None:
    decomposed = unicodedata.normalize("NFD", "Perché è così")
    t = build([
        RawTurn("Come  va?\n\n  Bene?", speaker="Intervistatrice"),
        RawTurn(f"{decomposed}\tdifficile 😀 <script>alert(1)</script>", speaker="Genitore"),
        RawTurn("   \n", speaker="Genitore"),
        RawTurn("Ευχαριστώ πολύ για τον χρόνο σας", speaker=None, role="respondent"),
    ])
    assert t.text == ("Intervistatrice: Come va? Bene?\n"
                      "Genitore: Perché è così difficile 😀 <script>alert(1)</script>\n"
                      "Respondent: Ευχαριστώ πολύ για τον χρόνο σας\n")
    assert [turn.index for turn in t.turns] == [0, 1, 2]
    assert t.id == "t1" and t.format == "txt" and t.encoding == "utf-8"
    assert_offsets(t)


@pytest.mark.parametrize(
    ("turns", "listed", "expected"),
    [
        ([("Anna", "Ciao"), ("MR", "Come sta?"), ("Anna", "Bene")], ["mr"], {"MR"}),
        ([("Anna", "Ciao?"), ("Intervistatrice", "Come sta"), ("Anna", "Bene")], [], {"Intervistatrice"}),
        ([("Szülő", "Jó"), ("Kérdező 2", "És?"), ("Kérdező 1", "Miért")], [], {"Kérdező 1", "Kérdező 2"}),
        ([("Γονέας", "Καλά"), ("ΣΥΝΕΝΤΕΥΚΤΗΣ", "Πώς;")], [], {"ΣΥΝΕΝΤΕΥΚΤΗΣ"}),
        ([("Ouder", "Ja"), ("I1", "Waarom?")], [], {"I1"}),
        ([("Anna", "Hello."), ("Bob", "Why?"), ("Anna", "Because."), ("Bob", "And then?")], [], {"Bob"}),
        # one question by a one-turn speaker does not beat an interviewer who asks most of the time
        ([("A", "Ok?"), ("B", "Why?"), ("C", "Fine."), ("B", "How?"), ("C", "So."), ("B", "When?"), ("B", "Hm.")],
         [], {"B"}),
        ([("Γονέας", "Καλά."), ("Μαρία", "Πώς είναι;"), ("Γονέας", "Ωραία."), ("Μαρία", "Και μετά;")], [], {"Μαρία"}),
        ([("TOR004", "allora"), ("TOI020", "sì"), ("TOR004", "come ti chiami")], [], {"TOR004"}),
        ([("Anna", "I talk alone.")], [], set()),
        # a manifest label that matches nobody falls back to the next rule
        ([("Anna", "Ok."), ("Interviewer", "Why")], ["Zed"], {"Interviewer"}),
    ],
    ids=["manifest", "word-it", "word-hu-numbered", "word-el-capitals", "word-initial", "questions",
         "questions-smoothed", "greek-question-mark", "first-speaker", "monologue", "manifest-miss"],
)
def test_interviewer_speakers(turns: list[tuple[str, str]], listed: list[str], expected: set[str]) -> None:
    assert interviewer_speakers(turns, listed) == expected


def test_roles_in_a_transcript() -> None:
    t = build([
        RawTurn("Buongiorno, posso registrare?", speaker="Ricercatrice"),
        RawTurn("(ride)", speaker="Genitore"),
        RawTurn("Sì, certo, nessun problema per me.", speaker="Genitore"),
        RawTurn("1 Read the tab", role="interviewer"),
        RawTurn("[pause]"),
        RawTurn("no speaker, no role"),
    ])
    assert [(turn.speaker, turn.role) for turn in t.turns] == [
        ("Ricercatrice", "interviewer"), ("Genitore", "other"), ("Genitore", "respondent"),
        ("Interviewer", "interviewer"), ("Note", "other"), ("Respondent", "respondent")]
    assert_offsets(t)


def test_manifest_interviewer_column() -> None:
    t = build([RawTurn("Hoe gaat het met jullie?", speaker="Ouder"), RawTurn("Goed.", speaker="Eva")],
              extra={"interviewer": "ouder"})
    assert [turn.role for turn in t.turns] == ["interviewer", "respondent"]


DUTCH = [
    RawTurn("Hoe is de kinderopvang bij u in de buurt geregeld?", speaker="Interviewer"),
    RawTurn("Nou, eerlijk gezegd zijn de wachtlijsten heel lang en dat is lastig voor ouders.", speaker="Ouder"),
    RawTurn("Ja.", speaker="Interviewer"),
    RawTurn("Well, to be honest, the municipality should invest much more in daycare.", speaker="Ouder"),
    RawTurn("ok", speaker="Ouder"),
    RawTurn("Maar de leidsters doen echt hun best, dat moet ik wel zeggen.", speaker="Ouder"),
]


def test_code_switching_is_visible_per_turn() -> None:
    t = build(DUTCH)
    assert t.language == "nl"
    assert [turn.lang for turn in t.turns] == ["nl", "nl", "nl", "en", "nl", "nl"]


def test_manifest_language_is_dominant_for_short_turns() -> None:
    t = build(DUTCH[:3] + [RawTurn("Yes.", speaker="Ouder")], language="en")
    assert t.language == "en"
    assert [turn.lang for turn in t.turns] == ["nl", "nl", "en", "en"]


def test_languages_of_the_study() -> None:
    t = build([
        RawTurn("Mi può parlare del suo ruolo e della sua organizzazione?", speaker="Intervistatrice"),
        RawTurn("Szerintem az önkormányzatnak többet kellene fektetnie a bölcsődékbe.", speaker="Szülő"),
        RawTurn("Νομίζω ότι ο δήμος πρέπει να επενδύσει περισσότερο στους παιδικούς σταθμούς.", speaker="Γονέας"),
        RawTurn("Szerintem ez nagyon fontos a szülőknek és a gyerekeknek is.", speaker="Szülő"),
    ])
    assert [turn.lang for turn in t.turns] == ["it", "hu", "el", "hu"]
    assert t.language == "hu"  # most respondent characters


def test_detection_after_the_models_are_released_gives_the_same_languages() -> None:
    from pipeline.ingest.language import release_detectors

    turns = [
        RawTurn("Mi può parlare del suo ruolo e della sua organizzazione?", speaker="Intervistatrice"),
        RawTurn("Νομίζω ότι ο δήμος πρέπει να επενδύσει περισσότερο στους παιδικούς σταθμούς.", speaker="Γονέας"),
        RawTurn("Ik denk dat de gemeente meer moet investeren in de kinderopvang.", speaker="Ouder"),
    ]
    before = [turn.lang for turn in build(turns).turns]
    release_detectors()
    release_detectors()  # nothing left to release is fine
    assert [turn.lang for turn in build(turns).turns] == before == ["it", "el", "nl"]


def test_pseudonyms_in_text_and_speaker_labels_and_no_names_kept() -> None:
    t = build([
        RawTurn("Buongiorno Maria, il suo numero è 011 1234567?", speaker="Intervistatrice"),
        RawTurn("Sì, e la mia mail è maria.rossi@example.it, lo dica a Rossi.", speaker="Maria Rossi"),
    ], names=("Maria Rossi",), extra={"interviewer": "Intervistatrice"})
    assert t.text == (
        "Intervistatrice: Buongiorno [PERSON-1], il suo numero è [PHONE-1]?\n"
        "[PERSON-1]: Sì, e la mia mail è [EMAIL-1], lo dica a [PERSON-1].\n")
    assert "Maria" not in repr(t.meta) and "Rossi" not in repr(t)
    assert t.turns[1].role == "respondent"
    assert_offsets(t)


def test_timestamps_are_kept() -> None:
    t = build([RawTurn("Hello there, how are you?", speaker="I", time_start=1.0, time_end=2.5)])
    assert (t.turns[0].time_start, t.turns[0].time_end) == (1.0, 2.5)


@pytest.mark.parametrize(
    ("stem", "slug"),
    [("Intervista Torino_3", "intervista-torino-3"), ("Συνέντευξη Αθήνα", "synenteyxi-athina"),
     ("Kérdőív ő ű", "kerdoiv-o-u"), ("!!!", "interview"), ("P2_GMT20211119", "p2-gmt20211119")],
)
def test_slugify(stem: str, slug: str) -> None:
    assert slugify(stem) == slug


def test_one_language_needs_no_detection() -> None:
    from pipeline.ingest.language import turn_languages

    assert turn_languages(["Well, this is English really.", "ok"], respondent=[True, True], languages=["it"]) == (
        ["it", "it"], "it")
    with pytest.raises(ValueError, match="unknown language code 'xx'"):
        turn_languages(["Well, this is English really."], respondent=[True], languages=["en", "xx"])
