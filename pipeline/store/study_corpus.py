"""A stored study as a corpus folder, so ``qualflow run --study NAME`` (and ``qualflow eval
--study NAME``) can code a study that came from another QDA program and has no folder.

Each transcript is written as ``<id>.txt`` (its stored text, which the ingest stage reads
back unchanged: the same speaker turns, the same excerpt ids) with a ``manifest.csv`` of its
metadata, and the study's codebook as ``codebook.yaml``, under
``<output dir>/studies/<study>/``. The folder is rewritten on every call.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from sqlalchemy import select

from pipeline.errors import NotFound
from pipeline.store import models as m
from pipeline.store.db import Store


def materialise_study(name: str, *, config: str | Path | None = None, store: Store | None = None) -> tuple[Path, Path | None]:
    """``(corpus folder, codebook file or None)`` of the stored study ``name``."""
    import yaml

    from pipeline.config import load_config
    from pipeline.store.codebooks import stored_codebook
    from pipeline.codebook import codebook_to_dict
    from pipeline.store.studies import get_study, latest_run

    store = store or Store()
    root = Path(load_config(Path(config) if config else None).output.dir) / "studies" / _safe(name)
    with store.session() as s:
        study = get_study(s, name)
        rows = list(s.scalars(select(m.TranscriptRow).join(m.StudyTranscript, m.StudyTranscript.transcript_id ==
                                                         m.TranscriptRow.id)
                              .where(m.StudyTranscript.study == name).order_by(m.TranscriptRow.id)))
        if not rows:
            raise NotFound(f"study {name!r} has no transcripts yet: import a project into it "
                           f"(qualflow import PROJECT.qdpx --study {name} --coder NAME)")
        newest = latest_run(s, name)
        book_id = (newest.codebook_id if newest is not None else None) or study.codebook_id
        book = stored_codebook(s, book_id) if book_id else None
        corpus = root / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        corpus.mkdir(parents=True)
        manifest = []
        for t in rows:
            (corpus / f"{t.id}.txt").write_text(t.text, encoding="utf-8", newline="\n")
            extra = {k: str(v) for k, v in (t.variables or {}).items() if k not in ("language", "interview_id", "file")}
            manifest.append({"interview_id": t.id, "file": f"{t.id}.txt", "city": t.city or "", "country": t.country or "",
                             "role": t.role or "", "date": t.date or "",
                             "language": (t.variables or {}).get("language") or "", **extra})
    columns = list(dict.fromkeys(k for row in manifest for k in row))
    with open(corpus / "manifest.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(manifest)
    book_path = None
    if book is not None:
        book_path = root / "codebook.yaml"
        stored = codebook_to_dict(book)  # the YAML codebook's fields only (the stored form has more)
        content = {"name": stored["name"], "version": stored["version"],
                   **({"description": stored["description"]} if stored.get("description") else {}),
                   "codes": [{k: v for k, v in c.items() if v not in (None, "", {})} for c in stored["codes"]],
                   **({"background_examples": stored["background_examples"]}
                      if stored.get("background_examples") else {})}
        book_path.write_text(yaml.safe_dump(content, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return corpus, book_path


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "study"
