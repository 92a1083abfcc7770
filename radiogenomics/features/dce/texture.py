"""Enhancement texture T1-T14: 3-D Haralick features on the first post-contrast frame.

The co-occurrence matrix is built from the 13 directions of the 26-neighbourhood at a
distance of one voxel, each pair counted in both orders, and the 13 matrices are summed
into one non-directional, normalised matrix (Chen et al., Magn Reson Med 2007;58:562-571).
Features follow Haralick, Shanmugam & Dinstein, IEEE Trans Syst Man Cybern 1973;3:610-621,
with natural logarithms and the sum variance taken about the sum average.

NOTE: this module builds its own 3-D co-occurrence matrix because the package's texture
engine had no 3-D GLCM when it was written; move to the engine's GLCM once it has one.
"""

from __future__ import annotations

import itertools

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

# One offset of each of the 13 opposite pairs in the 26-neighbourhood.
OFFSETS_13 = [
    offset
    for offset in itertools.product((-1, 0, 1), repeat=3)
    if offset > (0, 0, 0)
]


def quantize_equal_probability(values: np.ndarray, levels: int = 32) -> np.ndarray:
    """Map intensities to gray levels 1..``levels`` with equal-probability bins.

    Each level holds about the same number of voxels (histogram equalisation). Ties
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
        p(i, j), summing to 1, summed over the 13 directions at distance 1.
    """
    counts = np.zeros(levels * levels, dtype=np.int64)
    index = np.where(mask, image - 1, -1)
    shape = np.array(index.shape)
    for offset in OFFSETS_13:
        offset = np.array(offset)
        source = tuple(slice(max(0, -o), n - max(0, o)) for o, n in zip(offset, shape, strict=True))
        target = tuple(slice(max(0, o), n + min(0, o)) for o, n in zip(offset, shape, strict=True))
        first, second = index[source], index[target]
        both = (first >= 0) & (second >= 0)
        i, j = first[both], second[both]
        counts += np.bincount(i * levels + j, minlength=levels * levels)
        counts += np.bincount(j * levels + i, minlength=levels * levels)
    total = counts.sum()
    if total == 0:
        raise RadiogenomicsError(
            "the lesion has no pair of adjacent voxels, so its co-occurrence matrix is empty"
        )
    return counts.reshape(levels, levels) / total


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
    - T7 homogeneity, sum p / (1 + (i - j)²)
    - T8 information measure of correlation 1, (H - HXY1) / HX
    - T9 information measure of correlation 2, sqrt(1 - exp(-2 (HXY2 - H)))
    - T10 maximal correlation coefficient, sqrt of the second largest eigenvalue of
      Q(i, j) = sum_k p(i, k) p(j, k) / (p_x(i) p_y(k))
    - T11 sum average, sum k p_{x+y}(k)
    - T12 sum entropy, -sum p_{x+y} ln p_{x+y}
    - T13 sum variance, sum (k - T11)² p_{x+y}(k)
    - T14 variance, sum (i - mu)² p(i, j)

    Returns
    -------
    dict
        Keys ``"T1"`` .. ``"T14"``; the values have no unit.
    """
    p = np.asarray(p, dtype=float)
    n = p.shape[0]
    levels = np.arange(1, n + 1, dtype=float)
    i, j = np.meshgrid(levels, levels, indexing="ij")
    px = p.sum(axis=1)
    mu = float(np.sum(levels * px))
    variance = float(np.sum((levels - mu) ** 2 * px))

    sums = np.bincount((i + j - 2).astype(int).ravel(), weights=p.ravel(), minlength=2 * n - 1)
    sum_values = np.arange(2, 2 * n + 1, dtype=float)
    diffs = np.bincount(np.abs(i - j).astype(int).ravel(), weights=p.ravel(), minlength=n)
    diff_values = np.arange(n, dtype=float)

    entropy = _entropy(p)
    hx = _entropy(px)
    outer = np.outer(px, px)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_outer = np.where(outer > 0, np.log(outer), 0.0)
    hxy1 = -float(np.sum(p * log_outer))
    hxy2 = -float(np.sum(outer * log_outer))

    sum_average = float(np.sum(sum_values * sums))
    diff_mean = float(np.sum(diff_values * diffs))
    correlation = (float(np.sum(i * j * p)) - mu**2) / variance if variance > 0 else np.nan

    return {
        "T1": float(np.sum((i - j) ** 2 * p)),
        "T2": correlation,
        "T3": _entropy(diffs),
        "T4": float(np.sum((diff_values - diff_mean) ** 2 * diffs)),
        "T5": float(np.sum(p**2)),
        "T6": entropy,
        "T7": float(np.sum(p / (1.0 + (i - j) ** 2))),
        "T8": (entropy - hxy1) / hx if hx > 0 else np.nan,
        "T9": float(np.sqrt(max(0.0, 1.0 - np.exp(-2.0 * (hxy2 - entropy))))),
        "T10": _maximal_correlation(p, px),
        "T11": sum_average,
        "T12": _entropy(sums),
        "T13": float(np.sum((sum_values - sum_average) ** 2 * sums)),
        "T14": variance,
    }


def texture_features(image: np.ndarray, mask: np.ndarray, levels: int = 32) -> dict[str, float]:
    """Quantise ``image`` inside ``mask`` to ``levels`` gray levels and return T1-T14."""
    mask = np.asarray(mask, dtype=bool)
    if mask.sum() < 2:
        raise RadiogenomicsError(f"the lesion has {int(mask.sum())} voxel(s); texture needs 2 or more")
    gray = np.zeros(mask.shape, dtype=np.int64)
    gray[mask] = quantize_equal_probability(image[mask], levels)
    return haralick_features(glcm_3d(gray, mask, levels))


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return -float(np.sum(p * np.log(p)))


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
