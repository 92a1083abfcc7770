"""ROC AUC with DeLong confidence intervals and the paired DeLong test.

The variance follows DeLong, DeLong & Clarke-Pearson, Biometrics 44:837-845 (1988), computed
from mid-ranks as in Sun & Xu, IEEE Signal Process Lett 21:1389-1393 (2014). The interval is
``auc +/- z * sqrt(S10 / n_pos + S01 / n_neg)``, clipped to [0, 1], as R's pROC reports it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class RocAuc:
    """An AUC with its DeLong standard error and confidence interval."""

    auc: float
    se: float
    ci_low: float
    ci_high: float
    n_pos: int
    n_neg: int
    level: float = 0.95


def _split_classes(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels = np.asarray(y_true, dtype=float)
    scores = np.atleast_2d(np.asarray(scores, dtype=float))
    if scores.shape[1] != labels.shape[0]:
        raise ValueError(
            f"scores have {scores.shape[1]} values but y_true has {labels.shape[0]}"
        )
    keep = ~np.isnan(labels) & ~np.isnan(scores).any(axis=0)
    labels, scores = labels[keep], scores[:, keep]
    if not np.isin(labels, (0, 1)).all():
        raise ValueError(
            f"y_true must be 0/1 (NaN for missing); found {np.unique(labels)[:5].tolist()}"
        )
    positive = labels == 1
    if positive.sum() < 2 or (~positive).sum() < 2:
        raise ValueError(
            f"DeLong AUC needs at least 2 cases of each class; got {int(positive.sum())} "
            f"positive and {int((~positive).sum())} negative"
        )
    return scores[:, positive], scores[:, ~positive], positive


def _structural_components(positives: np.ndarray, negatives: np.ndarray):
    """Return AUCs and the DeLong placement values V10 (per positive) and V01 (per negative)."""
    n_pos, n_neg = positives.shape[1], negatives.shape[1]
    combined = np.concatenate([positives, negatives], axis=1)
    rank_all = stats.rankdata(combined, axis=1)
    rank_pos = stats.rankdata(positives, axis=1)
    rank_neg = stats.rankdata(negatives, axis=1)
    v10 = (rank_all[:, :n_pos] - rank_pos) / n_neg
    v01 = 1.0 - (rank_all[:, n_pos:] - rank_neg) / n_pos
    auc = v10.mean(axis=1)
    return auc, v10, v01


def roc_auc_delong(y_true, score, level: float = 0.95) -> RocAuc:
    """Compute the ROC AUC of a score and its DeLong confidence interval.

    A higher score means the positive class (label 1). Ties count one half.

    Parameters
    ----------
    y_true : array-like of {0, 1}
        Class labels; NaN entries are left out together with their scores.
    score : array-like of float
        The score, e.g. a phenotype value or a predicted probability.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    RocAuc
    """
    positives, negatives, _ = _split_classes(y_true, score)
    auc, v10, v01 = _structural_components(positives, negatives)
    n_pos, n_neg = positives.shape[1], negatives.shape[1]
    variance = v10[0].var(ddof=1) / n_pos + v01[0].var(ddof=1) / n_neg
    se = float(np.sqrt(variance))
    z = stats.norm.ppf(0.5 + level / 2)
    return RocAuc(
        auc=float(auc[0]),
        se=se,
        ci_low=float(max(0.0, auc[0] - z * se)),
        ci_high=float(min(1.0, auc[0] + z * se)),
        n_pos=n_pos,
        n_neg=n_neg,
        level=level,
    )


def delong_test(y_true, score_a, score_b) -> tuple[float, float, float, float]:
    """Compare two correlated ROC AUCs measured on the same cases (paired DeLong test).

    Returns
    -------
    auc_a, auc_b, z, p : float
        The two AUCs, the z statistic of ``auc_a - auc_b`` and its two-sided p-value. When
        both scores rank the cases identically the difference has zero variance; then
        ``z`` is 0 and ``p`` is 1.
    """
    positives, negatives, _ = _split_classes(y_true, np.vstack([score_a, score_b]))
    auc, v10, v01 = _structural_components(positives, negatives)
    n_pos, n_neg = positives.shape[1], negatives.shape[1]
    covariance = np.cov(v10) / n_pos + np.cov(v01) / n_neg
    variance = covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1]
    difference = auc[0] - auc[1]
    if variance <= 0:
        return float(auc[0]), float(auc[1]), 0.0, 1.0
    z = difference / np.sqrt(variance)
    return float(auc[0]), float(auc[1]), float(z), float(2 * stats.norm.sf(abs(z)))


def roc_curve_points(y_true, score) -> tuple[np.ndarray, np.ndarray]:
    """Return false- and true-positive rates of the ROC curve, NaN pairs left out."""
    from sklearn.metrics import roc_curve

    labels = np.asarray(y_true, dtype=float)
    score = np.asarray(score, dtype=float)
    keep = ~np.isnan(labels) & ~np.isnan(score)
    fpr, tpr, _ = roc_curve(labels[keep], score[keep])
    return fpr, tpr
