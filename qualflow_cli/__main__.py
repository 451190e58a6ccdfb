"""``python -m qualflow_cli``: the ``qualflow`` command without the console script."""

from qualflow_cli.main import main

main()
