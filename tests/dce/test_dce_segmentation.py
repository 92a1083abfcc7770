"""Fuzzy c-means lesion segmentation on a noisy ellipsoid of known extent."""

import numpy as np
import pytest
from dce_phantoms import TIMES, ellipsoid

from radiogenomics.features.dce import DCESeries, segment_lesion

SHAPE = (28, 64, 64)
SPACING = (1.6, 0.7, 0.7)
SNR = 20.0  # pre-contrast signal divided by the noise standard deviation


def noisy_ellipsoid(seed=0):
    """A lesion enhancing by 100 % in tissue enhancing by 15 %, with noise at SNR 20."""
    rng = np.random.default_rng(seed)
    lesion = ellipsoid(SHAPE, SPACING, (9.0, 12.0, 8.0))
    enhancement = np.where(lesion, 1.0, 0.15)
    baseline = 100.0
    frames = [np.full(SHAPE, baseline)]
    for scale in (1.0, 0.95, 0.9, 0.85):
        frames.append(baseline * (1 + scale * enhancement))
    noise = rng.normal(0.0, baseline / SNR, (len(frames), *SHAPE))
    return DCESeries(np.stack(frames) + noise, TIMES, SPACING), lesion


def dice(a, b):
    return 2 * np.sum(a & b) / (a.sum() + b.sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seed_segmentation_dice(seed):
    series, lesion = noisy_ellipsoid(seed)
    mask = segment_lesion(series, seed=(14, 32, 32))
    assert dice(mask, lesion) >= 0.9


def test_box_segmentation_dice():
    series, lesion = noisy_ellipsoid(3)
    mask = segment_lesion(series, box=(4, 24, 10, 54, 14, 50))
    assert dice(mask, lesion) >= 0.9
    assert not mask[:4].any()


def test_segmentation_fills_holes():
    series, lesion = noisy_ellipsoid(4)
    frames = series.frames.copy()
    # A non-enhancing core (necrosis) inside the lesion.
    core = ellipsoid(SHAPE, SPACING, (3.0, 3.0, 3.0))
    frames[1:, core] = frames[0, core]
    mask = segment_lesion(DCESeries(frames, TIMES, SPACING), seed=(14, 32, 40))
    assert mask[core].all()


def test_seed_outside_lesion_keeps_largest_object(caplog):
    series, lesion = noisy_ellipsoid(5)
    with caplog.at_level("WARNING"):
        mask = segment_lesion(series, seed=(14, 32, 3))
    assert "not in the enhancing class" in caplog.text
    assert dice(mask, lesion) >= 0.9


@pytest.mark.parametrize("threshold", [0.0, 1.0, 1.5])
def test_segmentation_rejects_bad_threshold(threshold):
    series, _ = noisy_ellipsoid()
    with pytest.raises(ValueError, match="membership_threshold"):
        segment_lesion(series, seed=(14, 32, 32), membership_threshold=threshold)


def test_segmentation_rejects_seed_outside_grid():
    series, _ = noisy_ellipsoid()
    with pytest.raises(ValueError, match="not a voxel index"):
        segment_lesion(series, seed=(14, 32, 99))


def test_segmentation_needs_seed_or_box():
    series, _ = noisy_ellipsoid()
    with pytest.raises(ValueError, match="exactly one"):
        segment_lesion(series)
