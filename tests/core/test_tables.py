"""Table readers and validation messages."""

import logging

import pandas as pd
import pytest

from radiogenomics.errors import TableError
from radiogenomics.io.tables import read_table, set_unique_index, to_numeric_features


def test_cbioportal_export_skips_hash_header(data_root):
    table = read_table(data_root / "cbioportal_study_es_0" / "data_clinical_patients.txt",
                       id_column="PATIENT_ID")
    assert table.index.name == "PATIENT_ID"
    assert table.index[0].startswith("TCGA-")
    assert "OS_STATUS" in table.columns


def test_pancancer_clinical_export_reads(data_root):
    table = read_table(data_root / "tcga_brca" / "brca_tcga_pan_can_atlas_2018_clinical_data.tsv")
    assert table.shape == (1084, 63)
    assert table["Subtype"].value_counts()["BRCA_LumA"] == 499


def test_excel_round_trip(tmp_path):
    path = tmp_path / "labels.xlsx"
    pd.DataFrame({"id": ["a", "b"], "er": [1, 0]}).to_excel(path, index=False)
    assert read_table(path, id_column="id")["er"].tolist() == [1, 0]


def test_duplicate_identifier_is_named():
    table = pd.DataFrame({"id": ["a", "b", "a"], "x": [1, 2, 3]})
    with pytest.raises(TableError, match="repeats 'a'"):
        set_unique_index(table, "id", "labels.csv")


def test_missing_id_column_lists_columns():
    with pytest.raises(TableError, match="missing column\\(s\\) 'CLID'.*'id'"):
        set_unique_index(pd.DataFrame({"id": ["a"]}), "CLID", "features.csv")


def test_text_in_feature_column_is_an_error():
    table = pd.DataFrame({"K1": [1.0, 2.0], "K2": ["3.5", "n/a"]}, index=["p1", "p2"])
    with pytest.raises(TableError, match="'K2' has invalid non-numeric values \\('n/a'\\)"):
        to_numeric_features(table, "features.csv")


def test_all_missing_feature_is_dropped_and_logged(caplog):
    table = pd.DataFrame({"K1": [1.0, 2.0], "empty": [None, None]}, index=["p1", "p2"])
    with caplog.at_level(logging.WARNING, logger="radiogenomics"):
        numeric = to_numeric_features(table, "features.csv")
    assert list(numeric.columns) == ["K1"]
    assert "feature 'empty' has no values" in caplog.text


def test_unknown_suffix_needs_a_separator(tmp_path):
    path = tmp_path / "table.dat"
    path.write_text("a;b\n1;2\n")
    with pytest.raises(TableError, match="pass sep="):
        read_table(path)
    assert read_table(path, sep=";")["b"].tolist() == [2]
