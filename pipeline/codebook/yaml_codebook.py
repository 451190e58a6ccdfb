"""Reading a codebook written by hand in YAML (the layout of ``models/codebooks/``)."""

from __future__ import annotations

import hashlib
from typing import Any

import yaml
from pydantic import ValidationError

from pipeline.codebook.checks import COLOUR, check_codes, clean_text
from pipeline.codebook.dimensions import resolve_dimensions
from pipeline.codebook.schema import CodebookFile, CodeEntry, invalid_codebook
from pipeline.errors import InvalidCodebook
from pipeline.records import Code, Codebook, Dimension


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses a key given twice in one mapping.

    Plain PyYAML keeps the last of two ``it:`` lists without a word, which would silently
    drop a whole language's examples.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(
                    "while reading a mapping", node.start_mark, f"{key!r} is given twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_yaml_codebook(data: bytes, source: str) -> Codebook:
    """Build a ``Codebook`` from the bytes of a YAML codebook; ``source`` names it in errors."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidCodebook(source, None, None, f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise InvalidCodebook(source, None, None, "the file is empty")
    try:
        raw = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise InvalidCodebook(source, None, None, f"{where}{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InvalidCodebook(source, None, None, f"not valid YAML: {exc}") from None
    if raw is None:
        raise InvalidCodebook(source, None, None, "the file is empty (nothing but comments)")
    if not isinstance(raw, dict):
        raise InvalidCodebook(
            source, None, None, "should be a mapping with name, version and codes at the top"
        )
    try:
        parsed = CodebookFile.model_validate(raw)
    except ValidationError as exc:
        raise invalid_codebook(source, exc, raw, CodebookFile, CodeEntry) from None

    codes = tuple(_code(source, entry) for entry in parsed.codes)
    background = _phrases(source, None, "background_examples", parsed.background_examples)
    check_codes(source, codes, background)
    declared = tuple(
        Dimension(d.name, clean_text(d.label) if d.label and d.label.strip() else d.name, clean_text(d.description or ""),
                  None if d.background_examples is None
                  else _phrases(source, None, f"dimensions[{i}].background_examples", d.background_examples))
        for i, d in enumerate(parsed.dimensions))
    codes = resolve_dimensions(source, codes, declared)
    return Codebook(
        name=parsed.name.strip(),
        version=parsed.version.strip(),
        codes=codes,
        sha256=hashlib.sha256(data).hexdigest(),
        source=source,
        background_examples=background,
        description=(parsed.description or "").strip(),
        dimensions=declared,
    )


def _code(source: str, entry: CodeEntry) -> Code:
    if "/" in entry.name:
        # '/' in a name always means nesting, as it does for imported tags.
        expected = entry.name.rsplit("/", 1)[0]
        if entry.parent != expected:
            raise InvalidCodebook(
                source,
                entry.name,
                "parent",
                f"a code named {entry.name!r} is a sub-code of {expected!r}; "
                f"write parent: {expected}" + (f" (not {entry.parent!r})" if entry.parent else ""),
            )
    return Code(
        name=entry.name,
        label=clean_text(entry.label) if entry.label and entry.label.strip() else entry.name,
        description=clean_text(entry.description),
        include=clean_text(entry.include),
        exclude=clean_text(entry.exclude),
        examples=_phrases(source, entry.name, "examples", entry.examples),
        parent=entry.parent.strip() if entry.parent else None,
        dimension=entry.dimension.strip() if entry.dimension and entry.dimension.strip() else None,
        # Lower-cased only once it is a colour, so an error quotes what the author wrote.
        colour=entry.colour.lower() if entry.colour and COLOUR.fullmatch(entry.colour) else entry.colour,
    )


def _phrases(
    source: str, entry: str | None, field: str, examples: dict[Any, list[str]]
) -> dict[str, tuple[str, ...]]:
    cleaned: dict[str, tuple[str, ...]] = {}
    for lang, phrases in examples.items():
        if not phrases:
            raise InvalidCodebook(source, entry, f"{field}.{lang}", "no phrases; leave the language out instead")
        for i, phrase in enumerate(phrases):
            if not phrase.strip():
                raise InvalidCodebook(source, entry, f"{field}.{lang}[{i}]", "an empty example phrase")
        cleaned[lang] = tuple(clean_text(p) for p in phrases)
    return cleaned
