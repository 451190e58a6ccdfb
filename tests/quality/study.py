"""A small synthetic coded study for the quality tests: transcripts, a codebook, gold codes.

Three codes whose words never appear in the codebook (so a zero-shot model has nothing to
go on) but are plain in the answers (so a model that learns from coders can pick them up):
``tides`` answers talk of the sea, ``orchard`` answers of fruit trees, ``forge`` answers of
metal work. Each transcript answers in its own order; some answers carry two codes.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.factories import make_transcript

CODEBOOK_YAML = textwrap.dedent("""\
    name: synthetic
    version: "1"
    codes:
      - name: tides
        label: Category one
        description: The first category of this study.
      - name: orchard
        label: Category two
        description: The second category of this study.
      - name: forge
        label: Category three
        description: The third category of this study.
    """)

ANSWERS = {
    "tides": [
        "The sea comes in twice a day and the harbour boats float again at high water.",
        "At low water the whole bay is sand and the sea birds walk on the wet flats.",
        "Fishermen watch the sea and the moon, the high water decides when the boats leave.",
        "Spring tides bring the sea right up to the harbour wall, the boats knock together.",
    ],
    "orchard": [
        "The apple trees flowered late, the pears too, so the fruit harvest in the orchard was small.",
        "We prune the cherry trees in winter and pick the ripe fruit from the orchard in June.",
        "Wasps love the fallen plums under the fruit trees at the end of the orchard.",
        "Grafting a new apple variety onto an old tree takes patience in the orchard.",
    ],
    "forge": [
        "The smith heats the iron in the forge until it glows and hammers it on the anvil.",
        "Quenching hot steel in water hardens it, the forge hisses and the metal turns grey.",
        "Bellows keep the forge fire hot enough to weld two bars of iron together.",
        "He shapes horseshoes from iron rods at the forge, hammer, anvil and tongs.",
    ],
}
QUESTIONS = ["What do you see around you?", "What do you do in a normal week?", "Tell me more about that.",
             "And what happens then?"]


def transcripts(n_docs: int = 3):
    """``n_docs`` transcripts; document ``i`` answers with every code's answers in a rotated order."""
    out = []
    codes = list(ANSWERS)
    for d in range(n_docs):
        turns = []
        for k in range(4):
            turns.append(("Interviewer", "interviewer", QUESTIONS[k]))
            for code in codes[d % 3:] + codes[: d % 3]:
                turns.append(("Respondent", "respondent", ANSWERS[code][(k + d) % 4]))
        out.append(make_transcript(f"doc-{d}", turns, city=["Bologna", "Budapest", "Kortrijk"][d % 3],
                                   role="parent", lang="en"))
    return out


def gold_rows(docs) -> list[tuple[str, str, str]]:
    """``(document, tag, content)`` for every answer of ``docs``: the whole turn, as a coder would mark it."""
    rows = []
    for t in docs:
        for turn in t.turns:
            if turn.role != "respondent":
                continue
            for code, answers in ANSWERS.items():
                if turn.text in answers:
                    rows.append((t.meta.file, code, turn.text))
    return rows


def write_gold_csv(path: Path, rows) -> Path:
    import csv

    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["document", "tag", "content"])
        w.writerows(rows)
    return path


def write_corpus(folder: Path, docs) -> Path:
    """The transcripts as ``.txt`` files in a corpus folder (``Speaker: text`` lines)."""
    folder.mkdir(parents=True, exist_ok=True)
    for t in docs:
        (folder / t.meta.file).write_text("\n\n".join(f"{u.speaker}: {u.text}" for u in t.turns) + "\n",
                                          encoding="utf-8")
    return folder
