"""A code's definition in pieces: what ``detect.v2`` compares excerpts with.

A definition lists what coders look for ("grants, loans, funding agencies (USDA, state,
federal), applying for funding, the paperwork/reporting burden of applications, ..."). One
embedding of the whole list is an average of all of it, and an excerpt that speaks of one
item only (a grant report) is far from that average. So the definition is cut into its
clauses, at commas, semicolons and colons outside parentheses, each read with the code's
label ("Funding calls: applying for funding"); the whole of what it includes is one more
piece. What it excludes (after an upper-case ``NOT``) gives no piece, as it gives no word
to ``lexicon``. An excerpt's similarity to a code is then the mean of its two closest
pieces (``detect.v2``).
"""

from __future__ import annotations

import re

from pipeline.mapping.prototype import Prototype
from pipeline.records import Codebook


def _split(text: str, separators: str = ",;:") -> list[str]:
    """``text`` cut at ``separators`` outside parentheses, each part trimmed of spaces and full stops."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip(" .") for p in parts if p.strip(" .")]


def included(description: str | None) -> str:
    """What a definition includes: the text before its first upper-case ``NOT``."""
    return re.split(r"\bNOT\b", description or "")[0].strip()


def definition_pieces(codebook: Codebook) -> list[Prototype]:
    """Every code's definition pieces (see the module docstring), as ``Prototype``s with ``piece=True``."""
    out: list[Prototype] = []
    for code in codebook.codes:
        whole = included(code.description)
        if not whole:
            continue
        texts = [f"{code.label}: {part}" for part in _split(whole)] + [f"{code.label}: {whole}"]
        for text in dict.fromkeys(texts):  # in order, once each
            out.append(Prototype(code.name, text, None, piece=True))
    return out


__all__ = ["definition_pieces", "included"]
