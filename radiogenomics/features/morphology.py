"""Morphological features (IBSI family ``HCUG``) from a mesh, the voxels and intensities.

The mesh is the marching-cubes surface at level 0.5 of the morphological mask (the ROI
after interpolation, before re-segmentation). Intensity-weighted features (centre of mass
shift, integrated intensity, Moran's I, Geary's C) use the intensity mask. Lengths are in
mm, areas in mm^2, volumes in mm^3.

References
----------
IBSI 1 reference manual, arXiv:1612.07003, section "Morphological features".
Lorensen WE, Cline HE, "Marching cubes", SIGGRAPH 1987 (``skimage.measure.marching_cubes``).
"""

from __future__ import annotations

import logging

import numpy as np

from radiogenomics.features.roi_box import bounding_box

logger = logging.getLogger(__name__)

_AEE_SERIES_TERMS = 20


def surface_mesh(mask: np.ndarray, spacing) -> tuple[np.ndarray, np.ndarray]:
    """Build the marching-cubes mesh of a boolean mask.

    Parameters
    ----------
    mask : numpy.ndarray of bool
    spacing : sequence of 3 float
        Voxel size in mm, array order.

    Returns
    -------
    vertices : numpy.ndarray, shape (n, 3)
        Vertex positions in mm.
    faces : numpy.ndarray, shape (m, 3)
        Vertex indices of each triangle.
    """
    from skimage.measure import marching_cubes

    padded = np.pad(mask[bounding_box(mask)], 1).astype(np.float32)
    vertices, faces, _, _ = marching_cubes(padded, level=0.5, spacing=tuple(spacing))
    return vertices, faces


def mesh_volume_and_area(vertices: np.ndarray, faces: np.ndarray) -> tuple[float, float]:
    """Return the enclosed volume (divergence theorem) and the surface area of a mesh."""
    a, b, c = (vertices[faces[:, k]] for k in range(3))
    volume = abs(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0
    area = np.linalg.norm(np.cross(b - a, c - a), axis=1).sum() / 2.0
    return float(volume), float(area)


def _ellipsoid_area(a: float, b: float, c: float) -> float:
    """Approximate the surface area of an ellipsoid with semi-axes ``a >= b >= c``.

    Uses the Legendre series of the IBSI manual (feature "area density - approximate
    enclosing ellipsoid"), truncated after 20 terms.
    """
    from numpy.polynomial import legendre

    if a <= 0:
        return np.nan
    alpha = np.sqrt(max(1.0 - b**2 / a**2, 0.0))
    beta = np.sqrt(max(1.0 - c**2 / a**2, 0.0))
    if alpha * beta < 1e-12:
        # A sphere, or a spheroid whose series reduces to its first term.
        return 4.0 * np.pi * a * b
    nu = np.arange(_AEE_SERIES_TERMS + 1)
    terms = (alpha * beta) ** nu / (1.0 - 4.0 * nu**2)
    argument = (alpha**2 + beta**2) / (2.0 * alpha * beta)
    terms *= [legendre.legval(argument, np.eye(1, n + 1, n)[0]) for n in nu]
    return float(4.0 * np.pi * a * b * terms.sum())


def _row_extremes(points: np.ndarray, axis: int) -> np.ndarray:
    """Keep the two extreme points along ``axis`` of every row of points sharing the other
    two coordinates; points between them cannot be convex-hull vertices."""
    others = [a for a in range(3) if a != axis]
    order = np.lexsort((points[:, axis], points[:, others[1]], points[:, others[0]]))
    ordered = points[order]
    keys = ordered[:, others]
    new_row = np.ones(len(ordered), dtype=bool)
    new_row[1:] = np.any(keys[1:] != keys[:-1], axis=1)
    last_of_row = np.ones(len(ordered), dtype=bool)
    last_of_row[:-1] = new_row[1:]
    return ordered[new_row | last_of_row]


def _convex_hull(vertices: np.ndarray, spacing: np.ndarray) -> tuple[float, float, float]:
    """Return volume, area and largest diameter of the convex hull of mesh vertices (mm).

    Marching cubes on a binary mask puts vertices on half-voxel positions, so twice their
    voxel coordinates are integers and the hull is computed exactly; see
    :mod:`radiogenomics.features.convex_hull`. A flat mesh gives NaN.
    """
    from radiogenomics.features.convex_hull import convex_hull

    candidates = np.round(2.0 * vertices / spacing).astype(np.int64)
    for axis in range(3):
        candidates = _row_extremes(candidates, axis)
    hull = convex_hull(candidates)
    if hull is None:
        logger.warning("the ROI mesh is flat, so convex-hull features are NaN")
        return np.nan, np.nan, np.nan
    scale = spacing / 2.0
    volume, area = hull.volume_and_area(scale)
    diameter = _max_distance(hull.points[hull.vertices] * scale)
    return volume, area, diameter


def _max_distance(points: np.ndarray, block: int = 256) -> float:
    """Return the largest distance between two points, in blocks to bound memory."""
    largest = 0.0
    for start in range(0, len(points), block):
        chunk = points[start : start + block]
        squared = np.sum((chunk[:, None, :] - points[None, :, :]) ** 2, axis=2)
        largest = max(largest, float(squared.max()))
    return float(np.sqrt(largest))


def _even_fast_length(n: int) -> int:
    """Return the smallest even length >= n that the FFT handles quickly."""
    from scipy import fft

    length = fft.next_fast_len(n, real=True)
    while length % 2:
        length = fft.next_fast_len(length + 1, real=True)
    return length


def _kernel_spectrum(size, spacing) -> np.ndarray:
    """Return the spectrum of the inverse-distance kernel on one octant of frequencies.

    The kernel ``w(d) = 1 / ||d||`` (mm, 0 at d = 0) on a periodic grid of even ``size``
    is even along every axis, so its discrete Fourier transform is real and equals the
    type-I discrete cosine transform of the octant ``0 <= d_k <= size_k / 2``. That needs
    one eighth of the grid and no complex array.
    """
    from scipy import fft

    offsets = [
        (np.arange(m // 2 + 1) * s).astype(np.float32) for m, s in zip(size, spacing, strict=True)
    ]
    weights = offsets[0][:, None, None] ** 2 + offsets[1][None, :, None] ** 2
    weights = weights + offsets[2][None, None, :] ** 2
    weights[0, 0, 0] = 1.0
    np.sqrt(weights, out=weights)
    np.reciprocal(weights, out=weights)
    weights[0, 0, 0] = 0.0  # a voxel is not its own neighbour
    return fft.dctn(weights, type=1, workers=-1)


def spatial_autocorrelation(values: np.ndarray, mask: np.ndarray, spacing) -> tuple[float, float]:
    """Compute Moran's I and Geary's C with inverse-distance weights over all voxel pairs.

    ``w_ij = 1 / ||x_i - x_j||`` (mm) for ``i != j``. The pair sums are products of the
    spectra of the ROI and of the weight kernel, which gives the exact all-pairs result in
    O(n log n) instead of O(n^2).

    Parameters
    ----------
    values : numpy.ndarray
        Image intensities, same shape as ``mask``.
    mask : numpy.ndarray of bool
        ROI intensity mask.
    spacing : sequence of 3 float

    Returns
    -------
    morans_i, gearys_c : float
        NaN when the ROI has fewer than two voxels or constant intensity.
    """
    from scipy import fft

    box = bounding_box(mask)
    mask = mask[box]
    count = int(mask.sum())
    if count < 2:
        return np.nan, np.nan
    centred = np.where(mask, values[box] - values[box][mask].mean(), 0.0)
    total_square = np.sum(centred**2)
    if total_square == 0:
        return np.nan, np.nan

    # Circular convolution over 2n - 1 voxels per axis never wraps a displacement of the
    # box onto another, so it equals the linear convolution at every ROI voxel. Single
    # precision halves time and memory. On the IBSI CT phantom it changes Moran's I and
    # Geary's C by less than 1e-7 relative to double precision.
    size = [_even_fast_length(2 * n - 1) for n in mask.shape]
    kernel = _kernel_spectrum(size, spacing).astype(np.float32)
    # Frequencies f and size - f share a kernel value along the two full axes. The half
    # spectrum of rfftn counts every bin but the first and the Nyquist bin twice.
    mirror = [np.minimum(np.arange(m), m - np.arange(m)) for m in size[:2]]
    kernel[:, :, 1:-1] *= 2.0

    # The fields are zero outside the box, so the last two axes are transformed on the box
    # rows only. The first axis is transformed last, in blocks of columns stored
    # contiguously, and each block is summed at once, so no full spectrum is ever held.
    # Parseval gives sum_i a_i (W * b)_i = sum_f conj(A_f) K_f B_f / N without an inverse
    # transform.
    def partial(field):
        rows = fft.rfft(field.astype(np.float32), n=size[2], axis=2, workers=-1)
        rows = fft.fft(rows, n=size[1], axis=1, workers=-1, overwrite_x=True)
        return np.ascontiguousarray(rows.transpose(2, 1, 0))

    fields = [partial(centred), partial(mask), partial(centred**2)]
    kernel = np.ascontiguousarray(kernel.transpose(2, 1, 0))
    sums = np.zeros(3)
    block = max(1, 2**17 // (size[0] * size[1]))
    for start in range(0, kernel.shape[0], block):
        weights = kernel[start : start + block][:, mirror[1]][:, :, mirror[0]]
        value, region, square = (
            fft.fft(f[start : start + block], n=size[0], axis=2, workers=-1) for f in fields
        )
        for index, (first, second) in enumerate(
            ((value, value), (region, region), (region, square))
        ):
            product = first.real * second.real + first.imag * second.imag
            sums[index] += np.sum(product * weights, dtype=np.float64)
    cross, weight_sum, square_weighted = sums / float(np.prod(size))
    squared_difference = 2.0 * square_weighted - 2.0 * cross

    morans_i = count / weight_sum * cross / total_square
    gearys_c = (count - 1) / (2.0 * weight_sum) * squared_difference / total_square
    return float(morans_i), float(gearys_c)


def morphology(
    morph_mask: np.ndarray, intensity_mask: np.ndarray, image: np.ndarray, spacing
) -> dict[str, float]:
    """Compute the IBSI morphological features.

    Parameters
    ----------
    morph_mask : numpy.ndarray of bool
        Morphological mask (before re-segmentation).
    intensity_mask : numpy.ndarray of bool
        Intensity mask (after re-segmentation).
    image : numpy.ndarray
        Intensities on the same grid.
    spacing : sequence of 3 float
        Voxel size in mm, array order.

    Returns
    -------
    dict
        ``morph_*`` features. Axis ratios and ellipsoid densities are NaN for a region
        without extent along an axis (one voxel, or a line).
    """
    spacing = np.asarray(spacing, dtype=np.float64)
    voxel_volume = float(np.prod(spacing))
    # Computed first, while no other large array is held, because its transforms need the
    # most memory.
    autocorrelation = spatial_autocorrelation(image, intensity_mask, spacing)
    vertices, faces = surface_mesh(morph_mask, spacing)
    volume, area = mesh_volume_and_area(vertices, faces)
    voxel_count = int(morph_mask.sum())

    features = {
        "morph_volume": volume,
        "morph_vol_approx": voxel_count * voxel_volume,
        "morph_area_mesh": area,
        "morph_av": area / volume,
        "morph_comp_1": volume / (np.sqrt(np.pi) * area**1.5),
        "morph_comp_2": 36.0 * np.pi * volume**2 / area**3,
        "morph_sph_dispr": area / (36.0 * np.pi * volume**2) ** (1.0 / 3.0),
        "morph_sphericity": (36.0 * np.pi * volume**2) ** (1.0 / 3.0) / area,
        "morph_asphericity": (area**3 / (36.0 * np.pi * volume**2)) ** (1.0 / 3.0) - 1.0,
    }

    # Centre of mass shift: geometric centre vs intensity-weighted centre, in mm.
    morph_positions = np.argwhere(morph_mask) * spacing
    intensity_positions = np.argwhere(intensity_mask) * spacing
    intensities = image[intensity_mask]
    geometric_centre = morph_positions.mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weighted_centre = intensities @ intensity_positions / intensities.sum()
    features["morph_com"] = float(np.linalg.norm(geometric_centre - weighted_centre))

    hull_volume, hull_area, features["morph_diam"] = _convex_hull(vertices, spacing)

    # Principal component analysis of the voxel positions (sample covariance, as the
    # IBSI digital phantom values require); eigenvalues ascending.
    centred = morph_positions - geometric_centre
    covariance = centred.T @ centred / max(voxel_count - 1, 1)
    least, minor, major = np.clip(np.linalg.eigvalsh(covariance), 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        features.update(
            {
                "morph_pca_maj_axis": 4.0 * np.sqrt(major),
                "morph_pca_min_axis": 4.0 * np.sqrt(minor),
                "morph_pca_least_axis": 4.0 * np.sqrt(least),
                "morph_pca_elongation": np.sqrt(minor / major),
                "morph_pca_flatness": np.sqrt(least / major),
            }
        )

    extent = vertices.max(axis=0) - vertices.min(axis=0)
    aabb_volume = float(np.prod(extent))
    aabb_area = 2.0 * float(extent[0] * extent[1] + extent[1] * extent[2] + extent[0] * extent[2])
    semi_axes = 2.0 * np.sqrt([major, minor, least])
    ellipsoid_volume = 4.0 * np.pi / 3.0 * np.prod(semi_axes)
    ellipsoid_area = _ellipsoid_area(*semi_axes)
    if not ellipsoid_volume > 0:
        # A flat or linear ROI has no enclosing ellipsoid volume: report NaN, not infinity.
        ellipsoid_volume = ellipsoid_area = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        features.update(
            {
                "morph_vol_dens_aabb": volume / aabb_volume,
                "morph_area_dens_aabb": area / aabb_area,
                "morph_vol_dens_aee": volume / ellipsoid_volume,
                "morph_area_dens_aee": area / ellipsoid_area,
                "morph_vol_dens_conv_hull": volume / hull_volume,
                "morph_area_dens_conv_hull": area / hull_area,
            }
        )

    features["morph_integ_int"] = float(intensities.mean() * volume) if intensities.size else np.nan
    features["morph_moran_i"], features["morph_geary_c"] = autocorrelation
    return {name: float(value) for name, value in features.items()}
