"""Checks every codebook passes, whatever file or store it came from.

They work on the records, so the YAML loader, the CSV import and ``codebook_from_dict``
share them; each raises the first problem as ``InvalidCodebook``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

from pipeline.codebook.languages import language_problem
from pipeline.errors import InvalidCodebook
from pipeline.records import Code

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def check_codes(
    source: str, codes: Sequence[Code], background_examples: Mapping[str, Sequence[str]]
) -> None:
    """Unique names, parents that exist without cycles, known languages, ``#rrggbb`` colours,
    and no example phrase given twice.

    An example phrase that stands for two codes (or for a code and the background) would
    pull an excerpt towards both, so the zero-shot mapper could never tell them apart.
    """
    names: set[str] = set()
    for code in codes:
        if not code.name.strip():
            raise InvalidCodebook(source, None, "name", "a code has an empty name")
        if code.name in names:
            raise InvalidCodebook(source, code.name, "name", "two codes have this name")
        names.add(code.name)
        if code.colour is not None and not COLOUR.fullmatch(code.colour):
            raise InvalidCodebook(
                source, code.name, "colour", f"{code.colour!r} is not a colour like '#1b9e77'"
            )
        for lang in code.examples:
            if why := language_problem(lang):
                raise InvalidCodebook(source, code.name, f"examples.{lang}", why)
    for lang in background_examples:
        if why := language_problem(lang):
            raise InvalidCodebook(source, None, f"background_examples.{lang}", why)

    parents = {c.name: c.parent for c in codes}
    for code in codes:
        if code.parent is None:
            continue
        if code.parent == code.name:
            raise InvalidCodebook(source, code.name, "parent", "a code cannot be its own parent")
        if code.parent not in parents:
            raise InvalidCodebook(source, code.name, "parent", f"no code is named {code.parent!r}")
        seen = [code.name]
        ancestor = code.parent
        while ancestor is not None:
            if ancestor in seen:
                cycle = " -> ".join([*seen, ancestor])
                raise InvalidCodebook(source, code.name, "parent", f"parents form a cycle: {cycle}")
            seen.append(ancestor)
            ancestor = parents[ancestor]

    _check_examples_once(source, codes, background_examples)


def _check_examples_once(
    source: str, codes: Sequence[Code], background_examples: Mapping[str, Sequence[str]]
) -> None:
    first: dict[tuple[str, str], str] = {}
    owners = [(c.name, f"code {c.name!r}", c.examples) for c in codes]
    owners.append((None, "background_examples", background_examples))
    for entry, where, examples in owners:
        field = "examples" if entry is not None else "background_examples"
        for lang, phrases in examples.items():
            for i, phrase in enumerate(phrases):
                key = (lang, _comparable(phrase))
                if key in first:
                    raise InvalidCodebook(
                        source,
                        entry,
                        f"{field}.{lang}[{i}]",
                        f"{phrase!r} is already an example of {first[key]}",
                    )
                first[key] = where


def _comparable(phrase: str) -> str:
    return " ".join(unicodedata.normalize("NFC", phrase).casefold().split())


def clean_text(text: str) -> str:
    """NFC (like every transcript), ``\\n`` line ends, no outer whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()
