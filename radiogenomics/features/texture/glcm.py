"""Grey level co-occurrence matrix (GLCM) and its 25 IBSI features.

Definitions follow the IBSI 1 reference manual, section "Grey level co-occurrence based
features" (Zwanenburg et al., Radiology 2020; Haralick et al., IEEE SMC 1973). Matrices are
symmetric: a pair (i, j) one ``distance`` apart along a direction also counts as (j, i).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from radiogenomics.features.texture import _reduce
from radiogenomics.features.texture._validation import compact_levels, prepare_grid
from radiogenomics.features.texture.aggregation import DIRECTIONAL_AGGREGATIONS, parse_directional
from radiogenomics.features.texture.directions import (
    DIRECTIONS_2D,
    DIRECTIONS_3D,
    check_distance,
    shifted_pair,
)

logger = logging.getLogger(__name__)

# Memory for one block of per-slice matrices of the 2D methods, in bytes.
_SLICE_BLOCK_BYTES = 64 * 2**20

FEATURE_NAMES = (
    "cm_joint_max",
    "cm_joint_avg",
    "cm_joint_var",
    "cm_joint_entr",
    "cm_diff_avg",
    "cm_diff_var",
    "cm_diff_entr",
    "cm_sum_avg",
    "cm_sum_var",
    "cm_sum_entr",
    "cm_energy",
    "cm_contrast",
    "cm_dissimilarity",
    "cm_inv_diff",
    "cm_inv_diff_norm",
    "cm_inv_diff_mom",
    "cm_inv_diff_mom_norm",
    "cm_inv_var",
    "cm_corr",
    "cm_auto_corr",
    "cm_clust_tend",
    "cm_clust_shade",
    "cm_clust_prom",
    "cm_info_corr1",
    "cm_info_corr2",
)


def glcm_counts(grid: np.ndarray, n_levels: int, distance: int, per_slice: bool, volume: bool):
    """Count symmetric co-occurrences of a cropped grid along the 13 directions.

    Parameters
    ----------
    grid : ndarray of int, shape (z, y, x)
        Grey levels 1..n_levels, 0 outside the ROI.
    n_levels : int
        Number of grey levels :math:`N_g`.
    distance : int
        Chebyshev distance between the two voxels of a pair, in voxels.
    per_slice : bool
        Keep the in-plane matrices of each slice apart (needed by the 2D methods).
    volume : bool
        Also count the 9 directions that cross slices (needed by the 3D methods).

    Returns
    -------
    in_plane : ndarray, shape (4, z, Ng, Ng) or (4, 1, Ng, Ng)
        Counts of the 4 in-plane directions, per slice when ``per_slice``.
    cross : ndarray, shape (9, Ng, Ng) or None
        Counts of the 9 directions that cross slices, when ``volume``.
    """
    in_plane = np.stack(
        [_count_direction(grid, d, n_levels, distance, per_slice) for d in DIRECTIONS_2D]
    )
    cross = _cross_counts(grid, n_levels, distance) if volume else None
    return in_plane, cross


def _cross_counts(grid, n_levels, distance) -> np.ndarray:
    """Return counts of the 9 directions that cross slices, shape (9, Ng, Ng)."""
    return np.stack(
        [
            _count_direction(grid, d, n_levels, distance, per_slice=False)[0]
            for d in DIRECTIONS_3D[len(DIRECTIONS_2D) :]
        ]
    )


def _count_direction(grid, direction, n_levels, distance, per_slice) -> np.ndarray:
    """Return symmetric counts along one direction, shape (z or 1, Ng, Ng)."""
    cells = n_levels * n_levels
    offset = tuple(distance * step for step in direction)
    first, second, z_start = shifted_pair(grid, offset)
    valid = (first > 0) & (second > 0)
    code = (first[valid].astype(np.intp) - 1) * n_levels + (second[valid] - 1)
    length = cells
    if per_slice and offset[0] == 0:
        z_index = np.arange(z_start, z_start + first.shape[0], dtype=np.intp)
        code += np.broadcast_to(z_index[:, None, None] * cells, first.shape)[valid]
        length = grid.shape[0] * cells
    counts = np.bincount(code, minlength=length).astype(np.float64)
    counts = counts.reshape(-1, n_levels, n_levels)
    return counts + counts.transpose(0, 2, 1)


def _slice_method_features(grid, levels, n_levels, distance, methods):
    """Average the features of per-slice matrices for the 2D methods, a block of slices at a time.

    Per-slice matrices take 4 z Ng^2 floats, so blocks keep memory near
    ``_SLICE_BLOCK_BYTES`` when Ng is large. Returns the averaged features per method and the
    in-plane counts summed over slices, shape (4, 1, Ng, Ng), for the other methods.
    """
    size = len(levels)
    matrix_bytes = len(DIRECTIONS_2D) * size * size * 8
    block = max(1, _SLICE_BLOCK_BYTES // matrix_bytes)
    sums = {method: dict.fromkeys(FEATURE_NAMES, 0.0) for method in methods}
    counted = dict.fromkeys(methods, 0)
    totals = np.zeros((len(DIRECTIONS_2D), 1, size, size))

    for start in range(0, grid.shape[0], block):
        in_plane = np.stack(
            [
                _count_direction(grid[start : start + block], d, size, distance, True)
                for d in DIRECTIONS_2D
            ]
        )
        totals[:, 0] += in_plane.sum(axis=1)
        for method in methods:
            matrices = _reduce.directional_groups(method, in_plane, None)
            matrices = matrices[matrices.sum(axis=(1, 2)) > 0]
            if len(matrices) == 0:
                continue
            values = glcm_matrix_features(matrices, levels, n_levels)
            counted[method] += len(matrices)
            for name in FEATURE_NAMES:
                sums[method][name] += float(np.sum(values[name]))

    averages = {
        method: {
            name: sums[method][name] / counted[method] if counted[method] else float("nan")
            for name in FEATURE_NAMES
        }
        for method in methods
    }
    return averages, totals


def glcm_matrix_features(
    counts: np.ndarray, levels: np.ndarray | None = None, n_levels: int | None = None
) -> dict[str, np.ndarray]:
    """Compute the 25 IBSI GLCM features of each matrix in a stack.

    Parameters
    ----------
    counts : ndarray, shape (n, m, m)
        Co-occurrence counts; each matrix is normalised to probabilities here.
    levels : ndarray, shape (m,), optional
        Grey level of each row and column; defaults to 1..m. Passing only the levels present
        in the ROI keeps matrices small when most of the Ng levels are absent.
    n_levels : int, optional
        Number of grey levels :math:`N_g` of the discretisation, used by the normalised
        inverse difference (moment); defaults to m.

    Returns
    -------
    dict of str to ndarray of shape (n,)
        Feature values keyed by IBSI tag without aggregation suffix. A matrix with no counts
        gives NaN for every feature.
    """
    size = counts.shape[-1]
    i = np.arange(1.0, size + 1) if levels is None else np.asarray(levels, dtype=np.float64)
    n_levels = size if n_levels is None else n_levels
    total = counts.sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = counts / total[:, None, None]
    flat = p.reshape(len(p), -1)

    # Diagonal and cross-diagonal probabilities p_{x-y}(k) and p_{x+y}(k): sums over the
    # cells with |i - j| = k and with i + j = k, for each k that occurs.
    p_diff, k_diff = _reduce.sum_by_value(flat, np.abs(i[:, None] - i[None, :]).ravel())
    p_sum, k_sum = _reduce.sum_by_value(flat, (i[:, None] + i[None, :]).ravel())

    p_x = p.sum(axis=2)
    p_y = p.sum(axis=1)
    mu_x = p_x @ i
    mu_y = p_y @ i
    sigma_x = np.sqrt(np.clip(p_x @ i**2 - mu_x**2, 0.0, None))
    sigma_y = np.sqrt(np.clip(p_y @ i**2 - mu_y**2, 0.0, None))
    auto_corr = np.einsum("nij,i,j->n", p, i, i)

    joint_avg = p_x @ i
    diff_avg = p_diff @ k_diff
    sum_avg = p_sum @ k_sum
    joint_entr = _reduce.entropy(flat)
    hx = _reduce.entropy(p_x)
    hy = _reduce.entropy(p_y)
    # HXY1 = -sum p_ij log2(p_x(i) p_y(j)) and HXY2 = -sum p_x(i) p_y(j) log2(p_x(i) p_y(j))
    # both reduce to HX + HY because the marginals sum to 1.
    hxy1 = hx + hy
    # Cluster moments depend on i + j only, so they follow from p_{x+y}.
    shifted = k_sum[None, :] - (mu_x + mu_y)[:, None]
    shifted_sq = shifted * shifted

    with np.errstate(invalid="ignore", divide="ignore"):
        corr = (auto_corr - mu_x * mu_y) / (sigma_x * sigma_y)
        info_corr1 = (joint_entr - hxy1) / hx
    info_corr2 = np.sqrt(np.clip(1.0 - np.exp(-2.0 * (hxy1 - joint_entr)), 0.0, None))
    inv_var_weight = np.zeros(len(k_diff))
    inv_var_weight[k_diff > 0] = 1.0 / k_diff[k_diff > 0] ** 2

    return {
        "cm_joint_max": flat.max(axis=1, initial=0.0),
        "cm_joint_avg": joint_avg,
        "cm_joint_var": p_x @ i**2 - joint_avg**2,
        "cm_joint_entr": joint_entr,
        "cm_diff_avg": diff_avg,
        "cm_diff_var": p_diff @ k_diff**2 - diff_avg**2,
        "cm_diff_entr": _reduce.entropy(p_diff),
        "cm_sum_avg": sum_avg,
        "cm_sum_var": p_sum @ k_sum**2 - sum_avg**2,
        "cm_sum_entr": _reduce.entropy(p_sum),
        "cm_energy": np.sum(flat**2, axis=1),
        "cm_contrast": p_diff @ k_diff**2,
        "cm_dissimilarity": diff_avg,
        "cm_inv_diff": p_diff @ (1.0 / (1.0 + k_diff)),
        "cm_inv_diff_norm": p_diff @ (1.0 / (1.0 + k_diff / n_levels)),
        "cm_inv_diff_mom": p_diff @ (1.0 / (1.0 + k_diff**2)),
        "cm_inv_diff_mom_norm": p_diff @ (1.0 / (1.0 + k_diff**2 / n_levels**2)),
        "cm_inv_var": p_diff @ inv_var_weight,
        "cm_corr": corr,
        "cm_auto_corr": auto_corr,
        "cm_clust_tend": np.sum(p_sum * shifted_sq, axis=1),
        "cm_clust_shade": np.sum(p_sum * shifted_sq * shifted, axis=1),
        "cm_clust_prom": np.sum(p_sum * shifted_sq * shifted_sq, axis=1),
        "cm_info_corr1": info_corr1,
        "cm_info_corr2": info_corr2,
    }


def glcm_features(levels, roi, n_levels, aggregation="3d_avg", distance=1) -> dict[str, float]:
    """Compute the IBSI grey level co-occurrence matrix (GLCM) features.

    Parameters
    ----------
    levels : array_like of int, shape (z, y, x) or (y, x)
        Discretised grey levels 1..n_levels; values outside ``roi`` are ignored. Slices for
        the 2D and 2.5D methods run along the first axis.
    roi : array_like of bool, same shape
        Intensity mask.
    n_levels : int
        Number of grey levels :math:`N_g` of the discretisation (not only those present).
    aggregation : str or sequence of str
        One or more of ``"2d_avg"``, ``"2d_mrg"``, ``"2.5d_avg"``, ``"2.5d_mrg"``,
        ``"3d_avg"``, ``"3d_mrg"`` (see :mod:`~radiogenomics.features.texture.aggregation`).
        All requested methods share one set of matrices.
    distance : int
        Chebyshev distance :math:`\\delta` between paired voxels, in voxels.

    Returns
    -------
    dict of str to float
        25 features per method, keyed ``<IBSI tag>_<suffix>``, e.g. ``cm_joint_max_3D_avg``.
        A method whose matrices are all empty (no two ROI voxels ``distance`` apart) gives NaN.

    References
    ----------
    Zwanenburg A. et al. The Image Biomarker Standardization Initiative. Radiology 2020;
    295:328-338. Reference manual arXiv:1612.07003, "Grey level co-occurrence based features".

    Examples
    --------
    In a 2 x 2 checkerboard, horizontal and vertical pairs differ by one level and diagonal
    pairs are equal, so the contrast averaged over the 4 in-plane directions is 0.5.

    >>> import numpy as np
    >>> levels = np.array([[[1, 2], [2, 1]]])
    >>> glcm_features(levels, levels > 0, 2, "2d_avg")["cm_contrast_2D_avg"]
    0.5
    """
    methods = parse_directional(aggregation)
    distance = check_distance(distance)
    grid, _ = prepare_grid(levels, roi, n_levels)

    # Matrices span only the grey levels present in the ROI: absent levels add empty rows
    # and columns, which change no feature once the level values and Ng are kept.
    compact, present = compact_levels(grid, n_levels)
    size = len(present)
    compute = functools.partial(glcm_matrix_features, levels=present, n_levels=n_levels)

    slice_methods = [m for m in methods if m in ("2d_avg", "2d_mrg")]
    volume = any(m.startswith("3d") for m in methods)
    averaged: dict[str, dict[str, float]] = {}
    if slice_methods:
        averaged, in_plane = _slice_method_features(
            compact, present, n_levels, distance, slice_methods
        )
        cross = _cross_counts(compact, size, distance) if volume else None
    else:
        in_plane, cross = glcm_counts(compact, size, distance, False, volume)

    result: dict[str, float] = {}
    for method in methods:
        if method in averaged:
            values = averaged[method]
        else:
            groups = _reduce.directional_groups(method, in_plane, cross)
            values = _reduce.average_groups(compute, FEATURE_NAMES, groups)
        suffix = DIRECTIONAL_AGGREGATIONS[method].suffix
        result.update({f"{name}_{suffix}": values[name] for name in FEATURE_NAMES})
        if all(np.isnan(values[name]) for name in FEATURE_NAMES):
            reason = f"no two ROI voxels are {distance} apart along the directions used"
        else:
            reason = "a matrix has a single grey level, so its variance or entropy is 0"
        _reduce.log_undefined("GLCM", method, values, reason)
    return result
