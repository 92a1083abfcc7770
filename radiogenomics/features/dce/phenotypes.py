"""The 36 UChicago DCE-MRI phenotypes of one lesion in one call."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features.dce.geometry import (
    GEOMETRY_COLUMNS,
    SIZE_COLUMNS,
    size_geometry_features,
)
from radiogenomics.features.dce.kinetics import (
    KINETIC_COLUMNS,
    VARIANCE_COLUMNS,
    characteristic_curve,
    enhancement_variance_curve,
    kinetic_features,
    variance_features,
)
from radiogenomics.features.dce.margin import MARGIN_COLUMNS, margin_features
from radiogenomics.features.dce.segmentation import segment_lesion
from radiogenomics.features.dce.series import DCESeries, check_mask
from radiogenomics.features.dce.settings import check_dce_setting
from radiogenomics.features.dce.texture import TEXTURE_COLUMNS, texture_features

logger = logging.getLogger(__name__)

_ALL_COLUMNS = {
    **KINETIC_COLUMNS,
    **VARIANCE_COLUMNS,
    **TEXTURE_COLUMNS,
    **GEOMETRY_COLUMNS,
    **MARGIN_COLUMNS,
    **SIZE_COLUMNS,
}

# Symbol order of the UChicago TCGA-BRCA table, whose column names the output reuses.
_TABLE_ORDER = (
    [f"K{k}" for k in range(1, 8)]
    + [f"E{k}" for k in range(1, 5)]
    + [f"T{k}" for k in range(1, 15)]
    + ["G1", "G2", "M1", "M2", "M3", "S1", "S2", "S3", "G3", "S4", "S5"]
)

#: Symbol (``"K1"``) to column name (``"Maximum enhancement (K1)"``), in table order.
DCE_PHENOTYPES = {symbol: _ALL_COLUMNS[symbol] for symbol in _TABLE_ORDER}


def compute_dce_phenotypes(
    series: DCESeries,
    seed: Sequence[int] | None = None,
    box: Sequence[int] | None = None,
    mask: np.ndarray | None = None,
    *,
    first_postcontrast_time: float = 60.0,
    fuzziness: float = 2.0,
    membership_threshold: float = 0.5,
    roi_radius_mm: float = 40.0,
    kinetic_clusters: int = 4,
    gray_levels: int = 32,
    random_state: int = 0,
) -> pd.Series:
    """Segment a lesion (unless a mask is given) and compute its 36 DCE-MRI phenotypes.

    Kinetics (K1-K7) come from the characteristic kinetic curve, enhancement-variance
    kinetics (E1-E4) from the variance of relative enhancement over the lesion, texture
    (T1-T14) and margin (M1-M3) from the first post-contrast frame, and size and
    geometry (S1-S5, G1-G3) from the mask. S4 is the volume of the voxels assigned to
    the characteristic curve's cluster.

    Parameters
    ----------
    series : DCESeries
        The dynamic series.
    seed, box : optional
        Seed voxel (z, y, x) or box (z0, z1, y0, y1, x0, x1) for
        :func:`~radiogenomics.features.dce.segmentation.segment_lesion`.
    mask : ndarray of bool, optional
        A lesion mask on the series grid; segmentation is skipped. Give exactly one of
        ``seed``, ``box`` and ``mask``.
    first_postcontrast_time : float
        Kinetic-clock time (s) of the first post-contrast frame; 60 s as in the
        UChicago table.
    fuzziness, membership_threshold, roi_radius_mm
        Segmentation settings, see ``segment_lesion``.
    kinetic_clusters : int
        Number of fuzzy c-means clusters of the voxels' enhancement curves, at least 2.
    gray_levels : int
        Gray levels of the texture quantisation, at least 2.
    random_state : int
        Seed of every fuzzy c-means initialisation, in [0, 2**32 - 1].

    Returns
    -------
    pandas.Series
        36 values named as the columns of the UChicago TCGA-BRCA table
        (``"Maximum enhancement (K1)"`` ...), in that table's order. Units: fractions for
        enhancement, s for times, 1/s for rates, mm, mm² and mm³ for sizes, 1/mm for G3
        and M1, 1/mm² for M2; the other phenotypes have no unit.

    Raises
    ------
    DCESettingsError
        If a setting has the wrong type or lies out of range, with the same rule as
        :func:`~radiogenomics.features.dce.cases.resolve_dce_settings`.
    SegmentationError
        If the seed or box is invalid or segmentation fails.
    """
    given = sum(x is not None for x in (seed, box, mask))
    if given != 1:
        raise RadiogenomicsError(
            f"give exactly one of seed, box or mask (got {given}); a mask skips segmentation"
        )
    settings = {
        "first_postcontrast_time": first_postcontrast_time,
        "fuzziness": fuzziness,
        "membership_threshold": membership_threshold,
        "roi_radius_mm": roi_radius_mm,
        "kinetic_clusters": kinetic_clusters,
        "gray_levels": gray_levels,
        "random_state": random_state,
    }
    for name, value in settings.items():
        check_dce_setting(name, value)

    if mask is None:
        mask = segment_lesion(
            series,
            seed=seed,
            box=box,
            roi_radius_mm=roi_radius_mm,
            fuzziness=fuzziness,
            membership_threshold=membership_threshold,
            random_state=random_state,
        )
    else:
        mask = check_mask(mask, series.shape)
    if mask.sum() < 8:
        raise RadiogenomicsError(
            f"the lesion mask contains {int(mask.sum())} voxel(s); at least 8 are needed for "
            "texture, margin and kinetic clustering"
        )

    times = series.kinetic_times(first_postcontrast_time)
    enhancement = series.relative_enhancement(mask)
    ckc = characteristic_curve(
        enhancement, n_clusters=kinetic_clusters, fuzziness=fuzziness, random_state=random_state
    )
    values = kinetic_features(ckc.curve, times)
    values.update(variance_features(enhancement_variance_curve(enhancement), times))

    # Texture, margin and size only need the lesion and two voxels around it, which keeps
    # the central-difference gradient at the margin the same as on the whole frame.
    crop = _bounding_box(mask, padding=2)
    first_post, lesion = series.frames[1][crop], mask[crop]
    values.update(texture_features(first_post, lesion, levels=gray_levels))
    values.update(margin_features(first_post, lesion, series.spacing))
    values.update(size_geometry_features(lesion, series.spacing))
    # NOTE: S4's algorithm is unpublished. In the UChicago table S4 grows only as about
    # S1^0.27 (median 72 mm³), whereas this cluster volume grows in proportion to S1, so
    # lesions above about 5,000 mm³ can exceed the table's largest S4 (786 mm³).
    values["S4"] = float(ckc.voxels.sum() * series.voxel_volume)

    return pd.Series(
        {column: values[symbol] for symbol, column in DCE_PHENOTYPES.items()}, dtype=float
    )


def _bounding_box(mask: np.ndarray, padding: int) -> tuple[slice, ...]:
    """Return the slices of the mask's bounding box grown by ``padding`` voxels."""
    indices = np.argwhere(mask)
    low = np.maximum(indices.min(axis=0) - padding, 0)
    high = np.minimum(indices.max(axis=0) + padding + 1, mask.shape)
    return tuple(slice(int(a), int(b)) for a, b in zip(low, high, strict=True))
