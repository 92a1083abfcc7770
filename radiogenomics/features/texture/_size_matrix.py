"""Features of matrices indexed by grey level and a size-like count (runs, zones, dependences).

GLRLM, GLSZM, GLDZM and NGLDM share one form: element (i, j) counts the runs, zones or
neighbourhoods of grey level i whose length, size, distance or dependence count is j. Their
IBSI features are the same weighted sums under different names, computed once here.
"""

from __future__ import annotations

import numpy as np

from radiogenomics.features.texture import _reduce

# Generic feature keys, mapped to each family's IBSI tags by the family modules.
GENERIC_NAMES = (
    "short",
    "long",
    "low_grey",
    "high_grey",
    "short_low_grey",
    "short_high_grey",
    "long_low_grey",
    "long_high_grey",
    "glnu",
    "glnu_norm",
    "size_nu",
    "size_nu_norm",
    "percentage",
    "gl_var",
    "size_var",
    "size_entr",
    "energy",
)


def size_matrix_features(
    counts: np.ndarray,
    n_voxels: np.ndarray,
    sizes: np.ndarray | None = None,
    grey_levels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Compute the shared IBSI features of a stack of grey level by size matrices.

    Parameters
    ----------
    counts : ndarray, shape (n, Ng, Nj)
        Element (i, j) counts items of grey level i + 1 with the size of column j.
    n_voxels : ndarray, shape (n,)
        Number of voxels :math:`N_v` behind each matrix, the denominator of the percentage.
    sizes : ndarray, shape (Nj,), optional
        Size that each column stands for; defaults to 1..Nj. Leaving out sizes that never
        occur keeps the matrix small when one zone is large.
    grey_levels : ndarray, shape (Ng,), optional
        Grey level of each row; defaults to 1..Ng.

    Returns
    -------
    dict of str to ndarray of shape (n,)
        Values keyed by the generic names in ``GENERIC_NAMES``.
    """
    n_items = counts.sum(axis=(1, 2))
    if grey_levels is None:
        grey_levels = np.arange(1, counts.shape[1] + 1)
    i = np.asarray(grey_levels, dtype=np.float64)[:, None]
    if sizes is None:
        sizes = np.arange(1, counts.shape[2] + 1)
    j = np.asarray(sizes, dtype=np.float64)[None, :]

    def weighted(weight):
        return np.sum(counts * weight, axis=(1, 2)) / n_items

    per_level = counts.sum(axis=2)
    per_size = counts.sum(axis=1)
    p = counts / n_items[:, None, None]
    mu_i = np.sum(p * i, axis=(1, 2))
    mu_j = np.sum(p * j, axis=(1, 2))
    return {
        "short": weighted(1.0 / j**2),
        "long": weighted(j**2),
        "low_grey": weighted(1.0 / i**2),
        "high_grey": weighted(i**2),
        "short_low_grey": weighted(1.0 / (i**2 * j**2)),
        "short_high_grey": weighted(i**2 / j**2),
        "long_low_grey": weighted(j**2 / i**2),
        "long_high_grey": weighted(i**2 * j**2),
        "glnu": np.sum(per_level**2, axis=1) / n_items,
        "glnu_norm": np.sum(per_level**2, axis=1) / n_items**2,
        "size_nu": np.sum(per_size**2, axis=1) / n_items,
        "size_nu_norm": np.sum(per_size**2, axis=1) / n_items**2,
        "percentage": n_items / n_voxels,
        "gl_var": np.sum(p * (i - mu_i[:, None, None]) ** 2, axis=(1, 2)),
        "size_var": np.sum(p * (j - mu_j[:, None, None]) ** 2, axis=(1, 2)),
        "size_entr": _reduce.entropy(p.reshape(len(p), -1)),
        "energy": np.sum(p.reshape(len(p), -1) ** 2, axis=1),
    }


def rename(values: dict[str, float], names: dict[str, str], suffix: str) -> dict[str, float]:
    """Map generic feature keys to ``<IBSI tag>_<suffix>`` for the keys in ``names``."""
    return {f"{tag}_{suffix}": values[generic] for generic, tag in names.items()}


def slice_matrices(
    levels: np.ndarray,
    sizes: np.ndarray,
    group: np.ndarray,
    n_groups: int,
    n_levels: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Count (grey level, size) items per group, keeping only the sizes that occur.

    ``levels`` are 1-based per item, ``sizes`` are positive and ``group`` is each item's
    matrix index. ``weights`` gives each item's count (default 1). Returns counts of shape
    (n_groups, Ng, Nj) and the Nj distinct sizes.
    """
    # A lookup table over 0..max size replaces np.unique, which sorts and is slow for the
    # hundreds of thousands of runs of a large ROI.
    present = np.bincount(sizes) > 0 if len(sizes) else np.zeros(2, dtype=bool)
    present[0] = False
    distinct = np.flatnonzero(present)
    if len(distinct) == 0:
        distinct = np.ones(1, dtype=np.int64)
    column = (np.cumsum(present) - 1)[sizes]
    n_sizes = len(distinct)
    code = (group.astype(np.int64) * n_levels + (levels - 1)) * n_sizes + column
    counts = np.bincount(code, weights=weights, minlength=n_groups * n_levels * n_sizes)
    return counts.reshape(n_groups, n_levels, n_sizes).astype(np.float64), distinct
