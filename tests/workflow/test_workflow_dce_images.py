"""Workflows that start from DCE-MRI images through ``cohort.features.dce_cases``."""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import SimpleITK as sitk
import yaml

from radiogenomics.cli import main
from radiogenomics.errors import WorkflowError
from radiogenomics.features.dce import DCE_PHENOTYPES, DCESeries, compute_dce_phenotypes
from radiogenomics.features.dce.cases import DCECasesError
from radiogenomics.workflow import run_workflow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dce"))
from dce_phantoms import TIMES, realistic_lesion  # noqa: E402

SHAPE = (16, 32, 32)
SEED = (8, 16, 16)
# Lesion radius (mm) and status of each phantom patient. The third frame of P7 is deleted.
PATIENTS = {"P1": (4.0, "neg"), "P2": (4.5, "neg"), "P3": (5.0, "neg"),
            "P4": (5.5, "pos"), "P5": (6.0, "pos"), "P6": (6.5, "pos"), "P7": (5.0, "pos")}
SIZE = DCE_PHENOTYPES["S1"]


def write_frames(series, folder):
    """Write one float32 NIfTI file per frame, and return the file names and float32 series."""
    folder.mkdir(parents=True)
    frames = series.frames.astype(np.float32)
    names = []
    for index, frame in enumerate(frames):
        image = sitk.GetImageFromArray(frame)
        image.SetSpacing(tuple(reversed(series.spacing)))
        sitk.WriteImage(image, str(folder / f"frame{index}.nii.gz"))
        names.append(f"{folder.name}/frame{index}.nii.gz")
    return names, DCESeries(frames, series.times, series.spacing)


@pytest.fixture(scope="module")
def image_study(tmp_path_factory):
    """Seven phantom patients on disk, a cases file, a status table and a workflow file."""
    root = tmp_path_factory.mktemp("dce_images")
    images = root / "images"
    series, lines = {}, []
    for number, (patient, (radius, _)) in enumerate(PATIENTS.items()):
        phantom, _ = realistic_lesion(np.random.default_rng(number), shape=SHAPE, radius=radius)
        names, series[patient] = write_frames(phantom, images / patient)
        if patient == "P7":
            (images / names[2]).unlink()
        lines.append({"patient": patient, "frames": ";".join(names),
                      "times": ";".join(f"{t:g}" for t in TIMES),
                      "seed": ",".join(map(str, SEED))})
    pd.DataFrame(lines).to_csv(images / "cases.csv", index=False)
    status = pd.DataFrame({"id": list(PATIENTS), "status": [s for _, s in PATIENTS.values()]})
    status.to_csv(root / "status.csv", index=False)

    spec = {
        "name": "dce_images",
        "seed": 3,
        "cohort": {
            "id_format": "plain",
            "size_feature": SIZE,
            "features": {"dce_cases": "images/cases.csv",
                         "dce_settings": {"gray_levels": 16}},
            "tables": {"status": {"path": "status.csv", "id_column": "id"}},
            "labels": {"status": {"column": "status", "positive": ["pos"],
                                  "negative": ["neg"]}},
        },
        "analyses": {"associations": {}, "univariate_roc": {}},
        "figures": {"formats": ["png"], "dpi": 40},
    }
    workflow = root / "workflow.yaml"
    workflow.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return {"root": root, "workflow": workflow, "spec": spec, "series": series}


@pytest.fixture(scope="module")
def run_folder(image_study):
    out = image_study["root"] / "results"
    code = main(["run", str(image_study["workflow"]), "--out", str(out), "--jobs", "1"])
    assert code == 0
    return out


def test_dce_run_matches_direct_calls(image_study, run_folder):
    table = pd.read_csv(run_folder / "phenotypes.csv", index_col="patient")
    assert list(table.columns) == list(DCE_PHENOTYPES.values())
    assert list(table.index) == ["P1", "P2", "P3", "P4", "P5", "P6"]
    for patient in table.index:
        expected = compute_dce_phenotypes(image_study["series"][patient], seed=SEED,
                                          gray_levels=16)
        # NIfTI stores the spacing as float32, so sizes differ in the 7th digit.
        np.testing.assert_allclose(table.loc[patient].to_numpy(), expected.to_numpy(),
                                   rtol=1e-5, err_msg=patient)


def test_dce_run_lists_failed_case(run_folder):
    errors = pd.read_csv(run_folder / "phenotypes_errors.csv")
    assert list(errors["patient"]) == ["P7"]
    assert "frame2.nii.gz" in errors.loc[0, "message"]


def test_dce_run_analyses_computed_table(run_folder):
    phenotypes = pd.read_csv(run_folder / "phenotypes.csv", index_col="patient")
    cohort = pd.read_csv(run_folder / "cohort.csv", index_col="patient")
    assert list(cohort.index) == list(phenotypes.index)
    np.testing.assert_array_equal(cohort[SIZE].to_numpy(), phenotypes[SIZE].to_numpy())

    associations = pd.read_csv(run_folder / "associations.csv")
    assert set(associations["label"]) == {"status"}
    assert set(associations["n"]) == {6}


def test_dce_run_records_provenance(image_study, run_folder):
    provenance = json.loads((run_folder / "provenance.json").read_text())
    inputs = provenance["inputs_sha256"]
    cases = image_study["root"] / "images" / "cases.csv"
    assert inputs[str(cases)] == hashlib.sha256(cases.read_bytes()).hexdigest()
    frame = image_study["root"] / "images" / "P1" / "frame0.nii.gz"
    assert inputs[str(frame)] == hashlib.sha256(frame.read_bytes()).hexdigest()
    assert not any(name.endswith("phenotypes.csv") for name in inputs)

    settings = provenance["workflow"]["cohort"]["features"]["dce_settings"]
    assert settings["gray_levels"] == 16
    assert settings["fuzziness"] == 2.0
    assert provenance["seeds"]["dce_random_state"] == 0
    assert "phenotypes.csv" in provenance["outputs"]
    assert "phenotypes_errors.csv" in provenance["outputs"]


def test_dce_run_report_section(run_folder):
    report = (run_folder / "report.md").read_text()
    assert "## DCE-MRI phenotypes" in report
    assert "6 of 7 case(s) succeeded" in report
    assert "| P7 |" in report


def without_results(folder):
    return not folder.exists() and not list(folder.parent.glob(f".{folder.name}.*"))


def test_missing_cases_file_stops_early(image_study, tmp_path):
    spec = json.loads(json.dumps(image_study["spec"]))
    spec["cohort"]["features"]["dce_cases"] = str(tmp_path / "absent.csv")
    with pytest.raises(FileNotFoundError, match="dce_cases: cases file .*absent.csv not found"):
        run_workflow(spec, tmp_path / "out")
    assert without_results(tmp_path / "out")


def test_invalid_cases_line_stops_early(tmp_path, caplog):
    (tmp_path / "cases.csv").write_text('patient,frames,times,seed\nA,a;b;c,0;60,"1,2,3"\n')
    spec = {"name": "x", "cohort": {"id_format": "plain",
                                    "features": {"dce_cases": str(tmp_path / "cases.csv")}}}
    with caplog.at_level("INFO"), pytest.raises(DCECasesError, match="line 2, column 'times'"):
        run_workflow(spec, tmp_path / "out")
    assert without_results(tmp_path / "out")
    assert "computing DCE-MRI phenotypes" not in caplog.text


def test_all_cases_failing_stops_run(tmp_path):
    (tmp_path / "cases.csv").write_text('patient,frames,times,seed\nA,a;b;c,0;60;120,"1,2,3"\n')
    spec = {"name": "x", "cohort": {"id_format": "plain",
                                    "features": {"dce_cases": str(tmp_path / "cases.csv")}}}
    with pytest.raises(WorkflowError, match="none of the 1 DCE case"):
        run_workflow(spec, tmp_path / "out")
    assert without_results(tmp_path / "out")


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ({"dce_cases": "cases.csv", "path": "features.csv"}, "takes no \\['path'\\]"),
        ({"dce_cases": "cases.csv", "id_column": "patient"}, "takes no \\['id_column'\\]"),
        ({"dce_cases": ""}, "path of a cases file"),
        ({"dce_cases": ["a.csv"]}, "path of a cases file"),
        ({"dce_cases": "cases.csv", "dce_settings": {"fuzziness": 1.0}}, "fuzziness"),
        ({"dce_cases": "cases.csv", "dce_settings": {"levels": 8}}, "unknown DCE"),
        ({"dce_cases": "cases.csv", "dce_settings": [8]}, "must be a mapping"),
        ({"dce_cases": "cases.csv", "exclude": "K1"}, "exclude must be a list"),
    ],
)
def test_invalid_dce_source_rejected(tmp_path, features, message):
    spec = {"name": "x", "cohort": {"features": features}}
    with pytest.raises(WorkflowError, match=message):
        run_workflow(spec, tmp_path / "out")
    assert without_results(tmp_path / "out")


def test_dce_rerun_gives_identical_tables(image_study, run_folder, tmp_path):
    out = tmp_path / "rerun"
    assert main(["run", str(image_study["workflow"]), "--out", str(out), "--jobs", "2"]) == 0
    for name in ("phenotypes.csv", "phenotypes_errors.csv", "associations.csv"):
        assert (out / name).read_bytes() == (run_folder / name).read_bytes(), name
