"""Tensor sketches: histogram and thumbnails recorded for offline viewers, checked against NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import glassgrad as gg
from glassgrad import runs
from glassgrad.recording.sketch import BINS, SLICES, THUMB, as_matrix, sketch, unpack

COLS = ("lo", "hi", "hist", "rows", "cols", "thumb", "slice_rows", "slice_cols", "slices",
        "n_slices", "bins")


def _sketch(a: np.ndarray) -> dict:
    return unpack(dict(zip(COLS, sketch(gg.tensor(a)))))


def test_histogram_counts_the_finite_values():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(40, 30)).astype(np.float32)
    a[0, :5] = np.nan
    a[1, 0] = np.inf
    s = _sketch(a)
    finite = a[np.isfinite(a)]
    expected, edges = np.histogram(finite, bins=BINS, range=(finite.min(), finite.max()))
    np.testing.assert_array_equal(s["hist"], expected)
    np.testing.assert_allclose(s["edges"], edges, rtol=1e-5, atol=1e-6)
    assert s["hist"].sum() == a.size - 6


def test_thumbnail_is_block_means_of_the_matrix_view():
    a = np.arange(64 * 96, dtype=np.float32).reshape(64, 96)
    s = _sketch(a)
    assert s["thumb"].shape == THUMB
    expected = a.reshape(32, 2, 48, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(s["thumb"], expected, rtol=1e-3)  # float16 storage


def test_small_and_odd_shapes_and_empty_blocks():
    s = _sketch(np.array(3.0, dtype=np.float32))
    assert s["thumb"].shape == (1, 1) and s["thumb"][0, 0] == 3.0
    s = _sketch(np.arange(5, dtype=np.float32))
    assert s["thumb"].shape == (1, 5)
    a = np.full((3, 7), np.nan, dtype=np.float32)
    a[0, 0] = 1.0
    s = _sketch(a)
    assert s["thumb"][0, 0] == 1.0 and np.isnan(s["thumb"][2, 6])
    assert s["hist"].sum() == 1
    assert as_matrix((2, 3, 4)) == (6, 4)


def test_higher_ranks_keep_their_first_slices():
    a = np.random.default_rng(1).normal(size=(2, 6, 20, 30)).astype(np.float32)
    s = _sketch(a)
    assert s["slices"].shape == (SLICES, 10, 15)
    np.testing.assert_allclose(s["slices"][3], a[0, 3].reshape(10, 2, 15, 2).mean(axis=(1, 3)),
                               rtol=1e-2, atol=1e-2)
    assert s["thumb"].shape == (30, 30)  # 240 rows in blocks of 8


def test_huge_tensors_are_bounded():
    s = sketch(gg.zeros(4096, 4096))
    assert len(s[5]) <= THUMB[0] * THUMB[1] * 2 and len(s[2]) == BINS * 4


@pytest.mark.parametrize("stats,expected", [("none", False), ("full", True)])
def test_recorded_with_statistics_and_read_back(stats, expected):
    gg.manual_seed(0)
    w = gg.randn(8, 6, requires_grad=True)
    with gg.record(stats=stats):
        h = (gg.randn(5, 8) @ w).relu()
        h.sum().backward()
    with runs.open_run() as run:
        op = run.ops()[0]
        s = run.sketch(op["output"])
        assert (s is not None) == expected
        if expected:
            assert s["thumb"].shape == (5, 6) and s["hist"].sum() == 30
            g = run.sketch(run.grad_of(op["output"])["id"], kind="grad")
            assert g is not None and g["thumb"].shape == (5, 6)
