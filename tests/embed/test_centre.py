"""Per-language centring, as the mappers and the topic stage use it."""

import numpy as np
import pytest

from pipeline.embed.centre import centre_by_language


def test_centre_by_language_removes_each_languages_mean_and_keeps_unit_rows():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(6, 8)) + 3 * np.eye(8)[0]
    b = rng.normal(size=(5, 8)) + 3 * np.eye(8)[1]
    small = rng.normal(size=(2, 8))
    vectors = np.vstack([a, b, small]).astype(np.float32)
    groups = ["it"] * 6 + ["hu"] * 5 + ["el"] * 2
    out = centre_by_language(vectors, groups, min_group=5)
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-5)
    # a group's offset is gone: its rows no longer share the direction they were shifted along
    assert abs(out[:6, 0].mean()) < 0.2 and abs(out[6:11, 1].mean()) < 0.2
    expected_it = (a - a.mean(axis=0)) / np.linalg.norm(a - a.mean(axis=0), axis=1, keepdims=True)
    assert np.allclose(out[:6], expected_it, atol=1e-5)
    # too small a group is centred with the mean over every row, not its own (which would erase it)
    expected_el = small - vectors.mean(axis=0)
    assert np.allclose(out[11:], expected_el / np.linalg.norm(expected_el, axis=1, keepdims=True), atol=1e-5)
    with pytest.raises(ValueError):
        centre_by_language(vectors, groups[:-1])
    assert centre_by_language(np.zeros((0, 8), np.float32), []).shape == (0, 8)


def test_min_group_one_centres_every_language_by_its_own_mean():
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(7, 8)).astype(np.float32)
    languages = ["it"] * 4 + ["hu"] * 3
    out = centre_by_language(vectors, languages, min_group=1)
    for rows in (slice(0, 4), slice(4, 7)):
        expected = vectors[rows] - vectors[rows].mean(axis=0)
        assert np.allclose(out[rows], expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)


def test_a_row_that_centring_erases_keeps_its_direction():
    vectors = np.array([[3.0, 4.0], [1.0, 0.0], [0.0, 1.0]], np.float32)
    out = centre_by_language(vectors, ["de", "it", "it"], min_group=1)  # "de" alone: its own mean is itself
    assert np.allclose(out[0], [0.6, 0.8])
