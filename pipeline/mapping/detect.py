"""``detect.v1``: detect each code against the run's own background; abstain elsewhere.

Real coding is mostly "none": in exhaustively coded interviews three excerpts in four carry
no code. So the question this mapper answers for each code is "is there evidence of it
here?", not "which code fits best?".

**Zero-shot** (no coder decisions for a code yet), over the whole run at once:

1. *Evidence.* Per code, the excerpt's similarity to the code's definition and examples
   (``PrototypeMapper.similarities``: nearest examples per language; centred per language
   when the codebook has no examples in an excerpt's language), read alone and with the
   question it answers, each standardised over the run (per language when centred); plus
   the codebook's own words found in the excerpt (``lexicon``), weighted by their rarity.
2. *Background from the run itself* (``background.excess_probability``): the probability
   that an excerpt's evidence lies above what the run's background produces. A run with no
   talk of a code shows no excess, and gets no suggestions for it.
3. *Self-training* on the run: for a code with at least ``min_seeds`` excerpts detected
   in step 2, a classifier learns those (against the lower 60% of the run) from the
   excerpts' vectors, and its standardised output is added to the evidence before step 2 is
   done again. Codes with no detected excerpt are left alone, so a run without them cannot
   talk itself into them.

A code is suggested when its probability reaches 0.5 (or ``[mapping] threshold`` when set);
with a background in the codebook (``background_examples``), an excerpt must also be
closer to the code's examples than to the background's.

**Learning** (a code with at least ``min_decisions`` positive and negative decisions): a
class-balanced logistic regression (C 5) on the excerpt's vectors (text, and question +
text), made a probability by Platt scaling on held-out decisions, with
the threshold that gives the best held-out F1 (``thresholds``); ``min_precision`` replaces
it with the lowest threshold that keeps the promised precision, or makes the code abstain
and says so (``notes``). Learned codes use the learned probability; others stay zero-shot.
With ``keep_zero_shot`` (default), when the decisions are a selection from the interviews
being coded (more of their excerpts undecided than decided: a queue), an excerpt the
zero-shot detector finds (probability at least 0.5) keeps at least the learned threshold:
decisions taken in the queue's order over-represent likely excerpts, and a classifier
learned from them alone grew cautious on the rest (alaska_dev simulated review, macro-F1 on
the excerpts not yet reviewed after 100/200/400 decisions 0.33/0.29/0.19 without,
0.39/0.32/0.39 with). Decisions that cover whole interviews (gold, an import) are a fair
sample and are trusted alone (leave-one-interview-out 0.46; with the zero-shot kept 0.38).

With decisions from a queue, a learned code is also suggested on no more excerpts than the
run is expected to hold (``cap_learned``): the sum of its zero-shot probabilities over the
excerpts being coded, the background model's own count of the code's talk there. Learning
re-ranks which excerpts; it does not decide how many. A classifier fitted on the few
hundred likely excerpts a queue shows meets the rest of the run as unfamiliar text, and
its thresholds, chosen where two in five suggestions were right, are too low for a run
where one excerpt in six carries a code: in the simulated review it flooded the queue (up to
131 suggestions per 100 excerpts after 100 decisions). alaska_dev, mean of five pick
orders, on the excerpts not yet reviewed after 100 / 200 / 400 decisions: precision 0.43 /
0.33 / 0.40 -> 0.55 / 0.50 / 0.62, suggestions per 100 34 / 46 / 24 -> 17 / 18 / 12,
macro-F1 0.39 / 0.33 / 0.34 -> 0.38 / 0.38 / 0.35.

Why these choices, and what they bought on real, exhaustively coded interviews, is in
ARCHITECTURE.md ("Coding quality").
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from pipeline.config import MappingConfig
from pipeline.embed.centre import centre_by_language
from pipeline.mapping.background import MIN_EXCERPTS, excess_probability
from pipeline.mapping.base import register_mapper
from pipeline.mapping.lexicon import CodeTerms, words
from pipeline.mapping.prototype import NONE, Prototype, PrototypeMapper, _primary
from pipeline.mapping.thresholds import Platt, best_f1_threshold, out_of_fold, precision_threshold
from pipeline.mapping.vectors import ExcerptVectors, LabelledExcerpt
from pipeline.records import CategoryScore, Codebook, Excerpt, ExcerptCoding, Suggestion

ZERO_SHOT_THRESHOLD = 0.5


def _standardise(values: np.ndarray, groups: Sequence[np.ndarray]) -> np.ndarray:
    out = np.zeros(len(values))
    for rows in groups:
        v = values[rows].astype(float)
        spread = v.std()
        out[rows] = (v - v.mean()) / spread if len(rows) > 1 and spread > 1e-9 else 0.0
    return out


def _at_most(probability: np.ndarray, threshold: float, count: int) -> np.ndarray:
    """``probability`` with only its ``count`` highest (at least one) at or above ``threshold``;
    the others just below it."""
    above = np.flatnonzero(probability >= threshold)
    keep = max(count, 1)
    if len(above) <= keep:
        return probability
    order = above[np.argsort(-probability[above], kind="stable")]
    out = probability.copy()
    out[order[keep:]] = np.nextafter(threshold, 0.0)
    return out


@register_mapper
class DetectMapper:
    """See the module docstring."""

    id = "detect.v1"
    scope = "run"
    reads_context = True
    learns = True

    def __init__(self, config: MappingConfig = MappingConfig(), *, lexical_weight: float = 0.5,
                 self_train: bool = True, min_seeds: int = 5, self_train_C: float = 0.1,
                 min_decisions: int = 3, C: float = 5.0, folds: int = 5, lexical_features: bool = False,
                 keep_zero_shot: bool = True, cap_learned: bool = True) -> None:
        self.config = config
        self.lexical_weight = lexical_weight
        self.self_train = self_train
        self.min_seeds = min_seeds
        self.self_train_C = self_train_C
        self.min_decisions = min_decisions
        self.C = C
        self.folds = folds
        self.lexical_features = lexical_features
        self.keep_zero_shot = keep_zero_shot
        self.cap_learned = cap_learned

    # -- fitting ------------------------------------------------------------------------------
    def fit(self, codebook: Codebook, prototype_vectors: np.ndarray, prototypes: Sequence[Prototype],
            examples: Sequence[LabelledExcerpt] = (), vectors: ExcerptVectors | None = None) -> "DetectMapper":
        self.codebook_ = codebook
        self.codes_ = [c.name for c in codebook.codes]
        self.prototype_ = PrototypeMapper(self.config).fit(codebook, prototype_vectors, prototypes)
        self.terms_ = CodeTerms(codebook)
        self.learned_: dict[str, dict] = {}
        self.n_decisions_: dict[str, tuple[int, int]] = {c: (0, 0) for c in self.codes_}
        self.notes_: list[str] = []
        if len(examples) and (vectors is None or len(vectors) != len(examples)):
            raise ValueError("fit needs one row of vectors per example")
        self.decided_ = {ex.excerpt.id for ex in examples}
        self.decided_interviews_ = {ex.excerpt.transcript_id for ex in examples}
        features = self._features([ex.excerpt for ex in examples], vectors) if len(examples) else None
        groups = [ex.excerpt.transcript_id for ex in examples]
        for j, code in enumerate(self.codes_):
            labels = [ex.label(code) for ex in examples]
            rows = np.array([i for i, y in enumerate(labels) if y is not None], dtype=int)
            y = np.array([labels[i] for i in rows], dtype=int)
            positives, negatives = int(y.sum()), int(len(y) - y.sum())
            self.n_decisions_[code] = (positives, negatives)
            if min(positives, negatives) < self.min_decisions:
                continue
            make = self._classifier
            held_out = out_of_fold(features[rows], y, [groups[i] for i in rows], make, folds=self.folds)
            platt = Platt.fit(held_out, y)
            probability = platt(held_out)
            threshold = (self.config.threshold if "threshold" in self.config.model_fields_set
                         else best_f1_threshold(probability, y))
            promised = None
            if self.config.min_precision is not None:
                promised = precision_threshold(probability, y, self.config.min_precision,
                                               self.config.confidence_level)
            self.learned_[code] = {"model": make().fit(features[rows], y), "platt": platt,
                                   "threshold": threshold if promised is None else max(promised, 1e-6),
                                   "promised": promised, "positives": positives, "negatives": negatives}
        if self.config.min_precision is not None:
            target = f"{self.config.min_precision:.0%}"
            for code in self.codes_:
                if self.learned_.get(code, {}).get("promised") is None:
                    p, n = self.n_decisions_[code]
                    label = codebook.code(code).label
                    self.notes_.append(f"{label}: not enough decisions yet to promise {target} precision "
                                       f"({p} accepted, {n} rejected so far); not suggested")
        return self

    def _classifier(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")

    def _features(self, excerpts: Sequence[Excerpt], vectors: ExcerptVectors) -> np.ndarray:
        """The excerpt and the excerpt read with its question; with ``lexical_features``, also
        how many of each code's words it uses (off by default: alaska_dev leave-one-interview-out
        macro-F1 0.45 without them, 0.36 with them, C 5)."""
        parts = [vectors.text, vectors.with_question]
        if self.lexical_features:  # read every excerpt's words only when they are used
            counts = np.array([[len(words(e.text) & self.terms_.for_language(c, e.language)) for c in self.codes_]
                               for e in excerpts], dtype=np.float32).reshape(len(excerpts), len(self.codes_))
            parts.append(np.log1p(counts))
        return np.hstack(parts).astype(np.float32)

    def notes(self) -> list[str]:
        return list(self.notes_)

    # -- zero-shot ----------------------------------------------------------------------------
    def zero_shot(self, excerpts: Sequence[Excerpt], vectors: ExcerptVectors
                  ) -> tuple[np.ndarray, dict[str, np.ndarray], list[list[tuple[str, ...]]]]:
        """``(n, codes)`` probabilities, the nearest prototype per code, and the matched words."""
        n = len(excerpts)
        languages = [e.language for e in excerpts]
        centre = self.prototype_.should_centre(languages)
        views = [vectors.text, vectors.with_question]
        if centre:
            views = [centre_by_language(v, languages) for v in views]
            keys = [_primary(lang) for lang in languages]
            groups = [np.flatnonzero([k == g for k in keys]) for g in sorted(set(keys))]
        else:
            groups = [np.arange(n)]
        evidence = np.zeros((n, len(self.codes_)))
        nearest: dict[str, np.ndarray] = {}
        margin = np.zeros((n, len(self.codes_)))
        has_background = len(self.prototype_.members_[NONE]) > 0
        for v, view in enumerate(views):
            sim, near = self._similarities(view, centre)
            if v == 0:
                nearest = near
            for j, code in enumerate(self.codes_):
                evidence[:, j] += _standardise(sim[code], groups)
                if has_background:
                    margin[:, j] += sim[code] - sim[NONE]
        lexical, matched = self.terms_.evidence([e.text for e in excerpts], languages)
        evidence += self.lexical_weight * lexical
        probability = np.stack([excess_probability(evidence[:, j]) for j in range(len(self.codes_))], axis=1) \
            if n else np.zeros((0, len(self.codes_)))
        if self.self_train and n >= MIN_EXCERPTS:
            features = np.hstack(views)
            for j, code in enumerate(self.codes_):
                if code in self.learned_:
                    continue
                seeds = np.flatnonzero(probability[:, j] >= ZERO_SHOT_THRESHOLD)
                if len(seeds) < self.min_seeds:
                    continue
                learned = self._self_trained(features, evidence[:, j], seeds)
                combined = _standardise(evidence[:, j], [np.arange(n)]) + learned
                probability[:, j] = excess_probability(combined)
        if has_background:
            probability[margin <= 0] = np.minimum(probability[margin <= 0], ZERO_SHOT_THRESHOLD - 1e-3)
        return probability, nearest, matched

    def _similarities(self, view: np.ndarray, centre: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per code, each excerpt's similarity to it, and the index of its nearest prototype."""
        return self.prototype_.similarities(view, centred=centre)

    def _self_trained(self, features: np.ndarray, evidence: np.ndarray, seeds: np.ndarray) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        n = len(evidence)
        background = np.argsort(-evidence, kind="stable")[int(0.4 * n):]
        background = np.setdiff1d(background, seeds)
        rows = np.concatenate([seeds, background])
        y = np.concatenate([np.ones(len(seeds)), np.zeros(len(background))])
        clf = LogisticRegression(C=self.self_train_C, max_iter=2000, class_weight="balanced").fit(features[rows], y)
        return _standardise(clf.decision_function(features), [np.arange(n)])

    # -- coding -------------------------------------------------------------------------------
    def confidences(self, excerpts: Sequence[Excerpt], vectors: ExcerptVectors) -> np.ndarray:
        return self._score(excerpts, vectors)[0]

    def _score(self, excerpts, vectors):
        probability, nearest, matched = self.zero_shot(excerpts, vectors)
        if self.learned_ and len(excerpts):
            features = self._features(excerpts, vectors)
            keep = self.keep_zero_shot and self._decisions_are_a_sample(excerpts)
            for j, code in enumerate(self.codes_):
                model = self.learned_.get(code)
                if model is not None:
                    learned = model["platt"](model["model"].decision_function(features))
                    if keep:
                        # where the zero-shot detector is surer than the decisions, it still counts
                        zero = probability[:, j]
                        learned = np.where(zero >= ZERO_SHOT_THRESHOLD, np.maximum(learned, zero * model["threshold"]
                                                                                  / ZERO_SHOT_THRESHOLD), learned)
                        if self.cap_learned:
                            learned = _at_most(learned, model["threshold"], int(np.ceil(zero.sum())))
                    probability[:, j] = learned
        return probability, nearest, matched

    def _decisions_are_a_sample(self, excerpts: Sequence[Excerpt]) -> bool:
        """Whether the decisions are a selection from the interviews being coded (a queue),
        rather than whole interviews coded through (gold, an import): more of those
        interviews' excerpts in this batch are undecided than decided."""
        undecided = sum(1 for e in excerpts if e.transcript_id in self.decided_interviews_ and e.id not in self.decided_)
        return undecided > len(self.decided_)

    def threshold(self, code: str) -> float | None:
        """The probability from which ``code`` is suggested; None when it abstains."""
        model = self.learned_.get(code)
        if self.config.min_precision is not None:
            return None if model is None or model["promised"] is None else model["threshold"]
        if model is not None:
            return model["threshold"]
        return self.config.threshold if "threshold" in self.config.model_fields_set else ZERO_SHOT_THRESHOLD

    def code(self, excerpts: Sequence[Excerpt], vectors: ExcerptVectors) -> list[ExcerptCoding]:
        if len(excerpts) == 0:
            return []
        probability, nearest, matched = self._score(excerpts, vectors)
        thresholds = [self.threshold(c) for c in self.codes_]
        parent = {c.name: c.parent for c in self.codebook_.codes}
        codings = []
        for i, excerpt in enumerate(excerpts):
            scores = tuple(CategoryScore(c, float(probability[i, j])) for j, c in enumerate(self.codes_))
            chosen = [j for j, t in enumerate(thresholds) if t is not None and probability[i, j] >= t]
            names = {self.codes_[j] for j in chosen}
            # a sub-code only under its suggested parent, as coders apply a code tree
            chosen = [j for j in chosen if not parent[self.codes_[j]] or parent[self.codes_[j]] in names]
            chosen.sort(key=lambda j: -probability[i, j])
            chosen = chosen[: self.config.max_codes]
            suggestions = tuple(
                Suggestion(excerpt.id, self.codes_[j], round(float(probability[i, j]), 4),
                           self._reason(j, i, nearest, matched), rank)
                for rank, j in enumerate(chosen, start=1))
            codings.append(ExcerptCoding(excerpt.id, scores, suggestions))
        return codings

    def _reason(self, j: int, i: int, nearest: dict[str, np.ndarray], matched) -> str:
        code = self.codes_[j]
        label = self.codebook_.code(code).label
        terms = matched[i][j]
        said = f"; uses the codebook's words {', '.join(chr(0x201c) + t + chr(0x201d) for t in terms[:5])}" \
            if terms else ""
        model = self.learned_.get(code)
        if model is not None:
            return (f"learned from {model['positives']} coded and {model['negatives']} rejected excerpts "
                    f"(threshold {model['threshold']:.2f} by cross-validation){said}")
        proto = self.prototype_.prototypes_[int(nearest[code][i])] if code in nearest else None
        example = ""
        if proto is not None:
            text = proto.text if len(proto.text) <= 90 else proto.text[:87] + "..."
            lang = f" [{proto.lang}]" if proto.lang else ""
            example = f"; nearest example{lang}: \u201c{text}\u201d"
        return f"zero-shot: {label} stands out from this run's background{example}{said}"


@register_mapper
class DetectPiecesMapper(DetectMapper):
    """``detect.v2``: ``detect.v1`` with a code's definition read in pieces.

    A code with example phrases is compared with them as in ``detect.v1``. A code with a
    definition only (a CSV codebook of bare definitions) is compared with the pieces of its
    definition (``pipeline.mapping.pieces``: its clauses, each with the code's label, and
    the whole of what it includes): its similarity is the mean cosine of the excerpt's
    ``PIECES_NEAREST`` closest pieces, where ``detect.v1`` takes the cosine to the one
    embedding of label + definition. An excerpt that speaks of one item of a definition's
    list is close to that item's piece however long the list. When centring (a codebook
    with no examples in the excerpts' language), the pieces are centred over all the
    codebook's pieces, as ``detect.v1`` centres the definitions over the codebook.
    Everything else (the words, the background, self-training, learning) is ``detect.v1``'s.

    On alaska_dev (8 real interviews, excerpt level over all respondent speech, codebook CSV
    only) zero-shot macro-F1 0.30 -> 0.398, recall 0.28 -> 0.54 at precision 0.52 -> 0.47,
    13 -> 28 suggestions per 100 excerpts (ARCHITECTURE.md, "Coding quality"). Without
    pieces among the prototypes (``codebook_prototypes`` alone), it codes as ``detect.v1``.
    """

    id = "detect.v2"

    def fit(self, codebook: Codebook, prototype_vectors: np.ndarray, prototypes: Sequence[Prototype],
            examples: Sequence[LabelledExcerpt] = (), vectors: ExcerptVectors | None = None) -> "DetectPiecesMapper":
        super().fit(codebook, prototype_vectors, prototypes, examples, vectors)
        rows = [i for i, p in enumerate(prototypes) if getattr(p, "piece", False) and p.code in self.codes_]
        with_examples = {p.code for p in self.prototype_.prototypes_ if p.lang is not None}
        self.pieces_ = [prototypes[i] for i in rows]
        piece_vectors = np.asarray(prototype_vectors, dtype=np.float32)[rows]
        self.piece_vectors_ = piece_vectors
        self.centred_piece_vectors_ = centre_by_language(piece_vectors, [None] * len(rows), min_group=2)
        rows_of = {code: np.flatnonzero([p.code == code for p in self.pieces_])
                   for code in self.codes_ if code not in with_examples}
        self.piece_rows_ = {code: idx for code, idx in rows_of.items() if len(idx)}
        return self

    def _similarities(self, view: np.ndarray, centre: bool) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        sim, near = self.prototype_.similarities(view, centred=centre)
        if self.piece_rows_:
            cosines = view @ (self.centred_piece_vectors_ if centre else self.piece_vectors_).T
            for code, idx in self.piece_rows_.items():
                mine = cosines[:, idx]
                k = min(PIECES_NEAREST, len(idx))
                sim[code] = np.sort(mine, axis=1)[:, -k:].mean(axis=1)
                near[code] = -1 - idx[mine.argmax(axis=1)]  # negative: a piece, not a prototype
        return sim, near

    def _reason(self, j: int, i: int, nearest: dict[str, np.ndarray], matched) -> str:
        code = self.codes_[j]
        if code not in self.piece_rows_ or code in self.learned_ or code not in nearest:
            return super()._reason(j, i, nearest, matched)
        label = self.codebook_.code(code).label
        piece = self.pieces_[-1 - int(nearest[code][i])].text
        piece = piece if len(piece) <= 90 else piece[:87] + "..."
        terms = matched[i][j]
        said = f"; uses the codebook's words {', '.join(chr(0x201c) + t + chr(0x201d) for t in terms[:5])}" \
            if terms else ""
        return f"zero-shot: {label} stands out from this run's background; closest part of its definition: " \
               f"\u201c{piece}\u201d{said}"


PIECES_NEAREST = 2
"""``detect.v2``: a code's similarity is the mean cosine of this many closest definition pieces."""


__all__ = ["DetectMapper", "DetectPiecesMapper", "PIECES_NEAREST", "ZERO_SHOT_THRESHOLD"]
