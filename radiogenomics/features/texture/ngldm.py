"""Neighbouring grey level dependence matrix (NGLDM) and its 17 IBSI features.

Each ROI voxel of grey level i adds one count at (i, j). Its dependence count j is 1 plus
the number of its neighbours within Chebyshev distance ``distance`` that lie in the ROI and
differ from i by at most the coarseness ``alpha``. Definitions follow the IBSI 1
reference manual, section "Neighbouring grey level dependence based features" (Sun and
Wee, Comput. Vis. Graph. Image Process. 1983; Zwanenburg et al., Radiology 2020).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from radiogenomics.features.texture import _size_matrix
from radiogenomics.features.texture._neighbourhood import neighbours
from radiogenomics.features.texture._reduce import average_groups
from radiogenomics.features.texture._size_matrix import GENERIC_NAMES
from radiogenomics.features.texture._validation import (
    TextureInputError,
    compact_levels,
    prepare_grid,
)
from radiogenomics.features.texture.aggregation import VOLUME_AGGREGATIONS, parse_volume
from radiogenomics.features.texture.directions import check_distance, neighbourhood_offsets

logger = logging.getLogger(__name__)

NAMES = {
    "short": "ngl_lde",
    "long": "ngl_hde",
    "low_grey": "ngl_lgce",
    "high_grey": "ngl_hgce",
    "short_low_grey": "ngl_ldlge",
    "short_high_grey": "ngl_ldhge",
    "long_low_grey": "ngl_hdlge",
    "long_high_grey": "ngl_hdhge",
    "glnu": "ngl_glnu",
    "glnu_norm": "ngl_glnu_norm",
    "size_nu": "ngl_dcnu",
    "size_nu_norm": "ngl_dcnu_norm",
    "percentage": "ngl_dc_perc",
    "gl_var": "ngl_gl_var",
    "size_var": "ngl_dc_var",
    "size_entr": "ngl_dc_entr",
    "energy": "ngl_dc_energy",
}
FEATURE_NAMES = tuple(NAMES.values())


def ngldm_counts(grid, n_levels, distance, alpha, in_plane):
    """Return NGLDM counts per slice, shape (z, m, Nd), or (1, m, Nd) for the volume.

    The second value contains the dependence count of each of the Nd columns and the third
    the grey level of each of the m rows. Dependence counts and grey levels that occur
    nowhere are left out.
    """
    offsets = neighbourhood_offsets(distance, in_plane)
    dependence = np.ones(grid.shape, dtype=np.int32)
    for neighbour in neighbours(grid, offsets, distance):
        dependence += (neighbour > 0) & (np.abs(neighbour - grid) <= alpha)

    inside = grid > 0
    slice_index = (
        np.nonzero(inside)[0] if in_plane else np.zeros(np.count_nonzero(inside), dtype=np.int64)
    )
    n_slices = grid.shape[0] if in_plane else 1
    # Dependence uses the original levels (alpha compares them); rows use compact levels.
    compact, present = compact_levels(grid, n_levels)
    counts, dependences = _size_matrix.slice_matrices(
        compact[inside], dependence[inside], slice_index, n_slices, len(present)
    )
    return counts, dependences, present


def ngldm_features(
    levels, roi, n_levels, aggregation="3d", distance=1, alpha=0
) -> dict[str, float]:
    """Compute the IBSI neighbouring grey level dependence matrix (NGLDM) features.

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
    alpha : int
        Coarseness: the largest grey level difference at which a neighbour still counts as
        dependent. PyRadiomics calls it ``gldm_a``.

    Returns
    -------
    dict of str to float
        17 features per method, keyed ``<IBSI tag>_<suffix>``, e.g. ``ngl_lde_3D``.

    References
    ----------
    Zwanenburg A. et al. The Image Biomarker Standardization Initiative. Radiology 2020;
    295:328-338. Reference manual arXiv:1612.07003, "Neighbouring grey level dependence based
    features".
    """
    methods = parse_volume(aggregation)
    distance = check_distance(distance)
    if isinstance(alpha, bool) or not isinstance(alpha, int | np.integer) or alpha < 0:
        raise TextureInputError(f"alpha must be a non-negative integer, got {alpha!r}")
    grid, _ = prepare_grid(levels, roi, n_levels)

    result: dict[str, float] = {}
    per_slice = None
    for method in methods:
        if method == "3d":
            counts, dependences, present = ngldm_counts(
                grid, n_levels, distance, alpha, in_plane=False
            )
        else:
            if per_slice is None:
                per_slice = ngldm_counts(grid, n_levels, distance, alpha, in_plane=True)
            counts, dependences, present = per_slice
            if method == "2.5d":
                counts = counts.sum(axis=0, keepdims=True)
        # Every ROI voxel is the centre of one neighbourhood, so N_v equals the count total.
        n_voxels = counts.sum(axis=(1, 2))
        compute = functools.partial(
            _size_matrix.size_matrix_features, sizes=dependences, grey_levels=present
        )
        values = average_groups(compute, GENERIC_NAMES, counts, n_voxels)
        result.update(_size_matrix.rename(values, NAMES, VOLUME_AGGREGATIONS[method].suffix))
    return result
