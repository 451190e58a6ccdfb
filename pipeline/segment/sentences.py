"""Sentence splitting with spaCy's blank pipelines and the rule-based sentencizer.

No statistical model is needed (or downloadable here): ``spacy.blank(lang)`` gives each
language's tokenizer, and the sentencizer splits on end punctuation. Greek writes its
question mark as ``;`` (U+037E, usually typed as ASCII ``;``), so for Greek ``;`` ends a
sentence too.
"""

from __future__ import annotations

from functools import lru_cache

SPACY_LANGS = {"it", "hu", "el", "nl", "en", "de", "fr", "es", "pt"}


@lru_cache(maxsize=16)
def _pipeline(lang: str):
    import spacy
    from spacy.pipeline.sentencizer import Sentencizer

    nlp = spacy.blank(lang if lang in SPACY_LANGS else "xx")
    punct = list(Sentencizer.default_punct_chars)
    if lang == "el":
        punct += [";", "\u037e"]
    nlp.add_pipe("sentencizer", config={"punct_chars": punct})
    return nlp


def split_sentences(text: str, lang: str | None) -> list[tuple[int, int]]:
    """Return ``(start, end)`` code-point spans of the sentences in ``text``, whitespace trimmed."""
    doc = _pipeline(lang or "xx")(text)
    spans = []
    for sent in doc.sents:
        start, end = sent.start_char, sent.end_char
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans
