"""Calls into the texture families of :mod:`radiogenomics.features.texture`."""

from __future__ import annotations

import numpy as np


def texture_features(levels, roi, level_count, families, settings, morph_roi=None):
    """Compute the requested texture families on a discretised ROI.

    Parameters
    ----------
    levels : numpy.ndarray of int
        Grey levels ``1..level_count`` inside ``roi``.
    roi : numpy.ndarray of bool
        Intensity mask.
    level_count : int
        Number of grey levels ``Ng``.
    families : sequence of str
        Names from ``("glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm")``.
    settings : Settings
        Supplies the aggregation methods, neighbour distance and NGLDM coarseness.
    morph_roi : numpy.ndarray of bool, optional
        Morphological mask, which sets the distance to the edge of GLDZM zones.

    Returns
    -------
    dict
        Feature name (IBSI tag and aggregation suffix) -> value.
    """
    from radiogenomics.features import texture

    aggregation = settings.texture_aggregation
    distance = settings.texture_distance
    calls = {
        "glcm": lambda: texture.glcm_features(levels, roi, level_count, aggregation, distance),
        "glrlm": lambda: texture.glrlm_features(levels, roi, level_count, aggregation),
        "glszm": lambda: texture.glszm_features(levels, roi, level_count, aggregation),
        "gldzm": lambda: texture.gldzm_features(
            levels, roi, level_count, aggregation, morph_roi=morph_roi
        ),
        "ngtdm": lambda: texture.ngtdm_features(levels, roi, level_count, aggregation, distance),
        "ngldm": lambda: texture.ngldm_features(
            levels, roi, level_count, aggregation, distance, settings.ngldm_coarseness
        ),
    }
    features: dict[str, float] = {}
    for family in families:
        features.update(calls[family]())
    return {name: float(value) if value is not None else np.nan for name, value in features.items()}
