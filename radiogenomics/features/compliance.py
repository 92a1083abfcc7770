"""IBSI 1 compliance tables: fill in ``your result``, ``difference`` and ``check``.

The reference tables are the IBSI 1 submission sheets (columns ``dataset, family,
feature, consensus, reference value, tolerance, your result, difference, check, tag``).
A feature matches when ``|result - reference| <= tolerance``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from radiogenomics.errors import RadiogenomicsError

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("feature", "reference value", "tolerance", "tag")

# Texture tags of the IBSI sheets name merged aggregations ``comb``; aggregations of the
# zone and neighbourhood families are written without ``avg``/``comb`` in both.
_TAG_ALIASES = {"2_5D": "2_5D"}


def read_reference(path) -> pandas.DataFrame:  # noqa: F821
    """Read an IBSI reference table (UTF-8, with or without byte-order mark)."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"reference table not found: {path}")
    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"tag": str})
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise RadiogenomicsError(
            f"{path} is not an IBSI reference table: columns {missing} are missing"
        )
    return table


def check_configuration(table, configuration: str, source) -> None:
    """Raise unless the ``dataset`` column of a reference table names ``configuration``.

    The IBSI 1 sheets write ``digital phantom`` or ``configuration A`` to ``configuration E``
    in that column. A table without the column is accepted with a warning.
    """
    key = configuration.strip().upper()
    expected = "digital phantom" if key == "PHANTOM" else f"configuration {key}"
    if "dataset" not in table.columns:
        logger.warning(
            "%s has no dataset column, so it cannot be checked against configuration %s",
            source,
            configuration,
        )
        return
    found = sorted({" ".join(str(v).split()) for v in table["dataset"].dropna()})
    if [name.lower() for name in found] == [expected.lower()]:
        return
    options = [_configuration_name(name.lower()) for name in found]
    raise RadiogenomicsError(
        f"reference table {source} is for {', '.join(found) or 'no dataset'} (its dataset "
        f"column), not for configuration {configuration!r} (Python configuration=, CLI "
        f"--config); pass --config {' or '.join(options)} or the reference table of "
        f"{expected}"
    )


def _configuration_name(dataset: str) -> str:
    """Return the ``--config`` value of a ``dataset`` cell, for example ``B``."""
    if dataset == "digital phantom":
        return "phantom"
    if dataset.startswith("configuration "):
        return dataset.removeprefix("configuration ").upper()
    return repr(dataset)


def check_results(reference, results) -> pandas.DataFrame:  # noqa: F821
    """Fill the result columns of a reference table from a feature row.

    Parameters
    ----------
    reference : pandas.DataFrame
        From :func:`read_reference`.
    results : mapping or pandas.Series
        Feature name (IBSI tag) -> value.

    Returns
    -------
    pandas.DataFrame
        A copy with ``your result``, ``difference`` and ``check`` (``True``/``False``;
        empty when there is no reference value or no result).
    """
    table = reference.copy()
    values = table["tag"].map(lambda tag: results.get(tag, np.nan))
    reference_value = table["reference value"].astype(float)
    tolerance = table["tolerance"].astype(float)
    difference = values - reference_value
    # Reference values are given to 3 significant digits. When the tolerance is 0, a
    # result matches if it rounds to the reference value at that precision.
    magnitude = np.floor(np.log10(reference_value.abs().where(reference_value != 0, 1.0)))
    rounding = 0.5 * 10.0 ** (magnitude - 2)
    slack = 1e-9 + rounding.where(tolerance == 0, 0.0)
    check = (difference.abs() <= tolerance + slack).astype(object)
    check[reference_value.isna() | values.isna()] = None
    table["your result"] = values
    table["difference"] = difference
    table["check"] = check
    return table


def summarise(table) -> dict[str, int]:
    """Count features with a reference value, with a result, and matched."""
    with_reference = table["reference value"].notna()
    return {
        "with_reference": int(with_reference.sum()),
        "computed": int((with_reference & table["your result"].notna()).sum()),
        "matched": int((table["check"] == True).sum()),  # noqa: E712
    }


def write_table(table, path) -> None:
    """Write a table as CSV through a temporary file, so no half-written file remains."""
    from radiogenomics.io.atomic import atomic_file

    with atomic_file(path) as temporary:
        table.to_csv(temporary, index=False)


def run_compliance(configuration: str, reference, image, mask, label=None):
    """Extract features with an IBSI configuration and check them against a reference table.

    Parameters
    ----------
    configuration : {"phantom", "A", "B", "C", "D", "E"}
    reference : path
        IBSI reference table.
    image, mask : path
    label : int, optional

    Returns
    -------
    pandas.DataFrame
        The filled table.
    """
    from radiogenomics.features.pipeline import extract
    from radiogenomics.features.settings import Settings

    settings = Settings.ibsi(configuration)
    settings.diagnostics = configuration.strip().lower() != "phantom"
    settings.label = label
    table = read_reference(reference)
    check_configuration(table, configuration, reference)
    results = extract(image, mask, settings)
    filled = check_results(table, results)
    counts = summarise(filled)
    logger.info(
        "configuration %s: %d of %d features with a reference value match",
        configuration,
        counts["matched"],
        counts["with_reference"],
    )
    return filled
