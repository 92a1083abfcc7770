"""3-D co-occurrence texture: IBSI digital phantom, scikit-image and closed-form cases."""

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
from scipy.optimize import minimize
from skimage.feature import graycomatrix, graycoprops

from radiogenomics.features.dce.texture import (
    glcm_3d,
    haralick_features,
    quantize_equal_probability,
    texture_features,
)

LN2 = np.log(2.0)
REAL_TABLE = "tcga_brca_radiogenomics/radiomics_UChicago_91cases.csv"


@pytest.fixture(scope="module")
def ibsi_phantom(data_root):
    folder = data_root / "ibsi" / "ibsi_1_digital_phantom" / "nifti"
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / "image" / "phantom.nii.gz")))
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(folder / "mask" / "mask.nii.gz"))) > 0
    table = pd.read_csv(
        data_root / "ibsi" / "reference_values" / "ibsi_1_reference_values_digital_phantom.csv",
        encoding="utf-8-sig",
    )
    reference = table[table["tag"].str.endswith("_3D_comb") & table["tag"].str.startswith("cm_")]
    return image.astype(int), mask, reference.set_index("tag")["reference value"].astype(float)


def test_ibsi_digital_phantom_merged_glcm(ibsi_phantom):
    image, mask, reference = ibsi_phantom
    t = haralick_features(glcm_3d(image, mask, levels=6))

    # IBSI entropies use log2; this package uses natural logarithms.
    expected = {
        "T1": reference["cm_contrast_3D_comb"],
        "T2": reference["cm_corr_3D_comb"],
        "T3": reference["cm_diff_entr_3D_comb"] * LN2,
        "T4": reference["cm_diff_var_3D_comb"],
        "T5": reference["cm_energy_3D_comb"],
        "T6": reference["cm_joint_entr_3D_comb"] * LN2,
        "T7": reference["cm_inv_diff_3D_comb"],
        "T8": reference["cm_info_corr1_3D_comb"],
        "T11": reference["cm_sum_avg_3D_comb"],
        "T12": reference["cm_sum_entr_3D_comb"] * LN2,
        "T13": reference["cm_sum_var_3D_comb"],
        "T14": reference["cm_joint_var_3D_comb"],
    }
    for symbol, value in expected.items():
        # The reference values are rounded to three significant digits.
        assert t[symbol] == pytest.approx(value, rel=6e-3, abs=5e-4), symbol

    # IMC2 = sqrt(1 - exp(-2 (HXY2 - HXY))) with log2 entropies in IBSI.
    gap_ln = -np.log(1 - t["T9"] ** 2) / 2
    ibsi_imc2 = np.sqrt(1 - np.exp(-2 * gap_ln / LN2))
    assert ibsi_imc2 == pytest.approx(reference["cm_info_corr2_3D_comb"], rel=6e-3)


def test_single_slice_matches_scikit_image():
    rng = np.random.default_rng(3)
    levels = 8
    image = rng.integers(1, levels + 1, size=(1, 20, 25))
    mask = np.ones(image.shape, dtype=bool)
    p = glcm_3d(image, mask, levels)

    # One slice leaves the four in-plane directions of the 13.
    counts = graycomatrix(
        image[0] - 1, distances=[1], angles=[0, np.pi / 4, np.pi / 2, 3 * np.pi / 4],
        levels=levels, symmetric=True,
    )
    summed = counts.sum(axis=(2, 3)).astype(float)
    np.testing.assert_allclose(p, summed / summed.sum())

    merged = (summed / summed.sum())[:, :, np.newaxis, np.newaxis]
    t = haralick_features(p)
    assert t["T1"] == pytest.approx(graycoprops(merged, "contrast")[0, 0])
    assert t["T2"] == pytest.approx(graycoprops(merged, "correlation")[0, 0])
    assert t["T5"] == pytest.approx(graycoprops(merged, "ASM")[0, 0])
    assert t["T6"] == pytest.approx(graycoprops(merged, "entropy")[0, 0])
    assert t["T14"] == pytest.approx(graycoprops(merged, "variance")[0, 0])


def test_matlab_graycoprops_example():
    # The GLCM of the MATLAB graycoprops documentation example and the four values that
    # the documentation prints for it, rounded to four decimals. MATLAB's "Homogeneity"
    # weighs p(i, j) by 1 / (1 + |i - j|).
    counts = np.array([[0, 1, 2, 3], [1, 1, 2, 3], [1, 0, 2, 0], [0, 0, 0, 3]], dtype=float)
    t = haralick_features(counts / counts.sum())
    assert t["T1"] == pytest.approx(2.8947, abs=5e-5)
    assert t["T2"] == pytest.approx(0.0783, abs=5e-5)
    assert t["T5"] == pytest.approx(0.1191, abs=5e-5)
    assert t["T7"] == pytest.approx(0.5658, abs=5e-5)


def max_entropy_bound(weights, moments):
    """Return the largest entropy (nats) of a distribution with the given weighted means.

    The distributions q live on the columns k of ``weights`` and satisfy
    sum_k q(k) weights[m, k] = moments[m]. By convex duality their largest entropy is the
    minimum over multipliers l of ln sum_k exp(l . weights[:, k]) - l . moments.
    """
    scale = weights.std(axis=1)
    weights, moments = weights / scale[:, None], moments / scale

    def dual(multipliers):
        exponent = multipliers @ weights
        shift = exponent.max()
        q = np.exp(exponent - shift)
        total = q.sum()
        value = np.log(total) + shift - multipliers @ moments
        return value, weights @ (q / total) - moments

    result = minimize(
        dual, np.zeros(len(moments)), jac=True, method="BFGS", options={"gtol": 1e-10}
    )
    return result.fun


def test_homogeneity_weight_fits_real_table(data_root):
    # Each row of the real table must admit a distribution of d = |i - j| on 0..31 with
    # E[d²] = T1, Var(d) = T4 and the row's homogeneity T7, whose entropy is T3. Haralick's
    # weight 1 / (1 + d²) fails this on 89 of the 91 rows.
    table = pd.read_csv(data_root / REAL_TABLE, index_col=0)
    symbols = table.columns.str.extract(r"\((T\d+)\)$", expand=False)
    table = table.loc[:, symbols.notna()].set_axis(symbols.dropna(), axis=1)

    d = np.arange(32)
    # Read the T7 weight of each difference d from the implementation: a GLCM whose only
    # pair of gray levels is (1, 1 + d), counted in both orders, has that homogeneity.
    homogeneity_weight = np.empty(len(d))
    for k in d:
        p = np.zeros((32, 32))
        p[0, k] = p[k, 0] = 0.5
        homogeneity_weight[k] = haralick_features(p)["T7"]
    weights = np.stack([d, d**2, homogeneity_weight])

    for case, row in table.iterrows():
        moments = np.array([np.sqrt(row["T1"] - row["T4"]), row["T1"], row["T7"]])
        assert max_entropy_bound(weights, moments) >= row["T3"] - 1e-4, case


def test_two_level_maximal_correlation_is_abs_correlation():
    # For two gray levels the maximal correlation coefficient equals |Pearson r|.
    p = np.array([[0.1, 0.3], [0.3, 0.3]])
    t = haralick_features(p)
    assert t["T10"] == pytest.approx(abs(t["T2"]))
    assert t["T2"] < 0


def test_independent_levels_have_no_information_correlation():
    px = np.array([0.1, 0.2, 0.3, 0.4])
    t = haralick_features(np.outer(px, px))
    assert t["T2"] == pytest.approx(0.0, abs=1e-12)
    assert t["T8"] == pytest.approx(0.0, abs=1e-12)
    assert t["T9"] == pytest.approx(0.0, abs=1e-6)
    assert t["T10"] == pytest.approx(0.0, abs=1e-6)


def test_symmetric_glcm_identities():
    rng = np.random.default_rng(5)
    image = rng.normal(size=(12, 16, 16)).cumsum(axis=2)
    mask = np.ones(image.shape, dtype=bool)
    t = texture_features(image, mask)
    assert t["T1"] == pytest.approx(2 * t["T14"] * (1 - t["T2"]))
    assert t["T13"] == pytest.approx(2 * t["T14"] * (1 + t["T2"]))
    assert t["T10"] >= t["T2"] - 1e-9


def test_equal_probability_levels_are_balanced():
    values = np.random.default_rng(0).uniform(size=3200)
    levels = quantize_equal_probability(values, 32)
    assert levels.min() == 1
    assert levels.max() == 32
    np.testing.assert_array_equal(np.bincount(levels)[1:], np.full(32, 100))


def test_texture_rejects_tiny_lesion():
    with pytest.raises(ValueError, match="texture needs"):
        mask = np.zeros((3, 3, 3), dtype=bool)
        mask[1, 1, 1] = True
        texture_features(np.ones((3, 3, 3)), mask)
