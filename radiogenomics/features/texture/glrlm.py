"""Grey level run length matrix (GLRLM) and its 16 IBSI features.

Definitions follow the IBSI 1 reference manual, section "Grey level run length based
features" (Zwanenburg et al., Radiology 2020; Galloway, Comput. Graph. Image Process. 1975).
A run is a maximal line of ROI voxels with one grey level along a direction; the ROI edge
ends a run.
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from radiogenomics.features.texture import _reduce, _size_matrix
from radiogenomics.features.texture._size_matrix import GENERIC_NAMES
from radiogenomics.features.texture._validation import compact_levels, prepare_grid
from radiogenomics.features.texture.aggregation import DIRECTIONAL_AGGREGATIONS, parse_directional
from radiogenomics.features.texture.directions import DIRECTIONS_2D, DIRECTIONS_3D

logger = logging.getLogger(__name__)

NAMES = {
    "short": "rlm_sre",
    "long": "rlm_lre",
    "low_grey": "rlm_lgre",
    "high_grey": "rlm_hgre",
    "short_low_grey": "rlm_srlge",
    "short_high_grey": "rlm_srhge",
    "long_low_grey": "rlm_lrlge",
    "long_high_grey": "rlm_lrhge",
    "glnu": "rlm_glnu",
    "glnu_norm": "rlm_glnu_norm",
    "size_nu": "rlm_rlnu",
    "size_nu_norm": "rlm_rlnu_norm",
    "percentage": "rlm_r_perc",
    "gl_var": "rlm_gl_var",
    "size_var": "rlm_rl_var",
    "size_entr": "rlm_rl_entr",
}
FEATURE_NAMES = tuple(NAMES.values())


def shear_along(grid: np.ndarray, direction: tuple[int, int, int]) -> tuple[np.ndarray, int]:
    """Shear ``grid`` so that lines along ``direction`` become lines along one axis.

    The first non-zero component of ``direction`` picks that axis ``a``. Every other axis b
    with a non-zero component gets the coordinate ``c_b - d_b * d_a * c_a``, which stays
    constant along a line, so diagonal neighbours end up side by side. Cells added by the
    shift contain 0, which ends runs like any voxel outside the ROI. Returns the sheared array
    and ``a``.
    """
    axis = next(k for k, step in enumerate(direction) if step != 0)
    if all(step == 0 for k, step in enumerate(direction) if k != axis):
        return grid, axis

    length = grid.shape[axis]
    shape = list(grid.shape)
    index = list(np.ogrid[tuple(slice(0, n) for n in grid.shape)])
    for k, step in enumerate(direction):
        if k == axis or step == 0:
            continue
        slope = step * direction[axis]
        shape[k] = grid.shape[k] + length - 1
        index[k] = index[k] - slope * index[axis] + (length - 1 if slope > 0 else 0)
    sheared = np.zeros(shape, dtype=grid.dtype)
    sheared[tuple(index)] = grid
    return sheared, axis


def runs_along(grid: np.ndarray, direction: tuple[int, int, int]):
    """Return grey level, length and slice index of every run along ``direction``.

    The slice index (position on axis 0) is meaningful only for in-plane directions.
    """
    sheared, axis = shear_along(grid, direction)
    # Put the run axis last while the slice axis stays first, one line per row.
    lines = np.moveaxis(sheared, axis, -1) if axis != 2 else sheared
    lines_per_slice, length = lines.shape[1], lines.shape[2]
    lines = lines.reshape(-1, length)

    # A run starts at the first cell of a line and wherever the grey level changes.
    boundary = np.empty(lines.shape, dtype=bool)
    boundary[:, 0] = True
    np.not_equal(lines[:, 1:], lines[:, :-1], out=boundary[:, 1:])
    starts = np.flatnonzero(boundary)
    lengths = np.diff(starts, append=lines.size)
    values = lines.ravel()[starts]

    keep = values > 0
    starts = starts[keep]
    slice_index = (starts // length) // lines_per_slice if axis != 0 else None
    return values[keep].astype(np.int64), lengths[keep], slice_index


def glrlm_counts(grid: np.ndarray, n_levels: int, per_slice: bool, volume: bool):
    """Count runs of a cropped grid along the 4 in-plane and, if ``volume``, 9 other directions.

    Returns
    -------
    in_plane : ndarray, shape (4, z or 1, Ng, Nr)
        Run counts of the in-plane directions, per slice when ``per_slice``.
    cross : ndarray, shape (9, Ng, Nr) or None
        Run counts of the directions that cross slices, when ``volume``.
    lengths : ndarray, shape (Nr,)
        Run length of each column; lengths that occur in no direction are left out.
    """
    directions = DIRECTIONS_3D if volume else DIRECTIONS_2D
    n_slices = grid.shape[0] if per_slice else 1
    # The smallest integer type that fits the levels makes shearing and comparing cheaper.
    grid = grid.astype(np.min_scalar_type(n_levels), copy=False)
    n_in_plane = len(DIRECTIONS_2D) * n_slices

    # Each direction's runs are first reduced to the non-zero cells of its matrices, so
    # memory follows the matrix size rather than the number of runs. One matrix index per
    # cell: direction and slice for in-plane runs, direction otherwise.
    cells = []
    for k, direction in enumerate(directions):
        run_values, run_lengths, run_slices = runs_along(grid, direction)
        in_plane_direction = per_slice and k < len(DIRECTIONS_2D)
        local_groups = n_slices if in_plane_direction else 1
        longest = int(run_lengths.max(initial=1))
        code = run_values - 1
        if in_plane_direction:
            code = code + run_slices * n_levels
        code = code * longest + (run_lengths - 1)
        counts = np.bincount(code, minlength=local_groups * n_levels * longest)
        occupied = np.flatnonzero(counts)
        first_group = (
            k * n_slices if k < len(DIRECTIONS_2D) else n_in_plane + k - len(DIRECTIONS_2D)
        )
        cells.append(
            (
                occupied // (n_levels * longest) + first_group,
                (occupied // longest) % n_levels + 1,
                occupied % longest + 1,
                counts[occupied],
            )
        )

    groups, levels, lengths, weights = (np.concatenate(parts) for parts in zip(*cells, strict=True))
    n_groups = n_in_plane + len(directions) - len(DIRECTIONS_2D)
    counts, run_lengths = _size_matrix.slice_matrices(
        levels, lengths, groups, n_groups, n_levels, weights=weights
    )
    in_plane = counts[:n_in_plane].reshape((len(DIRECTIONS_2D), n_slices) + counts.shape[1:])
    cross = counts[n_in_plane:] if volume else None
    return in_plane, cross, run_lengths


def glrlm_features(levels, roi, n_levels, aggregation="3d_avg") -> dict[str, float]:
    """Compute the IBSI grey level run length matrix (GLRLM) features.

    Parameters
    ----------
    levels : array_like of int, shape (z, y, x) or (y, x)
        Discretised grey levels 1..n_levels; values outside ``roi`` are ignored. Slices for
        the 2D and 2.5D methods run along the first axis.
    roi : array_like of bool, same shape
        Intensity mask.
    n_levels : int
        Number of grey levels :math:`N_g` of the discretisation.
    aggregation : str or sequence of str
        One or more of ``"2d_avg"``, ``"2d_mrg"``, ``"2.5d_avg"``, ``"2.5d_mrg"``,
        ``"3d_avg"``, ``"3d_mrg"``. All requested methods share one set of matrices.

    Returns
    -------
    dict of str to float
        16 features per method, keyed ``<IBSI tag>_<suffix>``, e.g. ``rlm_sre_3D_avg``.
        For run percentage of a merged matrix, :math:`N_v` is the voxel count times the
        number of merged directions, as the IBSI manual defines it.

    References
    ----------
    Zwanenburg A. et al. The Image Biomarker Standardization Initiative. Radiology 2020;
    295:328-338. Reference manual arXiv:1612.07003, "Grey level run length based features".
    """
    methods = parse_directional(aggregation)
    grid, _ = prepare_grid(levels, roi, n_levels)
    grid, present = compact_levels(grid, n_levels)
    per_slice = any(m.startswith("2d") for m in methods)
    volume = any(m.startswith("3d") for m in methods)
    in_plane, cross, run_lengths = glrlm_counts(grid, len(present), per_slice, volume)
    compute = functools.partial(
        _size_matrix.size_matrix_features, sizes=run_lengths, grey_levels=present
    )

    # Voxel counts arranged like the matrices, so that merging sums them the same way.
    slice_voxels = np.count_nonzero(grid.reshape(grid.shape[0], -1), axis=1).astype(float)
    if not per_slice:
        slice_voxels = slice_voxels.sum(keepdims=True)
    voxels_in_plane = np.broadcast_to(slice_voxels, (len(DIRECTIONS_2D), len(slice_voxels)))
    voxels_cross = np.full(len(DIRECTIONS_3D) - len(DIRECTIONS_2D), slice_voxels.sum())

    result: dict[str, float] = {}
    for method in methods:
        matrices = _reduce.directional_groups(method, in_plane, cross)
        n_voxels = _reduce.directional_groups(method, voxels_in_plane, voxels_cross)
        values = _reduce.average_groups(compute, GENERIC_NAMES, matrices, n_voxels)
        suffix = DIRECTIONAL_AGGREGATIONS[method].suffix
        result.update(_size_matrix.rename(values, NAMES, suffix))
    return result
