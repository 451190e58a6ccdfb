"""Detection figures: how much a coder would have to wade through, and when gold can say.

Most respondent speech carries no code. What a coder meets in the review queue is every
suggested unit x code pair; the honest questions are how many of those there are and how many
the coder would throw away:

* ``suggestions_per_100``: suggested unit x code pairs per 100 units;
* ``reject_share``: of all suggested pairs, the share gold does not have (a coder would reject
  or recode them); 1 - micro precision;
* ``precision`` / ``recall``: micro, pooled over unit x code presence.

These only mean something when the gold tells "no code" apart from "not looked at": uncoded
text in the gold documents must be a deliberate "none". The rule (``detection_withheld``):

* at the **segment** level, never: every unit is a human-coded segment, so there is no
  uncoded text, and the figures answer only "which code, given one applies";
* at the **excerpt** level, only when at least ``MIN_UNCODED_SHARE`` (5%) of the units in
  the gold documents carry no gold code. Below that, the gold is (nearly) all coded text:
  either a coder coded only what interested them and the uncoded rest was lost, or the
  corpus really is all on topic; either way false positives cannot be counted.

The rule cannot tell gold that leaves relevant text uncoded (not exhaustive, but with
plenty of uncoded text) from exhaustive gold: that the uncoded text is "none" is the
researcher's knowledge, and the report says that the figures assume it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

MIN_UNCODED_SHARE = 0.05
"""At the excerpt level, detection figures need at least this share of units with no gold code."""

DETECTION_FIGURES = ("precision", "suggestions_per_100", "reject_share")
"""The overall figures that count false positives on uncoded text, withheld when gold cannot support them."""

LEVEL_NAMES = {
    "excerpt": "excerpt level, all respondent speech",
    "segment": "segment level, human-coded segments only",
}
"""What each level's figures are measured over, as the headline names it."""


def detection(G: np.ndarray, P: np.ndarray) -> dict:
    """Micro precision and recall, suggestions per 100 units and the reject share of 0/1 unit x code matrices."""
    suggested = int(P.sum())
    tp = int((G & P).sum())
    units = len(G)
    return {
        "precision": round(tp / suggested, 4) if suggested else None,
        "recall": round(tp / int(G.sum()), 4) if G.sum() else None,
        "suggestions": suggested,
        "suggestions_per_100": round(100 * suggested / units, 2) if units else None,
        "reject_share": round((suggested - tp) / suggested, 4) if suggested else None,
    }


def uncoded_share(unit_ids: Sequence[str], gold: Mapping[str, frozenset[str]]) -> float | None:
    """Share of units with no gold code."""
    if not unit_ids:
        return None
    return round(sum(1 for u in unit_ids if not gold.get(u)) / len(unit_ids), 4)


def detection_withheld(level: str, uncoded: float | None) -> str | None:
    """Why detection figures cannot be reported (``None``: they can). See the module docstring."""
    if level == "segment":
        return ("detection figures (precision of presence, suggestions per 100, reject share) are not reported "
                "at the segment level: every unit is a human-coded segment, so nothing shows how often the "
                "machine suggests a code where a coder would put none; use --level excerpt with exhaustive gold")
    if uncoded is None or uncoded < MIN_UNCODED_SHARE:
        share = "no" if not uncoded else f"only {uncoded:.1%} of"
        return (f"detection figures (precision of presence, suggestions per 100, reject share) are not reported: "
                f"{share} units in the gold documents are uncoded (fewer than {MIN_UNCODED_SHARE:.0%}), so the "
                f"gold does not say where no code applies; the figures left answer 'which code, given one applies'")
    return None


def withhold(figures: dict) -> dict:
    """``figures`` with the detection figures set to ``None``."""
    return {**figures, **{k: None for k in DETECTION_FIGURES if k in figures}}


__all__ = ["DETECTION_FIGURES", "LEVEL_NAMES", "MIN_UNCODED_SHARE", "detection", "detection_withheld",
           "uncoded_share", "withhold"]
