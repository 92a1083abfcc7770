"""Unsupervised hierarchical clustering of patients and phenotypes, and cluster tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.cluster import hierarchy
from scipy.spatial.distance import pdist

from radiogenomics.assoc.multitest import adjust_pvalues
from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)


@dataclass
class Clustering:
    """Hierarchical clustering of a z-scored phenotype matrix.

    Attributes
    ----------
    zscores : pandas.DataFrame
        Patients x phenotypes, each phenotype centred and scaled to unit variance (ddof=1).
    patient_linkage, feature_linkage : numpy.ndarray
        SciPy linkage matrices of the rows and the columns of ``zscores``.
    clusters : pandas.Series
        Patient cluster (1..k) from cutting the patient tree into ``n_clusters`` groups.
    settings : dict
        Linkage methods, distance metrics and the number of clusters.
    """

    zscores: pd.DataFrame
    patient_linkage: np.ndarray
    feature_linkage: np.ndarray
    clusters: pd.Series
    settings: dict

    def describe(self) -> str:
        """Return the method in words, for reports and figure captions."""
        s = self.settings
        clip = s.get("zscore_clip")
        return (
            "Phenotypes z-scored"
            + (f" and clipped to +/-{clip}" if clip else "")
            + f". Patients clustered by {s['patient_linkage']} linkage on "
            f"{s['patient_metric']} distance and cut into {s['n_clusters']} clusters. "
            f"Phenotypes clustered by {s['feature_linkage']} linkage on {s['feature_metric']} "
            "distance."
        )


def zscore(features: pd.DataFrame) -> pd.DataFrame:
    """Centre every column and divide it by its standard deviation (ddof=1).

    Raises
    ------
    TableError
        If a column is constant or has missing values, which clustering cannot use.
    """
    missing = features.columns[features.isna().any()].tolist()
    if missing:
        raise TableError(
            f"cannot cluster phenotypes with missing values: {missing[:5]}; drop or impute them"
        )
    spread = features.std(ddof=1)
    constant = spread.index[spread == 0].tolist()
    if constant:
        raise TableError(f"cannot z-score constant phenotype(s) {constant[:5]}; drop them")
    return (features - features.mean()) / spread


def cluster(
    features: pd.DataFrame,
    n_clusters: int = 3,
    patient_linkage: str = "ward",
    patient_metric: str = "euclidean",
    feature_linkage: str = "average",
    feature_metric: str = "correlation",
    zscore_clip: float | None = None,
) -> Clustering:
    """Z-score phenotypes and cluster patients and phenotypes hierarchically.

    Parameters
    ----------
    features : pandas.DataFrame
        Patients x phenotypes, without missing values.
    n_clusters : int, default 3
        Number of patient clusters cut from the tree (``fcluster`` with ``maxclust``).
    patient_linkage, feature_linkage : str
        SciPy linkage methods (``'ward'``, ``'average'``, ``'complete'``, ...). Ward linkage
        needs the Euclidean metric.
    patient_metric, feature_metric : str
        SciPy distance metrics (``'euclidean'``, ``'correlation'`` = 1 - Pearson r, ...).
    zscore_clip : float, optional
        Clip z-scores to ``[-zscore_clip, zscore_clip]`` before clustering, so that one
        extreme value cannot form a cluster of its own.

    Returns
    -------
    Clustering
    """
    if patient_linkage == "ward" and patient_metric != "euclidean":
        raise TableError(f"Ward linkage needs the euclidean metric, not {patient_metric!r}")
    if not 2 <= n_clusters < len(features):
        raise TableError(f"n_clusters must lie in [2, {len(features) - 1}], got {n_clusters}")
    z = zscore(features)
    if zscore_clip is not None:
        if zscore_clip <= 0:
            raise TableError(f"zscore_clip must be positive, got {zscore_clip}")
        z = z.clip(-zscore_clip, zscore_clip)
    rows = hierarchy.linkage(pdist(z.to_numpy(), metric=patient_metric), method=patient_linkage)
    columns = hierarchy.linkage(
        pdist(z.to_numpy().T, metric=feature_metric), method=feature_linkage
    )
    clusters = pd.Series(
        hierarchy.fcluster(rows, n_clusters, criterion="maxclust"),
        index=z.index,
        name="cluster",
    )
    logger.info("patient clusters: %s", clusters.value_counts().sort_index().to_dict())
    settings = {
        "n_clusters": n_clusters,
        "patient_linkage": patient_linkage,
        "patient_metric": patient_metric,
        "feature_linkage": feature_linkage,
        "feature_metric": feature_metric,
        "zscore_clip": zscore_clip,
    }
    return Clustering(z, rows, columns, clusters, settings)


def cluster_association(
    clusters: pd.Series, labels: pd.DataFrame, seed: int = 0, n_resamples: int = 20000
) -> pd.DataFrame:
    """Test the association of patient clusters with each label.

    A continuous label gets the Kruskal-Wallis test across clusters. A 2 x 2 table gets
    Fisher's exact test. A larger table gets Pearson's chi-square test when no expected
    count is below 1 and at most 20 % are below 5 (Cochran, Biometrics 10:417-451, 1954);
    otherwise the Fisher-Freeman-Halton exact test, its p-value estimated by ``n_resamples``
    Monte Carlo tables drawn with the fixed margins.

    Parameters
    ----------
    clusters : pandas.Series
        Cluster of each patient.
    labels : pandas.DataFrame
        Patients x labels (binary or categorical); missing values leave the patient out of
        that label's table.
    seed : int
        Seed of the Monte Carlo tables.

    Returns
    -------
    pandas.DataFrame
        Columns ``label, n, test, statistic_name, statistic, dof, p, q, table``; ``q`` is the
        Benjamini-Hochberg adjustment across labels, ``table`` the contingency counts (or the
        cluster medians of a continuous label).
    """
    from radiogenomics.assoc.association import is_binary

    rows = []
    for offset, name in enumerate(labels.columns):
        pair = pd.concat([clusters.rename("cluster"), labels[name].rename("label")], axis=1)
        pair = pair.dropna()
        if not isinstance(labels[name].dtype, pd.CategoricalDtype) and not is_binary(
            labels[name]
        ):
            groups = [values["label"].to_numpy() for _, values in pair.groupby("cluster")]
            result = stats.kruskal(*groups)
            medians = pair.groupby("cluster")["label"].median().round(4).to_dict()
            rows.append((name, len(pair), "Kruskal-Wallis", "H", result.statistic,
                         len(groups) - 1, result.pvalue, f"medians {medians}"))
            continue
        table = pd.crosstab(pair["cluster"], pair["label"])
        table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
        counts = f"{table.to_dict(orient='index')}"
        if min(table.shape) < 2:
            logger.warning("cluster test of %s skipped: only one class or cluster", name)
            rows.append((name, len(pair), "not tested", "", np.nan, np.nan, np.nan, counts))
            continue
        expected = stats.contingency.expected_freq(table.to_numpy())
        if table.shape == (2, 2):
            result = stats.fisher_exact(table.to_numpy())
            rows.append((name, len(pair), "Fisher exact", "odds ratio", result.statistic, 1,
                         result.pvalue,
                         counts))
        elif expected.min() >= 1 and np.mean(expected < 5) <= 0.2:
            chi2 = stats.chi2_contingency(table.to_numpy(), correction=False)
            rows.append((name, len(pair), "chi-square", "chi-square", chi2.statistic, chi2.dof,
                         chi2.pvalue,
                         counts))
        else:
            method = stats.MonteCarloMethod(
                n_resamples=n_resamples, rng=np.random.default_rng(seed + offset)
            )
            result = stats.fisher_exact(table.to_numpy(), method=method)
            dof = (table.shape[0] - 1) * (table.shape[1] - 1)
            rows.append((name, len(pair), "Fisher-Freeman-Halton (Monte Carlo)",
                         "table probability", result.statistic, dof, result.pvalue, counts))
    columns = ["label", "n", "test", "statistic_name", "statistic", "dof", "p", "table"]
    result = pd.DataFrame(rows, columns=columns)
    result.insert(7, "q", adjust_pvalues(result["p"].to_numpy(), "fdr_bh"))
    return result
