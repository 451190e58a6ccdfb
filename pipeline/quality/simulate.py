"""A simulated coder reviews suggestions, the model relearns: how fast do the suggestions improve?

``qualflow eval --simulate-review 100,200,400`` replays a coder working through the review
queue on gold that codes every respondent passage (exhaustive gold: an uncoded excerpt means
"none of the codes"):

1. **Suggestions.** The excerpts of the gold documents are coded (``predict``), the learning
   mapper (the config's or ``--mapper``'s when it learns, else ``detect.v2``) with no example yet.
2. **The queue.** Every suggested excerpt x code pair is a card, ordered as the review app
   orders them (``app.review``): closest to 0.5 first as the tie-break, then
   ``order_for_review`` (round-robin over codes, most uncertain first).
3. **A decision.** The coder takes the next card whose excerpt is not yet reviewed and
   settles the excerpt: accepts the suggested codes gold has, rejects or recodes the others,
   so the excerpt ends with its complete gold code set (none, when gold has none): a complete
   training label. One reviewed excerpt is one decision here; its other suggestions are
   settled with it (in the app they are sibling cards on the same excerpt). Each settled
   suggestion's confidence and whether it was accepted are kept for a reliability table.
   **Spot checks**: as in the app, every 10th decision (``spot_checks``, the share of cards;
   ``pipeline.quality.priority``) is instead the next excerpt with no suggestion, in the fixed
   pseudo-random spot-check order: text seen and left uncoded (or found coded) by the coder.
4. **Browsing.** When no card is left before the target number of decisions, the coder reads
   on through unreviewed excerpts, highest confidence (of any code) first, as if browsing the
   transcript; those decisions are counted apart (``from_browsing``).
5. **Relearning.** Every ``relearn_every`` decisions (default 25) the model is refitted on the
   reviewed excerpts with their decided codes and re-codes the unreviewed ones; the queue is
   rebuilt from the new suggestions.
6. **Checkpoints.** At each requested number of decisions (after the relearn due there), the
   current model's suggestions on the excerpts not yet reviewed are scored against gold:
   macro-F1, micro precision and recall, suggestions per 100 excerpts.

More decisions than excerpts: the coder stops when every excerpt is reviewed; the last point
is at that number, and a warning says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.errors import InvalidInput
from pipeline.records import Codebook, Excerpt, Transcript
from pipeline.quality.priority import SPOT_CHECK_SHARE, is_spot_check, order_for_review, spot_check_order

RELEARN_EVERY = 25


def learning_mapper(name: str | None) -> str:
    """The simulation's mapper (``pipeline.mapping.base.learning_mapper``); an unknown name
    is the user's ``--mapper``."""
    from pipeline.mapping.base import learning_mapper as choose

    try:
        return choose(name)
    except KeyError as exc:
        raise InvalidInput("--mapper", exc.args[0]) from None


def parse_checkpoints(text: str | Sequence[int]) -> list[int]:
    """``"100,200,400"`` (or a sequence of ints) -> ``[100, 200, 400]``, sorted and unique."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out = set()
    for item in items:
        try:
            n = int(str(item).strip())
        except ValueError:
            raise InvalidInput("--simulate-review", f"{str(item).strip()!r} is not a number of decisions; "
                                                    f"give one or more, e.g. 100,200,400") from None
        if n <= 0:
            raise InvalidInput("--simulate-review", f"numbers of decisions must be positive, not {n}")
        out.add(n)
    if not out:
        raise InvalidInput("--simulate-review", "give one or more numbers of decisions, e.g. 100,200,400")
    return sorted(out)


def check_relearn_every(relearn_every) -> int:
    if isinstance(relearn_every, bool) or not isinstance(relearn_every, int) or relearn_every < 1:
        raise InvalidInput("--relearn-every", f"must be a whole number of decisions of at least 1, "
                                              f"not {relearn_every!r}")
    return relearn_every


@dataclass
class Simulation:
    """What ``simulate_review`` measured; ``points`` is what eval.json holds under ``simulation``."""

    points: list[dict]
    settings: dict
    reliability: dict
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """Everything but the points: eval.json's ``simulation_review``."""
        return {"settings": self.settings, "reliability": self.reliability, "warnings": self.warnings}


def _queue(predictions, reviewed: set[str]) -> list[tuple[str, str, float]]:
    """The unreviewed excerpts' suggestions as ``(excerpt id, code, confidence)``, in review order."""
    row = {u: i for i, u in enumerate(predictions.unit_ids)}
    column = {c: j for j, c in enumerate(predictions.codes)}
    cards = []
    for unit in predictions.unit_ids:
        if unit in reviewed:
            continue
        for code in sorted(predictions.suggested.get(unit, ()), key=column.__getitem__):
            cards.append({"excerpt": unit, "code": code,
                          "confidence": float(predictions.confidence[row[unit], column[code]])})
    # the app's SQL order (closest to 0.5, then suggestion id) is the tie-break under the review order
    cards.sort(key=lambda c: abs(c["confidence"] - 0.5))
    return [(c["excerpt"], c["code"], c["confidence"]) for c in order_for_review(cards)]


def _browsing_order(predictions, reviewed: set[str]) -> list[str]:
    """Unreviewed excerpts, highest confidence of any code first (ties: transcript order)."""
    top = predictions.confidence.max(axis=1) if predictions.confidence.size else np.zeros(len(predictions.unit_ids))
    order = sorted(range(len(predictions.unit_ids)), key=lambda i: -float(top[i]))
    return [predictions.unit_ids[i] for i in order if predictions.unit_ids[i] not in reviewed]


def simulate_review(
    transcripts: Sequence[Transcript],
    gold,
    codebook: Codebook,
    *,
    checkpoints: Sequence[int] | str,
    relearn_every: int = RELEARN_EVERY,
    mapper: str | None = None,
    embedder=None,
    config=None,
    cache=None,
    unit_cover: float | None = None,
    gold_cover: float | None = None,
    documents: Sequence[str] | None = None,
    spot_checks: float = SPOT_CHECK_SHARE,
    spot_check_salt: str = "",
) -> Simulation:
    """Replay a coder who reviews the queue (see the module docstring); ``gold`` is checked
    against the codebook already (``prepare_gold``). ``documents``: those coded exhaustively
    (default: those with a gold span)."""
    from pipeline.quality import machine
    from pipeline.quality.agreement import presence
    from pipeline.quality.detection import MIN_UNCODED_SHARE, detection, uncoded_share
    from pipeline.quality.machine import run_defaults
    from pipeline.quality.units import scored_codebook
    from pipeline.quality.metrics import reliability as reliability_table, score_units
    from pipeline.quality.units import GOLD_COVER, UNIT_COVER, gold_coding, units_for

    points_wanted = parse_checkpoints(checkpoints)
    check_relearn_every(relearn_every)
    config, embedder, cache = run_defaults(config, embedder, cache)
    learner = learning_mapper(mapper or config.mapping.mapper)
    units = units_for("excerpt", gold, transcripts, config.segment, documents)
    if not units:
        raise InvalidInput(gold.name, "no excerpt in the gold documents to review")
    coding, _ = gold_coding(units, gold, unit_cover=UNIT_COVER if unit_cover is None else unit_cover,
                            gold_cover=GOLD_COVER if gold_cover is None else gold_cover)
    by_id = {u.id: u for u in units}
    codebook, warnings = scored_codebook(codebook, gold)
    codes = tuple(c.name for c in codebook.codes)
    share = uncoded_share([u.id for u in units], coding)
    if share is None or share < MIN_UNCODED_SHARE:
        warnings.append(f"only {share or 0:.1%} of the excerpts in the gold documents are uncoded: the simulated "
                        f"coder's rejections and the figures assume uncoded text means no code applies")

    def code(open_units: list[Excerpt], train: list[tuple[Excerpt, frozenset[str]]]):
        return machine.predict(open_units, codebook, embedder, mapper=learner, train=train, config=config.mapping,
                               cache=cache)

    reviewed: dict[str, frozenset[str]] = {}
    predictions = code(units, [])
    queue = _queue(predictions, set())
    settled_confidence: list[float] = []
    settled_accepted: list[bool] = []
    from_queue = from_browsing = spot = 0
    relearned = 0

    def point(decisions: int) -> dict:
        open_ids = [u for u in predictions.unit_ids if u not in reviewed]
        row = {u: i for i, u in enumerate(predictions.unit_ids)}
        out = {"decisions": decisions, "from_queue": from_queue, "from_browsing": from_browsing,
               "spot_checks": spot,
               "excerpts_left": len(open_ids), "relearned": relearned,
               "reviewed_suggestions": len(settled_accepted),
               "accepted_share": round(float(np.mean(settled_accepted)), 4) if settled_accepted else None}
        if not open_ids:
            return {**out, "macro_f1": None, "precision": None, "recall": None, "suggestions_per_100": None}
        overall, _, _ = score_units(open_ids, codes, coding, predictions.suggested,
                                    predictions.confidence[[row[u] for u in open_ids]], bootstrap=0)
        figures = detection(*(presence(m, open_ids, codes) for m in (coding, predictions.suggested)))
        return {**out, "macro_f1": overall["macro_f1"], "precision": figures["precision"],
                "recall": figures["recall"], "suggestions_per_100": figures["suggestions_per_100"],
                "units_with_gold_left": overall["units_with_gold"]}

    points = [point(0)]
    target = min(points_wanted[-1], len(units))
    wanted = set(points_wanted)
    position = 0
    spot_order = spot_check_order([u.id for u in units], spot_check_salt)
    while len(reviewed) < target:
        # a spot check when one is due (the first excerpt in spot-check order that has no
        # suggestion now); else the next card whose excerpt is still open; else browse
        unit_id = None
        if is_spot_check(len(reviewed), spot_checks):
            unit_id = next((u for u in spot_order if u not in reviewed and not predictions.suggested.get(u)), None)
            spot += unit_id is not None
        while unit_id is None and position < len(queue):
            candidate = queue[position][0]
            position += 1
            if candidate not in reviewed:
                unit_id = candidate
                from_queue += 1
                break
        if unit_id is None:
            unit_id = _browsing_order(predictions, set(reviewed))[0]
            from_browsing += 1
        decided = coding[unit_id]
        row = predictions.unit_ids.index(unit_id)
        for c in sorted(predictions.suggested.get(unit_id, ())):
            settled_confidence.append(float(predictions.confidence[row, codes.index(c)]))
            settled_accepted.append(c in decided)
        reviewed[unit_id] = decided
        n = len(reviewed)
        if n % relearn_every == 0 and n < len(units):
            open_units = [u for u in units if u.id not in reviewed]
            predictions = code(open_units, [(by_id[u], c) for u, c in reviewed.items()])
            queue, position = _queue(predictions, set(reviewed)), 0
            relearned += 1
        if n in wanted or n == target:
            points.append(point(n))
    if points_wanted[-1] > len(units):
        warnings.append(f"--simulate-review asked for {points_wanted[-1]} decisions but the gold documents have "
                        f"only {len(units)} excerpts: the coder stopped after reviewing all of them")
    table, ece = reliability_table(np.array(settled_confidence), np.array(settled_accepted, dtype=float))
    settings = {"mapper": learner, "relearn_every": relearn_every, "checkpoints": points_wanted,
                "spot_checks": spot_checks,
                "excerpts": len(units), "uncoded_share": share, "embedder": embedder.id,
                "measured_over": "excerpts not yet reviewed (excerpt level, all respondent speech)",
                "decision": "one reviewed excerpt, settled with its complete gold code set"}
    reliability = {"bins": table, "ece": ece, "count": len(settled_accepted),
                   "over": "suggestions the simulated coder reviewed: confidence against accepted"}
    return Simulation(points, settings, reliability, warnings)


__all__ = ["RELEARN_EVERY", "Simulation", "check_relearn_every", "parse_checkpoints", "simulate_review"]
