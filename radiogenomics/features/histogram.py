"""Intensity histogram (IBSI ``ZVCW``) and intensity-volume histogram (IBSI ``P88C``) features.

References
----------
IBSI 1 reference manual, arXiv:1612.07003, sections "Intensity histogram features" and
"Intensity-volume histogram features".
"""

from __future__ import annotations

import numpy as np

from radiogenomics.features.intensity import moment_statistics


def intensity_histogram(levels: np.ndarray, bin_count: int | None = None) -> dict[str, float]:
    """Compute the intensity histogram features of discretised grey levels.

    The histogram runs over grey levels ``1..Ng``; ``Ng`` is ``bin_count`` or the largest
    level present. Entropy uses log base 2 (bits). The histogram gradient is the central
    difference ``(H[i+1] - H[i-1]) / 2``, with one-sided differences at both ends.

    Parameters
    ----------
    levels : numpy.ndarray of int
        Grey levels of the ROI voxels, 1 or more.
    bin_count : int, optional
        Number of grey levels ``Ng``.

    Returns
    -------
    dict
        ``ih_*`` features. Gradient features are NaN when the histogram has one bin.
    """
    levels = np.asarray(levels, dtype=np.int64)
    bin_count = int(max(bin_count or 0, levels.max()))
    features = {f"ih_{name}": value for name, value in moment_statistics(levels).items()}

    counts = np.bincount(levels, minlength=bin_count + 1)[1:]
    probability = counts / counts.sum()
    present = probability[probability > 0]
    features["ih_mode"] = float(np.argmax(counts) + 1)
    features["ih_entropy"] = float(-np.sum(present * np.log2(present)))
    features["ih_uniformity"] = float(np.sum(present**2))

    if bin_count > 1:
        gradient = np.gradient(counts.astype(np.float64))
        features["ih_max_grad"] = float(gradient.max())
        features["ih_max_grad_g"] = float(np.argmax(gradient) + 1)
        features["ih_min_grad"] = float(gradient.min())
        features["ih_min_grad_g"] = float(np.argmin(gradient) + 1)
    else:
        for name in ("ih_max_grad", "ih_max_grad_g", "ih_min_grad", "ih_min_grad_g"):
            features[name] = np.nan
    return {name: float(value) for name, value in features.items()}


def intensity_volume_histogram(
    values: np.ndarray, lower: float, upper: float, step: float = 1.0
) -> dict[str, float]:
    """Compute the intensity-volume histogram features.

    With ``gamma = (X - lower) / (upper - lower)``, the volume fraction at ``x`` % intensity
    ``V_x`` is the fraction of voxels with ``gamma >= x / 100``. The intensity at ``x`` %
    volume ``I_x`` is the lowest intensity on the grid ``lower, lower + step, ...,
    upper + step`` whose volume fraction (voxels at or above it) is below ``x / 100``. The
    area under the IVH curve integrates the volume fraction over ``gamma`` by the
    trapezoidal rule.

    Parameters
    ----------
    values : numpy.ndarray
        ROI intensities, or discretised intensities (bin centres or bin numbers).
    lower, upper : float
        Intensity range that maps to ``gamma`` 0 and 1.
    step : float
        Spacing of the intensity grid searched for ``I_x``.

    Returns
    -------
    dict
        ``ivh_v10``, ``ivh_v90``, ``ivh_i10``, ``ivh_i90``, ``ivh_diff_v10_v90``,
        ``ivh_diff_i10_i90``, ``ivh_auc``.
    """
    values = np.sort(np.asarray(values, dtype=np.float64))
    total = values.size
    span = upper - lower

    def fraction_at_or_above(threshold):
        return (total - np.searchsorted(values, threshold, side="left")) / total

    grid = lower + step * np.arange(int(np.floor(np.round((upper - lower) / step, 6))) + 1)
    volume = fraction_at_or_above(grid)

    def intensity_at(fraction):
        below = np.flatnonzero(volume < fraction)
        # One step above the highest level the volume fraction is 0, so that level is
        # returned when every level of the grid still contains at least the fraction.
        return grid[below[0]] if below.size else grid[-1] + step

    if span > 0:
        gamma_values = (values - lower) / span
        # The tolerance keeps a voxel at exactly 10 % or 90 % from rounding below it.
        v10 = np.mean(gamma_values >= 0.1 - 1e-12)
        v90 = np.mean(gamma_values >= 0.9 - 1e-12)
        auc = float(np.trapezoid(volume, (grid - lower) / span)) if grid.size > 1 else np.nan
    else:
        v10 = v90 = 1.0
        auc = np.nan
    i10, i90 = intensity_at(0.1), intensity_at(0.9)
    return {
        "ivh_v10": float(v10),
        "ivh_v90": float(v90),
        "ivh_i10": float(i10),
        "ivh_i90": float(i90),
        "ivh_diff_v10_v90": float(v10 - v90),
        "ivh_diff_i10_i90": float(i10 - i90),
        "ivh_auc": auc,
    }
