"""Coding that learns from coders, and still codes what nobody has coded yet.

``learned.v1`` scores every code of the codebook for an excerpt from two sources:

* a **classifier** per code (one-vs-rest logistic regression), trained on the excerpts
  coders have decided on: the excerpt's embedding next to the embedding of the question it
  answers (the question says which part of the interview or task this is), and a
  character n-gram model of the words themselves (late fusion: its decision value is added
  with weight ``keyword_weight``). Multi-label: an excerpt with two codes is a positive for
  both. A rejected suggestion is a negative for that code only.
* a **zero-shot** score from the codebook (label, definition, examples): the similarity of
  the excerpt, alone and with its question, to each code's prototypes, standardised per code
  over the excerpts being coded (codes whose wording happens to sit close to everything
  stop winning everywhere; per language too when languages are centred, so a language whose
  cosines to the codebook run lower is not coded differently), then **self-trained**: a
  classifier taught by those scores on the batch itself adds what the corpus says around
  each code (see ``_self_trained``); and **pooled across languages**: the scores of the
  closest excerpt in each other language of the batch are added, when it is close (see
  ``_across_languages``). The total is turned into a confidence by its margin over the best
  rival.

The two are blended per code, weighted by how many positive examples the code has:
``w = n / (n + prior_strength)``, so a code nobody has used yet is suggested zero-shot, and
the classifier takes over as coders confirm examples. Fitting takes seconds (22 codes, a
few hundred examples), so suggestions can be redone after every coding session.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from pipeline.config import MappingConfig
from pipeline.embed.centre import centre_by_language
from pipeline.mapping.prototype import NONE, Prototype, PrototypeMapper, _primary, _sigmoid
from pipeline.mapping.base import register_mapper
from pipeline.mapping.vectors import (ExcerptVectors, LabelledExcerpt, context_text, embed_codebook,
                                      embed_excerpts)
from pipeline.records import CategoryScore, Codebook, Excerpt, ExcerptCoding, Suggestion


@register_mapper
class LearnedMapper:
    """``fit`` on a codebook and labelled excerpts; ``code`` suggests codes with confidences."""

    id = "learned.v1"
    scope = "run"
    reads_context = True
    learns = True

    def __init__(
        self,
        config: MappingConfig = MappingConfig(),
        *,
        C: float = 30.0,
        keyword_C: float = 10.0,
        keyword_weight: float = 0.3,
        prior_strength: float = 1.0,
        zero_shot_temperature: float = 0.5,
        min_keyword_examples: int = 20,
        use_question: bool = True,
        question_and_text: bool = True,
        centre_languages: bool | None = None,
        self_train: bool = True,
        self_train_C: float = 0.3,
        min_self_train: int = 40,
        cross_language: float = 1.0,
        cross_language_similarity: float = 0.3,
    ) -> None:
        self.config = config
        self.C = C
        self.keyword_C = keyword_C
        self.keyword_weight = keyword_weight
        self.prior_strength = prior_strength
        self.zero_shot_temperature = zero_shot_temperature
        self.min_keyword_examples = min_keyword_examples
        self.use_question = use_question
        self.question_and_text = question_and_text
        self.centre_languages = centre_languages
        self.self_train = self_train
        self.self_train_C = self_train_C
        self.min_self_train = min_self_train
        self.cross_language = cross_language
        self.cross_language_similarity = cross_language_similarity

    # -- fitting ------------------------------------------------------------------------------
    def fit(
        self,
        codebook: Codebook,
        prototype_vectors: np.ndarray,
        prototypes: Sequence[Prototype],
        examples: Sequence[LabelledExcerpt] = (),
        vectors: ExcerptVectors | None = None,
    ) -> "LearnedMapper":
        """``vectors`` are the examples' embeddings, row-aligned with ``examples``."""
        from sklearn.linear_model import LogisticRegression

        self.codebook_ = codebook
        self.codes_ = [c.name for c in codebook.codes]
        self.prototype_ = PrototypeMapper(self.config, centre_languages=self.centre_languages).fit(codebook, prototype_vectors, prototypes)
        self.n_positive_ = {c: 0 for c in self.codes_}
        self.classifiers_: dict[str, object] = {}
        self.keyword_classifiers_: dict[str, object] = {}
        self.vectorizer_ = None
        if not examples:
            return self
        if vectors is None or len(vectors) != len(examples):
            raise ValueError("fit needs one row of vectors per example")
        features = self._features(vectors)
        texts = [ex.excerpt.text for ex in examples]
        if self.keyword_weight > 0 and len(examples) >= self.min_keyword_examples:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True)
            keyword_features = self.vectorizer_.fit_transform(texts)
        for code in self.codes_:
            labels = [ex.label(code) for ex in examples]
            rows = np.array([i for i, y in enumerate(labels) if y is not None], dtype=int)
            y = np.array([labels[i] for i in rows], dtype=int)
            self.n_positive_[code] = int(y.sum())
            if len(rows) == 0 or y.min() == y.max():
                continue  # no positive (or no negative) yet: zero-shot only
            self.classifiers_[code] = LogisticRegression(C=self.C, max_iter=3000).fit(features[rows], y)
            if self.vectorizer_ is not None:
                self.keyword_classifiers_[code] = LogisticRegression(C=self.keyword_C, max_iter=3000).fit(
                    keyword_features[rows], y)
        return self

    def _features(self, vectors: ExcerptVectors) -> np.ndarray:
        """The excerpt, its question, and both read together (the last added 0.583 -> 0.589
        leave-one-document-out kappa on serdif)."""
        if not self.use_question:
            return vectors.text.astype(np.float32)
        parts = [vectors.text, vectors.question] + ([vectors.with_question] if self.question_and_text else [])
        return np.hstack(parts).astype(np.float32)

    # -- scoring ------------------------------------------------------------------------------
    def zero_shot(self, vectors: ExcerptVectors, languages: Sequence[str | None] | None = None) -> np.ndarray:
        """``(n, codes)`` zero-shot confidences (see the module docstring).

        ``languages`` (one per row): with ``centre_languages``, each view's vectors are
        centred per language over the batch, and compared with the prototypes centred per
        prototype language; each code's scores are then standardised per language (UDHR,
        Greek agreement with English 77% -> 83%; with self-training 87%). This assumes each
        language's interviews cover a broadly similar mix of themes (one interview guide): a
        city that truly talks far more about one code is partly evened out in zero-shot
        scores; learned scores are not standardised.
        Self-training runs only while no code has a classifier, on batches of at least
        ``min_self_train`` excerpts. Pooling across languages (``cross_language``, on by
        default) then deliberately lets close excerpts of other languages count (UDHR,
        agreement with English it/hu/el/nl 97/87/87/83% -> 97/97/93/97%; demo corpus, where
        no text is a translation of another, excerpt kappa 0.460 -> 0.485).
        """
        n = len(vectors)
        if n == 0:
            return np.zeros((0, len(self.codes_)))
        standardised = np.zeros((n, len(self.codes_) + 1))
        raw_text = vectors.text
        if languages is None:
            centre = False
        elif self.centre_languages is not None:
            centre = self.centre_languages
        else:
            # The per-code standardisation below already removes what one language's texts
            # share; centring adds to it only across languages (serdif, English only: top-3
            # 0.49 -> 0.48 with centring, LOO kappa 0.59 -> 0.58; UDHR: see should_centre).
            centre = len({_primary(lang) for lang in languages}) > 1 and self.prototype_.should_centre(languages)
        if centre:
            # centred once; the self-training below learns on the same vectors the scores came from
            question = centre_by_language(vectors.question, list(languages))
            question[~vectors.question.any(axis=1)] = 0.0  # no question stays no question
            vectors = ExcerptVectors(centre_by_language(vectors.text, list(languages)), question,
                                     centre_by_language(vectors.with_question, list(languages)))
            groups = [np.flatnonzero([_primary(lang) == g for lang in languages])
                      for g in sorted({_primary(lang) for lang in languages})]
        else:
            groups = [np.arange(n)]
        views = (vectors.text, vectors.with_question) if self.use_question else (vectors.text,)
        for view in views:
            sim, _ = self.prototype_.similarities(view, centred=centre)
            for j, name in enumerate(self.codes_ + [NONE]):
                for rows in groups:
                    s = sim[name][rows].astype(float)
                    spread = s.std()
                    # one excerpt (or identical ones) has no spread: fall back to the raw similarity
                    standardised[rows, j] += (s - s.mean()) / spread if len(rows) > 1 and spread > 1e-6 else s
        has_background = len(self.prototype_.members_[NONE]) > 0
        if self.self_train and not self.classifiers_ and n >= self.min_self_train:
            standardised += self._self_trained(standardised if has_background else standardised[:, :-1],
                                               self._features(vectors))
        if self.cross_language > 0 and languages is not None:
            standardised = self._across_languages(standardised, raw_text, list(languages))
        out = np.zeros((n, len(self.codes_)))
        for j in range(len(self.codes_)):
            rivals = np.delete(standardised[:, : len(self.codes_)], j, axis=1)
            if has_background:
                rivals = np.hstack([rivals, standardised[:, -1:]])
            best_rival = rivals.max(axis=1) if rivals.shape[1] else np.zeros(n)
            out[:, j] = _sigmoid((standardised[:, j] - best_rival) / self.zero_shot_temperature)
        return out

    def _across_languages(self, scores: np.ndarray, text: np.ndarray, languages: list[str | None]) -> np.ndarray:
        """Each excerpt's scores, plus those of its closest excerpt in every other language.

        The same content should get the same codes whatever its language, but the model's
        languages do not sit equally close to a codebook written in one of them: a Dutch
        sentence on "brotherhood" lands on *family* while its English version lands on
        *equality*. So the evidence of what is said is pooled across languages: for each
        other language of the batch, the excerpt most similar to this one (cosine of the
        vectors centred per language) counts if it is close, at least
        ``cross_language_similarity``, and the mean of those neighbours' scores is added
        with weight ``cross_language`` (1: the excerpt's own scores and its neighbours'
        count the same). 0.3 lets through 95% of the UDHR's translation pairs (median 0.48),
        while an article's best match among other articles has a median of 0.20. Scores
        are taken before pooling, so the order of excerpts does not matter. A batch in one
        language, and excerpts with no language, are left as they are.
        """
        keys = [_primary(lang) for lang in languages]
        groups = {g: np.flatnonzero([k == g for k in keys]) for g in sorted(set(keys)) if g}
        if len(groups) < 2:
            return scores
        centred = centre_by_language(text, keys)
        total = np.zeros_like(scores)
        count = np.zeros(len(scores))
        for g, rows in groups.items():
            for other, other_rows in groups.items():
                if other == g:
                    continue
                for start in range(0, len(rows), 2048):  # bounded memory on large runs
                    chunk = rows[start:start + 2048]
                    sim = centred[chunk] @ centred[other_rows].T
                    best = sim.argmax(axis=1)
                    close = sim[np.arange(len(chunk)), best] >= self.cross_language_similarity
                    total[chunk[close]] += scores[other_rows[best[close]]]
                    count[chunk[close]] += 1
        out = scores.copy()
        has = count > 0
        out[has] += self.cross_language * total[has] / count[has, None]
        return out

    def _self_trained(self, scores: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Standardised log-probabilities of a classifier taught by the zero-shot scores themselves.

        Each excerpt of the batch is labelled with its best-scoring code (or the background),
        and a multinomial logistic regression on the excerpts' features learns from those
        labels. The codebook's wording only says where each code's centre is; the classifier
        learns the shape of each code's region from what the corpus itself says there, so
        excerpts phrased unlike any example but like other excerpts of a code move towards it
        (serdif, zero-shot top-3 recall 0.59 -> 0.66 with example phrases written for the
        codebook, 0.49 -> 0.54 with its descriptions alone; demo corpus kappa 0.37 -> 0.46).
        ``scores`` has one column per code (and one for the background if the codebook has
        background examples); returns ``(n, codes + 1)`` (the last column zero without a
        background class), to be added to the standardised scores.
        """
        from sklearn.linear_model import LogisticRegression

        n, width = len(features), len(self.codes_) + 1
        out = np.zeros((n, width))
        pseudo = scores.argmax(axis=1)
        if len(np.unique(pseudo)) < 2:
            return out
        clf = LogisticRegression(C=self.self_train_C, max_iter=2000).fit(features, pseudo)
        log_proba = np.full((n, scores.shape[1]), np.nan)
        log_proba[:, clf.classes_] = clf.predict_log_proba(features)
        floor = np.nanmin(log_proba)
        log_proba = np.where(np.isnan(log_proba), floor, log_proba)
        spread = log_proba.std(axis=0)
        z = np.where(spread > 1e-6, (log_proba - log_proba.mean(axis=0)) / np.maximum(spread, 1e-6), 0.0)
        out[:, : scores.shape[1]] = z
        return out

    def classifier(self, texts: Sequence[str], vectors: ExcerptVectors) -> np.ndarray:
        """``(n, codes)`` classifier probabilities; NaN for codes without a classifier."""
        n = len(vectors)
        out = np.full((n, len(self.codes_)), np.nan)
        if n == 0 or not self.classifiers_:
            return out
        features = self._features(vectors)
        keyword_features = self.vectorizer_.transform(list(texts)) if self.vectorizer_ is not None else None
        for j, code in enumerate(self.codes_):
            clf = self.classifiers_.get(code)
            if clf is None:
                continue
            decision = clf.decision_function(features)
            kw = self.keyword_classifiers_.get(code)
            if kw is not None:
                decision = decision + self.keyword_weight * kw.decision_function(keyword_features)
            out[:, j] = _sigmoid(decision)
        return out

    def weights(self) -> np.ndarray:
        """Per code, how much the classifier counts in the blend: ``n / (n + prior_strength)``."""
        n = np.array([self.n_positive_[c] if c in self.classifiers_ else 0 for c in self.codes_], dtype=float)
        return n / (n + self.prior_strength)

    def confidences(self, excerpts: Sequence[Excerpt], vectors: ExcerptVectors) -> np.ndarray:
        zero_shot = self.zero_shot(vectors, [e.language for e in excerpts])
        learned = self.classifier([e.text for e in excerpts], vectors)
        w = self.weights()
        return np.where(np.isnan(learned), zero_shot, w * np.nan_to_num(learned) + (1 - w) * zero_shot)

    def notes(self) -> list[str]:
        return []

    def code(self, excerpts: Sequence[Excerpt], vectors: ExcerptVectors) -> list[ExcerptCoding]:
        if len(excerpts) == 0:
            return []
        conf = self.confidences(excerpts, vectors)
        w = self.weights()
        codings = []
        for i, excerpt in enumerate(excerpts):
            scores = tuple(CategoryScore(name, float(conf[i, j])) for j, name in enumerate(self.codes_))
            order = [j for j in np.argsort(-conf[i], kind="stable") if conf[i, j] >= self.config.threshold]
            order = order[: self.config.max_codes]
            suggestions = tuple(
                Suggestion(excerpt.id, self.codes_[j], round(float(conf[i, j]), 4), self._reason(j, w[j]), rank)
                for rank, j in enumerate(order, start=1)
            )
            codings.append(ExcerptCoding(excerpt.id, scores, suggestions))
        return codings

    def _reason(self, j: int, weight: float) -> str:
        code = self.codes_[j]
        n = self.n_positive_.get(code, 0)
        if code not in self.classifiers_:
            return f"zero-shot: close to the codebook's definition and examples of {self.codebook_.code(code).label}"
        return (f"learned from {n} coded excerpt{'s' if n != 1 else ''} ({weight:.0%}) "
                f"and the codebook definition ({1 - weight:.0%})")


__all__ = ["ExcerptVectors", "LabelledExcerpt", "LearnedMapper", "context_text", "embed_codebook", "embed_excerpts"]
