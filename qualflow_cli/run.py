"""``qualflow run``: plan (validate everything), then run the Prefect flow with progress bars."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer


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


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        corpus: Optional[Path] = typer.Argument(None, help="Folder of transcripts (with manifest.csv, optional); "
                                                           "leave out with --study to code a stored (imported) "
                                                           "study."),
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

        # Everything is validated here, before any work: corpus, config, codebook, embedder, mapper.
        plan = plan_run(corpus, codebook=codebook, config=config, strict=strict, run_id=run_id, refit=refit,
                        study=study)
        from flows.analyse import analyse_planned
        from flows.server import api_for_run, raise_on_sigterm

        raise_on_sigterm()
        columns = (TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with api_for_run(), Progress(*columns, console=Console(stderr=True), transient=False) as bars:
            stage_progress.set_listener(RichListener(bars))
            try:
                result = analyse_planned(plan, codebook=str(codebook) if codebook else None,
                                         config=str(config) if config else None, dask_address=dask_address)
            finally:
                stage_progress.set_listener(None)
        print_summary(Console(), result)


def print_summary(console, result: dict) -> None:
    """The run's codes per city, counts, timings, quarantined files and notes, from the flow's result."""
    from rich.markup import escape
    from rich.table import Table

    run_json, rows = result["run"], result["codes_per_city"]
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
    for note in run_json.get("mapping_notes", []):
        console.print(escape(note), style="yellow", highlight=False)
    console.print(f"Outputs: {result['output_dir']}  (open report.html)")
