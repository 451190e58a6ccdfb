"""Turning paragraphs of running text into turns: shared by the txt, docx and odt readers.

A transcript written as running text comes in one of three layouts, chosen by a majority
vote over its non-blank paragraphs (ties go to the first):

``labels``
    ``Speaker: text``. The label is the text before the first colon when it is short
    (see ``speakers.is_label_candidate``) and either repeats in the file, reads as a name
    or code, or names a role. Unlabelled paragraphs continue the previous turn; lines before
    the first label (a title, a date) are a note.
``tabs``
    ``SPEAKER<TAB>utterance``, one line per utterance (KIParla/ParlaTO style);
    consecutive lines of the same speaker become one turn. A label without letters or
    digits (``???``) marks an unidentified speaker and gets role ``other``.
``prompts``
    No speaker labels: numbered prompts (``1 ``, ``1.a ``, ``c.ii ``, ``Q3.``, ``3)``, or an
    automatically numbered list item) are the interviewer's, every other paragraph is the
    respondent's. A numbered paragraph indented by more tabs than the first prompt is
    speech ("\\t4 days is enough"). A ``MODERATOR: ...`` paragraph inside the speech is the
    interviewer's (any interviewer label; respondent labels likewise).

In every layout a paragraph wholly in parentheses or brackets, such as ``(The participant
reads the text)``, is a note: role ``other``, no speaker.

Indentation is the paragraph's leading tabs and spaces. Readers of formats with paragraph
indents (docx, odt) turn each half inch of indent into one tab and the rest into spaces.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipeline.errors import InvalidInput
from pipeline.ingest import speakers
from pipeline.records import RawTurn, SpeakerRole

Layout = Literal["labels", "tabs", "prompts"]
LAYOUTS: tuple[Layout, ...] = ("labels", "tabs", "prompts")

PROMPT = re.compile(
    r"""
    (?:
        (?:[QqDdKkVv]\s?)?\d{1,3}      # 1   Q3   D 3 (domanda)   K3 (kérdés)   V3 (vraag)
        (?:\.\d{1,3})*                 # 1.2
        (?:\.?[a-z](?![^\W\d_]))?      # 1.a   1a
        (?:\.[ivx]{1,4})?              # 1.a.ii
        [.):]?                         # 3)   3.   Q3:
      | [a-z]\.[ivx]{1,4}[.)]?         # c.ii
      | [a-z]\)                        # a)
    )
    \s+\S
    """,
    re.VERBOSE,
)
"""A numbered prompt at the start of a paragraph (after its indentation)."""

_TAB_LINE = re.compile(r"([^\s\t][^\t]{0,39}?)\t+(.*\S.*)")
_INDENT_TAB_INCHES = 0.5


@dataclass(frozen=True)
class Paragraph:
    """A paragraph (or, in plain text, a line) with its leading indentation kept."""

    text: str
    numbered: bool = False
    """An automatically numbered list item (docx/odt), whose number is not in ``text``."""


def table_row_paragraphs(cells: Sequence[str]) -> list[Paragraph]:
    """A table row as paragraphs: ``speaker | text`` rows become one ``speaker: text`` turn.

    Word and Writer transcripts are often two-column tables; merged cells repeat their text,
    so a cell equal to the one before it is dropped. A blank paragraph ends the row.
    """
    kept: list[str] = []
    for text in (c.strip() for c in cells):
        if text and (not kept or kept[-1] != text):
            kept.append(text)
    if len(kept) >= 2 and speakers.is_label_candidate(kept[0]):
        rows = [Paragraph(f"{kept[0]}: {' '.join(kept[1:])}")]
    else:
        rows = [Paragraph(text) for text in kept]
    return rows + [Paragraph("")]


def indent_prefix(inches: float) -> str:
    """Leading whitespace standing for a paragraph indent: a tab per half inch, a space per
    sixteenth of the rest."""
    if inches <= 0:
        return ""
    tabs = int(inches // _INDENT_TAB_INCHES)
    spaces = int(round((inches - tabs * _INDENT_TAB_INCHES) * 16))
    return "\t" * tabs + " " * spaces


def is_note(text: str) -> bool:
    """A paragraph wholly in parentheses or square brackets: ``(laughs)``, ``[pause]``."""
    text = text.strip()
    if text.endswith((").", "].")):
        text = text[:-1]
    if len(text) < 2 or (text[0], text[-1]) not in (("(", ")"), ("[", "]")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth == 0 and i < len(text) - 1:
                return False  # "(a) and (b)": the first bracket closes early
    return depth == 0


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip())]


def _tab_label(text: str) -> tuple[str, str] | None:
    match = _TAB_LINE.fullmatch(text)
    if not match:
        return None
    label = match.group(1).strip().rstrip(":").strip()
    if not label or len(label.split()) > speakers.LABEL_MAX_WORDS:
        return None
    return speakers.normalise_label(label), match.group(2).strip()


class _LabelRule:
    """Which ``Label: text`` prefixes count as speaker labels in one file."""

    def __init__(self, paragraphs: Sequence[Paragraph]) -> None:
        self.counts = Counter(
            found[0] for p in paragraphs if (found := speakers.split_label(p.text.strip()))
        )

    def split(self, text: str) -> tuple[str, str] | None:
        found = speakers.split_label(text.strip())
        if not found:
            return None
        label = found[0]
        if (
            self.counts[label] >= 2
            or speakers.looks_like_name(label)
            or speakers.is_interviewer_label(label)
            or speakers.is_respondent_label(label)
        ):
            return found
        return None


def detect_layout(paragraphs: Sequence[Paragraph]) -> Layout:
    """Majority vote: each non-blank paragraph votes for the layout it looks like, if any."""
    rule = _LabelRule(paragraphs)
    votes: Counter[str] = Counter()
    for p in paragraphs:
        stripped = p.text.strip()
        if not stripped:
            continue
        indented = bool(_indent(p.text))
        if _tab_label(p.text):
            votes["tabs"] += 1
        elif not indented and rule.split(stripped):
            votes["labels"] += 1
        elif p.numbered or indented or PROMPT.match(stripped):
            votes["prompts"] += 1
    if not votes:
        return "prompts"
    return max(LAYOUTS, key=lambda layout: votes[layout])


def paragraphs_to_turns(
    paragraphs: Sequence[Paragraph], path: str | Path, *, plain_text: bool = False
) -> tuple[Layout, tuple[RawTurn, ...]]:
    """Split ``paragraphs`` into turns in their detected layout.

    ``plain_text``: the paragraphs are lines of a plain-text file, where blank lines
    separate paragraphs; when a file has blank lines, consecutive lines of one paragraph
    with the same indentation are joined in the ``prompts`` layout.
    Raises ``InvalidInput`` when no turn has any text.
    """
    layout = detect_layout(paragraphs)
    if layout == "labels":
        turns = _labels(paragraphs)
    elif layout == "tabs":
        turns = _tabs(paragraphs)
    else:
        blocks = plain_text and any(not p.text.strip() for p in paragraphs)
        turns = _prompts(paragraphs, join_blocks=blocks)
    turns = tuple(t for t in turns if t.text.strip())
    if not turns:
        raise InvalidInput(path, "no turns found (the file has no text)")
    return layout, turns


class _Builder:
    """Accumulates lines into turns."""

    def __init__(self) -> None:
        self.turns: list[RawTurn] = []
        self.speaker: str | None = None
        self.role: SpeakerRole | None = None
        self.lines: list[str] = []
        self.open = False

    def start(self, speaker: str | None, role: SpeakerRole | None, text: str) -> None:
        self.flush()
        self.speaker, self.role, self.lines, self.open = speaker, role, [text], True

    def add(self, text: str) -> None:
        self.lines.append(text)

    def flush(self) -> None:
        if self.open:
            text = "\n".join(self.lines).strip()
            self.turns.append(RawTurn(text=text, speaker=self.speaker, role=self.role))
        self.open = False

    def note(self, text: str) -> None:
        self.flush()
        self.turns.append(RawTurn(text=text.strip(), speaker=None, role="other"))


def _labels(paragraphs: Sequence[Paragraph]) -> list[RawTurn]:
    rule = _LabelRule(paragraphs)
    out = _Builder()
    last_speaker: str | None = None
    for p in paragraphs:
        stripped = p.text.strip()
        if not stripped:
            if out.open:
                out.add("")
            continue
        found = rule.split(stripped)
        if found and out.open and found[0] == out.speaker and out.role is None:
            # The same label again, on the next line: one turn wrapped over several labelled
            # lines (PDF-to-text exports relabel every line). Excerpts and the question
            # before them need the whole turn, not 90-character shards of it.
            out.add(found[1])
        elif found:
            last_speaker = found[0]
            out.start(found[0], None, found[1])
        elif is_note(stripped):
            out.note(stripped)
        elif out.open:
            out.add(stripped)
        elif last_speaker is not None:  # speech resumes after a note
            out.start(last_speaker, None, stripped)
        else:  # a title or date before the first label
            out.start(None, "other", stripped)
    out.flush()
    return out.turns


def _tabs(paragraphs: Sequence[Paragraph]) -> list[RawTurn]:
    out = _Builder()
    for p in paragraphs:
        stripped = p.text.strip()
        if not stripped:
            continue
        found = _tab_label(p.text)
        if found is None:
            if out.open:
                out.add(stripped)
            else:
                out.start(None, "other", stripped)
            continue
        label, text = found
        if out.open and out.speaker == label:
            out.add(text)
        elif speakers.is_unidentified(label):
            out.start(label, "other", text)
        else:
            out.start(label, None, text)
    out.flush()
    return out.turns


def _prompts(paragraphs: Sequence[Paragraph], *, join_blocks: bool) -> list[RawTurn]:
    out = _Builder()
    prompt_tabs: int | None = None
    previous_indent: str | None = None  # indentation of the paragraph that is still open
    for p in paragraphs:
        stripped = p.text.strip()
        if not stripped:
            out.flush()
            previous_indent = None
            continue
        indent = _indent(p.text)
        numbered = p.numbered or PROMPT.match(stripped) is not None
        if numbered and prompt_tabs is None:
            prompt_tabs = indent.count("\t")
        found = speakers.split_label(stripped)
        if numbered and indent.count("\t") <= (prompt_tabs or 0):
            out.start(None, "interviewer", stripped)
        elif is_note(stripped):
            out.note(stripped)
            previous_indent = None
            continue
        elif found and speakers.is_interviewer_label(found[0]):
            out.start(found[0], "interviewer", found[1])
        elif found and speakers.is_respondent_label(found[0]):
            out.start(found[0], "respondent", found[1])
        elif join_blocks and out.open and indent == previous_indent:
            out.add(stripped)
            continue
        else:
            out.start(None, "respondent", stripped)
        previous_indent = indent
        if not join_blocks:
            out.flush()
    out.flush()
    return out.turns
