"""Catalogue of the features: column name, IBSI code, family, unit and PyRadiomics name.

Column names are the feature tags of the IBSI 1 reference tables (``morph_volume``,
``stat_mean`` ...). Texture columns add the suffix of their aggregation method
(``cm_joint_max_3D_avg``). The PyRadiomics name is given where PyRadiomics 3.x computes
the same quantity with default settings; differences are described in the ``note`` column.
Units: ``IU`` is the image intensity unit (HU for CT), ``GL`` a discretised grey level.
"""

from __future__ import annotations

from typing import NamedTuple


class Feature(NamedTuple):
    """One catalogue entry."""

    column: str
    ibsi_code: str
    family: str
    name: str
    unit: str
    pyradiomics_name: str | None
    note: str = ""


# Family name -> IBSI code of the family.
FAMILY_CODES = {
    "morphology": "HCUG",
    "local_intensity": "9ST6",
    "intensity": "UHIW",
    "histogram": "ZVCW",
    "ivh": "P88C",
}

_KURTOSIS_NOTE = "PyRadiomics reports kurtosis, not excess kurtosis: its value is this + 3"
_MESH_NOTE = (
    "PyRadiomics triangulates marching cubes its own way: on its brain1 test case the "
    "volume differs by 0.02 % and the area by 0.5 % from scikit-image's mesh used here"
)
_AXIS_NOTE = (
    "PyRadiomics divides the position covariance by N, IBSI (and this engine) by N - 1: "
    "multiply by sqrt((N - 1) / N) to get PyRadiomics' value"
)
_SHIFT_NOTE = (
    "PyRadiomics adds voxelArrayShift (default 0; 2000 in its test baseline) to each "
    "intensity first"
)

_NON_TEXTURE = (
    # column, IBSI code, family, name, unit, PyRadiomics name, note
    ("morph_volume", "RNU0", "morphology", "volume (mesh)", "mm^3", "shape_MeshVolume", _MESH_NOTE),
    (
        "morph_vol_approx",
        "YEKZ",
        "morphology",
        "volume (voxel counting)",
        "mm^3",
        "shape_VoxelVolume",
        "",
    ),
    (
        "morph_area_mesh",
        "C0JK",
        "morphology",
        "surface area (mesh)",
        "mm^2",
        "shape_SurfaceArea",
        _MESH_NOTE,
    ),
    (
        "morph_av",
        "2PR5",
        "morphology",
        "surface to volume ratio",
        "1/mm",
        "shape_SurfaceVolumeRatio",
        _MESH_NOTE,
    ),
    ("morph_comp_1", "SKGS", "morphology", "compactness 1", "1", None, ""),
    ("morph_comp_2", "BQWJ", "morphology", "compactness 2", "1", None, ""),
    ("morph_sph_dispr", "KRCK", "morphology", "spherical disproportion", "1", None, ""),
    ("morph_sphericity", "QCFX", "morphology", "sphericity", "1", "shape_Sphericity", _MESH_NOTE),
    ("morph_asphericity", "25C7", "morphology", "asphericity", "1", None, ""),
    ("morph_com", "KLMA", "morphology", "centre of mass shift", "mm", None, ""),
    (
        "morph_diam",
        "L0JK",
        "morphology",
        "maximum 3D diameter",
        "mm",
        "shape_Maximum3DDiameter",
        "",
    ),
    (
        "morph_pca_maj_axis",
        "TDIC",
        "morphology",
        "major axis length",
        "mm",
        "shape_MajorAxisLength",
        _AXIS_NOTE,
    ),
    (
        "morph_pca_min_axis",
        "P9VJ",
        "morphology",
        "minor axis length",
        "mm",
        "shape_MinorAxisLength",
        _AXIS_NOTE,
    ),
    (
        "morph_pca_least_axis",
        "7J51",
        "morphology",
        "least axis length",
        "mm",
        "shape_LeastAxisLength",
        _AXIS_NOTE,
    ),
    ("morph_pca_elongation", "Q3CK", "morphology", "elongation", "1", "shape_Elongation", ""),
    ("morph_pca_flatness", "N17B", "morphology", "flatness", "1", "shape_Flatness", ""),
    (
        "morph_vol_dens_aabb",
        "PBX1",
        "morphology",
        "volume density (axis-aligned bounding box)",
        "1",
        None,
        "",
    ),
    (
        "morph_area_dens_aabb",
        "R59B",
        "morphology",
        "area density (axis-aligned bounding box)",
        "1",
        None,
        "",
    ),
    (
        "morph_vol_dens_aee",
        "6BDE",
        "morphology",
        "volume density (approximate enclosing ellipsoid)",
        "1",
        None,
        "",
    ),
    (
        "morph_area_dens_aee",
        "RDD2",
        "morphology",
        "area density (approximate enclosing ellipsoid)",
        "1",
        None,
        "",
    ),
    (
        "morph_vol_dens_conv_hull",
        "R3ER",
        "morphology",
        "volume density (convex hull)",
        "1",
        None,
        "",
    ),
    (
        "morph_area_dens_conv_hull",
        "7T7F",
        "morphology",
        "area density (convex hull)",
        "1",
        None,
        "",
    ),
    ("morph_integ_int", "99N0", "morphology", "integrated intensity", "IU mm^3", None, ""),
    ("morph_moran_i", "N365", "morphology", "Moran's I index", "1", None, ""),
    ("morph_geary_c", "NPT7", "morphology", "Geary's C measure", "1", None, ""),
    ("loc_peak_loc", "VJGA", "local_intensity", "local intensity peak", "IU", None, ""),
    ("loc_peak_glob", "0F91", "local_intensity", "global intensity peak", "IU", None, ""),
    ("stat_mean", "Q4LE", "intensity", "mean", "IU", "firstorder_Mean", ""),
    ("stat_var", "ECT3", "intensity", "variance", "IU^2", "firstorder_Variance", ""),
    ("stat_skew", "KE2A", "intensity", "skewness", "1", "firstorder_Skewness", ""),
    (
        "stat_kurt",
        "IPH6",
        "intensity",
        "excess kurtosis",
        "1",
        "firstorder_Kurtosis",
        _KURTOSIS_NOTE,
    ),
    ("stat_median", "Y12H", "intensity", "median", "IU", "firstorder_Median", ""),
    ("stat_min", "1GSF", "intensity", "minimum", "IU", "firstorder_Minimum", ""),
    ("stat_p10", "QG58", "intensity", "10th percentile", "IU", "firstorder_10Percentile", ""),
    ("stat_p90", "8DWT", "intensity", "90th percentile", "IU", "firstorder_90Percentile", ""),
    ("stat_max", "84IY", "intensity", "maximum", "IU", "firstorder_Maximum", ""),
    (
        "stat_iqr",
        "SALO",
        "intensity",
        "interquartile range",
        "IU",
        "firstorder_InterquartileRange",
        "",
    ),
    ("stat_range", "2OJQ", "intensity", "range", "IU", "firstorder_Range", ""),
    (
        "stat_mad",
        "4FUA",
        "intensity",
        "mean absolute deviation",
        "IU",
        "firstorder_MeanAbsoluteDeviation",
        "",
    ),
    (
        "stat_rmad",
        "1128",
        "intensity",
        "robust mean absolute deviation",
        "IU",
        "firstorder_RobustMeanAbsoluteDeviation",
        "",
    ),
    ("stat_medad", "N72L", "intensity", "median absolute deviation", "IU", None, ""),
    ("stat_cov", "7TET", "intensity", "coefficient of variation", "1", None, ""),
    ("stat_qcod", "9S40", "intensity", "quartile coefficient of dispersion", "1", None, ""),
    ("stat_energy", "N8CA", "intensity", "energy", "IU^2", "firstorder_Energy", _SHIFT_NOTE),
    (
        "stat_rms",
        "5ZWQ",
        "intensity",
        "root mean square",
        "IU",
        "firstorder_RootMeanSquared",
        _SHIFT_NOTE,
    ),
    (
        "stat_total_energy",
        "",
        "intensity",
        "total energy (energy x voxel volume)",
        "IU^2 mm^3",
        "firstorder_TotalEnergy",
        "not an IBSI feature; " + _SHIFT_NOTE,
    ),
    ("ih_mean", "X6K6", "histogram", "mean", "GL", None, ""),
    ("ih_var", "CH89", "histogram", "variance", "GL^2", None, ""),
    ("ih_skew", "88K1", "histogram", "skewness", "1", None, ""),
    ("ih_kurt", "C3I7", "histogram", "excess kurtosis", "1", None, ""),
    ("ih_median", "WIFQ", "histogram", "median", "GL", None, ""),
    ("ih_min", "1PR8", "histogram", "minimum", "GL", None, ""),
    ("ih_p10", "GPMT", "histogram", "10th percentile", "GL", None, ""),
    ("ih_p90", "OZ0C", "histogram", "90th percentile", "GL", None, ""),
    ("ih_max", "3NCY", "histogram", "maximum", "GL", None, ""),
    ("ih_mode", "AMMC", "histogram", "mode", "GL", None, ""),
    ("ih_iqr", "WR0O", "histogram", "interquartile range", "GL", None, ""),
    ("ih_range", "5Z3W", "histogram", "range", "GL", None, ""),
    ("ih_mad", "D2ZX", "histogram", "mean absolute deviation", "GL", None, ""),
    ("ih_rmad", "WRZB", "histogram", "robust mean absolute deviation", "GL", None, ""),
    ("ih_medad", "4RNL", "histogram", "median absolute deviation", "GL", None, ""),
    ("ih_cov", "CWYJ", "histogram", "coefficient of variation", "1", None, ""),
    ("ih_qcod", "SLWD", "histogram", "quartile coefficient of dispersion", "1", None, ""),
    ("ih_entropy", "TLU2", "histogram", "entropy", "bit", "firstorder_Entropy", ""),
    ("ih_uniformity", "BJ5W", "histogram", "uniformity", "1", "firstorder_Uniformity", ""),
    ("ih_max_grad", "12CE", "histogram", "maximum histogram gradient", "voxels/GL", None, ""),
    ("ih_max_grad_g", "8E6O", "histogram", "maximum histogram gradient grey level", "GL", None, ""),
    ("ih_min_grad", "VQB3", "histogram", "minimum histogram gradient", "voxels/GL", None, ""),
    ("ih_min_grad_g", "RHQZ", "histogram", "minimum histogram gradient grey level", "GL", None, ""),
    ("ivh_v10", "BC2M", "ivh", "volume fraction at 10 % intensity", "1", None, ""),
    ("ivh_v90", "BC2M", "ivh", "volume fraction at 90 % intensity", "1", None, ""),
    ("ivh_i10", "GBPN", "ivh", "intensity at 10 % volume", "IU", None, ""),
    ("ivh_i90", "GBPN", "ivh", "intensity at 90 % volume", "IU", None, ""),
    (
        "ivh_diff_v10_v90",
        "DDTU",
        "ivh",
        "volume fraction difference, 10 % and 90 % intensity",
        "1",
        None,
        "",
    ),
    (
        "ivh_diff_i10_i90",
        "CNV2",
        "ivh",
        "intensity difference, 10 % and 90 % volume",
        "IU",
        None,
        "",
    ),
    ("ivh_auc", "9CMM", "ivh", "area under the IVH curve", "1", None, "not standardised by IBSI"),
)

FEATURES: tuple[Feature, ...] = tuple(Feature(*row) for row in _NON_TEXTURE)


_STAGES = {
    "init": "initial",
    "interp": "after interpolation",
    "reseg": "after re-segmentation",
}


def _diagnostic_rows() -> list[dict]:
    """List the IBSI diagnostic columns that ``Settings(diagnostics=True)`` adds."""
    rows = []

    def add(column, name, unit):
        rows.append(
            {
                "column": column,
                "ibsi_code": "",
                "family": "diagnostics",
                "family_code": "",
                "name": name,
                "unit": unit,
                "pyradiomics_name": None,
                "note": "",
            }
        )

    for stage in ("init", "interp"):
        for axis in "xyz":
            add(
                f"img_dim_{axis}_{stage}_img",
                f"image size along {axis}, {_STAGES[stage]}",
                "voxels",
            )
            add(f"vox_dim_{axis}_{stage}_img", f"voxel size along {axis}, {_STAGES[stage]}", "mm")
        for statistic in ("mean", "min", "max"):
            add(
                f"{statistic}_int_{stage}_img",
                f"{statistic} image intensity, {_STAGES[stage]}",
                "IU",
            )
    for stage in ("init", "interp", "reseg"):
        for mask in ("int_mask", "morph_mask"):
            kind = "intensity" if mask == "int_mask" else "morphological"
            for axis in "xyz":
                add(
                    f"{mask}_dim_{axis}_{stage}_roi",
                    f"{kind} mask size along {axis}, {_STAGES[stage]}",
                    "voxels",
                )
                add(
                    f"{mask}_bb_dim_{axis}_{stage}_roi",
                    f"{kind} mask bounding box along {axis}, {_STAGES[stage]}",
                    "voxels",
                )
            add(
                f"{mask}_vox_count_{stage}_roi",
                f"{kind} mask voxel count, {_STAGES[stage]}",
                "voxels",
            )
        for statistic in ("mean", "min", "max"):
            add(
                f"int_mask_{statistic}_int_{stage}_roi",
                f"{statistic} intensity in the intensity mask, {_STAGES[stage]}",
                "IU",
            )
    return rows


def catalogue(aggregations=("3d_avg", "3d_mrg"), diagnostics: bool = False) -> pandas.DataFrame:  # noqa: F821
    """Return the feature catalogue as a table, one row per output column.

    Parameters
    ----------
    aggregations : sequence of str
        Texture aggregation methods whose columns to list (see
        :mod:`radiogenomics.features.texture.aggregation`).
    diagnostics : bool
        Also list the IBSI diagnostic columns of ``Settings(diagnostics=True)``.

    Returns
    -------
    pandas.DataFrame
        Columns ``column``, ``ibsi_code``, ``family``, ``family_code``, ``name``, ``unit``,
        ``pyradiomics_name``, ``note``.
    """
    import pandas as pd

    from radiogenomics.features import texture
    from radiogenomics.features.texture.aggregation import parse_directional, parse_volume

    rows = _diagnostic_rows() if diagnostics else []
    for entry in FEATURES:
        rows.append({**entry._asdict(), "family_code": FAMILY_CODES[entry.family]})
    directional = parse_directional(aggregations) if _any_directional(aggregations) else []
    volume = parse_volume(aggregations)
    for feature in texture.TEXTURE_FEATURES:
        family_code, has_directions = texture.FAMILIES[feature.family]
        methods = directional if has_directions else volume
        for method in methods:
            rows.append(
                {
                    "column": texture.column_name(feature.name, method),
                    "ibsi_code": feature.ibsi_code,
                    "family": feature.family,
                    "family_code": family_code,
                    "name": feature.name,
                    "unit": "",
                    "pyradiomics_name": feature.pyradiomics_name
                    if method in ("3d_avg", "3d")
                    else None,
                    "note": f"aggregation {method}",
                }
            )
    columns = [
        "column",
        "ibsi_code",
        "family",
        "family_code",
        "name",
        "unit",
        "pyradiomics_name",
        "note",
    ]
    return pd.DataFrame(rows, columns=columns)


def _any_directional(aggregations) -> bool:
    from radiogenomics.features.texture.aggregation import DIRECTIONAL_AGGREGATIONS

    items = [aggregations] if isinstance(aggregations, str) else list(aggregations)
    return any(str(a).lower() in DIRECTIONAL_AGGREGATIONS for a in items)
