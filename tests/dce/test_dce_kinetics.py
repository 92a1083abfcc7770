"""Kinetic-curve and enhancement-variance phenotypes on closed-form enhancement curves."""

import numpy as np
import pytest
from dce_phantoms import KINETIC_TIMES, gamma_curve, grid, series_from_enhancement

from radiogenomics.features.dce import compute_dce_phenotypes
from radiogenomics.features.dce.kinetics import (
    characteristic_curve,
    enhancement_variance_curve,
    kinetic_features,
    variance_features,
)

PEAK = 150.0  # kinetic-clock time (s) of the second post-contrast frame
LAST = 330.0


def gamma_value(amplitude, t):
    return amplitude * (t / PEAK) * np.exp(1 - t / PEAK)


def test_kinetic_features_washout_curve():
    curve = gamma_value(2.0, KINETIC_TIMES)
    k = kinetic_features(curve, KINETIC_TIMES)
    first = 2.0 * 0.4 * np.exp(0.6)
    last = 2.0 * 2.2 * np.exp(-1.2)
    assert k["K1"] == pytest.approx(2.0)
    assert k["K2"] == pytest.approx(PEAK)
    assert k["K3"] == pytest.approx(2.0 / PEAK)
    assert k["K4"] == pytest.approx((2.0 - last) / (LAST - PEAK))
    assert k["K5"] == pytest.approx((last - first) / first)
    assert k["K6"] == pytest.approx(first)
    assert k["K7"] == pytest.approx(first / last)


def test_kinetic_features_persistent_curve():
    curve = 1.5 * (1 - np.exp(-KINETIC_TIMES / 100.0))
    k = kinetic_features(curve, KINETIC_TIMES)
    assert k["K1"] == pytest.approx(1.5 * (1 - np.exp(-3.3)))
    assert k["K2"] == pytest.approx(LAST)
    assert k["K4"] == 0.0


def test_kinetic_features_rejects_bad_times():
    with pytest.raises(ValueError, match="positive and increasing"):
        kinetic_features([1.0, 2.0, 1.5], [60.0, 60.0, 120.0])


def test_variance_features_closed_form():
    variance = np.array([0.1, 0.4, 0.3, 0.25])
    e = variance_features(variance, KINETIC_TIMES)
    assert e["E1"] == pytest.approx(0.4)
    assert e["E2"] == pytest.approx(150.0)
    assert e["E3"] == pytest.approx(0.4 / 150.0)
    assert e["E4"] == pytest.approx((0.4 - 0.25) / 180.0)


def shell_lesion():
    """A sphere of four concentric shells; enhancement amplitudes fall from core to rim."""
    spacing = (1.0, 1.0, 1.0)
    z, y, x = grid((24, 24, 24), spacing)
    r = np.sqrt(z**2 + y**2 + x**2)
    amplitudes = np.array([2.5, 2.0, 1.5, 1.0])
    edges = np.array([3.0, 5.5, 7.5, 9.0])
    shell = np.searchsorted(edges, r)  # 0 core .. 3 rim, 4 outside
    mask = shell < 4
    amplitude = np.where(mask, amplitudes[np.minimum(shell, 3)], 0.0)
    enhancement = np.moveaxis(gamma_curve(amplitude, KINETIC_TIMES, PEAK), -1, 0)
    series = series_from_enhancement(enhancement, spacing=spacing)
    return series, mask, shell, amplitudes


def test_phenotypes_on_shell_lesion_exact():
    series, mask, shell, amplitudes = shell_lesion()
    row = compute_dce_phenotypes(series, mask=mask)

    # The characteristic curve is the core's curve: peak 2.5 at the second frame.
    assert row["Maximum enhancement (K1)"] == pytest.approx(2.5, rel=1e-4)
    assert row["Time to peak (K2)"] == pytest.approx(PEAK)
    assert row["E1 (K6)"] == pytest.approx(gamma_value(2.5, 60.0), rel=1e-4)
    assert row["Washout rate (K4)"] == pytest.approx(
        (2.5 - gamma_value(2.5, LAST)) / (LAST - PEAK), rel=1e-3
    )
    assert row["Volume of most enhancing voxels (S4)"] == pytest.approx(np.sum(shell == 0))

    # All shells share one curve shape g(t), so V(t) = g(t)^2 Var(A) over the voxels.
    counts = np.bincount(shell[mask], minlength=4)
    mean = np.sum(counts * amplitudes) / counts.sum()
    amplitude_variance = np.sum(counts * (amplitudes - mean) ** 2) / counts.sum()
    g_last = gamma_value(1.0, LAST)
    assert row["Maximum enhancement-variance (E1)"] == pytest.approx(amplitude_variance)
    assert row["Enhancement-Variance Time to Peak (E2)"] == pytest.approx(PEAK)
    assert row["Enhancement-variance Increasing Rate (E3)"] == pytest.approx(
        amplitude_variance / PEAK
    )
    assert row["Enhancement-variance Decreasing Rate (E4)"] == pytest.approx(
        amplitude_variance * (1 - g_last**2) / (LAST - PEAK)
    )


def test_variance_curve_ignores_zero_baseline_voxels():
    enhancement = np.array([[1.0, 2.0], [3.0, 4.0], [np.nan, np.nan]])
    assert enhancement_variance_curve(enhancement) == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("clusters", [1, 0, 2.0])
def test_characteristic_curve_rejects_bad_cluster_count(clusters):
    curves = np.array([[1.0, 0.8], [0.5, 0.6], [0.2, 0.3]])
    with pytest.raises(ValueError) as error:
        characteristic_curve(curves, n_clusters=clusters)
    assert str(error.value) == (
        f"n_clusters (kinetic_clusters in compute_dce_phenotypes) must be an integer of at "
        f"least 2, got {clusters!r}, because the characteristic curve is the most enhancing "
        "of several clusters"
    )


def test_characteristic_curve_of_identical_voxels():
    # Every voxel has the same curve, so that curve is the characteristic curve.
    curves = np.tile([0.9, 1.2, 1.1], (5, 1))
    result = characteristic_curve(curves, n_clusters=4)
    np.testing.assert_array_equal(result.curve, [0.9, 1.2, 1.1])
    assert result.voxels.all()
