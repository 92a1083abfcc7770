"""Texture families on small hand-made ROIs: closed-form values, degenerate ROIs, bad input."""

from __future__ import annotations

import doctest
import importlib
import logging

import numpy as np
import pytest

from radiogenomics.errors import RadiogenomicsError
from radiogenomics.features import texture
from radiogenomics.features.texture import TextureInputError

ALL_FAMILIES = [
    (texture.glcm_features, "3d_avg"),
    (texture.glrlm_features, "3d_avg"),
    (texture.glszm_features, "3d"),
    (texture.gldzm_features, "3d"),
    (texture.ngtdm_features, "3d"),
    (texture.ngldm_features, "3d"),
]


def single_voxel() -> np.ndarray:
    levels = np.zeros((3, 5, 5), dtype=int)
    levels[1, 2, 2] = 3
    return levels


def constant_cube() -> np.ndarray:
    levels = np.zeros((5, 5, 5), dtype=int)
    levels[1:4, 1:4, 1:4] = 2
    return levels


def test_checkerboard_glcm_contrast():
    """Horizontal and vertical pairs differ by 1 and diagonal pairs are equal."""
    levels = np.array([[1, 2, 1, 2], [2, 1, 2, 1], [1, 2, 1, 2], [2, 1, 2, 1]])
    result = texture.glcm_features(levels, np.ones_like(levels), 2, ["2d_avg", "2d_mrg"])
    assert result["cm_contrast_2D_avg"] == pytest.approx(0.5)
    # Merged: 2 x 12 differing pairs (horizontal, vertical), 2 x 9 equal pairs (diagonals).
    assert result["cm_contrast_2D_comb"] == pytest.approx(24 / 42)
    assert result["cm_joint_avg_2D_avg"] == pytest.approx(1.5)


def test_line_runs_all_length_one():
    """Four voxels 1, 2, 1, 3 on a line: every run in every direction has length 1."""
    levels = np.zeros((3, 3, 6), dtype=int)
    levels[1, 1, 1:5] = [1, 2, 1, 3]
    result = texture.glrlm_features(levels, levels > 0, 3, ["3d_avg", "3d_mrg"])
    for suffix in ("3D_avg", "3D_comb"):
        assert result[f"rlm_sre_{suffix}"] == pytest.approx(1.0)
        assert result[f"rlm_lre_{suffix}"] == pytest.approx(1.0)
        assert result[f"rlm_r_perc_{suffix}"] == pytest.approx(1.0)
    # Two runs of level 1, one of 2 and one of 3: GLNU = (2^2 + 1 + 1) / 4.
    assert result["rlm_glnu_3D_avg"] == pytest.approx(1.5)


def test_line_zones_and_distances():
    levels = np.zeros((3, 3, 6), dtype=int)
    levels[1, 1, 1:5] = [1, 2, 1, 3]
    zones = texture.glszm_features(levels, levels > 0, 3, "3d")
    distances = texture.gldzm_features(levels, levels > 0, 3, "3d")
    assert zones["szm_sze_3D"] == pytest.approx(1.0)
    assert zones["szm_z_perc_3D"] == pytest.approx(1.0)
    # Every voxel of a one-voxel-thick line touches the edge.
    assert distances["dzm_sde_3D"] == pytest.approx(1.0)
    assert distances["dzm_lde_3D"] == pytest.approx(1.0)


def test_constant_cube_values():
    """A 3 x 3 x 3 cube of one grey level: one zone of 27 voxels, equal pairs only."""
    levels = constant_cube()
    glcm = texture.glcm_features(levels, levels > 0, 4, "3d_mrg")
    assert glcm["cm_joint_max_3D_comb"] == pytest.approx(1.0)
    assert glcm["cm_contrast_3D_comb"] == pytest.approx(0.0)
    assert glcm["cm_joint_entr_3D_comb"] == pytest.approx(0.0)
    assert np.isnan(glcm["cm_corr_3D_comb"])

    zones = texture.glszm_features(levels, levels > 0, 4, "3d")
    assert zones["szm_lze_3D"] == pytest.approx(27.0**2)
    assert zones["szm_hgze_3D"] == pytest.approx(4.0)

    # The centre voxel has distance 2 to the edge; the zone distance is the minimum, 1.
    distances = texture.gldzm_features(levels, levels > 0, 4, "3d")
    assert distances["dzm_sde_3D"] == pytest.approx(1.0)

    dependence = texture.ngldm_features(levels, levels > 0, 4, "3d")
    # Dependence count = 1 + neighbours in the cube: corners 8, edges 12, faces 18,
    # centre 27 (8, 12, 6 and 1 voxels).
    expected_high = (8 * 8**2 + 12 * 12**2 + 6 * 18**2 + 27**2) / 27
    assert dependence["ngl_hde_3D"] == pytest.approx(expected_high)

    ngtdm = texture.ngtdm_features(levels, levels > 0, 4, "3d")
    assert np.isnan(ngtdm["ngt_coarseness_3D"])


def test_single_voxel_nan_with_reason(caplog):
    levels = single_voxel()
    with caplog.at_level(logging.WARNING, logger="radiogenomics.features.texture"):
        glcm = texture.glcm_features(levels, levels > 0, 4, "3d_avg")
        ngtdm = texture.ngtdm_features(levels, levels > 0, 4, "3d")
    assert all(np.isnan(v) for v in glcm.values())
    assert all(np.isnan(v) for v in ngtdm.values())
    assert "no two ROI voxels are 1 apart" in caplog.text
    assert "no ROI voxel has a neighbour" in caplog.text


def test_single_voxel_zone_features():
    levels = single_voxel()
    zones = texture.glszm_features(levels, levels > 0, 4, ["2d", "2.5d", "3d"])
    for suffix in ("2D", "2_5D", "3D"):
        assert zones[f"szm_sze_{suffix}"] == pytest.approx(1.0)
        assert zones[f"szm_lgze_{suffix}"] == pytest.approx(1 / 9)


@pytest.mark.parametrize("compute, method", ALL_FAMILIES)
def test_empty_roi_rejected(compute, method):
    levels = single_voxel()
    with pytest.raises(TextureInputError, match="ROI is empty"):
        compute(levels, np.zeros_like(levels, dtype=bool), 4, method)


@pytest.mark.parametrize("compute, method", ALL_FAMILIES)
def test_mask_0_255_rejected(compute, method):
    levels = constant_cube()
    with pytest.raises(TextureInputError, match=r"0 and 1.*255"):
        compute(levels, (levels > 0) * 255, 4, method)


@pytest.mark.parametrize("compute, method", ALL_FAMILIES)
def test_float_mask_same_as_boolean(compute, method):
    levels = np.zeros((4, 5, 5), dtype=int)
    levels[1:3, 1:4, 1:4] = np.arange(1, 19).reshape(2, 3, 3) % 4 + 1
    boolean = compute(levels, levels > 0, 4, method)
    floating = compute(levels, (levels > 0).astype(np.float32), 4, method)
    assert floating == pytest.approx(boolean, nan_ok=True)


def test_levels_outside_range_rejected():
    levels = constant_cube()
    levels[2, 2, 2] = 7
    with pytest.raises(TextureInputError, match=r"from 2 to 7, outside 1\.\.4"):
        texture.glcm_features(levels, levels > 0, 4)


def test_levels_outside_roi_ignored():
    levels = constant_cube()
    roi = levels > 0
    levels[0, 0, 0] = 99
    assert texture.glszm_features(levels, roi, 4) == texture.glszm_features(constant_cube(), roi, 4)


def test_fractional_levels_rejected():
    levels = constant_cube().astype(float)
    levels[2, 2, 2] = 1.5
    with pytest.raises(TextureInputError, match="integers"):
        texture.ngldm_features(levels, levels > 0, 4)


def test_shape_mismatch_rejected():
    levels = constant_cube()
    with pytest.raises(TextureInputError, match="same grid"):
        texture.glrlm_features(levels, levels[:-1] > 0, 4)


def test_morph_mask_must_contain_roi():
    levels = constant_cube()
    morph = levels > 0
    morph[2, 2, 2] = False
    with pytest.raises(TextureInputError, match="1 ROI voxels lie outside morph_roi"):
        texture.gldzm_features(levels, levels > 0, 4, morph_roi=morph)


def test_unknown_aggregation_rejected():
    levels = constant_cube()
    with pytest.raises(TextureInputError, match="unknown texture aggregation '2d_merged'"):
        texture.glcm_features(levels, levels > 0, 4, "2d_merged")
    with pytest.raises(TextureInputError, match="unknown texture aggregation"):
        texture.glszm_features(levels, levels > 0, 4, "4d")


def test_volume_families_accept_directional_names():
    levels = constant_cube()
    assert texture.glszm_features(levels, levels > 0, 4, "3d_avg") == texture.glszm_features(
        levels, levels > 0, 4, "3d"
    )


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_distance_rejected(bad):
    levels = constant_cube()
    with pytest.raises(TextureInputError, match="distance must be a positive integer"):
        texture.glcm_features(levels, levels > 0, 4, distance=bad)


def test_bad_alpha_rejected():
    levels = constant_cube()
    with pytest.raises(TextureInputError, match="alpha must be a non-negative integer"):
        texture.ngldm_features(levels, levels > 0, 4, alpha=-1)


def test_bad_level_count_rejected():
    levels = constant_cube()
    with pytest.raises(TextureInputError, match="n_levels must be a positive integer"):
        texture.glcm_features(levels, levels > 0, 0)


def test_input_error_is_user_error():
    assert issubclass(TextureInputError, RadiogenomicsError)


def test_3d_features_ignore_axis_order():
    """3D methods use all 13 directions, so transposing the volume changes nothing."""
    rng = np.random.default_rng(7)
    levels = rng.integers(1, 6, size=(6, 7, 8))
    roi = rng.random(levels.shape) > 0.2
    swapped = np.transpose(levels, (2, 0, 1)), np.transpose(roi, (2, 0, 1))
    for compute, method in ALL_FAMILIES:
        if compute is texture.glcm_features or compute is texture.glrlm_features:
            method = ["3d_avg", "3d_mrg"]
        original = compute(levels, roi, 5, method)
        assert compute(*swapped, 5, method) == pytest.approx(original), compute.__name__


def test_catalogue_covers_every_key():
    levels = constant_cube()
    levels[2, 2, 2] = 1
    keys = set()
    for compute, _ in ALL_FAMILIES:
        keys |= set(compute(levels, levels > 0, 4, "3d_avg"))
    catalogued = {texture.column_name(f.name, "3d_avg") for f in texture.TEXTURE_FEATURES[:41]}
    catalogued |= {texture.column_name(f.name, "3d") for f in texture.TEXTURE_FEATURES[41:]}
    assert keys == catalogued
    assert len(texture.TEXTURE_FEATURES) == 95
    codes = [f.ibsi_code for f in texture.TEXTURE_FEATURES]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "module",
    [
        "radiogenomics.features.texture",
        "radiogenomics.features.texture.catalogue",
        "radiogenomics.features.texture.glcm",
    ],
)
def test_docstring_examples(module):
    failed, attempted = doctest.testmod(importlib.import_module(module))
    assert attempted > 0
    assert failed == 0


def test_glcm_absent_levels_match_full_matrices():
    """Matrices over the present levels give the features of the full Ng x Ng matrices."""
    from radiogenomics.features.texture import _reduce, glcm
    from radiogenomics.features.texture._validation import prepare_grid

    rng = np.random.default_rng(3)
    levels = rng.choice([3, 17, 40], size=(4, 6, 7))
    roi = rng.random(levels.shape) > 0.15
    methods = list(texture.DIRECTIONAL_AGGREGATIONS)
    result = texture.glcm_features(levels, roi, 40, methods)

    grid, _ = prepare_grid(levels, roi, 40)
    in_plane, cross = glcm.glcm_counts(grid, 40, 1, per_slice=True, volume=True)
    for method in methods:
        groups = _reduce.directional_groups(method, in_plane, cross)
        expected = _reduce.average_groups(glcm.glcm_matrix_features, glcm.FEATURE_NAMES, groups)
        suffix = texture.DIRECTIONAL_AGGREGATIONS[method].suffix
        for name, value in expected.items():
            assert result[f"{name}_{suffix}"] == pytest.approx(value, nan_ok=True), (method, name)


def test_glcm_many_absent_levels_small_memory():
    """A million-level discretisation with 3 levels present needs 3 x 3 matrices only."""
    import tracemalloc

    levels = constant_cube() * 250_000
    levels[2, 2, 2] = 1
    levels[1, 1, 1] = 999_999
    tracemalloc.start()
    result = texture.glcm_features(
        levels, levels > 0, 1_000_000, list(texture.DIRECTIONAL_AGGREGATIONS)
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20
    assert result["cm_joint_avg_3D_comb"] > 1


@pytest.mark.parametrize("compute, method", ALL_FAMILIES)
def test_absent_levels_keep_features(compute, method):
    """Spreading the same levels over a 1000-level scale changes only level-valued terms.

    Multiplying every level by 10 leaves size, zone and dependence structure as it is, so
    features without grey level weights must not change, and the matrices stay small.
    """
    rng = np.random.default_rng(11)
    levels = rng.integers(1, 5, size=(4, 6, 6))
    roi = rng.random(levels.shape) > 0.2
    base = compute(levels, roi, 4, method)
    spread = compute(levels * 10, roi, 1000, method)
    unchanged = [
        "rlm_sre_3D_avg",
        "rlm_glnu_3D_avg",
        "szm_zsnu_3D",
        "szm_glnu_norm_3D",
        "dzm_sde_3D",
        "ngl_dc_entr_3D",
        "cm_joint_entr_3D_avg",
        "cm_energy_3D_avg",
    ]
    for name in unchanged:
        if name in base:
            assert spread[name] == pytest.approx(base[name]), name
    scaled = {"cm_contrast_3D_avg": 100.0, "rlm_gl_var_3D_avg": 100.0, "szm_gl_var_3D": 100.0}
    for name, factor in scaled.items():
        if name in base:
            assert spread[name] == pytest.approx(base[name] * factor), name


def test_two_dimensional_input_is_one_slice():
    levels = np.array([[1, 2, 2, 3], [3, 1, 2, 2], [1, 1, 3, 2]])
    roi = np.ones_like(levels, dtype=bool)
    for compute, method in ALL_FAMILIES:
        flat = compute(levels, roi, 3, method)
        stacked = compute(levels[np.newaxis], roi[np.newaxis], 3, method)
        assert flat == pytest.approx(stacked, nan_ok=True), compute.__name__
