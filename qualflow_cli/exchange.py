"""``qualflow export`` and ``qualflow import``: REFI-QDA projects and codebooks in and out.

Only command definitions here; the exchange package (and lxml) is imported when a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        run: str = typer.Argument(..., help="A run id, or `latest` for the newest completed run."),
        study: Optional[str] = typer.Option(None, "--study", help="With `latest`: that study's newest run."),
        format: str = typer.Option("qdpx", "--format", "-f", help="qdpx (project with sources and codings) or "
                                                                  "qdc (codebook only)."),
        output: Optional[Path] = typer.Option(None, "--output", "-o", help="File to write (default: RUN.qdpx / RUN.qdc)."),
        suggestions: bool = typer.Option(True, "--suggestions/--no-suggestions",
                                         help="Include open machine suggestions as codings by the user `qualflow`."),
    ) -> None:
        """Write a run as a REFI-QDA project (.qdpx) for NVivo, ATLAS.ti, MAXQDA or QualCoder, or its codebook (.qdc)."""
        from pipeline.errors import InvalidInput, NotFound
        from pipeline.store.db import Store

        kind = format.lower().lstrip(".")
        if kind not in ("qdpx", "qdc"):
            raise InvalidInput("--format", f"unknown format {format!r}; use qdpx or qdc")
        from pipeline.store.codebooks import codebook_for
        from pipeline.store.studies import resolve_run

        store = Store()
        with store.session() as session:
            found = resolve_run(session, run, study)
            book = codebook_for(session, found) if found.codebook_id else None
        if kind == "qdpx":
            from pipeline.exchange import export_qdpx

            report = export_qdpx(store, found.id, output or Path(f"{found.id}.qdpx"), include_suggestions=suggestions)
            for line in report.lines():
                typer.echo(line)
            return
        from pipeline.exchange import export_qdc

        if book is None:
            raise NotFound(f"run {found.id} has no codebook in the store yet")
        path = export_qdc(book, output or Path(f"{found.id}.qdc"))
        typer.echo(f"{path}: codebook {book.id}, {len(book.codes)} codes")

    @app.command("import")
    def import_(
        path: Path = typer.Argument(..., help="A .qdpx project or a .qdc codebook."),
        coder: Optional[str] = typer.Option(None, "--coder", help="Who the file's codings and notes are recorded for "
                                                                 "(created as a coder without a password if new), "
                                                                 "whatever user the file names. Needed for .qdpx."),
        user: Optional[list[str]] = typer.Option(None, "--user", help="'NAME IN THE FILE=ACCOUNT': record that file "
                                                                      "user's work for ACCOUNT instead (repeatable; "
                                                                      "never an admin or validator)."),
        run: Optional[str] = typer.Option(None, "--run", help="Match codes and excerpts against this run "
                                                              "(default: the study's newest completed run)."),
        study: Optional[str] = typer.Option(None, "--study", help="The study the project belongs to; one the "
                                                                  "store does not know is created from the "
                                                                  "project's sources, cases and codes."),
        add_missing_codes: bool = typer.Option(False, "--add-missing-codes",
                                               help="Add codes that are in no codebook of the run (origin imported)."),
        keep_users: bool = typer.Option(False, "--keep-users",
                                        help="Record unmapped users' codings under their own names as external "
                                             "accounts (refused for a name that is an account that signs in)."),
        xsd: Optional[Path] = typer.Option(None, "--xsd", help="Validate against this REFI-QDA schema "
                                                               "(Project.xsd) first."),
    ) -> None:
        """Read codings and notes from another QDA program back as decisions and memos (or show a .qdc codebook)."""
        from pipeline.errors import InvalidInput
        from pipeline.store.db import Store

        if path.suffix.lower() == ".qdc":
            from pipeline.codebook import codebook_to_dict
            from pipeline.exchange import import_qdc
            from pipeline.store.repository import Repository

            book = import_qdc(path)
            depth = {c.name: 0 for c in book.codes}
            for c in book.codes:
                depth[c.name] = depth.get(c.parent, -1) + 1 if c.parent else 0
                typer.echo(f"{'  ' * depth[c.name]}{c.label}" + (f": {c.description}" if c.description else ""))
            Repository(Store()).save_codebook(book, codebook_to_dict(book))
            typer.echo(f"saved as codebook {book.id} ({len(book.codes)} codes)")
            return
        if not coder:
            raise InvalidInput(path.name, "name the coder whose codings these are: --coder NAME")
        from pipeline.exchange import import_qdpx

        mapped = {}
        for pair in user or []:
            name, sep, account = pair.rpartition("=")
            if not sep:
                raise InvalidInput("--user", f"{pair!r} is not NAME IN THE FILE=ACCOUNT")
            mapped[name] = account
        report = import_qdpx(Store(), path, coder=coder, run_id=run, add_missing_codes=add_missing_codes,
                             keep_users=keep_users, users=mapped, xsd_path=xsd, study=study)
        for line in report.lines():
            typer.echo(line)
