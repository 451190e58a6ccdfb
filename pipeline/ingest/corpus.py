"""The ingest stage's entry points: one file, or a corpus folder.

A corpus folder holds transcripts and, optionally, ``manifest.csv`` (see ``manifest``) and
``interview_guide.yaml`` (see ``guide``). With a manifest, its rows are the interviews: a
row whose file is missing, and a transcript file in the folder that no row lists, are
quarantined (an unlisted file may name people its row would have had us pseudonymise).
Without a manifest, every file directly in the folder is an interview with no metadata,
except these, which are not transcripts: ``manifest.csv``, ``interview_guide.yaml``,
``gold*.csv`` (human codes), ``README*``, ``*.md``, ``*.yaml``/``*.yml``, hidden files and
office lock files (``~$x.docx``). A file in a format no reader knows is quarantined, not
skipped.

Two other sources sit beside the interviews:

- **Official documents** (source type ``document``, ``documents``): every ``.pdf``, every file
  in the sub-folder ``documents/`` (with its own optional ``documents/manifest.csv``, same
  columns, ``document_id`` for ``interview_id``; the root manifest may list them too), and
  any file whose manifest row says ``source_type`` ``document``. Other sub-folders are not read.
- **A survey export** described by ``survey.yaml`` (``pipeline.survey``): its export file is
  not a transcript; each respondent who answered an open item becomes a transcript of
  source type ``survey``, and a bad row is quarantined as ``<export> row N``.

A bad manifest, guide or ``survey.yaml`` stops the run (``InvalidInput``); a bad transcript,
document or survey row is quarantined with its reason and the others go on.
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

DOCUMENTS_FOLDER = "documents"

NOT_TRANSCRIPTS = (MANIFEST_NAME, *GUIDE_NAMES, "gold*.csv", "README*", "*.md", "*.yaml", "*.yml", ".*", "~$*")
"""File-name patterns (case-insensitive) in a corpus folder that are not transcripts."""

Progress = Callable[[int, int, str], None]
"""Called after each file as ``progress(done, total, file_name)``."""

Stored = Callable[[dict[str, tuple[str, str]]], dict[str, Transcript]]
"""Given ``{interview_id: (ingest_key, source_path)}``, the transcripts a store holds under
exactly those keys (``reuse.ingest_key``); the others are read from their files."""


@dataclass(frozen=True)
class IngestResult:
    transcripts: list[Transcript]
    quarantined: list[Quarantined]
    guide: InterviewGuide | None
    manifest_path: Path | None
    key: PseudonymKey = field(default_factory=PseudonymKey)
    """The pseudonym key after this run (the one passed in, updated): the store keeps it."""
    survey: object | None = None
    """The corpus's ``pipeline.survey.Survey`` (respondents and closed answers), if it has one."""
    ingest_keys: dict[str, str] = field(default_factory=dict)
    """``reuse.ingest_key`` of each transcript read from a file (survey respondents have none)."""
    reused: frozenset[str] = frozenset()
    """Ids of the transcripts taken from the store instead of their files (``stored``)."""


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
    document: bool = False,
    source_sha256: str | None = None,
) -> Transcript:
    """Read one transcript (``document``: read it as an official document's paragraphs).
    Without ``meta`` its id is a slug of the file name; without ``key`` pseudonyms are
    numbered afresh (stable only within this call).
    Raises ``InvalidInput`` for a file that cannot be ingested."""
    from pipeline.ingest.documents import read_document

    path = Path(path)
    reader = reader_for(path)
    if reader is None:
        suffix = path.suffix.lower() or "(no suffix)"
        raise InvalidInput(path, f"unsupported format {suffix} (supported: {', '.join(supported_suffixes())})")
    if not path.is_file():
        raise InvalidInput(path, "file not found")
    raw = read_document(path) if document else reader.read(path)
    return build_transcript(
        raw,
        meta or default_meta(path, slugify(path.stem)),
        key=key if key is not None else PseudonymKey(),
        source_sha256=source_sha256 or file_sha256(path),
        languages=tuple(languages),
    )


def _is_transcript_candidate(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not any(fnmatch.fnmatch(name, pattern.lower()) for pattern in NOT_TRANSCRIPTS)


def _reason(error: InvalidInput) -> str:
    reason = f"{error.why} ({error.where})" if error.where else error.why
    return " ".join(reason.split())


def _unique_id(stem: str, used: set[str]) -> str:
    interview_id, n = slugify(stem), 2
    while interview_id in used:
        interview_id, n = f"{slugify(stem)}-{n}", n + 1
    used.add(interview_id)
    return interview_id


def _listed_jobs(folder: Path, manifest_path: Path, candidates: list[Path], languages: tuple[str, ...]):
    """Jobs of the files a manifest lists, and what it cannot give (missing files, unlisted files)."""
    manifest = load_manifest(manifest_path, languages=languages)
    jobs: list[tuple[Path, InterviewMeta]] = []
    quarantined: list[Quarantined] = []
    listed = set()
    for entry in manifest.entries:
        path = manifest_path.parent / entry.meta.file
        listed.add(path)
        if path.is_file():
            jobs.append((path, replace(entry.meta, file=path.relative_to(folder).as_posix())))
        else:
            shown = path.relative_to(folder).as_posix()
            quarantined.append(Quarantined(shown, f"manifest row {entry.row}: file {entry.meta.file} not found"))
    for path in candidates:
        if path not in listed:
            quarantined.append(Quarantined(path.relative_to(folder).as_posix(),
                                           f"not listed in {manifest_path.relative_to(folder).as_posix()}"))
    return jobs, quarantined, listed


def ingest_corpus(
    folder: Path,
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    key: PseudonymKey | None = None,
    progress: Progress | None = None,
    stored: Stored | None = None,
) -> IngestResult:
    """Ingest every interview, document and survey respondent of a corpus folder (see the
    module docstring). With ``stored``, a file whose ingest key the store already holds is
    not read again: its transcript comes from the store."""
    from pipeline.ingest.reuse import ingest_key
    from pipeline.survey import SURVEY_NAME, load_survey
    from pipeline.survey.transcripts import survey_transcripts

    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(folder, "not a folder")
    key = key if key is not None else PseudonymKey()
    languages = tuple(code.lower() for code in languages)
    guide_path = find_guide(folder)
    guide = load_guide(guide_path) if guide_path else None
    survey = load_survey(folder / SURVEY_NAME) if (folder / SURVEY_NAME).is_file() else None
    not_here = {survey.data_path.resolve()} if survey else set()
    manifest_path = folder / MANIFEST_NAME
    candidates = sorted((p for p in folder.iterdir() if _is_transcript_candidate(p) and p.resolve() not in not_here),
                        key=lambda p: p.name)
    documents = folder / DOCUMENTS_FOLDER
    document_files = sorted((p for p in documents.iterdir() if _is_transcript_candidate(p)),
                            key=lambda p: p.name) if documents.is_dir() else []

    jobs: list[tuple[Path, InterviewMeta]] = []
    quarantined: list[Quarantined] = []
    listed: set[Path] = set()
    if manifest_path.is_file():
        jobs, quarantined, listed = _listed_jobs(folder, manifest_path, candidates, languages)
    else:
        manifest_path = None
        used: set[str] = set()
        jobs = [(path, default_meta(path, _unique_id(path.stem, used))) for path in candidates]
    document_files = [p for p in document_files if p not in listed]
    if (documents / MANIFEST_NAME).is_file():
        more, problems, _ = _listed_jobs(folder, documents / MANIFEST_NAME, document_files, languages)
        jobs += more
        quarantined += problems
    elif document_files:
        used = {meta.interview_id for _, meta in jobs}
        jobs += [(p, replace(default_meta(p, _unique_id(p.stem, used)), file=f"{DOCUMENTS_FOLDER}/{p.name}"))
                 for p in document_files]

    # A person listed for one interview may be mentioned in another (a coordinator, a child's
    # teacher): every listed name is masked in every transcript, own names first.
    everyone = tuple(dict.fromkeys(name for _, meta in jobs for name in meta.names))
    jobs = [(path, replace(meta, names=tuple(dict.fromkeys(meta.names + everyone)))) for path, meta in jobs]

    def is_document(path: Path, meta: InterviewMeta) -> bool:
        return path.parent == documents or meta.extra.get("source_type") == "document"

    hashes: dict[str, str] = {}
    for path, meta in jobs:
        try:
            hashes[meta.interview_id] = file_sha256(path)
        except OSError:  # unreadable: its reader says why, and it is quarantined below
            pass
    keys = {meta.interview_id: ingest_key(hashes[meta.interview_id], meta, languages, document=is_document(path, meta))
            for path, meta in jobs if meta.interview_id in hashes}
    asked = {meta.interview_id: (keys[meta.interview_id], str(path)) for path, meta in jobs if meta.interview_id in keys}
    found = stored(asked) if stored is not None and asked else {}
    transcripts: list[Transcript] = []
    for done, (path, meta) in enumerate(jobs, start=1):
        name = path.relative_to(folder).as_posix()
        if meta.interview_id in found:
            transcripts.append(found[meta.interview_id])
        else:
            try:
                transcripts.append(ingest_file(path, meta, languages=languages, key=key, document=is_document(path, meta),
                                               source_sha256=hashes.get(meta.interview_id)))
            except InvalidInput as err:
                quarantined.append(Quarantined(name, _reason(err)))
        if progress is not None:
            progress(done, len(jobs), name)
    if survey is not None:
        quarantined.extend(survey.quarantined)
        taken = {t.id for t in transcripts}
        answered = survey_transcripts(survey, key=key, languages=languages)
        clash = next((t.id for t in answered if t.id in taken), None)
        if clash:
            raise InvalidInput(survey.path, f"respondent transcript id {clash!r} is also an interview's id: "
                                            "set another transcript_prefix", where="field transcript_prefix")
        transcripts.extend(answered)
    read = {t.id for t in transcripts} - set(found)
    return IngestResult(transcripts=transcripts, quarantined=quarantined, guide=guide, manifest_path=manifest_path,
                        key=key, survey=survey, ingest_keys={i: k for i, k in keys.items() if i in read},
                        reused=frozenset(found))
