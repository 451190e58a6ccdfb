"""Typed, immutable records passed between pipeline stages.

Offsets (``start``/``end``) are always Unicode code points into ``Transcript.text``, the
NFC-normalised, pseudonymised transcript text that the store keeps. ``end`` is exclusive,
so ``transcript.text[start:end] == excerpt.text`` holds for every excerpt and turn.

Mapping-typed fields hold plain dicts; treat them as read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

SpeakerRole = Literal["interviewer", "respondent", "other"]
"""Who is speaking in a turn. ``other`` covers annotations such as "(laughs)" or task notes."""

RESPONDENT_ROLES = ("local_organisation", "local_government", "parent", "company")
"""The study's respondent categories (``InterviewMeta.role``); other values are allowed."""

GUIDE_SECTIONS = ("background", "needs", "choice", "difficulties", "trust", "technology", "closing")
"""Interview-guide sections in the order the study's guide asks them."""

SOURCE_TYPES = ("interview", "survey", "document")
"""Where a transcript's text comes from: an interview, a survey respondent's open answers
(one transcript per respondent: each item's text, then the answer), or an official document
(one turn per paragraph, speaker ``"document"``, cited by page)."""


@dataclass(frozen=True)
class InterviewMeta:
    """One row of a corpus manifest (all optional but the id and file)."""

    interview_id: str
    file: str
    city: str | None = None
    country: str | None = None
    role: str | None = None
    date: str | None = None
    language: str | None = None
    names: tuple[str, ...] = ()
    """Personal names to pseudonymise in this transcript (besides e-mails, phones, URLs)."""
    extra: dict[str, str] = field(default_factory=dict)
    """Any further manifest columns, kept as case variables."""


@dataclass(frozen=True)
class RawTurn:
    """A turn as a reader found it, before normalisation and pseudonymisation."""

    text: str
    speaker: str | None = None
    role: SpeakerRole | None = None
    """Set when the format itself says who speaks (e.g. numbered prompts vs indented answers)."""
    time_start: float | None = None
    time_end: float | None = None
    page: int | None = None
    """The document page the text is on (1-based), for formats that have pages (PDF)."""


@dataclass(frozen=True)
class RawTranscript:
    """What a ``Reader`` returns for one file."""

    path: str
    format: str
    encoding: str | None
    turns: tuple[RawTurn, ...]
    source_type: str = "interview"
    """One of ``SOURCE_TYPES``."""


@dataclass(frozen=True)
class Turn:
    """One speaker turn inside a ``Transcript``; ``text == transcript.text[start:end]``."""

    index: int
    speaker: str
    role: SpeakerRole
    text: str
    start: int
    end: int
    lang: str | None = None
    time_start: float | None = None
    time_end: float | None = None
    source_type: str = "interview"
    """One of ``SOURCE_TYPES``; the same for every turn of a transcript."""
    page: int | None = None
    """A document paragraph's page (1-based); ``None`` for speech and page-less formats."""


@dataclass(frozen=True)
class Transcript:
    """One interview, normalised (NFC) and pseudonymised: the unit the store keeps."""

    id: str
    meta: InterviewMeta
    source_path: str
    source_sha256: str
    format: str
    encoding: str | None
    text: str
    turns: tuple[Turn, ...]
    language: str | None = None
    """The dominant language of respondent speech (ISO 639-1)."""
    source_type: str = "interview"
    """One of ``SOURCE_TYPES``."""

    @property
    def text_sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class GuideQuestion:
    section: str
    language: str
    text: str


@dataclass(frozen=True)
class InterviewGuide:
    """The interview guide: ordered sections, each with its questions per language."""

    sections: tuple[str, ...]
    titles: dict[str, str]
    questions: tuple[GuideQuestion, ...]


@dataclass(frozen=True)
class Excerpt:
    """A span of about 1-4 sentences inside one turn: respondent speech, a survey answer or a
    document paragraph (``source_type``)."""

    id: str
    transcript_id: str
    start: int
    end: int
    text: str
    turn_index: int
    speaker: str
    language: str | None
    question: str | None
    """The interviewer's question that this answer follows (context for coders and models)."""
    guide_section: str | None
    source_type: str = "interview"
    """One of ``SOURCE_TYPES``: for a survey answer ``speaker`` is the respondent id and
    ``question`` the item's text; for a document ``speaker`` is ``"document"``."""
    page: int | None = None
    """The document page the excerpt is on (1-based), for citation."""


@dataclass(frozen=True)
class Code:
    """One code of a codebook; ``parent`` names the parent code for sub-codes."""

    name: str
    label: str
    description: str
    include: str = ""
    exclude: str = ""
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Example phrases per language (ISO 639-1)."""
    parent: str | None = None
    colour: str | None = None
    dimension: str | None = None
    """The code family it belongs to (e.g. ``barrier``, ``condition``); ``None`` in a
    codebook that declares no families. Sub-codes carry their parent's."""


@dataclass(frozen=True)
class Dimension:
    """A family of codes that excerpts are coded on independently of the others: an excerpt
    can carry a barrier and a condition at once, and the two never compete."""

    name: str
    label: str
    description: str = ""
    background_examples: dict[str, tuple[str, ...]] | None = None
    """This family's own "none" phrases, replacing the codebook's when it is coded; ``None``:
    the codebook's (what is background for barriers may be evidence of a condition)."""


@dataclass(frozen=True)
class Codebook:
    name: str
    version: str
    codes: tuple[Code, ...]
    sha256: str
    source: str
    background_examples: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Phrases that belong to no code (small talk, biography): the zero-shot "none" class."""
    description: str = ""
    dimensions: tuple[Dimension, ...] = ()
    """Declared code families, in order (the first is what the study reads against the
    others, e.g. barriers against conditions); empty: all codes are one dimension."""

    @property
    def id(self) -> str:
        return f"{self.name}@{self.version}"

    def code(self, name: str) -> Code:
        for c in self.codes:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def top_level(self) -> tuple[Code, ...]:
        return tuple(c for c in self.codes if c.parent is None)

    @cached_property
    def _parent_of(self) -> dict[str, str | None]:
        return {c.name: c.parent for c in self.codes}

    def parents(self, name: str) -> tuple[str, ...]:
        """The code's parent, its parent's parent and so on, nearest first (none for a
        top-level or unknown code)."""
        out: list[str] = []
        parent = self._parent_of.get(name)
        while parent and parent != name and parent not in out:  # a cycle cannot loop forever
            out.append(parent)
            parent = self._parent_of.get(parent)
        return tuple(out)

    def with_parents(self, codes) -> frozenset[str]:
        """``codes`` and every parent of them: coding a sub-code codes its parents too."""
        return frozenset(codes).union(*(self.parents(c) for c in codes))


@dataclass(frozen=True)
class CategoryScore:
    code: str
    score: float


@dataclass(frozen=True)
class Suggestion:
    """A code suggested for an excerpt; stored with status ``suggested`` until a coder decides."""

    excerpt_id: str
    code: str
    confidence: float
    reason: str
    rank: int


@dataclass(frozen=True)
class ExcerptCoding:
    """All category scores of one excerpt and the codes suggested from them."""

    excerpt_id: str
    scores: tuple[CategoryScore, ...]
    suggestions: tuple[Suggestion, ...]


@dataclass(frozen=True)
class Topic:
    topic_id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    representative_ids: tuple[str, ...]
    codes: tuple[str, ...] = ()
    """Codebook categories this topic maps to; empty for an emergent theme."""
    code_scores: dict[str, float] = field(default_factory=dict)
    emergent: bool = False
    new_in_run: bool = False
    """Found in this run's new excerpts by the ``merged`` topic policy (``pipeline.topics.merge``)."""


@dataclass(frozen=True)
class TopicAssignment:
    excerpt_id: str
    topic_id: int
    probability: float | None = None


@dataclass(frozen=True)
class Quarantined:
    """A file left out of a run, and why."""

    file: str
    reason: str
