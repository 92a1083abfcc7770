"""Intensity discretisation into grey levels ``1..Ng``.

References
----------
IBSI 1 reference manual, arXiv:1612.07003, section "Intensity discretisation";
van Griethuysen JJM et al., Cancer Research 77:e104 (2017) for PyRadiomics' binning.
"""

from __future__ import annotations

import numpy as np

from radiogenomics.errors import RadiogenomicsError

METHODS = ("fixed_bin_number", "fixed_bin_size", "pyradiomics")


def fixed_bin_number(values: np.ndarray, bin_number: int) -> np.ndarray:
    """Discretise into ``bin_number`` equal bins between the ROI minimum and maximum.

    ``X_d = floor(Ng * (X - X_min) / (X_max - X_min)) + 1``, with ``X_max`` put in bin
    ``Ng`` (IBSI 1 manual, fixed bin number). A constant region gets grey level 1.

    Parameters
    ----------
    values : numpy.ndarray
        Intensities of the ROI voxels.
    bin_number : int
        Number of bins ``Ng``.

    Returns
    -------
    numpy.ndarray of int64
    """
    if int(bin_number) != bin_number or bin_number < 1:
        raise RadiogenomicsError(f"bin_number must be a positive integer, got {bin_number!r}")
    values = np.asarray(values, dtype=np.float64)
    low, high = values.min(), values.max()
    if high == low:
        return np.ones(values.shape, dtype=np.int64)
    levels = np.floor(bin_number * (values - low) / (high - low)).astype(np.int64) + 1
    return np.minimum(levels, int(bin_number))


def fixed_bin_size(values: np.ndarray, bin_width: float, lower_bound: float | None = None):
    """Discretise into bins of ``bin_width`` starting at ``lower_bound``.

    ``X_d = floor((X - X_min) / w) + 1``, where ``X_min`` is the lower bound of the
    re-segmentation range when one is set and the ROI minimum otherwise (IBSI 1 manual,
    fixed bin size).

    Parameters
    ----------
    values : numpy.ndarray
    bin_width : float
        Bin width ``w`` in image units.
    lower_bound : float, optional
        ``X_min``; defaults to the ROI minimum.

    Returns
    -------
    numpy.ndarray of int64
    """
    _check_width(bin_width)
    values = np.asarray(values, dtype=np.float64)
    if lower_bound is None:
        lower_bound = values.min()
    if values.min() < lower_bound:
        raise RadiogenomicsError(
            f"ROI intensities go down to {values.min()}, below the bin lower bound "
            f"{lower_bound}; re-segment to that range or lower the bound"
        )
    return np.floor((values - lower_bound) / bin_width).astype(np.int64) + 1


def pyradiomics_bins(values: np.ndarray, bin_width: float) -> np.ndarray:
    """Discretise with PyRadiomics' fixed bin width: bin edges at multiples of the width.

    The first edge is the ROI minimum rounded down to a multiple of ``bin_width``, and a
    value on an edge goes to the upper bin, as ``numpy.digitize`` does in PyRadiomics'
    ``getBinEdges`` and ``binImage`` (PyRadiomics 3.x, ``imageoperations.py``).

    Parameters
    ----------
    values : numpy.ndarray
    bin_width : float

    Returns
    -------
    numpy.ndarray of int64
    """
    _check_width(bin_width)
    values = np.asarray(values, dtype=np.float64)
    low, high = values.min(), values.max()
    if low == high:
        return np.ones(values.shape, dtype=np.int64)
    first_edge = low - (low % bin_width)
    edges = np.arange(first_edge, high + 2 * bin_width, bin_width)
    return np.digitize(values, edges).astype(np.int64)


def discretise(
    values: np.ndarray,
    method: str,
    bin_number: int | None = None,
    bin_width: float | None = None,
    lower_bound: float | None = None,
) -> np.ndarray:
    """Discretise ROI intensities with one of :data:`METHODS`.

    Returns
    -------
    numpy.ndarray of int64
        Grey levels, 1 or more.
    """
    if method == "fixed_bin_number":
        if bin_number is None:
            raise RadiogenomicsError("fixed_bin_number discretisation needs bin_number")
        return fixed_bin_number(values, bin_number)
    if method == "fixed_bin_size":
        if bin_width is None:
            raise RadiogenomicsError("fixed_bin_size discretisation needs bin_width")
        return fixed_bin_size(values, bin_width, lower_bound)
    if method == "pyradiomics":
        if bin_width is None:
            raise RadiogenomicsError("pyradiomics discretisation needs bin_width")
        return pyradiomics_bins(values, bin_width)
    raise RadiogenomicsError(f"unknown discretisation {method!r}; use one of {METHODS}")


def _check_width(bin_width) -> None:
    if not np.isfinite(bin_width) or bin_width <= 0:
        raise RadiogenomicsError(f"bin_width must be a positive number, got {bin_width!r}")
