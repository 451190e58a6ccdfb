"""Keep UMAP's compiled code between runs.

UMAP and pynndescent compile their numba functions in every new process, and only a few
of them ask numba to cache the result: the first UMAP fit of a run paid about 7 s on a quiet
2-core machine and 21-24 s on a loaded one, against 0.4-0.8 s for a second fit in the same
process. Importing them with ``cache=True`` as numba's default writes the compiled code to
``$QUALFLOW_CACHE/numba/<versions>`` once; later processes load it (first fit 0.5 s).
The folder is keyed by the numba, UMAP, pynndescent and Python versions, because numba
checks only the timestamp of each function's own file, not of the functions it calls.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path


def cache_dir() -> Path:
    from pipeline.embed.e5 import default_cache_dir

    versions = "-".join(_version(p) for p in ("numba", "umap-learn", "pynndescent"))
    return default_cache_dir() / "numba" / f"{versions}-py{platform.python_version()}"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "none"


def prepare() -> None:
    """Call before the first import of ``bertopic`` or ``umap`` in a process (later calls do nothing)."""
    if "umap" in sys.modules or os.environ.get("QUALFLOW_NUMBA_CACHE") == "0":
        return
    import numba

    if not os.environ.get("NUMBA_CACHE_DIR"):
        folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # a read-only home: compile as before
            return
        numba.config.CACHE_DIR = str(folder)
    njit, jit = numba.njit, numba.jit

    def cached_njit(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return njit(*args, **kwargs)

    def cached_jit(*args, **kwargs):
        kwargs.setdefault("cache", True)
        return jit(*args, **kwargs)

    numba.njit, numba.jit = cached_njit, cached_jit
    try:
        import umap  # noqa: F401  (pynndescent with it): their decorators run now, with caching on
    finally:
        numba.njit, numba.jit = njit, jit
