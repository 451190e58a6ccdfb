"""From a reader's ``RawTranscript`` and its manifest row to the stored ``Transcript``.

The canonical text has one line per turn, ``f"{speaker}: {text}\\n"``, and each turn's
``start``/``end`` are the code-point offsets of its text (not its label) in that line, so
``transcript.text[turn.start:turn.end] == turn.text`` for every turn.

Each turn's text is NFC-normalised, every run of whitespace (line breaks and paragraph
breaks included) becomes one space, and personal data is replaced by pseudonyms; empty
turns are dropped. Speaker labels are normalised and pseudonymised the same way.

Roles, for turns whose reader did not set one:

1. a turn wholly in parentheses or brackets, ``(laughs)``, is ``other``;
2. the speakers the manifest's ``interviewer`` column lists (``;``-separated labels,
   any case) are interviewers; else
3. speakers whose label is a role word (``speakers.INTERVIEWER_WORDS``, optionally with a
   number or an initial: "Intervistatrice", "Kérdező 2", "I1") are interviewers; else
4. the speaker with the highest share of turns that are questions (ending in ``?``, or in
   ``;`` in Greek text), smoothed as questions / (turns + 1) so that one speaker's single
   question does not decide; else
5. the first speaker;

every other speaker is a respondent. A transcript with a single speaker and no interviewer
label is a monologue: that speaker is the respondent. A turn without a speaker and without
a role is the respondent's. Turns without a speaker are labelled "Interviewer",
"Respondent" or "Note" by their role.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest import speakers
from pipeline.ingest.language import DEFAULT_LANGUAGES, turn_languages
from pipeline.ingest.layout import is_note
from pipeline.ingest.pseudonymise import PseudonymKey, Pseudonymiser
from pipeline.records import InterviewMeta, RawTranscript, SpeakerRole, Transcript, Turn

DEFAULT_SPEAKERS: dict[str, str] = {"interviewer": "Interviewer", "respondent": "Respondent", "other": "Note"}
_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_GREEK_LATIN = str.maketrans({
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i",
    "κ": "k", "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s",
    "ς": "s", "τ": "t", "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
})


def normalise_text(text: str) -> str:
    """NFC, and every run of whitespace as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def slugify(stem: str) -> str:
    """An ASCII id from a file stem: ``"Intervista Torino_3"`` → ``"intervista-torino-3"``;
    Greek is transliterated, other scripts dropped; ``"interview"`` if nothing is left."""
    decomposed = unicodedata.normalize("NFKD", stem.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_GREEK_LATIN)
    slug = re.sub(r"[^a-z0-9]+", "-", plain.encode("ascii", "ignore").decode()).strip("-")
    return slug[:64].rstrip("-") or "interview"


def is_question(text: str) -> bool:
    text = text.rstrip(" \"'»”’)")
    return text.endswith("?") or (text.endswith(";") and _GREEK.search(text) is not None)


def interviewer_speakers(turns: Sequence[tuple[str, str]], listed: Sequence[str] = ()) -> set[str]:
    """The interviewers among the speakers of ``(speaker, text)`` turns (rules 2-5 above)."""
    order = list(dict.fromkeys(speaker for speaker, _ in turns))
    if not order:
        return set()
    wanted = {speakers.normalise_label(label).casefold() for label in listed if label.strip()}
    chosen = {s for s in order if s.casefold() in wanted}
    if chosen:
        return chosen
    chosen = {s for s in order if speakers.is_interviewer_label(s)}
    if chosen:
        return chosen
    if len(order) == 1:
        return set()
    questions = {s: 0 for s in order}
    counts = {s: 0 for s in order}
    for speaker, text in turns:
        counts[speaker] += 1
        questions[speaker] += is_question(text)
    best = max(order, key=lambda s: questions[s] / (counts[s] + 1))
    return {best if questions[best] else order[0]}


@dataclass
class _Draft:
    speaker: str | None
    role: SpeakerRole | None
    text: str
    time_start: float | None
    time_end: float | None
    page: int | None = None


def build_transcript(
    raw: RawTranscript,
    meta: InterviewMeta,
    *,
    key: PseudonymKey,
    source_sha256: str,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> Transcript:
    """Normalise, give roles, pseudonymise, detect languages and lay out the text.

    The transcript's id is ``meta.interview_id``. The returned ``meta`` keeps no personal
    names: ``names`` is emptied (the originals live only in ``key``) and the manifest's
    ``interviewer`` labels are pseudonymised like the speaker labels.
    """
    drafts: list[_Draft] = []
    for turn in raw.turns:
        text = normalise_text(turn.text)
        if not text:
            continue
        speaker = speakers.normalise_label(turn.speaker) if turn.speaker else None
        role = turn.role
        if role is None and is_note(text):
            role = "other"
        drafts.append(_Draft(speaker or None, role, text, turn.time_start, turn.time_end, turn.page))
    if not drafts:
        raise InvalidInput(raw.path, "no turns found (every turn is empty)")

    listed = [label for label in meta.extra.get("interviewer", "").split(";") if label.strip()]
    interviewers = interviewer_speakers(
        [(d.speaker, d.text) for d in drafts if d.role is None and d.speaker is not None], listed
    )
    for d in drafts:
        if d.role is None:
            d.role = "interviewer" if d.speaker in interviewers else "respondent"

    pseudonymise = Pseudonymiser(key, meta.names)
    for d in drafts:
        d.text = pseudonymise(d.text)
        d.speaker = pseudonymise(d.speaker) if d.speaker else DEFAULT_SPEAKERS[d.role]

    langs, dominant = turn_languages(
        [d.text for d in drafts],
        respondent=[d.role == "respondent" for d in drafts],
        languages=languages,
        dominant=meta.language or None,
    )

    lines: list[str] = []
    turns: list[Turn] = []
    position = 0
    for index, (d, lang) in enumerate(zip(drafts, langs)):
        prefix = f"{d.speaker}: "
        start = position + len(prefix)
        turns.append(Turn(index=index, speaker=d.speaker, role=d.role, text=d.text, start=start,
                          end=start + len(d.text), lang=lang, time_start=d.time_start, time_end=d.time_end,
                          source_type=raw.source_type, page=d.page))
        line = f"{prefix}{d.text}\n"
        lines.append(line)
        position += len(line)

    extra = dict(meta.extra)
    if "interviewer" in extra:
        extra["interviewer"] = ";".join(pseudonymise(speakers.normalise_label(label)) for label in listed)
    return Transcript(
        id=meta.interview_id,
        meta=replace(meta, names=(), extra=extra),
        source_path=str(raw.path),
        source_sha256=source_sha256,
        format=raw.format,
        encoding=raw.encoding,
        text="".join(lines),
        turns=tuple(turns),
        language=dominant,
        source_type=raw.source_type,
    )


def default_meta(path: Path, interview_id: str) -> InterviewMeta:
    """Metadata for a file that has no manifest row."""
    return InterviewMeta(interview_id=interview_id, file=path.name)
