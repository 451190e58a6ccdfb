"""Errors a user can fix. Everything else is a bug and may crash loudly.

The CLI turns a ``QualflowError`` into one line and exit code 2; the web app turns it
into an HTTP 400. They are never caught anywhere else except where a batch run
quarantines one bad file and goes on.
"""

from __future__ import annotations

from pathlib import Path


class QualflowError(Exception):
    """Base of every error that is the user's to fix."""

    exit_code = 2


class InvalidInput(QualflowError):
    """A transcript or manifest that cannot be read: names the file, where in it, and why."""

    def __init__(self, path: str | Path, why: str, where: str | None = None) -> None:
        self.path = str(path)
        self.where = where
        self.why = why
        location = f"{self.path} ({where})" if where else self.path
        super().__init__(f"{location}: {why}")


class InvalidCodebook(QualflowError):
    """A codebook entry that is missing or has a bad field."""

    def __init__(self, source: str | Path, entry: str | None, field: str | None, why: str) -> None:
        self.source, self.entry, self.field, self.why = str(source), entry, field, why
        parts = [self.source]
        if entry:
            parts.append(f"code {entry!r}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{', '.join(parts)}: {why}")


class InvalidConfig(QualflowError):
    """A run configuration with an unknown, badly typed or unusable field.

    ``field`` is dotted (``embed.model``) and shown as TOML shows it: ``run.toml: [embed] model: why``.
    Code that reads one section without knowing the file (the embedder factory) leaves
    ``source`` out; whoever knows the file names it with ``in_file``.
    """

    def __init__(self, source: str | Path | None, field: str | None, why: str) -> None:
        self.source = None if source is None else str(source)
        self.field, self.why = field, why
        where = [self.source] if self.source else []
        if field:
            section, _, name = field.partition(".")
            where.append(f"[{section}] {name}" if name else f"[{section}]")
        super().__init__(": ".join([*where, why]))

    def in_file(self, source: str | Path) -> "InvalidConfig":
        """This error, naming the config file ``source`` when it names none yet."""
        return self if self.source else InvalidConfig(source, self.field, self.why)


class NotFound(QualflowError):
    """A run, model or record the user named does not exist."""
