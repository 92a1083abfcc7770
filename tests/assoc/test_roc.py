"""DeLong AUC intervals against R pROC, and the paired DeLong test."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from radiogenomics.assoc import delong_test, roc_auc_delong, univariate_auc


def test_er_auc_matches_proc(brca_cohort, data_root):
    reference = pd.read_csv(data_root.parent / "reference" / "er_auc_delong.csv")
    table = univariate_auc(brca_cohort.features, brca_cohort.labels[["ER"]]).set_index("feature")
    assert len(reference) == 36
    for row in reference.itertuples():
        ours = table.loc[row.feature]
        assert ours["n_pos"] == row.n_pos
        assert ours["n_neg"] == row.n_neg
        assert abs(ours["auc"] - row.auc_lt) < 1e-8
        assert abs(ours["ci_low"] - row.ci_low) < 1e-8
        assert abs(ours["ci_high"] - row.ci_high) < 1e-8


def test_auc_equals_sklearn_with_ties():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 80)
    score = rng.integers(0, 6, 80).astype(float)
    assert roc_auc_delong(y, score).auc == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_paired_test_of_identical_scores_is_null():
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 50)
    score = rng.normal(size=50) + y
    auc_a, auc_b, z, p = delong_test(y, score, score)
    assert auc_a == auc_b
    assert z == 0.0
    assert p == 1.0


def test_paired_test_detects_better_score():
    rng = np.random.default_rng(5)
    y = np.repeat([0, 1], 100)
    strong = y * 2.0 + rng.normal(size=200)
    weak = y * 0.2 + rng.normal(size=200)
    auc_a, auc_b, z, p = delong_test(y, strong, weak)
    assert auc_a > auc_b
    assert z > 0
    assert p < 1e-6


def test_single_class_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 2 cases of each class"):
        roc_auc_delong([1, 1, 1, 0], [0.1, 0.2, 0.3, 0.4])
