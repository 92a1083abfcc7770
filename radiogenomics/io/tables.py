"""Readers and validators for CSV, TSV, XLSX and cBioPortal clinical tables."""

from __future__ import annotations

import codecs
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)

_SEPARATORS = {".csv": ",", ".tsv": "\t", ".txt": "\t", ".tab": "\t"}


def read_table(
    path: str | os.PathLike,
    id_column: str | None = None,
    sep: str | None = None,
    sheet: str | int = 0,
    **read_kwargs,
) -> pd.DataFrame:
    """Read a CSV, TSV or XLSX table, or a cBioPortal file with ``#`` header lines.

    cBioPortal clinical staging files (``data_clinical_*.txt``) and "Download clinical data"
    exports start with up to four lines beginning with ``#`` (display names, descriptions,
    data types, priorities). These lines are skipped, and the next line is the header.

    Parameters
    ----------
    path : path-like
        The table file. The separator follows the suffix (``.csv`` comma; ``.tsv``, ``.txt``
        tab) unless ``sep`` is given; ``.xlsx`` and ``.xls`` are read with openpyxl.
    id_column : str, optional
        Column to use as the row index. It must exist and hold unique, non-missing values.
    sep : str, optional
        Field separator, overriding the suffix.
    sheet : str or int, default 0
        Sheet of an Excel workbook.
    **read_kwargs
        Passed to :func:`pandas.read_csv` or :func:`pandas.read_excel`.

    Returns
    -------
    pandas.DataFrame
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"table {path} not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        table = pd.read_excel(path, sheet_name=sheet, **read_kwargs)
    else:
        separator = sep or _SEPARATORS.get(suffix)
        if separator is None:
            raise TableError(
                f"cannot tell the separator of {path} from its suffix {suffix!r}; pass sep="
            )
        if "encoding" not in read_kwargs:
            _check_utf8(path)
        comment_lines = _count_comment_lines(path)
        try:
            table = pd.read_csv(path, sep=separator, skiprows=comment_lines, **read_kwargs)
        except pd.errors.EmptyDataError as error:
            raise TableError(f"table {path} is empty; it needs a header line and rows") from error
        except (pd.errors.ParserError, UnicodeDecodeError) as error:
            raise TableError(
                f"table {path} cannot be read as {suffix} text with separator {separator!r}: "
                f"{error}"
            ) from error
    table.columns = [str(column).strip() for column in table.columns]
    logger.debug("read %s: %d rows x %d columns", path, *table.shape)
    if id_column is not None:
        table = set_unique_index(table, id_column, source=str(path))
    return table


def _check_utf8(path: Path, chunk_size: int = 1 << 20) -> None:
    """Raise :class:`TableError` naming the first byte of ``path`` that is not valid UTF-8.

    The file is decoded in chunks, so the offset (in bytes from the start of the file) is
    exact however large the file is. A UTF-8 byte order mark is valid UTF-8.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    consumed = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(chunk_size)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                offset = consumed - pending + error.start
                kind = {".csv": "CSV", ".tsv": "TSV"}.get(path.suffix.lower(), "text file")
                raise TableError(
                    f"table {path} is not UTF-8 text (byte {error.object[error.start]:#04x} "
                    f"at offset {offset}); save it as a UTF-8 {kind}"
                ) from None
            if not chunk:
                return
            consumed += len(chunk)


def _count_comment_lines(path: Path) -> int:
    count = 0
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            count += 1
    return count


def require_columns(table: pd.DataFrame, columns, source: str) -> None:
    """Raise :class:`TableError` naming every column of ``columns`` absent from ``table``."""
    missing = [column for column in columns if column not in table.columns]
    if missing:
        shown = ", ".join(map(repr, list(table.columns)[:12]))
        raise TableError(
            f"{source}: missing column(s) {', '.join(map(repr, missing))}; "
            f"the table has {table.shape[1]} columns: {shown}"
            + (", ..." if table.shape[1] > 12 else "")
        )


def set_unique_index(table: pd.DataFrame, id_column: str, source: str) -> pd.DataFrame:
    """Index ``table`` by ``id_column``, raising on missing or duplicated identifiers."""
    require_columns(table, [id_column], source)
    identifiers = table[id_column]
    if identifiers.isna().any():
        rows = list(np.flatnonzero(identifiers.isna().to_numpy())[:5])
        raise TableError(f"{source}: column {id_column!r} is empty in row(s) {rows}")
    duplicated = identifiers[identifiers.duplicated(keep=False)]
    if len(duplicated):
        raise TableError(
            f"{source}: identifier column {id_column!r} repeats "
            f"{', '.join(map(repr, sorted(set(duplicated.astype(str)))[:10]))}; "
            "remove the duplicate rows or choose another identifier column"
        )
    return table.set_index(id_column)


def to_numeric_features(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check that every column is numeric and drop all-missing columns, logging each one.

    Raises
    ------
    TableError
        If a column contains text that is not a number, or an infinite value. The message
        shows the invalid values.
    """
    converted = {}
    for column in table.columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table[column][values.isna() & table[column].notna()]
        if len(bad):
            examples = ", ".join(repr(v) for v in bad.astype(str).unique()[:3])
            raise TableError(
                f"{source}: feature column {column!r} has invalid non-numeric values "
                f"({examples}) in {len(bad)} row(s), e.g. {', '.join(map(str, bad.index[:3]))}; "
                "fix the values or leave the column out of the feature set"
            )
        infinite = values.index[np.isinf(values.astype(float))]
        if len(infinite):
            raise TableError(
                f"{source}: feature column {column!r} has invalid infinite values in row(s) "
                f"{', '.join(map(str, infinite[:3]))}; replace them with a number or leave "
                "the cells empty"
            )
        converted[column] = values.astype(float)
    numeric = pd.DataFrame(converted, index=table.index)
    empty = [column for column in numeric.columns if numeric[column].isna().all()]
    for column in empty:
        logger.warning("%s: feature %r has no values; it is excluded", source, column)
    return numeric.drop(columns=empty)
