"""``qualflow export`` and ``qualflow import`` against the store named by QUALFLOW_DATABASE_URL."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from pipeline.errors import InvalidInput, NotFound
from pipeline.store.db import Store
from tests.exchange.study import build_study, load_transcripts


@pytest.fixture
def cli(monkeypatch):
    from qualflow_cli.main import app

    runner = CliRunner()

    def invoke(url: str, *args: str):
        monkeypatch.setenv("QUALFLOW_DATABASE_URL", url)
        return runner.invoke(app, list(args))

    return invoke


def test_export_then_import_into_another_store(cli, tmp_path):
    source = f"sqlite:///{tmp_path / 'study.db'}"
    build_study(source)
    out = tmp_path / "study.qdpx"
    result = cli(source, "export", "latest", "--format", "qdpx", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.exists() and "5 sources, 5 cases, 14 codes, 9 codings by 3 coders, 5 open suggestions" in result.output

    target = f"sqlite:///{tmp_path / 'target.db'}"
    load_transcripts(Store(target))
    result = cli(target, "import", str(out), "--coder", "carol", "--add-missing-codes", "--user", "alice=alice",
                 "--user", "bob=bob")
    assert result.exit_code == 0, result.output
    assert "recorded for: alice -> alice, bob -> bob" in result.output
    assert "6 decisions written, 0 unchanged" in result.output and "5 qualflow suggestions skipped" in result.output
    assert "added 1" in result.output


def test_codebook_out_and_back(cli, tmp_path):
    source = f"sqlite:///{tmp_path / 'study.db'}"
    build_study(source)
    qdc = tmp_path / "codebook.qdc"
    result = cli(source, "export", "r1", "-f", "qdc", "-o", str(qdc))
    assert result.exit_code == 0, result.output
    assert "14 codes" in result.output
    result = cli(f"sqlite:///{tmp_path / 'other.db'}", "import", str(qdc))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("funding_calls: Difficulties")
    assert lines[1].startswith("  reporting: ") or lines[1].startswith("  funding_calls/reporting: ")
    assert lines[-1].startswith("saved as codebook codebook@qdc-")


@pytest.mark.parametrize("args, error, words", [
    (("import", "x.qdpx"), InvalidInput, "--coder"),
    (("export", "r1", "--format", "nvpx"), InvalidInput, "unknown format"),
    (("export", "nothing"), NotFound, "no run 'nothing'"),
])
def test_user_errors(cli, tmp_path, args, error, words):
    result = cli(f"sqlite:///{tmp_path / 'empty.db'}", *args)
    assert isinstance(result.exception, error) and words in str(result.exception)


def test_help_lists_the_commands_without_importing_the_exchange_code():
    code = ("import sys, qualflow_cli.main; "
            "print(sorted(m for m in sys.modules if m.startswith('pipeline.exchange')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    result = CliRunner().invoke(__import__("qualflow_cli.main", fromlist=["app"]).app, ["--help"])
    assert "export" in result.output and "import" in result.output
