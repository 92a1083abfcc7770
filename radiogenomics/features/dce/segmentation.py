"""Lesion segmentation by fuzzy c-means on the first post-contrast enhancement.

The steps follow Chen, Giger & Bick, Acad Radiol 2006;13:63-72. An operator places a
region of interest around the lesion, and fuzzy c-means separates the enhancing lesion
from the background inside it. The membership map is then binarised, one connected
object is kept and its holes are filled. The paper's abstract names the steps but not
the fuzziness, the number of clusters or the binarisation threshold, so the defaults
below (m = 2, two clusters, membership > 0.5, 26-connectivity) are this package's
choices.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.dce.fcm import fuzzy_cmeans
from radiogenomics.features.dce.series import DCESeries

logger = logging.getLogger(__name__)


class SegmentationError(RadiogenomicsError):
    """The seed, box or settings cannot produce a lesion mask."""


def box_around_seed(
    seed: Sequence[int], shape: Sequence[int], spacing: Sequence[float], radius_mm: float
) -> tuple[slice, slice, slice]:
    """Return the box of half-width ``radius_mm`` (mm) around ``seed``, clipped to the grid."""
    return tuple(
        slice(max(0, int(c - np.ceil(radius_mm / s))), min(n, int(c + np.ceil(radius_mm / s)) + 1))
        for c, n, s in zip(seed, shape, spacing, strict=True)
    )


def segment_lesion(
    series: DCESeries,
    seed: Sequence[int] | None = None,
    box: Sequence[int] | None = None,
    *,
    roi_radius_mm: float = 40.0,
    fuzziness: float = 2.0,
    membership_threshold: float = 0.5,
    random_state: int = 0,
) -> np.ndarray:
    """Segment a lesion from a seed point or a box by fuzzy c-means.

    Inside the region of interest, each voxel's relative enhancement at the first
    post-contrast frame, (S1 - S0)/S0, is clustered into two classes (lesion and
    background) by fuzzy c-means. Voxels whose membership in the higher-enhancing
    class exceeds ``membership_threshold`` form the binary map. The 26-connected
    component that contains the seed (the box centre when a box is given) is kept
    and its 3-D holes are filled.

    Parameters
    ----------
    series : DCESeries
        The dynamic series.
    seed : sequence of 3 int, optional
        Voxel index (z, y, x) inside the lesion. The region of interest is the box
        of half-width ``roi_radius_mm`` around it.
    box : sequence of 6 int, optional
        Region of interest as voxel bounds (z0, z1, y0, y1, x0, x1), end-exclusive,
        as a radiologist would draw it around the lesion. Give a seed or a box.
    roi_radius_mm : float
        Half-width in mm of the region around a seed.
    fuzziness : float
        Fuzzy c-means exponent m (> 1).
    membership_threshold : float
        Lesion membership above which a voxel belongs to the binary map, in (0, 1).
    random_state : int
        Seed of the fuzzy c-means initialisation.

    Returns
    -------
    ndarray of bool, shape of one frame
        The lesion mask.

    References
    ----------
    Chen W, Giger ML, Bick U. A fuzzy c-means (FCM)-based approach for computerized
    segmentation of breast lesions in dynamic contrast-enhanced MR images. Acad
    Radiol 2006;13:63-72.
    """
    if (seed is None) == (box is None):
        raise SegmentationError(
            "give exactly one of seed=(z, y, x) or box=(z0, z1, y0, y1, x0, x1)"
        )
    if not 0 < membership_threshold < 1:
        raise SegmentationError(
            f"membership_threshold must lie in (0, 1), got {membership_threshold}"
        )
    shape = series.shape
    if box is not None:
        if len(box) != 6:
            raise SegmentationError(f"box must have 6 bounds (z0, z1, y0, y1, x0, x1), got {box}")
        bounds = [(int(box[2 * a]), int(box[2 * a + 1])) for a in range(3)]
        for (low, high), n in zip(bounds, shape, strict=True):
            if not 0 <= low < high <= n:
                raise SegmentationError(
                    f"box {tuple(box)} does not lie inside the image grid {shape}"
                )
        roi = tuple(slice(low, high) for low, high in bounds)
        centre = tuple((low + high - 1) // 2 for low, high in bounds)
    else:
        if len(seed) != 3 or not all(0 <= int(c) < n for c, n in zip(seed, shape, strict=True)):
            raise SegmentationError(f"seed {tuple(seed)} is not a voxel index inside {shape}")
        centre = tuple(int(c) for c in seed)
        roi = box_around_seed(centre, shape, series.spacing, roi_radius_mm)

    pre, first_post = series.frames[0][roi], series.frames[1][roi]
    with np.errstate(divide="ignore", invalid="ignore"):
        enhancement = np.where(pre > 0, (first_post - pre) / pre, np.nan)
    valid = np.isfinite(enhancement)
    if valid.sum() < 10:
        raise SegmentationError(
            f"the region {roi} contains {valid.sum()} voxel(s) with a positive pre-contrast "
            "signal; draw a larger region"
        )
    # Memberships are only compared with the threshold, so a loose tolerance suffices.
    _, memberships = fuzzy_cmeans(
        enhancement[valid], n_clusters=2, fuzziness=fuzziness, tol=1e-4, seed=random_state
    )
    binary = np.zeros(enhancement.shape, dtype=bool)
    binary[valid] = memberships[:, -1] > membership_threshold

    local_centre = tuple(c - s.start for c, s in zip(centre, roi, strict=True))
    labels, n_objects = ndimage.label(binary, structure=np.ones((3, 3, 3), dtype=bool))
    if n_objects == 0:
        raise SegmentationError(f"fuzzy c-means found no enhancing voxels around {centre}")
    label = labels[local_centre]
    if label == 0:
        sizes = np.bincount(labels.ravel())[1:]
        label = int(np.argmax(sizes)) + 1
        logger.warning(
            "the seed %s is not in the enhancing class; keeping the largest of %d objects "
            "(%d voxels)", centre, n_objects, sizes[label - 1]
        )
    lesion = ndimage.binary_fill_holes(labels == label)

    mask = np.zeros(shape, dtype=bool)
    mask[roi] = lesion
    logger.info("segmented %d voxels around %s", int(mask.sum()), centre)
    return mask
