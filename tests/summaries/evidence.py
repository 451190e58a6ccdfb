"""A small three-source study for the triangulation and narrative tests.

Excerpts carry ``source_type`` and ``page`` through ``SourcedExcerpt``, a test-only subclass
of ``Excerpt``: the pipeline reads both with ``getattr``, so the same code serves excerpts
from the survey and document readers once they exist.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pipeline.records import Code, Codebook, Dimension, Excerpt, InterviewMeta

BOOK = Codebook(
    name="study", version="1", sha256="2" * 64, source="study.yaml",
    codes=(Code("trust", "Trust", "trust", dimension="barrier"),
           Code("trust/parents", "Trust among parents", "parents", parent="trust", dimension="barrier"),
           Code("funding_calls", "Funding calls", "calls", dimension="barrier"),
           Code("state_support", "State support and capacity", "state", dimension="condition"),
           Code("facilitative_technology", "Facilitative technology", "tech", dimension="condition")),
    dimensions=(Dimension("barrier", "Barrier"), Dimension("condition", "Condition")),
)


@dataclass(frozen=True)
class SourcedExcerpt(Excerpt):
    source_type: str = "interview"
    page: int | None = None


def excerpt(eid, source, text, *, kind="interview", page=None, lang="it"):
    return SourcedExcerpt(eid, source, 0, len(text), text, 0, "R" if kind != "document" else "document", lang,
                          None, None, source_type=kind, page=page)


def study():
    """``(excerpts, codes_of, metas, closed_items)``: Bologna has four interviews dense on trust,
    a survey silent on it, and reports; Budapest has two interviews, no survey, no reports."""
    metas = {f"BO-0{i}": InterviewMeta(f"BO-0{i}", f"BO-0{i}.txt", "Bologna", role=role)
             for i, role in enumerate(["parent", "parent", "local_government", "company"], start=1)}
    metas.update({f"BU-0{i}": InterviewMeta(f"BU-0{i}", "f", "Budapest", role="parent") for i in (1, 2)})
    metas.update({f"SV-{i:03d}": InterviewMeta(f"SV-{i:03d}", "survey.csv", "Bologna") for i in range(25)})
    metas["DOC-BO-1"] = InterviewMeta("DOC-BO-1", "report.pdf", "Bologna")
    excerpts, codes = [], {}

    def add(e, **c):
        excerpts.append(e)
        if c:
            codes[e.id] = c

    add(excerpt("bo1.a", "BO-01", "Non lascio mio figlio con chi non conosco."), **{"trust/parents": 0.9})
    add(excerpt("bo1.b", "BO-01", "Il Comune dovrebbe organizzare incontri tra famiglie."),
        trust=0.7, state_support=0.8)
    add(excerpt("bo2.a", "BO-02", "Mi fido solo dei nonni."), trust=0.6)
    add(excerpt("bo3.a", "BO-03", "I bandi sono troppo complicati."), funding_calls=0.95, state_support=0.6)
    add(excerpt("bo3.b", "BO-03", "La fiducia si costruisce con lo sportello del Comune."),
        trust=0.85, state_support=0.9)
    add(excerpt("bo4.a", "BO-04", "Lavoro qui da dieci anni."))
    add(excerpt("bu1.a", "BU-01", "Nem bízom idegenekben.", lang="hu"), trust=0.8, facilitative_technology=0.55)
    add(excerpt("bu2.a", "BU-02", "A pályázatok nehezek.", lang="hu"), funding_calls=0.7)
    for i in range(25):
        add(excerpt(f"sv{i}", f"SV-{i:03d}", f"Risposta aperta numero {i}.", kind="survey"),
            **({"funding_calls": 0.7} if i < 6 else {}))
    for p in range(1, 7):
        add(excerpt(f"doc.{p}", "DOC-BO-1", f"Passage on page {p} of the report.", kind="document", page=p),
            **({"funding_calls": 0.8, "state_support": 0.7} if p in (2, 5) else {}))
    closed = [{"item": "trust_others", "label": "Difficulty trusting other people with childcare", "city": "Bologna",
               "kind": "likert", "n": 117, "mean": 2.1, "mean_low": 1.9, "mean_high": 2.3,
               "shares": {"1": 0.4, "2": 0.35, "3": 0.15, "4": 0.07, "5": 0.03}, "agree_share": 0.1,
               "agree_low": 0.06, "agree_high": 0.17, "links": ["trust/parents"]},
              {"item": "trust_others", "label": "Difficulty trusting other people with childcare", "city": "Budapest",
               "kind": "likert", "n": 77, "mean": 3.9, "mean_low": 3.6, "mean_high": 4.2,
               "shares": {"1": 0.05, "2": 0.1, "3": 0.15, "4": 0.4, "5": 0.3}, "agree_share": 0.7,
               "agree_low": 0.59, "agree_high": 0.79, "links": ["trust"]}]
    return excerpts, codes, metas, closed


def with_parents(codes):
    out = {}
    for eid, cs in codes.items():
        full = dict(cs)
        for c in cs:
            for p in BOOK.parents(c):
                full[p] = cs[c]
        out[eid] = full
    return out


def replace_excerpt(excerpts, eid, **changes):
    return [dataclasses.replace(e, **changes) if e.id == eid else e for e in excerpts]
