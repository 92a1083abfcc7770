"""Size (S1, S2, S3, S5) and geometry (G1-G3) phenotypes of a lesion mask.

All lengths are in millimetres, using the voxel spacing. S4 depends on the kinetic
clustering and is computed in :mod:`radiogenomics.features.dce.phenotypes`.

References
----------
Gilhuijs KGA, Giger ML, Bick U. Computerized analysis of breast lesions in three
dimensions using dynamic magnetic-resonance imaging. Med Phys 1998;25:1647-1654.

Chen W, Giger ML, Newstead GM, et al. Acad Radiol 2010;17:822-829, Table 2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial import ConvexHull, QhullError
from scipy.spatial.distance import pdist

from radiogenomics.errors import RadiogenomicsError

SIZE_COLUMNS = {
    "S1": "Size/Lesion volume (S1)",
    "S2": "Effective Diameter (S2)",
    "S3": "Surface Area (S3)",
    "S4": "Volume of most enhancing voxels (S4)",
    "S5": "Maximum Diameter (S5)",
}

GEOMETRY_COLUMNS = {
    "G1": "Sphericity (G1)",
    "G2": "Irregularity (G2)",
    "G3": "Surface Area to Volume ratio (G3)",
}


def voxel_face_area(mask: np.ndarray, spacing: Sequence[float]) -> float:
    """Return the area in mm² of the faces between mask voxels and the outside.

    NOTE: the UChicago surface method is unpublished. Voxel faces are chosen because
    their table's near-spherical lesions have an area-based sphericity of at most 0.60,
    near the 2/3 that voxel faces give a digitised sphere, whereas a smooth mesh
    would give nearly 1.
    """
    padded = np.pad(mask.astype(np.int8), 1)
    dz, dy, dx = spacing
    face_areas = (dy * dx, dz * dx, dz * dy)
    area = 0.0
    for axis, face_area in enumerate(face_areas):
        area += face_area * np.count_nonzero(np.diff(padded, axis=axis))
    return float(area)


def maximum_diameter(mask: np.ndarray, spacing: Sequence[float]) -> float:
    """Return the largest distance in mm between the centres of two mask voxels."""
    points = np.argwhere(mask) * np.asarray(spacing, dtype=float)
    if len(points) < 2:
        return 0.0
    try:
        points = points[ConvexHull(points).vertices]
    except QhullError:
        # Flat or collinear lesions have no 3-D hull; all points are then candidates.
        pass
    return float(pdist(points).max())


def size_geometry_features(mask: np.ndarray, spacing: Sequence[float]) -> dict[str, float]:
    """Compute S1, S2, S3, S5 and G1-G3 of a lesion mask.

    - S1 volume, number of voxels times voxel volume (mm³)
    - S2 effective diameter, (6 S1 / pi)^(1/3), the diameter of the sphere of equal
      volume (mm)
    - S3 surface area, summed area of the voxel faces on the boundary (mm²)
    - S5 maximum diameter, the largest distance between two voxel centres (mm)
    - G1 sphericity, the fraction of the lesion volume inside the sphere of diameter S2
      centred on the lesion centroid
    - G2 irregularity, 1 - pi S2² / S3
    - G3 surface area to volume ratio, S3 / S1 (1/mm)

    Definitions of S1-S3, S5 and G2-G3 from Magn Reson Imaging 2021;82:111-121,
    Appendix A. G1 follows its description in Chen et al. (Acad Radiol 2010), with the
    formula inferred.

    Parameters
    ----------
    mask : ndarray of bool, 3-D
        Lesion mask.
    spacing : sequence of 3 float
        Voxel size (z, y, x) in mm.

    Returns
    -------
    dict
        Keys ``"S1"``, ``"S2"``, ``"S3"``, ``"S5"``, ``"G1"``, ``"G2"``, ``"G3"``.
    """
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        raise RadiogenomicsError("the lesion mask is empty; check the segmentation or seed")
    spacing = np.asarray(spacing, dtype=float)
    volume = float(mask.sum() * np.prod(spacing))
    diameter = (6.0 * volume / np.pi) ** (1.0 / 3.0)
    area = voxel_face_area(mask, spacing)

    points = np.argwhere(mask) * spacing
    centroid = points.mean(axis=0)
    inside = np.linalg.norm(points - centroid, axis=1) <= diameter / 2.0

    return {
        "S1": volume,
        "S2": float(diameter),
        "S3": area,
        "S5": maximum_diameter(mask, spacing),
        "G1": float(inside.mean()),
        "G2": float(1.0 - np.pi * diameter**2 / area),
        "G3": area / volume,
    }
