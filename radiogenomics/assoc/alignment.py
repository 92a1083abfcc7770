"""Check the phenotype, label and size tables of an association and align them on patients.

The association functions index every table by patient identifier. These checks turn the
usual mistakes (a Series passed for a table, text in a phenotype column, tables indexed by
different identifiers) into errors that name the table and the values. They also log every
patient that a missing row or value leaves out of the fits.
"""

from __future__ import annotations

import logging

import pandas as pd

from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)

#: Identifiers shown from each table when two tables share none.
SHOWN_IDS = 3


def _examples(values, count: int = SHOWN_IDS) -> str:
    values = list(values)
    listed = ", ".join(repr(value) for value in values[:count])
    return f"{listed}, ..." if len(values) > count else listed


def check_unique_index(table: pd.DataFrame | pd.Series, table_name: str) -> None:
    """Raise :class:`TableError` when ``table`` repeats a patient identifier."""
    repeated = table.index[table.index.duplicated()].unique()
    if len(repeated):
        raise TableError(
            f"the {table_name} repeat {len(repeated)} patient identifier(s): "
            f"{_examples(repeated, 10)}; give one row per patient"
        )


def numeric_features(features: pd.DataFrame) -> pd.DataFrame:
    """Return the phenotypes as floats, or raise :class:`TableError` naming non-numeric columns.

    Columns of another dtype are kept when all their values convert to numbers.
    """
    if not isinstance(features, pd.DataFrame):
        raise TableError(
            f"features must be a pandas DataFrame of patients x phenotypes, got "
            f"{type(features).__name__}"
        )
    check_unique_index(features, "features")
    invalid = {}
    for name in features.columns:
        column = features[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            continue
        try:
            column.astype(float)
        except (TypeError, ValueError):
            converted = pd.to_numeric(column, errors="coerce")
            invalid[name] = column[converted.isna() & column.notna()].unique()[:3].tolist()
    if invalid:
        details = "; ".join(f"{name!r} has {values}" for name, values in invalid.items())
        raise TableError(
            f"phenotype column(s) {list(invalid)} are not numeric ({details}); drop them from "
            "the features or convert them to numbers"
        )
    return features.astype(float)


def label_frame(labels: pd.DataFrame | pd.Series) -> pd.DataFrame:
    """Return ``labels`` as a DataFrame, turning a Series into one column of its name.

    An unnamed Series becomes the column ``label``.
    """
    if isinstance(labels, pd.Series):
        name = "label" if labels.name is None else labels.name
        return labels.rename(name).to_frame()
    if not isinstance(labels, pd.DataFrame):
        raise TableError(
            f"labels must be a pandas DataFrame of patients x labels (or one label as a "
            f"pandas Series), got {type(labels).__name__}"
        )
    return labels


def size_series(size: pd.Series | pd.DataFrame) -> pd.Series:
    """Return the size covariate as a float Series, or raise :class:`TableError`."""
    if isinstance(size, pd.DataFrame) and size.shape[1] == 1:
        size = size.iloc[:, 0]
    if not isinstance(size, pd.Series):
        raise TableError(
            f"size must be a pandas Series of tumour sizes indexed by patient, got "
            f"{type(size).__name__}"
        )
    check_unique_index(size, "size values")
    try:
        return size.astype(float)
    except (TypeError, ValueError) as error:
        converted = pd.to_numeric(size, errors="coerce")
        bad = size[converted.isna() & size.notna()]
        raise TableError(
            f"{describe_size(size)} must be numeric; patient(s) {_examples(bad.index, 10)} "
            f"have {_examples(bad.unique(), 3)}"
        ) from error


def describe_size(size: pd.Series) -> str:
    """Return ``the size covariate`` followed by the Series name when it has one."""
    return "the size covariate" if size.name is None else f"the size covariate {size.name!r}"


def check_overlap(features: pd.DataFrame, other: pd.DataFrame | pd.Series, table_name: str) -> None:
    """Raise :class:`TableError` when ``other`` shares no patient identifier with ``features``."""
    if len(features.index.intersection(other.index)):
        return
    raise TableError(
        f"the {table_name} and the features share no patient identifiers: the features have "
        f"{_examples(features.index)} and the {table_name} have {_examples(other.index)}; index "
        "both tables by the same patient identifier"
    )


def align_labels(features: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    """Return ``labels`` reindexed to the feature rows, logging the patients without a row.

    Boolean labels become 1.0/0.0 first, so that the missing rows can hold NaN.
    """
    check_unique_index(labels, "labels")
    check_overlap(features, labels, "labels")
    labels = labels.apply(lambda column: column.astype(float)
                          if pd.api.types.is_bool_dtype(column) else column)
    missing = features.index.difference(labels.index, sort=False)
    if len(missing):
        logger.warning(
            "%d patient(s) of the features have no row in the labels and are left out of "
            "every test: %s", len(missing), list(missing)
        )
    return labels.reindex(features.index)


def align_size(features: pd.DataFrame, size: pd.Series) -> pd.Series:
    """Return ``size`` reindexed to the feature rows, logging the patients without a value.

    Raises
    ------
    TableError
        If no patient of the features has a size value.
    """
    check_overlap(features, size, "size values")
    aligned = size.reindex(features.index)
    missing = aligned.index[aligned.isna().to_numpy()]
    if len(missing) == len(aligned):
        raise TableError(
            f"{describe_size(size)} has no value for any patient of the features; "
            "give a size for the patients or pass size=None"
        )
    if len(missing):
        logger.warning(
            "%d patient(s) have no value of %s and are left out of every test: %s",
            len(missing), describe_size(size), list(missing)
        )
    return aligned


def log_missing_label_values(name, label: pd.Series) -> None:
    """Log the patients left out of a label's tests because the label has no value."""
    missing = label.index[label.isna().to_numpy()]
    if len(missing):
        logger.info("label %s: %d patient(s) without a value are left out: %s",
                    name, len(missing), list(missing))

