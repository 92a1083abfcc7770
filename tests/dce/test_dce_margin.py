"""Margin sharpness and radial-gradient phenotypes on a sphere with a blurred edge."""

import numpy as np
import pytest
from dce_phantoms import blurred_sphere_image
from scipy.stats import norm

from radiogenomics.features.dce.margin import margin_features, margin_voxels

SHAPE = (48, 48, 48)
SPACING = (0.5, 0.5, 0.5)
RADIUS = 8.0


def expected_sharpness(width, inside=300.0, outside=100.0):
    """Closed-form normalised gradient |dI/dr| / mean(I) at the margin voxels."""
    image, r = blurred_sphere_image(SHAPE, SPACING, RADIUS, width, inside, outside)
    mask = r <= RADIUS
    margin = margin_voxels(mask)
    gradient = (inside - outside) * norm.pdf((RADIUS - r[margin]) / width) / width
    return image, mask, gradient / image[mask].mean()


@pytest.mark.parametrize("width", [1.0, 2.0, 3.0])
def test_margin_sharpness_blurred_edge(width):
    image, mask, sharpness = expected_sharpness(width)
    features = margin_features(image, mask, SPACING)
    # Central differences with step h misjudge a Gaussian edge's slope by up to
    # h^2 / (6 width^2).
    tolerance = SPACING[0] ** 2 / (6 * width**2) + 0.005
    assert features["M1"] == pytest.approx(sharpness.mean(), rel=tolerance)
    assert features["M2"] == pytest.approx(sharpness.var(), rel=0.1, abs=1e-6)


def test_margin_sharpness_falls_as_edge_widens():
    values = []
    for width in (0.5, 1.0, 2.0, 4.0):
        image, mask, _ = expected_sharpness(width)
        values.append(margin_features(image, mask, SPACING)["M1"])
    assert np.all(np.diff(values) < 0)


def test_radial_gradient_histogram_of_radial_edge():
    # Every margin gradient points at the centre, so all cosines fall in the bin at -1
    # and the normalised histogram (1, 0, ..., 0) has variance (N - 1) / N^2.
    image, mask, _ = expected_sharpness(1.5)
    features = margin_features(image, mask, SPACING, n_bins=32)
    assert features["M3"] == pytest.approx(31 / 32**2)


def test_radial_gradient_histogram_of_flat_image_spread():
    rng = np.random.default_rng(0)
    image = 200.0 + rng.normal(0, 20, SHAPE)
    _, r = blurred_sphere_image(SHAPE, SPACING, RADIUS, 1.0)
    features = margin_features(image, r <= RADIUS, SPACING, n_bins=32)
    # Random gradient directions give cosines spread over [-1, 1].
    assert features["M3"] < 0.2 * 31 / 32**2


def test_margin_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="does not match"):
        margin_features(np.ones((4, 4, 4)), np.ones((4, 4, 5), dtype=bool), SPACING)
