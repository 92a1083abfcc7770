"""Bad inputs stop a run with a clear error and leave no results folder behind."""

import logging
import shutil

import numpy as np
import pandas as pd
import pytest
import yaml

from radiogenomics.cli import main
from radiogenomics.errors import DatasetError, TableError, WorkflowError
from radiogenomics.workflow import run_workflow


def _no_results(folder):
    return not folder.exists() and not list(folder.parent.glob(f".{folder.name}.*"))


def test_small_study_runs(small_study):
    folder, spec = small_study
    result = run_workflow(spec, folder / "out")
    assert (folder / "out" / "associations.csv").is_file()
    assert len(result.associations.table) == 5


def test_missing_dataset_file_stops_before_writing(tmp_path, monkeypatch):
    monkeypatch.setenv("RADIOGENOMICS_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setenv("RADIOGENOMICS_CACHE", str(tmp_path / "cache"))
    spec = {"name": "x", "cohort": {"features": {
        "dataset": "tcga_brca_radiogenomics", "file": "radiomics_UChicago_91cases.csv",
        "id_column": "CLID"}}}
    with pytest.raises(DatasetError, match="missing file 'radiomics_UChicago_91cases.csv'"):
        run_workflow(spec, tmp_path / "out")
    assert _no_results(tmp_path / "out")


def test_wrong_checksum_stops_the_run(data_root, tmp_path):
    copy = tmp_path / "data" / "tcga_brca_radiogenomics"
    copy.mkdir(parents=True)
    source = data_root / "tcga_brca_radiogenomics" / "radiomics_UChicago_91cases.csv"
    shutil.copy(source, copy)
    with open(copy / "radiomics_UChicago_91cases.csv", "a") as handle:
        handle.write("TCGA-XX-XXXX" + ",1" * 36 + "\n")
    spec = {"name": "x", "cohort": {"features": {
        "dataset": "tcga_brca_radiogenomics", "file": "radiomics_UChicago_91cases.csv",
        "id_column": "CLID"}}}
    with pytest.raises(DatasetError, match="checksum mismatch"):
        run_workflow(spec, tmp_path / "out", data_dir=tmp_path / "data")
    assert _no_results(tmp_path / "out")


def test_absent_label_column_is_named(small_study):
    folder, spec = small_study
    spec["cohort"]["labels"]["status"]["column"] = "receptor"
    with pytest.raises(TableError, match="needs column 'receptor'"):
        run_workflow(spec, folder / "out")
    assert _no_results(folder / "out")


def test_text_feature_column_is_named(small_study):
    folder, spec = small_study
    features = pd.read_csv(folder / "features.csv")
    features["b"] = features["b"].astype(str)
    features.loc[3, "b"] = "not measured"
    features.to_csv(folder / "features.csv", index=False)
    with pytest.raises(TableError, match="'b' has invalid non-numeric values \\('not measured'\\)"):
        run_workflow(spec, folder / "out")
    assert _no_results(folder / "out")


def test_all_nan_feature_is_excluded_and_logged(small_study, caplog):
    folder, spec = small_study
    features = pd.read_csv(folder / "features.csv")
    features["empty"] = np.nan
    features.to_csv(folder / "features.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="radiogenomics"):
        result = run_workflow(spec, folder / "out")
    assert "empty" not in result.cohort.features.columns
    assert "feature 'empty' has no values; it is excluded" in caplog.text
    assert "excluded" in (folder / "out" / "run.log").read_text()


def test_duplicate_patient_is_reported(small_study):
    folder, spec = small_study
    clinical = pd.read_csv(folder / "clinical.csv")
    pd.concat([clinical, clinical.iloc[[0]]]).to_csv(folder / "clinical.csv", index=False)
    result = run_workflow(spec, folder / "out")
    report = result.cohort.id_report
    assert report["identifier"].tolist() == ["P000"]
    assert report["reason"].tolist() == ["duplicate identifier"]


def test_unknown_analysis_setting_is_rejected(small_study):
    folder, spec = small_study
    spec["analyses"]["associations"]["corection"] = "holm"
    with pytest.raises(WorkflowError, match="unknown setting\\(s\\) \\['corection'\\]"):
        run_workflow(spec, folder / "out")


def test_existing_results_folder_is_kept(small_study):
    folder, spec = small_study
    (folder / "out").mkdir()
    (folder / "out" / "keep.txt").write_text("earlier results")
    with pytest.raises(FileExistsError, match="--overwrite"):
        run_workflow(spec, folder / "out")
    assert (folder / "out" / "keep.txt").read_text() == "earlier results"


def test_cli_reports_error_without_traceback(tmp_path, capsys):
    workflow = tmp_path / "bad.yaml"
    workflow.write_text("name: bad\ncohort: {}\nanalyses: {regression: {}}\n")
    code = main(["run", str(workflow), "--out", str(tmp_path / "out")])
    assert code == 1
    error = capsys.readouterr().err
    assert "unknown analysis ['regression']" in error
    assert "Traceback" not in error
    assert _no_results(tmp_path / "out")


def test_overwrite_refuses_a_folder_of_inputs(small_study):
    folder, spec = small_study
    with pytest.raises(FileExistsError, match="replaces only an earlier results folder"):
        run_workflow(spec, folder, overwrite=True)
    assert (folder / "features.csv").is_file()
    assert (folder / "clinical.csv").is_file()


def test_overwrite_replaces_earlier_results(small_study):
    folder, spec = small_study
    run_workflow(spec, folder / "out")
    (folder / "out" / "stale.txt").write_text("old")
    run_workflow(spec, folder / "out", overwrite=True)
    assert (folder / "out" / "provenance.json").is_file()
    assert not (folder / "out" / "stale.txt").exists()


def test_results_folder_is_readable_by_others(small_study):
    folder, spec = small_study
    run_workflow(spec, folder / "out")
    assert (folder / "out").stat().st_mode & 0o005 == 0o005


def test_sigterm_removes_temporary_folder(small_study):
    import os
    import signal
    import subprocess
    import sys
    import time

    import yaml

    folder, spec = small_study
    spec["analyses"]["prediction"]["repeats"] = 200
    workflow = folder / "slow.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    process = subprocess.Popen(
        [sys.executable, "-m", "radiogenomics.cli", "run", str(workflow), "--out",
         str(folder / "out"), "--jobs", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    # The univariate ROC table is written just before the long cross-validation starts,
    # so the signal arrives in the middle of the run.
    deadline = time.monotonic() + 60
    while not list(folder.glob(".out.*/univariate_auc.csv")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before the signal could be sent"
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert _no_results(folder / "out")


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_out_naming_a_file_says_so(small_study, capsys, overwrite):
    folder, spec = small_study
    workflow = folder / "small.yaml"
    workflow.write_text(yaml.safe_dump(spec))
    target = folder / "notes.txt"
    target.write_text("not a results folder")
    code = main(["run", str(workflow), "--out", str(target), *overwrite])
    assert code == 1
    error = capsys.readouterr().err
    assert f"--out {target} is an existing file, not a folder; choose a folder path" in error
    assert "already exists" not in error
    assert target.read_text() == "not a results folder"


def test_latin1_labels_table_names_file_and_byte(small_study, capsys):
    folder, spec = small_study
    clinical = folder / "clinical.csv"
    text = clinical.read_text(encoding="utf-8").replace("neg", "n\u00e9g")
    clinical.write_bytes(text.encode("latin-1"))
    first = text.encode("latin-1").index(b"\xe9")
    spec["cohort"]["labels"]["status"]["negative"] = ["n\u00e9g"]
    workflow = folder / "small.yaml"
    workflow.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    code = main(["run", str(workflow), "--out", str(folder / "out")])
    assert code == 1
    error = capsys.readouterr().err
    assert (f"table {clinical} is not UTF-8 text (byte 0xe9 at offset {first}); save it as "
            "a UTF-8 CSV") in error
    assert "Traceback" not in error
    assert _no_results(folder / "out")
