"""Margin phenotypes M1-M3 from the image gradient along the lesion margin.

The margin is the set of lesion voxels with at least one face-neighbour outside the
mask. The gradient is the central-difference gradient of the first post-contrast image
in intensity per mm.

References
----------
Gilhuijs KGA, Giger ML, Bick U. Med Phys 1998;25:1647-1654 (margin sharpness and the
radial gradient histogram in 3-D).

Chen W, Giger ML, Newstead GM, et al. Acad Radiol 2010;17:822-829, Table 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage

from radiogenomics.errors import RadiogenomicsError

MARGIN_COLUMNS = {
    "M1": "Margin Sharpness (M1)",
    "M2": "Variance of Margin Sharpness (M2)",
    "M3": "Variance of Radial Gradient Histogram (vRGH) (M3)",
}


def margin_voxels(mask: np.ndarray) -> np.ndarray:
    """Return the lesion voxels that touch the outside through a face."""
    mask = np.asarray(mask, dtype=bool)
    interior = ndimage.binary_erosion(mask, structure=ndimage.generate_binary_structure(3, 1),
                                      border_value=0)
    return mask & ~interior


def margin_features(
    image: np.ndarray, mask: np.ndarray, spacing: Sequence[float], n_bins: int = 32
) -> dict[str, float]:
    """Compute margin sharpness M1, its variance M2 and the radial-gradient histogram variance M3.

    - M1 margin sharpness, the mean gradient magnitude over the margin voxels divided
      by the mean image intensity inside the lesion (1/mm)
    - M2 variance of margin sharpness, the variance over the margin voxels of the same
      normalised gradient magnitude (1/mm²)
    - M3 variance of the radial gradient histogram. Each margin voxel contributes the
      cosine of the angle between the image gradient and the direction from the lesion
      centroid to the voxel. The cosines fill a histogram of ``n_bins`` equal bins on
      [-1, 1], normalised to sum to 1, and M3 is the variance of its bin values

    The descriptions are those of Chen et al. (Acad Radiol 2010) and Gilhuijs et al.
    (Med Phys 1998). The normalisation by mean lesion intensity, the margin voxels and
    the histogram bins are this package's reading of them.

    Parameters
    ----------
    image : ndarray, 3-D
        First post-contrast image.
    mask : ndarray of bool, 3-D
        Lesion mask.
    spacing : sequence of 3 float
        Voxel size (z, y, x) in mm.
    n_bins : int
        Number of histogram bins for M3. The largest possible M3 is (n_bins - 1)/n_bins².

    Returns
    -------
    dict
        Keys ``"M1"``, ``"M2"``, ``"M3"``.
    """
    # NOTE: the UChicago table has sqrt(M2)/M1 = 0.05-0.24, a more even margin than this
    # definition gives on noisy images, so their M2 normalisation may differ.
    mask = np.asarray(mask, dtype=bool)
    image = np.asarray(image, dtype=float)
    if image.shape != mask.shape:
        raise RadiogenomicsError(
            f"image shape {image.shape} does not match mask shape {mask.shape}"
        )
    if n_bins < 2:
        raise RadiogenomicsError(f"n_bins must be at least 2, got {n_bins}")
    margin = margin_voxels(mask)
    if not margin.any():
        raise RadiogenomicsError("the lesion mask is empty, so it has no margin")
    mean_intensity = float(image[mask].mean())
    if mean_intensity <= 0:
        raise RadiogenomicsError(
            f"the mean lesion intensity is {mean_intensity:.3g}; margin sharpness needs a "
            "positive signal image"
        )

    gradient = np.stack(np.gradient(image, *spacing))
    vectors = gradient[:, margin].T
    sharpness = np.linalg.norm(vectors, axis=1) / mean_intensity

    spacing = np.asarray(spacing, dtype=float)
    centroid = np.argwhere(mask).mean(axis=0) * spacing
    radial = np.argwhere(margin) * spacing - centroid
    norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(radial, axis=1)
    usable = norms > 0
    cosines = np.sum(vectors[usable] * radial[usable], axis=1) / norms[usable]
    histogram, _ = np.histogram(cosines, bins=n_bins, range=(-1.0, 1.0))
    frequencies = histogram / max(histogram.sum(), 1)

    return {
        "M1": float(sharpness.mean()),
        "M2": float(sharpness.var()),
        "M3": float(frequencies.var()),
    }
