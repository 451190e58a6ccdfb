"""Fault injection for crash tests: ``QUALFLOW_KILL_AT=<point>`` kills the process at that point.

The kill is ``SIGKILL`` (what ``kill -9`` sends): no ``finally`` block, no atexit handler, no
rollback runs in the process, so the test sees exactly what a crash leaves behind. Points:
``embedded`` (after the first transcript's vectors are cached) and ``mapped`` (after the
codes are computed, before anything of the run's conclusions is written).
``QUALFLOW_KILL_SIGNAL=TERM`` sends ``SIGTERM`` instead (what ``kill`` and service managers send),
which a run may catch to clean up.
"""

from __future__ import annotations

import os
import signal

def checkpoint(point: str) -> None:
    if os.environ.get("QUALFLOW_KILL_AT") == point:
        os.kill(os.getpid(), getattr(signal, "SIG" + os.environ.get("QUALFLOW_KILL_SIGNAL", "KILL")))
