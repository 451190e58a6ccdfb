"""A codebook as a plain JSON-ready dict, for keeping it in the store beside the run.

The dict carries ``"schema": "qualflow.codebook/1"``; a later layout gets a new tag and
``codebook_from_dict`` learns to read both, so stored runs stay readable.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from pipeline.codebook.checks import check_codes
from pipeline.codebook.dimensions import resolve_dimensions
from pipeline.codebook.schema import STORED_SCHEMA, StoredCode, StoredCodebook, invalid_codebook
from pipeline.errors import InvalidCodebook
from pipeline.records import Code, Codebook, Dimension


def codebook_to_dict(codebook: Codebook) -> dict[str, Any]:
    """Every field of ``codebook`` as lists, dicts, strings and ``None`` (for ``json.dumps``)."""
    return {
        "schema": STORED_SCHEMA,
        "name": codebook.name,
        "version": codebook.version,
        "sha256": codebook.sha256,
        "source": codebook.source,
        "description": codebook.description,
        "codes": [
            {
                "name": c.name,
                "label": c.label,
                "description": c.description,
                "include": c.include,
                "exclude": c.exclude,
                "parent": c.parent,
                "colour": c.colour,
                "examples": {lang: list(phrases) for lang, phrases in c.examples.items()},
                "dimension": c.dimension,
            }
            for c in codebook.codes
        ],
        "dimensions": [{"name": d.name, "label": d.label, "description": d.description,
                        "background_examples": None if d.background_examples is None else
                        {lang: list(p) for lang, p in d.background_examples.items()}}
                       for d in codebook.dimensions],
        "background_examples": {
            lang: list(phrases) for lang, phrases in codebook.background_examples.items()
        },
    }


def codebook_from_dict(data: Any, source: str) -> Codebook:
    """The ``Codebook`` that ``codebook_to_dict`` wrote; ``source`` names ``data`` in errors.

    The dict passes the same checks as a codebook file, since a stored copy may have been
    edited by hand or written by an older qualflow.
    """
    if not isinstance(data, dict):
        raise InvalidCodebook(source, None, None, "a stored codebook should be a mapping")
    try:
        stored = StoredCodebook.model_validate(data)
    except ValidationError as exc:
        raise invalid_codebook(source, exc, data, StoredCodebook, StoredCode) from None
    codes = tuple(
        Code(
            name=c.name,
            label=c.label,
            description=c.description,
            include=c.include,
            exclude=c.exclude,
            examples={lang: tuple(phrases) for lang, phrases in c.examples.items()},
            parent=c.parent,
            colour=c.colour,
            dimension=c.dimension,
        )
        for c in stored.codes
    )
    background = {lang: tuple(phrases) for lang, phrases in stored.background_examples.items()}
    check_codes(source, codes, background)
    declared = tuple(Dimension(d.name, d.label, d.description,
                               None if d.background_examples is None else
                               {lang: tuple(p) for lang, p in d.background_examples.items()})
                     for d in stored.dimensions)
    codes = resolve_dimensions(source, codes, declared)
    return Codebook(
        name=stored.name,
        version=stored.version,
        codes=codes,
        sha256=stored.sha256,
        source=stored.source,
        background_examples=background,
        description=stored.description,
        dimensions=declared,
    )
