"""The real pipeline on the demo corpus (the flow, with the hashing embedder), exported as a
REFI-QDA project that validates and imports back."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import select

from pipeline.store import models as m
from tests.conftest import DEMO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def run_demo(tmp_path) -> tuple[str, str]:
    """The main job (the Prefect flow) on the demo corpus with the hashing embedder."""
    from flows.analyse import analyse_corpus

    if not (DEMO / "manifest.csv").exists():
        pytest.skip("the demo corpus is not in this checkout")
    config = tmp_path / "run.toml"
    config.write_text(f'[embed]\nruntime = "hashing"\n[output]\ndir = "{(tmp_path / "outputs").as_posix()}"\n',
                      encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'store.db'}"
    result = analyse_corpus(str(DEMO), config=str(config), run_id="demo", database_url=url)
    return url, result["run_id"]


def test_demo_run_exports_valid_refi_qda_and_imports_back(prefect_server, tmp_path, xsd):
    from pipeline.exchange import export_qdpx, import_qdpx, validate_project
    from pipeline.store.db import Store

    url, run_id = run_demo(tmp_path)
    store = Store(url)
    report = export_qdpx(store, "latest", tmp_path / "demo.qdpx")
    with store.session() as s:
        coded = set(s.scalars(select(m.ExcerptRow.transcript_id).join(
            m.RunExcerpt, m.RunExcerpt.excerpt_id == m.ExcerptRow.id).where(m.RunExcerpt.run_id == run_id)))
        cities = {t.city for t in s.scalars(select(m.TranscriptRow))}
    assert len(coded) >= 12 and cities >= {"Bologna", "Budapest", "Thessaloniki", "Kortrijk"}
    assert report.run_id == run_id and report.sources == report.cases == len(coded) and report.suggestions > 0
    with zipfile.ZipFile(tmp_path / "demo.qdpx") as z:
        project = z.read("project.qde")
        validate_project(project, xsd)

    # survey respondents and official documents are sources of their own, cited by page
    from lxml import etree

    ns = {"q": "urn:QDA-XML:project:1.0"}
    root = etree.fromstring(project)
    about = {src.get("name"): src.findtext("q:Description", namespaces=ns) for src in root.iterfind(".//q:TextSource", ns)}
    assert about["BO-D1"].startswith("Official document documents/BO-D1_relazione_comune.pdf")
    assert "p. 1: " in about["BO-D1"] and "p. 2: " in about["BO-D1"]
    survey_sources = [name for name in about if name.startswith("survey-R")]
    assert survey_sources and about[survey_sources[0]].startswith("Survey respondent R")
    names = {v.get("guid"): v.get("name") for v in root.iterfind(".//q:Variable", ns)}
    kinds = {v.findtext("q:TextValue", namespaces=ns) for v in root.iterfind(".//q:VariableValue", ns)
             if names[v.find("q:VariableRef", ns).get("targetGUID")] == "source_type"}
    assert kinds == {"survey", "document"}  # interviews keep the variables they always had

    # open suggestions are the machine's: importing the untouched export adds no decisions
    back = import_qdpx(store, tmp_path / "demo.qdpx", coder="carol")
    assert back.sources_unmatched == () and set(back.sources_matched.values()) == coded
    assert back.decisions == 0 and back.suggestions_skipped == report.suggestions
