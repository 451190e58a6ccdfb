"""A sub-code counts for its parents: ``Codebook.parents`` and ``Codebook.with_parents``."""

from pipeline.records import Code, Codebook


def book(*codes: tuple[str, str | None]) -> Codebook:
    return Codebook("b", "1", tuple(Code(n, n, "d", parent=p) for n, p in codes), "0" * 64, "test")


def test_parents_nearest_first_and_with_parents():
    b = book(("barrier", None), ("trust", "barrier"), ("trust/strangers", "trust"), ("other", None))
    assert b.parents("trust/strangers") == ("trust", "barrier")
    assert b.parents("barrier") == () and b.parents("unknown") == ()
    assert b.with_parents({"trust/strangers", "other"}) == {"trust/strangers", "trust", "barrier", "other"}
    assert b.with_parents(set()) == frozenset()


def test_a_cycle_in_hand_edited_rows_ends():
    b = book(("a", "b"), ("b", "a"))
    assert b.parents("a") == ("b",)
