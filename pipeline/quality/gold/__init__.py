"""Human codes ("gold") located in our transcripts.

Every loader ends the same way: a coder's segment is located in ``Transcript.text``
(``locate``) and becomes a ``GoldSpan`` with code-point offsets; what cannot be located is
reported as an ``Unlocated`` row with its reason, never dropped silently.

Sources:

* a CSV ``document, tag, content`` (optional ``id`` column: rows sharing an id, or the
  same document and located span, are one multi-label segment);
* a Taguette SQLite database (``documents``, ``highlights``, ``tags``,
  ``highlight_tags``): a highlight's ``start_offset``/``end_offset`` count into the text of
  the document's HTML ``contents`` with the tags stripped and entities decoded. Taguette
  counts UTF-8 bytes; the unit is checked against the stored snippets rather than assumed;
* a REFI-QDA project (``.qdpx``), through a loader the exchange package registers with
  ``register_gold_loader``;
* the store's decisions of one coder (``decisions_gold``), for human-vs-human agreement.

The records and their checks against the codebook are in ``base``, locating in ``locate``,
one module per source (``tables`` for CSV, ``taguette``, ``decisions``; REFI-QDA in
``pipeline.exchange.gold``); here, choosing a loader by the file's suffix.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.records import Transcript
from pipeline.quality.gold.base import Gold, GoldSpan, Unlocated, check_gold_codes, gold_with_parents
from pipeline.quality.gold.decisions import decisions_gold
from pipeline.quality.gold.locate import TranscriptFinder, TranscriptIndex, gold_from_texts
from pipeline.quality.gold.tables import load_gold_csv
from pipeline.quality.gold.taguette import html_text, load_gold_taguette, taguette_offset_unit

GoldLoader = Callable[[Path, Sequence[Transcript]], Gold]
_LOADERS: dict[str, GoldLoader] = {
    ".csv": load_gold_csv,
    ".sqlite3": load_gold_taguette,
    ".sqlite": load_gold_taguette,
    ".db": load_gold_taguette,
}
_PLUGIN_MODULES = {".qdpx": "pipeline.exchange"}
"""Formats whose loader another package registers on import (REFI-QDA: the exchange package)."""


def register_gold_loader(suffix: str) -> Callable[[GoldLoader], GoldLoader]:
    """Register a gold loader for a file suffix (the exchange package does so for ``.qdpx``)."""
    def decorate(loader: GoldLoader) -> GoldLoader:
        _LOADERS[suffix.lower()] = loader
        return loader
    return decorate


def load_gold(path: str | Path, transcripts: Sequence[Transcript]) -> Gold:
    """Gold from any supported file, chosen by suffix; an empty result is an error."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _LOADERS and suffix in _PLUGIN_MODULES:
        import importlib

        try:
            importlib.import_module(_PLUGIN_MODULES[suffix])
        except ImportError:
            pass
    loader = _LOADERS.get(suffix)
    if loader is None:
        hint = " (REFI-QDA import is not available in this installation)" if suffix == ".qdpx" else ""
        raise InvalidInput(path.name, f"unknown gold format {suffix!r}{hint}; use "
                                      f"{', '.join(sorted(_LOADERS))}")
    gold = loader(path, transcripts)
    if gold.segments_read == 0:
        raise InvalidInput(path.name, "the gold file has no coded segments")
    if not gold.spans:
        shown = "; ".join(f"{u.document}: {u.why}" for u in gold.unlocated[:3])
        raise InvalidInput(path.name, f"none of its {gold.segments_read} coded segments could be located in "
                                      f"the corpus ({shown})")
    return gold


__all__ = [
    "Gold", "GoldSpan", "Unlocated", "TranscriptIndex", "TranscriptFinder", "check_gold_codes", "decisions_gold",
    "gold_from_texts", "gold_with_parents", "html_text", "load_gold", "load_gold_csv", "load_gold_taguette",
    "register_gold_loader", "taguette_offset_unit",
]
