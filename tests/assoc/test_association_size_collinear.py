"""Phenotypes that nearly equal the size covariate are flagged, and their p-values kept."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from radiogenomics.assoc import size_controlled_association
from radiogenomics.assoc.association import SIZE_COLLINEAR_R


@pytest.fixture
def cohort():
    """40 patients: ``diameter`` is log volume plus noise, ``texture`` is independent."""
    rng = np.random.default_rng(11)
    n = 40
    volume = np.exp(rng.normal(7.5, 0.6, n))
    index = [f"P{i:02d}" for i in range(n)]
    features = pd.DataFrame({
        "diameter": np.log(volume) + rng.normal(0, 0.1, n),
        "texture": rng.normal(size=n),
    }, index=index)
    label = pd.Series([1.0, 0.0] * (n // 2), index=index, name="status")
    label.iloc[:3] = np.nan
    return features, label.to_frame(), pd.Series(volume, index=index, name="volume")


def test_noisy_size_copy_is_flagged(cohort):
    features, labels, volume = cohort
    table = size_controlled_association(features, labels, volume).table.set_index("feature")
    rows = labels["status"].notna()
    for feature in ("diameter", "texture"):
        expected = np.corrcoef(features.loc[rows, feature], np.log(volume[rows]))[0, 1]
        assert table.loc[feature, "r_size"] == pytest.approx(expected, rel=1e-12)
    assert table.loc["diameter", "r_size"] > 0.95
    assert bool(table.loc["diameter", "size_collinear"]) is True
    assert abs(table.loc["texture", "r_size"]) < SIZE_COLLINEAR_R
    assert bool(table.loc["texture", "size_collinear"]) is False


def test_flag_leaves_p_values_unchanged(cohort):
    features, labels, volume = cohort
    table = size_controlled_association(features, labels, volume).table.set_index("feature")
    data = features.assign(status=labels["status"], log_volume=np.log(volume)).dropna()
    for feature in ("diameter", "texture"):
        fit = smf.ols(f"{feature} ~ status + log_volume", data=data).fit()
        assert table.loc[feature, "p"] == pytest.approx(fit.pvalues["status"], rel=1e-7)


def test_size_collinear_features_lists_flagged(cohort):
    features, labels, volume = cohort
    result = size_controlled_association(features, labels, volume)
    assert result.size_collinear_features() == ["diameter"]


def test_no_size_control_flags_nothing(cohort):
    features, labels, _ = cohort
    table = size_controlled_association(features, labels, None).table
    assert table["r_size"].isna().all()
    assert not table["size_collinear"].any()
