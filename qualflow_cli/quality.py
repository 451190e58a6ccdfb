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
        corpus: Optional[Path] = typer.Argument(None, help="Corpus folder with the transcripts the gold codes are "
                                                           "about (or --study)."),
        gold: Optional[Path] = typer.Option(None, "--gold", help="Human codes: CSV (document,tag,content), Taguette "
                                                                 ".sqlite3, or REFI-QDA .qdpx."),
        codebook: Optional[Path] = typer.Option(None, "--codebook", help="Codebook YAML or tag CSV (default with "
                                                                         "--study: the study's)."),
        study: Optional[str] = typer.Option(None, "--study", help="Evaluate on a stored study's transcripts "
                                                                  "(e.g. one imported from a .qdpx)."),
        gold_coder: Optional[str] = typer.Option(None, "--gold-coder", help="With --study: this coder's decisions "
                                                                            "in the store are the gold (e.g. the "
                                                                            "--coder of an import); on excerpts "
                                                                            "an admin reconciled, the agreed codes."),
        learn_from: Optional[Path] = typer.Option(None, "--learn-from", help="Learn from these human codes first; "
                                                                             "their documents are not evaluated."),
        out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: outputs/eval-<timestamp>)."),
        level: str = typer.Option("excerpt", "--level", help="excerpt (qualflow's own excerpts of all respondent "
                                                              "speech are the units; uncoded text counts) or "
                                                              "segment (only the gold segments: which code, given "
                                                              "one applies)."),
        mapper: Optional[str] = typer.Option(None, "--mapper", help="A registered mapper (detect.v1, detect.v2, "
                                                                    "prototype.v1, learned.v1); default: the config's, which "
                                                                    "is what `qualflow run` suggests."),
        config: Optional[Path] = typer.Option(None, "--config", help="Run configuration (TOML): embedder, mapping."),
        unknown_codes: str = typer.Option("error", "--unknown-codes", help="error, or warn to leave out gold codes "
                                                                           "that are not in the codebook."),
        unit_cover: float = typer.Option(0.5, min=0.0, max=1.0, help="X: a gold span covering this share of a "
                                                                     "unit codes it."),
        gold_cover: float = typer.Option(0.5, min=0.0, max=1.0, help="Y: so does one with this share of itself "
                                                                     "inside the unit."),
        bootstrap: int = typer.Option(1000, min=0, help="Bootstrap resamples for alpha's 95% interval."),
        simulate_review: Optional[str] = typer.Option(None, "--simulate-review", help="Also replay a coder who "
                                                      "reviews the queue and the model relearning: numbers of "
                                                      "decisions to report at, e.g. 100,200,400."),
        relearn_every: int = typer.Option(25, "--relearn-every", help="With --simulate-review: relearn after "
                                                                      "every this many decisions."),
        spot_checks: Optional[float] = typer.Option(None, "--spot-checks", help="With --simulate-review: the "
                                                    "share of cards that are spot checks on excerpts with no "
                                                    "suggestion (default: the review app's, 0.1; 0 for none)."),
        all_documents: bool = typer.Option(False, "--all-documents", help="Every corpus document was coded "
                                                                          "exhaustively: one with no gold code "
                                                                          "counts too (all its speech uncoded)."),
    ) -> None:
        """Agreement of machine codes with human codes: kappa, alpha (95% CI), F1, top-k, calibration."""
        from rich.console import Console

        from pipeline.errors import InvalidInput
        from pipeline.quality.evaluate import evaluate
        from pipeline.quality.report import default_out_dir, write_report

        if unknown_codes not in ("error", "warn"):
            raise InvalidInput("--unknown-codes", f"use error or warn, not {unknown_codes!r}")
        if study:
            from pipeline.store.study_corpus import materialise_study

            corpus, stored_book = materialise_study(study, config=config)
            codebook = codebook or stored_book
            if gold_coder:
                from pipeline.quality.gold import decisions_gold
                from pipeline.store.db import Store

                gold = decisions_gold(Store(), gold_coder, reconciled=True)  # agreed codes where reconciled
        if corpus is None or gold is None or codebook is None:
            raise InvalidInput("qualflow eval", "name CORPUS, --gold and --codebook, or --study NAME with "
                                                "--gold or --gold-coder")
        console = Console()
        with console.status("evaluating ..."):
            report = evaluate(corpus, gold, codebook, learn_from=learn_from, level=level, mapper=mapper,
                              on_unknown=unknown_codes, config=config, unit_cover=unit_cover, gold_cover=gold_cover,
                              bootstrap=bootstrap, simulate_review=simulate_review, relearn_every=relearn_every,
                              all_documents=all_documents, spot_checks=spot_checks)
        out_dir = out or default_out_dir()
        paths = write_report(report, out_dir)
        print_report(console, report)
        console.print(f"Written: {paths['json']}  {paths['html']}")

    @app.command("learn")
    def learn(
        run: str = typer.Argument("latest", help="A run id, or `latest` for the newest completed run."),
        study: Optional[str] = typer.Option(None, "--study", help="With `latest`: that study's newest run."),
    ) -> None:
        """Re-score a run's open suggestions with a model trained on every coder decision so far."""
        from pipeline.mapping.resuggest import resuggest
        from pipeline.store.db import Store
        from pipeline.store.studies import resolve_run

        store = Store()
        with store.session() as session:
            run_id = resolve_run(session, run, study).id
        notes: list[str] = []
        changed = resuggest(store, run_id, notes=notes)
        typer.echo(f"run {run_id}: {changed} open suggestion(s) re-scored")
        for note in notes:
            typer.echo(f"  {note}")


def print_report(console, report) -> None:
    """The headline figures, per-code table and warnings, for a terminal."""
    from rich.table import Table

    def f(x) -> str:
        return "–" if x is None else (f"{x:.3f}" if isinstance(x, float) else str(x))

    from pipeline.quality.report import report_title

    o = report.overall
    ci = o.get("alpha_ci")
    head = Table(title=report_title(report))
    for column in ("kappa", "alpha (95% CI)", "macro-F1", "top-1", "top-3", "ECE"):
        head.add_column(column, justify="right")
    head.add_row(f(o["kappa"]), f"{f(o['alpha'])} [{f(ci[0])}, {f(ci[1])}]" if ci else f(o["alpha"]),
                 f(o["macro_f1"]), f(o["top1_accuracy"]), f(o["top3_recall"]), f(o["ece"]))
    console.print(head)
    detect = Table(title="What a coder meets (suggested excerpt x code pairs)")
    for column in ("precision", "recall", "suggestions per 100 units", "would be rejected", "uncoded units"):
        detect.add_column(column, justify="right")
    share = o.get("uncoded_share")
    detect.add_row(f(o.get("precision")), f(o.get("recall")), f(o.get("suggestions_per_100")),
                   f(o.get("reject_share")), "–" if share is None else f"{share:.1%}")
    console.print(detect)
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
    if report.simulation:
        review = report.simulation_review or {}
        sim = Table(title=f"Simulated review with {review.get('settings', {}).get('mapper')}, relearning every "
                          f"{review.get('settings', {}).get('relearn_every')} decisions; figures on the excerpts "
                          f"not yet reviewed")
        for column in ("decisions", "from queue", "browsing", "macro-F1", "precision", "recall",
                       "suggestions per 100", "accepted"):
            sim.add_column(column, justify="right")
        for p in report.simulation:
            sim.add_row(str(p["decisions"]), str(p["from_queue"]), str(p["from_browsing"]), f(p["macro_f1"]),
                        f(p["precision"]), f(p["recall"]), f(p["suggestions_per_100"]), f(p["accepted_share"]))
        console.print(sim)
        rel = review.get("reliability", {})
        if rel.get("bins"):
            console.print(f"reviewed suggestions: {rel['count']}, confidence vs accepted ECE {f(rel['ece'])}; "
                          + ", ".join(f"{b['bin']}: {b['observed']:.0%} of {b['count']}" for b in rel["bins"]
                                      if b["count"]), highlight=False)
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
