"""Real third-party transcripts run through the whole pipeline (skipped without ../shared/data)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def test_real_odt_and_tab_separated_transcripts_run_through_the_pipeline(prefect_server, shared_data, tmp_path):
    from flows.analyse import analyse_corpus

    corpus = tmp_path / "real"
    corpus.mkdir()
    odts = sorted((shared_data / "serdif_dev" / "transcripts").glob("*.odt"))
    for odt in odts:
        shutil.copy(odt, corpus / odt.name)
    shutil.copy(shared_data / "parlato_it" / "PTD001.txt", corpus / "PTD001.txt")
    config = tmp_path / "run.toml"
    config.write_text(f'[output]\ndir = "{tmp_path / "outputs"}"\n', encoding="utf-8")  # default (real) embedder
    result = analyse_corpus(str(corpus), config=str(config), database_url=f"sqlite:///{tmp_path / 'store.db'}",
                            run_id="real")
    assert result["quarantined"] == [] and result["transcripts"] == len(odts) + 1
    out = Path(result["output_dir"])
    rows = list(csv.DictReader(open(out / "coded_excerpts.csv", encoding="utf-8")))
    by_interview = {}
    for r in rows:
        by_interview.setdefault(r["interview_id"], []).append(r)
    assert len(by_interview) == len(odts) + 1 and all(len(v) >= 10 for v in by_interview.values())
    italian = next(v for k, v in by_interview.items() if k.lower().startswith("ptd001"))
    assert {r["language"] for r in italian} == {"it"} and all(r["speaker"] == "TOI020" for r in italian)
    english = [r for k, v in by_interview.items() if not k.lower().startswith("ptd001") for r in v]
    assert {r["language"] for r in english} == {"en"}
    # answers carry the numbered task prompt before them; only speech before the first prompt
    # (one transcript starts talking before task 1) has none
    for interview, excerpts in by_interview.items():
        if not interview.lower().startswith("ptd001"):
            flags = [bool(r["question"]) for r in excerpts]
            assert flags == sorted(flags) and sum(flags) > 0.9 * len(flags), interview
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["counts"]["topics"] >= 2
