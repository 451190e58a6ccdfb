"""Synthetic interview talk about a theme no qualflow corpus has: keeping bees.

Sentences are put together from varied parts, so that the excerpts are not near-duplicates
(which HDBSCAN would split into tiny clusters) but talk about one subject, as a week of
interviews with beekeepers would.
"""

from __future__ import annotations

import random

OPENINGS = ["Honestly,", "Well,", "You see,", "For us", "In our family", "Last year", "Every spring", "Since my father died",
            "At the association", "Most weekends"]
SUBJECTS = ["the beehives behind the house", "our bee colonies", "the queen bee", "the honey harvest", "the swarm",
            "the wax frames", "the beekeeping club", "the hive boxes", "the worker bees", "the smoker and the veil"]
EVENTS = ["needed checking every few days", "suffered badly from varroa mites", "gave almost forty jars of honey",
          "left the hive in a swarm in June", "had to be wrapped against the winter cold",
          "were robbed by wasps in late summer", "lost a whole colony to a bear", "needed sugar syrup in March",
          "were treated with oxalic acid in the autumn", "pollinated the orchard and the clover field"]
ENDINGS = ["and the honey tasted of lime blossom.", "so I bought a new extractor for the honey.",
           "and the neighbours got a jar each.", "which every beekeeper here worries about.",
           "and we sold the honey at the market.", "so we split the hive into two colonies.",
           "and I got stung on the hands more than once.", "and the bees calmed down with a little smoke."]


def beekeeping_answers(n: int, seed: int = 5) -> list[str]:
    """``n`` distinct answers about beekeeping, each one or two sentences."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        parts = [f"{rng.choice(OPENINGS)} {rng.choice(SUBJECTS)} {rng.choice(EVENTS)} {rng.choice(ENDINGS)}"]
        if rng.random() < 0.5:
            parts.append(f"{rng.choice(SUBJECTS).capitalize()} {rng.choice(EVENTS)} {rng.choice(ENDINGS)}")
        text = " ".join(parts)
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out
