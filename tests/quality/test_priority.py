"""The review queue: uncertain suggestions first, every code early."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.quality.priority import order_for_review, uncertainty


@dataclass(frozen=True)
class Candidate:
    excerpt_id: str
    code: str
    confidence: float


def test_uncertainty_peaks_at_one_half():
    assert uncertainty(0.5) == 1.0 and uncertainty(0.0) == uncertainty(1.0) == 0.0
    assert uncertainty(0.45) > uncertainty(0.8)


def test_every_code_comes_before_any_code_comes_twice():
    # one frequent, uncertain code and two rare, confident ones
    items = [Candidate(f"a{i}", "trust", 0.5 + i / 100) for i in range(10)]
    items += [Candidate("f1", "funding", 0.95), Candidate("r1", "regulation", 0.05), Candidate("f2", "funding", 0.9)]
    ordered = order_for_review(items)
    assert sorted(ordered, key=id) == sorted(items, key=id)
    assert {c.code for c in ordered[:3]} == {"trust", "funding", "regulation"}
    assert ordered[0].code == "trust" and ordered[0].confidence == 0.5
    funding = [c.excerpt_id for c in ordered if c.code == "funding"]
    assert funding == ["f2", "f1"]  # 0.9 is less sure than 0.95
    trust = [c.confidence for c in ordered if c.code == "trust"]
    assert trust == sorted(trust)


def test_uncertainty_orders_within_a_code_and_ties_keep_input_order():
    items = [{"code": "x", "confidence": c, "id": i} for i, c in enumerate([0.9, 0.55, 0.1, 0.45, 0.55])]
    assert [d["id"] for d in order_for_review(items)] == [1, 3, 4, 0, 2]


def test_empty_queue():
    assert order_for_review([]) == []
