"""How much memory the process holds, for the stage-by-stage figures in ``run.json``."""

from __future__ import annotations

import sys


def peak_rss_mb() -> int | None:
    """This process's peak resident set size so far, in MB (``None`` where the OS does not say).

    On Linux this is ``VmHWM`` from ``/proc/self/status``, not ``getrusage``'s ``ru_maxrss``:
    Linux carries ``ru_maxrss`` over ``fork`` + ``exec``, so a process started by a large one
    (a benchmark that loaded the embedders, a notebook) reports its parent's peak from its
    first line on (a CLI run started by a 2 GB benchmark showed 2 GB at the end of ingest).
    """
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return round(int(line.split()[1]) / 1024)  # kB
        except (OSError, ValueError):
            pass
    try:
        import resource
    except ImportError:  # Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1 << 20 if sys.platform == "darwin" else 1 << 10))  # bytes on macOS, KiB on Linux


def return_freed_memory() -> None:
    """Collect garbage, then hand what the C allocator holds free back to the OS (``trim_allocator``)."""
    import gc

    gc.collect()
    trim_allocator()


def trim_allocator() -> None:
    """Ask glibc to return the free memory of its arenas to the OS; elsewhere do nothing.

    glibc keeps what Python, torch and the tokenizers free in per-thread arenas, so memory a
    stage (or one batch of inference) is done with still counts in the process's resident
    memory; ``malloc_trim`` releases it, in milliseconds.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # musl and other C libraries have no malloc_trim
            pass


MALLOC_ARENAS = 2
"""glibc arenas a run's threads share (glibc's default is 8 per core)."""


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """Make glibc share ``arenas`` malloc arenas among all threads, unless ``MALLOC_ARENA_MAX``
    says otherwise; elsewhere do nothing.

    The flow's tasks run in threads, and each new thread that allocates gets an arena of its
    own, where what it frees stays scattered between what it keeps. Inference is serialised
    per model anyway, so sharing costs no parallelism: a cold run of 12 real-length interviews
    peaked at 1,751 MB with ``MALLOC_ARENA_MAX=2`` against 1,830 MB without. Threads that
    already have an arena keep it, so call this before the work starts.
    """
    import os

    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    import ctypes

    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass
