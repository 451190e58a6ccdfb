"""UMAP's compiled code is written to the qualflow cache once and loaded by later processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

FIT = """
import numpy as np
from pipeline.topics import jit_cache
jit_cache.prepare()
from umap import UMAP
X = np.random.default_rng(0).normal(size=(80, 16)).astype(np.float32)
UMAP(n_neighbors=8, n_components=2, random_state=1).fit_transform(X)
print(jit_cache.cache_dir())
"""


@pytest.mark.slow
def test_umap_functions_are_cached_in_the_qualflow_cache(tmp_path):
    env = {**os.environ, "QUALFLOW_CACHE": str(tmp_path), "PYTHONPATH": str(REPO)}
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, "-c", FIT], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    folder = done.stdout.strip().splitlines()[-1]
    assert folder.startswith(str(tmp_path / "numba"))
    written = [f for _, _, files in os.walk(folder) for f in files]
    assert any(f.endswith(".nbi") for f in written) and any(f.endswith(".nbc") for f in written)
    # UMAP's layout optimisation, which UMAP itself does not ask numba to cache
    assert any(f.startswith("layouts._optimize_layout_euclidean_single_epoch") for f in written)
