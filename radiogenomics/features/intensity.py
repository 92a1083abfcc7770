"""Intensity-based statistical features (IBSI family ``UHIW``).

Each function takes the intensities of the ROI intensity-mask voxels as a 1-D array.
Feature names are the IBSI 1 tags (``stat_mean`` ...); the unit of most features is the
image unit (HU for CT).

References
----------
IBSI 1 reference manual, arXiv:1612.07003, section "Intensity-based statistical features".
"""

from __future__ import annotations

import numpy as np

# Above this many voxels, integer intensities spanning fewer than _COUNTING_RANGE values
# are counted first.
_COUNTING_THRESHOLD = 1000
_COUNTING_RANGE = 2**16


def moment_statistics(values: np.ndarray) -> dict[str, float]:
    """Compute the statistics shared by the intensity and the intensity-histogram families.

    Variance, skewness and kurtosis use population moments: ``var = m2``,
    ``skew = m3 / m2**1.5`` and excess ``kurt = m4 / m2**2 - 3``. Percentiles interpolate
    linearly between order statistics (``numpy.percentile``'s default). The robust mean
    absolute deviation uses the voxels between the 10th and 90th percentile, inclusive.

    Parameters
    ----------
    values : numpy.ndarray
        ROI intensities, at least one.

    Returns
    -------
    dict
        Keys without a family prefix: ``mean``, ``var``, ``skew``, ``kurt``, ``median``,
        ``min``, ``p10``, ``p90``, ``max``, ``iqr``, ``range``, ``mad``, ``rmad``, ``medad``,
        ``cov``, ``qcod``. Skewness and kurtosis are NaN for a constant region.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size > _COUNTING_THRESHOLD:
        low, high = values.min(), values.max()
        # Integer intensities (CT in HU, most MR, grey levels) are summarised by their
        # histogram, so the percentiles and moments run over the distinct values only.
        if high - low < _COUNTING_RANGE and np.array_equal(values, np.floor(values)):
            counts = np.bincount((values - low).astype(np.intp))
            present = np.flatnonzero(counts)
            return _weighted_statistics(low + present, counts[present].astype(np.float64))
    return _weighted_statistics(values)


def _percentiles(values: np.ndarray, weights: np.ndarray, q) -> np.ndarray:
    """Return the percentiles of sorted ``values`` repeated ``weights`` times, as
    numpy.percentile computes them (linear interpolation between order statistics)."""
    cumulative = np.cumsum(weights)
    position = (cumulative[-1] - 1.0) * np.asarray(q, dtype=np.float64) / 100.0
    below = np.floor(position)
    lower = values[np.searchsorted(cumulative, below, side="right")]
    upper = values[np.minimum(np.searchsorted(cumulative, below + 1.0, side="right"),
                              len(values) - 1)]
    return lower + (upper - lower) * (position - below)


def _weighted_statistics(values: np.ndarray, counts: np.ndarray | None = None) -> dict:
    """Compute the moment statistics of sorted distinct ``values`` seen ``counts`` times,
    or of voxel values in any order when ``counts`` is None."""
    if counts is None:
        counts = np.ones_like(values)
        percentiles = np.percentile(values, [10, 25, 50, 75, 90])
    else:
        percentiles = _percentiles(values, counts, [10, 25, 50, 75, 90])
    total = counts.sum()
    mean = np.dot(counts, values) / total
    deviation = values - mean
    weighted = counts * deviation**2
    m2 = weighted.sum() / total
    p10, p25, median, p75, p90 = percentiles

    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.dot(weighted, deviation) / total / m2**1.5 if m2 > 0 else np.nan
        kurt = np.dot(weighted, deviation**2) / total / m2**2 - 3.0 if m2 > 0 else np.nan
        cov = np.sqrt(m2) / mean if mean != 0 else np.nan
        qcod = (p75 - p25) / (p75 + p25) if (p75 + p25) != 0 else np.nan

    inner = (values >= p10) & (values <= p90)
    robust, robust_counts = values[inner], counts[inner]
    robust_mean = np.dot(robust_counts, robust) / robust_counts.sum()
    return {
        "mean": mean,
        "var": m2,
        "skew": skew,
        "kurt": kurt,
        "median": median,
        "min": values.min(),
        "p10": p10,
        "p90": p90,
        "max": values.max(),
        "iqr": p75 - p25,
        "range": values.max() - values.min(),
        "mad": np.dot(counts, np.abs(deviation)) / total,
        "rmad": np.dot(robust_counts, np.abs(robust - robust_mean)) / robust_counts.sum(),
        "medad": np.dot(counts, np.abs(values - median)) / total,
        "cov": cov,
        "qcod": qcod,
    }


def intensity_statistics(values: np.ndarray, voxel_volume: float = 1.0) -> dict[str, float]:
    """Compute the intensity-based statistical features.

    Parameters
    ----------
    values : numpy.ndarray
        Intensities of the ROI intensity-mask voxels.
    voxel_volume : float
        Voxel volume in mm^3; unused by the IBSI set, kept for ``stat_total_energy``
        (PyRadiomics' ``TotalEnergy``, energy times voxel volume).

    Returns
    -------
    dict
        ``stat_*`` features, plus ``stat_energy = sum(X**2)`` and
        ``stat_rms = sqrt(mean(X**2))``.
    """
    values = np.asarray(values, dtype=np.float64)
    features = {f"stat_{name}": value for name, value in moment_statistics(values).items()}
    energy = float(np.sum(values**2))
    features["stat_energy"] = energy
    features["stat_rms"] = float(np.sqrt(energy / values.size))
    features["stat_total_energy"] = energy * voxel_volume
    return {name: float(value) for name, value in features.items()}
