"""Zip-based formats (docx, odt): a clear reason for a broken archive before any parser runs."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from pipeline.errors import InvalidInput

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_MEMBER_BYTES = 200_000_000
"""Refuse a member that would unpack to more than this (a zip bomb, not a transcript)."""


def check_zip(path: Path, suffix: str) -> None:
    """Raise ``InvalidInput`` unless ``path`` is an intact zip archive."""
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except OSError as err:
        raise InvalidInput(path, f"cannot read the file: {err.strerror or err}") from err
    if not head:
        raise InvalidInput(path, "empty file")
    if head.startswith(OLE_MAGIC):
        raise InvalidInput(path, f"a legacy binary Office file, not {suffix}: save it as {suffix}")
    if not head.startswith(b"PK"):
        raise InvalidInput(path, f"not a {suffix} file (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.file_size > MAX_MEMBER_BYTES:
                    raise InvalidInput(path, f"{info.filename} would unpack to {info.file_size} bytes",
                                       where=info.filename)
            broken = archive.testzip()
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, NotImplementedError) as err:
        raise InvalidInput(path, f"corrupt or truncated zip archive ({err})") from err
    if broken:
        raise InvalidInput(path, f"corrupt zip archive (bad member {broken})", where=broken)


def read_member(path: Path, name: str, suffix: str) -> bytes:
    """One member of a checked archive; a missing member is an ``InvalidInput``."""
    with zipfile.ZipFile(path) as archive:
        try:
            return archive.read(name)
        except KeyError as err:
            raise InvalidInput(path, f"not a {suffix} file ({name} is missing)") from err
