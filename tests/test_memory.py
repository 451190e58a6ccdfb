"""The peak memory ``run.json`` records is the run's own, not that of the process that started it."""

import subprocess
import sys

import pytest

from pipeline.memory import peak_rss_mb


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss carries over exec on Linux")
def test_a_child_of_a_large_process_reports_its_own_peak():
    held = bytearray(300 << 20)
    held[::4096] = b"\1" * len(held[::4096])  # touch every page: 300 MB resident here
    assert peak_rss_mb() >= 300
    code = "from pipeline.memory import peak_rss_mb; print(peak_rss_mb())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    del held
    assert int(child.stdout) < 200  # getrusage's ru_maxrss said 300+ here
