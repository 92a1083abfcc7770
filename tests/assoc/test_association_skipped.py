"""The reason given for each label that size_controlled_association cannot test."""

import numpy as np
import pandas as pd
import pytest

from radiogenomics.assoc import size_controlled_association


@pytest.fixture
def features():
    rng = np.random.default_rng(3)
    return pd.DataFrame(rng.normal(size=(12, 2)), columns=["a", "b"],
                        index=[f"P{i}" for i in range(12)])


def _reasons(features, labels, **options):
    result = size_controlled_association(features, labels, None, **options)
    return dict(zip(result.skipped["label"], result.skipped["reason"], strict=True))


def test_constant_continuous_label_names_value(features):
    labels = pd.DataFrame({"score": 2.5}, index=features.index)
    labels.loc["P0", "score"] = np.nan
    reasons = _reasons(features, labels, continuous=["score"])
    assert reasons == {"score": "continuous label with one distinct value, 2.5 (11 patients); "
                                "it needs at least 2 distinct values"}


def test_constant_one_continuous_label_is_not_called_binary(features):
    labels = pd.DataFrame({"score": 1.0}, index=features.index)
    reasons = _reasons(features, labels, continuous=["score"])
    assert reasons == {"score": "continuous label with one distinct value, 1 (12 patients); "
                                "it needs at least 2 distinct values"}


def test_binary_label_reason_names_classes(features):
    labels = pd.DataFrame({"ER": [1.0] * 11 + [0.0]}, index=features.index)
    reasons = _reasons(features, labels,
                       class_names={"ER": {1.0: "Positive", 0.0: "Negative"}})
    assert reasons == {"ER": "class counts 1 = Positive: 11, 0 = Negative: 1; each class "
                             "needs at least 2 patients"}


def test_binary_label_without_names_explains_codes(features):
    labels = pd.DataFrame({"ER": 1.0}, index=features.index)
    reasons = _reasons(features, labels)
    assert reasons == {"ER": "class counts 1 = positive: 12, 0 = negative: 0; each class "
                             "needs at least 2 patients"}


def test_factor_reason_lists_levels(features):
    levels = pd.Categorical(["LumA"] * 11 + ["Basal"], categories=["LumA", "Basal", "Her2"])
    labels = pd.DataFrame({"PAM50": levels}, index=features.index)
    reasons = _reasons(features, labels)
    assert reasons == {"PAM50": "level counts LumA: 11, Basal: 1; a factor needs at least 2 "
                                "levels with at least 2 patients each"}


def test_testable_labels_are_not_skipped(features):
    labels = pd.DataFrame({"ER": [1.0, 0.0] * 6, "score": np.arange(12.0)},
                          index=features.index)
    result = size_controlled_association(features, labels, None, continuous=["score"])
    assert result.skipped.empty
    assert sorted(result.table["label"].unique()) == ["ER", "score"]
