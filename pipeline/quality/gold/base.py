"""Human codes ("gold") as records: a coded span located in one of our transcripts, a
segment that could not be, one coder's (or one file's) gold; and its checks against the
codebook."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from pipeline.errors import InvalidInput
from pipeline.records import Codebook


@dataclass(frozen=True)
class GoldSpan:
    """A human-coded span of one transcript; ``codes`` may be empty ("looked at, nothing applies")."""

    transcript_id: str
    start: int
    end: int
    codes: frozenset[str]
    text: str
    """``transcript.text[start:end]`` (our text, not the coder's copy)."""
    source: str
    """Where it came from, for messages: ``tags.csv line 12``, ``taguette highlight 7``."""
    exact: bool = True
    """False when only the segment's two ends were found (its middle differs from our text)."""
    unit_id: str | None = None
    """The excerpt a coder decided on, for spans that come from the store."""


@dataclass(frozen=True)
class Unlocated:
    """A coded segment that could not be placed in any transcript, and why."""

    document: str
    codes: tuple[str, ...]
    content: str
    source: str
    why: str


@dataclass(frozen=True)
class Gold:
    """Human codes of one coder (or one file), located in our transcripts."""

    name: str
    spans: tuple[GoldSpan, ...]
    unlocated: tuple[Unlocated, ...] = ()
    segments_read: int = 0
    """Coded segments in the source (after merging the rows of one multi-label segment)."""
    unknown_codes: Mapping[str, int] = field(default_factory=dict)
    """Codes not in the codebook and how many segments carried them (set by ``check_gold_codes``)."""
    notes: tuple[str, ...] = ()

    @property
    def transcript_ids(self) -> frozenset[str]:
        return frozenset(s.transcript_id for s in self.spans)

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c for s in self.spans for c in s.codes)

    @property
    def located_share(self) -> float:
        return len(self.spans) / self.segments_read if self.segments_read else 0.0

    def only(self, transcript_ids: Iterable[str]) -> "Gold":
        keep = set(transcript_ids)
        return replace(self, spans=tuple(s for s in self.spans if s.transcript_id in keep))

    def without(self, transcript_ids: Iterable[str]) -> "Gold":
        drop = set(transcript_ids)
        return replace(self, spans=tuple(s for s in self.spans if s.transcript_id not in drop))

    def summary(self) -> dict:
        return {
            "name": self.name,
            "segments_read": self.segments_read,
            "located": len(self.spans),
            "located_share": round(self.located_share, 4),
            "located_approximately": sum(1 for s in self.spans if not s.exact),
            "unlocated": [{"document": u.document, "codes": list(u.codes), "content": u.content,
                           "source": u.source, "why": u.why} for u in self.unlocated],
            "unknown_codes": dict(self.unknown_codes),
            "codes": sorted(self.codes),
            "documents": sorted(self.transcript_ids),
            "notes": list(self.notes),
        }


def check_gold_codes(gold: Gold, codebook: Codebook, *, on_unknown: str = "error") -> Gold:
    """Gold whose codes are all in ``codebook``.

    ``on_unknown="error"`` raises ``InvalidInput`` listing every unknown code with its
    count; ``"warn"`` removes them and records them in ``Gold.unknown_codes`` (the report
    and the console show them).
    """
    known = {c.name for c in codebook.codes}
    unknown: dict[str, int] = {}
    for s in gold.spans:
        for c in s.codes - known:
            unknown[c] = unknown.get(c, 0) + 1
    for u in gold.unlocated:
        for c in set(u.codes) - known:
            unknown[c] = unknown.get(c, 0) + 1
    if not unknown:
        return gold
    listing = ", ".join(f"{c!r} ({n})" for c, n in sorted(unknown.items()))
    if on_unknown == "error":
        raise InvalidInput(gold.name, f"{len(unknown)} code(s) are not in codebook {codebook.id}: {listing}")
    spans = tuple(replace(s, codes=s.codes & known) for s in gold.spans)
    return replace(gold, spans=spans, unknown_codes=dict(sorted(unknown.items())))


def gold_with_parents(gold: Gold, codebook: Codebook) -> Gold:
    """A span coded with a sub-code is also coded with its parent (and theirs)."""
    return replace(gold, spans=tuple(replace(s, codes=codebook.with_parents(s.codes)) for s in gold.spans))


__all__ = ["Gold", "GoldSpan", "Unlocated", "check_gold_codes", "gold_with_parents"]
