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


def diagonal_sums(matrices: np.ndarray, absolute: bool) -> np.ndarray:
    """Sum each square matrix of a stack along its diagonals.

    With ``absolute`` the result has Ng columns: column k sums the cells with |i - j| = k.
    Otherwise it has 2Ng - 1 columns: column k sums the cells with j - i = k - (Ng - 1).
    """
    n_levels = matrices.shape[-1]
    offsets = range(n_levels) if absolute else range(-(n_levels - 1), n_levels)
    sums = np.empty((len(matrices), len(offsets)))
    for column, offset in enumerate(offsets):
        sums[:, column] = np.diagonal(matrices, offset, axis1=1, axis2=2).sum(axis=-1)
        if absolute and offset > 0:
            sums[:, column] += np.diagonal(matrices, -offset, axis1=1, axis2=2).sum(axis=-1)
    return sums


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
