"""``load_codebook``: one entry point for every codebook file format, chosen by suffix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.codebook.csv_codebook import parse_csv_codebook
from pipeline.codebook.yaml_codebook import parse_yaml_codebook
from pipeline.errors import InvalidCodebook, NotFound
from pipeline.records import Codebook

DEFAULT_CODEBOOK = Path(__file__).resolve().parents[2] / "models" / "codebooks" / "coproduction_barriers.yaml"
"""The study's codebook of co-production barriers, used when a run names no codebook.

It lives in the source checkout (``models/codebooks/``), not inside the ``pipeline`` package.
"""

_PARSERS: dict[str, Callable[[bytes, Path], Codebook]] = {
    ".yaml": lambda data, path: parse_yaml_codebook(data, path.name),
    ".yml": lambda data, path: parse_yaml_codebook(data, path.name),
    ".csv": lambda data, path: parse_csv_codebook(data, path.name, name=path.stem),
}


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook from a ``.yaml``/``.yml`` file or import a tag ``.csv``.

    ``Codebook.sha256`` is the hash of the file's bytes. Errors (``InvalidCodebook``) and
    ``Codebook.source`` name the file by its name only: the message may reach a web page,
    and a server's directories are no business of the person reading it.
    """
    path = Path(path)
    parse = _PARSERS.get(path.suffix.lower())
    if parse is None:
        known = ", ".join(sorted(_PARSERS))
        raise InvalidCodebook(path.name, None, None, f"unknown codebook format {path.suffix!r}; use {known}")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidCodebook(path.name, None, None, "no such file") from None
    except OSError as exc:
        raise InvalidCodebook(path.name, None, None, f"cannot read it ({exc.strerror})") from None
    return parse(data, path)


def default_codebook_path() -> Path:
    """Where the default codebook is; ``NotFound`` when this installation lacks it."""
    if not DEFAULT_CODEBOOK.is_file():
        raise NotFound(
            "the default codebook models/codebooks/coproduction_barriers.yaml is not part of this "
            "installation (run qualflow from a source checkout, or name a codebook file)"
        )
    return DEFAULT_CODEBOOK
