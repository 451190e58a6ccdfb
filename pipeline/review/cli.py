"""``qualflow eval`` (agreement with human coders) and ``qualflow learn`` (re-suggest from decisions).

Only command definitions here; models, scikit-learn and the store load when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_(
        corpus: Path = typer.Argument(..., help="Corpus folder with the transcripts the gold codes are about."),
        gold: Path = typer.Option(..., "--gold", help="Human codes: CSV (document,tag,content), Taguette "
                                                      ".sqlite3, or REFI-QDA .qdpx."),
        codebook: Path = typer.Option(..., "--codebook", help="Codebook YAML or tag CSV."),
        learn_from: Optional[Path] = typer.Option(None, "--learn-from", help="Learn from these human codes first; "
                                                                             "their documents are not evaluated."),
        out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: outputs/eval-<timestamp>)."),
        level: str = typer.Option("segment", "--level", help="segment (each gold segment is a unit) or excerpt "
                                                              "(qualflow's own excerpts are the units)."),
        mapper: Optional[str] = typer.Option(None, "--mapper", help="A registered mapper (detect.v1, prototype.v1, "
                                                                    "learned.v1); default: the config's, which "
                                                                    "is what `qualflow run` suggests."),
        config: Optional[Path] = typer.Option(None, "--config", help="Run configuration (TOML): embedder, mapping."),
        unknown_codes: str = typer.Option("error", "--unknown-codes", help="error, or warn to leave out gold codes "
                                                                           "that are not in the codebook."),
        unit_cover: float = typer.Option(0.5, min=0.0, max=1.0, help="X: a gold span covering this share of a "
                                                                     "unit codes it."),
        gold_cover: float = typer.Option(0.5, min=0.0, max=1.0, help="Y: so does one with this share of itself "
                                                                     "inside the unit."),
        bootstrap: int = typer.Option(1000, min=0, help="Bootstrap resamples for alpha's 95% interval."),
    ) -> None:
        """Agreement of machine codes with human codes: kappa, alpha (95% CI), F1, top-k, calibration."""
        from rich.console import Console

        from pipeline.errors import InvalidInput
        from pipeline.review.evaluate import default_out_dir, evaluate, write_report

        if unknown_codes not in ("error", "warn"):
            raise InvalidInput("--unknown-codes", f"use error or warn, not {unknown_codes!r}")
        console = Console()
        with console.status("evaluating ..."):
            report = evaluate(corpus, gold, codebook, learn_from=learn_from, level=level, mapper=mapper,
                              on_unknown=unknown_codes, config=config, unit_cover=unit_cover, gold_cover=gold_cover,
                              bootstrap=bootstrap)
        out_dir = out or default_out_dir()
        paths = write_report(report, out_dir)
        print_report(console, report)
        console.print(f"Written: {paths['json']}  {paths['html']}")

    @app.command("learn")
    def learn(
        run: str = typer.Argument("latest", help="A run id, or `latest` for the newest completed run."),
    ) -> None:
        """Re-score a run's open suggestions with a model trained on every coder decision so far."""
        from pipeline.errors import NotFound
        from pipeline.mapping.resuggest import resuggest
        from pipeline.store.db import Store
        from pipeline.store.repository import Repository

        store = Store()
        run_id = run
        if run == "latest":
            found = Repository(store).latest_run()
            if found is None:
                raise NotFound("no completed run in the store")
            run_id = found.id
        changed = resuggest(store, run_id)
        typer.echo(f"run {run_id}: {changed} open suggestion(s) re-scored")


def print_report(console, report) -> None:
    """The headline figures, per-code table and warnings, for a terminal."""
    from rich.table import Table

    def f(x) -> str:
        return "–" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))

    o = report.overall
    ci = o.get("alpha_ci")
    s = report.settings
    title = f"{s.get('mapper')} vs human codes, {s.get('level')} level, {o['units']} units"
    head = Table(title=title)
    for column in ("kappa", "alpha (95% CI)", "macro-F1", "top-1", "top-3", "ECE"):
        head.add_column(column, justify="right")
    head.add_row(f(o["kappa"]), f"{f(o['alpha'])} [{f(ci[0])}, {f(ci[1])}]" if ci else f(o["alpha"]),
                 f(o["macro_f1"]), f(o["top1_accuracy"]), f(o["top3_recall"]), f(o["ece"]))
    console.print(head)
    table = Table(title="Per code")
    table.add_column("code")
    for column in ("support", "predicted", "precision", "recall", "F1", "kappa"):
        table.add_column(column, justify="right")
    for row in report.per_code:
        table.add_row(row["code"], str(row["support"]), str(row["predicted"]), f(row["precision"]),
                      f(row["recall"]), f(row["f1"]), f(row["kappa"]))
    console.print(table)
    docs = report.breakdown.get("document", [])
    if docs:
        by_doc = Table(title="By document")
        by_doc.add_column("document")
        for column in ("units", "kappa", "alpha", "macro-F1", "top-1", "top-3"):
            by_doc.add_column(column, justify="right")
        for row in docs:
            by_doc.add_row(row["value"], str(row["units"]), f(row["kappa"]), f(row["alpha"]), f(row["macro_f1"]),
                           f(row["top1_accuracy"]), f(row["top3_recall"]))
        console.print(by_doc)
    g = report.gold
    console.print(f"gold: {g['located']} of {g['segments_read']} segments located "
                  f"({g['located_share']:.1%}), {g['located_approximately']} approximately; "
                  f"{g.get('spans_evaluated', g['located'])} evaluated", highlight=False)
    if g.get("excluded_documents"):
        console.print(f"not evaluated (learned from): {', '.join(g['excluded_documents'])}", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning[/yellow] {w}", markup=True, highlight=False)
    for u in g["unlocated"][:10]:
        console.print(f"  not located: {u['source']}: {u['why']}: {u['content'][:80]!r}", markup=False)
