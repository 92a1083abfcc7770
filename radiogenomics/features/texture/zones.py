"""Grey level size zone (GLSZM) and distance zone (GLDZM) matrices and their IBSI features.

A zone is a connected group of ROI voxels with one grey level: 26-connected in 3D and
8-connected within a slice in 2D. The GLSZM counts zones by grey level and size (voxels).
The GLDZM counts them by grey level and distance to the ROI edge: the smallest city-block
distance (6-connected in 3D, 4-connected in 2D) from a zone voxel to a voxel outside the
morphological mask. A voxel on the edge has distance 1. Definitions follow the IBSI 1
reference manual, sections "Grey level size zone based features" and "Grey level distance
zone based features" (Zwanenburg et al., Radiology 2020; Thibault et al., IEEE TBME 2014).
"""

from __future__ import annotations

import functools
import logging

import numpy as np

from radiogenomics.features.texture import _size_matrix
from radiogenomics.features.texture._reduce import average_groups
from radiogenomics.features.texture._size_matrix import GENERIC_NAMES
from radiogenomics.features.texture._validation import compact_levels, prepare_grid
from radiogenomics.features.texture.aggregation import VOLUME_AGGREGATIONS, parse_volume

logger = logging.getLogger(__name__)

SIZE_NAMES = {
    "short": "szm_sze",
    "long": "szm_lze",
    "low_grey": "szm_lgze",
    "high_grey": "szm_hgze",
    "short_low_grey": "szm_szlge",
    "short_high_grey": "szm_szhge",
    "long_low_grey": "szm_lzlge",
    "long_high_grey": "szm_lzhge",
    "glnu": "szm_glnu",
    "glnu_norm": "szm_glnu_norm",
    "size_nu": "szm_zsnu",
    "size_nu_norm": "szm_zsnu_norm",
    "percentage": "szm_z_perc",
    "gl_var": "szm_gl_var",
    "size_var": "szm_zs_var",
    "size_entr": "szm_zs_entr",
}
DISTANCE_NAMES = {
    "short": "dzm_sde",
    "long": "dzm_lde",
    "low_grey": "dzm_lgze",
    "high_grey": "dzm_hgze",
    "short_low_grey": "dzm_sdlge",
    "short_high_grey": "dzm_sdhge",
    "long_low_grey": "dzm_ldlge",
    "long_high_grey": "dzm_ldhge",
    "glnu": "dzm_glnu",
    "glnu_norm": "dzm_glnu_norm",
    "size_nu": "dzm_zdnu",
    "size_nu_norm": "dzm_zdnu_norm",
    "percentage": "dzm_z_perc",
    "gl_var": "dzm_gl_var",
    "size_var": "dzm_zd_var",
    "size_entr": "dzm_zd_entr",
}


def label_zones(grid: np.ndarray, in_plane: bool) -> tuple[np.ndarray, int]:
    """Label the zones of a grid: connected voxels of equal non-zero grey level.

    With ``in_plane`` zones stay within a slice (8-connected); otherwise they are
    26-connected. Returns the label array (0 outside the ROI) and the number of zones.
    """
    from skimage.measure import label

    if in_plane and grid.shape[0] > 1:
        # An empty plane between slices stops 26-connectivity from joining zones across
        # slices while keeping 8-connectivity inside each slice.
        spaced = np.zeros((2 * grid.shape[0] - 1,) + grid.shape[1:], dtype=grid.dtype)
        spaced[::2] = grid
        labels, count = label(spaced, background=0, connectivity=3, return_num=True)
        return labels[::2], count
    return label(grid, background=0, connectivity=3, return_num=True)


def zone_table(grid: np.ndarray, in_plane: bool):
    """Return labels and, per zone, its grey level, size in voxels and slice index."""
    labels, count = label_zones(grid, in_plane)
    flat_labels = labels.ravel()
    sizes = np.bincount(flat_labels, minlength=count + 1)[1:]
    zone_levels = np.zeros(count + 1, dtype=np.int64)
    zone_levels[flat_labels] = grid.ravel()
    zone_slices = np.zeros(count + 1, dtype=np.int64)
    zone_slices[labels] = np.arange(grid.shape[0])[:, None, None]
    return labels, zone_levels[1:], sizes, zone_slices[1:]


def edge_distance(morph: np.ndarray, in_plane: bool) -> np.ndarray:
    """Return each voxel's city-block distance to the nearest voxel outside ``morph``.

    Voxels on the edge of the mask get 1. ``morph`` must have a background border.
    """
    from scipy import ndimage

    if in_plane:
        metric = np.zeros((3, 3, 3), dtype=bool)
        metric[1] = ndimage.generate_binary_structure(2, 1)
    else:
        metric = "taxicab"
    return ndimage.distance_transform_cdt(morph, metric=metric)


def _per_slice_voxels(grid: np.ndarray) -> np.ndarray:
    return np.count_nonzero(grid.reshape(grid.shape[0], -1), axis=1).astype(float)


def _zones_with_sizes(grid, in_plane, morph):
    """Return grey level, size (or edge distance when ``morph`` is given) and slice per zone."""
    labels, zone_levels, sizes, zone_slices = zone_table(grid, in_plane)
    if morph is None:
        return zone_levels, sizes, zone_slices
    distance = edge_distance(morph, in_plane)
    zone_distance = np.full(len(sizes) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(zone_distance, labels.ravel(), distance.ravel().astype(np.int64))
    return zone_levels, zone_distance[1:], zone_slices


def _zone_features(grid, n_levels, methods, names, morph=None) -> dict[str, float]:
    grid, present = compact_levels(grid, n_levels)
    n_levels = len(present)
    result: dict[str, float] = {}
    zones_by_plane: dict[bool, tuple] = {}
    for method in methods:
        # The 2D and 2.5D methods share the in-plane zones and distances.
        in_plane = method != "3d"
        if in_plane not in zones_by_plane:
            zones_by_plane[in_plane] = _zones_with_sizes(grid, in_plane, morph)
        zone_levels, zone_size, zone_slices = zones_by_plane[in_plane]

        if method == "2d":
            matrices, columns = _size_matrix.slice_matrices(
                zone_levels, zone_size, zone_slices, grid.shape[0], n_levels
            )
            n_voxels = _per_slice_voxels(grid)
        else:
            matrices, columns = _size_matrix.slice_matrices(
                zone_levels, zone_size, np.zeros_like(zone_levels), 1, n_levels
            )
            n_voxels = np.array([float(np.count_nonzero(grid))])

        compute = functools.partial(
            _size_matrix.size_matrix_features, sizes=columns, grey_levels=present
        )
        values = average_groups(compute, GENERIC_NAMES, matrices, n_voxels)
        result.update(_size_matrix.rename(values, names, VOLUME_AGGREGATIONS[method].suffix))
    return result


def glszm_features(levels, roi, n_levels, aggregation="3d") -> dict[str, float]:
    """Compute the IBSI grey level size zone matrix (GLSZM) features.

    Parameters
    ----------
    levels : array_like of int, shape (z, y, x) or (y, x)
        Discretised grey levels 1..n_levels; values outside ``roi`` are ignored.
    roi : array_like of bool, same shape
        Intensity mask.
    n_levels : int
        Number of grey levels :math:`N_g` of the discretisation.
    aggregation : str or sequence of str
        ``"2d"`` (per slice, averaged), ``"2.5d"`` (slices merged) or ``"3d"``.

    Returns
    -------
    dict of str to float
        16 features per method, keyed ``<IBSI tag>_<suffix>``, e.g. ``szm_sze_3D``.

    References
    ----------
    Zwanenburg A. et al. The Image Biomarker Standardization Initiative. Radiology 2020;
    295:328-338. Reference manual arXiv:1612.07003, "Grey level size zone based features".
    """
    methods = parse_volume(aggregation)
    grid, _ = prepare_grid(levels, roi, n_levels)
    return _zone_features(grid, n_levels, methods, SIZE_NAMES)


def gldzm_features(levels, roi, n_levels, aggregation="3d", morph_roi=None) -> dict[str, float]:
    """Compute the IBSI grey level distance zone matrix (GLDZM) features.

    Parameters
    ----------
    levels : array_like of int, shape (z, y, x) or (y, x)
        Discretised grey levels 1..n_levels; values outside ``roi`` are ignored.
    roi : array_like of bool, same shape
        Intensity mask: defines the zones.
    n_levels : int
        Number of grey levels :math:`N_g` of the discretisation.
    aggregation : str or sequence of str
        ``"2d"`` (per slice, averaged), ``"2.5d"`` (slices merged) or ``"3d"``.
    morph_roi : array_like of bool, optional
        Morphological mask (the ROI before intensity re-segmentation), which defines the
        distance to the edge. It must contain ``roi``; defaults to ``roi``.

    Returns
    -------
    dict of str to float
        16 features per method, keyed ``<IBSI tag>_<suffix>``, e.g. ``dzm_sde_3D``.
        Distances are in voxels; the image border counts as ROI edge.

    References
    ----------
    Zwanenburg A. et al. The Image Biomarker Standardization Initiative. Radiology 2020;
    295:328-338. Reference manual arXiv:1612.07003, "Grey level distance zone based features".
    """
    methods = parse_volume(aggregation)
    grid, morph = prepare_grid(
        levels, roi, n_levels, morph_roi=roi if morph_roi is None else morph_roi, pad=1
    )
    return _zone_features(grid, n_levels, methods, DISTANCE_NAMES, morph=morph)
