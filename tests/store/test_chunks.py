from pipeline.store.chunks import chunked


def test_chunked_cuts_any_iterable_in_order():
    assert list(chunked(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked({"b", "a"} - {"a", "b"})) == []
    assert [len(part) for part in chunked([str(i) for i in range(1001)])] == [500, 500, 1]
