"""``qualflow server start`` and ``qualflow deploy``: scheduled runs on a real Prefect server."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    server_app = typer.Typer(no_args_is_help=True, help="A Prefect server for scheduled runs (PostgreSQL-backed).")
    app.add_typer(server_app, name="server")

    @server_app.command("start")
    def server_start(
        folder: Path = typer.Option(Path("outputs/prefect-server"), help="Where PostgreSQL's data and the logs live."),
        host: str = typer.Option("127.0.0.1", help="Address the Prefect UI and API listen on."),
        port: int = typer.Option(4200, help="Port of the Prefect UI and API."),
        pool: str = typer.Option("qualflow", help="Process work pool the worker polls."),
    ) -> None:
        """Start PostgreSQL, the Prefect server, a process work pool and a worker; stop them on Ctrl-C."""
        import signal
        import time

        from flows.server import LocalStack

        stack = LocalStack(folder=folder, host=host, port=port, pool=pool)
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
        with stack:
            typer.echo(f"Prefect UI and API: http://{host}:{port}  (export PREFECT_API_URL={stack.api_url})")
            typer.echo(f"work pool {pool!r} with one process worker; logs in {folder}. Ctrl-C stops everything.")
            try:
                while all(p.poll() is None for p in stack.processes):
                    time.sleep(1)
                typer.echo("a server process exited; stopping the rest (see the logs)", err=True)
            except KeyboardInterrupt:
                pass

    @app.command()
    def deploy(
        corpus: Path = typer.Argument(..., help="Corpus folder the scheduled runs analyse."),
        name: str = typer.Option("analyse", help="Deployment name (analyse_corpus/<name>)."),
        codebook: Optional[Path] = typer.Option(None, help="Codebook YAML or CSV."),
        config: Optional[Path] = typer.Option(None, help="Run configuration (TOML)."),
        cron: Optional[str] = typer.Option(None, help='Schedule, e.g. "0 2 * * *" for every night at 02:00.'),
        pool: str = typer.Option("qualflow", help="Work pool whose workers run it."),
        dask_address: Optional[str] = typer.Option(None, help="Run the tasks on this Dask cluster."),
    ) -> None:
        """Create or update a Prefect deployment of the main job (needs PREFECT_API_URL)."""
        import os

        from flows.deploy import deploy as create

        if not os.environ.get("PREFECT_API_URL"):
            from pipeline.errors import QualflowError

            raise QualflowError("PREFECT_API_URL is not set: start `qualflow server start` and export the URL it prints")
        deployment_id = create(corpus, name=name, codebook=codebook, config=config, cron=cron, pool=pool,
                               dask_address=dask_address)
        typer.echo(f"deployment analyse_corpus/{name} ({deployment_id})" + (f", schedule {cron!r}" if cron else ""))
        typer.echo(f"run it now: prefect deployment run 'analyse_corpus/{name}'")
