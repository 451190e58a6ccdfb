"""Lexical evidence: the codebook's own words, found in an excerpt.

A code's definition and examples name what coders look for ("grants, loans, funding
agencies", "permits, compliance, operator certification"). When an excerpt uses one of
those words it is evidence a reader can check, and it is named in the suggestion's reason.
Words are compared by a crude stem that works alike in the five languages (accents and
case dropped, a few inflectional endings and a final vowel cut, at most 7 letters), and
weighted by how rare they are in the run (``log((n + 1) / (df + 1))``): "water" in a study
of water utilities says nothing, "certification" says a lot. A word several codes share
counts for each of them by the share. Terms from a definition apply to every language (a
CSV codebook does not say its language); terms from example phrases apply to excerpts in
the phrase's language. What a definition excludes (after an upper-case ``NOT``) gives no
terms.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from pipeline.mapping.prototype import _primary
from pipeline.records import Codebook

_WORD = re.compile(r"[^\W\d_]+")
_ENDINGS = ("ations", "ation", "ments", "ment", "ings", "ing", "ness", "ies", "ed", "es", "s")
_VOWELS = set("aeiouyαεηιουω")
MIN_LETTERS = 4
"""Shorter words carry no evidence (articles, prepositions) unless written as an acronym."""


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """``"Regulations"`` -> ``"regul"``; the same crude stem in every language.

    Memoised: a run reads each excerpt's words twice per code family, mostly words seen
    before, and stemming them again was a third of ``detect.v1``'s coding time."""
    w = _fold(word)
    for ending in _ENDINGS:
        if w.endswith(ending) and len(w) - len(ending) >= MIN_LETTERS:
            w = w[: -len(ending)]
            break
    if len(w) > MIN_LETTERS and w[-1] in _VOWELS:
        w = w[:-1]
    return w[:7]


def words(text: str) -> set[str]:
    """The stems of ``text``'s words that can carry evidence."""
    out = set()
    for token in _WORD.findall(text):
        if len(token) >= MIN_LETTERS or (len(token) >= 2 and token.isupper()):
            out.add(stem(token))
    return out


class CodeTerms:
    """The terms of each code, by language (``""``: every language)."""

    def __init__(self, codebook: Codebook) -> None:
        self.codes = [c.name for c in codebook.codes]
        self.terms: dict[str, dict[str, set[str]]] = {}
        for code in codebook.codes:
            included = re.split(r"\bNOT\b", code.description or "")[0]
            by_lang = {"": words(f"{code.label} {included}")}
            for lang, phrases in code.examples.items():
                by_lang.setdefault(_primary(lang), set()).update(words(" ".join(phrases)))
            self.terms[code.name] = by_lang
        share: dict[str, int] = {}
        for by_lang in self.terms.values():
            for term in set().union(*by_lang.values()):
                share[term] = share.get(term, 0) + 1
        self.share = share

    def for_language(self, code: str, lang: str | None) -> set[str]:
        by_lang = self.terms[code]
        return by_lang[""] | by_lang.get(_primary(lang), set())

    def evidence(self, texts: Sequence[str], languages: Sequence[str | None]
                 ) -> tuple[np.ndarray, list[list[tuple[str, ...]]]]:
        """``(n, codes)`` weighted evidence over a batch, and the matched words per excerpt and code.

        Weights are the words' rarity in this batch, so the same excerpt can weigh
        differently in another run: this is evidence relative to the corpus, like every
        zero-shot score of ``detect.v1``.
        """
        n = len(texts)
        found = [words(t) for t in texts]
        df: dict[str, int] = {}
        for s in found:
            for w in s:
                df[w] = df.get(w, 0) + 1
        scores = np.zeros((n, len(self.codes)))
        matched: list[list[tuple[str, ...]]] = []
        originals = [_originals(t) for t in texts]
        for i, (s, lang) in enumerate(zip(found, languages)):
            row = []
            for j, code in enumerate(self.codes):
                hits = s & self.for_language(code, lang)
                scores[i, j] = sum(math.log((n + 1) / (df[w] + 1)) / self.share[w] for w in hits)
                row.append(tuple(sorted({originals[i].get(w, w) for w in hits})))
            matched.append(row)
        return scores, matched


def _originals(text: str) -> dict[str, str]:
    """Each stem's first spelling in ``text`` (to name matched words as the excerpt writes them)."""
    out: dict[str, str] = {}
    for token in _WORD.findall(text):
        out.setdefault(stem(token), token)
    return out


__all__ = ["CodeTerms", "stem", "words"]
