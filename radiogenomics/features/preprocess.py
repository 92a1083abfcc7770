"""Image processing before feature computation, as the IBSI 1 reference manual defines it.

The steps are interpolation to a new voxel spacing on a grid centred on the original grid,
intensity rounding, and re-segmentation of the intensity mask by range and by outliers.

References
----------
Zwanenburg A et al., "The Image Biomarker Standardization Initiative", Radiology
295:328-338 (2020); IBSI 1 reference manual, arXiv:1612.07003, chapter "Image processing".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)

_SPLINE_ORDER = {"nearest": 0, "linear": 1, "cubic": 3}


@dataclass(frozen=True)
class Grid:
    """Interpolation grid along the three array axes ``(z, y, x)``.

    Voxel ``k`` of the new grid sits at index ``start + k * step`` of the original grid.
    """

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]
    start: tuple[float, float, float]
    step: tuple[float, float, float]


def interpolation_grid(shape, spacing, new_spacing) -> Grid:
    """Compute the IBSI interpolation grid.

    The new grid size is the original extent divided by the new spacing, rounded up, and
    the new grid is centred on the original one (IBSI 1 manual, section "Interpolation").

    Parameters
    ----------
    shape : sequence of int
        Original array shape ``(z, y, x)``.
    spacing, new_spacing : sequence of float
        Original and new voxel size in mm, ``(z, y, x)``.

    Returns
    -------
    Grid
    """
    shape = np.asarray(shape, dtype=float)
    spacing = np.asarray(spacing, dtype=float)
    new_spacing = np.asarray(new_spacing, dtype=float)
    if np.any(new_spacing <= 0):
        raise RadiogenomicsError(f"resampled spacing must be positive, got {tuple(new_spacing)} mm")
    # Rounding before the ceiling keeps exact ratios such as 60 * 3 / 2 from becoming 91.
    new_shape = np.ceil(np.round(shape * spacing / new_spacing, 6)).astype(int)
    step = new_spacing / spacing
    start = (shape - 1) / 2 - (new_shape - 1) / 2 * step
    return Grid(tuple(int(n) for n in new_shape), tuple(new_spacing), tuple(start), tuple(step))


def crop_to_window(grid: Grid, window, shape, method: str = "cubic"):
    """Return the part of the original array that a window of the new grid needs.

    Parameters
    ----------
    grid : Grid
    window : tuple of slice
        Part of the new grid.
    shape : tuple of int
        Original array shape.
    method : str
        Interpolation method, which sets how far the spline support reaches.

    Returns
    -------
    box : tuple of slice
        Part of the original array to keep.
    grid : Grid
        The same grid expressed in the indices of the cropped array.
    """
    pad = 2 if _SPLINE_ORDER.get(method, 3) <= 1 else 8
    step = np.asarray(grid.step)
    first = np.asarray(grid.start) + np.array([w.start for w in window]) * step
    last = np.asarray(grid.start) + np.array([w.stop - 1 for w in window]) * step
    low = np.maximum(np.floor(first).astype(int) - pad, 0)
    high = np.minimum(np.ceil(last).astype(int) + pad + 1, shape)
    box = tuple(slice(int(lo), int(hi)) for lo, hi in zip(low, high, strict=True))
    shifted = Grid(grid.shape, grid.spacing, tuple(np.asarray(grid.start) - low), grid.step)
    return box, shifted


def resample(array: np.ndarray, grid: Grid, method: str = "linear", window=None) -> np.ndarray:
    """Interpolate an array onto an interpolation grid.

    Voxels beyond the original grid take the nearest boundary value, as the IBSI manual
    recommends.

    Parameters
    ----------
    array : numpy.ndarray
        Values on the original grid, ``(z, y, x)``.
    grid : Grid
        From :func:`interpolation_grid`.
    method : {"nearest", "linear", "cubic"}
        Trilinear or tricubic B-spline interpolation (``scipy.ndimage``).
    window : tuple of slice, optional
        Part of the new grid to compute; the default computes all of it.

    Returns
    -------
    numpy.ndarray
        float64 values on the new grid (or its window).
    """
    from scipy import ndimage

    if method not in _SPLINE_ORDER:
        raise RadiogenomicsError(
            f"unknown interpolation method {method!r}; use one of {sorted(_SPLINE_ORDER)}"
        )
    order = _SPLINE_ORDER[method]
    if window is None:
        window = tuple(slice(0, n) for n in grid.shape)
    first = np.array([w.start for w in window], dtype=float)
    output_shape = tuple(w.stop - w.start for w in window)
    step = np.asarray(grid.step)
    position = np.asarray(grid.start) + first * step

    # Crop the input to the part the window touches, with room for the spline support.
    pad = 2 if order <= 1 else 8
    last = position + (np.asarray(output_shape) - 1) * step
    low = np.maximum(np.floor(position).astype(int) - pad, 0)
    high = np.minimum(np.ceil(last).astype(int) + pad + 1, array.shape)
    crop = array[tuple(slice(lo, hi) for lo, hi in zip(low, high, strict=True))]
    return ndimage.affine_transform(
        crop.astype(np.float64, copy=False),
        matrix=step,
        offset=position - low,
        output_shape=output_shape,
        order=order,
        mode="nearest",
        prefilter=order > 1,
    )


def resample_mask(mask: np.ndarray, grid: Grid, threshold: float = 0.5, window=None) -> np.ndarray:
    """Interpolate a boolean mask trilinearly and keep voxels at or above a partial volume.

    Parameters
    ----------
    mask : numpy.ndarray of bool
    grid : Grid
    threshold : float
        Partial-volume fraction from which a voxel belongs to the region (IBSI: 0.5).
    window : tuple of slice, optional

    Returns
    -------
    numpy.ndarray of bool
    """
    values = resample(mask.astype(np.float64), grid, "linear", window)
    # Rounding keeps 0.4999999 from floating-point error on the right side of 0.5.
    return np.round(values, 9) >= threshold


def resegment(
    image: np.ndarray,
    mask: np.ndarray,
    value_range: tuple[float | None, float | None] | None = None,
    outlier_sd: float | None = None,
) -> np.ndarray:
    """Restrict a mask to an intensity range and to values within ``mean +- k SD``.

    Parameters
    ----------
    image : numpy.ndarray
    mask : numpy.ndarray of bool
    value_range : (lower, upper), optional
        Inclusive bounds in image units; ``None`` leaves a side open.
    outlier_sd : float, optional
        Keep voxels within this many population standard deviations of the ROI mean,
        computed after the range step (IBSI uses 3).

    Returns
    -------
    numpy.ndarray of bool
        The intensity mask.
    """
    result = mask.copy()
    if value_range is not None:
        lower, upper = value_range
        if lower is not None:
            result &= image >= lower
        if upper is not None:
            result &= image <= upper
    if outlier_sd is not None and result.any():
        values = image[result]
        mean, sd = values.mean(), values.std()
        result &= (image >= mean - outlier_sd * sd) & (image <= mean + outlier_sd * sd)
    dropped = int(mask.sum() - result.sum())
    if dropped:
        logger.info("re-segmentation removed %d of %d ROI voxels", dropped, int(mask.sum()))
    return result
