"""How much memory the process holds, for the stage-by-stage figures in ``run.json``."""

from __future__ import annotations

import sys


def peak_rss_mb() -> int | None:
    """This process's peak resident set size so far, in MB (``None`` where the OS does not say)."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10))  # bytes on macOS, KiB on Linux
