"""Multiple-testing corrections with missing p-values."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from radiogenomics.assoc import adjust_pvalues

P_VALUES = np.array([0.001, 0.008, np.nan, 0.039, 0.041, np.nan, 0.27, 0.6, 0.9])


@pytest.mark.parametrize("method", ["fdr_bh", "fdr_by", "holm", "bonferroni"])
def test_nan_is_left_out_of_the_family(method):
    adjusted = adjust_pvalues(P_VALUES, method)
    finite = ~np.isnan(P_VALUES)
    expected = multipletests(P_VALUES[finite], method=method)[1]
    np.testing.assert_allclose(adjusted[finite], expected, rtol=1e-12)
    assert np.isnan(adjusted[~finite]).all()


def test_series_keeps_index():
    series = pd.Series(P_VALUES, index=[f"f{i}" for i in range(len(P_VALUES))])
    adjusted = adjust_pvalues(series)
    assert list(adjusted.index) == list(series.index)


def test_storey_qvalue_scales_bh_by_pi0():
    rng = np.random.default_rng(1)
    p = np.concatenate([rng.uniform(0, 0.001, 20), rng.uniform(0, 1, 180)])
    pi0 = np.mean(p > 0.5) / 0.5
    q = adjust_pvalues(p, "qvalue")
    np.testing.assert_allclose(q, pi0 * multipletests(p, method="fdr_bh")[1], rtol=1e-12)
    assert 0.8 < pi0 < 1.0


def test_all_nan_family_stays_nan():
    assert np.isnan(adjust_pvalues([np.nan, np.nan])).all()


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="unknown multiple-testing method"):
        adjust_pvalues([0.1], "sidak-typo")
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        adjust_pvalues([0.1, 1.5])
