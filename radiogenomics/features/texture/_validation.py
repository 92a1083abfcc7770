"""Input checks shared by the texture families, and the cropped grid they compute on."""

from __future__ import annotations

import logging

import numpy as np

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)


class TextureInputError(RadiogenomicsError):
    """Grey levels, ROI or settings passed to a texture family are invalid."""


def as_mask(mask, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Return ``mask`` as a 3-D boolean array of ``shape``, accepting 0/1 integers and floats."""
    array = np.asarray(mask)
    if array.ndim == 2:
        array = array[np.newaxis]
    if array.shape != shape:
        raise TextureInputError(
            f"{name} has shape {np.asarray(mask).shape} but the grey levels have shape "
            f"{shape}: pass a mask on the same grid"
        )
    if array.dtype == bool:
        return array
    values = np.unique(array)
    if not np.isin(values, (0, 1)).all():
        raise TextureInputError(
            f"{name} must be boolean or contain only 0 and 1, found values "
            f"{values[:10].tolist()}: binarise the mask first"
        )
    return array.astype(bool)


def prepare_grid(levels, roi, n_levels, morph_roi=None, pad: int = 0):
    """Check the inputs of a texture family and crop them to the ROI.

    Parameters
    ----------
    levels : array_like of int, shape (z, y, x) or (y, x)
        Discretised grey levels; values outside ``roi`` are ignored.
    roi : array_like of bool, same shape
        Intensity mask: voxels whose grey levels enter the matrices.
    n_levels : int
        Number of grey levels :math:`N_g`; levels inside ``roi`` must lie in ``1..n_levels``.
    morph_roi : array_like of bool, optional
        Morphological mask, needed only for distances to the ROI edge. It must contain ``roi``.
    pad : int
        Number of background voxels kept around the bounding box on every side.

    Returns
    -------
    grid : ndarray of int32, shape (z', y', x')
        Grey levels inside the bounding box of the ROI, 0 outside the ROI.
    morph : ndarray of bool or None
        The morphological mask cropped the same way, or None.
    """
    levels = np.asarray(levels)
    if levels.ndim == 2:
        levels = levels[np.newaxis]
    if levels.ndim != 3:
        raise TextureInputError(
            f"grey levels must be a 2-D or 3-D array (z, y, x), got {levels.ndim} dimensions"
        )
    if isinstance(n_levels, bool) or not isinstance(n_levels, int | np.integer) or n_levels < 1:
        raise TextureInputError(f"n_levels must be a positive integer, got {n_levels!r}")

    mask = as_mask(roi, "roi", levels.shape)
    if not mask.any():
        raise TextureInputError("the ROI is empty: texture features need at least one voxel")

    inside = levels[mask]
    if not np.issubdtype(inside.dtype, np.integer):
        if not np.all(np.isfinite(inside)) or np.any(inside != np.round(inside)):
            raise TextureInputError(
                "grey levels inside the ROI must be integers (discretise the image first); "
                f"found for example {inside[inside != np.round(inside)][:3].tolist()}"
            )
    low, high = inside.min(), inside.max()
    if low < 1 or high > n_levels:
        raise TextureInputError(
            f"grey levels inside the ROI range from {low} to {high}, outside 1..{n_levels}: "
            "discretise the image to levels 1..n_levels or raise n_levels"
        )

    morph = None
    if morph_roi is not None:
        morph = as_mask(morph_roi, "morph_roi", levels.shape)
        if np.any(mask & ~morph):
            raise TextureInputError(
                f"{int(np.sum(mask & ~morph))} ROI voxels lie outside morph_roi: the "
                "morphological mask must contain the intensity mask"
            )

    box_source = morph if morph is not None else mask
    box = _bounding_box(box_source, pad)
    grid = np.zeros([stop - start for start, stop in box], dtype=np.int32)
    inner = tuple(
        slice(max(start, 0), min(stop, size))
        for (start, stop), size in zip(box, levels.shape, strict=True)
    )
    target = tuple(
        slice(s.start - start, s.stop - start) for s, (start, _) in zip(inner, box, strict=True)
    )
    grid[target] = np.where(mask[inner], levels[inner], 0)
    if morph is not None:
        cropped = np.zeros(grid.shape, dtype=bool)
        cropped[target] = morph[inner]
        morph = cropped
    return grid, morph


def _bounding_box(mask: np.ndarray, pad: int) -> list[tuple[int, int]]:
    box = []
    for axis in range(mask.ndim):
        other = tuple(a for a in range(mask.ndim) if a != axis)
        present = np.flatnonzero(mask.any(axis=other))
        box.append((int(present[0]) - pad, int(present[-1]) + 1 + pad))
    return box


def compact_levels(grid: np.ndarray, n_levels: int) -> tuple[np.ndarray, np.ndarray]:
    """Renumber the grey levels present in ``grid`` as 1..m, keeping 0 for outside the ROI.

    Matrices indexed by the compact levels have no rows for absent levels, so their size
    follows the levels that occur rather than ``n_levels``. Returns the renumbered grid (the
    smallest unsigned type that fits) and the original level of each compact level.
    """
    present = np.flatnonzero(np.bincount(grid.ravel(), minlength=n_levels + 1)[1:]) + 1
    lookup = np.zeros(n_levels + 1, dtype=np.min_scalar_type(len(present)))
    lookup[present] = np.arange(1, len(present) + 1)
    return lookup[grid], present
