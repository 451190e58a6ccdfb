"""Code families (dimensions): the codebook's codes split into groups that are coded apart.

The study reads every barrier against three conditions, so an excerpt is asked "which
barrier?" and, separately, "which condition?": a barrier code never competes with a
condition code for the same excerpt. A codebook that declares no families (CSV, REFI-QDA,
an older YAML) is one dimension, ``DEFAULT_DIMENSION``, and behaves exactly as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from pipeline.codebook.languages import language_problem
from pipeline.errors import InvalidCodebook
from pipeline.records import Code, Codebook, Dimension

DEFAULT_DIMENSION = Dimension("code", "Codes")
"""The one dimension of a codebook that declares none."""


def dimensions(codebook: Codebook) -> tuple[Dimension, ...]:
    """The codebook's dimensions in declared order; ``(DEFAULT_DIMENSION,)`` when it declares none."""
    return codebook.dimensions or (DEFAULT_DIMENSION,)


def dimension_of(codebook: Codebook, code: str) -> str:
    """The dimension ``code`` belongs to (``KeyError`` for a code not in the codebook)."""
    return codebook.code(code).dimension or DEFAULT_DIMENSION.name


def codes_in(codebook: Codebook, dimension: str, *, top_level: bool = False) -> tuple[Code, ...]:
    codes = codebook.top_level if top_level else codebook.codes
    return tuple(c for c in codes if (c.dimension or DEFAULT_DIMENSION.name) == dimension)


def split_by_dimension(codebook: Codebook) -> list[tuple[Dimension, Codebook]]:
    """One codebook per dimension (same background examples); the codebook itself when it
    has one dimension, so a codebook without families is coded exactly as before."""
    dims = dimensions(codebook)
    if len(dims) == 1:
        return [(dims[0], codebook)]
    return [(d, restrict(codebook, [d.name])) for d in dims]


def restrict(codebook: Codebook, names: Iterable[str]) -> Codebook:
    """The codebook with only the codes of the dimensions ``names`` (and those declared)."""
    keep = list(dict.fromkeys(names))
    known = {d.name for d in dimensions(codebook)}
    if unknown := [n for n in keep if n not in known]:
        raise KeyError(f"no dimension {unknown[0]!r}; the codebook has {', '.join(sorted(known))}")
    if set(keep) == known:
        return codebook
    codes = tuple(c for c in codebook.codes if (c.dimension or DEFAULT_DIMENSION.name) in keep)
    declared = tuple(d for d in codebook.dimensions if d.name in keep)
    background = codebook.background_examples
    if len(declared) == 1 and declared[0].background_examples is not None:
        background = declared[0].background_examples
    return dataclasses.replace(codebook, codes=codes, dimensions=declared, background_examples=background)


def dimensions_used(codebook: Codebook, codes: Iterable[str]) -> list[str]:
    """The dimensions (declared order) that at least one of ``codes`` belongs to."""
    used = {dimension_of(codebook, c) for c in codes if _has(codebook, c)}
    return [d.name for d in dimensions(codebook) if d.name in used]


def _has(codebook: Codebook, code: str) -> bool:
    return any(c.name == code for c in codebook.codes)


def resolve_dimensions(source: str, codes: Sequence[Code], declared: Sequence[Dimension]) -> tuple[Code, ...]:
    """Check every code's dimension against ``declared`` and give sub-codes their parent's.

    With families declared, every top-level code names one of them and a sub-code names its
    parent's or none; without, no code may name one. Parents must already be checked
    (``check_codes``). Raises ``InvalidCodebook`` naming the code and field.
    """
    names = [d.name for d in declared]
    for i, d in enumerate(declared):
        for lang in d.background_examples or {}:
            if why := language_problem(lang):
                raise InvalidCodebook(source, None, f"dimensions[{i}].background_examples.{lang}", why)
    for i, name in enumerate(names):
        if not name.strip():
            raise InvalidCodebook(source, None, f"dimensions[{i}].name", "a dimension has an empty name")
        if name in names[:i]:
            raise InvalidCodebook(source, None, f"dimensions[{i}].name", f"two dimensions are named {name!r}")
    by_name = {c.name: c for c in codes}

    def root(code: Code) -> Code:
        while code.parent is not None:
            code = by_name[code.parent]
        return code

    out = []
    for code in codes:
        if not declared:
            if code.dimension is not None:
                raise InvalidCodebook(source, code.name, "dimension",
                                      f"names the dimension {code.dimension!r}, but the codebook declares no "
                                      "dimensions; add them under `dimensions:` or leave the field out")
            out.append(code)
            continue
        top = root(code)
        if top.dimension is None:
            raise InvalidCodebook(source, top.name, "dimension",
                                  f"is required: the codebook declares dimensions ({', '.join(names)})")
        if top.dimension not in names:
            raise InvalidCodebook(source, top.name, "dimension",
                                  f"{top.dimension!r} is not a declared dimension; use one of {', '.join(names)}")
        if code.dimension is not None and code.dimension != top.dimension:
            raise InvalidCodebook(source, code.name, "dimension",
                                  f"a sub-code belongs to its parent's dimension ({top.dimension!r}), "
                                  f"not {code.dimension!r}")
        out.append(dataclasses.replace(code, dimension=top.dimension))
    return tuple(out)


__all__ = ["DEFAULT_DIMENSION", "codes_in", "dimension_of", "dimensions", "dimensions_used", "resolve_dimensions",
           "restrict", "split_by_dimension"]
