"""``make bench-scale``: the flow on a Dask cluster with 1 worker, then 2, on a generated corpus.

Each worker is one process with one thread and one torch thread, so "2 workers" means twice
the compute, on this 2-core machine both cores. Each configuration starts from a fresh store
and cache, so nothing is reused between them. Figures: wall time and each stage's time,
and the speed-up per stage; written to ``outputs/bench/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

REPO = Path(__file__).resolve().parents[1]


def run_on_cluster(corpus: Path, work: Path, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from flows.analyse import analyse_corpus

    config = work / f"w{workers}.toml"
    config.write_text(f'[embed]\nthreads = 1\ntask_batch = 128\n[mapping]\ntask_batch = 500\n'
                      f'[output]\ndir = "{work / f"out-{workers}"}"\n', encoding="utf-8")
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}) as cluster, \
            Client(cluster):
        t0 = time.perf_counter()
        result = analyse_corpus(str(corpus), config=str(config), database_url=f"sqlite:///{work / f'w{workers}.db'}",
                                run_id=f"workers-{workers}", dask_address=cluster.scheduler_address)
        wall = time.perf_counter() - t0
    run = json.loads((Path(result["output_dir"]) / "run.json").read_text(encoding="utf-8"))
    return {"workers": workers, "wall_s": round(wall, 1), "stages_s": run["timings_s"],
            "excerpts": run["counts"]["excerpts"], "embedded": run["embedding_cache"]["embedded"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=200)
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "bench" / "scale.json")
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from benchmarks.generate import generate_corpus

    with tempfile.TemporaryDirectory(prefix="qualflow-scale-") as tmp, prefect_test_harness(server_startup_timeout=120):
        work = Path(tmp)
        turns = generate_corpus(work / "corpus", interviews=args.interviews)
        print(f"generated {args.interviews} interviews, {turns} turns", flush=True)
        runs = []
        for workers in (1, 2):
            runs.append(run_on_cluster(work / "corpus", work, workers))
            r = runs[-1]
            print(f"{workers} worker(s): {r['wall_s']} s wall, stages {r['stages_s']}", flush=True)
    one, two = runs
    speedup = {stage: round(one["stages_s"][stage] / two["stages_s"][stage], 2)
               for stage in one["stages_s"] if two["stages_s"].get(stage)}
    speedup["wall"] = round(one["wall_s"] / two["wall_s"], 2)
    print(f"speed-up with 2 workers: {speedup}")
    report = {"interviews": args.interviews, "turns": turns, "runs": runs, "speedup": speedup}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
