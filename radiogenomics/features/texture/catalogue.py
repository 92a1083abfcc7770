"""Catalogue of the texture features: family, IBSI tag, IBSI code and PyRadiomics name.

A column name is the IBSI tag followed by the suffix of its aggregation method, for example
``cm_joint_max`` + ``3D_avg``; see :func:`column_name`.

The PyRadiomics name is given where PyRadiomics computes the same quantity, and the test
suite checks each against the PyRadiomics brain1 baseline to 1e-9. PyRadiomics' 3D GLCM and
GLRLM are the IBSI ``3d_avg`` methods (features per direction, averaged). Its GLSZM, NGTDM
and GLDM are the ``3d`` methods. With ``force2D`` they become ``2.5d_avg`` and ``2.5d``.
Differences:

- PyRadiomics has no GLDZM, no normalised NGLDM grey level non-uniformity and no dependence
  count percentage or energy. Its GLCM has no sum variance or dissimilarity, which equal
  cluster tendency and difference average. These IBSI features have no PyRadiomics name.
- PyRadiomics' GLCM ``MCC`` (maximal correlation coefficient) has no IBSI definition and is
  not computed here.
- PyRadiomics sets :math:`N_g` of the normalised inverse difference (moment) to the highest
  grey level in the ROI; pass that as ``n_levels`` to reproduce it.
- Where a denominator is zero (a flat region, a single voxel), PyRadiomics 3.x returns
  fixed values: 1 for the GLCM correlation, :math:`10^6` for NGTDM coarseness and 0 for
  NGTDM busyness and strength. Here those features are NaN, with a logged reason.
"""

from __future__ import annotations

from typing import NamedTuple

from radiogenomics.features.texture.aggregation import (
    DIRECTIONAL_AGGREGATIONS,
    VOLUME_AGGREGATIONS,
)


class TextureFeature(NamedTuple):
    """One texture feature: family, IBSI tag (column stem), IBSI code, PyRadiomics name."""

    family: str
    name: str
    ibsi_code: str
    pyradiomics_name: str | None


# Family name, IBSI code of the family, and whether its aggregation methods have directions.
FAMILIES: dict[str, tuple[str, bool]] = {
    "glcm": ("LFYI", True),
    "glrlm": ("TP0I", True),
    "glszm": ("9SAK", False),
    "gldzm": ("VMDZ", False),
    "ngtdm": ("IPET", False),
    "ngldm": ("REK0", False),
}

_ROWS = {
    "glcm": (
        ("cm_joint_max", "GYBY", "glcm_MaximumProbability"),
        ("cm_joint_avg", "60VM", "glcm_JointAverage"),
        ("cm_joint_var", "UR99", "glcm_SumSquares"),
        ("cm_joint_entr", "TU9B", "glcm_JointEntropy"),
        ("cm_diff_avg", "TF7R", "glcm_DifferenceAverage"),
        ("cm_diff_var", "D3YU", "glcm_DifferenceVariance"),
        ("cm_diff_entr", "NTRS", "glcm_DifferenceEntropy"),
        ("cm_sum_avg", "ZGXS", "glcm_SumAverage"),
        ("cm_sum_var", "OEEB", None),
        ("cm_sum_entr", "P6QZ", "glcm_SumEntropy"),
        ("cm_energy", "8ZQL", "glcm_JointEnergy"),
        ("cm_contrast", "ACUI", "glcm_Contrast"),
        ("cm_dissimilarity", "8S9J", None),
        ("cm_inv_diff", "IB1Z", "glcm_Id"),
        ("cm_inv_diff_norm", "NDRX", "glcm_Idn"),
        ("cm_inv_diff_mom", "WF0Z", "glcm_Idm"),
        ("cm_inv_diff_mom_norm", "1QCO", "glcm_Idmn"),
        ("cm_inv_var", "E8JP", "glcm_InverseVariance"),
        ("cm_corr", "NI2N", "glcm_Correlation"),
        ("cm_auto_corr", "QWB0", "glcm_Autocorrelation"),
        ("cm_clust_tend", "DG8W", "glcm_ClusterTendency"),
        ("cm_clust_shade", "7NFM", "glcm_ClusterShade"),
        ("cm_clust_prom", "AE86", "glcm_ClusterProminence"),
        ("cm_info_corr1", "R8DG", "glcm_Imc1"),
        ("cm_info_corr2", "JN9H", "glcm_Imc2"),
    ),
    "glrlm": (
        ("rlm_sre", "22OV", "glrlm_ShortRunEmphasis"),
        ("rlm_lre", "W4KF", "glrlm_LongRunEmphasis"),
        ("rlm_lgre", "V3SW", "glrlm_LowGrayLevelRunEmphasis"),
        ("rlm_hgre", "G3QZ", "glrlm_HighGrayLevelRunEmphasis"),
        ("rlm_srlge", "HTZT", "glrlm_ShortRunLowGrayLevelEmphasis"),
        ("rlm_srhge", "GD3A", "glrlm_ShortRunHighGrayLevelEmphasis"),
        ("rlm_lrlge", "IVPO", "glrlm_LongRunLowGrayLevelEmphasis"),
        ("rlm_lrhge", "3KUM", "glrlm_LongRunHighGrayLevelEmphasis"),
        ("rlm_glnu", "R5YN", "glrlm_GrayLevelNonUniformity"),
        ("rlm_glnu_norm", "OVBL", "glrlm_GrayLevelNonUniformityNormalized"),
        ("rlm_rlnu", "W92Y", "glrlm_RunLengthNonUniformity"),
        ("rlm_rlnu_norm", "IC23", "glrlm_RunLengthNonUniformityNormalized"),
        ("rlm_r_perc", "9ZK5", "glrlm_RunPercentage"),
        ("rlm_gl_var", "8CE5", "glrlm_GrayLevelVariance"),
        ("rlm_rl_var", "SXLW", "glrlm_RunVariance"),
        ("rlm_rl_entr", "HJ9O", "glrlm_RunEntropy"),
    ),
    "glszm": (
        ("szm_sze", "5QRC", "glszm_SmallAreaEmphasis"),
        ("szm_lze", "48P8", "glszm_LargeAreaEmphasis"),
        ("szm_lgze", "XMSY", "glszm_LowGrayLevelZoneEmphasis"),
        ("szm_hgze", "5GN9", "glszm_HighGrayLevelZoneEmphasis"),
        ("szm_szlge", "5RAI", "glszm_SmallAreaLowGrayLevelEmphasis"),
        ("szm_szhge", "HW1V", "glszm_SmallAreaHighGrayLevelEmphasis"),
        ("szm_lzlge", "YH51", "glszm_LargeAreaLowGrayLevelEmphasis"),
        ("szm_lzhge", "J17V", "glszm_LargeAreaHighGrayLevelEmphasis"),
        ("szm_glnu", "JNSA", "glszm_GrayLevelNonUniformity"),
        ("szm_glnu_norm", "Y1RO", "glszm_GrayLevelNonUniformityNormalized"),
        ("szm_zsnu", "4JP3", "glszm_SizeZoneNonUniformity"),
        ("szm_zsnu_norm", "VB3A", "glszm_SizeZoneNonUniformityNormalized"),
        ("szm_z_perc", "P30P", "glszm_ZonePercentage"),
        ("szm_gl_var", "BYLV", "glszm_GrayLevelVariance"),
        ("szm_zs_var", "3NSA", "glszm_ZoneVariance"),
        ("szm_zs_entr", "GU8N", "glszm_ZoneEntropy"),
    ),
    "gldzm": (
        ("dzm_sde", "0GBI", None),
        ("dzm_lde", "MB4I", None),
        ("dzm_lgze", "S1RA", None),
        ("dzm_hgze", "K26C", None),
        ("dzm_sdlge", "RUVG", None),
        ("dzm_sdhge", "DKNJ", None),
        ("dzm_ldlge", "A7WM", None),
        ("dzm_ldhge", "KLTH", None),
        ("dzm_glnu", "VFT7", None),
        ("dzm_glnu_norm", "7HP3", None),
        ("dzm_zdnu", "V294", None),
        ("dzm_zdnu_norm", "IATH", None),
        ("dzm_z_perc", "VIWW", None),
        ("dzm_gl_var", "QK93", None),
        ("dzm_zd_var", "7WT1", None),
        ("dzm_zd_entr", "GBDU", None),
    ),
    "ngtdm": (
        ("ngt_coarseness", "QCDE", "ngtdm_Coarseness"),
        ("ngt_contrast", "65HE", "ngtdm_Contrast"),
        ("ngt_busyness", "NQ30", "ngtdm_Busyness"),
        ("ngt_complexity", "HDEZ", "ngtdm_Complexity"),
        ("ngt_strength", "1X9X", "ngtdm_Strength"),
    ),
    "ngldm": (
        ("ngl_lde", "SODN", "gldm_SmallDependenceEmphasis"),
        ("ngl_hde", "IMOQ", "gldm_LargeDependenceEmphasis"),
        ("ngl_lgce", "TL9H", "gldm_LowGrayLevelEmphasis"),
        ("ngl_hgce", "OAE7", "gldm_HighGrayLevelEmphasis"),
        ("ngl_ldlge", "EQ3F", "gldm_SmallDependenceLowGrayLevelEmphasis"),
        ("ngl_ldhge", "JA6D", "gldm_SmallDependenceHighGrayLevelEmphasis"),
        ("ngl_hdlge", "NBZI", "gldm_LargeDependenceLowGrayLevelEmphasis"),
        ("ngl_hdhge", "9QMG", "gldm_LargeDependenceHighGrayLevelEmphasis"),
        ("ngl_glnu", "FP8K", "gldm_GrayLevelNonUniformity"),
        ("ngl_glnu_norm", "5SPA", None),
        ("ngl_dcnu", "Z87G", "gldm_DependenceNonUniformity"),
        ("ngl_dcnu_norm", "OKJI", "gldm_DependenceNonUniformityNormalized"),
        ("ngl_dc_perc", "6XV8", None),
        ("ngl_gl_var", "1PFV", "gldm_GrayLevelVariance"),
        ("ngl_dc_var", "DNX2", "gldm_DependenceVariance"),
        ("ngl_dc_entr", "FCBV", "gldm_DependenceEntropy"),
        ("ngl_dc_energy", "CAS9", None),
    ),
}

TEXTURE_FEATURES: list[TextureFeature] = [
    TextureFeature(family, name, code, pyradiomics)
    for family, rows in _ROWS.items()
    for name, code, pyradiomics in rows
]


def column_name(name: str, aggregation: str) -> str:
    """Return the column name of feature ``name`` under an aggregation method.

    >>> column_name("cm_joint_max", "3d_avg")
    'cm_joint_max_3D_avg'
    >>> column_name("szm_sze", "2.5d")
    'szm_sze_2_5D'
    """
    method = DIRECTIONAL_AGGREGATIONS.get(aggregation) or VOLUME_AGGREGATIONS.get(aggregation)
    if method is None:
        known = sorted(DIRECTIONAL_AGGREGATIONS) + sorted(VOLUME_AGGREGATIONS)
        raise KeyError(f"unknown aggregation {aggregation!r}: use one of {known}")
    return f"{name}_{method.suffix}"
