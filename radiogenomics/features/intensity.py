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
    values = np.asarray(values, dtype=np.float64)
    mean = values.mean()
    deviation = values - mean
    m2 = np.mean(deviation**2)
    p10, p25, median, p75, p90 = np.percentile(values, [10, 25, 50, 75, 90])

    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.mean(deviation**3) / m2**1.5 if m2 > 0 else np.nan
        kurt = np.mean(deviation**4) / m2**2 - 3.0 if m2 > 0 else np.nan
        cov = np.sqrt(m2) / mean if mean != 0 else np.nan
        qcod = (p75 - p25) / (p75 + p25) if (p75 + p25) != 0 else np.nan

    robust = values[(values >= p10) & (values <= p90)]
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
        "mad": np.mean(np.abs(deviation)),
        "rmad": np.mean(np.abs(robust - robust.mean())),
        "medad": np.mean(np.abs(values - median)),
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
