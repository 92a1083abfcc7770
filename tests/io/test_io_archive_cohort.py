"""The TCGA-BRCA archive workflow, run against local cBioPortal and GDC stand-ins.

cBioPortal serves the real PanCancer Atlas clinical export (``Subtype`` column), and GDC
serves STAR files for a few imaged patients. The IDC selection is the real offline index.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from archive_server import Reply
from test_io_gdc import GENES, paged_search, star_file

from radiogenomics.cli import main
from radiogenomics.io.archive_cohort import assemble_archive_cohort, load_archive_spec
from radiogenomics.io.exceptions import ArchiveError

pytestmark = pytest.mark.network

WORKFLOW = Path(__file__).resolve().parents[2] / "workflows" / "tcga_brca_archive.yaml"
STUDY = "brca_tcga_pan_can_atlas_2018"
EXPRESSION_PATIENTS = ["TCGA-AO-A03M", "TCGA-BH-A0B3", "TCGA-E2-A1L7"]


@pytest.fixture()
def pancan_clinical(data_root) -> pd.DataFrame:
    path = data_root / "tcga_brca" / "brca_tcga_pan_can_atlas_2018_clinical_data.tsv"
    return pd.read_csv(path, sep="\t")


@pytest.fixture()
def archives(archive_server, pancan_clinical):
    """cBioPortal and GDC routes for the TCGA-BRCA archive workflow."""
    records = [
        {
            "sampleId": row["Sample ID"],
            "patientId": row["Patient ID"],
            "clinicalAttributeId": "SUBTYPE",
            "value": row["Subtype"],
        }
        for _, row in pancan_clinical.dropna(subset=["Subtype"]).iterrows()
    ]
    samples = [
        {"sampleId": row["Sample ID"], "patientId": row["Patient ID"]}
        for _, row in pancan_clinical.iterrows()
    ]

    def page(rows):
        def handler(request):
            size = int(request.query["pageSize"][0])
            number = int(request.query["pageNumber"][0])
            return Reply.json(rows[number * size : (number + 1) * size])

        return handler

    prefix = f"/cbioportal/studies/{STUDY}"
    archive_server.route("GET", f"{prefix}/clinical-data", page(records))
    archive_server.route("GET", f"{prefix}/samples", page(samples))
    archive_server.route(
        "GET",
        f"{prefix}/clinical-attributes",
        page([{"clinicalAttributeId": "SUBTYPE", "datatype": "STRING"}]),
    )

    bodies = {}
    hits = []
    for number, patient in enumerate(EXPRESSION_PATIENTS):
        body = star_file([10 * (number + 1), 20, 30])
        file_id = f"file-{number}"
        bodies[file_id] = body
        hits.append(
            {
                "file_id": file_id,
                "file_name": f"{file_id}.tsv",
                "file_size": len(body),
                "md5sum": hashlib.md5(body).hexdigest(),
                "cases": [
                    {
                        "submitter_id": patient,
                        "samples": [
                            {"submitter_id": f"{patient}-01A", "sample_type": "Primary Tumor"}
                        ],
                    }
                ],
            }
        )

    def files(request):
        requested = None
        for condition in request.json()["filters"]["content"]:
            if condition["content"]["field"] == "cases.submitter_id":
                requested = set(condition["content"]["value"])
        selected = [
            h for h in hits if requested is None or h["cases"][0]["submitter_id"] in requested
        ]
        return paged_search(selected)(request)

    archive_server.route("POST", "/gdc/files", files)
    for file_id, body in bodies.items():
        archive_server.route("GET", f"/gdc/data/{file_id}", Reply(200, body))
    return archive_server


def run_options(server) -> dict:
    return {
        "gdc_url": f"{server.url}/gdc",
        "cbioportal_url": f"{server.url}/cbioportal",
        "timeout": 1.0,
        "retries": 1,
        "backoff": 0.01,
    }


def test_workflow_file_is_valid():
    spec = load_archive_spec(WORKFLOW)
    assert spec["images"]["collection"] == "tcga_brca"
    assert spec["subtypes"]["study"] == STUDY
    assert spec["expression"]["project"] == "TCGA-BRCA"


def test_archive_cohort_aligns_sources(archives, pancan_clinical, tmp_path):
    result = assemble_archive_cohort(WORKFLOW, tmp_path, **run_options(archives))
    cohort = result.cohort

    assert len(cohort) == 137
    assert cohort["n_series"].sum() == 1858

    # Subtypes of the imaged patients, read straight from the cBioPortal export.
    export = pancan_clinical.dropna(subset=["Subtype"])
    export = export[export["Sample ID"].str.endswith("-01")].set_index("Patient ID")
    imaged = export.loc[export.index.intersection(cohort.index), "Subtype"]
    assert cohort["subtype"].notna().sum() == len(imaged)
    for patient, subtype in imaged.items():
        assert cohort.at[patient, "subtype"] == subtype.removeprefix("BRCA_")

    assert cohort["expression_sample"].dropna().to_dict() == {
        patient: f"{patient}-01A" for patient in EXPRESSION_PATIENTS
    }
    assert result.expression.shape == (len(GENES), 3)

    files_request = next(r for r in archives.log if r.path == "/gdc/files")
    conditions = files_request.json()["filters"]["content"]
    restricted = [c for c in conditions if c["content"]["field"] == "cases.submitter_id"][0]
    assert len(restricted["content"]["value"]) == 137


def test_archive_cohort_writes_tables(archives, tmp_path):
    assemble_archive_cohort(WORKFLOW, tmp_path, **run_options(archives))
    written = {path.name for path in tmp_path.iterdir()}
    assert {
        "image_series.csv",
        "cohort.csv",
        "dropped.csv",
        "subtypes.csv",
        "expression.parquet",
    } <= written
    assert not [name for name in written if name.endswith(".partial")]

    dropped = pd.read_csv(tmp_path / "dropped.csv")
    cohort = pd.read_csv(tmp_path / "cohort.csv", index_col="patient")
    incomplete = cohort.isna().any(axis=1).sum()
    assert (dropped["table"] == "cohort").sum() == incomplete
    expression = pd.read_parquet(tmp_path / "expression.parquet")
    assert list(expression.columns) == [f"{p}-01A" for p in EXPRESSION_PATIENTS]


def test_fetch_cohort_command(archives, tmp_path, capsys):
    code = main(
        [
            "fetch",
            "cohort",
            str(WORKFLOW),
            "--out",
            str(tmp_path / "out"),
            "--gdc-url",
            f"{archives.url}/gdc",
            "--cbioportal-url",
            f"{archives.url}/cbioportal",
            "--timeout",
            "0.5",
            "--retries",
            "0",
        ]
    )
    assert code == 0
    assert "137 patients with images" in capsys.readouterr().out


def test_archive_cohort_unreachable_gdc(archives, tmp_path):
    options = run_options(archives) | {"gdc_url": f"{archives.url}/missing"}
    with pytest.raises(ArchiveError, match="HTTP 404"):
        assemble_archive_cohort(WORKFLOW, tmp_path, **options)
    assert not (tmp_path / "cohort.csv").exists()


def test_archive_spec_unknown_section(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("images: {collection: tcga_brca}\nclinical: {}\n")
    with pytest.raises(ArchiveError, match="unknown section"):
        load_archive_spec(path)


def test_failed_fetch_cohort_leaves_no_folder(archive_server, tmp_path, capsys):
    archive_server.route(
        "GET",
        f"/html/studies/{STUDY}/clinical-attributes",
        Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}),
    )
    out = tmp_path / "out"

    code = main(
        [
            "fetch",
            "cohort",
            str(WORKFLOW),
            "--out",
            str(out),
            "--gdc-url",
            f"{archive_server.url}/html",
            "--cbioportal-url",
            f"{archive_server.url}/html",
            "--retries",
            "0",
        ]
    )

    assert code == 1
    assert "returned invalid JSON" in capsys.readouterr().err
    assert not out.exists()


def test_failed_cohort_keeps_existing_folder(archives, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    options = run_options(archives) | {"gdc_url": f"{archives.url}/missing"}

    with pytest.raises(ArchiveError, match="HTTP 404"):
        assemble_archive_cohort(WORKFLOW, out, **options)

    assert out.is_dir()


def test_failed_cohort_keeps_downloads(archives, tmp_path):
    archives.route("GET", "/gdc/data/file-2", Reply(404, b"no such file"))
    out = tmp_path / "out"

    with pytest.raises(ArchiveError, match="HTTP 404"):
        assemble_archive_cohort(WORKFLOW, out, **run_options(archives))

    kept = sorted(path.name for path in out.rglob("*") if path.is_file())
    assert kept == ["file-0.tsv", "file-1.tsv"]
    assert not (out / "cohort.csv").exists()


def test_fetch_cohort_missing_file_id(archives, tmp_path, capsys):
    hit = {"case_id": "c1", "submitter_id": "TCGA-AO-A03M"}
    archives.route("POST", "/gdc/files", paged_search([hit]))

    code = main(
        [
            "fetch",
            "cohort",
            str(WORKFLOW),
            "--out",
            str(tmp_path / "out"),
            "--gdc-url",
            f"{archives.url}/gdc",
            "--cbioportal-url",
            f"{archives.url}/cbioportal",
            "--timeout",
            "0.5",
            "--retries",
            "0",
        ]
    )

    assert code == 1
    assert (
        f"GDC POST {archives.url}/gdc/files: hit 1 of 1 lacks the field 'file_id'"
        in capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()
