"""Loops over neighbourhood offsets of a padded grid, shared by NGTDM and NGLDM."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def neighbours(grid: np.ndarray, offsets, distance: int) -> Iterator[np.ndarray]:
    """Yield, for each offset, the grey level of every voxel's neighbour at that offset.

    Neighbours beyond the array hold 0, like voxels outside the ROI.
    """
    padded = np.pad(grid, distance)
    shape = grid.shape
    for offset in offsets:
        window = tuple(
            slice(distance + step, distance + step + size)
            for step, size in zip(offset, shape, strict=True)
        )
        yield padded[window]
