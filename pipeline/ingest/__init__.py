"""Ingest: transcript files and their manifest in, normalised pseudonymised ``Transcript``s out.

Importing this package registers the readers for ``.txt``, ``.docx``, ``.odt``, ``.pdf``, ``.vtt``,
``.srt`` and ``.csv`` (see ``base`` for the ``Reader`` interface). The flow is
``reader.read`` → ``RawTranscript`` → ``transcript.build_transcript`` (NFC, roles,
pseudonyms, languages, offsets) → ``Transcript``; ``corpus.ingest_corpus`` runs it over a
folder and quarantines the files that fail.
"""

from pipeline.ingest import csv, docx, odt, pdf, srt, txt, vtt  # noqa: F401  (register the readers)
from pipeline.ingest.corpus import IngestResult, file_sha256, ingest_corpus, ingest_file
from pipeline.ingest.guide import load_guide
from pipeline.ingest.manifest import Manifest, ManifestEntry, load_manifest
from pipeline.ingest.pseudonymise import PseudonymKey, pseudonymise

__all__ = [
    "IngestResult",
    "Manifest",
    "ManifestEntry",
    "PseudonymKey",
    "file_sha256",
    "ingest_corpus",
    "ingest_file",
    "load_guide",
    "load_manifest",
    "pseudonymise",
]
