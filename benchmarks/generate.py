"""Generate a large synthetic corpus by recombining the demo corpus's turns.

Each generated interview keeps one demo interview's language, city and role, and draws its
question/answer pairs from all demo interviews of the same language; each answer splices the
sentences of two answers and is shuffled now and then, so texts repeat rarely and the embedding cache's
de-duplication flatters the figures little (the benchmark reports unique texts too). Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from pipeline.ingest import ingest_corpus

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"


def _sentences(text: str) -> list[str]:
    import re

    return [s for s in re.split(r"(?<=[.!?;])\s+", text) if s] or [text]


def generate_corpus(target: Path, *, interviews: int = 250, pairs: int = 11, seed: int = 7) -> int:
    """Write ``interviews`` .txt transcripts and a manifest; return the number of turns written."""
    rng = random.Random(seed)
    demo = ingest_corpus(DEMO).transcripts
    pool: dict[str, list[tuple[str, str]]] = {}
    for t in demo:
        last_q = None
        for turn in t.turns:
            if turn.role == "interviewer":
                last_q = turn.text
            elif turn.role == "respondent" and last_q and len(turn.text) > 20:
                pool.setdefault(t.language or "en", []).append((last_q, turn.text))
    target.mkdir(parents=True, exist_ok=True)
    turns = 0
    with open(target / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["interview_id", "file", "city", "country", "role", "date", "language"])
        for i in range(interviews):
            model = demo[i % len(demo)]
            lang = model.language or "en"
            # a real-length interview asks more than the demo's pairs of one language: draw again
            chosen = (rng.sample(pool[lang], k=pairs) if pairs <= len(pool[lang])
                      else [rng.choice(pool[lang]) for _ in range(pairs)])
            lines = []
            for question, answer in chosen:
                other = rng.choice(pool[lang])[1]
                first, second = _sentences(answer), _sentences(other)
                mixed = first[: rng.randint(1, len(first))] + second[rng.randint(0, len(second) - 1):]
                if len(mixed) > 2 and rng.random() < 0.5:
                    rng.shuffle(mixed)
                lines += [f"Interviewer: {question}", "", f"Respondent: {' '.join(mixed)}", ""]
                turns += 2
            name = f"gen-{i:04d}.txt"
            (target / name).write_text("\n".join(lines), encoding="utf-8")
            m = model.meta
            writer.writerow([f"G{i:04d}", name, m.city or "", m.country or "", m.role or "", m.date or "", lang])
    return turns
