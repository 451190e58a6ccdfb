"""City summaries: how often each barrier comes up, by respondent role, with the evidence.

``build_city_summaries`` works from "which codes does each excerpt carry", so the same code
serves the draft (suggested codes) and, in the review app, the validated version (accepted
codes). Prevalence is the share of a role's excerpts that carry the code, and the number of
distinct interviews where it appears: both are shown because one talkative respondent can
dominate excerpt counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from pipeline.records import Codebook, Excerpt, Topic, TopicAssignment, Transcript


@dataclass(frozen=True)
class Quote:
    excerpt_id: str
    interview_id: str
    role: str | None
    language: str | None
    text: str
    confidence: float


@dataclass(frozen=True)
class Prevalence:
    code: str
    role: str
    excerpts: int
    of_excerpts: int
    interviews: int
    of_interviews: int

    @property
    def share(self) -> float:
        return self.excerpts / self.of_excerpts if self.of_excerpts else 0.0


@dataclass(frozen=True)
class ThemeInCity:
    topic_id: int
    label: str
    keywords: tuple[str, ...]
    excerpts: int
    example: Quote | None
    emergent: bool
    codes: tuple[str, ...]


@dataclass(frozen=True)
class CitySummary:
    city: str
    interviews: int
    roles: dict[str, int]
    excerpts: int
    prevalence: tuple[Prevalence, ...]
    quotes: dict[str, tuple[Quote, ...]]
    themes: tuple[ThemeInCity, ...]
    evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Excerpt ids behind every code's numbers (click-through in the app)."""


def build_city_summaries(
    transcripts: Sequence[Transcript],
    excerpts: Sequence[Excerpt],
    codes_of: Mapping[str, Mapping[str, float]],
    codebook: Codebook,
    topics: Sequence[Topic] = (),
    assignments: Sequence[TopicAssignment] = (),
    quotes_per_code: int = 3,
) -> list[CitySummary]:
    """``codes_of[excerpt_id]`` maps each code the excerpt carries to its confidence.

    Interview evidence only: survey respondents and documents are not interviews, and their
    answers and passages would swell the counts by role (the triangulation reads them)."""
    transcripts = [t for t in transcripts if getattr(t, "source_type", "interview") == "interview"]
    interviews = {t.id for t in transcripts}
    excerpts = [e for e in excerpts if e.transcript_id in interviews]
    meta = {t.id: t.meta for t in transcripts}
    topic_of = {a.excerpt_id: a.topic_id for a in assignments}
    by_city: dict[str, list[Excerpt]] = defaultdict(list)
    for e in excerpts:
        by_city[meta[e.transcript_id].city or "unknown"].append(e)
    codes = [c.name for c in codebook.top_level]
    summaries = []
    for city in sorted(by_city):
        items = by_city[city]
        city_transcripts = sorted({e.transcript_id for e in items} | {t.id for t in transcripts if (t.meta.city or "unknown") == city})
        role_of = {tid: meta[tid].role or "unknown" for tid in city_transcripts}
        roles: dict[str, int] = defaultdict(int)
        for tid in city_transcripts:
            roles[role_of[tid]] += 1
        prevalence, quotes, evidence = [], {}, {}
        for code in codes:
            carrying = [e for e in items if code in codes_of.get(e.id, {})]
            evidence[code] = tuple(e.id for e in carrying)
            for role in ["all", *sorted(roles)]:
                pool = [e for e in items if role == "all" or role_of[e.transcript_id] == role]
                hits = [e for e in pool if code in codes_of.get(e.id, {})]
                interviews_in_role = [t for t in city_transcripts if role == "all" or role_of[t] == role]
                prevalence.append(Prevalence(code, role, len(hits), len(pool), len({e.transcript_id for e in hits}),
                                             len(interviews_in_role)))
            ranked = sorted(carrying, key=lambda e: (-codes_of[e.id][code], e.id))[:quotes_per_code]
            quotes[code] = tuple(
                Quote(e.id, e.transcript_id, meta[e.transcript_id].role, e.language, e.text, round(codes_of[e.id][code], 3))
                for e in ranked
            )
        themes = []
        for topic in topics:
            members = [e for e in items if topic_of.get(e.id) == topic.topic_id]
            if not members:
                continue
            example = members[0]
            for rep in topic.representative_ids:
                match = next((e for e in members if e.id == rep), None)
                if match:
                    example = match
                    break
            themes.append(ThemeInCity(topic.topic_id, topic.label, topic.keywords, len(members),
                                      Quote(example.id, example.transcript_id, meta[example.transcript_id].role,
                                            example.language, example.text, 0.0),
                                      topic.emergent, topic.codes))
        themes.sort(key=lambda t: (-t.excerpts, t.topic_id))
        summaries.append(CitySummary(city, len(city_transcripts), dict(roles), len(items), tuple(prevalence),
                                     quotes, tuple(themes), evidence))
    return summaries


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(summary: CitySummary, codebook: Codebook, *, run_id: str, draft: bool = True) -> str:
    labels = {c.name: c.label for c in codebook.codes}
    roles = sorted(summary.roles)
    lines = [f"# {summary.city}: barriers to institutionalising co-production", ""]
    if draft:
        lines += ["> **Draft** generated by qualflow from *suggested* codes (run `" + run_id + "`). "
                  "Nothing here is validated until coders have reviewed the excerpts and a validator has signed off.", ""]
    role_list = ", ".join(f"{n} {r.replace('_', ' ')}" for r, n in sorted(summary.roles.items()))
    lines += [f"{summary.interviews} interviews ({role_list}); {summary.excerpts} excerpts of respondent speech.", ""]
    lines += ["## Prevalence by role", "",
              "Share of each role's excerpts that carry the code, and in how many of that role's interviews it appears.", ""]
    header = ["Barrier", "All", *[r.replace("_", " ") for r in roles]]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    by_key = {(p.code, p.role): p for p in summary.prevalence}
    for code in [c.name for c in codebook.top_level]:
        cells = [labels[code]]
        for role in ["all", *roles]:
            p = by_key.get((code, role))
            cells.append(f"{p.share:.0%} ({p.excerpts}/{p.of_excerpts}; {p.interviews}/{p.of_interviews} int.)" if p else "–")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Strongest quotes (original language)", ""]
    for code in [c.name for c in codebook.top_level]:
        lines.append(f"### {labels[code]}")
        quotes = summary.quotes.get(code, ())
        if not quotes:
            lines += ["", "_No excerpt in this city carries this code._", ""]
            continue
        lines.append("")
        for q in quotes:
            lines.append(f"> {_md_cell(q.text)}")
            lines.append(f">\n> — {q.interview_id}, {(q.role or 'unknown role').replace('_', ' ')}, "
                         f"{q.language or '?'}; confidence {q.confidence:.2f}; excerpt `{q.excerpt_id}`")
            lines.append("")
    emergent = [t for t in summary.themes if t.emergent]
    lines += ["## Emergent themes", "",
              "Topics found in this city's interviews that map to no barrier category: for coders to name.", ""]
    if not emergent:
        lines += ["_None: every topic here maps to a barrier category._", ""]
    for t in emergent:
        lines.append(f"- **Topic {t.topic_id}** ({t.excerpts} excerpts here): {', '.join(t.keywords[:6])}")
        if t.example:
            lines.append(f"  - e.g. “{_md_cell(t.example.text)}” ({t.example.interview_id})")
    lines += ["", "## All topics in this city", "", "| Topic | Excerpts | Keywords | Maps to |", "|---|---|---|---|"]
    for t in summary.themes:
        maps = ", ".join(labels.get(c, c) for c in t.codes) or "emergent"
        lines.append(f"| {t.topic_id} | {t.excerpts} | {_md_cell(', '.join(t.keywords[:6]))} | {maps} |")
    lines.append("")
    return "\n".join(lines)
