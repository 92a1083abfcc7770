"""Loaders: dataset registry, tables, TCGA barcodes, cohorts, archive clients and images.

The DICOM readers load on first access (they import pydicom, SimpleITK and highdicom).
Archive clients live in their own submodules (for example ``radiogenomics.io.gdc``).
"""

import importlib

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

# Public name -> submodule, imported on first access.
_LAZY = {
    "read_dicom_series": "dicom_series",
    "list_series": "dicom_series",
    "read_rtstruct": "rtstruct",
    "list_rois": "rtstruct",
    "read_dicom_seg": "dicom_seg",
    "list_segments": "dicom_seg",
    "read_dynamic_series": "dicom_dynamic",
}


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [*_LAZY,
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
