"""Label definitions: turning clinical and genomic columns into coded analysis labels.

A binary label codes the listed positive values as 1, the negative values as 0 and
everything else (including values listed as missing) as NaN. A categorical label keeps the
listed levels in order. A continuous label (an expression value, an assay score) is a number.
A triple-negative label is 1 when every listed receptor label is 0, 0 when any is 1, and
missing otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from radiogenomics.errors import TableError

logger = logging.getLogger(__name__)


def _key(value) -> str | None:
    """Return the text a value is compared by, so 1, 1.0 and '1' all match."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool):
        # YAML reads an unquoted Yes or No as a boolean.
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _require_column(label: str, column: str, table: pd.DataFrame) -> None:
    if column not in table.columns:
        raise TableError(f"label {label!r} needs column {column!r}, which the cohort lacks")


def _as_keys(values) -> set[str]:
    return {_key(value) for value in values}


def _value_keys(series: pd.Series) -> pd.Series:
    """Return the comparison text of every value (``None`` for missing)."""
    return series.map(_key)


@dataclass(frozen=True)
class BinaryLabel:
    """A two-class label: ``positive`` values code 1, ``negative`` values code 0."""

    name: str
    column: str
    positive: tuple
    negative: tuple
    missing: tuple = ()

    kind = "binary"

    def __post_init__(self):
        groups = {"positive": _as_keys(self.positive), "negative": _as_keys(self.negative),
                  "missing": _as_keys(self.missing)}
        for first, second in (("positive", "negative"), ("positive", "missing"),
                              ("negative", "missing")):
            shared = sorted(groups[first] & groups[second])
            if shared:
                raise TableError(
                    f"label {self.name!r} lists {shared} as both {first} and {second}; "
                    "each value belongs to one class"
                )
        if not groups["positive"] or not groups["negative"]:
            raise TableError(
                f"label {self.name!r} needs at least one positive and one negative value"
            )

    def encode(self, table: pd.DataFrame) -> pd.Series:
        """Return the coded label (1.0, 0.0 or NaN) for every row of ``table``."""
        _require_column(self.name, self.column, table)
        keys = _value_keys(table[self.column])
        positive, negative = _as_keys(self.positive), _as_keys(self.negative)
        absent = sorted((positive | negative) - set(keys.dropna()))
        if absent:
            logger.warning(
                "label %s: listed value(s) %s occur in no row of column %r, whose values are "
                "%s; check the spelling in the workflow file", self.name, absent, self.column,
                sorted(set(keys.dropna()))[:10],
            )
        coded = pd.Series(np.nan, index=table.index, name=self.name)
        coded[keys.isin(positive)] = 1.0
        coded[keys.isin(negative)] = 0.0
        known = positive | negative | _as_keys(self.missing)
        unexpected = sorted(set(keys.dropna()) - known)
        if unexpected:
            logger.warning(
                "label %s: values %s of column %r are neither positive, negative nor listed "
                "as missing; they count as missing",
                self.name,
                unexpected,
                self.column,
            )
        return coded

    def describe(self) -> str:
        """Return the coding in words, e.g. ``'1 = Positive; 0 = Negative'``."""
        return (
            f"{self.column}: 1 = {', '.join(map(str, self.positive))}; "
            f"0 = {', '.join(map(str, self.negative))}"
        )


@dataclass(frozen=True)
class CategoricalLabel:
    """A factor with ordered ``levels``; values outside them count as missing."""

    name: str
    column: str
    levels: tuple
    one_vs_rest: bool = False

    kind = "categorical"

    def encode(self, table: pd.DataFrame) -> pd.Series:
        """Return the label as a pandas categorical with the declared levels."""
        _require_column(self.name, self.column, table)
        levels = [str(level) for level in self.levels]
        keys = _value_keys(table[self.column])
        unexpected = sorted(set(keys.dropna()) - set(levels))
        if unexpected:
            logger.warning(
                "label %s: values %s are not among the levels %s; they count as missing",
                self.name,
                unexpected,
                levels,
            )
        return pd.Series(
            pd.Categorical(keys.where(keys.isin(levels)), categories=levels),
            index=table.index,
            name=self.name,
        )

    def describe(self) -> str:
        """Return the levels in words."""
        return f"{self.column}: levels {', '.join(map(str, self.levels))}"

    def binary_labels(self) -> list[BinaryLabel]:
        """Return one binary label per level: that level (1) against the other levels (0)."""
        labels = []
        for level in self.levels:
            rest = tuple(other for other in self.levels if other != level)
            labels.append(BinaryLabel(f"{self.name}_{level}", self.column, (level,), rest))
        return labels


@dataclass(frozen=True)
class ContinuousLabel:
    """A numeric label, such as a gene-expression value or a recurrence score."""

    name: str
    column: str

    kind = "continuous"

    def encode(self, table: pd.DataFrame) -> pd.Series:
        """Return the column as floats; text that is not a number raises an error."""
        _require_column(self.name, self.column, table)
        values = pd.to_numeric(table[self.column], errors="coerce")
        bad = table[self.column][values.isna() & table[self.column].notna()]
        if len(bad):
            raise TableError(
                f"continuous label {self.name!r}: column {self.column!r} has invalid non-numeric "
                f"values {sorted(bad.astype(str).unique())[:3]}; fix them or define a binary "
                "or categorical label instead"
            )
        return values.astype(float).rename(self.name)

    def describe(self) -> str:
        """Return the label in words."""
        return f"{self.column}: continuous"


@dataclass(frozen=True)
class AllNegativeLabel:
    """1 when every component label is 0 (e.g. triple-negative), 0 when any is 1."""

    name: str
    components: tuple
    kind = "binary"
    column: str = field(default="", compare=False)

    def encode_from(self, coded: pd.DataFrame) -> pd.Series:
        """Combine already coded binary ``components`` of ``coded`` into this label."""
        missing = [component for component in self.components if component not in coded]
        if missing:
            raise TableError(
                f"label {self.name!r} combines {', '.join(missing)}, which are not defined "
                "before it; define the component labels first"
            )
        parts = coded[list(self.components)]
        result = pd.Series(np.nan, index=coded.index, name=self.name)
        result[(parts == 1).any(axis=1)] = 0.0
        result[(parts == 0).all(axis=1)] = 1.0
        return result

    def describe(self) -> str:
        """Return the rule in words."""
        return f"1 = {', '.join(self.components)} all negative; 0 = any positive"


def parse_label(name: str, spec: dict):
    """Build a label definition from its workflow-file mapping."""
    if not isinstance(spec, dict):
        raise TableError(f"label {name!r} must be a mapping, got {spec!r}")
    if "all_negative" in spec:
        return AllNegativeLabel(name, tuple(spec["all_negative"]))
    if spec.get("continuous"):
        if "column" not in spec:
            raise TableError(f"continuous label {name!r} needs a 'column'")
        return ContinuousLabel(name, str(spec["column"]))
    if "levels" in spec:
        return CategoricalLabel(
            name, str(spec["column"]), tuple(spec["levels"]), bool(spec.get("one_vs_rest"))
        )
    required = [key for key in ("column", "positive", "negative") if key not in spec]
    if required:
        raise TableError(
            f"label {name!r} lacks {', '.join(required)}; a binary label needs column, "
            "positive and negative, a factor needs column and levels, a number needs column "
            "and 'continuous: true', a combination needs all_negative"
        )
    return BinaryLabel(
        name,
        str(spec["column"]),
        tuple(spec["positive"]),
        tuple(spec["negative"]),
        tuple(spec.get("missing", ())),
    )


def encode_labels(table: pd.DataFrame, definitions: list) -> pd.DataFrame:
    """Code every label of ``definitions`` from the columns of ``table``.

    Factors declared ``one_vs_rest`` add one binary label per level, named
    ``<factor>_<level>``.

    Returns
    -------
    pandas.DataFrame
        One column per label: floats 1/0/NaN for binary labels, categoricals for factors.
    """
    coded = pd.DataFrame(index=table.index)
    for definition in definitions:
        if isinstance(definition, AllNegativeLabel):
            coded[definition.name] = definition.encode_from(coded)
            continue
        coded[definition.name] = definition.encode(table)
        if isinstance(definition, CategoricalLabel) and definition.one_vs_rest:
            for binary in definition.binary_labels():
                coded[binary.name] = binary.encode(table)
    return coded


def expand_definitions(definitions: list) -> list:
    """Return ``definitions`` with the per-level binary labels of one-vs-rest factors added."""
    expanded = []
    for definition in definitions:
        expanded.append(definition)
        if isinstance(definition, CategoricalLabel) and definition.one_vs_rest:
            expanded.extend(definition.binary_labels())
    return expanded
