"""TCGA barcode parsing and collapsing sample tables to patients."""

import logging

import pandas as pd
import pytest

from radiogenomics.errors import TableError
from radiogenomics.io.barcodes import (
    collapse_to_patients,
    normalize_barcode,
    parse_barcode,
    sample_type,
    to_patient,
)


def test_dotted_patient_id_becomes_dashed():
    assert normalize_barcode("TCGA.3C.AAAU") == "TCGA-3C-AAAU"
    assert to_patient("tcga.3c.aaau") == "TCGA-3C-AAAU"


def test_aliquot_barcode_fields():
    barcode = parse_barcode("TCGA-A2-A04N-01A-11R-A115-07")
    assert barcode.patient == "TCGA-A2-A04N"
    assert barcode.sample_type == 1
    assert barcode.vial == "A"
    assert barcode.portion == "11"
    assert barcode.analyte == "R"
    assert barcode.plate == "A115"
    assert barcode.centre == "07"
    assert barcode.tissue == "tumour"


@pytest.mark.parametrize(
    ("barcode", "tissue"),
    [("TCGA-A2-A04N-01A", "tumour"), ("TCGA-A2-A04N-06A", "tumour"),
     ("TCGA-A2-A04N-11A", "normal"), ("TCGA-A2-A04N-10B", "normal"),
     ("TCGA-A2-A04N-20A", "control"), ("TCGA-A2-A04N", None)],
)
def test_sample_type_ranges(barcode, tissue):
    assert sample_type(barcode) == tissue


def test_not_a_barcode_is_rejected_with_the_value():
    with pytest.raises(TableError, match="'patient-17' is not a TCGA barcode"):
        parse_barcode("patient-17")


def test_normal_sample_beside_tumour_is_dropped(caplog):
    table = pd.DataFrame(
        {"ESR1": [12.0, 3.0, 9.0]},
        index=["TCGA-A2-A04N-01A-11R-A115-07", "TCGA-A2-A04N-11A-11R-A115-07",
               "TCGA.BH.A0W5.01A"],
    )
    with caplog.at_level(logging.INFO, logger="radiogenomics"):
        collapsed, report = collapse_to_patients(table, "expression")
    assert collapsed.index.tolist() == ["TCGA-A2-A04N", "TCGA-BH-A0W5"]
    assert collapsed.loc["TCGA-A2-A04N", "ESR1"] == 12.0
    assert report["identifier"].tolist() == ["TCGA-A2-A04N-11A-11R-A115-07"]
    assert "normal sample" in report.loc[0, "reason"]
    assert "TCGA-A2-A04N-11A-11R-A115-07" in caplog.text


def test_duplicate_samples_keep_the_lowest_barcode():
    table = pd.DataFrame(
        {"value": [2.0, 1.0, 3.0]},
        index=["TCGA-A2-A04N-01B", "TCGA-A2-A04N-01A", "TCGA-A2-A04N"],
    )
    collapsed, report = collapse_to_patients(table, "t")
    assert collapsed.loc["TCGA-A2-A04N", "value"] == 3.0
    assert len(report) == 2
    assert report["reason"].str.startswith("duplicate of TCGA-A2-A04N").all()
    assert "values differ in value" in report.loc[0, "reason"]


def test_unparseable_identifier_is_reported_not_lost():
    table = pd.DataFrame({"value": [1.0, 2.0]}, index=["TCGA-A2-A04N", "LUNG1-001"])
    collapsed, report = collapse_to_patients(table, "t")
    assert collapsed.index.tolist() == ["TCGA-A2-A04N"]
    assert report.loc[0, "identifier"] == "LUNG1-001"
    assert report.loc[0, "reason"] == "not a TCGA barcode"
