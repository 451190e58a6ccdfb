"""Speaker labels: what counts as a label, and which labels name the interviewer.

Shared by the readers (to split ``Speaker: text``) and by transcript building (to give
each speaker a role), so both agree on the conventions of the study's five languages.
"""

from __future__ import annotations

import re
import unicodedata

LABEL_MAX_CHARS = 40
LABEL_MAX_WORDS = 5

INTERVIEWER_WORDS = (
    "interviewer", "int", "i", "q", "moderator", "researcher",  # en
    "intervistatore", "intervistatrice", "ricercatore", "ricercatrice",  # it
    "kérdező", "riporter",  # hu
    "συνεντευκτής", "συνεντεύκτρια", "ερευνητής", "ερευνήτρια",  # el
    "interviewster", "onderzoeker", "enquêteur",  # nl
)
"""Labels that name the interviewer, matched on the whole label ignoring case and accents."""

RESPONDENT_WORDS = (
    "respondent", "participant", "interviewee", "r", "p", "a",  # en (nl "respondent")
    "intervistato", "intervistata", "partecipante", "rispondente",  # it
    "válaszadó", "résztvevő", "interjúalany",  # hu
    "συμμετέχων", "συμμετέχουσα", "ερωτώμενος", "ερωτώμενη",  # el
    "deelnemer", "geïnterviewde",  # nl
)
"""Labels that name the respondent; only used where labels are otherwise not expected."""

# A role word, optionally followed by a number ("Interviewer 2", "I1") or an initial ("Int A").
_SUFFIX = r"(?:[\s_-]*\d{1,3}|[\s_-]+[^\W\d_]\.?)?"


def _fold(text: str) -> str:
    """Without accents: Greek capitals drop them ("ΣΥΝΕΝΤΕΥΚΤΗΣ"), and people type "Kerdezo"."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(_fold(w)) for w in words), key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})\.?{_SUFFIX}", re.IGNORECASE)


_INTERVIEWER = _words_pattern(INTERVIEWER_WORDS)
_RESPONDENT = _words_pattern(RESPONDENT_WORDS)
# Sentence punctuation that never occurs in a speaker label ("." does: "Dr. Rossi", "Int.").
_NOT_IN_LABEL = set(",;!?…\"“”„«»()[]{}<>/\\=+*|")


def normalise_label(label: str) -> str:
    """NFC, whitespace collapsed: the form labels are compared and stored in."""
    return " ".join(unicodedata.normalize("NFC", label).split())


def is_label_candidate(label: str) -> bool:
    """Short enough, few words, at least one letter, no sentence punctuation."""
    label = label.strip()
    if not label or len(label) > LABEL_MAX_CHARS or len(label.split()) > LABEL_MAX_WORDS:
        return False
    if any(ch in _NOT_IN_LABEL for ch in label):
        return False
    if label.endswith("."):  # "Int." is a label, "And then I said." is not
        return is_interviewer_label(label)
    return any(ch.isalpha() for ch in label)


def split_label(line: str) -> tuple[str, str] | None:
    """``("Anna", "text")`` for ``"Anna: text"`` when the part before the first colon is a
    label candidate, else ``None``. Leading whitespace must already be stripped."""
    label, colon, rest = line.partition(":")
    if not colon or rest.startswith("//") or not is_label_candidate(label):
        return None
    return normalise_label(label), rest.strip()


def looks_like_name(label: str) -> bool:
    """A label that reads as a name or code: at most three words, each capitalised or a
    number ("Anna", "Dr Rossi", "P1", "TOR004", "Kérdező")."""
    words = label.split()
    return 0 < len(words) <= 3 and all(w[0].isupper() or w[0].isdigit() for w in words)


def is_interviewer_label(label: str) -> bool:
    return _INTERVIEWER.fullmatch(_fold(normalise_label(label))) is not None


def is_respondent_label(label: str) -> bool:
    return _RESPONDENT.fullmatch(_fold(normalise_label(label))) is not None


def is_unidentified(label: str) -> bool:
    """Transcribers' marks for an unidentifiable speaker, such as ``???`` or ``--``."""
    return not any(ch.isalnum() for ch in label)
