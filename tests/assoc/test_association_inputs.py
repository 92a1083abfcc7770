"""Input checks of size_controlled_association and the patients it leaves out."""

import logging

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from radiogenomics.assoc import size_controlled_association
from radiogenomics.errors import TableError

N = 60


@pytest.fixture
def cohort():
    """Simulated sizes, an ER label with 7 missing values, and phenotypes with a size effect."""
    rng = np.random.default_rng(3)
    index = [f"P{i}" for i in range(N)]
    volume = pd.Series(np.exp(rng.normal(7, 1, N)), index=index)
    er = pd.Series(rng.integers(0, 2, N).astype(float), index=index, name="ER")
    er.iloc[:7] = np.nan
    features = pd.DataFrame(
        {
            "f1": 2 * np.log(volume) + 1.5 * er.fillna(0) + rng.normal(0, 1, N),
            "f2": rng.normal(0, 1, N),
        },
        index=index,
    )
    return features, er, volume


def _statsmodels_fit(features, er, volume, feature):
    data = pd.DataFrame({"y": features[feature], "er": er, "lv": np.log(volume)}).dropna()
    return smf.ols("y ~ er + lv", data).fit()


def test_series_label_matches_statsmodels(cohort):
    features, er, volume = cohort
    result = size_controlled_association(features, er, volume)
    row = result.table.set_index("feature").loc["f1"]
    fit = _statsmodels_fit(features, er, volume, "f1")

    assert list(result.table["label"].unique()) == ["ER"]
    assert row["n"] == fit.nobs == 53
    np.testing.assert_allclose(row["beta"], fit.params["er"], rtol=1e-9)
    np.testing.assert_allclose(row["se"], fit.bse["er"], rtol=1e-9)
    np.testing.assert_allclose(row["p"], fit.pvalues["er"], rtol=1e-9)


def test_series_label_equals_frame(cohort):
    features, er, volume = cohort
    from_series = size_controlled_association(features, er, volume).table
    from_frame = size_controlled_association(features, er.to_frame(), volume).table
    pd.testing.assert_frame_equal(from_series, from_frame)


def test_unnamed_series_label_is_called_label(cohort):
    features, er, volume = cohort
    result = size_controlled_association(features, er.rename(None), volume)
    assert list(result.table["label"].unique()) == ["label"]


def test_label_array_is_rejected(cohort):
    features, er, volume = cohort
    with pytest.raises(TableError) as error:
        size_controlled_association(features, er.to_numpy(), volume)
    assert str(error.value) == (
        "labels must be a pandas DataFrame of patients x labels (or one label as a pandas "
        "Series), got ndarray"
    )


def test_text_phenotype_is_named(cohort):
    features, er, volume = cohort
    with pytest.raises(TableError) as error:
        size_controlled_association(features.assign(txt="a"), er, volume)
    assert str(error.value) == (
        "phenotype column(s) ['txt'] are not numeric ('txt' has ['a']); drop them from the "
        "features or convert them to numbers"
    )


def test_numeric_text_phenotype_is_accepted(cohort):
    features, er, volume = cohort
    as_text = features.astype(object)
    expected = size_controlled_association(features, er, volume).table
    pd.testing.assert_frame_equal(size_controlled_association(as_text, er, volume).table,
                                  expected)


def test_non_positive_sizes_name_patients(cohort):
    features, er, volume = cohort
    volume = volume.copy()
    volume["P10"] = 0.0
    volume["P12"] = -5.0
    with pytest.raises(TableError) as error:
        size_controlled_association(features, er, volume)
    assert str(error.value) == (
        "the size covariate must be positive for a log transform, but 2 patient(s) have a zero "
        "or negative value ('P10': 0, 'P12': -5); fix or remove these sizes, or pass "
        "size_transform='none'"
    )


def test_named_size_is_quoted(cohort):
    features, er, volume = cohort
    volume = volume.rename("volume_mm3")
    volume["P3"] = 0.0
    with pytest.raises(TableError, match=r"^the size covariate 'volume_mm3' must be positive"):
        size_controlled_association(features, er, volume)


def test_disjoint_label_ids_are_reported(cohort):
    features, er, volume = cohort
    renamed = er.set_axis([f"Q{i}" for i in range(N)])
    with pytest.raises(TableError) as error:
        size_controlled_association(features, renamed, volume)
    assert str(error.value) == (
        "the labels and the features share no patient identifiers: the features have 'P0', "
        "'P1', 'P2', ... and the labels have 'Q0', 'Q1', 'Q2', ...; index both tables by the "
        "same patient identifier"
    )


def test_disjoint_size_ids_are_reported(cohort):
    features, er, volume = cohort
    renamed = volume.set_axis([f"Q{i}" for i in range(N)])
    with pytest.raises(TableError) as error:
        size_controlled_association(features, er, renamed)
    assert str(error.value) == (
        "the size values and the features share no patient identifiers: the features have "
        "'P0', 'P1', 'P2', ... and the size values have 'Q0', 'Q1', 'Q2', ...; index both "
        "tables by the same patient identifier"
    )


def test_repeated_label_id_is_rejected(cohort):
    features, er, volume = cohort
    repeated = pd.concat([er, er.iloc[[8]]])
    with pytest.raises(TableError) as error:
        size_controlled_association(features, repeated, volume)
    assert str(error.value) == (
        "the labels repeat 1 patient identifier(s): 'P8'; give one row per patient"
    )


def test_missing_size_is_logged(cohort, caplog):
    features, er, volume = cohort
    volume = volume.copy()
    volume["P10"] = np.nan
    with caplog.at_level(logging.INFO, logger="radiogenomics.assoc"):
        result = size_controlled_association(features, er, volume)

    messages = [record.getMessage() for record in caplog.records]
    assert ("1 patient(s) have no value of the size covariate and are left out of every "
            "test: ['P10']") in messages
    fit = _statsmodels_fit(features, er, volume, "f1")
    row = result.table.set_index("feature").loc["f1"]
    assert row["n"] == fit.nobs == 52
    np.testing.assert_allclose(row["beta"], fit.params["er"], rtol=1e-9)
    np.testing.assert_allclose(row["p"], fit.pvalues["er"], rtol=1e-9)


def test_size_absent_for_patient_is_logged(cohort, caplog):
    features, er, volume = cohort
    with caplog.at_level(logging.WARNING, logger="radiogenomics.assoc"):
        result = size_controlled_association(features, er, volume.drop(["P20", "P21"]))
    messages = [record.getMessage() for record in caplog.records]
    assert ("2 patient(s) have no value of the size covariate and are left out of every "
            "test: ['P20', 'P21']") in messages
    assert result.table["n"].tolist() == [51, 51]


def test_missing_label_values_are_logged(cohort, caplog):
    features, er, volume = cohort
    with caplog.at_level(logging.INFO, logger="radiogenomics.assoc"):
        size_controlled_association(features, er, volume)
    messages = [record.getMessage() for record in caplog.records]
    assert ("label ER: 7 patient(s) without a value are left out: "
            "['P0', 'P1', 'P2', 'P3', 'P4', 'P5', 'P6']") in messages


def test_patients_without_label_row_are_logged(cohort, caplog):
    features, er, volume = cohort
    with caplog.at_level(logging.WARNING, logger="radiogenomics.assoc"):
        result = size_controlled_association(features, er.drop("P30"), volume)
    messages = [record.getMessage() for record in caplog.records]
    assert ("1 patient(s) of the features have no row in the labels and are left out of "
            "every test: ['P30']") in messages
    fit = _statsmodels_fit(features.drop("P30"), er, volume, "f1")
    assert result.table.set_index("feature").loc["f1", "n"] == fit.nobs == 52
