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


def test_seed_outside_lesion_raises():
    series, _ = noisy_ellipsoid(5)
    with pytest.raises(ValueError, match=r"seed \(14, 32, 3\).*Move the seed into the lesion"):
        segment_lesion(series, seed=(14, 32, 3))


def test_seed_in_necrotic_core_kept():
    series, lesion = noisy_ellipsoid(6)
    frames = series.frames.copy()
    core = ellipsoid(SHAPE, SPACING, (3.0, 3.0, 3.0))
    frames[1:, core] = frames[0, core]
    mask = segment_lesion(DCESeries(frames, TIMES, SPACING), seed=(14, 32, 32))
    assert mask[core].all()
    assert dice(mask, lesion) >= 0.9


def test_box_on_background_raises():
    series, _ = noisy_ellipsoid(7)
    with pytest.raises(ValueError, match="tighter box"):
        segment_lesion(series, box=(0, 6, 0, 12, 0, 12))


def test_lesion_wider_than_region_raises():
    # The ellipsoid's semi-axes (9, 12, 8 mm) exceed a 5 mm region, so no retry can help.
    series, _ = noisy_ellipsoid(8)
    with pytest.raises(ValueError, match="extends beyond the region"):
        segment_lesion(series, seed=(14, 32, 32), roi_radius_mm=5.0)


SMALL_SHAPE = (20, 48, 48)


def small_sphere(radius_mm, seed):
    """A sphere on a 1 mm grid enhancing by 100 % in tissue enhancing by 15 %, SNR 20."""
    rng = np.random.default_rng(seed)
    lesion = ellipsoid(SMALL_SHAPE, (1.0, 1.0, 1.0), (radius_mm,) * 3)
    enhancement = np.where(lesion, 1.0, 0.15)
    frames = [np.full(SMALL_SHAPE, 100.0)]
    for scale in (1.0, 0.95, 0.9, 0.85):
        frames.append(100.0 * (1 + scale * enhancement))
    noise = rng.normal(0.0, 100.0 / SNR, (len(frames), *SMALL_SHAPE))
    return DCESeries(np.stack(frames) + noise, TIMES, (1.0, 1.0, 1.0)), lesion


@pytest.mark.parametrize("radius_mm", [3.0, 4.0, 5.0, 6.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_small_sphere_volume(radius_mm, seed, caplog):
    # With the 40 mm default region these lesions fill under 2 % of the grid, where
    # two-class fuzzy c-means used to split the background noise instead.
    series, lesion = small_sphere(radius_mm, seed)
    with caplog.at_level("INFO"):
        mask = segment_lesion(series, seed=(10, 24, 24))
    true_volume = 4.0 / 3.0 * np.pi * radius_mm**3
    assert mask.sum() == pytest.approx(true_volume, rel=0.25)
    assert dice(mask, lesion) >= 0.9
    assert "rejected" in caplog.text


def test_small_sphere_warns_after_retry(caplog):
    series, _ = small_sphere(4.0, 0)
    with caplog.at_level("WARNING"):
        segment_lesion(series, seed=(10, 24, 24))
    assert "after the larger region(s) were rejected" in caplog.text


def test_tiny_sphere_raises_or_is_exact():
    # A 2 mm sphere (33 voxels) is under 3 % of the smallest 5 mm region. The result must
    # be the sphere or an error asking for a box or a mask, never a mask of noise.
    series, lesion = small_sphere(2.0, 0)
    try:
        mask = segment_lesion(series, seed=(10, 24, 24))
    except ValueError as error:
        assert "give a box" in str(error)
    else:
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


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ((5, 5, 10, 30, 10, 30),
         "box (5, 5, 10, 30, 10, 30) is empty along z, because z0 = z1 = 5; the bounds are "
         "end-exclusive, so give z1 above z0"),
        ((2, 11, 30, 10, 10, 30),
         "box (2, 11, 30, 10, 10, 30) has its y ends reversed (y0 = 30 > y1 = 10); give the "
         "lower bound first"),
        ((2, 11, 10, 30, 60, 70),
         "box (2, 11, 10, 30, 60, 70) does not lie inside the image grid (28, 64, 64): x bounds "
         "[60, 70) must lie within [0, 64]"),
        ((2, 11, 10, 30, 10),
         "box must have 6 values (z0, z1, y0, y1, x0, x1), got 5: (2, 11, 10, 30, 10)"),
        ((2, 11.5, 10, 30, 10, 30),
         "box (2, 11.5, 10, 30, 10, 30) contains 11.5, which is not an integer voxel index; "
         "give box as 6 integers (z0, z1, y0, y1, x0, x1)"),
    ],
)
def test_segmentation_rejects_bad_box(box, message):
    series, _ = noisy_ellipsoid()
    with pytest.raises(ValueError) as error:
        segment_lesion(series, box=box)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ((32, 32), "seed must have 3 values (z, y, x), got 2: (32, 32)"),
        ((14.5, 32, 32),
         "seed (14.5, 32, 32) contains 14.5, which is not an integer voxel index; give seed "
         "as 3 integers (z, y, x)"),
        ((True, 32, 32),
         "seed (True, 32, 32) contains True, which is not an integer voxel index; give seed "
         "as 3 integers (z, y, x)"),
        (14, "seed must be a sequence of 3 voxel indices (z, y, x), got 14"),
    ],
)
def test_segmentation_rejects_bad_seed(seed, message):
    series, _ = noisy_ellipsoid()
    with pytest.raises(ValueError) as error:
        segment_lesion(series, seed=seed)
    assert str(error.value) == message


def test_segmentation_accepts_integral_seed_types():
    series, lesion = noisy_ellipsoid()
    expected = segment_lesion(series, seed=(14, 32, 32))
    for seed in [(14.0, 32.0, 32.0), np.array([14, 32, 32])]:
        np.testing.assert_array_equal(segment_lesion(series, seed=seed), expected)
