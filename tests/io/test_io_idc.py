"""Offline IDC queries over the idc-index-data parquet and the manifests written from them.

Expected counts: TCGA-BRCA has MR series for 137 patients. Every one of the 422
NSCLC-Radiomics patients has a CT series with an RTSTRUCT in the same study, and TCIA lists
422 patients for the collection, as does the Lung1 clinical table.
"""

from __future__ import annotations

import pandas as pd
import pytest

from radiogenomics.cli import main
from radiogenomics.io import idc
from radiogenomics.io.exceptions import ArchiveError
from radiogenomics.io.registry import load_manifest


@pytest.fixture(scope="module")
def brca_mr():
    return idc.tcga_brca_mr_series()


def test_tcga_brca_mr_patients(brca_mr):
    assert brca_mr["PatientID"].nunique() == 137
    assert set(brca_mr["Modality"]) == {"MR"}
    assert brca_mr["analysis_result_id"].isna().all()
    assert brca_mr["PatientID"].str.match(r"^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}$").all()


def test_tcia_collection_name_accepted():
    selection = idc.select_series("TCGA-BRCA", ["MR"])
    assert selection["PatientID"].nunique() == 137


def test_nsclc_radiomics_ct_with_segmentation(data_root):
    selection = idc.nsclc_radiomics_ct_with_segmentation()
    ct = selection[selection["Modality"] == "CT"]
    assert ct["PatientID"].nunique() == 422
    segmented = selection[selection["Modality"].isin(["RTSTRUCT", "SEG"])]
    assert set(ct["StudyInstanceUID"]) == set(segmented["StudyInstanceUID"])

    clinical = pd.read_csv(data_root / "nsclc_radiomics_lung1" / "Lung1.clinical.csv")
    assert set(clinical["PatientID"]) == set(ct["PatientID"])


def test_unknown_collection_named():
    with pytest.raises(ArchiveError, match="no collection 'not_a_collection'"):
        idc.select_series("not-a-collection")


def test_invalid_sql_named():
    with pytest.raises(ArchiveError, match="IDC index query failed"):
        idc.query("SELECT no_such_column FROM index")


def test_manifest_round_trip(brca_mr, tmp_path):
    path = idc.write_manifest(brca_mr, tmp_path / "idc_tcga_brca_mr.yaml", name="idc_tcga_brca_mr")

    dataset = load_manifest(path)
    assert dataset.name == "idc_tcga_brca_mr"
    assert dataset.licence == "CC BY 3.0"
    assert "TCGA-BRCA" in dataset.citation
    assert "<i>" not in dataset.citation
    assert "10.7937/k9/tcia.2016.ab2nazrp" in dataset.source.lower()

    series = idc.read_manifest_series(path)
    assert len(series) == len(brca_mr)
    assert series["patient"].nunique() == 137
    assert series["series_uid"].tolist() == brca_mr["SeriesInstanceUID"].tolist()
    assert series["url"].str.startswith("s3://").all()


def test_fetch_idc_command(tmp_path, capsys):
    out = tmp_path / "idc_nsclc.yaml"
    code = main(["fetch", "idc", "--query", "nsclc-radiomics-ct-rt", "--out", str(out)])
    assert code == 0
    assert "422 patients" in capsys.readouterr().out
    assert load_manifest(out).licence == "CC BY-NC 3.0"


def test_unknown_collection_close_names():
    with pytest.raises(ArchiveError) as raised:
        idc.select_series("tcga_bcra")

    message = str(raised.value)
    assert "'tcga_brca'" in message
    assert "query(" not in message


def test_fetch_idc_sql_without_manifest_columns(tmp_path, capsys):
    out = tmp_path / "x.yaml"

    code = main(["fetch", "idc", "--sql", "SELECT 1 AS x", "--out", str(out)])

    assert code == 1
    error = capsys.readouterr().err
    assert "lacks column(s)" in error
    assert "source_DOI" in error
    assert "--sql" in error
    assert not out.exists()
