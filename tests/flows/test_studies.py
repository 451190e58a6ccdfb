"""Studies end to end through the real CLI: two corpora in one store, and a project from
another program imported as a study, then coded, evaluated against and learned from.
The hashing embedder: what is under test is where runs and decisions go, not the model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import select

from pipeline.store import models as m
from pipeline.store.db import Store
from tests.conftest import DEMO, REPO
from tests.exchange.test_new_study import greek_project

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(prefect_server, tmp_path):
    from prefect.settings import PREFECT_API_URL

    config = tmp_path / "run.toml"
    config.write_text(f'[embed]\nruntime = "hashing"\n[output]\ndir = "{tmp_path / "outputs"}"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    env = {**os.environ, "QUALFLOW_DATABASE_URL": url, "PREFECT_API_URL": PREFECT_API_URL.value(),
           "PYTHONPATH": str(REPO)}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "qualflow_cli", *args], env=env, capture_output=True,
                              text=True, timeout=600, cwd=tmp_path)
        assert done.returncode == 0, f"qualflow {' '.join(args)} exited {done.returncode}:\n{done.stderr}"
        return done.stdout

    run.config, run.url = str(config), url
    return run


def test_two_corpora_and_an_imported_project_in_one_store(cli, tmp_path):
    for name, files in (("alaska", ["BO-01_associazione.txt", "EN-01_expat_parent.txt"]),
                        ("greece", ["TH-02_dimos.odt"])):
        corpus = tmp_path / name
        corpus.mkdir()
        for f in files:
            shutil.copy(DEMO / f, corpus / f)
    cli("run", str(tmp_path / "alaska"), "--config", cli.config, "--run-id", "a1")
    cli("run", str(tmp_path / "greece"), "--config", cli.config, "--run-id", "g1", "--study", "hellas")

    path, _ = greek_project(tmp_path)
    out = cli("import", str(path), "--study", "thessaloniki", "--coder", "eleni")
    assert "1 transcripts created" in out and "2 decisions written" in out
    cli("run", "--study", "thessaloniki", "--config", cli.config, "--run-id", "t1")

    listing = cli("studies", "list")
    for study, run in (("alaska", "a1"), ("hellas", "g1"), ("thessaloniki", "t1")):
        assert study in listing and run in listing
    with Store(cli.url).session() as s:
        assert {r.id: r.study for r in s.scalars(select(m.Run))} == {"a1": "alaska", "g1": "hellas",
                                                                      "t1": "thessaloniki"}
        # the run of the imported study saw the excerpts the imported codings are on
        seen = set(s.scalars(select(m.RunExcerpt.excerpt_id).where(m.RunExcerpt.run_id == "t1")))
        coded = set(s.scalars(select(m.Decision.excerpt_id)))
        assert coded and coded <= seen
        run = s.get(m.Run, "t1")
        assert run.codebook_id.startswith("Θεσσαλονίκη") or "qdpx" in run.codebook_id

    learned = cli("learn", "--study", "thessaloniki")
    assert learned.startswith("run t1:")
    evaluated = cli("eval", "--study", "thessaloniki", "--gold-coder", "eleni", "--config", cli.config,
                    "--mapper", "prototype.v1", "--bootstrap", "0", "--out", str(tmp_path / "eval"))
    assert "gold: 2 of 2 segments located" in evaluated
