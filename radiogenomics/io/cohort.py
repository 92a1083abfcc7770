"""Cohorts: phenotype, clinical and genomic tables aligned on one patient key.

A cohort starts from a feature table (one row per patient, one column per phenotype) and
left-joins every other table on the patient key. With ``id_format='tcga'`` every table's
identifiers are normalised to 12-character patient barcodes first: dotted IDs become dashed,
sample and aliquot barcodes become patients, normal samples are dropped beside tumour
samples, and repeated patients keep one row. Every dropped or duplicated identifier is
logged and listed in :attr:`Cohort.id_report`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from radiogenomics.errors import TableError
from radiogenomics.io import barcodes, registry
from radiogenomics.io.labels import encode_labels, expand_definitions, parse_label
from radiogenomics.io.tables import read_table, require_columns, to_numeric_features

logger = logging.getLogger(__name__)

_REPORT_COLUMNS = ["source", "identifier", "patient", "action", "reason"]


@dataclass
class Cohort:
    """Phenotypes, clinical variables and coded labels of one set of patients.

    Attributes
    ----------
    features : pandas.DataFrame
        Patients x phenotypes (float), indexed by patient identifier.
    clinical : pandas.DataFrame
        Patients x clinical and genomic columns, as read (renamed), same index.
    labels : pandas.DataFrame
        Patients x coded labels: 1/0/NaN for binary labels, categoricals for factors.
    definitions : list
        The label definitions, one-vs-rest factor levels included.
    size_feature : str or None
        The phenotype that measures tumour size (a volume), used for size control.
    id_report : pandas.DataFrame
        Every dropped or duplicated identifier: ``source, identifier, patient, action, reason``.
    inputs : dict
        Input file path -> sha256, for provenance.
    sources : pandas.DataFrame
        One row per table: ``table, patients, matched`` (patients also in the feature table).
    """

    features: pd.DataFrame
    clinical: pd.DataFrame
    labels: pd.DataFrame
    definitions: list = field(default_factory=list)
    size_feature: str | None = None
    id_report: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=_REPORT_COLUMNS)
    )
    inputs: dict = field(default_factory=dict)
    sources: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["table", "patients", "matched"])
    )

    @property
    def n_patients(self) -> int:
        """Number of patients (rows of the feature table)."""
        return len(self.features)

    def definition(self, name: str):
        """Return the definition of label ``name``."""
        for definition in self.definitions:
            if definition.name == name:
                return definition
        raise TableError(
            f"no label {name!r} in the cohort; defined labels: "
            f"{', '.join(d.name for d in self.definitions)}"
        )

    def label_summary(self) -> pd.DataFrame:
        """Count patients per label: with a value, per class, and missing."""
        rows = []
        for definition in self.definitions:
            values = self.labels[definition.name]
            row = {
                "label": definition.name,
                "kind": definition.kind,
                "definition": definition.describe(),
                "n": int(values.notna().sum()),
                "n_missing": int(values.isna().sum()),
            }
            if definition.kind == "binary":
                row["n_positive"] = int((values == 1).sum())
                row["n_negative"] = int((values == 0).sum())
            elif definition.kind == "continuous":
                row["levels"] = f"median {values.median():.4g} (range {values.min():.4g} to " \
                    f"{values.max():.4g})"
            else:
                row["levels"] = "; ".join(
                    f"{level} {count}" for level, count in values.value_counts(sort=False).items()
                )
            rows.append(row)
        columns = ["label", "kind", "definition", "n", "n_positive", "n_negative", "levels",
                   "n_missing"]
        return pd.DataFrame(rows).reindex(columns=columns)

    def table(self) -> pd.DataFrame:
        """Return one wide table: coded labels, clinical columns and phenotypes."""
        clinical = self.clinical.drop(columns=self.labels.columns, errors="ignore")
        return pd.concat([self.labels, clinical, self.features], axis=1)


def _resolve_source(spec: dict, data_dir, inputs: dict, base_dir: Path | None) -> Path:
    if "path" in spec:
        path = Path(os.path.expanduser(str(spec["path"])))
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        if not path.is_file():
            raise FileNotFoundError(f"table {path} not found")
        inputs[str(path)] = registry.sha256_file(path)
        return path
    if "dataset" not in spec or "file" not in spec:
        raise TableError(
            f"a table source needs either 'path' or both 'dataset' and 'file'; got {spec}"
        )
    path = registry.resolve_file(spec["dataset"], spec["file"], data_dir=data_dir)
    inputs[f"{spec['dataset']}/{spec['file']}"] = registry.get_dataset(spec["dataset"]).file(
        spec["file"]
    ).sha256
    return path


def load_source_table(
    spec: dict,
    name: str,
    id_format: str = "tcga",
    data_dir=None,
    inputs: dict | None = None,
    base_dir: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one table of a cohort specification and index it by patient.

    Parameters
    ----------
    spec : dict
        ``dataset`` and ``file`` (a registered dataset file) or ``path``; ``id_column`` (name,
        or an integer position); optional ``columns`` (mapping of source column -> cohort
        column, or a list), ``transpose`` (samples are columns), ``sep`` and ``sheet``.
    name : str
        The table's name in logs and the identifier report.
    id_format : {'tcga', 'plain'}
        ``'tcga'`` normalises identifiers to patient barcodes.

    Returns
    -------
    table, report : pandas.DataFrame
    """
    inputs = {} if inputs is None else inputs
    path = _resolve_source(spec, data_dir, inputs, base_dir)
    read_options = {key: spec[key] for key in ("sep", "sheet") if key in spec}
    table = read_table(path, **read_options)
    id_column = spec.get("id_column")
    if id_column is None:
        raise TableError(f"table {name!r} needs an 'id_column'")
    if isinstance(id_column, int):
        id_column = table.columns[id_column]
    require_columns(table, [id_column], f"{name} ({path.name})")
    table = table.set_index(id_column)
    if spec.get("transpose"):
        table = table.T
    table.index = table.index.astype(str)

    columns = spec.get("columns")
    if columns is not None:
        mapping = columns if isinstance(columns, dict) else {c: c for c in columns}
        require_columns(table, list(mapping), f"{name} ({path.name})")
        table = table[list(mapping)].rename(columns=mapping)

    if id_format == "tcga":
        table, report = barcodes.collapse_to_patients(table, source=name)
    elif id_format == "plain":
        table.index.name = "patient"
        duplicated = table.index.duplicated(keep="first")
        report = pd.DataFrame(
            [(name, i, i, "dropped", "duplicate identifier") for i in table.index[duplicated]],
            columns=_REPORT_COLUMNS,
        )
        for identifier in table.index[duplicated]:
            logger.warning("%s: dropped duplicate identifier %s; the first row is kept",
                           name, identifier)
        table = table.loc[~duplicated]
    else:
        raise TableError(f"id_format must be 'tcga' or 'plain', got {id_format!r}")
    logger.info("%s: %d patients from %s", name, len(table), path)
    return table, report


def build_cohort(spec: dict, data_dir=None, base_dir: Path | None = None) -> Cohort:
    """Build a cohort from its specification (the ``cohort`` and ``labels`` of a workflow).

    Parameters
    ----------
    spec : dict
        ``features`` (a table source), ``tables`` (name -> table source, optional),
        ``labels`` (name -> label definition), ``size_feature`` (optional),
        ``id_format`` (``'tcga'`` default, or ``'plain'``). See
        :func:`load_source_table` for table sources and :func:`radiogenomics.io.labels.parse_label`
        for label definitions.
    data_dir : path-like, optional
        Data root searched first for registered dataset files.
    base_dir : pathlib.Path, optional
        Folder against which relative ``path`` sources are resolved.

    Returns
    -------
    Cohort
    """
    if "features" not in spec:
        raise TableError("the cohort specification needs a 'features' table")
    id_format = spec.get("id_format", "tcga")
    inputs: dict = {}
    reports = []

    features_spec = dict(spec["features"])
    drop = set(features_spec.pop("exclude", []))
    features, report = load_source_table(
        features_spec, "features", id_format, data_dir, inputs, base_dir
    )
    reports.append(report)
    if features.empty:
        hint = (" None of its identifiers is a TCGA barcode; set id_format: plain for other "
                "identifiers." if id_format == "tcga" and len(report) else "")
        raise TableError(f"the features table has no patient rows or no columns.{hint}")
    absent = sorted(drop - set(features.columns))
    if absent:
        raise TableError(f"features: 'exclude' names absent column(s) {absent}")
    features = to_numeric_features(features.drop(columns=sorted(drop)), "features")

    clinical = pd.DataFrame(index=features.index)
    sources = [("features", len(features), len(features))]
    for name, table_spec in (spec.get("tables") or {}).items():
        table, report = load_source_table(table_spec, name, id_format, data_dir, inputs, base_dir)
        reports.append(report)
        overlap = sorted(set(table.columns) & set(clinical.columns))
        if overlap:
            raise TableError(
                f"table {name!r} brings column(s) {overlap} that an earlier table already "
                "has; rename them with 'columns'"
            )
        matched = features.index.isin(table.index).sum()
        logger.info("%s: %d of %d imaging patients matched", name, matched, len(features))
        sources.append((name, len(table), int(matched)))
        clinical = clinical.join(table, how="left")

    size_feature = spec.get("size_feature")
    if size_feature is not None and size_feature not in features.columns:
        raise TableError(
            f"size_feature {size_feature!r} is not a numeric feature column with values; "
            f"feature columns include {', '.join(list(features.columns)[:8]) or 'none'}"
        )

    definitions = [parse_label(n, d) for n, d in (spec.get("labels") or {}).items()]
    lookup = pd.concat([clinical, features], axis=1)
    labels = encode_labels(lookup, definitions)
    id_report = pd.concat([r for r in reports if len(r)] or [reports[0]], ignore_index=True)
    return Cohort(
        features=features,
        clinical=clinical,
        labels=labels,
        definitions=expand_definitions(definitions),
        size_feature=size_feature,
        id_report=id_report.reindex(columns=_REPORT_COLUMNS),
        inputs=inputs,
        sources=pd.DataFrame(sources, columns=["table", "patients", "matched"]),
    )


def compare_labels(cohort: Cohort, first: str, second: str) -> pd.DataFrame:
    """List the patients where two binary labels of the same quantity disagree.

    Returns
    -------
    pandas.DataFrame
        Indexed by patient, with both labels' values, for every patient where both are known
        and differ.
    """
    for name in (first, second):
        if name not in cohort.labels:
            raise TableError(f"cannot compare labels: {name!r} is not a cohort label")
        if cohort.definition(name).kind != "binary":
            raise TableError(
                f"cannot compare labels: {name!r} is {cohort.definition(name).kind}; only "
                "binary labels are compared"
            )
    pair = cohort.labels[[first, second]].dropna()
    disagreeing = pair[pair[first] != pair[second]]
    logger.info(
        "%s vs %s: %d patients with both, %d disagree", first, second, len(pair), len(disagreeing)
    )
    if len(pair) and len(disagreeing) / len(pair) > 0.1:
        logger.warning(
            "%s and %s disagree for %d of %d patients (%.0f %%); check that both sources "
            "describe the same samples", first, second, len(disagreeing), len(pair),
            100 * len(disagreeing) / len(pair),
        )
    return disagreeing
