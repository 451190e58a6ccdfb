"""The ``qualflow`` command line: a shell on top of ``pipeline`` (the library), ``flows``
(Prefect) and ``app`` (the review app). Nothing in ``pipeline`` imports it.

Commands only parse arguments and call into those packages; heavy imports happen inside
the commands, so ``qualflow --help`` answers in well under a second.
"""
