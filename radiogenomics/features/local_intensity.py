"""Local intensity features (IBSI family ``9ST6``): intensity peaks in a 1 cm^3 sphere.

References
----------
IBSI 1 reference manual, arXiv:1612.07003, section "Local intensity features".
"""

from __future__ import annotations

import numpy as np

from radiogenomics.features.roi_box import bounding_box

# Radius in mm of a sphere of 1 cm^3 = 1000 mm^3.
PEAK_RADIUS_MM = (3.0 * 1000.0 / (4.0 * np.pi)) ** (1.0 / 3.0)


def _convolve_same(array: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve with zero padding and return the central part the size of ``array``.

    Uses ``scipy.fft`` directly: ``scipy.signal`` would add about a second of import time.
    """
    from scipy import fft

    pairs = zip(array.shape, kernel.shape, strict=True)
    size = [fft.next_fast_len(a + k - 1, real=True) for a, k in pairs]
    product = fft.rfftn(array, size, workers=-1) * fft.rfftn(kernel, size, workers=-1)
    full = fft.irfftn(product, size, workers=-1)
    start = [(k - 1) // 2 for k in kernel.shape]
    return full[tuple(slice(s, s + n) for s, n in zip(start, array.shape, strict=True))]


def local_intensity(image: np.ndarray, mask: np.ndarray, spacing) -> dict[str, float]:
    """Compute the local and global intensity peaks.

    The mean intensity of all image voxels whose centres lie within 6.2 mm of a voxel
    centre (a 1 cm^3 sphere, the ROI border ignored) is computed for every ROI voxel. The
    local peak is that mean at the voxel of highest intensity, or the largest such mean if
    several voxels share the maximum. The global peak is the largest mean over the ROI.

    Parameters
    ----------
    image : numpy.ndarray
        Interpolated image, before re-segmentation, in image units.
    mask : numpy.ndarray of bool
        ROI intensity mask.
    spacing : sequence of 3 float
        Voxel size in mm, array order.

    Returns
    -------
    dict
        ``loc_peak_loc`` and ``loc_peak_glob`` in image units.
    """
    spacing = np.asarray(spacing, dtype=np.float64)
    reach = np.floor(PEAK_RADIUS_MM / spacing).astype(int)
    axes = [np.arange(-r, r + 1) * s for r, s in zip(reach, spacing, strict=True)]
    distance = np.sqrt(sum(np.square(g) for g in np.meshgrid(*axes, indexing="ij")))
    sphere = (distance <= PEAK_RADIUS_MM).astype(np.float64)

    # Work on the ROI bounding box widened by the sphere, clipped to the image.
    box = bounding_box(mask, reach)
    region = image[box].astype(np.float64)
    roi = mask[box]
    sums = _convolve_same(region, sphere)
    counts = _convolve_same(np.ones_like(region), sphere)
    means = sums[roi] / np.round(counts[roi])

    intensities = region[roi]
    at_maximum = intensities == intensities.max()
    return {
        "loc_peak_loc": float(means[at_maximum].max()),
        "loc_peak_glob": float(means.max()),
    }
