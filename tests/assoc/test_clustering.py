"""Hierarchical clustering and the tests of clusters against clinical labels."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.cluster import hierarchy

from radiogenomics.assoc import cluster, cluster_association, zscore


def test_clusters_match_scipy_on_real_cohort(brca_cohort):
    features = brca_cohort.features
    result = cluster(features, n_clusters=3)
    z = (features - features.mean()) / features.std(ddof=1)
    expected = hierarchy.fcluster(hierarchy.linkage(z.to_numpy(), method="ward"), 3, "maxclust")
    np.testing.assert_array_equal(result.clusters.to_numpy(), expected)
    assert "ward linkage on euclidean distance" in result.describe()


def test_two_by_two_table_uses_fisher_exact():
    clusters = pd.Series([1] * 6 + [2] * 6)
    label = pd.DataFrame({"ER": [1.0] * 5 + [0.0] + [0.0] * 5 + [1.0]})
    table = cluster_association(clusters, label)
    expected = stats.fisher_exact([[1, 5], [5, 1]]).pvalue
    assert table.loc[0, "test"] == "Fisher exact"
    assert table.loc[0, "p"] == pytest.approx(expected)


def test_large_expected_counts_use_chi_square():
    rng = np.random.default_rng(0)
    clusters = pd.Series(rng.integers(1, 4, 300))
    label = pd.DataFrame({"subtype": pd.Categorical(rng.choice(["a", "b", "c"], 300))})
    table = cluster_association(clusters, label)
    counts = pd.crosstab(clusters, label["subtype"]).to_numpy()
    assert table.loc[0, "test"] == "chi-square"
    assert table.loc[0, "p"] == pytest.approx(stats.chi2_contingency(counts).pvalue)


def test_sparse_table_uses_monte_carlo_fisher_reproducibly():
    clusters = pd.Series([1, 1, 1, 2, 2, 2, 3, 3, 3, 3])
    label = pd.DataFrame({"subtype": pd.Categorical(list("aabbbcccca"))})
    first = cluster_association(clusters, label, seed=7)
    second = cluster_association(clusters, label, seed=7)
    assert first.loc[0, "test"].startswith("Fisher-Freeman-Halton")
    assert first.loc[0, "p"] == second.loc[0, "p"]


def test_constant_feature_cannot_be_zscored():
    with pytest.raises(ValueError, match="constant phenotype"):
        zscore(pd.DataFrame({"a": [1.0, 2.0, 3.0], "flat": [5.0, 5.0, 5.0]}))


def test_continuous_label_uses_kruskal_wallis():
    clusters = pd.Series([1] * 10 + [2] * 10)
    score = pd.DataFrame({"score": np.r_[np.arange(10.0), np.arange(10.0) + 5]})
    table = cluster_association(clusters, score)
    expected = stats.kruskal(np.arange(10.0), np.arange(10.0) + 5).pvalue
    assert table.loc[0, "test"] == "Kruskal-Wallis"
    assert table.loc[0, "p"] == pytest.approx(expected)
