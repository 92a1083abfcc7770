"""Processing steps and feature formulas against closed-form or brute-force values."""

from __future__ import annotations

import numpy as np
import pytest

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.discretise import fixed_bin_number, fixed_bin_size, pyradiomics_bins
from radiogenomics.features.histogram import intensity_volume_histogram
from radiogenomics.features.morphology import (
    mesh_volume_and_area,
    spatial_autocorrelation,
    surface_mesh,
)
from radiogenomics.features.preprocess import interpolation_grid, resample, resegment


def test_fixed_bin_number_formula():
    values = np.array([0.0, 2.5, 5.0, 7.5, 10.0])
    # floor(4 * (x - 0) / 10) + 1, with the maximum kept in bin 4.
    assert fixed_bin_number(values, 4).tolist() == [1, 2, 3, 4, 4]


def test_fixed_bin_size_uses_lower_bound():
    values = np.array([-500.0, -476.0, -475.0, 0.0, 400.0])
    assert fixed_bin_size(values, 25, lower_bound=-500).tolist() == [1, 1, 2, 21, 37]


def test_fixed_bin_size_rejects_values_below_bound():
    with pytest.raises(RadiogenomicsError, match="below the bin lower bound"):
        fixed_bin_size(np.array([-600.0, 0.0]), 25, lower_bound=-500)


def test_pyradiomics_bins_start_at_width_multiple():
    # Edges at ..., 450, 475, 500, ...: 468 falls in [450, 475), the first bin.
    values = np.array([468.0, 474.9, 475.0, 500.0, 524.0])
    assert pyradiomics_bins(values, 25).tolist() == [1, 1, 2, 3, 3]


def test_bins_of_constant_region():
    values = np.full(5, 7.0)
    assert fixed_bin_number(values, 32).tolist() == [1] * 5
    assert pyradiomics_bins(values, 25).tolist() == [1] * 5


def test_interpolation_grid_of_ct_phantom():
    # IBSI diagnostic values of configurations C-E: 100 x 99 x 90 voxels at 2 mm.
    grid = interpolation_grid((60, 201, 204), (3.0, 0.977, 0.977), (2.0, 2.0, 2.0))
    assert grid.shape == (90, 99, 100)


def test_interpolation_grid_is_centred():
    grid = interpolation_grid((4,), (3.0,), (2.0,))
    # Extent 12 mm -> 6 new voxels; centre 1.5 (old index) == start + 2.5 * step.
    assert grid.shape == (6,)
    assert grid.start[0] + 2.5 * grid.step[0] == pytest.approx(1.5)


def test_linear_resampling_of_a_ramp_is_exact():
    ramp = np.arange(10, dtype=float)[:, None, None] * np.ones((1, 3, 3))
    grid = interpolation_grid(ramp.shape, (2.0, 1.0, 1.0), (1.0, 1.0, 1.0))
    values = resample(ramp, grid, "linear")
    positions = grid.start[0] + grid.step[0] * np.arange(grid.shape[0])
    inside = (positions >= 0) & (positions <= 9)
    assert np.allclose(values[inside, 1, 1], positions[inside])


def test_resegment_by_range_and_outliers():
    image = np.array([-1000.0, -100.0, 0.0, 10.0, 20.0, 5000.0])
    mask = np.ones_like(image, dtype=bool)
    assert resegment(image, mask, (-500, 400)).tolist() == [False, True, True, True, True, False]
    values = np.concatenate([np.zeros(50), [100.0]])
    inliers = resegment(values, np.ones(51, bool), outlier_sd=3)
    assert inliers.sum() == 50


def test_mesh_of_a_cube_volume_and_area():
    mask = np.zeros((12, 12, 12), dtype=bool)
    mask[2:10, 2:10, 2:10] = True
    vertices, faces = surface_mesh(mask, (1.0, 1.0, 1.0))
    volume, area = mesh_volume_and_area(vertices, faces)
    # Marching cubes cuts each edge of the 8 mm cube by half a voxel: volume is the voxel
    # count minus the corners and edges it trims, between 7^3 and 8^3.
    assert 7**3 < volume < 8**3
    assert 6 * 7**2 < area < 6 * 8**2


def test_spatial_autocorrelation_equals_all_pairs_sum():
    rng = np.random.default_rng(3)
    image = rng.normal(size=(4, 5, 6))
    mask = rng.random((4, 5, 6)) > 0.3
    spacing = (2.0, 1.0, 0.5)
    moran, geary = spatial_autocorrelation(image, mask, spacing)

    positions = np.argwhere(mask) * spacing
    values = image[mask]
    deviation = values - values.mean()
    distance = np.linalg.norm(positions[:, None] - positions[None], axis=2)
    weights = np.divide(1.0, distance, out=np.zeros_like(distance), where=distance > 0)
    n = values.size
    expected_moran = (
        n / weights.sum() * (weights * np.outer(deviation, deviation)).sum() / (deviation**2).sum()
    )
    squared = (values[:, None] - values[None]) ** 2
    expected_geary = (
        (n - 1) / (2 * weights.sum()) * (weights * squared).sum() / (deviation**2).sum()
    )
    # The FFT runs in single precision.
    assert moran == pytest.approx(expected_moran, rel=1e-5)
    assert geary == pytest.approx(expected_geary, rel=1e-5)


def test_ivh_of_uniform_levels():
    values = np.arange(1.0, 11.0)  # one voxel at each of 1..10
    features = intensity_volume_histogram(values, 1.0, 10.0)
    # gamma >= 0.1 means X >= 1.9: 9 of 10 voxels; gamma >= 0.9 means X >= 9.1: 1 voxel.
    assert features["ivh_v10"] == pytest.approx(0.9)
    assert features["ivh_v90"] == pytest.approx(0.1)
    # Lowest level whose volume fraction (X >= level) is below 10 %: none of 1..10 (level 10
    # still contains 10 %), so the level above the maximum. Below 90 %: level 3 (80 %).
    assert features["ivh_i10"] == 11
    assert features["ivh_i90"] == 3


def test_convex_hull_matches_qhull():
    from scipy.spatial import ConvexHull

    from radiogenomics.features.convex_hull import convex_hull

    rng = np.random.default_rng(0)
    for _ in range(100):
        points = rng.integers(0, rng.integers(3, 30), size=(rng.integers(8, 300), 3))
        expected = ConvexHull(points)
        hull = convex_hull(points)
        volume, area = hull.volume_and_area()
        assert volume == pytest.approx(expected.volume, rel=1e-12)
        assert area == pytest.approx(expected.area, rel=1e-12)
        corners = {tuple(p) for p in points[expected.vertices]}
        assert corners <= {tuple(p) for p in points[hull.vertices]}


def test_convex_hull_of_flat_points_is_none():
    from radiogenomics.features.convex_hull import convex_hull

    assert convex_hull([[0, 0, 0], [2, 0, 0], [0, 2, 0], [2, 2, 0], [1, 1, 0]]) is None
    assert convex_hull([[0, 0, 0], [1, 1, 1], [2, 2, 2], [3, 3, 3]]) is None
    assert convex_hull([[0, 0, 0], [1, 0, 0], [0, 1, 0]]) is None
