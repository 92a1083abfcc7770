"""Neighbour directions on the voxel grid, axes ordered (z, y, x)."""

from __future__ import annotations

import itertools

import numpy as np

# The 4 in-plane directions come first, so ``DIRECTIONS_3D[:4]`` are the 2D directions.
# Each unordered direction appears once; its opposite is covered by symmetry.
DIRECTIONS_2D: tuple[tuple[int, int, int], ...] = ((0, 0, 1), (0, 1, 1), (0, 1, 0), (0, 1, -1))
DIRECTIONS_3D: tuple[tuple[int, int, int], ...] = DIRECTIONS_2D + (
    (1, 0, 0),
    (1, 0, 1),
    (1, 0, -1),
    (1, 1, 0),
    (1, -1, 0),
    (1, 1, 1),
    (1, 1, -1),
    (1, -1, 1),
    (1, -1, -1),
)


def neighbourhood_offsets(distance: int, in_plane: bool) -> list[tuple[int, int, int]]:
    """Return every offset within Chebyshev ``distance`` of the centre, the centre excluded.

    With ``in_plane`` the offsets stay in the slice (dz = 0): 8 for distance 1, else 26.
    """
    span = range(-distance, distance + 1)
    z_span = (0,) if in_plane else span
    return [
        (dz, dy, dx)
        for dz, dy, dx in itertools.product(z_span, span, span)
        if (dz, dy, dx) != (0, 0, 0)
    ]


def shifted_pair(grid: np.ndarray, offset: tuple[int, ...]):
    """Return views ``(a, b)`` of ``grid`` where ``b`` is ``a`` moved by ``offset``.

    Element ``k`` of ``a`` and of ``b`` are two voxels ``offset`` apart; pairs that would leave
    the array are left out. The third value is the z index of the first array's slice 0.
    """
    first, second = [], []
    for step, size in zip(offset, grid.shape, strict=True):
        first.append(slice(max(0, -step), size - max(0, step)))
        second.append(slice(max(0, step), size - max(0, -step)))
    return grid[tuple(first)], grid[tuple(second)], first[0].start


def check_distance(distance) -> int:
    """Return ``distance`` as a positive int, or raise naming the bad value."""
    from radiogenomics.features.texture._validation import TextureInputError

    if isinstance(distance, bool) or not isinstance(distance, int | np.integer) or distance < 1:
        raise TextureInputError(
            f"distance must be a positive integer number of voxels, got {distance!r}"
        )
    return int(distance)
