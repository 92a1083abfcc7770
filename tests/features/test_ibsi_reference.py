"""Non-texture features against the IBSI 1 consensus reference values."""

from __future__ import annotations

import math

import pytest

from radiogenomics.features.compliance import check_results, read_reference
from radiogenomics.features.pipeline import extract
from radiogenomics.features.settings import Settings

NON_TEXTURE = ("morphology", "local_intensity", "intensity", "histogram", "ivh")
CONFIGURATIONS = ("A", "B", "C", "D", "E")

# Reference values of configurations C, D and E from the IBSI 1 reference value sheets
# (Zwanenburg et al., Radiology 2020; 295:328-338, supplementary compliance tables),
# which the data directory does not hold: tag -> (reference value, tolerance).
REFERENCE_CDE = {
    "C": {
        "img_dim_x_interp_img": (100, 1),
        "img_dim_y_interp_img": (99, 0.8),
        "img_dim_z_interp_img": (90, 0),
        "mean_int_interp_img": (-270, 3),
        "max_int_interp_img": (1854, 30),
        "int_mask_vox_count_interp_roi": (45985, 100),
        "int_mask_mean_int_interp_roi": (-48.9, 0.1),
        "int_mask_vox_count_reseg_roi": (45981, 700),
        "morph_volume": (367000, 6000),
        "morph_area_mesh": (34300, 400),
        "morph_com": (45.6, 2.8),
        "morph_diam": (125, 1),
        "morph_pca_maj_axis": (93.3, 0.5),
        "morph_pca_least_axis": (70.9, 0.4),
        "morph_area_dens_aee": (1.62, 0.01),
        "morph_vol_dens_conv_hull": (0.834, 0.002),
        "morph_integ_int": (-18000000, 1400000),
        "morph_moran_i": (0.0824, 0.0003),
        "morph_geary_c": (0.846, 0.001),
        "loc_peak_loc": (169, 10),
        "loc_peak_glob": (180, 5),
        "stat_mean": (-49, 2.9),
        "stat_var": (50600, 1400),
        "stat_p10": (-424, 14),
        "stat_medad": (119, 4),
        "ih_mean": (38.6, 0.2),
        "ih_min": (3, 0.16),
        "ih_mode": (43, 0.1),
        "ih_entropy": (3.73, 0.04),
        "ih_max_grad": (4750, 30),
        "ih_min_grad_g": (44, 0),
        "ivh_v10": (0.998, 0.001),
        "ivh_v90": (0.000152, 0.00002),
        "ivh_i10": (88.8, 0.2),
        "ivh_i90": (-421, 14),
        "ivh_diff_i10_i90": (510, 14),
    },
    "D": {
        "int_mask_vox_count_reseg_roi": (44465, 800),
        "morph_com": (64.9, 2.8),
        "morph_moran_i": (0.0622, 0.0013),
        "morph_geary_c": (0.851, 0.001),
        "loc_peak_loc": (201, 10),
        "loc_peak_glob": (201, 5),
        "stat_mean": (-23.5, 3.9),
        "stat_var": (32800, 2100),
        "stat_min": (-724, 12),
        "stat_max": (521, 22),
        "ih_mean": (18.5, 0.5),
        "ih_var": (21.7, 0.4),
        "ih_entropy": (2.94, 0.01),
        "ih_max_grad": (7260, 200),
        "ivh_v10": (0.972, 0.003),
        "ivh_i10": (87, 0.1),
        "ivh_i90": (-303, 20),
    },
    "E": {
        "min_int_interp_img": (-1111, 10),
        "max_int_interp_img": (2637, 30),
        "int_mask_mean_int_interp_roi": (-48.3, 0.1),
        "int_mask_max_int_interp_roi": (627, 5),
        "int_mask_vox_count_reseg_roi": (44484, 800),
        "morph_com": (68.5, 2.1),
        "morph_moran_i": (0.0596, 0.0014),
        "morph_geary_c": (0.853, 0.001),
        "loc_peak_loc": (181, 13),
        "loc_peak_glob": (181, 5),
        "stat_mean": (-22.6, 4.1),
        "stat_var": (35100, 2200),
        "ih_mean": (21.7, 0.3),
        "ih_var": (30.4, 0.8),
        "ih_entropy": (3.22, 0.02),
        "ih_min_grad": (-6110, 180),
        "ivh_v10": (0.975, 0.002),
        "ivh_i10": (770, 5),
        "ivh_i90": (399, 17),
        "ivh_diff_i10_i90": (371, 13),
    },
}


# Texture values of the same sheets, checked through the whole pipeline (discretisation
# and the hand-over of grey levels and masks to the texture families).
TEXTURE_CDE = {
    "C": {
        "cm_joint_max_3D_avg": (0.111, 0.002),
        "cm_joint_var_3D_comb": (73.8, 2),
        "rlm_sre_3D_avg": (0.786, 0.003),
        "rlm_glnu_3D_comb": (41300, 100),
        "szm_sze_3D": (0.695, 0.001),
        "szm_lze_3D": (38900, 900),
        "dzm_sde_3D": (0.531, 0.006),
        "dzm_lde_3D": (11, 0.3),
        "ngt_coarseness_3D": (0.000216, 0.000004),
        "ngl_lde_3D": (0.137, 0.003),
    },
    "D": {
        "cm_joint_max_3D_avg": (0.232, 0.007),
        "cm_joint_avg_3D_avg": (18.9, 0.5),
        "cm_corr_3D_avg": (0.798, 0.005),
        "cm_info_corr2_3D_avg": (0.845, 0.003),
    },
    "E": {
        "cm_joint_max_3D_avg": (0.153, 0.003),
        "cm_joint_var_3D_avg": (24.4, 0.9),
        "cm_corr_3D_avg": (0.771, 0.006),
        "cm_clust_prom_3D_avg": (68900, 2100),
    },
}


@pytest.fixture(scope="module")
def ibsi(data_root):
    return data_root / "ibsi"


def _ct_paths(ibsi):
    folder = ibsi / "ibsi_1_ct_radiomics_phantom" / "nifti"
    return folder / "image" / "phantom.nii.gz", folder / "mask" / "mask.nii.gz"


def _non_texture_failures(table):
    rows = table[table["reference value"].notna() & ~table["family"].str.contains("matrix")]
    failing = rows[rows["check"] != True]  # noqa: E712
    return rows, [
        f"{r.tag}: reference {r['reference value']} +- {r.tolerance}, got {r['your result']}"
        for _, r in failing.iterrows()
    ]


def test_digital_phantom_matches_reference(ibsi):
    folder = ibsi / "ibsi_1_digital_phantom" / "nifti"
    settings = Settings.ibsi("phantom")
    settings.families = NON_TEXTURE
    result = extract(folder / "image" / "phantom.nii.gz", folder / "mask" / "mask.nii.gz", settings)
    reference = read_reference(
        ibsi / "reference_values" / "ibsi_1_reference_values_digital_phantom.csv"
    )
    rows, failures = _non_texture_failures(check_results(reference, result))
    assert len(rows) == 74
    assert failures == []


@pytest.mark.slow
@pytest.mark.parametrize("configuration", ["A", "B"])
def test_ct_phantom_matches_reference_table(ibsi, configuration):
    image, mask = _ct_paths(ibsi)
    settings = Settings.ibsi(configuration)
    settings.families = NON_TEXTURE
    settings.diagnostics = True
    result = extract(image, mask, settings)
    reference = read_reference(
        ibsi / "reference_values" / f"ibsi_1_reference_values_config_{configuration}.csv"
    )
    rows, failures = _non_texture_failures(check_results(reference, result))
    assert len(rows) == 134
    assert failures == []


@pytest.mark.slow
@pytest.mark.parametrize("diagnostics", [True, False], ids=["whole_image", "cropped"])
@pytest.mark.parametrize("configuration", ["C", "D", "E"])
def test_ct_phantom_matches_reference_values(ibsi, configuration, diagnostics):
    # Without diagnostics the image is cropped around the ROI before interpolation.
    image, mask = _ct_paths(ibsi)
    settings = Settings.ibsi(configuration)
    settings.families = NON_TEXTURE
    settings.diagnostics = diagnostics
    result = extract(image, mask, settings)
    expected = {
        tag: reference
        for tag, reference in REFERENCE_CDE[configuration].items()
        if diagnostics or not tag.endswith(("_img", "_roi"))
    }
    assert set(expected) <= set(result)
    failures = [
        f"{tag}: reference {value} +- {tolerance}, got {result[tag]}"
        for tag, (value, tolerance) in expected.items()
        if not math.isclose(result[tag], value, rel_tol=0, abs_tol=tolerance + 1e-9)
        and not (tolerance == 0 and round(result[tag]) == value)
    ]
    assert failures == []


@pytest.mark.slow
@pytest.mark.parametrize("configuration", ["C", "D", "E"])
def test_ct_phantom_texture_through_pipeline(ibsi, configuration):
    image, mask = _ct_paths(ibsi)
    result = extract(image, mask, Settings.ibsi(configuration))
    failures = [
        f"{tag}: reference {value} +- {tolerance}, got {result[tag]}"
        for tag, (value, tolerance) in TEXTURE_CDE[configuration].items()
        if not math.isclose(result[tag], value, rel_tol=0, abs_tol=tolerance + 1e-12)
    ]
    assert failures == []
