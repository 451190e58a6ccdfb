"""``qualflow eval``: machine-vs-human (and human-vs-human) agreement on coded interviews.

The steps, one module each: the units and their gold codes (``pipeline.quality.units``), the
machine's codes for them (``pipeline.quality.machine``), the figures
(``pipeline.quality.metrics``) and the report (``pipeline.quality.report``). Here: checking
the gold against the codebook, the protocols (learn from some gold documents and evaluate on
the others, leave one document out) and ``evaluate``, the command as a function.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from pipeline.errors import InvalidInput
from pipeline.records import Codebook, Excerpt, Transcript
from pipeline.quality.gold import Gold, check_gold_codes, gold_with_parents, load_gold
from pipeline.quality.machine import Predictions, predict, run_defaults
from pipeline.quality.metrics import BINS
from pipeline.quality.report import EvalReport, report_for
from pipeline.quality.units import GOLD_COVER, LEVELS, UNIT_COVER, gold_coding, scored_codebook, units_for


def prepare_gold(gold: Gold, codebook: Codebook, *, on_unknown: str = "error") -> Gold:
    return gold_with_parents(check_gold_codes(gold, codebook, on_unknown=on_unknown), codebook)


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
    config, embedder, cache = run_defaults(config, embedder, cache)
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
    config, embedder, cache = run_defaults(config, embedder, cache)
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
        run_config, embedder, cache = run_defaults(run_config, embedder, cache)
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


__all__ = ["evaluate", "evaluate_gold", "leave_one_document_out", "prepare_gold"]
