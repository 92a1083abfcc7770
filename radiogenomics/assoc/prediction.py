"""Cross-validated subtype prediction with ROC AUC, DeLong intervals and model comparison.

Scaling and feature selection are steps of each model's pipeline, so they are fitted inside
every training fold and never see the held-out cases. Two evaluation schemes are run:

* leave-one-out: one out-of-fold score per case, one pooled ROC curve and DeLong interval;
* repeated stratified k-fold: in each repeat, the out-of-fold scores give an AUC and its
  DeLong variance. The reported AUC is the mean over repeats, and its interval uses the mean
  DeLong variance. The spread of the AUC across repeats is reported beside it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from radiogenomics.assoc.association import is_binary
from radiogenomics.assoc.roc import delong_test, roc_auc_delong
from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)

MODELS = ("lda_stepwise", "lda_kbest", "logistic_l2")


def make_model(name: str, max_features: int = 5):
    """Build a scikit-learn pipeline by name.

    ``'lda_stepwise'``: standardisation, forward stepwise selection by Wilks' lambda
    (:class:`~radiogenomics.assoc.selection.StepwiseLDASelector`), linear discriminant
    analysis. ``'lda_kbest'``: standardisation, the ``max_features`` features of largest
    ANOVA F, LDA. ``'logistic_l2'``: standardisation and L2-penalised logistic regression
    (C = 1, Newton-Cholesky solver), whose penalty keeps coefficients finite under perfect
    separation.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from radiogenomics.assoc.selection import StepwiseLDASelector

    if name == "lda_stepwise":
        return make_pipeline(
            StandardScaler(), StepwiseLDASelector(max_features), LinearDiscriminantAnalysis()
        )
    if name == "lda_kbest":
        return make_pipeline(
            StandardScaler(), SelectKBest(f_classif, k=max_features), LinearDiscriminantAnalysis()
        )
    if name == "logistic_l2":
        # Newton steps converge in a few iterations on cohort-sized data; L-BFGS took about
        # 25 times longer per fit here (scikit-learn 1.9, scipy 1.17).
        return make_pipeline(
            StandardScaler(),
            LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=1000),
        )
    raise TableError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")


def _score(model, X) -> np.ndarray:
    return model.decision_function(X)


def _is_separated(model, X, y) -> bool:
    scores = _score(model, X)
    return scores[y == 1].min() > scores[y == 0].max() or scores[y == 0].min() > scores[
        y == 1
    ].max()


def _out_of_fold(model_name, X, y, splits, max_features):
    from sklearn.base import clone

    scores = np.full(len(y), np.nan)
    separated = 0
    template = make_model(model_name, max_features)
    for train, test in splits:
        model = clone(template).fit(X[train], y[train])
        scores[test] = _score(model, X[test])
        if model_name == "logistic_l2" and _is_separated(model, X[train], y[train]):
            separated += 1
    return scores, separated


@dataclass
class PredictionResult:
    """Cross-validated prediction of binary labels.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per task, model and scheme: ``task, model, scheme, n, n_pos, n_neg, auc,
        ci_low, ci_high, auc_sd_repeats, separated_folds, published_auc, published_source,
        note``; ``note`` flags AUCs whose whole interval lies below 0.5.
    comparison : pandas.DataFrame
        Paired DeLong tests between models for each task, on the leave-one-out scores and on
        the out-of-fold scores of the first k-fold repeat (``scheme`` column).
    scores : dict
        ``(task, model) -> pandas.DataFrame`` of leave-one-out scores with the true label,
        for ROC curves.
    """

    table: pd.DataFrame
    comparison: pd.DataFrame
    scores: dict = field(default_factory=dict)


def predict_labels(
    features: pd.DataFrame,
    labels: pd.DataFrame,
    tasks: list[str],
    models=("lda_stepwise", "logistic_l2"),
    max_features: int = 5,
    folds: int = 5,
    repeats: int = 20,
    seed: int = 0,
    published: dict | None = None,
    leave_one_out: bool = True,
    n_jobs: int = 1,
) -> PredictionResult:
    """Predict each binary label from the phenotypes with cross-validation.

    Parameters
    ----------
    features : pandas.DataFrame
        Patients x phenotypes. Patients with a missing phenotype are left out (logged).
    labels : pandas.DataFrame
        Binary labels coded 1/0/NaN.
    tasks : list of str
        Label columns to predict.
    models : sequence of str
        Model names of :func:`make_model`.
    max_features : int
        Most features the selection step keeps.
    folds, repeats : int
        Repeated stratified k-fold settings; ``repeats=0`` skips that scheme.
    seed : int
        Seed of the fold assignment; repeat ``r`` uses ``seed + r``.
    published : dict, optional
        ``task -> {'auc': float, 'source': str}``, copied into the table.
    leave_one_out : bool, default True
    n_jobs : int, default 1
        Worker processes; tasks run in parallel (joblib). Results do not depend on it.

    Returns
    -------
    PredictionResult
    """
    from joblib import Parallel, delayed

    published = published or {}
    empty = features.columns[features.isna().all()]
    if len(empty):
        logger.warning("prediction: phenotype(s) %s have no values and are left out",
                       list(empty))
        features = features.drop(columns=empty)
    incomplete = features.index[features.isna().any(axis=1)]
    for patient in incomplete:
        logger.warning("prediction: patient %s left out (missing phenotype values)", patient)
    features = features.drop(index=incomplete)
    for task in tasks:
        if task not in labels:
            raise TableError(f"prediction task {task!r} is not a cohort label")
        if not is_binary(labels[task]):
            raise TableError(
                f"prediction task {task!r} must be a binary label coded 0/1; found values such "
                f"as {labels[task].dropna().unique()[:3].tolist()}"
            )

    settings = dict(models=models, max_features=max_features, folds=folds, repeats=repeats,
                    seed=seed, leave_one_out=leave_one_out)
    outcomes = Parallel(n_jobs=n_jobs)(
        delayed(_predict_task)(
            features, labels[task].reindex(features.index), task, published.get(task, {}),
            **settings,
        )
        for task in tasks
    )
    rows, comparisons, curves = [], [], {}
    for task_rows, task_comparisons, task_curves, messages in outcomes:
        # Worker processes do not share this process's log handlers, so they return their
        # messages to be logged here.
        for level, message in messages:
            logger.log(level, message)
        rows.extend(task_rows)
        comparisons.extend(task_comparisons)
        curves.update(task_curves)

    columns = ["task", "model", "scheme", "n", "n_pos", "n_neg", "auc", "ci_low", "ci_high",
               "auc_sd_repeats", "separated_folds", "published_auc", "published_source",
               "note"]
    table = pd.DataFrame(rows).reindex(columns=columns)
    comparison = pd.DataFrame(
        comparisons,
        columns=["task", "scheme", "model_a", "model_b", "auc_a", "auc_b", "z", "p"],
    )
    return PredictionResult(table, comparison, curves)


def _predict_task(features, label, task, reference, models, max_features, folds, repeats, seed,
                  leave_one_out):
    """Cross-validate every model on one task; return rows, comparisons, curves, messages."""
    from sklearn.model_selection import LeaveOneOut, StratifiedKFold

    messages = []
    known = label.notna()
    X = features.loc[known].to_numpy(float)
    y = label[known].to_numpy().astype(int)
    n_pos, n_neg = int(y.sum()), int((1 - y).sum())
    if min(n_pos, n_neg) < 2:
        messages.append((logging.WARNING, f"prediction of {task} skipped: {n_pos} positive and "
                         f"{n_neg} negative cases; each class needs at least 2"))
        return [], [], {}, messages
    task_folds = min(folds, n_pos, n_neg)
    if task_folds < folds:
        messages.append((logging.WARNING, f"prediction of {task}: the smaller class has "
                         f"{min(n_pos, n_neg)} cases, so repeated cross-validation uses "
                         f"{task_folds} folds instead of {folds}"))

    base = {"task": task, "n": len(y), "n_pos": n_pos, "n_neg": n_neg,
            "published_auc": reference.get("auc", np.nan),
            "published_source": reference.get("source", "")}
    rows, comparisons, curves, loo_scores, kfold_scores = [], [], {}, {}, {}
    for model_name in models:
        if leave_one_out:
            scores, separated = _out_of_fold(
                model_name, X, y, LeaveOneOut().split(X), max_features
            )
            roc = roc_auc_delong(y, scores)
            rows.append({**base, "model": model_name, "scheme": "leave-one-out",
                         "auc": roc.auc, "ci_low": roc.ci_low, "ci_high": roc.ci_high,
                         "auc_sd_repeats": np.nan, "separated_folds": separated})
            loo_scores[model_name] = scores
            curves[(task, model_name)] = pd.DataFrame(
                {"label": y, "score": scores}, index=label[known].index
            )
        if repeats:
            aucs, variances, separated = [], [], 0
            for repeat in range(repeats):
                splitter = StratifiedKFold(task_folds, shuffle=True, random_state=seed + repeat)
                scores, separated_now = _out_of_fold(
                    model_name, X, y, splitter.split(X, y), max_features
                )
                roc = roc_auc_delong(y, scores)
                aucs.append(roc.auc)
                variances.append(roc.se**2)
                separated += separated_now
                if repeat == 0:
                    kfold_scores[model_name] = scores
            auc = float(np.mean(aucs))
            half_width = stats.norm.ppf(0.975) * np.sqrt(np.mean(variances))
            rows.append({**base, "model": model_name,
                         "scheme": f"{repeats}x repeated stratified {task_folds}-fold",
                         "auc": auc, "ci_low": max(0.0, auc - half_width),
                         "ci_high": min(1.0, auc + half_width),
                         "auc_sd_repeats": float(np.std(aucs, ddof=1)) if repeats > 1
                         else np.nan,
                         "separated_folds": separated})
        separated_total = sum(row["separated_folds"] for row in rows
                              if row["model"] == model_name)
        if separated_total:
            messages.append((logging.INFO, f"{task}, {model_name}: the training data were "
                             f"perfectly separated in {separated_total} fold(s); the L2 penalty "
                             "kept the coefficients finite"))
    for scheme, scores_by_model in (("leave-one-out", loo_scores),
                                    (f"stratified {task_folds}-fold, first repeat", kfold_scores)):
        names = list(scores_by_model)
        for i, first in enumerate(names):
            for second in names[i + 1:]:
                auc_a, auc_b, z, p = delong_test(
                    y, scores_by_model[first], scores_by_model[second]
                )
                comparisons.append((task, scheme, first, second, auc_a, auc_b, z, p))
    for row in rows:
        row["note"] = ""
        if row["ci_high"] < 0.5:
            row["note"] = ("below chance: out-of-fold scores of a weak predictor are biased "
                           "against the held-out cases' class, most under leave-one-out; read "
                           "as no signal")
    messages.append((logging.INFO, f"prediction of {task} done ({len(y)} cases)"))
    return rows, comparisons, curves, messages
