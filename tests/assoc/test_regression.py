"""Size-controlled OLS against statsmodels and R on the real TCGA-BRCA cohort."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from radiogenomics.assoc import (
    RankDeficientError,
    linear_association,
    size_controlled_association,
)

VOLUME = "Size/Lesion volume (S1)"


def _statsmodels_fit(y, x, covariates):
    design = sm.add_constant(pd.concat([x, covariates], axis=1), has_constant="add")
    data = pd.concat([y, design], axis=1).dropna()
    fit = sm.OLS(data.iloc[:, 0], data.iloc[:, 1:]).fit()
    return fit, x.columns[0]


def test_every_binary_label_matches_statsmodels(brca_cohort):
    features, labels = brca_cohort.features, brca_cohort.labels
    binary = [c for c in labels.columns if not isinstance(labels[c].dtype, pd.CategoricalDtype)]
    result = size_controlled_association(features, labels[binary], features[VOLUME])
    table = result.table.set_index(["label", "feature"])
    log_volume = np.log(features[VOLUME]).rename("log_volume").to_frame()

    for label in binary:
        p_values = []
        for feature in features.columns:
            fit, name = _statsmodels_fit(features[feature], labels[[label]], log_volume)
            row = table.loc[(label, feature)]
            assert row["n"] == fit.nobs
            np.testing.assert_allclose(row["beta"], fit.params[name], rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(row["se"], fit.bse[name], rtol=1e-10)
            np.testing.assert_allclose(row["p"], fit.pvalues[name], rtol=1e-8, atol=1e-10)
            p_values.append(fit.pvalues[name])
        expected_q = multipletests(p_values, method="fdr_bh")[1]
        np.testing.assert_allclose(
            table.loc[label].loc[features.columns, "q"], expected_q, rtol=1e-8, atol=1e-10
        )


def test_er_matches_r_lm_reference(brca_cohort, data_root):
    reference = pd.read_csv(data_root.parent / "reference" / "er_size_controlled_ols.csv")
    reference = reference.set_index("feature")
    features = brca_cohort.features
    result = size_controlled_association(
        features, brca_cohort.labels[["ER"]], features[VOLUME]
    ).table.set_index("feature")

    assert (result["n"] == 61).all()
    np.testing.assert_allclose(result.loc[reference.index, "beta"], reference["beta_label"],
                               rtol=1e-10)
    np.testing.assert_allclose(result.loc[reference.index, "se"], reference["se_label"],
                               rtol=1e-10)
    np.testing.assert_allclose(result.loc[reference.index, "t"], reference["t_label"], rtol=1e-10)
    np.testing.assert_allclose(result.loc[reference.index, "p"], reference["p_label"],
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.loc[reference.index, "q"], reference["p_bh"],
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.loc[reference.index, "p_without_size"],
                               reference["p_unadjusted_size"], rtol=1e-9, atol=1e-12)


def test_pam50_f_test_matches_statsmodels(brca_cohort):
    features, labels = brca_cohort.features, brca_cohort.labels
    result = size_controlled_association(features, labels[["PAM50"]], features[VOLUME])
    table = result.table.set_index("feature")
    data = pd.concat([features, labels["PAM50"]], axis=1).dropna(subset=["PAM50"])
    data["log_volume"] = np.log(data[VOLUME])
    dummies = pd.get_dummies(data["PAM50"], drop_first=True, dtype=float)
    full_design = sm.add_constant(pd.concat([dummies, data["log_volume"]], axis=1))
    reduced_design = sm.add_constant(data[["log_volume"]])
    for feature in features.columns:
        full = sm.OLS(data[feature], full_design).fit()
        reduced = sm.OLS(data[feature], reduced_design).fit()
        f, p, df_num = full.compare_f_test(reduced)
        assert table.loc[feature, "test"] == "F"
        assert table.loc[feature, "n"] == 84
        np.testing.assert_allclose(table.loc[feature, "f"], f, rtol=1e-10)
        np.testing.assert_allclose(table.loc[feature, "p"], p, rtol=1e-8, atol=1e-12)


def test_collinear_volume_units_give_full_rank_pvalues(brca_cohort):
    features = brca_cohort.features
    er = brca_cohort.labels[["ER"]]
    log_mm3 = np.log(features[VOLUME])
    full_rank = linear_association(features, er, log_mm3.rename("log_mm3").to_frame())
    both_units = pd.DataFrame({"log_mm3": log_mm3, "log_cm3": np.log(features[VOLUME] / 1000)})
    collinear = linear_association(features, er, both_units)

    np.testing.assert_allclose(collinear["p"], full_rank["p"], rtol=1e-10)
    np.testing.assert_allclose(collinear["beta"], full_rank["beta"], rtol=1e-10)
    assert (collinear["df"] == full_rank["df"]).all()


def test_raw_volume_units_give_identical_pvalues(brca_cohort):
    features = brca_cohort.features
    er = brca_cohort.labels[["ER"]]
    mm3 = features[VOLUME].rename("mm3").to_frame()
    both = pd.concat([mm3, (features[VOLUME] / 1000).rename("cm3")], axis=1)
    np.testing.assert_allclose(
        linear_association(features, er, both)["p"],
        linear_association(features, er, mm3)["p"],
        rtol=1e-10,
    )


def test_label_equal_to_covariate_raises(brca_cohort):
    features = brca_cohort.features
    er = brca_cohort.labels["ER"].dropna()
    covariate = (2 * er + 1).rename("copy_of_er").to_frame()
    with pytest.raises(RankDeficientError, match="linear combination"):
        linear_association(features.loc[er.index], er.to_frame(), covariate)


def test_constant_label_is_skipped_with_reason(brca_cohort):
    features = brca_cohort.features
    constant = pd.DataFrame({"all_positive": 1.0}, index=features.index)
    result = size_controlled_association(features, constant, features[VOLUME])
    assert result.table.empty
    assert result.skipped["label"].tolist() == ["all_positive"]


def test_feature_with_missing_values_uses_its_own_rows(brca_cohort):
    features = brca_cohort.features.copy()
    er = brca_cohort.labels[["ER"]]
    first = features.columns[0]
    features.loc[features.index[:10], first] = np.nan
    result = size_controlled_association(features, er, features[VOLUME]).table.set_index("feature")
    fit, name = _statsmodels_fit(
        features[first], er, np.log(features[VOLUME]).rename("log_volume").to_frame()
    )
    assert result.loc[first, "n"] == fit.nobs
    np.testing.assert_allclose(result.loc[first, "p"], fit.pvalues[name], rtol=1e-9)
    assert result.loc[features.columns[1], "n"] == 61


def test_non_positive_volume_is_rejected(brca_cohort):
    features = brca_cohort.features.copy()
    features.loc[features.index[0], VOLUME] = 0.0
    with pytest.raises(ValueError, match="must be positive"):
        size_controlled_association(features, brca_cohort.labels[["ER"]], features[VOLUME])


def test_continuous_label_matches_statsmodels(brca_cohort):
    features = brca_cohort.features
    rng = np.random.default_rng(8)
    score = pd.DataFrame({"score": rng.normal(size=len(features))}, index=features.index)
    result = size_controlled_association(features, score, features[VOLUME])
    table = result.table.set_index("feature")
    log_volume = np.log(features[VOLUME]).rename("log_volume").to_frame()
    for feature in features.columns[:5]:
        fit, name = _statsmodels_fit(features[feature], score, log_volume)
        np.testing.assert_allclose(table.loc[feature, "beta"], fit.params[name], rtol=1e-10)
        np.testing.assert_allclose(table.loc[feature, "p"], fit.pvalues[name], rtol=1e-8)


def test_one_untestable_feature_keeps_the_others(brca_cohort):
    features = brca_cohort.features.copy()
    er = brca_cohort.labels[["ER"]]
    positive = er.index[er["ER"] == 1]
    features.loc[positive, "Time to peak (K2)"] = np.nan
    features["flat"] = 2.0
    features["empty"] = np.nan
    table = size_controlled_association(features, er, features[VOLUME]).table
    table = table.set_index("feature")
    assert np.isnan(table.loc["Time to peak (K2)", "p"])
    assert np.isnan(table.loc["flat", "p"])
    assert np.isnan(table.loc["empty", "p"])
    assert table["p"].notna().sum() == 35
    reference = size_controlled_association(
        brca_cohort.features, er, features[VOLUME]
    ).table.set_index("feature")
    tested = reference.index.drop("Time to peak (K2)")
    np.testing.assert_allclose(table.loc[tested, "p"], reference.loc[tested, "p"], rtol=1e-12)
