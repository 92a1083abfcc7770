"""Loaders: dataset registry, tables, TCGA barcodes, cohorts, archive clients and images.

Archive clients and image readers live in their own submodules (for example
``radiogenomics.io.gdc``); import them directly.
"""

from radiogenomics.io.barcodes import (
    collapse_to_patients,
    normalize_barcode,
    parse_barcode,
    sample_type,
    to_patient,
)
from radiogenomics.io.cohort import Cohort, build_cohort, compare_labels, load_source_table
from radiogenomics.io.labels import encode_labels, parse_label
from radiogenomics.io.registry import (
    get_dataset,
    list_datasets,
    resolve_file,
    sha256_file,
    verify_dataset,
)
from radiogenomics.io.tables import read_table, require_columns, to_numeric_features

__all__ = [
    "Cohort",
    "build_cohort",
    "collapse_to_patients",
    "compare_labels",
    "encode_labels",
    "get_dataset",
    "list_datasets",
    "load_source_table",
    "normalize_barcode",
    "parse_barcode",
    "parse_label",
    "read_table",
    "require_columns",
    "resolve_file",
    "sample_type",
    "sha256_file",
    "to_numeric_features",
    "to_patient",
    "verify_dataset",
]
