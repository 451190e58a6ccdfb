"""Machine-vs-human (and human-vs-human) agreement on coded interviews.

**Units.** Agreement needs units both sides coded. Two granularities:

* ``excerpt`` (the default and the headline): our own excerpts (respondent speech, 1-4
  sentences) of the documents the gold covers are the units, as the review app shows them;
  an excerpt nobody coded is a unit with no code. Most real speech carries no code, so this
  is where false positives count.
* ``segment`` (a secondary view): every located gold segment is a unit, the machine codes
  its text (with the question it follows as context). It answers only "given what a coder
  highlighted, does the machine pick the coder's code?", and flatters: there is no uncoded
  text to suggest a code for.

**Matching gold spans to units.** Excerpts and gold segments rarely share boundaries. A
unit gets a gold span's codes when the span covers at least ``unit_cover`` (X, default
50%) of the unit's characters, *or* at least ``gold_cover`` (Y, default 50%) of the span
lies inside the unit. X catches a long gold segment over a short excerpt; Y catches a
short gold phrase inside a long excerpt. Touching or barely overlapping spans give
nothing. Gold spans that reach no unit are counted (``gold_spans_unmatched``).

**Metrics.** Per code: precision, recall, F1 and Cohen's kappa of presence/absence,
support (units with the code in gold). Overall: macro-F1 (mean over codes with support),
micro-F1, Cohen's kappa and Krippendorff's alpha (nominal) pooled over unit × code
presence with a bootstrap 95% interval over units (``pipeline.quality.agreement``), top-1
accuracy and top-3 recall over units with at least one gold code (is the highest-ranked
code, or one of the three highest, among the gold codes), and calibration: a 10-bin
reliability table over every unit × code confidence and its expected calibration error
(ECE). Detection: micro precision and recall, suggestions per 100 units and the share of
suggested unit x code pairs a coder would reject, reported only where the gold has uncoded
text (``pipeline.quality.detection``). The same figures per document, language and manifest
attribute (city, role, ...). ``settings.measured_over`` names the level every figure is at.

The machine's codes for a unit are its suggestions; at the segment level, where every
unit carries a human code by construction, the top-ranked code is always included.
"""

from __future__ import annotations

import html
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from pipeline.errors import InvalidInput
from pipeline.records import Codebook, Excerpt, Transcript
from pipeline.quality.agreement import agreement, cohen_kappa, presence
from pipeline.quality.detection import LEVEL_NAMES, detection, detection_withheld, uncoded_share, withhold
from pipeline.quality.gold import Gold, GoldSpan, check_gold_codes, gold_with_parents, load_gold

UNIT_COVER = 0.5
"""X: a gold span that covers at least this share of a unit's characters codes the unit."""
GOLD_COVER = 0.5
"""Y: so does a gold span of which at least this share lies inside the unit."""
LEVELS = ("segment", "excerpt")
BINS = 10


# --------------------------------------------------------------------------------------
# Units and their gold codes
# --------------------------------------------------------------------------------------


def _turn_at(transcript: Transcript, position: int) -> tuple[int, str, str | None]:
    """The index, speaker and language of the turn that ``position`` falls in (or follows)."""
    index, speaker, lang = 0, "", transcript.language
    for turn in transcript.turns:
        if turn.start > position:
            break
        index, speaker, lang = turn.index, turn.speaker, turn.lang or transcript.language
    return index, speaker, lang


def segment_units(gold: Gold, transcripts: Sequence[Transcript]) -> list[Excerpt]:
    """One unit per located gold span: its text, with the question it follows as context
    (the last real interviewer question, as for excerpts: ``pipeline.segment.questions``)."""
    from pipeline.segment import excerpt_id
    from pipeline.segment.questions import question_before

    by_id = {t.id: t for t in transcripts}
    units = []
    for span in gold.spans:
        t = by_id[span.transcript_id]
        index, speaker, lang = _turn_at(t, span.start)
        question = question_before(t.turns, span.start)
        units.append(Excerpt(excerpt_id(t.id, span.start, span.end, span.text), t.id, span.start, span.end,
                             span.text, index, speaker, lang, question, None))
    # one unit per distinct span (two gold files may repeat one)
    return list({u.id: u for u in units}.values())


def excerpt_units(transcripts: Sequence[Transcript], config=None) -> list[Excerpt]:
    from pipeline.config import SegmentConfig
    from pipeline.segment import segment_transcript

    return [e for t in transcripts for e in segment_transcript(t, config or SegmentConfig())]


def gold_coding(units: Sequence[Excerpt], gold: Gold, *, unit_cover: float = UNIT_COVER,
                gold_cover: float = GOLD_COVER) -> tuple[dict[str, frozenset[str]], int]:
    """Each unit's gold codes (see the module docstring), and how many spans reached no unit."""
    by_doc: dict[str, list[GoldSpan]] = {}
    for s in gold.spans:
        by_doc.setdefault(s.transcript_id, []).append(s)
    reached: set[int] = set()
    coding: dict[str, frozenset[str]] = {}
    for u in units:
        codes: set[str] = set()
        for s in by_doc.get(u.transcript_id, ()):
            if s.unit_id is not None:
                hit = s.unit_id == u.id
            else:
                overlap = min(u.end, s.end) - max(u.start, s.start)
                if overlap <= 0:
                    continue
                hit = (overlap >= unit_cover * max(u.end - u.start, 1)
                       or overlap >= gold_cover * max(s.end - s.start, 1))
            if hit:
                codes |= s.codes
                reached.add(id(s))
        coding[u.id] = frozenset(codes)
    unmatched = sum(1 for s in gold.spans if id(s) not in reached and s.codes)
    return coding, unmatched


# --------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------


def precision_recall_f1(gold: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """Of one 0/1 column; 0 where undefined (no predictions / no gold), as scikit-learn's ``zero_division=0``."""
    tp = int((gold & predicted).sum())
    fp = int(((1 - gold) & predicted).sum())
    fn = int((gold & (1 - predicted)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def top_k_hits(confidence: np.ndarray, gold: np.ndarray, k: int) -> np.ndarray:
    """Per unit with at least one gold code: is one of its ``k`` highest-ranked codes a gold code?"""
    has_gold = gold.sum(axis=1) > 0
    if not has_gold.any():
        return np.zeros(0, dtype=bool)
    order = np.argsort(-confidence[has_gold], axis=1, kind="stable")[:, :k]
    return np.take_along_axis(gold[has_gold], order, axis=1).any(axis=1)


def reliability(confidence: np.ndarray, truth: np.ndarray, bins: int = BINS) -> tuple[list[dict], float | None]:
    """Reliability table (equal-width bins over [0, 1]) and expected calibration error.

    ECE = sum over bins of (share of items in the bin) x |observed rate - mean confidence|.
    The last bin includes 1.0.
    """
    p = np.asarray(confidence, dtype=float).ravel()
    y = np.asarray(truth, dtype=float).ravel()
    if len(p) == 0:
        return [], None
    which = np.minimum((p * bins).astype(int), bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        row = {"bin": f"{b / bins:.1f}-{(b + 1) / bins:.1f}", "count": n,
               "mean_confidence": round(float(p[m].mean()), 4) if n else None,
               "observed": round(float(y[m].mean()), 4) if n else None}
        if n:
            ece += n / len(p) * abs(float(y[m].mean()) - float(p[m].mean()))
        table.append(row)
    return table, round(ece, 4)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)


def score_units(
    unit_ids: Sequence[str],
    codes: Sequence[str],
    gold: Mapping[str, frozenset[str]],
    predicted: Mapping[str, frozenset[str]],
    confidence: np.ndarray | None,
    *,
    bootstrap: int = 1000,
    seed: int = 0,
) -> tuple[dict, list[dict], dict]:
    """``(overall, per_code, calibration)`` for one set of units.

    ``confidence`` is ``(len(unit_ids), len(codes))``; without it (a human coder) there is
    no ranking or calibration.
    """
    G = presence(gold, unit_ids, codes)
    P = presence(predicted, unit_ids, codes)
    agree = agreement(gold, predicted, codes=list(codes), units=list(unit_ids), bootstrap=bootstrap, seed=seed)
    per_code = []
    f1s = []
    for j, code in enumerate(codes):
        p, r, f = precision_recall_f1(G[:, j], P[:, j])
        support = int(G[:, j].sum())
        if support:
            f1s.append(f)
        per_code.append({"code": code, "precision": _r(p), "recall": _r(r), "f1": _r(f),
                         "kappa": _r(cohen_kappa(G[:, j], P[:, j])), "support": support,
                         "predicted": int(P[:, j].sum())})
    tp = int((G & P).sum())
    micro_p = tp / int(P.sum()) if P.sum() else 0.0
    micro_r = tp / int(G.sum()) if G.sum() else 0.0
    overall = {
        "units": len(unit_ids),
        "units_with_gold": int((G.sum(axis=1) > 0).sum()),
        "kappa": agree.kappa,
        "alpha": agree.alpha,
        "alpha_ci": list(agree.alpha_ci) if agree.alpha_ci else None,
        "macro_f1": _r(np.mean(f1s)) if f1s else None,
        "micro_f1": _r(2 * micro_p * micro_r / (micro_p + micro_r)) if micro_p + micro_r else 0.0,
        "top1_accuracy": None, "top3_recall": None, "ece": None,
        "mean_codes_gold": _r(G.sum(axis=1).mean()) if len(G) else None,
        "mean_codes_predicted": _r(P.sum(axis=1).mean()) if len(P) else None,
        **detection(G, P),
    }
    calibration: dict = {}
    if confidence is not None and len(unit_ids):
        top1, top3 = top_k_hits(confidence, G, 1), top_k_hits(confidence, G, 3)
        overall["top1_accuracy"] = _r(top1.mean()) if len(top1) else None
        overall["top3_recall"] = _r(top3.mean()) if len(top3) else None
        table, ece = reliability(confidence, G)
        overall["ece"] = ece
        calibration = {"bins": table, "ece": ece, "over": "every unit x code confidence"}
    return overall, per_code, calibration


# --------------------------------------------------------------------------------------
# Predictions
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Predictions:
    """What a mapper said about units, row-aligned with ``unit_ids``."""

    unit_ids: tuple[str, ...]
    codes: tuple[str, ...]
    confidence: np.ndarray
    suggested: dict[str, frozenset[str]]


class MemoryCache:
    """An in-process ``VectorCache`` (evaluations embed the same texts many times)."""

    def __init__(self) -> None:
        self.vectors: dict[str, dict[str, np.ndarray]] = {}

    def get_vectors(self, embedder_id: str, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        mine = self.vectors.get(embedder_id, {})
        return {h: mine[h] for h in hashes if h in mine}

    def put_vectors(self, embedder_id: str, vectors: dict[str, np.ndarray]) -> None:
        self.vectors.setdefault(embedder_id, {}).update(vectors)


def predict(
    units: Sequence[Excerpt],
    codebook: Codebook,
    embedder,
    *,
    mapper: str = "detect.v1",
    train: Sequence = (),
    config=None,
    cache=None,
    force_top1: bool = False,
    learner: Mapping | None = None,
) -> Predictions:
    """Code ``units`` with the registered ``mapper``, which first learns from ``train``:
    ``(unit, gold codes)`` pairs (a complete coding) or ``LabelledExcerpt``s.

    ``learner``: keyword arguments for the mapper's class (the benchmark's ablations).
    """
    from pipeline.config import MappingConfig
    from pipeline.mapping.base import mapper_class
    from pipeline.mapping.vectors import LabelledExcerpt, embed_codebook, embed_excerpts, text_only

    mapping = (config or MappingConfig()).model_copy(update={"mapper": mapper})
    try:
        cls = mapper_class(mapper)
    except KeyError as exc:
        raise InvalidInput("--mapper", exc.args[0]) from None
    if train and not getattr(cls, "learns", False):
        raise InvalidInput("--mapper", f"{mapper} does not learn; use a mapper that learns with --learn-from")
    codes = tuple(c.name for c in codebook.codes)
    prototypes, proto_vectors = embed_codebook(embedder, codebook, cache)

    def vectors_of(excerpts):
        if cls.reads_context:
            return embed_excerpts(embedder, excerpts, cache)
        from pipeline.embed.cache import embed_with_cache

        return text_only(embed_with_cache(embedder, [e.text for e in excerpts], cache)[0])

    examples = [u if isinstance(u, LabelledExcerpt) else LabelledExcerpt(u[0], frozenset(u[1])) for u in train]
    from pipeline.mapping.dimensions import fit_per_dimension

    model = fit_per_dimension(cls, mapping, codebook, proto_vectors, prototypes, examples,
                              vectors_of([ex.excerpt for ex in examples]) if examples else None, **dict(learner or {}))
    codings = model.code(units, vectors_of(units))
    column = {c: j for j, c in enumerate(codes)}
    confidence = np.zeros((len(units), len(codes)))
    suggested = {}
    for i, coding in enumerate(codings):
        for s in coding.scores:
            confidence[i, column[s.code]] = s.score
        chosen = {s.code for s in coding.suggestions}
        if force_top1 and len(codes):
            chosen.add(codes[int(np.argmax(confidence[i]))])
        suggested[coding.excerpt_id] = frozenset(chosen)
    return Predictions(tuple(u.id for u in units), codes, confidence, suggested)


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


@dataclass
class EvalReport:
    settings: dict
    gold: dict
    overall: dict
    per_code: list[dict]
    breakdown: dict[str, list[dict]]
    calibration: dict
    training: dict | None = None
    warnings: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)
    simulation: list[dict] | None = None
    """Learning-curve points of a simulated review (``pipeline.quality.simulate``)."""
    simulation_review: dict | None = None
    """Its settings, warnings and the reliability of the reviewed suggestions' confidence."""

    def as_dict(self) -> dict:
        out = {"settings": self.settings, "overall": self.overall, "per_code": self.per_code,
               "breakdown": self.breakdown, "calibration": self.calibration, "gold": self.gold,
               "training": self.training, "warnings": self.warnings, "timings_s": self.timings_s}
        if self.simulation is not None:
            out["simulation"] = self.simulation
            out["simulation_review"] = self.simulation_review
        return out


def _attributes(unit: Excerpt, transcript: Transcript) -> dict[str, str]:
    meta = transcript.meta
    out = {"document": transcript.id, "language": unit.language or transcript.language or "unknown"}
    for name in ("city", "country", "role"):
        value = getattr(meta, name)
        if value:
            out[name] = value
    for name, value in (meta.extra or {}).items():
        if value:
            out[name] = str(value)
    return out


def breakdown(units: Sequence[Excerpt], transcripts: Sequence[Transcript], gold: Mapping[str, frozenset[str]],
              predictions: Predictions, *, bootstrap: int = 200) -> dict[str, list[dict]]:
    """The overall figures per document, language and manifest attribute."""
    by_id = {t.id: t for t in transcripts}
    row_of = {u: i for i, u in enumerate(predictions.unit_ids)}
    groups: dict[str, dict[str, list[str]]] = {}
    for u in units:
        for attribute, value in _attributes(u, by_id[u.transcript_id]).items():
            groups.setdefault(attribute, {}).setdefault(value, []).append(u.id)
    out: dict[str, list[dict]] = {}
    for attribute, values in groups.items():
        rows = []
        for value, ids in sorted(values.items()):
            conf = predictions.confidence[[row_of[i] for i in ids]]
            overall, _, _ = score_units(ids, predictions.codes, gold, predictions.suggested, conf, bootstrap=bootstrap)
            rows.append({"value": value, **{k: overall[k] for k in (
                "units", "units_with_gold", "kappa", "alpha", "alpha_ci", "macro_f1", "top1_accuracy", "top3_recall",
                "ece", "precision", "recall", "suggestions_per_100", "reject_share")}})
        out[attribute] = rows
    return out


def report_for(units: Sequence[Excerpt], transcripts: Sequence[Transcript], gold: Gold,
               coding: Mapping[str, frozenset[str]], predictions: Predictions, *, settings: dict,
               unmatched: int, bootstrap: int = 1000, training: dict | None = None,
               warnings: Sequence[str] = (), gold_summary: dict | None = None) -> EvalReport:
    overall, per_code, calibration = score_units(predictions.unit_ids, predictions.codes, coding,
                                                 predictions.suggested, predictions.confidence,
                                                 bootstrap=bootstrap)
    overall["gold_spans_unmatched"] = unmatched
    warns = list(warnings)
    # detection figures only where uncoded gold text means "no code" (pipeline.quality.detection)
    level = settings.get("level", "excerpt")
    settings = {**settings, "measured_over": LEVEL_NAMES.get(level, level)}
    overall["uncoded_share"] = uncoded_share(predictions.unit_ids, coding)
    withheld = detection_withheld(level, overall["uncoded_share"])
    rows = breakdown(units, transcripts, coding, predictions, bootstrap=min(bootstrap, 200))
    if withheld:
        overall = withhold(overall)
        rows = {k: [withhold(r) for r in v] for k, v in rows.items()}
        warns.append(withheld)
    else:
        settings["detection_assumes"] = "uncoded respondent text in the gold documents means no code applies"
    summary = dict(gold_summary) if gold_summary is not None else gold.summary()
    summary["spans_evaluated"] = len(gold.spans)
    if summary["unlocated"]:
        warns.append(f"{len(summary['unlocated'])} of {summary['segments_read']} gold segments could not be "
                     f"located in the transcripts (listed under gold.unlocated)")
    if summary["unknown_codes"]:
        listing = ", ".join(f"{c!r} ({n})" for c, n in summary["unknown_codes"].items())
        warns.append(f"gold codes not in the codebook were left out: {listing}")
    if unmatched:
        warns.append(f"{unmatched} gold spans reach no unit (e.g. interviewer speech at the excerpt level)")
    return EvalReport(settings=settings, gold=summary, overall=overall, per_code=per_code, breakdown=rows,
                      calibration=calibration, training=training, warnings=warns)


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def prepare_gold(gold: Gold, codebook: Codebook, *, on_unknown: str = "error") -> Gold:
    return gold_with_parents(check_gold_codes(gold, codebook, on_unknown=on_unknown), codebook)


def scored_codebook(codebook: Codebook, *golds: Gold | None) -> tuple[Codebook, list[str]]:
    """The codebook restricted to the code families (dimensions) the gold codes use, and a
    warning naming those left out.

    Families are coded independently, so leaving one out changes nothing in the others'
    suggestions; scoring one the gold never codes would count every suggestion of it as
    wrong (gold of barriers only, a codebook of barriers and conditions). A codebook with
    one family, or gold that uses every family, is returned as it is.
    """
    from pipeline.codebook.dimensions import dimensions, dimensions_used, restrict

    every = [d.name for d in dimensions(codebook)]
    if len(every) == 1:
        return codebook, []
    used = dimensions_used(codebook, {c for g in golds if g is not None for s in g.spans for c in s.codes})
    if not used or used == every:
        return codebook, []
    left_out = [d for d in every if d not in used]
    return restrict(codebook, used), [
        f"the gold codes no code of the dimension(s) {', '.join(left_out)}: scored on {', '.join(used)} only "
        f"(dimensions are coded independently, so this changes no other suggestion)"]


def units_for(level: str, gold: Gold, transcripts: Sequence[Transcript], segment_config=None,
              documents: Sequence[str] | None = None) -> list[Excerpt]:
    """The units of ``level``; at the excerpt level, of ``documents`` (default: those with a gold span)."""
    if level == "segment":
        return segment_units(gold, transcripts)
    if level == "excerpt":
        covered = gold.transcript_ids if documents is None else set(documents)
        return excerpt_units([t for t in transcripts if t.id in covered], segment_config)
    raise InvalidInput("--level", f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def _defaults(config, embedder, cache):
    """The run config (default settings when none), its embedder when none is given, and an
    in-process vector cache when none is given."""
    from pipeline.config import RunConfig

    config = config or RunConfig()
    if embedder is None:
        from pipeline.embed.factory import make_embedder

        embedder = make_embedder(config.embed)
    return config, embedder, (cache if cache is not None else MemoryCache())


def evaluate_gold(
    transcripts: Sequence[Transcript],
    gold: Gold,
    codebook: Codebook,
    *,
    train_gold: Gold | None = None,
    level: str = "excerpt",
    mapper: str | None = None,
    embedder=None,
    config=None,
    cache=None,
    unit_cover: float = UNIT_COVER,
    gold_cover: float = GOLD_COVER,
    bootstrap: int = 1000,
    warnings: Sequence[str] = (),
    learner: Mapping | None = None,
    documents: Sequence[str] | None = None,
) -> EvalReport:
    """Evaluate on ``gold`` (already checked against the codebook), learning from ``train_gold``
    first when given; its documents are left out of the evaluation. ``documents``: the
    documents the gold codes exhaustively, when some carry no code at all (default: those with
    a gold span)."""
    started = time.perf_counter()
    config, embedder, cache = _defaults(config, embedder, cache)
    mapper = mapper or config.mapping.mapper
    codebook, left_out = scored_codebook(codebook, gold, train_gold)
    warnings = [*warnings, *left_out]
    train: list[tuple[Excerpt, frozenset[str]]] = []
    training = None
    summary = gold.summary()
    if train_gold is not None:
        held_out = train_gold.transcript_ids
        gold = gold.without(held_out)
        summary["excluded_documents"] = sorted(held_out)
        if not gold.spans:
            raise InvalidInput(gold.name, "every gold document is also a training document (--learn-from): "
                                          "nothing is left to evaluate on")
        train_units = units_for(level, train_gold, transcripts, config.segment)
        train_coding, _ = gold_coding(train_units, train_gold, unit_cover=unit_cover, gold_cover=gold_cover)
        train = [(u, train_coding[u.id]) for u in train_units]
        training = {"source": train_gold.name, "documents": sorted(held_out), "examples": len(train),
                    "examples_with_codes": sum(1 for _, c in train if c)}
    if documents is not None and train_gold is not None:
        documents = [d for d in documents if d not in train_gold.transcript_ids]
    units = units_for(level, gold, transcripts, config.segment, documents)
    if not units:
        raise InvalidInput(gold.name, "no units to evaluate (no excerpt in the gold documents)")
    coding, unmatched = gold_coding(units, gold, unit_cover=unit_cover, gold_cover=gold_cover)
    predictions = predict(units, codebook, embedder, mapper=mapper, train=train, config=config.mapping,
                          cache=cache, force_top1=(level == "segment"), learner=learner)
    settings = _settings(level, mapper, embedder, codebook, config, unit_cover, gold_cover, bootstrap)
    report = report_for(units, transcripts, gold, coding, predictions, settings=settings, unmatched=unmatched,
                        bootstrap=bootstrap, training=training, warnings=warnings, gold_summary=summary)
    report.timings_s["evaluate"] = round(time.perf_counter() - started, 2)
    return report


def leave_one_document_out(
    transcripts: Sequence[Transcript],
    gold: Gold,
    codebook: Codebook,
    *,
    level: str = "excerpt",
    embedder=None,
    config=None,
    cache=None,
    unit_cover: float = UNIT_COVER,
    gold_cover: float = GOLD_COVER,
    bootstrap: int = 1000,
    learner: Mapping | None = None,
    mapper: str | None = None,
    documents: Sequence[str] | None = None,
) -> EvalReport:
    """Learn from every gold document but one, code that one; pool the held-out codings.
    ``documents`` as for ``evaluate_gold`` (at the excerpt level, a document with no code is a
    fold too). ``mapper``: a mapper that learns; default the config's."""
    started = time.perf_counter()
    config, embedder, cache = _defaults(config, embedder, cache)
    mapper = mapper or config.mapping.mapper
    codebook, left_out = scored_codebook(codebook, gold)
    documents = sorted(gold.transcript_ids if documents is None or level == "segment" else documents)
    if len(documents) < 2:
        raise InvalidInput(gold.name, "leave-one-document-out needs gold on at least two documents")
    all_units = units_for(level, gold, transcripts, config.segment, documents)
    coding, unmatched = gold_coding(all_units, gold, unit_cover=unit_cover, gold_cover=gold_cover)
    rows, confidence, suggested, folds = [], [], {}, []
    for doc in documents:
        train = [(u, coding[u.id]) for u in all_units if u.transcript_id != doc]
        test = [u for u in all_units if u.transcript_id == doc]
        p = predict(test, codebook, embedder, mapper=mapper, train=train, config=config.mapping,
                    cache=cache, force_top1=(level == "segment"), learner=learner)
        rows += list(p.unit_ids)
        confidence.append(p.confidence)
        suggested.update(p.suggested)
        folds.append({"held_out": doc, "train_examples": len(train), "test_units": len(test)})
    predictions = Predictions(tuple(rows), tuple(c.name for c in codebook.codes), np.vstack(confidence), suggested)
    order = {u: i for i, u in enumerate(rows)}
    units = sorted(all_units, key=lambda u: order[u.id])
    settings = _settings(level, mapper, embedder, codebook, config, unit_cover, gold_cover, bootstrap)
    settings["protocol"] = "leave one document out"
    report = report_for(units, transcripts, gold, coding, predictions, settings=settings, unmatched=unmatched,
                        bootstrap=bootstrap, training={"folds": folds}, warnings=left_out)
    report.timings_s["evaluate"] = round(time.perf_counter() - started, 2)
    return report


def _settings(level, mapper, embedder, codebook, config, unit_cover, gold_cover, bootstrap) -> dict:
    return {"level": level, "mapper": mapper, "embedder": embedder.id, "codebook": codebook.id,
            "codes": len(codebook.codes), "threshold": config.mapping.threshold,
            "max_codes": config.mapping.max_codes, "unit_cover": unit_cover, "gold_cover": gold_cover,
            "bootstrap": bootstrap, "calibration_bins": BINS}


def evaluate(
    corpus: str | Path,
    gold: str | Path,
    codebook: str | Path,
    *,
    learn_from: str | Path | None = None,
    level: str = "excerpt",
    mapper: str | None = None,
    on_unknown: str = "error",
    config: str | Path | None = None,
    embedder=None,
    cache=None,
    unit_cover: float = UNIT_COVER,
    gold_cover: float = GOLD_COVER,
    bootstrap: int = 1000,
    simulate_review: Sequence[int] | str | None = None,
    relearn_every: int = 25,
    all_documents: bool = False,
    spot_checks: float | None = None,
) -> EvalReport:
    """``qualflow eval`` as a function: ingest ``corpus``, load ``gold`` and ``codebook``,
    code and compare. With ``learn_from``, learn from that gold's documents first and
    evaluate on the others. With ``simulate_review`` (numbers of decisions), also replay a
    coder reviewing the queue (``pipeline.quality.simulate``), with ``spot_checks`` of its cards
    on excerpts with no suggestion (default: the review app's share). With ``all_documents``, every
    corpus document is taken as coded exhaustively, including those with no gold code."""
    from pipeline.codebook import load_codebook
    from pipeline.config import load_config
    from pipeline.ingest import ingest_corpus

    if level not in LEVELS:
        raise InvalidInput("--level", f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
    if on_unknown not in ("error", "warn"):
        raise ValueError(on_unknown)
    if simulate_review is not None:
        from pipeline.quality.simulate import check_relearn_every, parse_checkpoints

        simulate_review = parse_checkpoints(simulate_review)
        check_relearn_every(relearn_every)
        if spot_checks is not None and not 0 <= spot_checks <= 1:
            raise InvalidInput("--spot-checks", f"is a share of the cards between 0 and 1, not {spot_checks}")
        if learn_from is not None:
            raise InvalidInput("--simulate-review", "cannot be combined with --learn-from: the simulated coder "
                                                    "starts from no decision on the gold documents")
    run_config = load_config(Path(config) if config else None)
    if embedder is None:  # before any work: a bad [embed] names the config file
        from pipeline.config import DEFAULTS
        from pipeline.embed.factory import resolve_embedder

        embedder = resolve_embedder(run_config.embed, str(config) if config else DEFAULTS)
    book = load_codebook(codebook)
    ingested = ingest_corpus(Path(corpus), languages=run_config.ingest.languages)
    if not ingested.transcripts:
        raise InvalidInput(corpus, "no transcript could be read from the corpus folder")
    warnings = [f"quarantined {q.file}: {q.reason}" for q in ingested.quarantined]
    loaded = gold if isinstance(gold, Gold) else load_gold(gold, ingested.transcripts)  # a Gold: from decisions
    gold_data = prepare_gold(loaded, book, on_unknown=on_unknown)
    if simulate_review is not None:  # one embedder and one vector cache for both
        run_config, embedder, cache = _defaults(run_config, embedder, cache)
    train_gold = None
    if learn_from is not None:
        train_gold = prepare_gold(load_gold(learn_from, ingested.transcripts), book, on_unknown=on_unknown)
    documents = [t.id for t in ingested.transcripts] if all_documents else None
    report = evaluate_gold(ingested.transcripts, gold_data, book, train_gold=train_gold, level=level, mapper=mapper,
                           embedder=embedder, config=run_config, cache=cache, unit_cover=unit_cover,
                           gold_cover=gold_cover, bootstrap=bootstrap, warnings=warnings, documents=documents)
    report.settings["documents"] = "every corpus document" if all_documents else "documents with a gold code"
    report.settings["corpus"] = Path(corpus).name
    if simulate_review is not None:
        from pipeline.quality.simulate import simulate_review as simulate

        started = time.perf_counter()
        simulation = simulate(ingested.transcripts, gold_data, book, checkpoints=simulate_review,
                              relearn_every=relearn_every, mapper=mapper, embedder=embedder, config=run_config,
                              cache=cache, unit_cover=unit_cover, gold_cover=gold_cover, documents=documents,
                              **({} if spot_checks is None else {"spot_checks": spot_checks}))
        report.simulation, report.simulation_review = simulation.points, simulation.summary()
        report.warnings += [w for w in simulation.warnings if w not in report.warnings]
        report.timings_s["simulate_review"] = round(time.perf_counter() - started, 2)
    return report


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def default_out_dir(root: Path = Path("outputs")) -> Path:
    return root / f"eval-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"


def write_report(report: EvalReport, out_dir: Path) -> dict[str, Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "eval.json", "html": out_dir / "eval.html"}
    paths["json"].write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths


def _fmt(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, float) for v in value):
        return f"[{value[0]:.3f}, {value[1]:.3f}]"
    return str(value)


def _table(rows: Sequence[Mapping], columns: Sequence[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(_fmt(r.get(c)))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def report_title(report: EvalReport) -> str:
    """What was compared, over which units: e.g. "prototype.v1 vs human codes, excerpt level, all
    respondent speech, 1,234 units"."""
    s = report.settings
    who = f"{s['mapper']} vs human codes"
    over = s.get("measured_over") or LEVEL_NAMES.get(s["level"], s["level"])
    return f"{who}, {over}, {report.overall.get('units', 0):,} units"


def render_html(report: EvalReport) -> str:
    """A small self-contained page: no scripts, nothing loaded from anywhere, every value escaped."""
    e = html.escape
    overall_rows = [{"measure": k, "value": v} for k, v in report.overall.items()]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>qualflow eval</title>",
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}"
        "td,th{border:1px solid #ccc;padding:.2em .5em;text-align:right}td:first-child,th:first-child"
        "{text-align:left}.warn{color:#a50}</style></head><body>",
        "<h1>Agreement with human coders</h1>",
        f"<p><strong>{e(report_title(report))}</strong></p>",
        "<p>" + e(", ".join(f"{k}: {v}" for k, v in report.settings.items())) + "</p>",
    ]
    parts += [f"<p class='warn'>{e(w)}</p>" for w in report.warnings]
    parts += ["<h2>Overall</h2>", _table(overall_rows, ["measure", "value"]),
              "<h2>Per code</h2>",
              _table(report.per_code, ["code", "support", "predicted", "precision", "recall", "f1", "kappa"])]
    for attribute, rows in report.breakdown.items():
        parts += [f"<h2>By {e(attribute)}</h2>",
                  _table(rows, ["value", "units", "units_with_gold", "kappa", "alpha", "macro_f1",
                                "top1_accuracy", "top3_recall", "ece"])]
    if report.calibration:
        parts += [f"<h2>Calibration (ECE {e(_fmt(report.calibration.get('ece')))})</h2>",
                  _table(report.calibration["bins"], ["bin", "count", "mean_confidence", "observed"])]
    if report.simulation is not None:
        from pipeline.quality.simulate import simulation_html

        parts.append(simulation_html(report.simulation, report.simulation_review or {}))
    unlocated = report.gold.get("unlocated") or []
    if unlocated:
        parts += ["<h2>Gold segments not located</h2>",
                  _table(unlocated, ["document", "source", "why", "content"])]
    parts.append("</body></html>")
    return "\n".join(parts)


__all__ = [
    "EvalReport", "GOLD_COVER", "MemoryCache", "Predictions", "UNIT_COVER", "breakdown", "default_out_dir", "evaluate",
    "evaluate_gold", "excerpt_units", "gold_coding", "leave_one_document_out", "predict",
    "precision_recall_f1", "prepare_gold", "scored_codebook", "reliability", "render_html", "report_title", "score_units", "segment_units",
    "top_k_hits", "write_report",
]
