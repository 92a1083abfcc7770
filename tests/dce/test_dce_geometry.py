"""Size and geometry phenotypes on digitised spheres, ellipsoids and boxes of known size."""

import numpy as np
import pytest
from dce_phantoms import ellipsoid

from radiogenomics.features.dce.geometry import size_geometry_features


def test_box_exact_values():
    spacing = (2.0, 0.5, 0.75)
    mask = np.zeros((10, 40, 30), dtype=bool)
    mask[2:7, 5:25, 4:16] = True  # 5 x 20 x 12 voxels = 10 x 10 x 9 mm
    features = size_geometry_features(mask, spacing)
    assert features["S1"] == pytest.approx(10 * 10 * 9)
    assert features["S3"] == pytest.approx(2 * (10 * 10 + 10 * 9 + 10 * 9))
    assert features["G3"] == pytest.approx(features["S3"] / 900)
    # Voxel centres span (n - 1) voxels along each axis.
    assert features["S5"] == pytest.approx(np.sqrt(8.0**2 + 9.5**2 + 8.25**2))


def test_sphere_volume_surface_diameter():
    spacing = (1.0, 0.5, 0.5)
    radius = 12.0
    mask = ellipsoid((30, 56, 56), spacing, (radius, radius, radius))
    features = size_geometry_features(mask, spacing)

    assert features["S1"] == pytest.approx(4 / 3 * np.pi * radius**3, rel=0.01)
    assert features["S2"] == pytest.approx(2 * radius, rel=0.005)
    # Voxel faces of a digitised convex body add up to the sum of its projected areas,
    # twice over: 2 * 3 * pi r^2 = 6 pi r^2 for a sphere.
    assert features["S3"] == pytest.approx(6 * np.pi * radius**2, rel=0.02)
    assert features["S5"] == pytest.approx(2 * radius, abs=1.2)
    assert features["G1"] > 0.97
    assert features["G2"] == pytest.approx(1 - 4 / 6, abs=0.015)


def test_ellipsoid_volume_surface_diameter():
    spacing = (1.0, 0.5, 0.5)
    a, b, c = 6.0, 9.0, 15.0
    mask = ellipsoid((16, 40, 64), spacing, (a, b, c))
    features = size_geometry_features(mask, spacing)

    assert features["S1"] == pytest.approx(4 / 3 * np.pi * a * b * c, rel=0.01)
    assert features["S3"] == pytest.approx(2 * np.pi * (a * b + b * c + a * c), rel=0.02)
    assert features["S5"] == pytest.approx(2 * c, abs=1.0)


def test_ellipsoid_sphericity_matches_monte_carlo():
    spacing = (0.5, 0.5, 0.5)
    a, b, c = 6.0, 9.0, 15.0
    mask = ellipsoid((28, 40, 64), spacing, (a, b, c))
    features = size_geometry_features(mask, spacing)

    # Fraction of the ellipsoid inside the equal-volume sphere about its centre,
    # by sampling the ellipsoid uniformly.
    rng = np.random.default_rng(0)
    points = rng.uniform(-1, 1, (400_000, 3))
    points = points[np.sum(points**2, axis=1) <= 1] * (a, b, c)
    radius = (a * b * c) ** (1 / 3)
    expected = np.mean(np.linalg.norm(points, axis=1) <= radius)
    assert features["G1"] == pytest.approx(expected, abs=0.01)


def test_identities_on_output():
    mask = ellipsoid((20, 40, 40), (1.5, 0.7, 0.7), (7.0, 10.0, 8.0))
    features = size_geometry_features(mask, (1.5, 0.7, 0.7))
    assert features["S2"] == pytest.approx((6 * features["S1"] / np.pi) ** (1 / 3))
    assert features["G2"] == pytest.approx(1 - np.pi * features["S2"] ** 2 / features["S3"])
    assert features["G3"] == pytest.approx(features["S3"] / features["S1"])


def test_empty_mask_rejected():
    with pytest.raises(ValueError, match="empty"):
        size_geometry_features(np.zeros((4, 4, 4), dtype=bool), (1, 1, 1))
