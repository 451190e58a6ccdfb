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

Function words carry no evidence however rare the run makes them: spaCy's stop-word lists
are dropped from a definition's terms (in the language the definitions are written in,
recognised by those lists), from an example phrase's (in its language) and from what an
excerpt is matched on (in its language). Without this, "come", "cosa", "sono", "quindi"
from the shipped codebook's Italian examples added up to a suggestion: ParlaTO PTD001 (an
Italian interview with no barrier talk) had 7.1% of its excerpts suggested a barrier, 2.4%
without them (ARCHITECTURE.md, "Coding quality").
"""

from __future__ import annotations

import importlib.util
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

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


STOPWORD_LANGUAGES = ("en", "it", "hu", "el", "nl", "de", "fr", "es", "pt")
"""Languages whose stop words are known when guessing a definition's language."""


@lru_cache(maxsize=None)
def stop_stems(lang: str | None) -> frozenset[str]:
    """The stems of spaCy's stop words for ``lang`` (empty for a language spaCy has no list for).

    Read from spaCy's data file (``spacy/lang/<lang>/stop_words.py``, a word list in a
    string) rather than imported: importing it imports spaCy, which imports torch, seconds
    and hundreds of MB that a run served from the store otherwise never loads.
    """
    code = _primary(lang) if lang else None
    if not code or not code.isalpha():
        return frozenset()
    spec = importlib.util.find_spec("spacy")
    if spec is None or spec.origin is None:
        return frozenset()
    path = Path(spec.origin).parent / "lang" / code / "stop_words.py"
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    listed = " ".join(re.findall(r'"""(.*?)"""', source, flags=re.S)).split()
    return frozenset(stem(w) for w in listed if len(w) >= MIN_LETTERS)


def written_in(texts: Iterable[str]) -> str | None:
    """The language whose stop words the texts use most (``None`` when they use none)."""
    tokens = [stem(t) for text in texts for t in _WORD.findall(text) if len(t) >= MIN_LETTERS]
    counts = {lang: sum(t in stop_stems(lang) for t in tokens) for lang in STOPWORD_LANGUAGES}
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] else None


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
        defined = {c.name: c.label + " " + re.split(r"\bNOT\b", c.description or "")[0] for c in codebook.codes}
        self.definitions_language = written_in(defined.values())
        for code in codebook.codes:
            by_lang = {"": words(defined[code.name]) - stop_stems(self.definitions_language)}
            for lang, phrases in code.examples.items():
                by_lang.setdefault(_primary(lang), set()).update(words(" ".join(phrases)) - stop_stems(lang))
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
            s = s - stop_stems(lang)
            for j, code in enumerate(self.codes):
                hits = s & self.for_language(code, lang)
                # summed in sorted order: a set's order, and so the float sum, follows the hash seed
                scores[i, j] = sum(math.log((n + 1) / (df[w] + 1)) / self.share[w] for w in sorted(hits))
                row.append(tuple(sorted({originals[i].get(w, w) for w in hits})))
            matched.append(row)
        return scores, matched


def _originals(text: str) -> dict[str, str]:
    """Each stem's first spelling in ``text`` (to name matched words as the excerpt writes them)."""
    out: dict[str, str] = {}
    for token in _WORD.findall(text):
        out.setdefault(stem(token), token)
    return out


__all__ = ["CodeTerms", "STOPWORD_LANGUAGES", "stem", "stop_stems", "words", "written_in"]
