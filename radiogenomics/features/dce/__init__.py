"""DCE-MRI breast lesion phenotypes: segmentation, kinetics, texture, margin and size.

The 36 phenotypes of the UChicago pipeline used on the TCGA-BRCA cohort, under the
column names of its published table::

    from radiogenomics.features.dce import DCESeries, compute_dce_phenotypes
    series = DCESeries(frames, times=[0, 90, 180, 270], spacing=(2.0, 0.7, 0.7))
    row = compute_dce_phenotypes(series, seed=(20, 128, 140))

Many lesions read from files become one table with :func:`compute_dce_phenotype_table`;
:func:`read_dce_cases` reads their list from a cases file (CSV).
"""

from radiogenomics.features.dce.batch import DCECase, compute_dce_phenotype_table
from radiogenomics.features.dce.cases import read_dce_cases
from radiogenomics.features.dce.phenotypes import DCE_PHENOTYPES, compute_dce_phenotypes
from radiogenomics.features.dce.segmentation import segment_lesion
from radiogenomics.features.dce.series import DCESeries, read_dce_dicom, read_dce_stack

__all__ = [
    "DCE_PHENOTYPES",
    "DCECase",
    "DCESeries",
    "compute_dce_phenotype_table",
    "compute_dce_phenotypes",
    "read_dce_cases",
    "read_dce_dicom",
    "read_dce_stack",
    "segment_lesion",
]
