"""Array helpers shared by the texture families: grouped sums, entropy, aggregation."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

logger = logging.getLogger("radiogenomics.features.texture")


def safe_log2(values: np.ndarray) -> np.ndarray:
    """Return log2 of ``values`` with 0 where a value is 0, so that 0 log 0 counts as 0."""
    out = np.zeros_like(values, dtype=np.float64)
    np.log2(values, out=out, where=values > 0)
    return out


def entropy(p: np.ndarray) -> np.ndarray:
    """Return the Shannon entropy in bits of each row of ``p`` (rows are probabilities)."""
    return -np.sum(p * safe_log2(p), axis=-1)


def sum_by_value(rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum the columns of ``rows`` (shape (n, m)) that share a value in ``values`` (length m).

    Returns the sums, shape (n, k), and the k distinct values in increasing order.
    """
    distinct, group = np.unique(values, return_inverse=True)
    n_rows, n_groups = rows.shape[0], len(distinct)
    index = (np.arange(n_rows)[:, None] * n_groups + group[None, :]).ravel()
    sums = np.bincount(index, weights=rows.ravel(), minlength=n_rows * n_groups)
    return sums.reshape(n_rows, n_groups), distinct


def directional_groups(method: str, in_plane: np.ndarray, cross: np.ndarray | None):
    """Arrange direction-resolved arrays into the stack whose features one method averages.

    ``in_plane`` has shape (4, z, ...) for the in-plane directions per slice (z may be 1 when
    slices were summed already) and ``cross`` has shape (9, ...) for the directions that cross
    slices. The same arrangement applies to matrices and to per-matrix voxel counts.
    """
    if method == "2d_avg":
        return in_plane.reshape((-1,) + in_plane.shape[2:])
    if method == "2d_mrg":
        return in_plane.sum(axis=0)
    if method == "2.5d_avg":
        return in_plane.sum(axis=1)
    if method == "2.5d_mrg":
        return in_plane.sum(axis=(0, 1))[np.newaxis]
    if method == "3d_avg":
        return np.concatenate([in_plane.sum(axis=1), cross])
    if method == "3d_mrg":
        return (in_plane.sum(axis=(0, 1)) + cross.sum(axis=0))[np.newaxis]
    raise ValueError(f"unknown aggregation {method!r}")


def average_groups(
    compute: Callable[..., dict[str, np.ndarray]],
    names: tuple[str, ...],
    matrices: np.ndarray,
    *extra: np.ndarray,
) -> dict[str, float]:
    """Compute features of each non-empty matrix in a stack and average them.

    Empty matrices (a slice or direction without any counted element) are left out of the
    mean, so a slice with a single voxel does not turn a 2D average into NaN. When every
    matrix is empty, each of ``names`` is NaN. ``extra`` arrays are indexed like ``matrices``.
    """
    total = matrices.reshape(len(matrices), -1).sum(axis=1)
    keep = total > 0
    if not keep.any():
        return dict.fromkeys(names, float("nan"))
    values = compute(matrices[keep], *(e[keep] for e in extra))
    return {name: float(np.mean(v)) for name, v in values.items()}


def log_undefined(family: str, method: str, values: dict[str, float], reason: str) -> None:
    """Log which features of one method are NaN and why; log nothing when all are finite."""
    undefined = [name for name, value in values.items() if np.isnan(value)]
    if len(undefined) == len(values):
        logger.warning(
            "%s %s: all %d features are NaN because %s", family, method, len(values), reason
        )
    elif undefined:
        logger.warning("%s %s: %s are NaN because %s", family, method, ", ".join(undefined), reason)
