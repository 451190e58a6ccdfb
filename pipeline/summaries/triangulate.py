"""Triangulation: per city and barrier, the interviews, the survey and the official reports side by side.

Every excerpt has a source type (``interview``, ``survey`` for an open survey answer,
``document`` for a passage of an official report, with its page). The same codes serve all
three: an excerpt carries a barrier and, coded apart, a condition (``pipeline.codebook.dimensions``).

For each city and barrier, ``triangulate`` gathers
* **interview evidence**: how many of the city's interviews and interview excerpts carry the
  barrier, by respondent role, and by condition (excerpts that carry the barrier *and* the
  condition), with the strongest quotes;
* **survey evidence**: open answers that carry the barrier, and the closed items linked to it
  (``ClosedItemSummary.links`` names codes; a link to a sub-code counts for its barrier);
* **document evidence**: report passages that carry the barrier, with their page;
* **flags** where the sources disagree, by ``DisagreementRule`` (documented there).

Closed-item summaries are taken duck-typed (objects or dicts with the attribute names of
``ClosedItemSummary``: ``item, label, city, kind, n, mean, mean_low, mean_high, shares,
agree_share, agree_low, agree_high, links``), so this module needs nothing of the survey
reader. Everything here is counted from the codes it is given: suggested codes for a run's
draft, accepted codes in the review app.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from pipeline.codebook.dimensions import codes_in, dimensions
from pipeline.records import Codebook, Excerpt, InterviewMeta

SOURCE_TYPES = ("interview", "survey", "document")


def source_type(excerpt: Any) -> str:
    """``interview``, ``survey`` or ``document``; excerpts made before source types existed are interviews."""
    return getattr(excerpt, "source_type", None) or "interview"


def page_of(excerpt: Any) -> int | None:
    return getattr(excerpt, "page", None)


CLOSED_FIELDS = ("item", "label", "city", "kind", "n", "mean", "mean_low", "mean_high", "shares", "agree_share",
                 "agree_low", "agree_high", "links")


def closed_item(value: Any) -> dict:
    """One closed-item summary (a ``ClosedItemSummary`` or its dict) as a plain dict of its fields."""
    get = value.get if isinstance(value, Mapping) else (lambda k, d=None: getattr(value, k, d))
    out = {k: get(k, None) for k in CLOSED_FIELDS}
    if out["item"] is None:
        raise ValueError(f"a closed-item summary without an item: {value!r}")
    out["shares"] = dict(out["shares"] or {})
    out["links"] = list(out["links"] or ())
    out["city"] = out["city"] or "unknown"
    return out


@dataclass(frozen=True)
class DisagreementRule:
    """When the sources disagree about a barrier in a city (flags for the validator).

    * Interviews are **dense** on a barrier when it appears in at least ``dense_interviews``
      of the city's interviews, **silent** when in at most ``silent_interviews``.
    * The survey is **dense** when a linked closed item's share agreeing has a 95% lower
      bound of at least ``dense_agree``, or at least ``dense_answers`` of the city's open
      answers (and ``min_answers`` of them) carry the barrier; **silent** when every linked
      item's upper bound is below ``silent_agree`` and under ``silent_answers`` of at least
      ``min_answers`` open answers carry it. With neither linked items nor enough open
      answers the survey says nothing either way.
    * Documents are **dense** when at least ``dense_passages`` of the city's report passages
      carry it, **silent** when none of at least ``min_passages`` does.
    Flags: interviews dense and survey silent, or the reverse; interviews dense and
    documents silent, or the reverse.
    """

    dense_interviews: float = 0.5
    silent_interviews: float = 0.2
    dense_agree: float = 0.5
    silent_agree: float = 0.2
    dense_answers: float = 0.15
    silent_answers: float = 0.05
    min_answers: int = 20
    dense_passages: float = 0.1
    min_passages: int = 5


DEFAULT_RULE = DisagreementRule()


@dataclass(frozen=True)
class Quote:
    excerpt_id: str
    source_id: str
    """The interview, respondent or document the excerpt comes from (its transcript id)."""
    role: str | None
    language: str | None
    text: str
    confidence: float
    page: int | None = None


@dataclass(frozen=True)
class Count:
    """``excerpts`` of ``of_excerpts`` carry the code; from ``sources`` of ``of_sources``
    interviews, respondents or documents. ``excerpt_ids`` are the excerpts counted."""

    key: str
    excerpts: int
    of_excerpts: int
    sources: int
    of_sources: int
    excerpt_ids: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        return self.excerpts / self.of_excerpts if self.of_excerpts else 0.0

    @property
    def source_share(self) -> float:
        return self.sources / self.of_sources if self.of_sources else 0.0


@dataclass(frozen=True)
class Flag:
    rule: str
    """``interviews_not_survey``, ``survey_not_interviews``, ``interviews_not_documents``, ``documents_not_interviews``."""
    message: str


@dataclass(frozen=True)
class BarrierEvidence:
    city: str
    barrier: str
    interviews: Count
    by_role: tuple[Count, ...]
    by_condition: tuple[Count, ...]
    """Interview excerpts carrying the barrier and the condition (``of_excerpts``: those carrying the barrier)."""
    quotes: tuple[Quote, ...]
    condition_quotes: dict[str, Quote]
    """The strongest interview excerpt carrying the barrier and each condition."""
    survey_answers: Count
    survey_quotes: tuple[Quote, ...]
    closed_items: tuple[dict, ...]
    documents: Count
    document_quotes: tuple[Quote, ...]
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class CityTriangulation:
    city: str
    interviews: int
    roles: dict[str, int]
    survey_answers: int
    documents: int
    barriers: tuple[BarrierEvidence, ...]


@dataclass(frozen=True)
class Triangulation:
    barriers: tuple[str, ...]
    conditions: tuple[str, ...]
    labels: dict[str, str]
    cities: tuple[CityTriangulation, ...]
    closed_items: tuple[dict, ...] = ()
    rule: DisagreementRule = field(default_factory=DisagreementRule)

    def city(self, name: str) -> CityTriangulation:
        for c in self.cities:
            if c.city == name:
                return c
        raise KeyError(name)


def barriers_and_conditions(codebook: Codebook) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Top-level codes of the first family (what is read) and of the second (what it is read
    against): ``barrier`` and ``condition`` when so named. One family: no conditions."""
    names = [d.name for d in dimensions(codebook)]
    first = "barrier" if "barrier" in names else names[0]
    rest = [n for n in names if n != first]
    second = "condition" if "condition" in rest else (rest[0] if rest else None)
    barriers = tuple(c.name for c in codes_in(codebook, first, top_level=True))
    conditions = tuple(c.name for c in codes_in(codebook, second, top_level=True)) if second else ()
    return barriers, conditions


def _codes_of(codings: Any, codebook: Codebook) -> dict[str, dict[str, float]]:
    """``{excerpt id: {code: confidence}}`` from such a mapping or from ``ExcerptCoding``s'
    suggestions, with every code's parents added (a sub-code counts for its barrier)."""
    if isinstance(codings, Mapping):
        raw = {eid: dict(codes) for eid, codes in codings.items()}
    else:
        raw = {c.excerpt_id: {s.code: s.confidence for s in c.suggestions} for c in codings}
    out = {}
    for eid, codes in raw.items():
        full = dict(codes)
        for code, conf in codes.items():
            for p in codebook.parents(code):
                full[p] = max(full.get(p, 0.0), conf)
        out[eid] = full
    return out


def _metas(transcripts: Any) -> dict[str, InterviewMeta]:
    if isinstance(transcripts, Mapping):
        return dict(transcripts)
    return {t.id: t.meta for t in transcripts}


def triangulate(excerpts: Sequence[Excerpt], codings: Any, transcripts: Any, codebook: Codebook,
                closed_items: Sequence[Any] = (), *, quotes: int = 3,
                rule: DisagreementRule = DEFAULT_RULE) -> Triangulation:
    """The evidence per city and barrier (see the module docstring).

    ``codings``: ``{excerpt id: {code: confidence}}`` or ``ExcerptCoding``s (their suggestions).
    ``transcripts``: ``Transcript``s or ``{transcript id: InterviewMeta}`` (city, role).
    ``closed_items``: closed-item summaries of the survey (empty when there is none).
    """
    barriers, conditions = barriers_and_conditions(codebook)
    codes_of = _codes_of(codings, codebook)
    meta = _metas(transcripts)
    items = tuple(closed_item(c) for c in closed_items)
    by_city: dict[str, list[Excerpt]] = defaultdict(list)
    for e in excerpts:
        by_city[meta[e.transcript_id].city or "unknown"].append(e)
    def barrier_of(code: str) -> str:
        return (code, *codebook.parents(code))[-1]

    cities = []
    for city in sorted(by_city):
        kinds = {k: [e for e in by_city[city] if source_type(e) == k] for k in SOURCE_TYPES}
        interviews = kinds["interview"]
        role_of = {e.transcript_id: meta[e.transcript_id].role or "unknown" for e in interviews}
        roles: dict[str, int] = defaultdict(int)
        for tid, role in role_of.items():
            roles[role] += 1
        city_items = [i for i in items if i["city"] == city]
        evidence = []
        for barrier in barriers:
            def carrying(pool, *codes):
                return [e for e in pool if all(c in codes_of.get(e.id, {}) for c in codes)]

            def count(key, pool, hits):
                return Count(key, len(hits), len(pool), len({e.transcript_id for e in hits}),
                             len({e.transcript_id for e in pool}), tuple(e.id for e in hits))

            def strongest(hits, code=barrier, n=quotes):
                ranked = sorted(hits, key=lambda e: (-codes_of[e.id][code], e.id))[:n]
                return tuple(Quote(e.id, e.transcript_id, meta[e.transcript_id].role, e.language, e.text,
                                   round(codes_of[e.id][code], 3), page_of(e)) for e in ranked)

            hits = carrying(interviews, barrier)
            by_role = tuple(count(role, [e for e in interviews if role_of[e.transcript_id] == role],
                                  [e for e in hits if role_of[e.transcript_id] == role]) for role in sorted(roles))
            by_condition, condition_quotes = [], {}
            for condition in conditions:
                both = carrying(hits, condition)
                by_condition.append(count(condition, hits, both))
                if both:
                    condition_quotes[condition] = strongest(both, n=1)[0]
            answers = carrying(kinds["survey"], barrier)
            passages = carrying(kinds["document"], barrier)
            linked = tuple(i for i in city_items if any(barrier_of(link) == barrier for link in i["links"]))
            item = BarrierEvidence(city, barrier, count("all", interviews, hits), by_role, tuple(by_condition),
                                   strongest(hits), condition_quotes, count("survey", kinds["survey"], answers),
                                   strongest(answers), linked, count("document", kinds["document"], passages),
                                   strongest(passages))
            evidence.append(_flagged(item, rule, codebook))
        cities.append(CityTriangulation(city, len(role_of), dict(sorted(roles.items())),
                                        len({e.transcript_id for e in kinds["survey"]}),
                                        len({e.transcript_id for e in kinds["document"]}), tuple(evidence)))
    labels = {c.name: c.label for c in codebook.codes}
    return Triangulation(barriers, conditions, labels, tuple(cities), items, rule)


def _flagged(item: BarrierEvidence, rule: DisagreementRule, codebook: Codebook) -> BarrierEvidence:
    import dataclasses

    label = codebook.code(item.barrier).label
    interviews = item.interviews
    i_dense = interviews.of_sources > 0 and interviews.source_share >= rule.dense_interviews
    i_silent = interviews.of_sources > 0 and interviews.source_share <= rule.silent_interviews
    answers = item.survey_answers
    enough = answers.of_excerpts >= rule.min_answers
    agree = [i for i in item.closed_items if i["agree_share"] is not None]
    s_dense = any((i["agree_low"] if i["agree_low"] is not None else i["agree_share"]) >= rule.dense_agree
                  for i in agree) or (enough and answers.share >= rule.dense_answers)
    speaks = bool(agree) or enough
    s_silent = speaks and all((i["agree_high"] if i["agree_high"] is not None else i["agree_share"]) < rule.silent_agree
                              for i in agree) and (not enough or answers.share < rule.silent_answers)
    docs = item.documents
    d_dense = docs.of_excerpts >= rule.min_passages and docs.share >= rule.dense_passages
    d_silent = docs.of_excerpts >= rule.min_passages and docs.excerpts == 0
    i_text = f"{interviews.sources} of {interviews.of_sources} interviews"
    s_text = "; ".join([f"{answers.excerpts} of {answers.of_excerpts} open answers"]
                       + [f"{i['agree_share']:.0%} agree with \u201c{i['label'] or i['item']}\u201d" for i in agree])
    d_text = f"{docs.excerpts} of {docs.of_excerpts} report passages"
    flags = []
    if i_dense and s_silent:
        flags.append(Flag("interviews_not_survey", f"{label}: dense in the interviews ({i_text}) but the survey is "
                                                   f"silent ({s_text})."))
    if s_dense and i_silent:
        flags.append(Flag("survey_not_interviews", f"{label}: the survey speaks of it ({s_text}) but the interviews "
                                                   f"hardly do ({i_text})."))
    if i_dense and d_silent:
        flags.append(Flag("interviews_not_documents", f"{label}: dense in the interviews ({i_text}) but absent from "
                                                      f"the official reports ({d_text})."))
    if d_dense and i_silent:
        flags.append(Flag("documents_not_interviews", f"{label}: the official reports speak of it ({d_text}) but the "
                                                      f"interviews hardly do ({i_text})."))
    return dataclasses.replace(item, flags=tuple(flags))


__all__ = ["BarrierEvidence", "CityTriangulation", "Count", "DEFAULT_RULE", "DisagreementRule", "Flag", "Quote",
           "SOURCE_TYPES", "Triangulation", "barriers_and_conditions", "closed_item", "page_of", "source_type",
           "triangulate", "triangulation_from_dict", "triangulation_to_dict"]


def triangulation_to_dict(tri: Triangulation) -> dict:
    """A JSON-ready dict (for signed content); ``triangulation_from_dict`` reads it back."""
    import dataclasses

    out = dataclasses.asdict(tri)
    out["closed_items"] = [dict(i) for i in tri.closed_items]
    return out


def triangulation_from_dict(data: dict) -> Triangulation:
    def count(d):
        return Count(**{**d, "excerpt_ids": tuple(d["excerpt_ids"])})

    def quote(d):
        return Quote(**d)

    cities = []
    for c in data["cities"]:
        barriers = tuple(BarrierEvidence(
            b["city"], b["barrier"], count(b["interviews"]), tuple(map(count, b["by_role"])),
            tuple(map(count, b["by_condition"])), tuple(map(quote, b["quotes"])),
            {k: quote(q) for k, q in b["condition_quotes"].items()}, count(b["survey_answers"]),
            tuple(map(quote, b["survey_quotes"])), tuple(b["closed_items"]), count(b["documents"]),
            tuple(map(quote, b["document_quotes"])), tuple(Flag(**f) for f in b["flags"]))
            for b in c["barriers"])
        cities.append(CityTriangulation(c["city"], c["interviews"], dict(c["roles"]), c["survey_answers"],
                                        c["documents"], barriers))
    return Triangulation(tuple(data["barriers"]), tuple(data["conditions"]), dict(data["labels"]), tuple(cities),
                         tuple(data["closed_items"]), DisagreementRule(**data["rule"]))
