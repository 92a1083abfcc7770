"""Enhancement texture T1-T14: 3-D Haralick features on the first post-contrast frame.

The co-occurrence matrix counts voxel pairs along the 13 directions of the
26-neighbourhood at a distance of one voxel, each pair in both orders. The 13 matrices
are summed into one non-directional, normalised matrix (Chen et al., Magn Reson Med
2007;58:562-571).
Features follow Haralick, Shanmugam & Dinstein, IEEE Trans Syst Man Cybern 1973;3:610-621,
with natural logarithms and the sum variance taken about the sum average. Homogeneity (T7)
is the inverse difference, sum p / (1 + |i - j|), not Haralick's inverse difference moment.

The co-occurrence counts and the IBSI-defined features come from the package's texture
engine (:mod:`radiogenomics.features.texture.glcm`). This module adds the UChicago
quantisation, the natural-log convention and the maximal correlation coefficient.
"""

from __future__ import annotations

import numpy as np

from radiogenomics.errors import RadiogenomicsError

TEXTURE_COLUMNS = {
    "T1": "Contrast (T1)",
    "T2": "Correlation (T2)",
    "T3": "Difference Entropy (T3)",
    "T4": "Difference Variance (T4)",
    "T5": "Energy (T5)",
    "T6": "Entropy (T6)",
    "T7": "Homogeneity (T7)",
    "T8": "IMC1 (T8)",
    "T9": "IMC2 (T9)",
    "T10": "Maximum Correlation Coefficient (T10)",
    "T11": "Sum Average (T11)",
    "T12": "Sum Entropy (T12)",
    "T13": "Sum Variance (T13)",
    "T14": "Variance (T14)",
}

def quantize_equal_probability(values: np.ndarray, levels: int = 32) -> np.ndarray:
    """Map intensities to gray levels 1..``levels`` with equal-probability bins.

    Each level contains about the same number of voxels (histogram equalisation). Ties
    keep one level, so a level can hold more than its share.

    NOTE: the UChicago quantisation is unpublished. Equal-probability bins are inferred
    from their table, where every lesion's gray-level mean is 16.8-18.4 and its
    standard deviation is 8.5-9.0 on 32 levels, as a near-uniform histogram gives.
    """
    values = np.asarray(values, dtype=float)
    if levels < 2:
        raise RadiogenomicsError(f"levels must be at least 2, got {levels}")
    edges = np.quantile(values, np.linspace(0, 1, levels + 1)[1:-1])
    return np.searchsorted(edges, values, side="right") + 1


def glcm_3d(image: np.ndarray, mask: np.ndarray, levels: int = 32) -> np.ndarray:
    """Build the symmetric, normalised 3-D co-occurrence matrix of a masked region.

    The counts come from the texture engine (:func:`radiogenomics.features.texture.glcm.
    glcm_counts`), which counts each pair in both orders, and are summed over the 13
    directions at distance 1 (the IBSI "3D, merged" matrix).

    Parameters
    ----------
    image : ndarray of int, 3-D
        Gray levels 1..``levels``.
    mask : ndarray of bool, 3-D
        Region; a pair counts only when both voxels lie inside it.
    levels : int
        Number of gray levels.

    Returns
    -------
    ndarray, shape (levels, levels)
        p(i, j), summing to 1.
    """
    from radiogenomics.features.texture.glcm import glcm_counts

    grid = np.where(mask, image, 0).astype(np.int64)
    in_plane, cross = glcm_counts(grid, levels, distance=1, per_slice=False, volume=True)
    counts = in_plane.sum(axis=(0, 1)) + cross.sum(axis=0)
    total = counts.sum()
    if total == 0:
        raise RadiogenomicsError(
            "the lesion has no pair of adjacent voxels, so its co-occurrence matrix is empty"
        )
    return counts / total


def haralick_features(p: np.ndarray) -> dict[str, float]:
    """Compute the 14 Haralick features T1-T14 of a symmetric normalised GLCM.

    With gray levels i, j = 1..N, marginal p_x, mean mu, variance sigma², and
    p_{x+y}, p_{x-y} the distributions of i + j and |i - j|:

    - T1 contrast, sum (i - j)² p(i, j)
    - T2 correlation, (sum i j p(i, j) - mu²) / sigma²
    - T3 difference entropy, -sum p_{x-y} ln p_{x-y}
    - T4 difference variance, the variance of |i - j| under p_{x-y}
    - T5 energy (angular second moment), sum p²
    - T6 entropy H, -sum p ln p
    - T7 homogeneity (inverse difference), sum p / (1 + |i - j|)
    - T8 information measure of correlation 1, (H - HXY1) / HX
    - T9 information measure of correlation 2, sqrt(1 - exp(-2 (HXY2 - H)))
    - T10 maximal correlation coefficient, sqrt of the second largest eigenvalue of
      Q(i, j) = sum_k p(i, k) p(j, k) / (p_x(i) p_y(k))
    - T11 sum average, sum k p_{x+y}(k)
    - T12 sum entropy, -sum p_{x+y} ln p_{x+y}
    - T13 sum variance, sum (k - T11)² p_{x+y}(k)
    - T14 variance, sum (i - mu)² p(i, j)

    All but T10 come from the texture engine's IBSI GLCM features, whose entropies are
    in bits; they are converted here to natural logarithms.

    NOTE: the UChicago definition of homogeneity is unpublished. The inverse difference
    (IBSI ``cm_inv_diff``) is inferred from their 91-case TCGA-BRCA table. With Haralick's
    weight 1 / (1 + (i - j)²), 88 of the 91 rows are impossible, because no distribution
    of |i - j| on 0..31 with the row's contrast and homogeneity has an entropy as high as
    the row's T3. With 1 / (1 + |i - j|) every row is possible, and T3 lies 0.001-0.012
    nats below the maximum entropy that T1, T4 and T7 allow, as it does for smooth
    simulated textures. MATLAB's ``graycoprops`` uses the same weight for "Homogeneity".

    Returns
    -------
    dict
        Keys ``"T1"`` .. ``"T14"``; the values have no unit.
    """
    from radiogenomics.features.texture.glcm import glcm_matrix_features

    p = np.asarray(p, dtype=float)
    ibsi = {name: float(value[0]) for name, value in glcm_matrix_features(p[np.newaxis]).items()}
    ln2 = np.log(2.0)

    # IMC2 = sqrt(1 - exp(-2 (HXY2 - H))) depends on the log base through HXY2 - H.
    entropy_gap_bits = -np.log1p(-ibsi["cm_info_corr2"] ** 2) / 2.0
    imc2 = np.sqrt(max(0.0, 1.0 - np.exp(-2.0 * entropy_gap_bits * ln2)))

    return {
        "T1": ibsi["cm_contrast"],
        "T2": ibsi["cm_corr"],
        "T3": ibsi["cm_diff_entr"] * ln2,
        "T4": ibsi["cm_diff_var"],
        "T5": ibsi["cm_energy"],
        "T6": ibsi["cm_joint_entr"] * ln2,
        "T7": ibsi["cm_inv_diff"],
        "T8": ibsi["cm_info_corr1"],
        "T9": float(imc2),
        "T10": _maximal_correlation(p, p.sum(axis=1)),
        "T11": ibsi["cm_sum_avg"],
        "T12": ibsi["cm_sum_entr"] * ln2,
        "T13": ibsi["cm_sum_var"],
        "T14": ibsi["cm_joint_var"],
    }


def texture_features(image: np.ndarray, mask: np.ndarray, levels: int = 32) -> dict[str, float]:
    """Quantise ``image`` inside ``mask`` to ``levels`` gray levels and return T1-T14."""
    mask = np.asarray(mask, dtype=bool)
    if mask.sum() < 2:
        raise RadiogenomicsError(
            f"the lesion has {int(mask.sum())} voxel(s); texture needs 2 or more"
        )
    gray = np.zeros(mask.shape, dtype=np.int64)
    gray[mask] = quantize_equal_probability(image[mask], levels)
    return haralick_features(glcm_3d(gray, mask, levels))


def _maximal_correlation(p: np.ndarray, px: np.ndarray) -> float:
    present = px > 0
    q_matrix = p[np.ix_(present, present)]
    marginal = px[present]
    # Q = D^-1 P D^-1 P^T with D = diag(p_x); the symmetric form D^-1/2 P D^-1 P D^-1/2
    # has the same eigenvalues and a stable real solver.
    scaled = q_matrix / np.sqrt(np.outer(marginal, marginal))
    q_symmetric = scaled @ scaled.T
    eigenvalues = np.sort(np.linalg.eigvalsh(q_symmetric))
    if eigenvalues.size < 2:
        return np.nan
    return float(np.sqrt(max(0.0, eigenvalues[-2])))
