"""Cross-validated prediction: selection inside folds, separation, stepwise selection."""

import logging

import numpy as np
import pandas as pd
import pytest

from radiogenomics.assoc import StepwiseLDASelector, predict_labels


def _noise(n=40, p=200, seed=0):
    rng = np.random.default_rng(seed)
    features = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"f{i}" for i in range(p)])
    labels = pd.DataFrame({"y": np.repeat([0.0, 1.0], n // 2)})
    return features, labels


def test_selection_inside_folds_keeps_noise_near_chance():
    # Selecting 5 of 200 noise features on all 40 cases before cross-validation gives an
    # AUC near 0.9; inside the folds the AUC must stay near chance.
    features, labels = _noise()
    result = predict_labels(features, labels, ["y"], models=["lda_kbest"], repeats=5, seed=1)
    kfold = result.table[result.table["scheme"].str.contains("fold")].iloc[0]
    assert kfold["auc"] < 0.75

    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.feature_selection import SelectKBest, f_classif
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    leaked = SelectKBest(f_classif, k=5).fit_transform(features, labels["y"])
    scores = cross_val_predict(LinearDiscriminantAnalysis(), leaked, labels["y"],
                               cv=StratifiedKFold(5, shuffle=True, random_state=1),
                               method="decision_function")
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(labels["y"], scores) > kfold["auc"] + 0.15


def test_perfect_separation_is_penalised_and_reported(caplog):
    y = np.repeat([0.0, 1.0], 15)
    features = pd.DataFrame({"x": y * 10 + np.linspace(0, 1, 30), "z": np.cos(np.arange(30))})
    with caplog.at_level(logging.INFO, logger="radiogenomics"):
        result = predict_labels(features, pd.DataFrame({"y": y}), ["y"],
                                models=["logistic_l2"], repeats=2)
    assert np.isfinite(result.table["auc"]).all()
    assert (result.table["auc"] == 1.0).all()
    assert (result.table["separated_folds"] > 0).all()
    assert "perfectly separated" in caplog.text


def test_stepwise_selector_finds_informative_features():
    rng = np.random.default_rng(2)
    n = 120
    y = np.repeat([0, 1], n // 2)
    X = rng.normal(size=(n, 10))
    X[:, 3] += 1.5 * y
    X[:, 7] -= 1.0 * y
    selector = StepwiseLDASelector(max_features=5).fit(X, y)
    assert list(selector.order_[:2]) == [3, 7]
    assert selector.get_support().sum() <= 5


def test_tiny_class_uses_fewer_folds(caplog):
    features, _ = _noise(n=30, p=5)
    labels = pd.DataFrame({"y": [1.0] * 3 + [0.0] * 27})
    with caplog.at_level(logging.WARNING, logger="radiogenomics"):
        result = predict_labels(features, labels, ["y"], models=["lda_stepwise"], repeats=2)
    assert "uses 3 folds" in caplog.text
    assert result.table["scheme"].str.contains("3-fold").any()


def test_unknown_task_is_a_clear_error():
    features, labels = _noise(n=10, p=3)
    with pytest.raises(ValueError, match="'missing_label' is not a cohort label"):
        predict_labels(features, labels, ["missing_label"])


def test_results_do_not_depend_on_workers(brca_cohort):
    tasks = ["ER", "MammaPrint_poor"]
    one = predict_labels(brca_cohort.features, brca_cohort.labels, tasks, repeats=2, n_jobs=1)
    two = predict_labels(brca_cohort.features, brca_cohort.labels, tasks, repeats=2, n_jobs=2)
    pd.testing.assert_frame_equal(one.table, two.table)


def test_continuous_task_is_rejected():
    features, _ = _noise(n=10, p=3)
    labels = pd.DataFrame({"score": np.linspace(0, 3, 10)})
    with pytest.raises(ValueError, match="must be a binary label coded 0/1"):
        predict_labels(features, labels, ["score"])
