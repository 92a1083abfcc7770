"""cBioPortal staging-file readers on study_es_0 and the REST client against a local server.

Expected counts come from the study files as published in cBioPortal/cbioportal-core
(study_es_0: 841 patients, 845 samples, SUBTYPE Luminal A 235, Luminal B 131, basal-like 80,
Her2 enriched 58, Claudin low 2; expression 6 genes x 526 samples; 36 MAF records).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from archive_server import Reply

from radiogenomics.errors import TableError
from radiogenomics.io.cbioportal import (
    CbioportalClient,
    read_clinical_file,
    read_expression_matrix,
    read_maf,
    read_meta,
    read_study,
)
from radiogenomics.io.exceptions import ArchiveError

STUDY = "cbioportal_study_es_0"
FAST = {"timeout": 1.0, "retries": 2, "backoff": 0.01}


@pytest.fixture(scope="module")
def study_dir(data_root):
    return data_root / STUDY


def test_meta_study_fields(study_dir):
    meta = read_meta(study_dir / "meta_study.txt")
    assert meta["cancer_study_identifier"] == "study_es_0"
    assert meta["type_of_cancer"] == "brca-es0"


def test_meta_rejects_line_without_colon(tmp_path):
    path = tmp_path / "meta_bad.txt"
    path.write_text("cancer_study_identifier: x\nthis line has no separator\n")
    with pytest.raises(TableError, match="line 2"):
        read_meta(path)


def test_clinical_samples_subtypes(study_dir):
    samples, attributes = read_clinical_file(study_dir / "data_clinical_samples.txt")
    assert len(samples) == 845
    counts = samples["SUBTYPE"].value_counts()
    assert counts["Luminal A"] == 235
    assert counts["Luminal B"] == 131
    assert counts["basal-like"] == 80
    assert counts["Her2 enriched"] == 58
    assert counts["Claudin low"] == 2
    assert attributes.display_name["SUBTYPE"] == "Subtype"
    assert attributes.datatype["SUBTYPE"] == "STRING"


def test_clinical_patients_numeric_columns(study_dir):
    patients, attributes = read_clinical_file(study_dir / "data_clinical_patients.txt")
    assert len(patients) == 841
    assert patients.index.name == "PATIENT_ID"
    assert attributes.datatype["OS_MONTHS"] == "NUMBER"
    assert patients["OS_MONTHS"].dtype == np.float64
    assert patients["OS_MONTHS"].notna().sum() > 700


def test_clinical_header_mismatch_rejected(tmp_path):
    path = tmp_path / "data_clinical_samples.txt"
    path.write_text(
        "#Patient\tSample\n#d\td\n#STRING\tSTRING\n#1\t1\n"
        "PATIENT_ID\tSAMPLE_ID\tSUBTYPE\nP1\tS1\tLumA\n"
    )
    with pytest.raises(TableError, match="header line 1 has 2 fields but the table has 3"):
        read_clinical_file(path)


def test_expression_matrix_shape(study_dir):
    matrix = read_expression_matrix(study_dir / "data_expression_median.txt")
    assert matrix.shape == (6, 526)
    assert matrix.index.tolist() == ["CREB3L1", "RPS11", "PNMA1", "MMP2", "ZHX3", "ERCC5"]
    assert matrix.loc["CREB3L1", "TCGA-A1-A0SD-01"] == pytest.approx(1.4345)
    assert matrix.attrs["entrez_gene_id"]["CREB3L1"] == 90993


def test_maf_records(study_dir):
    maf = read_maf(study_dir / "data_mutations_extended.maf")
    assert len(maf) == 36
    first = maf.iloc[0]
    assert first["Hugo_Symbol"] == "OR11H1"
    assert first["Start_Position"] == 16449539
    assert first["Tumor_Sample_Barcode"] == "TCGA-A1-A0SB-01"


def test_maf_rejects_other_table(study_dir):
    with pytest.raises(TableError, match="not a MAF file"):
        read_maf(study_dir / "data_expression_median.txt")


def test_study_folder_loads_every_file(study_dir):
    study = read_study(study_dir)
    assert study.study["name"] == "Test study es_0"
    files = study.files()
    assert len(files) == 12
    loaded = {name: study.load(name) for name in files["meta_file"]}
    assert loaded["meta_cna_discrete.txt"].shape[0] == 6304
    assert loaded["meta_cancer_type.txt"].iloc[0]["type_of_cancer"] == "brca-es0"
    assert loaded["meta_gsva_scores.txt"].index.name == "geneset_id"


def test_study_clinical_covers_mri_patients(study_dir, data_root):
    clinical = read_study(study_dir).clinical()
    assert len(clinical) == 845
    assert "OS_MONTHS" in clinical
    mri = pd.read_csv(data_root / "tcga_brca_radiogenomics" / "radiomics_UChicago_91cases.csv")
    assert len(set(mri["CLID"]) & set(clinical["PATIENT_ID"])) == 90


def test_read_study_requires_meta_study(tmp_path):
    with pytest.raises(TableError, match="meta_study.txt missing"):
        read_study(tmp_path)


# REST client: the server replies with the same staging files, reshaped like the API.


@pytest.fixture()
def portal(archive_server, study_dir, data_root):
    samples, sample_attributes = read_clinical_file(study_dir / "data_clinical_samples.txt")
    patients, patient_attributes = read_clinical_file(study_dir / "data_clinical_patients.txt")
    expression = read_expression_matrix(study_dir / "data_expression_median.txt")
    genes = json.loads((data_root / "api_samples" / "cbioportal" / "genes.json").read_text())
    genes = genes + [
        {"entrezGeneId": int(entrez), "hugoGeneSymbol": symbol, "type": "protein-coding"}
        for symbol, entrez in expression.attrs["entrez_gene_id"].items()
    ]

    def records(table, kind):
        rows = []
        for key, row in table.iterrows():
            for attribute, value in row.items():
                if attribute == "PATIENT_ID" or pd.isna(value):
                    continue
                record = {"clinicalAttributeId": attribute, "value": str(value), "studyId": "es"}
                if kind == "SAMPLE":
                    record.update(sampleId=key, patientId=row["PATIENT_ID"])
                else:
                    record.update(patientId=key)
                rows.append(record)
        return rows

    long = {"SAMPLE": records(samples, "SAMPLE"), "PATIENT": records(patients, "PATIENT")}

    def paged(rows):
        def handler(request):
            size = int(request.query["pageSize"][0])
            number = int(request.query["pageNumber"][0])
            return Reply.json(rows[number * size : (number + 1) * size])

        return handler

    def clinical(request):
        return paged(long[request.query["clinicalDataType"][0]])(request)

    attributes = [
        {"clinicalAttributeId": c, "datatype": t, "patientAttribute": False}
        for c, t in sample_attributes.datatype.items()
    ] + [
        {"clinicalAttributeId": c, "datatype": t, "patientAttribute": True}
        for c, t in patient_attributes.datatype.items()
    ]

    def genes_fetch(request):
        requested = set(request.json())
        return Reply.json([g for g in genes if g["hugoGeneSymbol"] in requested])

    def molecular(request):
        body = request.json()
        symbols = {g["entrezGeneId"]: g["hugoGeneSymbol"] for g in genes}
        rows = []
        for entrez in body["entrezGeneIds"]:
            symbol = symbols[entrez]
            for sample, value in expression.loc[symbol].items():
                rows.append({"entrezGeneId": entrez, "sampleId": sample, "value": value})
        return Reply.json(rows)

    archive_server.route("GET", "/studies/es/clinical-data", clinical)
    archive_server.route("GET", "/studies/es/clinical-attributes", paged(attributes))
    sample_list = [{"sampleId": k, "patientId": p} for k, p in samples["PATIENT_ID"].items()]
    archive_server.route("GET", "/studies/es/samples", paged(sample_list))
    archive_server.route(
        "GET", "/studies/es/patients", paged([{"patientId": k} for k in patients.index])
    )
    archive_server.route("POST", "/genes/fetch", genes_fetch)
    archive_server.route("GET", "/molecular-profiles/es_mrna", Reply.json({"studyId": "es"}))
    archive_server.route("POST", "/molecular-profiles/es_mrna/molecular-data/fetch", molecular)
    return {"server": archive_server, "samples": samples, "expression": expression}


def test_rest_clinical_equals_staging(portal):
    client = CbioportalClient(portal["server"].url, page_size=500, **FAST)
    table = client.clinical_data("es")
    staged = portal["samples"]
    assert len(table) == 845
    assert (
        table.loc[staged.index, "SUBTYPE"].fillna("NA").tolist()
        == staged["SUBTYPE"].fillna("NA").tolist()
    )
    assert table["OS_MONTHS"].dtype == np.float64
    # 506 sample records (the non-missing SUBTYPE values) at 500 per page: two pages.
    requests = [
        r
        for r in portal["server"].log
        if r.path == "/studies/es/clinical-data" and r.query["clinicalDataType"] == ["SAMPLE"]
    ]
    assert [r.query["pageNumber"][0] for r in requests] == ["0", "1"]
    assert table.loc["TCGA-A1-A0SB-01", "patientId"] == "TCGA-A1-A0SB"


def test_rest_molecular_equals_staging(portal):
    client = CbioportalClient(portal["server"].url, **FAST)
    matrix = client.molecular_data("es_mrna", ["MMP2", "ERCC5", "NOT_A_GENE"])
    expected = portal["expression"].loc[["ERCC5", "MMP2"]]
    assert matrix.index.tolist() == ["ERCC5", "MMP2"]
    assert np.allclose(matrix[expected.columns].to_numpy(), expected.to_numpy(), equal_nan=True)
    body = portal["server"].log[-1].json()
    assert body["sampleListId"] == "es_all"


def test_rest_unknown_genes_raise(portal):
    client = CbioportalClient(portal["server"].url, **FAST)
    with pytest.raises(ArchiveError, match="none of the genes"):
        client.molecular_data("es_mrna", ["NOT_A_GENE"])


def test_rest_server_error_named(archive_server):
    archive_server.route("GET", "/studies/x/samples", Reply(503, b"maintenance"))
    client = CbioportalClient(archive_server.url, **FAST)
    with pytest.raises(ArchiveError, match="HTTP 503"):
        client.samples("x")


def test_fetch_cbioportal_command(portal, tmp_path):
    from radiogenomics.cli import main

    out = tmp_path / "clinical.csv"
    code = main(
        [
            "fetch",
            "cbioportal",
            "clinical",
            "--study",
            "es",
            "--out",
            str(out),
            "--base-url",
            portal["server"].url,
            "--timeout",
            "0.5",
            "--retries",
            "0",
        ]
    )
    assert code == 0
    table = pd.read_csv(out, index_col=0)
    assert table.loc["TCGA-A2-A04P-01", "SUBTYPE"] == "basal-like"


def test_fetch_cbioportal_overwrite(portal, tmp_path):
    from radiogenomics.cli import main

    out = tmp_path / "clinical.csv"
    out.write_text("earlier result\n")
    arguments = [
        "fetch",
        "cbioportal",
        "clinical",
        "--study",
        "es",
        "--out",
        str(out),
        "--base-url",
        portal["server"].url,
        "--timeout",
        "0.5",
        "--retries",
        "0",
    ]

    assert main(arguments) == 1
    assert out.read_text() == "earlier result\n"
    assert main([*arguments, "--overwrite"]) == 0
    table = pd.read_csv(out, index_col=0)
    assert table.loc["TCGA-A2-A04P-01", "SUBTYPE"] == "basal-like"
