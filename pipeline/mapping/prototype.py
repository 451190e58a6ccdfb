"""Zero-shot mapping of excerpts to codebook categories by nearest examples.

Each code is represented by the embeddings of its example phrases (all languages) and of
its label + definition; the codebook's ``background_examples`` form a "none" class. For an
excerpt, a code's similarity is the mean over its ``k`` closest languages of its nearest
examples in each (see ``similarities``). A code's
confidence is a two-way softmax of that similarity against the best of the background and
the strongest other code, at temperature ``T``: close to the code and clearly closer than to
small talk or another code means high confidence. Each code is judged on its own, so an
excerpt can get several codes (multi-label), as in real coding. Sub-codes are judged the
same way against their siblings, only for excerpts whose parent code was suggested.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from pipeline.config import MappingConfig
from pipeline.embed.base import Embedder
from pipeline.embed.centre import centre_by_language
from pipeline.mapping.base import register_mapper
from pipeline.records import CategoryScore, Codebook, Excerpt, ExcerptCoding, Suggestion

NONE = "__background__"


@dataclass(frozen=True)
class Prototype:
    code: str
    text: str
    lang: str | None
    piece: bool = False
    """A piece of the code's definition (``pipeline.mapping.pieces``): read by ``detect.v2``
    only; every other mapper drops pieces before fitting, so they code as they did before."""


def codebook_prototypes(codebook: Codebook) -> list[Prototype]:
    protos: list[Prototype] = []
    for code in codebook.codes:
        protos.append(Prototype(code.name, f"{code.label}: {code.description}", None))
        for lang, phrases in code.examples.items():
            protos.extend(Prototype(code.name, p, lang) for p in phrases)
    for lang, phrases in codebook.background_examples.items():
        protos.extend(Prototype(NONE, p, lang) for p in phrases)
    return protos


def _primary(lang: str | None) -> str:
    """``"en-GB"`` -> ``"en"``; no language -> ``""``."""
    return (lang or "").replace("_", "-").split("-")[0].lower()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@register_mapper
class PrototypeMapper:
    """``fit`` embeds the codebook's prototypes; ``code`` scores excerpts against them."""

    id = "prototype.v1"
    scope = "batch"
    reads_context = False
    learns = False

    def __init__(self, config: MappingConfig = MappingConfig(), *, centre_languages: bool | None = None) -> None:
        self.config = config
        self.centre_languages = centre_languages
        """``True``/``False``: always/never centre excerpts per language (and prototypes per
        prototype language) before comparing them; ``None`` (default): centre when some
        excerpt's language has no example phrase in the codebook (see ``should_centre``)."""

    def fit(self, codebook: Codebook, prototype_vectors: np.ndarray, prototypes: Sequence[Prototype],
            examples: Sequence = (), vectors=None) -> "PrototypeMapper":
        if len(examples):
            from pipeline.errors import InvalidInput

            raise InvalidInput("mapping.mapper", "prototype.v1 does not learn from coded examples; "
                                                 "use a mapper that learns (detect.v2, detect.v1, learned.v1)")
        self.codebook_ = codebook
        whole = [i for i, p in enumerate(prototypes) if not getattr(p, "piece", False)]
        self.prototypes_ = [prototypes[i] for i in whole]
        self.vectors_ = np.asarray(prototype_vectors, dtype=np.float32)[whole]
        # prototypes centred per language of the prototype (definitions form their own group)
        self.centred_vectors_ = centre_by_language(self.vectors_, [p.lang for p in self.prototypes_], min_group=2)
        self.codes_ = [c.name for c in codebook.codes]
        self.example_languages_ = {_primary(p.lang) for p in self.prototypes_ if p.lang and p.code != NONE}
        self.members_ = {
            name: np.flatnonzero([p.code == name for p in self.prototypes_]) for name in self.codes_ + [NONE]
        }
        self.groups_ = {name: self._language_groups(idx) for name, idx in self.members_.items()}
        return self

    def _language_groups(self, members: np.ndarray) -> list[np.ndarray]:
        """A code's prototypes by example language; its definition (no language) joins every group.

        A code with no example phrases has one group, its definition.
        """
        definitions = [i for i in members if self.prototypes_[i].lang is None]
        languages = sorted({self.prototypes_[i].lang for i in members if self.prototypes_[i].lang is not None})
        if not languages:
            return [np.asarray(definitions, dtype=int)] if definitions else []
        return [np.asarray([i for i in members if self.prototypes_[i].lang == lang] + definitions, dtype=int)
                for lang in languages]

    def should_centre(self, languages: Sequence[str | None]) -> bool:
        """Whether a batch in these languages is compared after centring (see ``__init__``).

        Where the codebook has examples in an excerpt's language, the nearest example per
        language already sets languages on an equal footing (centring then costs: demo
        corpus kappa 0.62 -> 0.57). Where it has none (a CSV codebook of one-sentence
        descriptions, or English-only examples for Greek text), each language's offset in
        the embedding space, and the corpus's own common direction, bias every cosine:
        centring raised serdif top-3 recall 0.39 -> 0.44 and UDHR agreement with English.
        """
        if self.centre_languages is not None:
            return self.centre_languages
        return any(_primary(lang) not in self.example_languages_ for lang in languages)

    def centred(self, excerpts: Sequence[Excerpt], embeddings: np.ndarray) -> np.ndarray:
        """The excerpts' vectors centred per language over the batch (see ``centre_by_language``)."""
        return centre_by_language(embeddings, [e.language for e in excerpts])

    def similarities(self, embeddings: np.ndarray, *, centred: bool = False
                     ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Per code: its similarity to each excerpt, and the index of the nearest prototype.

        Per example language, the mean cosine of the code's ``nearest_examples`` closest
        prototypes there (its definition counts as an example in every language); a code's
        similarity is the mean of that over the ``top_k_examples`` best languages. Judging
        each language on its own stops the excerpt's own language from dominating:
        same-language phrases attract each other whatever they say (demo corpus kappa 0.58
        with the examples of all languages pooled, 0.61 per language). Two nearest examples
        rather than one make a code's similarity less hostage to one lucky phrase (serdif
        with written example phrases, ``learned.v1`` zero-shot top-3 recall 0.635 -> 0.659;
        demo corpus ``learned.v1`` kappa 0.39 -> 0.46, ``prototype.v1`` unchanged at 0.46).
        """
        sims = embeddings @ (self.centred_vectors_ if centred else self.vectors_).T
        k = self.config.top_k_examples
        mean_top, nearest = {}, {}
        for name, groups in self.groups_.items():
            if not groups:
                mean_top[name] = np.full(len(embeddings), -1.0, dtype=np.float32)
                nearest[name] = np.zeros(len(embeddings), dtype=int)
                continue
            m = self.config.nearest_examples
            per_language = np.stack([np.sort(sims[:, idx], axis=1)[:, -m:].mean(axis=1) for idx in groups], axis=1)
            kk = min(k, per_language.shape[1])
            mean_top[name] = np.sort(per_language, axis=1)[:, -kk:].mean(axis=1)
            idx = self.members_[name]
            nearest[name] = idx[sims[:, idx].argmax(axis=1)]
        return mean_top, nearest

    def _confidences(self, names: list[str], sim: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        T = self.config.temperature
        out = {}
        for name in names:
            rivals = [sim[NONE]] + [sim[o] for o in names if o != name]
            best_rival = np.max(np.stack(rivals), axis=0)
            out[name] = _sigmoid((sim[name] - best_rival) / T)
        return out

    def notes(self) -> list[str]:
        return []

    def code(self, excerpts: Sequence[Excerpt], embeddings) -> list[ExcerptCoding]:
        """``embeddings``: the excerpts' ``ExcerptVectors`` (only the text view is read) or their text vectors."""
        if len(excerpts) == 0:
            return []
        embeddings = getattr(embeddings, "text", embeddings)
        if self.should_centre([e.language for e in excerpts]):
            sim, nearest = self.similarities(self.centred(excerpts, embeddings), centred=True)
        else:
            sim, nearest = self.similarities(embeddings)
        top_level = [c.name for c in self.codebook_.top_level]
        conf = self._confidences(top_level, sim)
        children: dict[str, list[str]] = {}
        for c in self.codebook_.codes:
            if c.parent:
                children.setdefault(c.parent, []).append(c.name)
        for parent, kids in children.items():
            # siblings compete with each other and with "the parent in general"
            sim_parent_only = dict(sim)
            sim_parent_only[NONE] = sim[parent]
            kid_conf = self._confidences(kids, sim_parent_only)
            for kid in kids:
                conf[kid] = conf[parent] * kid_conf[kid]

        codings = []
        for i, excerpt in enumerate(excerpts):
            scores = tuple(CategoryScore(name, float(conf[name][i])) for name in self.codes_ if name in conf)
            chosen = [name for name in top_level if conf[name][i] >= self.config.threshold]
            chosen.sort(key=lambda n: -conf[n][i])
            chosen = chosen[: self.config.max_codes]
            picked = list(chosen)
            for parent in chosen:
                kids = [k for k in children.get(parent, []) if conf[k][i] >= self.config.threshold]
                if kids:
                    picked.append(max(kids, key=lambda k: conf[k][i]))
            suggestions = tuple(
                Suggestion(excerpt.id, name, round(float(conf[name][i]), 4), self._reason(name, i, sim, nearest), rank)
                for rank, name in enumerate(picked, start=1)
            )
            codings.append(ExcerptCoding(excerpt.id, scores, suggestions))
        return codings

    def _reason(self, name: str, i: int, sim: dict[str, np.ndarray], nearest: dict[str, np.ndarray]) -> str:
        proto = self.prototypes_[int(nearest[name][i])]
        label = self.codebook_.code(name).label
        lang = f" [{proto.lang}]" if proto.lang else ""
        example = proto.text if len(proto.text) <= 90 else proto.text[:87] + "..."
        return (f"close to {label}{lang}: \u201c{example}\u201d "
                f"(similarity {float(sim[name][i]):.2f} vs background {float(sim[NONE][i]):.2f})")


def embed_prototypes(embedder: Embedder, prototypes: Sequence[Prototype], cache=None) -> np.ndarray:
    from pipeline.embed.cache import embed_with_cache

    vectors, _ = embed_with_cache(embedder, [p.text for p in prototypes], cache)
    return vectors
