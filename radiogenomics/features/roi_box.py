"""The bounding box of a region of interest."""

from __future__ import annotations

import numpy as np


def bounding_box(mask: np.ndarray, margin=0) -> tuple[slice, ...]:
    """Return the slices of the smallest box that contains every ``True`` voxel.

    Parameters
    ----------
    mask : numpy.ndarray of bool, 3-D
        A region with at least one voxel.
    margin : int or sequence of 3 int
        Voxels added on both sides of each axis, clipped to the array.

    Returns
    -------
    tuple of slice
        One slice per axis, in array order.
    """
    # Projections onto the axes read the mask twice, where numpy.nonzero would list
    # every voxel's index.
    plane = mask.any(axis=0)
    present = (
        np.flatnonzero(mask.any(axis=(1, 2))),
        np.flatnonzero(plane.any(axis=1)),
        np.flatnonzero(plane.any(axis=0)),
    )
    margins = np.broadcast_to(np.asarray(margin, dtype=int), (3,))
    return tuple(
        slice(max(int(index[0]) - pad, 0), min(int(index[-1]) + pad + 1, size))
        for index, pad, size in zip(present, margins, mask.shape, strict=True)
    )
