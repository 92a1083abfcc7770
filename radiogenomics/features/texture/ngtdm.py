"""Neighbourhood grey tone difference matrix (NGTDM) and its 5 IBSI features.

For each ROI voxel of grey level i the NGTDM adds :math:`|i - \\bar{X}|` to :math:`s_i`,
where :math:`\\bar{X}` is the mean grey level of its neighbours within Chebyshev distance
``distance`` that lie in the ROI. Voxels without any such neighbour are left out, and
:math:`n_i` counts the voxels that enter. Definitions follow the IBSI 1 reference manual,
section "Neighbourhood grey tone difference based features" (Amadasun and King, IEEE SMC
1989; Zwanenburg et al., Radiology 2020).
"""

from __future__ import annotations

import logging

import numpy as np

from radiogenomics.features.texture import _reduce
from radiogenomics.features.texture._neighbourhood import neighbours
from radiogenomics.features.texture._validation import compact_levels, prepare_grid
from radiogenomics.features.texture.aggregation import VOLUME_AGGREGATIONS, parse_volume
from radiogenomics.features.texture.directions import check_distance, neighbourhood_offsets

logger = logging.getLogger(__name__)

FEATURE_NAMES = (
    "ngt_coarseness",
    "ngt_contrast",
    "ngt_busyness",
    "ngt_complexity",
    "ngt_strength",
)


def ngtdm_columns(grid: np.ndarray, n_levels: int, distance: int, in_plane: bool):
    """Return :math:`s_i` and :math:`n_i` per slice, and the grey level of each column.

    ``s`` and ``n`` have shape (z, m). Unless ``in_plane``, slices are summed into one row.
    The m columns are the grey levels present in the ROI.
    """
    offsets = neighbourhood_offsets(distance, in_plane)
    total = np.zeros(grid.shape, dtype=np.float64)
    count = np.zeros(grid.shape, dtype=np.int32)
    for neighbour in neighbours(grid, offsets, distance):
        total += neighbour
        count += neighbour > 0

    valid = (grid > 0) & (count > 0)
    centre = grid[valid]
    difference = np.abs(centre - total[valid] / count[valid])
    n_slices = grid.shape[0] if in_plane else 1
    slice_index = np.nonzero(valid)[0] if in_plane else np.zeros(len(centre), dtype=np.int64)
    compact, present = compact_levels(grid, n_levels)
    size = len(present)
    code = slice_index * size + compact[valid].astype(np.intp) - 1
    s = np.bincount(code, weights=difference, minlength=n_slices * size)
    n = np.bincount(code, minlength=n_slices * size).astype(np.float64)
    return s.reshape(n_slices, size), n.reshape(n_slices, size), present


def ngtdm_column_features(
    s: np.ndarray, n: np.ndarray, levels: np.ndarray | None = None
) -> dict[str, float]:
    """Compute coarseness, contrast, busyness, complexity and strength of one NGTDM.

    ``s`` and ``n`` have one entry per grey level in ``levels`` (default 1..len(s)).
    Features left undefined by a region with one grey level or no grey tone differences
    (zero denominators) are NaN.
    """
    n_valid = n.sum()
    if n_valid == 0:
        return dict.fromkeys(FEATURE_NAMES, float("nan"))
    p = n / n_valid
    present = p > 0
    if levels is None:
        levels = np.arange(1, len(p) + 1)
    i = np.asarray(levels, dtype=np.float64)[present]
    p, s = p[present], s[present]
    n_present = len(p)
    weighted = np.sum(p * s)
    level_diff = i[:, None] - i[None, :]
    p_sum = p[:, None] + p[None, :]

    with np.errstate(divide="ignore", invalid="ignore"):
        coarseness = 1.0 / weighted if weighted > 0 else np.nan
        if n_present > 1:
            contrast = (
                np.sum(p[:, None] * p[None, :] * level_diff**2)
                / (n_present * (n_present - 1))
                * s.sum()
                / n_valid
            )
        else:
            contrast = np.nan
        busyness_den = np.sum(np.abs((i * p)[:, None] - (i * p)[None, :]))
        busyness = weighted / busyness_den if busyness_den > 0 else np.nan
        complexity = (
            np.sum(np.abs(level_diff) * ((p * s)[:, None] + (p * s)[None, :]) / p_sum) / n_valid
        )
        strength = np.sum(p_sum * level_diff**2) / s.sum() if s.sum() > 0 else np.nan
    return {
        "ngt_coarseness": float(coarseness),
        "ngt_contrast": float(contrast),
        "ngt_busyness": float(busyness),
        "ngt_complexity": float(complexity),
        "ngt_strength": float(strength),
    }


def ngtdm_features(levels, roi, n_levels, aggregation="3d", distance=1) -> dict[str, float]:
    """Compute the IBSI neighbourhood grey tone difference matrix (NGTDM) features.

    Parameters
    ----------
    levels : array_like of int, shape (z, y, x) or (y, x)
        Discretised grey levels 1..n_levels; values outside ``roi`` are ignored.
    roi : array_like of bool, same shape
        Intensity mask; neighbours outside it are ignored.
    n_levels : int
        Number of grey levels :math:`N_g` of the discretisation.
    aggregation : str or sequence of str
        ``"2d"`` (in-plane neighbourhood, per slice, averaged), ``"2.5d"`` (in-plane
        neighbourhood, slices merged) or ``"3d"``.
    distance : int
        Chebyshev radius of the neighbourhood, in voxels.

    Returns
    -------
    dict of str to float
        5 features per method, keyed ``<IBSI tag>_<suffix>``, e.g. ``ngt_coarseness_3D``.
        A slice without a voxel that has a neighbour in the ROI is left out of the 2D mean.

    References
    ----------
    Zwanenburg A. et al. The Image Biomarker Standardization Initiative. Radiology 2020;
    295:328-338. Reference manual arXiv:1612.07003, "Neighbourhood grey tone difference based
    features".
    """
    methods = parse_volume(aggregation)
    distance = check_distance(distance)
    grid, _ = prepare_grid(levels, roi, n_levels)

    result: dict[str, float] = {}
    cache: dict[bool, tuple[np.ndarray, np.ndarray]] = {}
    for method in methods:
        in_plane = method != "3d"
        if in_plane not in cache:
            cache[in_plane] = ngtdm_columns(grid, n_levels, distance, in_plane)
        s, n, present = cache[in_plane]
        if method == "2d":
            rows = [
                ngtdm_column_features(s_k, n_k, present)
                for s_k, n_k in zip(s, n, strict=True)
                if n_k.sum() > 0
            ]
        else:
            merged_s, merged_n = s.sum(axis=0), n.sum(axis=0)
            if merged_n.sum() > 0:
                rows = [ngtdm_column_features(merged_s, merged_n, present)]
            else:
                rows = []
        suffix = VOLUME_AGGREGATIONS[method].suffix
        method_result = {}
        for name in FEATURE_NAMES:
            values = [row[name] for row in rows]
            method_result[name] = float(np.mean(values)) if values else float("nan")
        if not rows:
            reason = "no ROI voxel has a neighbour in the ROI"
        else:
            reason = "the ROI has a single grey level or no grey tone differences"
        _reduce.log_undefined("NGTDM", method, method_result, reason)
        result.update({f"{name}_{suffix}": value for name, value in method_result.items()})
    return result
