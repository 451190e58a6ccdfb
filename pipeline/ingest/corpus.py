"""The ingest stage's entry points: one file, or a corpus folder.

A corpus folder holds transcripts and, optionally, ``manifest.csv`` (see ``manifest``) and
``interview_guide.yaml`` (see ``guide``). With a manifest, its rows are the interviews: a
row whose file is missing, and a transcript file in the folder that no row lists, are
quarantined (an unlisted file may name people its row would have had us pseudonymise).
Without a manifest, every file directly in the folder is an interview with no metadata,
except these, which are not transcripts: ``manifest.csv``, ``interview_guide.yaml``,
``gold*.csv`` (human codes), ``README*``, ``*.md``, ``*.yaml``/``*.yml``, hidden files and
office lock files (``~$x.docx``). Sub-folders are not read. A file in a format no reader
knows is quarantined, not skipped.

A bad manifest or guide stops the run (``InvalidInput``); a bad transcript is quarantined
with its reason and the others go on.
"""

from __future__ import annotations

import fnmatch
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipeline.errors import InvalidInput
from pipeline.ingest.base import reader_for, registered_readers
from pipeline.ingest.guide import GUIDE_NAMES, find_guide, load_guide
from pipeline.ingest.language import DEFAULT_LANGUAGES
from pipeline.ingest.manifest import MANIFEST_NAME, load_manifest
from pipeline.ingest.pseudonymise import PseudonymKey
from pipeline.ingest.transcript import build_transcript, default_meta, slugify
from pipeline.records import InterviewGuide, InterviewMeta, Quarantined, Transcript

NOT_TRANSCRIPTS = (MANIFEST_NAME, *GUIDE_NAMES, "gold*.csv", "README*", "*.md", "*.yaml", "*.yml", ".*", "~$*")
"""File-name patterns (case-insensitive) in a corpus folder that are not transcripts."""

Progress = Callable[[int, int, str], None]
"""Called after each file as ``progress(done, total, file_name)``."""


@dataclass(frozen=True)
class IngestResult:
    transcripts: list[Transcript]
    quarantined: list[Quarantined]
    guide: InterviewGuide | None
    manifest_path: Path | None
    key: PseudonymKey = field(default_factory=PseudonymKey)
    """The pseudonym key after this run (the one passed in, updated): the store keeps it."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def supported_suffixes() -> tuple[str, ...]:
    return tuple(sorted(registered_readers()))


def ingest_file(
    path: Path,
    meta: InterviewMeta | None = None,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    key: PseudonymKey | None = None,
) -> Transcript:
    """Read one transcript. Without ``meta`` its id is a slug of the file name; without
    ``key`` pseudonyms are numbered afresh (stable only within this call).
    Raises ``InvalidInput`` for a file that cannot be ingested."""
    path = Path(path)
    reader = reader_for(path)
    if reader is None:
        suffix = path.suffix.lower() or "(no suffix)"
        raise InvalidInput(path, f"unsupported format {suffix} (supported: {', '.join(supported_suffixes())})")
    if not path.is_file():
        raise InvalidInput(path, "file not found")
    raw = reader.read(path)
    return build_transcript(
        raw,
        meta or default_meta(path, slugify(path.stem)),
        key=key if key is not None else PseudonymKey(),
        source_sha256=file_sha256(path),
        languages=tuple(languages),
    )


def _is_transcript_candidate(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not any(fnmatch.fnmatch(name, pattern.lower()) for pattern in NOT_TRANSCRIPTS)


def _reason(error: InvalidInput) -> str:
    reason = f"{error.why} ({error.where})" if error.where else error.why
    return " ".join(reason.split())


def ingest_corpus(
    folder: Path,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    key: PseudonymKey | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest every interview of a corpus folder (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(folder, "not a folder")
    key = key if key is not None else PseudonymKey()
    languages = tuple(code.lower() for code in languages)
    guide_path = find_guide(folder)
    guide = load_guide(guide_path) if guide_path else None
    manifest_path = folder / MANIFEST_NAME
    candidates = sorted((p for p in folder.iterdir() if _is_transcript_candidate(p)), key=lambda p: p.name)

    jobs: list[tuple[Path, InterviewMeta]] = []
    quarantined: list[Quarantined] = []
    if manifest_path.is_file():
        manifest = load_manifest(manifest_path, languages=languages)
        listed = set()
        for entry in manifest.entries:
            path = folder / entry.meta.file
            listed.add(path)
            if path.is_file():
                jobs.append((path, entry.meta))
            else:
                quarantined.append(Quarantined(
                    entry.meta.file, f"manifest row {entry.row}: file {entry.meta.file} not found"))
        for path in candidates:
            if path not in listed:
                quarantined.append(Quarantined(path.name, f"not listed in {MANIFEST_NAME}"))
    else:
        manifest_path = None
        used: set[str] = set()
        for path in candidates:
            interview_id = slugify(path.stem)
            n = 2
            while interview_id in used:
                interview_id, n = f"{slugify(path.stem)}-{n}", n + 1
            used.add(interview_id)
            jobs.append((path, default_meta(path, interview_id)))

    # A person listed for one interview may be mentioned in another (a coordinator, a child's
    # teacher): every listed name is masked in every transcript, own names first.
    everyone = tuple(dict.fromkeys(name for _, meta in jobs for name in meta.names))
    jobs = [(path, replace(meta, names=tuple(dict.fromkeys(meta.names + everyone)))) for path, meta in jobs]

    transcripts: list[Transcript] = []
    for done, (path, meta) in enumerate(jobs, start=1):
        name = path.relative_to(folder).as_posix()
        try:
            transcripts.append(ingest_file(path, meta, languages=languages, key=key))
        except InvalidInput as err:
            quarantined.append(Quarantined(name, _reason(err)))
        if progress is not None:
            progress(done, len(jobs), name)
    return IngestResult(
        transcripts=transcripts, quarantined=quarantined, guide=guide, manifest_path=manifest_path, key=key
    )
