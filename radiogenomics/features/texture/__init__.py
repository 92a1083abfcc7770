"""IBSI texture families: GLCM, GLRLM, GLSZM, GLDZM, NGTDM and NGLDM.

Every family takes the same inputs and returns a flat ``dict`` of floats:

``levels``
    Integer array (z, y, x) of discretised grey levels 1..``n_levels``; a 2-D array is one
    slice. Values outside ``roi`` are ignored. The 2D and 2.5D methods treat each index of
    the first axis as a slice.
``roi``
    Boolean intensity mask of the same shape (0/1 integers are accepted).
``n_levels``
    Number of grey levels :math:`N_g` of the discretisation, including levels absent from
    the ROI (it enters the normalised GLCM features).
``aggregation``
    One method name or a sequence of them; all requested methods share one set of matrices.
    GLCM and GLRLM: ``"2d_avg"``, ``"2d_mrg"``, ``"2.5d_avg"``, ``"2.5d_mrg"``, ``"3d_avg"``,
    ``"3d_mrg"``. GLSZM, GLDZM, NGTDM, NGLDM: ``"2d"``, ``"2.5d"``, ``"3d"`` (the directional
    names are accepted and mapped to these). See :mod:`.aggregation` for IBSI codes.

Keys are the IBSI tag plus the method's suffix, e.g. ``cm_joint_max_3D_avg``,
``rlm_sre_2D_comb``, ``szm_sze_2_5D``; :data:`TEXTURE_FEATURES` lists every tag with its
IBSI code and PyRadiomics name, and :func:`column_name` builds a key. Features that a
degenerate ROI leaves undefined (no voxel pairs, a single grey level) are NaN.

Examples
--------
Diagonal neighbours join zones in 2D, so this slice has two zones of 3 voxels and the small
zone emphasis is 1/9.

>>> import numpy as np
>>> from radiogenomics.features import texture
>>> levels = np.array([[[1, 1, 2], [2, 2, 1]]])
>>> round(texture.glszm_features(levels, levels > 0, 2, "2d")["szm_sze_2D"], 4)
0.1111
"""

from radiogenomics.features.texture._validation import TextureInputError
from radiogenomics.features.texture.aggregation import (
    DIRECTIONAL_AGGREGATIONS,
    VOLUME_AGGREGATIONS,
)
from radiogenomics.features.texture.catalogue import (
    FAMILIES,
    TEXTURE_FEATURES,
    TextureFeature,
    column_name,
)
from radiogenomics.features.texture.glcm import glcm_features
from radiogenomics.features.texture.glrlm import glrlm_features
from radiogenomics.features.texture.ngldm import ngldm_features
from radiogenomics.features.texture.ngtdm import ngtdm_features
from radiogenomics.features.texture.zones import gldzm_features, glszm_features

__all__ = [
    "DIRECTIONAL_AGGREGATIONS",
    "FAMILIES",
    "TEXTURE_FEATURES",
    "VOLUME_AGGREGATIONS",
    "TextureFeature",
    "TextureInputError",
    "column_name",
    "glcm_features",
    "gldzm_features",
    "glrlm_features",
    "glszm_features",
    "ngldm_features",
    "ngtdm_features",
]
