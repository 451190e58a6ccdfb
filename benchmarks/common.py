"""Pieces the quality benchmarks share: codebooks with extra example phrases, and their JSON output."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Mapping, Sequence


def with_examples(codebook, phrases: Mapping[str, Mapping[str, Sequence[str]]], suffix: str):
    """``codebook`` with ``phrases`` (code -> language -> phrases) as its examples in those languages.

    A language given for a code replaces that code's examples in it; codes and languages not
    named keep theirs. The version gets ``+suffix`` so that results name what was coded with.
    """
    codes = tuple(dataclasses.replace(c, examples={**c.examples, **{lang: tuple(v) for lang, v in
                                                                   phrases.get(c.name, {}).items()}})
                  for c in codebook.codes)
    return dataclasses.replace(codebook, codes=codes, version=f"{codebook.version}+{suffix}")


def read_yaml(path: Path):
    import yaml

    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write_results(out: dict, path: Path, repo: Path, console) -> None:
    """``out`` as indented UTF-8 JSON at ``path``; says where on the console."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"Written: {path.relative_to(repo) if path.is_relative_to(repo) else path}")
